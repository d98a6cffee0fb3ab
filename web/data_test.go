package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/piprate/json-gold/ld"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/storage/storagetest"
)

// openDataFixture is a node with content of every kind the open data
// must tell apart: what is public and local (want*), and what is not
// (drafts, unlisted and followers-only posts, deleted things, a
// suspended member's post, received threads and events, unlisted and
// suspended members).
type openDataFixture struct {
	*eventFixture
	wantPosts   map[string]*content.Post
	wantThreads map[string]*content.Thread
	wantEvents  map[string]*content.Event
	wantMembers []string
	open        *content.Forum
	cancelled   string // the cancelled event's id
	secrets     []string
}

func newOpenDataFixture(t *testing.T) *openDataFixture {
	t.Helper()
	ctx := context.Background()
	x := &openDataFixture{eventFixture: newEventFixture(t), wantPosts: map[string]*content.Post{},
		wantThreads: map[string]*content.Thread{}, wantEvents: map[string]*content.Event{}}
	fed := x.fed
	evertM := x.n.member("evert", "Evert Geschorst")

	post := func(m *content.Member, title string, vis content.Visibility, draft, asNote bool) *content.Post {
		t.Helper()
		p, err := fed.SavePost(ctx, m, nil, federation.PostInput{Title: title, Body: "Tekst van *" + title + "* #opendata",
			Tags: []string{"kring"}, Language: content.LanguageDutch, Visibility: vis, Draft: draft, AsNote: asNote})
		if err != nil {
			t.Fatalf("post %q: %v", title, err)
		}
		return p
	}
	for _, p := range []*content.Post{
		post(x.aliceM, "Openbaar bericht", content.VisibilityPublic, false, false),
		post(x.bobM, "Openbare notitie", content.VisibilityPublic, false, true),
	} {
		x.wantPosts[p.IRI] = p
	}
	x.secrets = append(x.secrets, post(x.aliceM, "Geheim niet vermeld", content.VisibilityUnlisted, false, false).IRI,
		post(x.aliceM, "Geheim voor volgers", content.VisibilityFollowers, false, false).IRI,
		post(x.aliceM, "Geheim concept", content.VisibilityPublic, true, false).IRI,
		post(evertM, "Geheim van evert", content.VisibilityPublic, false, false).IRI)
	gone := post(x.aliceM, "Geheim verwijderd", content.VisibilityPublic, false, false)
	if err := fed.DeletePost(ctx, x.aliceM, gone); err != nil {
		t.Fatal(err)
	}
	x.secrets = append(x.secrets, gone.IRI, "Geheim")

	// Threads: in an open forum and in one where only members start
	// threads (both readable by anyone), a deleted one, a suspended
	// member's and one received from another server.
	x.open = x.createForum(t, "koffie", "Koffie")
	members := x.createForum(t, "leden", "Leden")
	members.MembersOnlyThreads = true
	if err := x.n.db.UpdateForum(ctx, members); err != nil {
		t.Fatal(err)
	}
	thread := func(m *content.Member, f *content.Forum, title string) *content.Thread {
		t.Helper()
		th, err := fed.StartThread(ctx, m, f, federation.ThreadInput{Title: title, Body: "Vraag: " + title, Tags: []string{"vraag"}})
		if err != nil {
			t.Fatalf("thread %q: %v", title, err)
		}
		return th
	}
	for _, th := range []*content.Thread{thread(x.aliceM, x.open, "Waar is de koffie"), thread(x.bobM, members, "Ledenvraag")} {
		x.wantThreads[th.IRI] = th
	}
	deleted := thread(x.aliceM, x.open, "Geheime verwijderde vraag")
	if err := x.n.db.ChangeThread(ctx, deleted.IRI, storage.ThreadChange{Deleted: true}); err != nil {
		t.Fatal(err)
	}
	x.secrets = append(x.secrets, deleted.IRI, thread(evertM, x.open, "Geheime vraag van evert").IRI)
	remote := &content.Object{IRI: "https://lemmy.test/post/1", Type: "Page", AttributedTo: "https://lemmy.test/u/ver",
		Name: "Geheime vraag van elders", Content: "<p>Van elders</p>", URL: "https://lemmy.test/post/1", Public: true,
		Published: x.n.clock.Now().Add(-time.Hour)}
	if _, err := x.n.db.StartThread(ctx, x.open.ID, remote); err != nil {
		t.Fatal(err)
	}
	x.secrets = append(x.secrets, remote.IRI)

	// Events: a confirmed and a cancelled one (cancelled events keep
	// their page), a deleted one and one received from Mobilizon.
	event := func(title string) *content.Event {
		t.Helper()
		return x.eventAt(t, createEvent(t, x.alice, x.eventForm(title, nil)))
	}
	confirmed, off := event("Open Koffie"), event("Afgelaste Koffie")
	off, err := fed.CancelEvent(ctx, x.aliceM, off)
	if err != nil {
		t.Fatal(err)
	}
	x.wantEvents[confirmed.IRI], x.wantEvents[off.IRI], x.cancelled = confirmed, off, off.IRI
	deletedEvent := event("Geheim verwijderd evenement")
	if err := fed.DeleteEvent(ctx, x.aliceM, deletedEvent); err != nil {
		t.Fatal(err)
	}
	x.secrets = append(x.secrets, deletedEvent.IRI, x.remoteEvent(t, "Geheim van elders").IRI)

	// Members: alice and bob listed; carol filled in a profile but is
	// not listed, evert is listed but suspended, mo has no profile.
	for _, p := range []*content.Profile{
		{MemberID: x.aliceM.ID, Organisation: "Gemeente Utrecht", JobTitle: "Datasteward", Region: "Utrecht",
			Topics: []string{"Open data", "Privacy"}, Languages: []string{"nl", "en"}, Listed: true,
			Links: []content.ProfileLink{{Name: "Website", URL: "https://alice.example/"}, {Name: "Blog", URL: "https://alice.example/blog"}}},
		{MemberID: x.bobM.ID, Organisation: "Provincie Fryslân", Listed: true},
		{MemberID: x.carolM.ID, Organisation: "Geheime organisatie", Topics: []string{"Geheim"}, Listed: false},
		{MemberID: evertM.ID, Organisation: "Geschorste organisatie", Listed: true},
	} {
		if err := x.n.db.SaveProfile(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.n.db.UpdateProfile(ctx, x.aliceM.ID, "Alice de Vries", "Ik werk met \"open\" data & <kaarten>.", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}
	// fleur is listed and has an e-mail address, which is never public.
	fleur, err := content.NewMember("fleur", "Fleur", "fleur.geheim@example.org", content.RoleAdmin, content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := remoteKeys()
	if err != nil {
		t.Fatal(err)
	}
	fleur.PublicKeyPEM, fleur.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := x.n.db.CreateMember(ctx, fleur); err != nil {
		t.Fatal(err)
	}
	if err := x.n.db.SaveProfile(ctx, &content.Profile{MemberID: fleur.ID, Listed: true}); err != nil {
		t.Fatal(err)
	}
	x.n.suspend("evert")
	x.wantMembers = []string{"alice", "bob", "fleur"}
	x.secrets = append(x.secrets, "carol", "evert", "Geheime organisatie", "Geschorste organisatie", "fleur.geheim", "PRIVATE KEY")
	return x
}

// download fetches a dataset as a harvester would, without cookies, and
// checks the headers every download carries.
func (x *openDataFixture) download(t *testing.T, file, licence string) string {
	t.Helper()
	res := x.anonymous.get("/data/" + file)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /data/%s: %d\n%s", file, res.StatusCode, res.body)
	}
	want := map[string]string{"csv": "text/csv; charset=utf-8", "jsonld": "application/ld+json; charset=utf-8"}[filepath.Ext(file)[1:]]
	for h, v := range map[string]string{"Content-Type": want, "Content-Disposition": `attachment; filename="` + file + `"`,
		"Link": "<" + licence + `>; rel="license"`, "Access-Control-Allow-Origin": "*"} {
		if got := res.Header.Get(h); got != v {
			t.Errorf("GET /data/%s: %s = %q, want %q", file, h, got, v)
		}
	}
	for _, s := range x.secrets {
		if strings.Contains(res.body, s) {
			t.Errorf("/data/%s holds %q, which is not public", file, s)
		}
	}
	return res.body
}

// readCSV parses a download as RFC 4180 and returns its rows by their
// column (key) value; it fails on a repeated key.
func readCSV(t *testing.T, body string, header []string, key string) map[string]map[string]string {
	t.Helper()
	if !strings.Contains(body, "\r\n") {
		t.Errorf("CSV lines do not end in CRLF (RFC 4180)")
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if !slices.Equal(records[0], header) {
		t.Fatalf("CSV header = %q, want %q", records[0], header)
	}
	out := map[string]map[string]string{}
	for _, rec := range records[1:] {
		r := map[string]string{}
		for i, h := range header {
			r[h] = rec[i]
		}
		if out[r[key]] != nil {
			t.Errorf("CSV holds %s twice", r[key])
		}
		out[r[key]] = r
	}
	return out
}

func idsOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func wantSame(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want exactly %q", what, got, want)
	}
}

func wantFields(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
		}
	}
}

