package web

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestStylesheetContrast checks the colour pairs the stylesheet uses
// against WCAG 2.1 AA: 4.5:1 for text, 3:1 for borders and focus rings.
func TestStylesheetContrast(t *testing.T) {
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(mustStatic(t, "kring.css")), -1) {
		vars[m[1]] = m[2]
	}
	tests := []struct {
		fg, bg string
		min    float64
	}{
		{"text", "background", 4.5},
		{"muted", "background", 4.5},
		{"link", "background", 4.5},
		{"background", "link", 4.5}, // button label
		{"header-text", "header-background", 4.5},
		{"error", "background", 4.5},
		{"error", "error-background", 4.5},
		{"notice", "notice-background", 4.5},
		{"focus-ring", "focus", 4.5}, // the skip link
		{"border", "background", 3},
		{"focus", "header-background", 3},
		{"focus-ring", "background", 3},
	}
	for _, tt := range tests {
		fg, bg := vars[tt.fg], vars[tt.bg]
		if fg == "" || bg == "" {
			t.Errorf("kring.css does not define --%s and --%s", tt.fg, tt.bg)
			continue
		}
		if got := contrast(fg, bg); got < tt.min {
			t.Errorf("--%s on --%s: contrast %.2f:1, want at least %.1f:1", tt.fg, tt.bg, got, tt.min)
		}
	}
}

func TestContrastFormula(t *testing.T) {
	if got := contrast("#000000", "#ffffff"); math.Abs(got-21) > 0.01 {
		t.Errorf("black on white = %.2f, want 21", got)
	}
	if got := contrast("#777777", "#ffffff"); math.Abs(got-4.48) > 0.01 {
		t.Errorf("#777 on white = %.2f, want 4.48", got)
	}
}

// contrast is the WCAG 2.1 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	channel := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(hex[1:3]) + 0.7152*channel(hex[3:5]) + 0.0722*channel(hex[5:7])
}
