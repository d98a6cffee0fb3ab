package web

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/federation"
	"kring/web/browsertest"
)

// TestBrowserForumPages asks a question in Chromium through the form and
// runs axe-core on the forums, a forum, the new-question form, a thread
// with nested replies and an answer and the forum admin page, in both
// languages. The browser is an admin's: admins moderate every forum, so
// the thread pages show every button (the ban on the asker on the thread
// someone else started).
func TestBrowserForumPages(t *testing.T) {
	x := newForumFixture(t)
	ctx := context.Background()
	f := x.createForum(t, "koffie", "Koffie en data")
	x.createForum(t, "archief", "Archief")
	for _, forum := range []string{"koffie", "archief"} {
		x.admin.post("/admin/forums", url.Values{"csrf": {x.admin.csrf("/admin/forums")}, "action": {"add_moderator"},
			"forum": {forum}, "username": {"mo"}})
	}
	rules, err := x.fed.StartThread(ctx, x.bobM, f, federation.ThreadInput{Title: "Huisregels", Body: "Lees dit eerst."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.Reply(ctx, x.aliceM, rules.IRI, "Duidelijk."); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	base := x.n.ts.URL
	b.Do(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "beheer"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	b.Do(chromedp.Navigate(base+"/f/koffie/new"),
		chromedp.SendKeys(chromedp.CSS("#title"), "Hoe delen we open data?"),
		chromedp.SendKeys(chromedp.CSS("#body"), "Wie heeft *ervaring* met CKAN?"),
		chromedp.Click(chromedp.CSS(`form.compose button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.question h1")))
	if got := b.Text("article.question h1"); got != "Hoe delen we open data?" {
		t.Fatalf("after asking the page shows %q", got)
	}
	path := browsertest.Eval[string](b, "location.pathname")
	thread := x.threadAtPath(t, path)
	parent := thread.IRI
	var answerID int64
	for i := range 4 {
		m := x.bobM
		if i%2 == 1 {
			m = x.aliceM
		}
		reply, err := x.fed.Reply(ctx, m, parent, fmt.Sprintf("Reactie %d met een [link](https://example.org/).", i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			answerID = reply.ID
		}
		parent = reply.IRI
	}
	remote := &content.Object{IRI: "https://remote.test/notes/1", Type: "Note", AttributedTo: "https://remote.test/users/grace",
		InReplyTo: thread.IRI, Content: "<p>Groeten van elders!</p>", Public: true, Published: time.Now().UTC(),
		AuthorName: "Grace", AuthorHandle: "grace@remote.test", AuthorURL: "https://remote.test/@grace"}
	if _, err := x.n.db.PutObject(ctx, remote); err != nil {
		t.Fatal(err)
	}

	// The answer buttons sit outside their form (the form attribute):
	// they must still post it, with its CSRF token.
	answer := fmt.Sprintf(`#c%d button[form="answer-form"]`, answerID)
	b.Do(chromedp.Navigate(base+path), chromedp.Click(chromedp.CSS(answer)), chromedp.WaitVisible(chromedp.CSS("#answer")))
	b.Do(chromedp.Click(chromedp.CSS(answer)), chromedp.WaitNotPresent(chromedp.CSS("#answer")))
	b.Do(chromedp.Click(chromedp.CSS(answer)), chromedp.WaitVisible(chromedp.CSS("#answer")))
	if got := b.Text("#answer .comment-body"); got != "Reactie 0 met een link." {
		t.Errorf("the answer under the question reads %q", got)
	}
	for _, lang := range []string{"nl", "en"} {
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		for _, page := range []string{"/f", "/f/koffie", "/f/koffie?answered=yes", path, threadPath(rules), "/f/koffie/new", "/admin/forums"} {
			b.Do(chromedp.Navigate(base + page))
			b.Axe(page + " (" + lang + ")")
		}
		// The reply forms inside <details>, opened.
		b.Do(chromedp.Navigate(base + path))
		browsertest.Eval[bool](b, `document.querySelectorAll("details").forEach(d => d.open = true), true`)
		b.Axe(path + " with open forms (" + lang + ")")
	}
}
