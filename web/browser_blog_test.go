package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserBlogPages writes a post in Chromium through the compose form
// and runs axe-core on the compose page, the post page with comments and
// the tag page, in both languages.
func TestBrowserBlogPages(t *testing.T) {
	n, fed := newFederatedNode(t)
	alice := n.member("ada", "Ada Lovelace")
	b := browsertest.New(t)
	url := n.ts.URL
	b.Do(chromedp.Navigate(url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	b.Do(chromedp.Navigate(url + "/write"))
	b.Axe("/write (nl)")
	b.Do(chromedp.SendKeys(chromedp.CSS("#title"), "Open Koffie"),
		chromedp.SendKeys(chromedp.CSS("#body"), "Een *mooie* ochtend over #opendata."),
		chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.post h1")))
	if got := b.Text("article.post h1"); got != "Open Koffie" {
		t.Fatalf("after publishing the page shows %q", got)
	}
	p, err := n.db.PostBySlug(context.Background(), "ada", "open-koffie")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		obj := &content.Object{IRI: fmt.Sprintf("https://remote.test/notes/%d", i), Type: "Note", AttributedTo: "https://remote.test/users/grace",
			InReplyTo: p.IRI, Content: "<p>Ik kom ook!</p>", Public: true, Published: time.Now().UTC(),
			AuthorName: "Grace", AuthorHandle: "grace@remote.test", AuthorURL: "https://remote.test/@grace"}
		if _, err := n.db.PutObject(context.Background(), obj); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fed.Reply(context.Background(), alice, "https://remote.test/notes/0", "Fijn!"); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", "en"} {
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		for _, page := range []string{"/@ada/open-koffie", "/tags/opendata", "/write", "/@ada/open-koffie/edit"} {
			b.Do(chromedp.Navigate(url + page))
			b.Axe(page + " (" + lang + ")")
		}
	}
}
