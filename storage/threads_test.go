package storage_test

import (
	"context"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func putObject(t *testing.T, db *storage.DB, iri, author, inReplyTo string, tags ...string) *content.Object {
	t.Helper()
	o := &content.Object{IRI: iri, Type: "Note", AttributedTo: author, InReplyTo: inReplyTo, Public: true,
		Content: "<p>" + iri + "</p>", Published: time.Now().UTC(), Tags: tags}
	if _, err := db.PutObject(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

// A thread comes back depth-first with depths, and counts follow it:
// direct replies on the parent, all replies on the root.
func TestThreadOrderAndCounts(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	putObject(t, db, "https://kring.test/posts/1", "https://kring.test/users/alice", "")
	putObject(t, db, "https://b.test/n/1", "https://b.test/u/bob", "https://kring.test/posts/1")
	putObject(t, db, "https://c.test/n/2", "https://c.test/u/carol", "https://kring.test/posts/1")
	putObject(t, db, "https://kring.test/n/3", "https://kring.test/users/alice", "https://b.test/n/1")
	putObject(t, db, "https://b.test/n/4", "https://b.test/u/bob", "https://kring.test/n/3")
	putObject(t, db, "https://x.test/n/orphan", "https://x.test/u/x", "https://x.test/unknown")

	comments, err := db.Comments(ctx, "https://kring.test/posts/1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range comments {
		got = append(got, c.IRI+"@"+string(rune('0'+c.Depth)))
	}
	want := []string{"https://b.test/n/1@1", "https://kring.test/n/3@2", "https://b.test/n/4@3", "https://c.test/n/2@1"}
	if len(got) != len(want) {
		t.Fatalf("thread = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("thread = %v, want %v", got, want)
		}
	}
	counts := func(iri string) int {
		o, err := db.ObjectByIRI(ctx, iri)
		if err != nil {
			t.Fatal(err)
		}
		return o.ReplyCount
	}
	if n := counts("https://kring.test/posts/1"); n != 4 {
		t.Errorf("root reply count = %d, want 4", n)
	}
	if n := counts("https://b.test/n/1"); n != 1 {
		t.Errorf("reply count of a reply = %d, want 1 (its direct replies)", n)
	}
	// Deleting a reply uncounts it, only for its author.
	if ok, _ := db.DeleteObject(ctx, "https://b.test/n/4", "https://c.test/u/carol"); ok {
		t.Fatal("a stranger deleted bob's reply")
	}
	if ok, err := db.DeleteObject(ctx, "https://b.test/n/4", "https://b.test/u/bob"); !ok || err != nil {
		t.Fatalf("delete by author: %v %v", ok, err)
	}
	if n := counts("https://kring.test/posts/1"); n != 3 {
		t.Errorf("root reply count after a delete = %d, want 3", n)
	}
	if o, _ := db.ObjectByIRI(ctx, "https://x.test/n/orphan"); o.Root != "" || o.Path != "" {
		t.Errorf("orphan reply got a thread place: root %q path %q", o.Root, o.Path)
	}
}

func TestReactionsCountOnceAndUndo(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	post := putObject(t, db, "https://kring.test/posts/1", "https://kring.test/users/alice", "")
	like := &content.Reaction{ActivityIRI: "https://b.test/likes/1", Kind: content.ReactionLike, Actor: "https://b.test/u/bob", ObjectIRI: post.IRI}
	for i, want := range []bool{true, false} {
		added, err := db.AddReaction(ctx, like)
		if err != nil || added != want {
			t.Fatalf("add #%d = %v, %v; want %v", i+1, added, err, want)
		}
	}
	// The same actor liking again under another activity id is no second like.
	again := *like
	again.ActivityIRI = "https://b.test/likes/2"
	if added, _ := db.AddReaction(ctx, &again); added {
		t.Error("a second like by the same actor counted")
	}
	boost := &content.Reaction{ActivityIRI: "https://b.test/boosts/1", Kind: content.ReactionAnnounce, Actor: "https://b.test/u/bob", ObjectIRI: post.IRI}
	if added, _ := db.AddReaction(ctx, boost); !added {
		t.Error("boost not added")
	}
	if added, _ := db.AddReaction(ctx, &content.Reaction{ActivityIRI: "https://b.test/likes/9", Kind: content.ReactionLike,
		Actor: "https://b.test/u/bob", ObjectIRI: "https://elsewhere.test/x"}); added {
		t.Error("a like of an object not stored here was recorded")
	}
	o, _ := db.ObjectByIRI(ctx, post.IRI)
	if o.LikeCount != 1 || o.AnnounceCount != 1 {
		t.Fatalf("counts = %d likes, %d boosts; want 1, 1", o.LikeCount, o.AnnounceCount)
	}
	if removed, _ := db.RemoveReaction(ctx, "https://c.test/u/carol", like.ActivityIRI, content.ReactionLike, post.IRI); removed {
		t.Error("another actor undid bob's like")
	}
	if removed, err := db.RemoveReaction(ctx, "https://b.test/u/bob", "", content.ReactionLike, post.IRI); !removed || err != nil {
		t.Fatalf("undo by object: %v %v", removed, err)
	}
	o, _ = db.ObjectByIRI(ctx, post.IRI)
	if o.LikeCount != 0 || o.AnnounceCount != 1 {
		t.Fatalf("after undo: %d likes, %d boosts; want 0, 1", o.LikeCount, o.AnnounceCount)
	}
}

func TestTaggedObjects(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	putObject(t, db, "https://kring.test/posts/1", "https://kring.test/users/alice", "", "opendata", "koffie")
	putObject(t, db, "https://b.test/n/1", "https://b.test/u/bob", "", "opendata")
	putObject(t, db, "https://b.test/n/2", "https://b.test/u/bob", "", "other")
	got, err := db.TaggedObjects(ctx, "opendata", time.Time{}, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("tagged = %d objects, %v; want 2", len(got), err)
	}
	db.DeleteObject(ctx, "https://b.test/n/1", "https://b.test/u/bob")
	if got, _ := db.TaggedObjects(ctx, "opendata", time.Time{}, 10); len(got) != 1 {
		t.Fatalf("after delete: %d tagged, want 1", len(got))
	}
}

func TestPostSlugsAndListing(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	alice := storagetest.Member(t, db, "alice", content.RoleMember, "correct horse battery")
	mk := func(iri string, state content.PostState, vis content.Visibility) *content.Post {
		p := &content.Post{IRI: iri, AuthorID: alice.ID, Slug: "open-koffie", Title: "Open Koffie", Body: "b", Content: "<p>b</p>",
			Language: content.LanguageDutch, Visibility: vis, State: state, Tags: []string{"koffie"}}
		if state == content.PostPublished {
			p.Published = time.Now().UTC()
		}
		if err := db.SavePost(ctx, storage.PostChange{Post: p}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := mk("https://kring.test/posts/a", content.PostPublished, content.VisibilityPublic)
	b := mk("https://kring.test/posts/b", content.PostDraft, content.VisibilityPublic)
	c := mk("https://kring.test/posts/c", content.PostPublished, content.VisibilityFollowers)
	if a.Slug != "open-koffie" || b.Slug != "open-koffie-2" || c.Slug != "open-koffie-3" {
		t.Fatalf("slugs = %q %q %q", a.Slug, b.Slug, c.Slug)
	}
	got, err := db.PostBySlug(ctx, "alice", "open-koffie-2")
	if err != nil || got.IRI != b.IRI || got.Author != "alice" || got.Tags[0] != "koffie" {
		t.Fatalf("by slug = %+v, %v", got, err)
	}
	for _, tc := range []struct {
		f    storage.PostFilter
		want int
	}{
		{storage.PostFilter{Listed: true}, 1},
		{storage.PostFilter{AuthorID: alice.ID}, 2},
		{storage.PostFilter{AuthorID: alice.ID, Drafts: true}, 3},
		{storage.PostFilter{Listed: true, Tag: "koffie"}, 1},
		{storage.PostFilter{Listed: true, Tag: "koff"}, 0},
	} {
		posts, err := db.Posts(ctx, tc.f)
		if err != nil || len(posts) != tc.want {
			t.Errorf("Posts(%+v) = %d, %v; want %d", tc.f, len(posts), err, tc.want)
		}
	}
	// Images must be the author's own uploads.
	a.MediaIDs = []int64{42}
	if err := db.SavePost(ctx, storage.PostChange{Post: a}); content.KindOf(err) != content.KindInvalid {
		t.Fatalf("attaching an unknown image: %v, want invalid", err)
	}
}
