package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/web/browsertest"
)

// TestBrowserLoginLanguageLogout drives Chromium through the pages a member
// uses first, and runs axe-core on every page in both languages.
func TestBrowserLoginLanguageLogout(t *testing.T) {
	n := newTestNode(t)
	n.member("ada", "Ada Lovelace")
	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	url := n.ts.URL

	lang := func() string { return browsertest.Eval[string](b, "document.documentElement.lang") }
	nav := func() string { return b.Text("nav") }
	switchTo := func(code string) {
		t.Helper()
		b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="`+code+`"]`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+code+`"]`)))
	}
	axeAll := func(code string) {
		t.Helper()
		for _, page := range []string{"/", "/login", "/@ada"} {
			b.Do(chromedp.Navigate(url + page))
			if got := lang(); got != code {
				t.Fatalf("%s: html lang = %q, want %q", page, got, code)
			}
			b.Axe(page + " (" + code + ")")
		}
	}

	// Anonymous, in Dutch from Accept-Language, then in English.
	axeAll("nl")
	b.Do(chromedp.Navigate(url + "/"))
	if !strings.Contains(nav(), "Inloggen") {
		t.Fatalf("Dutch nav lacks Inloggen: %q", nav())
	}
	switchTo("en")
	axeAll("en")
	switchTo("nl")

	// Log in through the form.
	b.Do(chromedp.Navigate(url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	if got := b.Text(".nav-member"); got != "Ingelogd als Ada Lovelace" {
		t.Errorf("after login the nav says %q, want %q", got, "Ingelogd als Ada Lovelace")
	}
	b.Axe("home, logged in (nl)")
	b.Do(chromedp.Navigate(url + "/settings"))
	b.Axe("/settings (nl)")

	// Switch to English and back; the member stays logged in.
	switchTo("en")
	if got := b.Text(".nav-member"); got != "Logged in as Ada Lovelace" {
		t.Errorf("in English the nav says %q", got)
	}
	b.Axe("/settings (en)")
	switchTo("nl")
	if got := b.Text(".nav-member"); got != "Ingelogd als Ada Lovelace" {
		t.Errorf("back in Dutch the nav says %q", got)
	}

	// Log out.
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))
	if strings.Contains(nav(), "Ada Lovelace") {
		t.Errorf("after logout the nav still names the member: %q", nav())
	}
	b.Do(chromedp.Navigate(url + "/settings"))
	if strings.Contains(nav(), "Ada Lovelace") {
		t.Errorf("settings still shows the member after logout: %q", nav())
	}
}
