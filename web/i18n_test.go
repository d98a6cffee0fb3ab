package web

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"kring/content"
)

func testCatalogs(t *testing.T) map[content.Language]catalog {
	t.Helper()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	return cats
}

func sortedKeys(c catalog) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var placeholderRE = regexp.MustCompile(`\{\d+\}`)

func TestCatalogueParity(t *testing.T) {
	cats := testCatalogs(t)
	nl, en := cats[content.LanguageDutch], cats[content.LanguageEnglish]
	if diff := cmp.Diff(sortedKeys(nl), sortedKeys(en)); diff != "" {
		t.Errorf("nl and en catalogues have different keys (-nl +en):\n%s", diff)
	}
	for key, msg := range nl {
		other, ok := en[key]
		if !ok {
			continue
		}
		got, want := placeholderRE.FindAllString(other, -1), placeholderRE.FindAllString(msg, -1)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: en has placeholders %v, nl has %v", key, got, want)
		}
		if strings.TrimSpace(msg) == "" || strings.TrimSpace(other) == "" {
			t.Errorf("%s: empty message", key)
		}
	}
	for _, l := range content.Languages {
		if _, ok := cats[l]; !ok {
			t.Errorf("no catalogue for supported language %s", l)
		}
	}
}

// templateSources returns every template file's text by name.
func templateSources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var templateKeyRE = regexp.MustCompile(`\bt\s+"([^"]+)"`)

func TestTemplateKeysExist(t *testing.T) {
	cats := testCatalogs(t)
	used := 0
	for name, src := range templateSources(t) {
		for _, m := range templateKeyRE.FindAllStringSubmatch(src, -1) {
			used++
			for lang, c := range cats {
				if _, ok := c[m[1]]; !ok {
					t.Errorf("%s uses key %q, missing from the %s catalogue", name, m[1], lang)
				}
			}
		}
	}
	if used < 20 {
		t.Errorf("found only %d {{t ...}} calls in the templates; is the pattern still right?", used)
	}
}

// TestGoKeysExist checks the keys Go code passes to the catalogue: every
// string literal in the package that looks like a key of a known section.
func TestGoKeysExist(t *testing.T) {
	cats := testCatalogs(t)
	sections := map[string]bool{}
	for k := range cats[content.LanguageDutch] {
		section, _, _ := strings.Cut(k, ".")
		sections[section] = true
	}
	keyRE := regexp.MustCompile(`^[a-z_]+(\.[a-z0-9_]+)+$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var sc scanner.Scanner
		sc.Init(fset.AddFile(name, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := sc.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			s, err := strconv.Unquote(lit)
			if err != nil || !keyRE.MatchString(s) {
				continue
			}
			section, _, _ := strings.Cut(s, ".")
			if !sections[section] {
				continue
			}
			checked++
			for lang, c := range cats {
				if _, ok := c[s]; !ok {
					t.Errorf("%s: key %q is missing from the %s catalogue", fset.Position(pos), s, lang)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("found only %d keys in Go code; is the scan still right?", checked)
	}
}

// TestDynamicKeysExist covers keys built at run time.
func TestDynamicKeysExist(t *testing.T) {
	cats := testCatalogs(t)
	var keys []string
	for _, l := range content.Languages {
		keys = append(keys, "language.name."+string(l))
	}
	for m := 1; m <= 12; m++ {
		keys = append(keys, "month."+strconv.Itoa(m))
	}
	// The domain errors a settings form can meet must read well in both
	// languages, not fall back to the generic message.
	for _, code := range []string{"password.short", "password.long", "password.username", "password.repeated",
		"password.common", "display_name.long", "display_name.chars", "bio.long", "language.invalid"} {
		keys = append(keys, "error.code."+code)
	}
	for _, key := range keys {
		for lang, c := range cats {
			if _, ok := c[key]; !ok {
				t.Errorf("key %q is missing from the %s catalogue", key, lang)
			}
		}
	}
}

var (
	actionRE    = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	commentRE   = regexp.MustCompile(`(?s)<!--.*?-->`)
	tagRE       = regexp.MustCompile(`(?s)<[^>]*>`)
	textAttrRE  = regexp.MustCompile(`\b(aria-label|title|alt|placeholder|aria-description)="([^"]*)"`)
	doctypeRE   = regexp.MustCompile(`(?i)<!doctype html>`)
	letterCheck = func(s string) bool { return strings.ContainsFunc(s, unicode.IsLetter) }
)

