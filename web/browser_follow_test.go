package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserFollowPages drives Chromium through the following pages of a
// member with one follow request waiting, one follower and one account
// followed, and runs axe-core on each page in both languages, with and
// without an error on the follow form.
func TestBrowserFollowPages(t *testing.T) {
	n, fed := newFederatedNode(t)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob de Bouwer", "carol": "Carol", "dave": "Dave"})
	n.member("ada", "Ada Lovelace")
	ada := fed.IRIs().Actor("ada")
	for _, name := range []string{"bob", "carol", "dave"} {
		remote.store(t, n, name)
	}
	seedFollow(t, n, remote.actor("bob"), ada, content.FollowPending)
	seedFollow(t, n, remote.actor("carol"), ada, content.FollowAccepted)
	seedFollow(t, n, ada, remote.actor("dave"), content.FollowAccepted)

	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	url := n.ts.URL
	b.Do(chromedp.Navigate(url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))

	switchTo := func(code string) {
		t.Helper()
		b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="`+code+`"]`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+code+`"]`)))
	}
	check := func(code string, want map[string]string) {
		t.Helper()
		for _, page := range []string{"/follows", "/followers", "/settings"} {
			b.Do(chromedp.Navigate(url + page))
			if got := browsertest.Eval[string](b, "document.documentElement.lang"); got != code {
				t.Fatalf("%s: html lang = %q, want %q", page, got, code)
			}
			if got := b.Text("h1"); got != want[page] {
				t.Errorf("%s (%s): h1 = %q, want %q", page, code, got, want[page])
			}
			b.Axe(page + " (" + code + ")")
		}
		// The follow form with an error on its field; the browser's own
		// check is bypassed by typing something that is not a handle.
		b.Do(chromedp.Navigate(url+"/follows"),
			chromedp.SendKeys(chromedp.CSS("#target"), "nobody"),
			chromedp.Click(chromedp.CSS(`form[action="/follows"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#target-error")))
		b.Axe("/follows with an error (" + code + ")")
	}

	check("nl", map[string]string{"/follows": "Volgen", "/followers": "Volgers", "/settings": "Instellingen"})
	b.Do(chromedp.Navigate(url + "/followers"))
	if got := b.Text(".requests .actor-list"); !strings.Contains(got, "@"+remote.handle("bob")) || !strings.Contains(got, "Accepteren") {
		t.Errorf("the waiting request is not shown with its buttons: %q", got)
	}
	switchTo("en")
	check("en", map[string]string{"/follows": "Following", "/followers": "Followers", "/settings": "Settings"})

	// Approve Bob with the button that names him.
	b.Do(chromedp.Navigate(url+"/followers"),
		chromedp.Click(chromedp.CSS(`form[action="/followers/approve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice[role="status"]`)))
	if got := b.Text(".notice"); got != "The follow request has been approved." {
		t.Errorf("after approving the page says %q", got)
	}
	b.Axe("/followers after approving (en)")
	if got := followState(t, n, remote.actor("bob"), ada); got != content.FollowAccepted {
		t.Errorf("after approving in the browser bob's follow is %q", got)
	}
}
