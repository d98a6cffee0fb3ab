package storage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

const actorPrefix = "https://kring.test/users/" // storagetest's node, over https

type searchFixture struct {
	t   *testing.T
	ctx context.Context
	db  *storage.DB
	n   int
}

func newSearchFixture(t *testing.T) *searchFixture {
	return &searchFixture{t: t, ctx: context.Background(), db: storagetest.Open(t)}
}

func (f *searchFixture) member(name string) *content.Member {
	return storagetest.Member(f.t, f.db, name, content.RoleMember, "correct horse battery")
}

// post writes a post by m; published ones a day apart, in order.
func (f *searchFixture) post(m *content.Member, title, html string, vis content.Visibility, state content.PostState) *content.Post {
	f.t.Helper()
	f.n++
	p := &content.Post{IRI: fmt.Sprintf("https://kring.test/posts/%d", f.n), AuthorID: m.ID, Slug: content.Slugify(title), Title: title,
		Body: html, Content: html, Language: content.LanguageDutch, Visibility: vis, State: state}
	if state == content.PostPublished {
		p.Published = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, f.n)
	}
	if err := f.db.SavePost(f.ctx, storage.PostChange{Post: p}); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *searchFixture) object(o *content.Object) *content.Object {
	f.t.Helper()
	if o.Type == "" {
		o.Type = "Note"
	}
	if o.Published.IsZero() {
		o.Published = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	}
	if _, err := f.db.PutObject(f.ctx, o); err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *searchFixture) follow(follower, followee string) {
	f.t.Helper()
	f.n++
	fl := &content.Follow{IRI: fmt.Sprintf("https://x.test/follows/%d", f.n), Follower: follower, Followee: followee, State: content.FollowAccepted}
	if err := f.db.PutFollow(f.ctx, fl); err != nil {
		f.t.Fatal(err)
	}
}

func (f *searchFixture) search(q storage.SearchQuery) *storage.SearchResult {
	f.t.Helper()
	res, err := f.db.Search(f.ctx, q)
	if err != nil {
		f.t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

// titles are the plain titles of the hits, in order.
func titles(res *storage.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, plainOf(h.Title))
	}
	return out
}

func plainOf(fs []storage.Fragment) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Text)
	}
	return b.String()
}

func viewer(m *content.Member) storage.SearchViewer {
	if m == nil {
		return storage.SearchViewer{}
	}
	return storage.SearchViewer{MemberID: m.ID}
}

