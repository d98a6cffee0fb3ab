package web

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/storage/storagetest"
)

// publish writes and publishes a post through the compose form and
// returns the post's path.
func publish(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	form.Set("csrf", b.csrf("/write"))
	if form.Get("action") == "" {
		form.Set("action", "publish")
	}
	if form.Get("language") == "" {
		form.Set("language", "nl")
	}
	res := b.post("/write", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: status %d\n%s", res.StatusCode, res.body)
	}
	return res.Header.Get("Location")
}

func TestComposePublishAndRead(t *testing.T) {
	n, _ := newFederatedNode(t)
	n.member("alice", "Alice de Vries")
	b := n.browser()
	b.login("alice", testPassword)

	// Preview renders Markdown without saving anything.
	res := b.post("/write", url.Values{"csrf": {b.csrf("/write")}, "action": {"preview"}, "language": {"nl"},
		"title": {"Concept"}, "body": {"Hallo **wereld**"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "<strong>wereld</strong>") {
		t.Fatalf("preview: %d\n%s", res.StatusCode, res.body)
	}
	if posts, _ := n.db.Posts(context.Background(), storageFilterAll()); len(posts) != 0 {
		t.Fatalf("preview saved %d posts", len(posts))
	}
	// A missing title is refused at the field.
	res = b.post("/write", url.Values{"csrf": {b.csrf("/write")}, "action": {"publish"}, "language": {"nl"}, "body": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="title-error"`) {
		t.Fatalf("no title: %d\n%s", res.StatusCode, res.body)
	}

	path := publish(t, b, url.Values{"title": {"Open Koffie: data delen"}, "summary": {"Wat we leerden."},
		"body": {"Eerste alinea over #OpenData.\n\n| a | b |\n|---|---|\n| 1 | 2 |"}, "tags": {"koffie"}})
	if path != "/@alice/open-koffie-data-delen" {
		t.Fatalf("published at %q", path)
	}
	page := n.browser().get(path)
	for _, want := range []string{"<h1>Open Koffie: data delen</h1>", `class="mention hashtag"`, "<table>", `href="/tags/koffie"`,
		"Alice de Vries", `rel="alternate"`, `href="/@alice/feed.rss"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("post page lacks %q", want)
		}
	}
	// The same URL gives servers the Article.
	req, _ := http.NewRequest(http.MethodGet, n.ts.URL+path, nil)
	req.Header.Set("Accept", "application/activity+json")
	as := b.do(req)
	if as.StatusCode != http.StatusOK || !strings.Contains(as.body, `"type":"Article"`) || !strings.Contains(as.Header.Get("Vary"), "Accept") {
		t.Errorf("AS2 at the post URL: %d %s %s", as.StatusCode, as.Header.Get("Vary"), as.body)
	}
	// Someone else cannot edit it; the author can.
	if res := n.browser().get(path + "/edit"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous edit page: %d, want a redirect to login", res.StatusCode)
	}
	if res := b.get(path + "/edit"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "Wat we leerden.") {
		t.Errorf("author's edit page: %d", res.StatusCode)
	}
	// Tag page and feeds.
	if res := n.browser().get("/tags/opendata"); !strings.Contains(res.body, "Open Koffie: data delen") {
		t.Errorf("tag page lacks the post: %d", res.StatusCode)
	}
	for _, feed := range []string{"/feed.rss", "/feed.atom", "/@alice/feed.rss", "/@alice/feed.atom", "/tags/opendata/feed.rss", "/tags/koffie/feed.atom"} {
		res := n.browser().get(feed)
		f, err := gofeed.NewParser().ParseString(res.body)
		if err != nil {
			t.Errorf("%s does not parse as a feed: %v\n%s", feed, err, res.body)
			continue
		}
		wantType := "rss"
		if strings.HasSuffix(feed, "atom") {
			wantType = "atom"
		}
		if f.FeedType != wantType || len(f.Items) != 1 || f.Items[0].Title != "Open Koffie: data delen" ||
			!strings.HasSuffix(f.Items[0].Link, path) {
			t.Errorf("%s: %s feed with %d items: %+v", feed, f.FeedType, len(f.Items), f.Items)
		}
	}
	// Delete: the page is gone.
	res = b.post(path+"/delete", url.Values{"csrf": {b.csrf(path)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res := n.browser().get(path); res.StatusCode != http.StatusGone {
		t.Errorf("deleted post page: %d, want 410", res.StatusCode)
	}
}

// TestXSSNeverReachesThePage drives every vector of the corpus through
// Markdown (a post) and through a remote reply onto the post page, and
// checks the rendered page has nothing executable from them.
func TestXSSNeverReachesThePage(t *testing.T) {
	vectors := loadXSSVectors(t)
	if len(vectors) < 60 {
		t.Fatalf("%d XSS vectors, want at least 60", len(vectors))
	}
	ctx := context.Background()
	n, fed := newFederatedNode(t)
	alice := n.member("alice", "")
	body := "Gewone **opmaak** en [een link](https://example.org/).\n\n" + strings.Join(vectors, "\n\n")
	p, err := fed.SavePost(ctx, alice, nil, federation.PostInput{Title: "XSS", Body: body, Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vectors {
		obj := &content.Object{IRI: fmt.Sprintf("https://remote.test/notes/%d", i), Type: "Note", AttributedTo: "https://remote.test/users/mallory",
			InReplyTo: p.IRI, Content: content.SanitizeHTML(v), Public: true, Published: time.Now().UTC(), AuthorHandle: "mallory@remote.test"}
		if _, err := n.db.PutObject(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	res := n.browser().get("/@alice/" + p.Slug)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("post page: %d", res.StatusCode)
	}
	if !strings.Contains(res.body, "<strong>opmaak</strong>") || !strings.Contains(res.body, `href="https://example.org/"`) {
		t.Error("ordinary formatting and links did not survive")
	}
	if got := strings.Count(res.body, `class="comment `); got != len(vectors) {
		t.Errorf("%d comments shown, want %d", got, len(vectors))
	}
	checkNoScript(t, res.body)
}

// checkNoScript parses a page and fails on anything that runs code: script
// elements other than none at all, event handler attributes, javascript:
// or data: URLs, frames, objects and inline styles.
func checkNoScript(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "svg", "math", "base", "meta", "style", "frame", "frameset":
				if tok.Data == "meta" && !hasAttr(tok, "http-equiv") {
					continue
				}
				t.Errorf("page has a <%s> element: %s", tok.Data, tok.String())
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("event handler attribute: %s", tok.String())
				case a.Key == "style":
					t.Errorf("style attribute: %s", tok.String())
				case (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") &&
					(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")):
					t.Errorf("script URL: %s", tok.String())
				}
			}
		}
	}
}

func hasAttr(tok html.Token, key string) bool {
	for _, a := range tok.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

var xssUnescape = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r", `\t`, "\t", `\0`, "\x00", `\#`, "#")

func loadXSSVectors(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../content/testdata/xss_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, xssUnescape.Replace(line))
	}
	return out
}

var commentItemRE = regexp.MustCompile(`class="comment `)

type benchNode struct {
	db *storage.DB
	ts *httptest.Server
}

// newBenchNode is a federated node for benchmarks: no fake clock, no logs.
func newBenchNode(b *testing.B) (*benchNode, *federation.Node) {
	b.Helper()
	db := storagetest.Open(b)
	ts := httptest.NewUnstartedServer(nil)
	host := ts.Listener.Addr().String()
	fed, err := federation.New(db, federation.Config{Host: host, Dev: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := newServer(db, Config{Host: host, Dev: true, Logger: slog.New(slog.DiscardHandler), Federation: fed})
	if err != nil {
		b.Fatal(err)
	}
	s.start()
	b.Cleanup(s.Close)
	ts.Config.Handler = s
	ts.Start()
	b.Cleanup(ts.Close)
	return &benchNode{db: db, ts: ts}, fed
}

func storageFilterAll() storage.PostFilter { return storage.PostFilter{Drafts: true, Limit: 100} }

// BenchmarkPostPage200Comments renders a post page with 200 comments, the
// issue's target being under 20 ms.
func BenchmarkPostPage200Comments(b *testing.B) {
	ctx := context.Background()
	n, fed := newBenchNode(b)
	alice := storagetest.Member(b, n.db, "alice", content.RoleMember, testPassword)
	p, err := fed.SavePost(ctx, alice, nil, federation.PostInput{Title: "Druk bezocht", Body: strings.Repeat("Een alinea tekst met wat woorden. ", 40),
		Language: content.LanguageDutch})
	if err != nil {
		b.Fatal(err)
	}
	parent := p.IRI
	for i := range 200 {
		obj := &content.Object{IRI: fmt.Sprintf("https://remote.test/notes/%d", i), Type: "Note", AttributedTo: "https://remote.test/users/u",
			InReplyTo: parent, Content: "<p>Reactie met een <a href=\"https://example.org/\">link</a> en <strong>nadruk</strong>.</p>",
			Public: true, Published: time.Now().UTC(), AuthorName: "Iemand", AuthorHandle: "u@remote.test", AuthorURL: "https://remote.test/@u"}
		if _, err := n.db.PutObject(ctx, obj); err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			parent = obj.IRI // some depth
		}
	}
	client := &http.Client{}
	url := n.ts.URL + "/@alice/" + p.Slug
	start := time.Now()
	for b.Loop() {
		res, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		total := 0
		for {
			k, err := res.Body.Read(buf[total:])
			total += k
			if err != nil {
				break
			}
		}
		res.Body.Close()
		if got := len(commentItemRE.FindAllIndex(buf[:total], -1)); got != 200 {
			b.Fatalf("%d comments on the page, want 200", got)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/page")
}

// TestWriteRateLimit: saves and previews past the member's budget answer
// 429 with Retry-After, and nothing is saved.
func TestWriteRateLimit(t *testing.T) {
	n, _ := newFederatedNode(t)
	n.member("alice", "")
	n.srv.writeLimit.set(2, time.Hour)
	b := n.browser()
	b.login("alice", testPassword)
	form := func() url.Values {
		return url.Values{"csrf": {b.csrf("/write")}, "action": {"preview"}, "language": {"nl"}, "title": {"T"}, "body": {"x"}}
	}
	for i := range 2 {
		if res := b.post("/write", form()); res.StatusCode != http.StatusOK {
			t.Fatalf("preview %d: %d", i+1, res.StatusCode)
		}
	}
	f := form()
	f.Set("action", "publish")
	res := b.post("/write", f)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third write: %d (Retry-After %q), want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if posts, _ := n.db.Posts(context.Background(), storageFilterAll()); len(posts) != 0 {
		t.Fatalf("a refused write saved %d posts", len(posts))
	}
}

// TestOrganisationHandle: the organisation's handle is a page for people
// (the home page) and its Organization actor for servers.
func TestOrganisationHandle(t *testing.T) {
	n, fed := newFederatedNode(t)
	if err := fed.EnsureOrganisation(context.Background(), "ministerie", "Ministerie van Koffie"); err != nil {
		t.Fatal(err)
	}
	if res := n.browser().get("/@ministerie"); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/" {
		t.Errorf("HTML: %d to %q, want 302 to /", res.StatusCode, res.Header.Get("Location"))
	}
	b := n.browser()
	req, _ := http.NewRequest(http.MethodGet, n.ts.URL+"/@ministerie", nil)
	req.Header.Set("Accept", "application/activity+json")
	res := b.do(req)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"type":"Organization"`) || !strings.Contains(res.body, `"preferredUsername":"ministerie"`) {
		t.Errorf("AS2: %d %s", res.StatusCode, res.body)
	}
	res = b.get("/.well-known/webfinger?resource=acct:ministerie@" + n.ts.Listener.Addr().String())
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, fed.IRIs().Organisation()) {
		t.Errorf("WebFinger: %d %s", res.StatusCode, res.body)
	}
}

// TestOnlySafeHTMLMarksHTML: outside safeHTML no code of the package turns
// a string into template.HTML, so nothing unsanitised reaches a page.
func TestOnlySafeHTMLMarksHTML(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "template.HTML(") && !strings.Contains(line, "return template.HTML(stored)") {
				t.Errorf("%s:%d marks HTML safe without safeHTML: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestReplyLikeBoostFromTheWeb: another member reacts through the buttons
// of the post page; the counts and the thread show it.
func TestReplyLikeBoostFromTheWeb(t *testing.T) {
	n, _ := newFederatedNode(t)
	n.member("alice", "")
	n.member("bob", "Bob")
	alice := n.browser()
	alice.login("alice", testPassword)
	path := publish(t, alice, url.Values{"title": {"Vraag"}, "body": {"Wie komt er?"}})
	bob := n.browser()
	bob.login("bob", testPassword)
	for _, action := range []string{"like", "boost", "like"} { // a second like changes nothing
		if res := bob.post(path+"/"+action, url.Values{"csrf": {bob.csrf(path)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", action, res.StatusCode, res.body)
		}
	}
	if res := bob.post(path+"/reply", url.Values{"csrf": {bob.csrf(path)}, "text": {"Ik! <script>x</script>"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	page := alice.get(path)
	for _, want := range []string{"1 keer leuk gevonden", "1 keer gedeeld", "1 reacties", "Ik!"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("post page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "<script>x") {
		t.Error("the reply's script reached the page")
	}
	// A reply to the comment nests under it; a reply naming something
	// outside the thread is refused.
	p, _ := n.db.PostBySlug(context.Background(), "alice", strings.TrimPrefix(path, "/@alice/"))
	comments, _ := n.db.Comments(context.Background(), p.IRI, 0)
	if len(comments) != 1 {
		t.Fatalf("%d comments", len(comments))
	}
	if res := alice.post(path+"/reply", url.Values{"csrf": {alice.csrf(path)}, "text": {"Fijn"}, "in_reply_to": {comments[0].IRI}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("nested reply: %d", res.StatusCode)
	}
	if res := alice.post(path+"/reply", url.Values{"csrf": {alice.csrf(path)}, "text": {"x"}, "in_reply_to": {"https://elsewhere.test/x"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("reply outside the thread: %d, want 404", res.StatusCode)
	}
	comments, _ = n.db.Comments(context.Background(), p.IRI, 0)
	if len(comments) != 2 || comments[1].Depth != 2 || comments[1].InReplyTo != comments[0].IRI {
		t.Fatalf("thread after the nested reply: %+v", comments)
	}
	// Notifications: alice was told of the like, the boost and the reply.
	if unread, _ := n.db.UnreadNotifications(context.Background(), p.AuthorID); unread != 3 {
		t.Errorf("alice has %d unread notifications, want 3 (like, boost, reply)", unread)
	}
}