func rfc(tm time.Time) string { return tm.UTC().Format(time.RFC3339) }

// loadASContext is a JSON-LD document loader that serves the
// ActivityStreams context from testdata and refuses every other URL:
// tests never fetch from the network.
type loadASContext struct{ doc any }

func (l loadASContext) LoadDocument(u string) (*ld.RemoteDocument, error) {
	if strings.TrimSuffix(u, "#") == federation.ASContext || u == federation.ASContext+".jsonld" {
		return &ld.RemoteDocument{DocumentURL: u, Document: l.doc}, nil
	}
	return nil, fmt.Errorf("test document loader: refusing to fetch %s", u)
}

func asLoader(t *testing.T) ld.DocumentLoader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "activitystreams.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("testdata/activitystreams.jsonld: %v", err)
	}
	return loadASContext{doc: doc}
}

// expand expands a JSON-LD document with the test loader.
func expand(t *testing.T, body string, loader ld.DocumentLoader) []any {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("JSON-LD is not JSON: %v\n%s", err, body)
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	out, err := ld.NewJsonLdProcessor().Expand(doc, opts)
	if err != nil {
		t.Fatalf("expand JSON-LD: %v", err)
	}
	return out
}

const asNS = "https://www.w3.org/ns/activitystreams#"

// jsonldItems reads a dataset's JSON-LD: as plain JSON (the collection
// and its items by id) and by JSON-LD expansion, which must keep every
// item, and every term of every item: a term the @context does not
// define would be dropped without a word.
func jsonldItems(t *testing.T, body, licence string, loader ld.DocumentLoader) map[string]map[string]any {
	t.Helper()
	var coll struct {
		Context      any              `json:"@context"`
		Type         string           `json:"type"`
		License      string           `json:"license"`
		TotalItems   int              `json:"totalItems"`
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if err := json.Unmarshal([]byte(body), &coll); err != nil {
		t.Fatalf("parse JSON-LD as JSON: %v", err)
	}
	if coll.Type != "OrderedCollection" || coll.License != licence || coll.TotalItems != len(coll.OrderedItems) {
		t.Errorf("collection: type %q, license %q, totalItems %d of %d items; want OrderedCollection, %s",
			coll.Type, coll.License, coll.TotalItems, len(coll.OrderedItems), licence)
	}
	byID := map[string]map[string]any{}
	for _, it := range coll.OrderedItems {
		byID[it["id"].(string)] = it
	}
	expanded := expand(t, body, loader)
	if len(expanded) != 1 {
		t.Fatalf("expanded to %d nodes, want the collection", len(expanded))
	}
	top := expanded[0].(map[string]any)
	if lic := top["http://purl.org/dc/terms/license"]; lic == nil || lic.([]any)[0].(map[string]any)["@id"] != licence {
		t.Errorf("expanded licence = %v, want %s", lic, licence)
	}
	items := top[asNS+"items"].([]any)[0].(map[string]any)["@list"].([]any)
	if len(items) != len(byID) {
		t.Fatalf("expanded %d items, want %d", len(items), len(byID))
	}
	for _, it := range items {
		node := it.(map[string]any)
		plain := byID[node["@id"].(string)]
		if plain == nil {
			t.Errorf("expanded item %v is not in the plain JSON", node["@id"])
			continue
		}
		// content and contentMap are one property (as:content) once expanded.
		terms := len(plain)
		if plain["contentMap"] != nil && plain["content"] != nil {
			terms--
		}
		for _, k := range blankTerms(node) {
			t.Errorf("item %s: term %s is not in the @context (it expanded to a blank node IRI)", node["@id"], k)
		}
		if len(node) != terms {
			t.Errorf("item %s: expansion kept %d of its %d terms; is a term missing from the @context?\nplain %v\nexpanded %v",
				node["@id"], len(node), terms, idsOf(plain), idsOf(node))
		}
	}
	return byID
}

// blankTerms lists the terms of an expanded node, nested ones included,
// that the @context did not define: ActivityStreams' "@vocab": "_:"
// turns them into blank node IRIs instead of dropping them.
func blankTerms(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, blankTerms(e)...)
		}
	case map[string]any:
		for k, e := range v {
			if strings.HasPrefix(k, "_:") {
				out = append(out, k)
			}
			out = append(out, blankTerms(e)...)
		}
	}
	return out
}