func TestSearchFoldsDiacriticsBothWays(t *testing.T) {
	f := newSearchFixture(t)
	ada := f.member("ada")
	f.post(ada, "De coöperatie", "<p>Een café voor de Überprüfung.</p>", content.VisibilityPublic, content.PostPublished)
	f.post(ada, "Cooperatie zonder trema", "<p>Uberprufung in het cafe.</p>", content.VisibilityPublic, content.PostPublished)
	for _, q := range []string{"coöperatie", "cooperatie", "COÖPERATIE", "café", "cafe", "überprüfung", "uberprufung", "Ueberpruefung*"} {
		got := titles(f.search(storage.SearchQuery{Text: q}))
		want := []string{"De coöperatie", "Cooperatie zonder trema"}
		if q == "Ueberpruefung*" {
			want = nil // folding drops accents, it does not spell them out
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}
	// Decomposed input (o + combining diaeresis) is the same word.
	if got := titles(f.search(storage.SearchQuery{Text: "coo\u0308peratie"})); len(got) != 2 {
		t.Errorf("decomposed query found %q", got)
	}
}

func TestSearchRespectsVisibility(t *testing.T) {
	f := newSearchFixture(t)
	ada, bob, cas := f.member("ada"), f.member("bob"), f.member("cas")
	f.follow(actorPrefix+"bob", actorPrefix+"ada")
	f.post(ada, "Openbaar vlinderbericht", "<p>vlinder</p>", content.VisibilityPublic, content.PostPublished)
	f.post(ada, "Stil vlinderbericht", "<p>vlinder</p>", content.VisibilityUnlisted, content.PostPublished)
	f.post(ada, "Volgers vlinderbericht", "<p>vlinder</p>", content.VisibilityFollowers, content.PostPublished)
	f.post(ada, "Concept vlinderbericht", "<p>vlinder</p>", content.VisibilityPublic, content.PostDraft)
	deleted := f.post(ada, "Weg vlinderbericht", "<p>vlinder</p>", content.VisibilityPublic, content.PostPublished)
	deleted.State = content.PostDeleted
	if err := f.db.SavePost(f.ctx, storage.PostChange{Post: deleted}); err != nil {
		t.Fatal(err)
	}

	// Received: public, from a server about to be suspended, from a
	// suspended actor, deleted, a direct message to bob, a followers-only
	// post of dan (whom cas follows), one of a limited actor.
	dan := "https://d.test/users/dan"
	if err := f.db.PutRemoteActor(f.ctx, &content.RemoteActor{IRI: dan, Type: "Person", Username: "dan", Host: "d.test", Inbox: dan + "/inbox",
		Followers: dan + "/followers", Raw: "{}", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.follow(actorPrefix+"cas", dan)
	f.object(&content.Object{IRI: "https://d.test/n/1", AttributedTo: dan, Name: "Ontvangen vlinder", Public: true,
		Raw: `{"to":["https://www.w3.org/ns/activitystreams#Public"]}`})
	f.object(&content.Object{IRI: "https://d.test/n/2", AttributedTo: dan, Name: "Direct vlinder", Content: "<p>voor bob</p>",
		Raw: `{"to":["` + actorPrefix + `bob"]}`})
	f.object(&content.Object{IRI: "https://d.test/n/3", AttributedTo: dan, Name: "Volgers van dan vlinder",
		Raw: `{"to":["` + dan + `/followers"]}`})
	f.object(&content.Object{IRI: "https://d.test/n/4", AttributedTo: dan, Name: "Stil ontvangen vlinder", Public: true,
		Raw: `{"to":["` + dan + `/followers"],"cc":"https://www.w3.org/ns/activitystreams#Public"}`})
	f.object(&content.Object{IRI: "https://evil.test/n/1", AttributedTo: "https://evil.test/u/eve", Name: "Geschorst vlinder", Public: true})
	f.object(&content.Object{IRI: "https://e.test/n/1", AttributedTo: "https://e.test/u/troll", Name: "Trol vlinder", Public: true})
	f.object(&content.Object{IRI: "https://e.test/n/2", AttributedTo: "https://e.test/u/ed", Name: "Gedempt vlinder", Public: true})
	gone := f.object(&content.Object{IRI: "https://d.test/n/5", AttributedTo: dan, Name: "Verwijderd vlinder", Public: true})
	if _, err := f.db.DeleteObject(f.ctx, gone.IRI, dan); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.BlockDomain(f.ctx, content.DomainBlock{Domain: "evil.test", Severity: content.SeveritySuspend}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SetActorPolicy(f.ctx, content.ActorPolicy{Actor: "https://e.test/u/troll", Severity: content.SeveritySuspend}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SetActorPolicy(f.ctx, content.ActorPolicy{Actor: "https://e.test/u/ed", Severity: content.SeverityLimit}, "test"); err != nil {
		t.Fatal(err)
	}
	// A suspended member's post and the member themself.
	eve := f.member("evert")
	f.post(eve, "Geschorst lid vlinder", "<p>vlinder</p>", content.VisibilityPublic, content.PostPublished)
	if err := f.db.SetMemberSuspended(f.ctx, "evert", true); err != nil {
		t.Fatal(err)
	}

	everyone := []string{"Openbaar vlinderbericht", "Ontvangen vlinder"}
	members := append(slices.Clone(everyone), "Stil vlinderbericht", "Stil ontvangen vlinder")
	for _, c := range []struct {
		who  *content.Member
		want []string
	}{
		{nil, everyone},
		{ada, append(slices.Clone(members), "Volgers vlinderbericht")},
		{bob, append(slices.Clone(members), "Volgers vlinderbericht", "Direct vlinder")},
		{cas, append(slices.Clone(members), "Volgers van dan vlinder")},
	} {
		got := titles(f.search(storage.SearchQuery{Text: "vlinder", Viewer: viewer(c.who), Limit: 50}))
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			name := "anonymous"
			if c.who != nil {
				name = c.who.Username
			}
			t.Errorf("%s found\n%q\nwant\n%q", name, got, c.want)
		}
	}
	if got := titles(f.search(storage.SearchQuery{Text: "evert"})); len(got) != 0 {
		t.Errorf("suspended member found: %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "cas", Kind: storage.SearchMember})); len(got) != 1 {
		t.Errorf("member cas not found: %q", got)
	}
}

func TestSearchRanksFiltersAndPages(t *testing.T) {
	f := newSearchFixture(t)
	ada, bob := f.member("ada"), f.member("bob")
	f.post(ada, "Over iets anders", "<p>Hier staat fietsen pas in de tekst.</p>", content.VisibilityPublic, content.PostPublished)
	f.post(bob, "Fietsen in de stad", "<p>Een tekst.</p>", content.VisibilityPublic, content.PostPublished)
	res := f.search(storage.SearchQuery{Text: "fietsen"})
	if got := titles(res); !slices.Equal(got, []string{"Fietsen in de stad", "Over iets anders"}) {
		t.Errorf("ranking = %q, want the title match first", got)
	}
	if h := res.Hits[0]; !h.Title[0].Match || h.Title[0].Text != "Fietsen" || h.Username != "bob" || h.Slug != "fietsen-in-de-stad" {
		t.Errorf("first hit = %+v", h)
	}
	if s := res.Hits[1].Snippet; !slices.ContainsFunc(s, func(fr storage.Fragment) bool { return fr.Match && fr.Text == "fietsen" }) {
		t.Errorf("snippet %+v does not mark the word", s)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "fietsen", Newest: true})); got[0] != "Fietsen in de stad" {
		t.Errorf("newest first = %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "fietsen", Author: actorPrefix + "ada"})); !slices.Equal(got, []string{"Over iets anders"}) {
		t.Errorf("author filter = %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "fiets*"})); len(got) != 2 {
		t.Errorf("prefix search = %q", got)
	}

	// Forum threads and replies, an event.
	forum := &content.Forum{Name: "fietsclub", Title: "Fietsclub", Language: content.LanguageDutch, PublicKeyPEM: "p", PrivateKeyPEM: "q"}
	if err := f.db.CreateForum(f.ctx, forum); err != nil {
		t.Fatal(err)
	}
	page := &content.Object{IRI: "https://kring.test/threads/1", Type: "Page", AttributedTo: actorPrefix + "ada", Local: true,
		Name: "Waar fietsen we heen?", Content: "<p>Zondag.</p>", Public: true, Published: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := f.db.StartThread(f.ctx, forum.ID, page); err != nil {
		t.Fatal(err)
	}
	f.object(&content.Object{IRI: "https://kring.test/notes/9", AttributedTo: actorPrefix + "bob", Local: true, InReplyTo: page.IRI,
		Content: "<p>Naar zee fietsen!</p>", Public: true, Published: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
	res = f.search(storage.SearchQuery{Text: "fietsen", Forum: "fietsclub"})
	if len(res.Hits) != 2 || res.Hits[0].Kind != storage.SearchThread || res.Hits[1].Kind != storage.SearchReply {
		t.Fatalf("forum filter = %+v", res.Hits)
	}
	if h := res.Hits[1]; h.Forum != "fietsclub" || h.ThreadID == 0 || h.ThreadID != res.Hits[0].ThreadID || h.ObjectID == 0 {
		t.Errorf("reply hit = %+v", h)
	}
	for kind, want := range map[string]int{storage.SearchPost: 2, storage.SearchThread: 1, storage.SearchReply: 1, storage.SearchEvent: 0} {
		if got := f.search(storage.SearchQuery{Text: "fietsen", Kind: kind}); len(got.Hits) != want {
			t.Errorf("kind %s: %d hits, want %d", kind, len(got.Hits), want)
		}
	}
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if got := f.search(storage.SearchQuery{Text: "fietsen", Since: since}); len(got.Hits) != 2 {
		t.Errorf("since %s: %q", since, titles(got))
	}
	if got := f.search(storage.SearchQuery{Text: "fietsen", Until: since}); len(got.Hits) != 2 {
		t.Errorf("until %s: %q", since, titles(got))
	}

	// Pages of two over five hits, then nothing past the last and the cap.
	var seen []string
	for p := 1; ; p++ {
		res := f.search(storage.SearchQuery{Text: "fietsen", Page: p, Limit: 2, Newest: true})
		seen = append(seen, titles(res)...)
		if !res.More {
			if p != 2 || len(res.Hits) != 2 {
				t.Errorf("last page %d has %d hits", p, len(res.Hits))
			}
			break
		}
	}
	if len(seen) != 4 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 4 {
		t.Errorf("pages = %q", seen)
	}
	if res := f.search(storage.SearchQuery{Text: "fietsen", Page: storage.MaxSearchPage + 1, Limit: 1}); len(res.Hits) != 0 {
		t.Errorf("page past the cap: %q", titles(res))
	}
}

// Whatever is typed is a valid query: FTS5's syntax is only ever text.
func TestSearchAnyInputIsAQuery(t *testing.T) {
	f := newSearchFixture(t)
	ada := f.member("ada")
	f.post(ada, `Say "hi" AND NOT bye`, "<p>near(a b) title:x</p>", content.VisibilityPublic, content.PostPublished)
	for _, q := range []string{`"`, `AND`, `OR`, `NOT`, `*`, `-`, `-bye`, `NEAR(a b)`, `title:x`, `a OR`, `^hi`, `(`, `)`, `""`, `"hi`,
		`hi"`, `**`, "\x02hi\x03", `{title body}: x`, strings.Repeat("a ", 500), strings.Repeat("é", 1000), `'`, `\`, `%`, `_`} {
		if _, err := f.db.Search(f.ctx, storage.SearchQuery{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	if got := titles(f.search(storage.SearchQuery{Text: `"hi" AND`})); len(got) != 1 {
		t.Errorf(`"hi" AND found %q`, got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: `NEAR(a`})); len(got) != 1 {
		t.Errorf(`NEAR(a found %q`, got)
	}
	q, words := storage.SearchTerms(strings.Repeat("woord ", 20))
	if len(words) != storage.MaxSearchTerms || strings.Count(q, `"woord"`) != storage.MaxSearchTerms {
		t.Errorf("terms not capped: %q", q)
	}
}

// The index holds text: stored HTML is not in it, and text that looks
// like HTML comes back as the text it is.
func TestSearchIndexesTextNotHTML(t *testing.T) {
	f := newSearchFixture(t)
	ada := f.member("ada")
	f.post(ada, "<script>alert(1)</script> uil", `<p class="x"><a href="https://spam.test/">link</a> <code>&lt;b&gt;</code> uil</p>`,
		content.VisibilityPublic, content.PostPublished)
	if got := titles(f.search(storage.SearchQuery{Text: "href"})); len(got) != 0 {
		t.Errorf("attribute names are indexed: %q", got)
	}
	res := f.search(storage.SearchQuery{Text: "uil"})
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %q", titles(res))
	}
	if got := plainOf(res.Hits[0].Title); got != "<script>alert(1)</script> uil" {
		t.Errorf("title = %q", got)
	}
	if got := plainOf(res.Hits[0].Snippet); !strings.Contains(got, "link <b> uil") || strings.Contains(got, "href") {
		t.Errorf("snippet = %q", got)
	}
}

// Migration 0013 indexes what was stored before it.
func TestSearchMigrationIndexesExistingRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	f := &searchFixture{t: t, ctx: ctx, db: db}
	ada := f.member("ada")
	f.post(ada, "Oude brug", "<p>Al lang hier.</p>", content.VisibilityPublic, content.PostPublished)
	f.object(&content.Object{IRI: "https://d.test/n/1", AttributedTo: "https://d.test/u/dan", Name: "Oude brug ontvangen", Public: true})
	if err := db.MigrateTo(ctx, storage.LatestVersion()); err != nil {
		t.Fatal(err)
	}
	got := titles(f.search(storage.SearchQuery{Text: "brug"}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"Oude brug", "Oude brug ontvangen"}) {
		t.Errorf("after migration found %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "ada", Kind: storage.SearchMember})); len(got) != 1 {
		t.Errorf("member not indexed by the migration: %q", got)
	}
}

func TestSearchAuthorNames(t *testing.T) {
	f := newSearchFixture(t)
	f.member("ada")
	if err := f.db.PutRemoteActor(f.ctx, &content.RemoteActor{IRI: "https://d.test/users/dan", Type: "Person", Username: "dan", Host: "d.test",
		Inbox: "https://d.test/users/dan/inbox", Raw: "{}", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"ada": actorPrefix + "ada", "@ada": actorPrefix + "ada", "ada@kring.test": actorPrefix + "ada",
		"@dan@d.test": "https://d.test/users/dan", "dan@D.test": "https://d.test/users/dan", "nobody": "", "dan@e.test": "", "@": ""} {
		got, err := f.db.SearchAuthor(f.ctx, name)
		if got != want || (want == "") != (content.KindOf(err) == content.KindNotFound) {
			t.Errorf("SearchAuthor(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

// Rows written again and again (an actor refetched, an object edited
// twice before a search) queue their entry once and come out current.
func TestSearchFollowsRepeatedWrites(t *testing.T) {
	f := newSearchFixture(t)
	a := &content.RemoteActor{IRI: "https://d.test/users/dan", Type: "Person", Username: "dan", Host: "d.test", Inbox: "https://d.test/users/dan/inbox",
		Name: "Dan Oud", Raw: "{}", FetchedAt: time.Now()}
	for _, name := range []string{"Dan Oud", "Dan Nieuw", "Dan Nieuwst"} {
		a.Name = name
		if err := f.db.PutRemoteActor(f.ctx, a); err != nil {
			t.Fatalf("store %s: %v", name, err)
		}
	}
	o := f.object(&content.Object{IRI: "https://d.test/n/1", AttributedTo: a.IRI, Name: "Eerst", Public: true})
	for _, name := range []string{"Daarna", "Ten slotte"} {
		o.Name, o.Updated = name, time.Now()
		if err := f.db.UpdateObject(f.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if got := titles(f.search(storage.SearchQuery{Text: "Nieuwst"})); !slices.Equal(got, []string{"Dan Nieuwst dan"}) {
		t.Errorf("actor after refetches: %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "oud"})); len(got) != 0 {
		t.Errorf("old name still found: %q", got)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "slotte"})); !slices.Equal(got, []string{"Ten slotte"}) {
		t.Errorf("object after edits: %q", got)
	}
	if _, err := f.db.DeleteObject(f.ctx, o.IRI, a.IRI); err != nil {
		t.Fatal(err)
	}
	if got := titles(f.search(storage.SearchQuery{Text: "slotte"})); len(got) != 0 {
		t.Errorf("deleted object found: %q", got)
	}
}
