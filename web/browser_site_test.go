package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserSitePagesAndNotifications runs axe-core on the static pages,
// the notifications and the page admin, in both languages.
func TestBrowserSitePagesAndNotifications(t *testing.T) {
	n := newTestNode(t)
	ada := n.member("ada", "Ada Lovelace")
	n.admin("beheer")
	ctx := context.Background()
	for _, p := range []struct {
		slug  string
		lang  content.Language
		title string
		body  string
	}{
		{"about", "nl", "Over ons", "## Wie wij zijn\n\nWij zijn **Kring**, een [netwerk](https://example.org).\n\n- een\n- twee"},
		{"about", "en", "About us", "## Who we are\n\nWe are **Kring**."},
		{"contact", "nl", "Contact", "Mail ons."},
	} {
		page, err := NewPage(p.slug, p.lang, p.title, p.body, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.db.PutPage(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	post := "https://" + n.srv.cfg.Host + "/@ada/posts/1"
	n.notify(ada, content.NotifyFollow, "https://social.example/users/erik", "Erik", "")
	n.notify(ada, content.NotifyLike, "https://social.example/users/erik", "Erik", post)
	n.notify(ada, content.NotifyMention, "https://other.example/u/gert", "", "https://other.example/notes/9")

	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	url := n.ts.URL
	// switchTo uses the menu's language switch, which offers only the
	// language not shown.
	switchTo := func(code string) {
		t.Helper()
		if browsertest.Eval[string](b, "document.documentElement.lang") == code {
			return
		}
		b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="`+code+`"]`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+code+`"]`)))
	}
	axe := func(path, code string) {
		t.Helper()
		b.Do(chromedp.Navigate(url + path))
		if got := browsertest.Eval[string](b, "document.documentElement.lang"); got != code {
			t.Fatalf("%s: html lang = %q, want %q", path, got, code)
		}
		b.Axe(path + " (" + code + ")")
	}
	login := func(username string) {
		t.Helper()
		b.Do(chromedp.Navigate(url+"/login"),
			chromedp.SendKeys(chromedp.CSS("#username"), username),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	}

	// Anonymous: a page in each language, and one only in Dutch.
	for _, code := range []string{"nl", "en"} {
		b.Do(chromedp.Navigate(url + "/"))
		switchTo(code)
		axe("/p/about", code)
		axe("/p/contact", code)
	}
	if got := browsertest.Eval[string](b, `document.querySelector("article.site-page").lang`); got != "nl" {
		t.Errorf("the Dutch-only page shown in English has lang %q on its text, want nl", got)
	}

	// A member's notifications, with the unread count in the menu.
	switchTo("nl")
	login("ada")
	for _, code := range []string{"nl", "en"} {
		switchTo(code)
		axe("/notifications", code)
	}
	name := browsertest.Eval[string](b, `document.querySelector('nav a[href="/notifications"]').innerText`)
	if !strings.Contains(name, "Notifications (3") || !strings.Contains(name, "unread") {
		t.Errorf("the menu's notifications link reads %q, want the count in words", name)
	}
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/notifications/read"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	b.Axe("/notifications after marking read (en)")
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))

	// The page admin, with and without errors.
	login("beheer")
	for _, code := range []string{"nl", "en"} {
		switchTo(code)
		axe("/admin/pages", code)
		b.Do(chromedp.SendKeys(chromedp.CSS("#slug"), "Bad Slug"),
			chromedp.SendKeys(chromedp.CSS("#title"), "Titel"),
			chromedp.SendKeys(chromedp.CSS("#nav_order"), "eerst"),
			chromedp.SendKeys(chromedp.CSS("#body"), "Tekst."),
			chromedp.Click(chromedp.CSS(`form[action="/admin/pages"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		b.Axe("/admin/pages with errors (" + code + ")")
	}
}
