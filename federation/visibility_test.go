package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// visibilityEnv is a node whose member alice wrote posts of each
// visibility, and the remote actors that ask for them: bob follows alice
// (accepted), carol asked to (pending), dave does not follow, frank is
// addressed by name, and eve follows alice from a server the node has
// suspended. mallory follows alice too, but her actor is suspended alone.
type visibilityEnv struct {
	node                                  *fedtest.Node
	alice                                 *content.Member
	remote                                *fedtest.Remote
	blocked                               *fedtest.Remote
	bob, carol, dave, frank, eve, mallory *fedtest.Actor

	public, unlisted, followers *content.Post
	note                        string // a followers-only Note addressed to frank too
}

func newVisibilityEnv(t *testing.T) *visibilityEnv {
	t.Helper()
	ctx := context.Background()
	e := &visibilityEnv{node: fedtest.NewNode(t, fedtest.NodeOptions{}), remote: fedtest.NewRemote(t), blocked: fedtest.NewRemote(t)}
	db := e.node.DB
	e.alice = storagetest.Member(t, db, "alice", content.RoleMember, "correct horse battery staple")
	e.bob = e.remote.AddActor("bob", fedtest.Key(t, 1))
	e.carol = e.remote.AddActor("carol", fedtest.Key(t, 2))
	e.dave = e.remote.AddActor("dave", fedtest.Key(t, 3))
	e.frank = e.remote.AddActor("frank", fedtest.Key(t, 4))
	e.mallory = e.remote.AddActor("mallory", fedtest.Key(t, 5))
	e.eve = e.blocked.AddActor("eve", fedtest.Key(t, 6))
	alice := e.node.Actor("alice")
	// bob follows as a server does, so that alice's posts reach his inbox.
	followID := e.remote.Base + "/follows/bob"
	if ans := fedtest.Post(t, e.node.Inbox("alice"), followFrom(e.bob, alice, followID), e.bob.Signer().SignPost); ans.Status != http.StatusAccepted {
		t.Fatalf("follow by bob: %d %s", ans.Status, ans.Body)
	}
	if it := e.node.WaitProcessed(t, followID, 10*time.Second); it.Outcome != "" && !strings.HasPrefix(it.Outcome, "accepted") {
		t.Logf("follow by bob: %s", it.Outcome)
	}
	for i, f := range []struct {
		who   *fedtest.Actor
		state content.FollowState
	}{{e.carol, content.FollowPending}, {e.eve, content.FollowAccepted}, {e.mallory, content.FollowAccepted}} {
		err := db.PutFollow(ctx, &content.Follow{IRI: fmt.Sprintf("%s/follows/%d", f.who.ID, i), Follower: f.who.ID, Followee: alice, State: f.state})
		if err != nil {
			t.Fatal(err)
		}
	}
	post := func(title string, v content.Visibility) *content.Post {
		p, err := e.node.SavePost(ctx, e.alice, nil, federation.PostInput{Title: title, Body: "Tekst van " + title, Visibility: v})
		if err != nil {
			t.Fatalf("save %s post: %v", v, err)
		}
		return p
	}
	e.public = post("Openbaar", content.VisibilityPublic)
	e.unlisted = post("Verborgen", content.VisibilityUnlisted)
	e.followers = post("Geheim voor volgers", content.VisibilityFollowers)

	// No page writes followers-only Notes yet; store one as the outbox
	// would, addressed to the followers and to frank and mallory by name.
	e.note = e.node.IRIs().Note("volgersnotitie")
	raw, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": e.note, "type": "Note", "attributedTo": alice,
		"content": "<p>alleen voor volgers en frank</p>", "to": []string{e.node.IRIs().Followers(alice)}, "cc": []string{e.frank.ID, e.mallory.ID}})
	if _, err := db.PutObject(ctx, &content.Object{IRI: e.note, Type: "Note", AttributedTo: alice, Local: true, Content: "x",
		URL: e.note, Published: time.Now(), Raw: string(raw)}); err != nil {
		t.Fatal(err)
	}
	e.suspend(t)
	return e
}

// suspend suspends eve's server and mallory alone, once both have read a
// followers-only document: the node then holds their keys, so that only
// the federation policy can stop them (a key fetch from a suspended server
// is refused anyway, and suspending ends follows, but not being named).
func (e *visibilityEnv) suspend(t *testing.T) {
	t.Helper()
	ctx, db := context.Background(), e.node.DB
	for _, c := range []struct {
		who requester
		url string
	}{{requester{name: "eve", as: e.eve}, e.followers.IRI}, {requester{name: "mallory", as: e.mallory}, e.note}} {
		if got := e.get(t, c.url, c.who, as2); got.status != http.StatusOK {
			t.Fatalf("%s before the suspension: %d %s, want 200", c.who.name, got.status, got.body)
		}
	}
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: e.blocked.Host, Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: e.mallory.ID, Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the suspensions to take effect", func() (bool, string) {
		eve := e.get(t, e.followers.IRI, requester{as: e.eve}, as2).status
		mallory := e.get(t, e.note, requester{as: e.mallory}, as2).status
		return eve == http.StatusNotFound && mallory == http.StatusNotFound, fmt.Sprintf("eve %d, mallory %d", eve, mallory)
	})
}

