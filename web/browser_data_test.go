package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/web/browsertest"
)

// TestBrowserData runs axe-core on /data in both languages, as a visitor
// and as an admin with the licence form, and changes the licence through
// the form.
func TestBrowserData(t *testing.T) {
	x := newOpenDataFixture(t)
	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	base := x.n.ts.URL
	b.Do(chromedp.Navigate(base+"/data"), chromedp.WaitVisible(chromedp.CSS("#dataset-members")))
	b.Axe("/data as a visitor (nl)")
	if got := b.Text("h1"); got != "Open data" {
		t.Errorf("h1 = %q", got)
	}
	b.Do(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "beheer"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	for _, lang := range []string{"nl", "en"} {
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		b.Do(chromedp.Navigate(base+"/data"), chromedp.WaitVisible(chromedp.CSS(`form[action="/data/licence"]`)))
		if got := browsertest.Eval[string](b, "document.documentElement.lang"); got != lang {
			t.Fatalf("/data: html lang = %q, want %q", got, lang)
		}
		b.Axe("/data as an admin (" + lang + ")")
	}
	b.Do(chromedp.Click(chromedp.CSS("#licence-cc0")),
		chromedp.Click(chromedp.CSS(`form[action="/data/licence"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.Axe("/data after saving the licence (en)")
	if got := b.Text("#licence-heading + p"); !strings.Contains(got, "CC0 1.0 Universal") {
		t.Errorf("licence after the change = %q", got)
	}
}