func TestOpenDataExportsHoldExactlyThePublicData(t *testing.T) {
	x := newOpenDataFixture(t)
	iris := x.fed.IRIs()
	loader := asLoader(t)
	ccby := content.LicenceCCBY.URL()

	// Posts.
	rows := readCSV(t, x.download(t, "posts.csv", ccby), []string{"id", "url", "type", "title", "summary", "content_html",
		"language", "tags", "author", "author_id", "published", "updated"}, "id")
	wantSame(t, "posts in the CSV", idsOf(rows), idsOf(x.wantPosts))
	for id, p := range x.wantPosts {
		typ := "Article"
		if p.AsNote {
			typ = "Note"
		}
		wantFields(t, "post "+p.Title, rows[id], map[string]string{"url": iris.PostURL(p.Author, p.Slug), "type": typ,
			"title": p.Title, "summary": p.Lead, "content_html": p.Content, "language": "nl", "tags": "opendata; kring",
			"author": p.Author, "author_id": iris.Actor(p.Author), "published": rfc(p.Published), "updated": ""})
	}
	items := jsonldItems(t, x.download(t, "posts.jsonld", ccby), ccby, loader)
	wantSame(t, "posts in the JSON-LD", idsOf(items), idsOf(x.wantPosts))
	for id, p := range x.wantPosts {
		it := items[id]
		if it["name"] != p.Title || it["content"] != p.Content || it["attributedTo"] != iris.Actor(p.Author) ||
			it["url"] != iris.PostURL(p.Author, p.Slug) || it["published"] != rfc(p.Published) || len(it["tag"].([]any)) != 2 {
			t.Errorf("post %s in the JSON-LD = %v", id, it)
		}
	}

	// Threads.
	rows = readCSV(t, x.download(t, "threads.csv", ccby), []string{"id", "url", "forum", "forum_id", "title", "content_html",
		"language", "tags", "author_name", "author_id", "replies", "answered", "published", "updated", "last_activity"}, "id")
	wantSame(t, "threads in the CSV", idsOf(rows), idsOf(x.wantThreads))
	for id, th := range x.wantThreads {
		wantFields(t, "thread "+th.Title, rows[id], map[string]string{"url": iris.ThreadPage(th.Forum, th.ID), "forum": th.Forum,
			"forum_id": iris.Group(th.Forum), "title": th.Title, "language": "nl",
			"tags": "vraag", "author_name": th.AuthorName, "author_id": th.Author, "replies": "0", "answered": "false",
			"published": rfc(th.Created), "last_activity": rfc(th.LastActivity)})
		if !strings.Contains(rows[id]["content_html"], "<p>Vraag: "+th.Title+"</p>") {
			t.Errorf("thread %s: content_html = %q", th.Title, rows[id]["content_html"])
		}
	}
	items = jsonldItems(t, x.download(t, "threads.jsonld", ccby), ccby, loader)
	wantSame(t, "threads in the JSON-LD", idsOf(items), idsOf(x.wantThreads))
	for id, th := range x.wantThreads {
		if it := items[id]; it["type"] != "Page" || it["name"] != th.Title || it["audience"] != iris.Group(th.Forum) {
			t.Errorf("thread %s in the JSON-LD = %v", id, it)
		}
	}

	// Events, the cancelled one with its status.
	rows = readCSV(t, x.download(t, "events.csv", ccby), []string{"id", "url", "title", "summary", "content_html", "language", "tags",
		"start", "end", "time_zone", "status", "place_name", "street", "postal_code", "city", "region", "country", "latitude",
		"longitude", "online_url", "organizer_id", "organizer_name", "join_mode", "registration_url", "capacity", "published", "updated"}, "id")
	wantSame(t, "events in the CSV", idsOf(rows), idsOf(x.wantEvents))
	for id, ev := range x.wantEvents {
		status := "CONFIRMED"
		if id == x.cancelled {
			status = "CANCELLED"
		}
		wantFields(t, "event "+ev.Title, rows[id], map[string]string{"url": ev.URL, "title": ev.Title, "summary": ev.Summary,
			"content_html": ev.Content, "tags": "opendata", "start": rfc(ev.Start), "end": rfc(ev.End), "time_zone": "Europe/Amsterdam",
			"status": status, "place_name": "Ministerie van BZK", "street": "Turfmarkt 147", "postal_code": "2511 DP",
			"city": "Den Haag", "country": "Nederland", "organizer_id": x.aliceIRI, "organizer_name": "Alice de Vries",
			"join_mode": "free", "capacity": "0"})
	}
	items = jsonldItems(t, x.download(t, "events.jsonld", ccby), ccby, loader)
	wantSame(t, "events in the JSON-LD", idsOf(items), idsOf(x.wantEvents))
	if it := items[x.cancelled]; it["ical:status"] != "CANCELLED" || it["type"] != "Event" {
		t.Errorf("cancelled event in the JSON-LD = %v", it)
	}

	// Members: the listed ones, with exactly the directory's fields.
	rows = readCSV(t, x.download(t, "members.csv", ccby), []string{"username", "name", "organisation", "role", "region", "topics",
		"languages", "links", "bio", "url", "id"}, "username")
	wantSame(t, "members in the CSV", idsOf(rows), x.wantMembers)
	wantFields(t, "alice", rows["alice"], map[string]string{"name": "Alice de Vries", "organisation": "Gemeente Utrecht",
		"role": "Datasteward", "region": "Utrecht", "topics": "Open data; Privacy", "languages": "nl; en",
		"links": "Website <https://alice.example/>; Blog <https://alice.example/blog>", "bio": `Ik werk met "open" data & <kaarten>.`,
		"url": iris.Profile("alice"), "id": iris.Actor("alice")})
	wantFields(t, "bob", rows["bob"], map[string]string{"name": "Bob Jansen", "organisation": "Provincie Fryslân", "topics": "", "bio": ""})
	items = jsonldItems(t, x.download(t, "members.jsonld", ccby), ccby, loader)
	wantSame(t, "members in the JSON-LD", idsOf(items), []string{iris.Actor("alice"), iris.Actor("bob"), iris.Actor("fleur")})
	alice, _ := json.Marshal(items[iris.Actor("alice")])
	for _, want := range []string{`"type":"Person"`, `"preferredUsername":"alice"`, `{"name":"Organisation","type":"PropertyValue","value":"Gemeente Utrecht"}`,
		`{"name":"Role","type":"PropertyValue","value":"Datasteward"}`, `{"name":"Blog","type":"PropertyValue","value":"https://alice.example/blog"}`,
		`"name":"#OpenData"`, `"name":"#Privacy"`} {
		if !strings.Contains(string(alice), want) {
			t.Errorf("alice in the JSON-LD lacks %s:\n%s", want, alice)
		}
	}
	for _, file := range []string{"members.csv", "members.jsonld"} {
		body := x.anonymous.get("/data/" + file).body
		for _, secret := range []string{"publicKey", "inbox", "admin", "PUBLIC KEY"} {
			if strings.Contains(body, secret) {
				t.Errorf("/data/%s holds %q: only the directory's fields belong there", file, secret)
			}
		}
	}

	// Unknown datasets and formats are 404, without a download header.
	for _, p := range []string{"/data/drafts.csv", "/data/posts.xml", "/data/posts"} {
		if res := x.anonymous.get(p); res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Disposition") != "" {
			t.Errorf("GET %s: %d %q, want 404 without a download", p, res.StatusCode, res.Header.Get("Content-Disposition"))
		}
	}
}