// TestNoHardcodedText fails when a template holds visible words of its own:
// all text must come from the catalogue (or from data) through actions.
func TestNoHardcodedText(t *testing.T) {
	for name, src := range templateSources(t) {
		src = actionRE.ReplaceAllString(src, "\x00")
		src = commentRE.ReplaceAllString(src, "")
		src = doctypeRE.ReplaceAllString(src, "")
		for _, m := range textAttrRE.FindAllStringSubmatch(src, -1) {
			if letterCheck(m[2]) {
				t.Errorf("%s: attribute %s has literal text %q", name, m[1], m[2])
			}
		}
		text := tagRE.ReplaceAllString(src, " ")
		for _, line := range strings.Split(text, "\n") {
			if letterCheck(line) {
				t.Errorf("%s: literal visible text %q", name, strings.TrimSpace(line))
			}
		}
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for name, src := range templateSources(t) {
		if m := inline.FindString(src); m != "" {
			t.Errorf("%s contains %q: the CSP allows no inline script or style", name, m)
		}
	}
}

func TestPreferredLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   content.Language
		ok     bool
	}{
		{"nl", "nl", true},
		{"en", "en", true},
		{"en-GB,en;q=0.9", "en", true},
		{"nl-BE, en;q=0.5", "nl", true},
		{"fr, en;q=0.5, nl;q=0.8", "nl", true},
		{"de-DE, en;q=0.3", "en", true},
		{"en;q=0.2, nl;q=0.9", "nl", true},
		{"nl;q=0, en;q=0.1", "en", true},
		{"EN-us", "en", true},
		{"en; q=0.5, nl; Q=0.6", "nl", true},
		{"en;q=1.5, nl;q=0.1", "nl", true}, // an out-of-range weight is ignored
		{"en;q=abc, nl", "nl", true},
		{"fr, de", "", false},
		{"*", "", false},
		{"fr, *;q=0.9, en;q=0.5", "", false}, // the wildcard outranks en: the node decides
		{"", "", false},
		{" , ;q=1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := preferredLanguage(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("preferredLanguage(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCatalogT(t *testing.T) {
	c := catalog{"a": "{1} na {0}", "b": "{0} en {0}"}
	tests := []struct {
		key  string
		args []any
		want string
	}{
		{"a", []any{"x", 2}, "2 na x"},
		{"b", []any{"y"}, "y en y"},
		{"missing", nil, "[[missing]]"},
	}
	for _, tt := range tests {
		if got := c.t(tt.key, tt.args...); got != tt.want {
			t.Errorf("t(%q, %v) = %q, want %q", tt.key, tt.args, got, tt.want)
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	n.member("erik", "Erik")
	if err := n.db.UpdateProfile(t.Context(), 2, "Erik", "", content.LanguageEnglish); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name           string
		acceptLanguage string
		switchTo       string // POST /language first
		loginAs        string
		wantLang       string
		wantText       string
	}{
		{name: "no preference: node default", wantLang: "nl", wantText: "Inloggen"},
		{name: "browser asks for Dutch", acceptLanguage: "nl-NL,nl;q=0.9", wantLang: "nl", wantText: "Inloggen"},
		{name: "browser asks for English", acceptLanguage: "en-GB,en;q=0.9", wantLang: "en", wantText: "Log in"},
		{name: "browser asks for French: node default", acceptLanguage: "fr-FR", wantLang: "nl", wantText: "Inloggen"},
		{name: "switch overrides the browser", acceptLanguage: "en", switchTo: "nl", wantLang: "nl", wantText: "Inloggen"},
		{name: "switch to English", acceptLanguage: "nl", switchTo: "en", wantLang: "en", wantText: "Log in"},
		{name: "member's language beats the browser", acceptLanguage: "nl", loginAs: "erik", wantLang: "en", wantText: "Logged in as Erik"},
		{name: "switch beats the member's language", loginAs: "erik", switchTo: "nl", wantLang: "nl", wantText: "Ingelogd als Erik"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := n.browser()
			if tt.acceptLanguage != "" {
				b.header.Set("Accept-Language", tt.acceptLanguage)
			}
			if tt.loginAs != "" {
				b.login(tt.loginAs, testPassword)
			}
			if tt.switchTo != "" {
				res := b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {tt.switchTo}, "next": {"/"}})
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("switch: status = %d, want 303", res.StatusCode)
				}
			}
			res := b.get("/")
			if got := htmlLang(res.body); got != tt.wantLang {
				t.Errorf("<html lang> = %q, want %q", got, tt.wantLang)
			}
			if got := res.Header.Get("Content-Language"); got != tt.wantLang {
				t.Errorf("Content-Language = %q, want %q", got, tt.wantLang)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page does not contain %q", tt.wantText)
			}
		})
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	tests := []struct {
		name, next, referer, want string
	}{
		{name: "back to next", next: "/login?next=%2Fsettings", want: "/login?next=%2Fsettings"},
		{name: "external next is refused", next: "https://evil.example/", want: "/"},
		{name: "protocol-relative next is refused", next: "//evil.example/x", want: "/"},
		{name: "local referer", referer: "/login", want: "/login"},
		{name: "foreign referer is ignored", referer: "https://evil.example/login", want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := n.browser()
			req := b.postRequest("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"en"}, "next": {tt.next}})
			req.Header.Set("Origin", n.ts.URL)
			if tt.referer != "" {
				ref := tt.referer
				if strings.HasPrefix(ref, "/") {
					ref = n.ts.URL + ref
				}
				req.Header.Set("Referer", ref)
			}
			res := b.do(req)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
				t.Errorf("got %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), tt.want)
			}
			c := responseCookie(res.Response, langCookie)
			if c == nil || c.Value != "en" || c.SameSite != http.SameSiteLaxMode || !c.HttpOnly {
				t.Errorf("language cookie = %+v", c)
			}
		})
	}

	b := n.browser()
	if res := b.post("/language", url.Values{"lang": {"en"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("switch without a token: status = %d, want 403", res.StatusCode)
	}
	if res := b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"fr"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("switch to an unsupported language: status = %d, want 400", res.StatusCode)
	}
}

// TestPagesHaveNoMissingKeys renders every page in both languages and looks
// for the [[key]] a missing translation leaves.
func TestPagesHaveNoMissingKeys(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	n.member("bob", "")
	n.suspend("bob")
	for _, lang := range content.Languages {
		t.Run(string(lang), func(t *testing.T) {
			b := n.browser()
			b.header.Set("Accept-Language", string(lang))
			pages := []result{
				b.get("/"), b.get("/login"), b.get("/@alice"), b.get("/@bob"), b.get("/@nobody"),
				b.get("/no/such/page"), b.post("/@alice", url.Values{}), b.post("/login", url.Values{}),
				b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"x"}, "password": {"y"}}),
			}
			b.login("alice", testPassword)
			// Alice's own language is Dutch; the switch outranks it.
			b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {string(lang)}})
			pages = append(pages, b.get("/settings"), b.get("/settings?saved=profile"), b.get("/settings?saved=password"),
				b.post("/settings/password", url.Values{"csrf": {b.csrf("/settings")}, "current_password": {"x"}}))
			for _, res := range pages {
				if strings.Contains(res.body, "[[") {
					i := strings.Index(res.body, "[[")
					t.Errorf("%s %s (%d): missing translation near %q", res.Request.Method, res.Request.URL.Path,
						res.StatusCode, res.body[i:min(len(res.body), i+60)])
				}
				if got := htmlLang(res.body); got != string(lang) {
					t.Errorf("%s %s: <html lang> = %q, want %q", res.Request.Method, res.Request.URL.Path, got, lang)
				}
				if c := strings.Count(res.body, "<h1"); c != 1 {
					t.Errorf("%s %s: %d <h1> elements, want 1", res.Request.Method, res.Request.URL.Path, c)
				}
				for _, landmark := range []string{"<header", "<nav", "<main", "<footer", `class="skip-link" href="#main"`, `id="main"`} {
					if !strings.Contains(res.body, landmark) {
						t.Errorf("%s %s: no %s", res.Request.Method, res.Request.URL.Path, landmark)
					}
				}
			}
		})
	}
}