// requester is who asks: nobody (unsigned), or an actor signing with its
// own key, or with a key that is not its own (a bad signature).
type requester struct {
	name string
	as   *fedtest.Actor
	bad  bool
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (e *visibilityEnv) get(t *testing.T, url string, who requester, accept string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if who.as != nil {
		s := who.as.Signer()
		if who.bad {
			s.Key = fedtest.Key(t, 7) // not the key its actor document publishes
		}
		if err := s.SignGet(req); err != nil {
			t.Fatal(err)
		}
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

const as2 = "application/activity+json"

// TestVisibilityFromRemote reads alice's documents as other servers do:
// a followers-only one is served, signed, to her accepted followers and to
// the actors it names, and answers 404 to everyone else exactly as a
// missing document does; public and unlisted ones are served to anyone.
func TestVisibilityFromRemote(t *testing.T) {
	e := newVisibilityEnv(t)
	// The Create as bob's server received it: its id is what he fetches.
	createOf := func(iri string) string {
		t.Helper()
		got := e.remote.WaitFor(t, 10*time.Second, "the Create of "+iri, func(r fedtest.Received) bool {
			_, typ, obj := r.Activity()
			return typ == "Create" && obj == iri && r.Err == nil
		})
		id, _, _ := got.Activity()
		return id
	}
	followersCreate := createOf(e.followers.IRI)

	everyone := []requester{{name: "unsigned"}, {name: "follower", as: e.bob}, {name: "non-follower", as: e.dave},
		{name: "bad signature", as: e.bob, bad: true}, {name: "pending follower", as: e.carol},
		{name: "suspended domain", as: e.eve}, {name: "suspended actor", as: e.mallory}, {name: "addressee", as: e.frank}}
	allowed := map[string]map[string]bool{
		"followers-only post":     {"follower": true},
		"followers-only Create":   {"follower": true},
		"followers-only replies":  {"follower": true},
		"followers-only Note":     {"follower": true, "addressee": true},
		"public post":             nil,
		"unlisted post":           nil,
		"public post's replies":   nil,
		"unlisted post's Create":  nil,
		"public post via its URL": nil,
	}
	docs := []struct {
		name, url string
		public    bool
	}{
		{"followers-only post", e.followers.IRI, false},
		{"followers-only Create", followersCreate, false},
		{"followers-only replies", e.followers.IRI + "/replies", false},
		{"followers-only Note", e.note, false},
		{"public post", e.public.IRI, true},
		{"unlisted post", e.unlisted.IRI, true},
		{"public post's replies", e.public.IRI + "/replies", true},
		{"unlisted post's Create", createOf(e.unlisted.IRI), true},
	}
	missing := e.get(t, e.node.IRIs().Post("nosuchpost"), requester{name: "follower", as: e.bob}, as2)
	for _, d := range docs {
		for _, who := range everyone {
			t.Run(d.name+"/"+who.name, func(t *testing.T) {
				got := e.get(t, d.url, who, as2)
				want := d.public || allowed[d.name][who.name]
				if !want {
					if got.status != http.StatusNotFound {
						t.Fatalf("status %d, want 404; body %s", got.status, got.body)
					}
					if got.body != missing.body || got.header.Get("Cache-Control") != missing.header.Get("Cache-Control") ||
						!slices.Equal(got.header.Values("Vary"), missing.header.Values("Vary")) {
						t.Errorf("refusal differs from a missing document's 404: %v %q, want %v %q", got.header, got.body, missing.header, missing.body)
					}
					return
				}
				if got.status != http.StatusOK {
					t.Fatalf("status %d, want 200; body %s", got.status, got.body)
				}
				if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, as2) {
					t.Errorf("Content-Type %q, want AS2", ct)
				}
				if !d.public {
					if cc := got.header.Get("Cache-Control"); cc != "private" {
						t.Errorf("Cache-Control %q on a followers-only document, want private", cc)
					}
					if !strings.Contains(strings.Join(got.header.Values("Vary"), ","), "Signature") {
						t.Errorf("Vary %q on a followers-only document, want Signature", got.header.Values("Vary"))
					}
				}
			})
		}
	}
	if v := strings.Join(missing.header.Values("Vary"), ","); !strings.Contains(v, "Signature") {
		t.Errorf("a missing document's 404 has Vary %q: refusals (which need Signature) would stand out", v)
	}

	t.Run("people are not sent to a followers-only post's page", func(t *testing.T) {
		got := e.get(t, e.followers.IRI, requester{}, "text/html")
		if got.status != http.StatusNotFound || strings.Contains(got.header.Get("Location"), e.followers.Slug) {
			t.Errorf("browser GET: %d to %q, want 404 (the page's address names the title)", got.status, got.header.Get("Location"))
		}
		if got := e.get(t, e.unlisted.IRI, requester{}, "text/html"); got.status != http.StatusFound {
			t.Errorf("browser GET of the unlisted post: %d, want 302 to its page", got.status)
		}
		if got := e.get(t, followersCreate, requester{}, "text/html"); got.status != http.StatusNotFound {
			t.Errorf("browser GET of the followers-only Create: %d, want 404", got.status)
		}
	})
}

// outboxItem is an activity of an outbox page.
type outboxItem struct {
	ID     string `json:"id"`
	Object struct {
		ID string `json:"id"`
	} `json:"object"`
}

func (e *visibilityEnv) outboxItems(t *testing.T, who requester) (int, []outboxItem) {
	t.Helper()
	got := e.get(t, e.node.Actor("alice")+"/outbox?page=1", who, as2)
	if got.status != http.StatusOK {
		t.Fatalf("outbox: %d %s", got.status, got.body)
	}
	var page struct {
		TotalItems   int          `json:"totalItems"`
		OrderedItems []outboxItem `json:"orderedItems"`
	}
	if err := json.Unmarshal([]byte(got.body), &page); err != nil {
		t.Fatal(err)
	}
	return page.TotalItems, page.OrderedItems
}

// TestVisibilityOutbox: the outbox lists public and unlisted posts to
// everyone, and followers-only ones to no one, not even a signed follower
// (they had them delivered; an outbox the same for all can be cached).
func TestVisibilityOutbox(t *testing.T) {
	e := newVisibilityEnv(t)
	for _, who := range []requester{{name: "unsigned"}, {name: "follower", as: e.bob}} {
		total, items := e.outboxItems(t, who)
		var objects []string
		for _, it := range items {
			objects = append(objects, it.Object.ID)
		}
		if !slices.Contains(objects, e.public.IRI) || !slices.Contains(objects, e.unlisted.IRI) {
			t.Errorf("%s: outbox %v lacks the public or the unlisted post", who.name, objects)
		}
		if slices.Contains(objects, e.followers.IRI) || total != len(items) {
			t.Errorf("%s: outbox %v (total %d) shows the followers-only post", who.name, objects, total)
		}
	}
}

// TestVisibilityReplies: a post's replies collection lists its public
// replies, never a followers-only one, whoever asks.
func TestVisibilityReplies(t *testing.T) {
	e := newVisibilityEnv(t)
	ctx := context.Background()
	for _, r := range []struct {
		id     string
		public bool
	}{{"open", true}, {"closed", false}} {
		iri := e.remote.Base + "/notes/" + r.id
		to := []string{federation.Public}
		if !r.public {
			to = []string{e.bob.ID + "/followers"}
		}
		raw, _ := json.Marshal(map[string]any{"id": iri, "type": "Note", "attributedTo": e.bob.ID, "inReplyTo": e.public.IRI, "to": to})
		if _, err := e.node.DB.PutObject(ctx, &content.Object{IRI: iri, Type: "Note", AttributedTo: e.bob.ID, InReplyTo: e.public.IRI,
			Public: r.public, Published: time.Now(), Raw: string(raw), Content: "<p>" + r.id + "</p>"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []requester{{name: "unsigned"}, {name: "follower", as: e.bob}} {
		got := e.get(t, e.public.IRI+"/replies?page=1", who, as2)
		var page struct {
			TotalItems   int      `json:"totalItems"`
			OrderedItems []string `json:"orderedItems"`
		}
		if err := json.Unmarshal([]byte(got.body), &page); err != nil {
			t.Fatalf("%s: %d %s: %v", who.name, got.status, got.body, err)
		}
		want := []string{e.remote.Base + "/notes/open"}
		if !slices.Equal(page.OrderedItems, want) || page.TotalItems != 1 {
			t.Errorf("%s: replies %v (total %d), want %v", who.name, page.OrderedItems, page.TotalItems, want)
		}
	}
}

// TestVisibilityTombstone: a deleted followers-only post answers its
// Tombstone to followers and 404 to anyone else.
func TestVisibilityTombstone(t *testing.T) {
	e := newVisibilityEnv(t)
	if err := e.node.DeletePost(context.Background(), e.alice, e.followers); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, e.followers.IRI, requester{name: "follower", as: e.bob}, as2); got.status != http.StatusGone {
		t.Errorf("follower: %d %s, want 410", got.status, got.body)
	}
	for _, who := range []requester{{name: "unsigned"}, {name: "non-follower", as: e.dave}} {
		if got := e.get(t, e.followers.IRI, who, as2); got.status != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", who.name, got.status, got.body)
		}
	}
}
