package federation_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// TestCommentChangesOnlyFromTheirAuthor: a remote comment is edited and
// deleted by its author; another actor's Update or Delete of it changes
// nothing. Likes and boosts count once and Undo takes them back.
func TestCommentChangesOnlyFromTheirAuthor(t *testing.T) {
	ctx := context.Background()
	key := fedtest.Key(t, 0)
	remote := fedtest.NewRemote(t)
	remote.ServeAnyActor(key)
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	env := &corpusEnv{node: node, remote: remote, alice: alice, key: key}
	post, err := node.SavePost(ctx, alice, nil, federation.PostInput{Title: "Vraag", Body: "Wat vindt u?", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	bob, mallory := "https://b.example/users/bob", "https://m.example/users/mallory"
	env.storeActor(t, bob)
	env.storeActor(t, mallory)
	send := func(actor string, doc map[string]any) string {
		t.Helper()
		doc["@context"], doc["actor"] = federation.ASContext, actor
		body, _ := json.Marshal(doc)
		signer := federation.Signer{KeyID: actor + "#main-key", Key: key}
		if got := fedtest.Post(t, node.SharedInbox(), body, signer.SignPost); got.Status != 202 {
			t.Fatalf("%s: %d %s", doc["id"], got.Status, got.Body)
		}
		return node.WaitProcessed(t, doc["id"].(string), 10*time.Second).Outcome
	}
	note := func(text string) map[string]any {
		return map[string]any{"id": "https://b.example/notes/1", "type": "Note", "attributedTo": bob, "inReplyTo": post.IRI,
			"content": text, "to": []string{federation.Public}}
	}
	send(bob, map[string]any{"id": "https://b.example/activities/1", "type": "Create", "object": note("<p>Eerste versie</p>")})
	stored := func() *content.Object {
		o, err := node.DB.ObjectByIRI(ctx, "https://b.example/notes/1")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	forged := note("<p>Door mallory</p>")
	forged["attributedTo"] = mallory
	send(mallory, map[string]any{"id": "https://m.example/activities/1", "type": "Update", "object": forged})
	send(mallory, map[string]any{"id": "https://m.example/activities/2", "type": "Update", "object": note("<p>Door mallory</p>")})
	send(mallory, map[string]any{"id": "https://m.example/activities/3", "type": "Delete", "object": "https://b.example/notes/1"})
	if o := stored(); o.Deleted || !strings.Contains(o.Content, "Eerste versie") {
		t.Fatalf("another actor changed bob's comment: deleted %v, %q", o.Deleted, o.Content)
	}

	out := send(bob, map[string]any{"id": "https://b.example/activities/2", "type": "Update", "object": note("<p>Tweede versie</p>")})
	if o := stored(); !strings.Contains(o.Content, "Tweede versie") || o.Root != post.IRI {
		t.Fatalf("bob's edit (%s): %q, root %q", out, o.Content, o.Root)
	}

	// Reactions: once each, and Undo takes them back.
	send(mallory, map[string]any{"id": "https://m.example/likes/1", "type": "Like", "object": post.IRI})
	send(mallory, map[string]any{"id": "https://m.example/likes/2", "type": "Like", "object": post.IRI})
	send(bob, map[string]any{"id": "https://b.example/boosts/1", "type": "Announce", "object": post.IRI, "to": []string{federation.Public}})
	p, _ := node.DB.ObjectByIRI(ctx, post.IRI)
	if p.LikeCount != 1 || p.AnnounceCount != 1 || p.ReplyCount != 1 {
		t.Fatalf("counts: %d likes, %d boosts, %d replies; want 1, 1, 1", p.LikeCount, p.AnnounceCount, p.ReplyCount)
	}
	send(bob, map[string]any{"id": "https://b.example/undo/1", "type": "Undo", "object": map[string]any{
		"id": "https://m.example/likes/1", "type": "Like", "actor": mallory, "object": post.IRI}})
	send(mallory, map[string]any{"id": "https://m.example/undo/1", "type": "Undo", "object": "https://m.example/likes/1"})
	send(bob, map[string]any{"id": "https://b.example/undo/2", "type": "Undo", "object": map[string]any{
		"id": "https://b.example/boosts/1", "type": "Announce", "actor": bob, "object": post.IRI}})
	p, _ = node.DB.ObjectByIRI(ctx, post.IRI)
	if p.LikeCount != 0 || p.AnnounceCount != 0 {
		t.Fatalf("after the undos: %d likes, %d boosts; want 0, 0", p.LikeCount, p.AnnounceCount)
	}

	send(bob, map[string]any{"id": "https://b.example/activities/3", "type": "Delete", "object": map[string]any{"id": "https://b.example/notes/1", "type": "Tombstone"}})
	if o := stored(); !o.Deleted {
		t.Fatal("bob's own Delete was not applied")
	}
	if p, _ := node.DB.ObjectByIRI(ctx, post.IRI); p.ReplyCount != 0 {
		t.Errorf("the deleted comment still counts: %d", p.ReplyCount)
	}
	if n, _ := node.DB.UnreadNotifications(ctx, alice.ID); n != 3 {
		t.Errorf("alice has %d notifications, want 3 (reply, like, boost)", n)
	}
}