// dcatNodes expands the catalogue and returns its nodes by @type.
func dcatNodes(t *testing.T, body string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if types, ok := v["@type"].([]any); ok {
				for _, ty := range types {
					out[ty.(string)] = append(out[ty.(string)], v)
				}
			}
			for _, e := range v {
				walk(e)
			}
		}
	}
	// No loader: the catalogue's context is inline, and any fetch fails.
	walk(expand(t, body, loadASContext{}))
	return out
}

func ids(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		m := e.(map[string]any)
		if id, ok := m["@id"].(string); ok {
			out = append(out, id)
		} else {
			out = append(out, fmt.Sprint(m["@value"]))
		}
	}
	return out
}

const (
	dcat = "http://www.w3.org/ns/dcat#"
	dct  = "http://purl.org/dc/terms/"
)

func TestOpenDataCatalogueListsTheDatasets(t *testing.T) {
	x := newOpenDataFixture(t)
	res := x.anonymous.get("/data/catalog.jsonld")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/ld+json; charset=utf-8" ||
		res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET /data/catalog.jsonld: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Access-Control-Allow-Origin"))
	}
	if res.Header.Get("Set-Cookie") != "" {
		t.Errorf("the catalogue sets a cookie: %s", res.Header.Get("Set-Cookie"))
	}
	nodes := dcatNodes(t, res.body)
	if len(nodes[dcat+"Catalog"]) != 1 {
		t.Fatalf("catalogue has %d dcat:Catalog nodes", len(nodes[dcat+"Catalog"]))
	}
	catalog := nodes[dcat+"Catalog"][0]
	if got := ids(catalog[dct+"license"]); !slices.Equal(got, []string{content.LicenceCCBY.URL()}) {
		t.Errorf("catalogue licence = %v", got)
	}
	if pub := catalog[dct+"publisher"].([]any)[0].(map[string]any); fmt.Sprint(pub["http://xmlns.com/foaf/0.1/name"]) != "[map[@value:Kring test]]" {
		t.Errorf("publisher = %v", pub)
	}
	datasets := nodes[dcat+"Dataset"]
	if len(datasets) != 4 || len(catalog[dcat+"dataset"].([]any)) != 4 {
		t.Fatalf("catalogue has %d dcat:Dataset nodes, want 4", len(datasets))
	}
	base := x.fed.IRIs().Base()
	var identifiers []string
	for _, ds := range datasets {
		identifiers = append(identifiers, ids(ds[dct+"identifier"])...)
		if ids(ds[dcat+"landingPage"])[0] != base+"/data" || ids(ds[dct+"license"])[0] != content.LicenceCCBY.URL() ||
			len(ds[dct+"title"].([]any)) != 2 || ds[dct+"description"] == nil || ds[dct+"modified"] == nil {
			t.Errorf("dataset %v lacks a landing page, licence, title in two languages, description or modified date", ds["@id"])
		}
		dists := ds[dcat+"distribution"].([]any)
		if len(dists) != 2 {
			t.Errorf("dataset %v has %d distributions, want CSV and JSON-LD", ds["@id"], len(dists))
		}
		for _, d := range dists {
			d := d.(map[string]any)
			download := ids(d[dcat+"downloadURL"])[0]
			mediaType := strings.TrimPrefix(ids(d[dcat+"mediaType"])[0], "https://www.iana.org/assignments/media-types/")
			if ids(d[dcat+"accessURL"]) == nil || ids(d[dct+"format"]) == nil || ids(d[dct+"license"])[0] != content.LicenceCCBY.URL() {
				t.Errorf("distribution %s lacks accessURL, format or licence", download)
			}
			res := x.anonymous.get(strings.TrimPrefix(download, base))
			got, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
			if res.StatusCode != http.StatusOK || got != mediaType {
				t.Errorf("GET %s: %d %s, want 200 %s as declared", download, res.StatusCode, got, mediaType)
			}
		}
	}
	wantSame(t, "dataset identifiers", identifiers, []string{base + "/data#events", base + "/data#members", base + "/data#posts", base + "/data#threads"})
}

