package federation_test

import (
	"context"
	"strings"
	"testing"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestSearchLookupAcrossNodes: a member of a pastes bob's handle on b
// into search and gets his actor, found by WebFinger; then the link of a
// post bob wrote, which a fetches with a signed GET (b refuses unsigned
// ones), stores as received and finds in its own search afterwards.
func TestSearchLookupAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{Adjust: func(c *federation.Config) { c.AuthorizedFetch = true }})
	storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	if err := b.DB.UpdateProfile(ctx, bob.ID, "Bob Bakker", "Bakt brood in Zwolle.", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}

	for _, q := range []string{"@bob@" + b.Host, "bob@" + b.Host} {
		target, ok := federation.LookupTarget(q)
		if !ok {
			t.Fatalf("%q is not taken for a handle", q)
		}
		found, err := a.SearchLookup(ctx, target)
		if err != nil {
			t.Fatalf("look up %s: %v", q, err)
		}
		if found == nil || found.Actor == nil || found.Actor.IRI != b.Actor("bob") || found.Actor.Name != "Bob Bakker" {
			t.Fatalf("look up %s = %+v, want bob's actor", q, found)
		}
	}
	if _, err := a.DB.RemoteActor(ctx, b.Actor("bob")); err != nil {
		t.Errorf("bob's actor not stored on a: %v", err)
	}

	p, err := b.SavePost(ctx, bob, nil, federation.PostInput{Title: "Zuurdesem voor beginners", Body: "Het geheim is geduld en een warme keuken.",
		Language: content.LanguageDutch, Visibility: content.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.DB.Search(ctx, storage.SearchQuery{Text: "zuurdesem"})
	if err != nil || len(res.Hits) != 0 {
		t.Fatalf("before the lookup a finds %+v, %v", res, err)
	}
	found, err := a.SearchLookup(ctx, p.IRI)
	if err != nil {
		t.Fatalf("look up %s: %v", p.IRI, err)
	}
	if found == nil || found.Object == nil || found.Object.IRI != p.IRI || found.Object.Local || found.Object.Name != "Zuurdesem voor beginners" ||
		!strings.Contains(found.Object.Content, "geduld") {
		t.Fatalf("look up %s = %+v, want bob's post", p.IRI, found)
	}
	res, err = a.DB.Search(ctx, storage.SearchQuery{Text: "geduld"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].IRI != p.IRI || res.Hits[0].Kind != storage.SearchPost || res.Hits[0].Local {
		t.Fatalf("after the lookup a finds %+v, %v; want bob's post as received", res, err)
	}
	// bob's actor was stored on the way, and search finds it too.
	res, err = a.DB.Search(ctx, storage.SearchQuery{Text: "Bakker", Kind: storage.SearchMember})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].IRI != b.Actor("bob") || res.Hits[0].AuthorHandle != "bob@"+b.Host {
		t.Fatalf("search for bob's name on a: %+v, %v", res, err)
	}

	// A profile link is the actor; nothing at a link is a clear not found.
	found, err = a.SearchLookup(ctx, b.Actor("bob"))
	if err != nil || found == nil || found.Actor == nil || found.Actor.IRI != b.Actor("bob") {
		t.Fatalf("look up bob's actor link = %+v, %v", found, err)
	}
	if _, err := a.SearchLookup(ctx, "http://"+b.Host+"/posts/nothing"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("look up of a missing post: %v, want not found", err)
	}
	// What is on a itself is left to the search.
	if found, err := a.SearchLookup(ctx, "@alice@"+a.Host); found != nil || err != nil {
		t.Errorf("look up of a's own member = %+v, %v; want nothing to resolve", found, err)
	}
	for _, q := range []string{"zuurdesem", "bob", "@bob", "http:/x", "a b@c", ""} {
		if _, ok := federation.LookupTarget(q); ok {
			t.Errorf("%q taken for a handle or link", q)
		}
	}
}
