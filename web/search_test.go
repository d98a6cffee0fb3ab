package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// seedPost stores a published post directly, as the compose form would
// have left it: title, sanitised HTML and visibility.
func seedPost(t *testing.T, n *testNode, m *content.Member, id int, title, html string, vis content.Visibility) *content.Post {
	t.Helper()
	p := &content.Post{IRI: fmt.Sprintf("https://%s/posts/%d", n.srv.cfg.Host, id), AuthorID: m.ID, Slug: content.Slugify(title), Title: title,
		Body: html, Content: html, Language: content.LanguageDutch, Visibility: vis, State: content.PostPublished,
		Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)}
	if err := n.db.SavePost(context.Background(), storage.PostChange{Post: p}); err != nil {
		t.Fatal(err)
	}
	return p
}

func searchFor(q string, extra ...string) string {
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/search?" + v.Encode()
}

func TestSearchPageShowsEscapedHighlightedResults(t *testing.T) {
	n := newTestNode(t)
	ada := n.member("ada", "Ada Lovelace")
	p := seedPost(t, n, ada, 1, `<script>alert("t")</script> Fietstocht`,
		`<p>Neem je <code>&lt;script&gt;alert("s")&lt;/script&gt;</code> mee op de fietstocht langs de coöperatie.</p>`, content.VisibilityPublic)
	b := n.browser()

	res := b.get(searchFor("fietstocht"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, res.body)
	}
	body := res.body
	for _, want := range []string{
		`<a href="/@ada/` + p.Slug + `">&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; <mark>Fietstocht</mark></a>`,
		`<code>`[:0] + `&lt;script&gt;alert(&#34;s&#34;)&lt;/script&gt; mee op de <mark>fietstocht</mark>`,
		`Ada Lovelace`,
		`role="search"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("results lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script") {
		t.Errorf("stored text came out as HTML:\n%s", body)
	}
	// Without the accent, and in the title of the page.
	if res := b.get(searchFor("cooperatie")); !strings.Contains(res.body, "<mark>coöperatie</mark>") {
		t.Errorf("cooperatie does not find coöperatie:\n%s", res.body)
	}
	if res := b.get(searchFor("fietstocht")); !strings.Contains(res.body, "<title>Zoeken naar “fietstocht”") {
		t.Errorf("page title does not name the query")
	}
}

func TestSearchPageVisibilityFiltersAndPaging(t *testing.T) {
	n := newTestNode(t)
	ada := n.member("ada", "")
	n.member("bob", "")
	seedPost(t, n, ada, 1, "Alleen voor volgers: regenjas", "<p>geheim</p>", content.VisibilityFollowers)
	for i := 2; i <= storage.DefaultSearchPerPage+2; i++ {
		seedPost(t, n, ada, i, fmt.Sprintf("Regenjas %d", i), "<p>nat</p>", content.VisibilityPublic)
	}
	anon := n.browser()
	res := anon.get(searchFor("regenjas", "sort", "newest"))
	if strings.Contains(res.body, "volgers") {
		t.Errorf("anonymous search shows a followers-only post")
	}
	if got := strings.Count(res.body, `class="event-item search-hit"`); got != storage.DefaultSearchPerPage {
		t.Errorf("page 1 has %d hits, want %d", got, storage.DefaultSearchPerPage)
	}
	next := "/search?page=2&amp;q=regenjas&amp;sort=newest"
	if !strings.Contains(res.body, `href="`+next+`" rel="next"`) {
		t.Fatalf("no link to page 2:\n%s", res.body)
	}
	res = anon.get("/search?page=2&q=regenjas&sort=newest")
	if got := strings.Count(res.body, `class="event-item search-hit"`); got != 1 || !strings.Contains(res.body, `rel="prev"`) || strings.Contains(res.body, `rel="next"`) {
		t.Errorf("page 2 has %d hits and links %v/%v", got, strings.Contains(res.body, `rel="prev"`), strings.Contains(res.body, `rel="next"`))
	}
	if res := anon.get(fmt.Sprintf("/search?q=regenjas&page=%d", storage.MaxSearchPage+1)); res.StatusCode != http.StatusOK ||
		!strings.Contains(res.body, "hoogstens") {
		t.Errorf("page past the cap: %d", res.StatusCode)
	}

	author := n.browser()
	author.login("ada", testPassword)
	if res := author.get(searchFor("geheim")); !strings.Contains(res.body, "Alleen voor volgers") {
		t.Errorf("the author does not find her followers-only post")
	}
	other := n.browser()
	other.login("bob", testPassword)
	if res := other.get(searchFor("geheim")); strings.Contains(res.body, "Alleen voor volgers") {
		t.Errorf("a member who does not follow finds a followers-only post")
	}

	if res := anon.get(searchFor("regenjas", "type", "event")); strings.Contains(res.body, "search-hit") {
		t.Errorf("type=event lists posts")
	}
	if res := anon.get(searchFor("regenjas", "author", "bob")); strings.Contains(res.body, "search-hit") {
		t.Errorf("author=bob lists ada's posts")
	}
	res = anon.get(searchFor("regenjas", "since", "gisteren", "author", "niemand"))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="since-error"`) || !strings.Contains(res.body, `id="author-error"`) ||
		strings.Contains(res.body, "search-hit") {
		t.Errorf("bad filters: %d\n%s", res.StatusCode, res.body)
	}
}

