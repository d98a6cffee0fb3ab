package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/storage/storagetest"
)

// benchForum creates a forum directly in storage, keys included.
func benchForum(b *testing.B, db *storage.DB, name string) *content.Forum {
	b.Helper()
	f, err := content.NewForum(name, "Koffie en data", "Vragen over open data.", content.LanguageDutch)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := remoteKeys()
	if err != nil {
		b.Fatal(err)
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := db.CreateForum(context.Background(), f); err != nil {
		b.Fatal(err)
	}
	return f
}

// benchGet fetches a page and returns its body, failing on anything but 200.
func benchGet(b *testing.B, client *http.Client, u string) []byte {
	b.Helper()
	res, err := client.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", u, res.StatusCode, err)
	}
	return body
}

// benchLogin returns a client logged in as username.
func benchLogin(b *testing.B, base, username string) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	m := csrfRE.FindSubmatch(benchGet(b, client, base+"/login"))
	if m == nil {
		b.Fatal("no csrf token on the login page")
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", bytes.NewBufferString(url.Values{"csrf": {string(m[1])},
		"username": {username}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := client.Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("login %s: %v %v", username, res, err)
	}
	res.Body.Close()
	return client
}

// reportPages reports the time per page of a benchmark loop that began at
// start.
func reportPages(b *testing.B, start time.Time) {
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/page")
}

var replyItemRE = regexp.MustCompile(`<li class="reply[ "]`)

// BenchmarkThreadPage500Replies renders a thread with 500 replies, some
// nested, through HTTP: for a visitor (the figure the target of
// 20 ms is for), a member, whose page has a reply form per reply, and a
// moderator, whose page also has the buttons and ban form of every reply.
func BenchmarkThreadPage500Replies(b *testing.B) {
	ctx := context.Background()
	n, fed := newBenchNode(b)
	admin := storagetest.Member(b, n.db, "beheer", content.RoleAdmin, testPassword)
	storagetest.Member(b, n.db, "bob", content.RoleMember, testPassword)
	f := benchForum(b, n.db, "koffie")
	t, err := fed.StartThread(ctx, admin, f, federation.ThreadInput{Title: "Hoe delen we open data?",
		Body: "Een alinea tekst met wat woorden. Wie heeft **ervaring** met CKAN?"})
	if err != nil {
		b.Fatal(err)
	}
	parent := t.IRI
	for i := range 500 {
		obj := &content.Object{IRI: fmt.Sprintf("https://remote.test/notes/%d", i), Type: "Note", AttributedTo: "https://remote.test/users/u",
			InReplyTo: parent, Content: "<p>Reactie met een <a href=\"https://example.org/\">link</a> en <strong>nadruk</strong>.</p>",
			Public: true, Published: time.Now().UTC(), AuthorName: "Iemand", AuthorHandle: "u@remote.test", AuthorURL: "https://remote.test/@u",
			Language: "nl"}
		if _, err := n.db.PutObject(ctx, obj); err != nil {
			b.Fatal(err)
		}
		switch {
		case i%25 == 0:
			parent = t.IRI // back to the top now and then
		case i%3 == 0:
			parent = obj.IRI // some depth
		}
	}
	page := n.ts.URL + threadPath(t)
	for _, who := range []struct {
		name   string
		client *http.Client
	}{{"visitor", &http.Client{}}, {"member", benchLogin(b, n.ts.URL, "bob")}, {"moderator", benchLogin(b, n.ts.URL, "beheer")}} {
		b.Run(who.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				body := benchGet(b, who.client, page)
				if got := len(replyItemRE.FindAllIndex(body, -1)); got != 500 {
					b.Fatalf("%d replies on the page, want 500", got)
				}
			}
			reportPages(b, start)
		})
	}
}

// BenchmarkForumPage10000Threads renders a forum of 10,000 threads through
// HTTP: the first page, and a page deep in the list (keyset paging keeps
// it one index range read). The target is under 20 ms.
func BenchmarkForumPage10000Threads(b *testing.B) {
	ctx := context.Background()
	n, _ := newBenchNode(b)
	f := benchForum(b, n.db, "koffie")
	start := time.Now().UTC().Add(-10000 * time.Minute).Truncate(time.Second)
	var middle *content.Object
	for i := range 10000 {
		o := &content.Object{IRI: fmt.Sprintf("https://remote.test/threads/%d", i), Type: "Page", AttributedTo: "https://remote.test/users/u",
			Name: fmt.Sprintf("Vraag %d over open data", i), Content: "<p>Wie weet het?</p>", Public: true,
			Published: start.Add(time.Duration(i) * time.Minute), AuthorName: "Iemand", AuthorHandle: "u@remote.test", Language: "nl"}
		if _, err := n.db.StartThread(ctx, f.ID, o); err != nil {
			b.Fatal(err)
		}
		if i == 5000 {
			middle = o
		}
	}
	mt, err := n.db.ThreadByIRI(ctx, middle.IRI)
	if err != nil {
		b.Fatal(err)
	}
	pages := []struct{ name, path string }{
		{"first", "/f/koffie"},
		{"deep", "/f/koffie?before=" + strconv.FormatInt(mt.LastActivity.UnixMilli(), 10) + "&id=" + strconv.FormatInt(mt.ID, 10)},
	}
	client := &http.Client{}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				body := benchGet(b, client, n.ts.URL+p.path)
				if got := bytes.Count(body, []byte(`<li class="thread-item">`)); got != threadsPerPage {
					b.Fatalf("%d threads on the page, want %d", got, threadsPerPage)
				}
			}
			reportPages(b, start)
		})
	}
}
