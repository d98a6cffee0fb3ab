package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserSearch searches in Chromium from the search field in the
// header, and runs axe-core on the search page empty, with results (a
// marked title and snippet), with nothing found and with an error on a
// filter, in both languages.
func TestBrowserSearch(t *testing.T) {
	n := newTestNode(t)
	ada := n.member("ada", "Ada Lovelace")
	seedPost(t, n, ada, 1, "Fietstocht langs de coöperatie", "<p>Zondag fietsen we naar het café aan de dijk.</p>", content.VisibilityPublic)
	seedPost(t, n, ada, 2, "Verslag", "<p>De fietstocht was nat maar gezellig.</p>", content.VisibilityPublic)

	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	base := n.ts.URL
	b.Do(chromedp.Navigate(base+"/"),
		chromedp.SendKeys(chromedp.CSS("#site-search-q"), "cooperatie"),
		chromedp.Click(chromedp.CSS(`form[action="/search"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".search-hit")))
	if got := b.Text(".search-hit h3"); got != "Fietstocht langs de coöperatie" {
		t.Errorf("first hit = %q", got)
	}
	b.Axe("/ with the search field (nl)")

	check := func(code string) {
		t.Helper()
		for _, page := range []string{"/search", searchFor("fietstocht"), searchFor("onvindbaar"), searchFor("fietstocht", "since", "morgen")} {
			b.Do(chromedp.Navigate(base + page))
			if got := browsertest.Eval[string](b, "document.documentElement.lang"); got != code {
				t.Fatalf("%s: html lang = %q, want %q", page, got, code)
			}
			b.Axe(page + " (" + code + ")")
		}
		b.Do(chromedp.Navigate(base + searchFor("fietstocht")))
		if got := b.Text(".search-results"); !strings.Contains(got, "Verslag") || !strings.Contains(got, "Fietstocht langs") {
			t.Errorf("results (%s): %q", code, got)
		}
	}
	check("nl")
	b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)), chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
	check("en")
	b.Do(chromedp.Navigate(base + "/search"))
	if got := b.Text("h1"); got != "Search" {
		t.Errorf("h1 in English = %q", got)
	}
}