func TestOpenDataLicence(t *testing.T) {
	x := newOpenDataFixture(t)
	cc0 := content.LicenceCC0.URL()

	// Anyone sees the page; only the admin the form.
	page := x.anonymous.get("/data")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "CC BY 4.0") || strings.Contains(page.body, `action="/data/licence"`) {
		t.Fatalf("GET /data as a visitor: %d, licence named %v, form shown %v", page.StatusCode,
			strings.Contains(page.body, "CC BY 4.0"), strings.Contains(page.body, `action="/data/licence"`))
	}
	for _, want := range []string{`href="/data/posts.csv"`, `href="/data/members.jsonld"`, `href="/data/catalog.jsonld"`, "<dd>2</dd>",
		"<code>organisation</code>", "Ledengids"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("/data lacks %s", want)
		}
	}
	if strings.Contains(x.alice.get("/data").body, `action="/data/licence"`) {
		t.Errorf("a member who is not an admin sees the licence form")
	}

	// A member who is not an admin cannot change it.
	res := x.alice.post("/data/licence", url.Values{"csrf": {x.alice.csrf("/data")}, "licence": {"cc0"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /data/licence by a member: %d, want 403", res.StatusCode)
	}
	res = x.admin.post("/data/licence", url.Values{"csrf": {x.admin.csrf("/data")}, "licence": {"gpl"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST /data/licence gpl: %d, want 422", res.StatusCode)
	}
	if n, _ := x.n.db.Node(context.Background()); n.DataLicence != content.LicenceCCBY {
		t.Fatalf("licence is %s after refused changes", n.DataLicence)
	}

	// The admin switches to CC0: the downloads, the JSON-LD and the
	// catalogue all say so.
	res = x.admin.post("/data/licence", url.Values{"csrf": {x.admin.csrf("/data")}, "licence": {"cc0"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/data?done=licence" {
		t.Fatalf("POST /data/licence cc0: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	jsonldItems(t, x.download(t, "posts.jsonld", cc0), cc0, asLoader(t))
	x.download(t, "members.csv", cc0)
	cat := x.anonymous.get("/data/catalog.jsonld")
	if cat.Header.Get("Link") != "<"+cc0+`>; rel="license"` {
		t.Errorf("catalogue Link = %q", cat.Header.Get("Link"))
	}
	nodes := dcatNodes(t, cat.body)
	for _, ty := range []string{"Catalog", "Dataset", "Distribution"} {
		for _, n := range nodes[dcat+ty] {
			if got := ids(n[dct+"license"]); !slices.Equal(got, []string{cc0}) {
				t.Errorf("dcat:%s %v licence = %v, want CC0", ty, n["@id"], got)
			}
		}
	}
	if page := x.admin.get("/data?done=licence"); !strings.Contains(page.body, "CC0 1.0 Universal") || !strings.Contains(page.body, `value="cc0" checked`) {
		t.Errorf("/data after the change does not name CC0 as chosen")
	}
}

// TestOpenDataWithoutFederation serves the data from a web without
// federation: the IRIs come from the host.
func TestOpenDataWithoutFederation(t *testing.T) {
	n := newTestNode(t)
	m := n.member("alice", "Alice")
	if err := n.db.SaveProfile(context.Background(), &content.Profile{MemberID: m.ID, Region: "Zeeland", Listed: true}); err != nil {
		t.Fatal(err)
	}
	storagetest.Member(t, n.db, "dirk", content.RoleMember, testPassword)
	res := n.browser().get("/data/members.csv")
	rows := readCSV(t, res.body, []string{"username", "name", "organisation", "role", "region", "topics", "languages", "links", "bio", "url", "id"}, "username")
	if len(rows) != 1 || rows["alice"]["id"] != "http://"+n.srv.cfg.Host+"/users/alice" || rows["alice"]["region"] != "Zeeland" {
		t.Errorf("members.csv without federation = %v", rows)
	}
}
