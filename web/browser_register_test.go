package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/storage"
	"kring/web/browsertest"
)

// TestBrowserRegisterWithInvite registers through an invitation link in
// Chromium. The page hides its address (which holds the code) from other
// sites; with Referrer-Policy no-referrer Chromium sends "Origin: null" on
// the form's POST, which the CSRF check rightly refuses, so registering in
// a real browser failed while every handler test passed.
func TestBrowserRegisterWithInvite(t *testing.T) {
	n := newTestNode(t)
	code := content.NewToken()
	if err := n.db.CreateInvite(context.Background(), code, &storage.Invite{MaxUses: 1, ExpiresAt: n.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(n.ts.URL+"/register?invite="+code),
		chromedp.SendKeys(chromedp.CSS("#username"), "nieuw"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirm_password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	if got := b.Text(".nav-member"); !strings.Contains(got, "nieuw") {
		t.Errorf("after registering the header says %q, want the new member logged in", got)
	}
	if _, err := n.db.MemberByUsername(context.Background(), "nieuw"); err != nil {
		t.Errorf("the member was not created: %v", err)
	}
}