// Whatever is typed answers 200, and the search page has an empty state.
func TestSearchPageAnyInput(t *testing.T) {
	n := newTestNode(t)
	b := n.browser()
	if res := b.get("/search"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "Typ een of meer woorden") {
		t.Errorf("empty search page: %d", res.StatusCode)
	}
	for _, q := range []string{`"`, `AND`, `*`, `-`, `NEAR(a b`, `title:x`, `'); DROP TABLE posts; --`, strings.Repeat("x", 5000), "\x00"} {
		if res := b.get(searchFor(q)); res.StatusCode != http.StatusOK {
			t.Errorf("search %q: status %d", q, res.StatusCode)
		}
	}
}

func TestSearchPageRateLimit(t *testing.T) {
	n := newTestNode(t, func(s *Server) { s.searchLimit.set(3, time.Minute) })
	b := n.browser()
	for i := range 3 {
		if res := b.get(searchFor(fmt.Sprintf("woord%d", i))); res.StatusCode != http.StatusOK {
			t.Fatalf("search %d: status %d", i, res.StatusCode)
		}
	}
	res := b.get(searchFor("nog een"))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(res.body, "U heeft in korte tijd te vaak gezocht. Probeer het over 1 minuut opnieuw.") {
		t.Fatalf("after the limit: %d, Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), res.body)
	}
	if res := b.get("/search"); res.StatusCode != http.StatusOK {
		t.Errorf("the empty form counts against the limit: %d", res.StatusCode)
	}
	n.clock.Advance(time.Minute)
	if res := b.get(searchFor("weer")); res.StatusCode != http.StatusOK {
		t.Errorf("a minute later: %d", res.StatusCode)
	}
}

// A pasted handle is fetched for members only, shown with a follow
// button, and counted by the limiter like any search.
func TestSearchPageLooksUpHandles(t *testing.T) {
	n, _ := newFederatedNode(t)
	n.srv.searchLimit.set(3, time.Minute)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob <b>de</b> Bouwer"})
	n.member("ada", "")
	anon := n.browser()
	res := anon.get(searchFor("@" + remote.handle("bob")))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "Log in om accounts en berichten van andere servers op te halen.") ||
		strings.Contains(res.body, `action="/follows"`) {
		t.Fatalf("anonymous lookup: %d\n%s", res.StatusCode, res.body)
	}
	if _, err := n.db.RemoteActor(context.Background(), remote.actor("bob")); err == nil {
		t.Errorf("an anonymous search fetched the actor")
	}
	b := n.browser()
	b.login("ada", testPassword)
	res = b.get(searchFor(remote.handle("bob")))
	for _, want := range []string{`Gevonden in de fediverse`, `Bob &lt;b&gt;de&lt;/b&gt; Bouwer`, `@` + remote.handle("bob"),
		`<form method="post" action="/follows">`, `name="target" value="` + remote.actor("bob") + `"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("lookup result lacks %q:\n%s", want, res.body)
		}
	}
	res = b.get(searchFor("@nobody@" + remote.host))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "Er is niets gevonden op dit adres") {
		t.Errorf("unknown handle: %d\n%s", res.StatusCode, res.body)
	}
	// Three searches from this address so far (the first anonymous).
	if res := b.get(searchFor(remote.handle("bob"))); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fourth search from the address: %d, want 429", res.StatusCode)
	}
}
