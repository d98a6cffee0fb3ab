package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserReports files a report in Chromium through the form from a
// thread page and resolves it through the queue, and runs axe-core on the
// report form, the thanks and the queue (open, with a report about a
// member and one about an actor elsewhere, and with the closed ones), in
// both languages.
func TestBrowserReports(t *testing.T) {
	x := newReportFixture(t)
	ctx := context.Background()
	if _, err := x.fed.ReportLocal(ctx, x.bobM, "", []string{x.trollReply.IRI}, "Reclame.\nAl de derde keer."); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	base := x.n.ts.URL
	login := func(name string) {
		t.Helper()
		b.Do(chromedp.Navigate(base+"/login"),
			chromedp.SendKeys(chromedp.CSS("#username"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	}
	login("alice")
	path := threadPath(x.thread)
	b.Do(chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`a[href^="/report?object="]`)))
	form := "/report?object=" + url.QueryEscape(x.reply.IRI)
	for _, lang := range []string{"nl", "en"} {
		b.Do(chromedp.Navigate(base + form))
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		b.Axe("/report (" + lang + ")")
	}
	b.Do(chromedp.SendKeys(chromedp.CSS("#comment"), "Hij scheldt iedereen uit."),
		chromedp.Click(chromedp.CSS(`form[action="/report"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role="status"]`)))
	b.Axe("/report?done=1 (en)")

	b.Do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)))
	login("mo")
	for _, lang := range []string{"en", "nl"} {
		if lang == "nl" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="nl"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="nl"]`)))
		}
		b.Do(chromedp.Navigate(base + "/admin/reports"))
		b.Axe("/admin/reports (" + lang + ")")
	}
	if got := b.Text("main"); !strings.Contains(got, "Hij scheldt iedereen uit.") || !strings.Contains(got, "Koop nu bonen!") {
		t.Errorf("the queue does not show the reports and what they are about:\n%s", got)
	}
	// Delete bob's reply through the form of its report (the newest, on top).
	b.Do(chromedp.Click(chromedp.CSS(`article.report:first-of-type input[value="delete"]`)),
		chromedp.SendKeys(chromedp.CSS(`article.report:first-of-type input[name="reason"]`), "schelden"),
		chromedp.Click(chromedp.CSS(`article.report:first-of-type form input[name="do"][value="resolve"] ~ button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role="status"]`)))
	if o, _ := x.n.db.ObjectByIRI(ctx, x.reply.IRI); !o.Deleted {
		t.Error("the reply is not deleted after resolving in the browser")
	}
	b.Do(chromedp.Navigate(base + "/admin/reports?all=1"))
	b.Axe("/admin/reports?all=1 (nl)")
	// The error summary after a report was closed meanwhile.
	b.Do(chromedp.Navigate(base + "/admin/reports"))
	mo, _ := x.n.db.MemberByUsername(ctx, "mo")
	if _, err := x.fed.ResolveReport(ctx, mo, 1, content.ReportDismiss, ""); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Click(chromedp.CSS(`article.report input[value="dismiss"]`)),
		chromedp.Click(chromedp.CSS(`article.report form input[name="do"][value="resolve"] ~ button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary`)))
	b.Axe("/admin/reports with an error (nl)")
}
