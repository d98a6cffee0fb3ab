package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
)

// TestInboxTakesDeletesOfUnknownActors: Mastodon tells every server it
// knows when an account is deleted, signed with a key that is gone by the
// time anyone fetches it. Of an actor never stored here that is nothing to
// do: 202 without verifying and without a trace. A known actor's Delete,
// and a Delete of anything else, must still be signed.
func TestInboxTakesDeletesOfUnknownActors(t *testing.T) {
	e := newInboxEnv(t)
	ctx := context.Background()
	del := func(id, actor, object string) []byte {
		b, err := json.Marshal(map[string]any{"@context": federation.ASContext, "id": id, "type": "Delete",
			"actor": actor, "object": object, "to": []string{federation.Public}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// mallory was never stored here: her unsigned self-Delete is taken.
	id := e.mallory.ID + "#delete"
	if got := fedtest.Post(t, e.node.SharedInbox(), del(id, e.mallory.ID, e.mallory.ID), nil); got.Status != http.StatusAccepted {
		t.Errorf("unknown actor's Delete of itself: %d %s, want 202", got.Status, got.Body)
	}
	e.assertNoTrace(t, id)
	if _, err := e.node.DB.RemoteActor(ctx, e.mallory.ID); content.KindOf(err) != content.KindNotFound {
		t.Errorf("taking the Delete stored or fetched mallory: %v", err)
	}
	// Her Delete of a note is not about herself: it must be signed.
	if got := fedtest.Post(t, e.node.SharedInbox(), del(e.mallory.ID+"#delete-note", e.mallory.ID, e.mallory.ID+"/notes/1"), nil); got.Status != http.StatusUnauthorized {
		t.Errorf("unsigned Delete of a note: %d, want 401", got.Status)
	}
	// bob is known once his signed Follow is in; then his Delete needs a signature.
	if got := fedtest.Post(t, e.node.Inbox("alice"), e.follow(t, e.bob.ID+"/follows/1", e.bob.ID), func(req *http.Request, body []byte) error {
		return e.bob.Signer().SignPost(req, body)
	}); got.Status != http.StatusAccepted {
		t.Fatalf("bob's Follow: %d %s", got.Status, got.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, err := e.node.DB.RemoteActor(ctx, e.bob.ID); err != nil; _, err = e.node.DB.RemoteActor(ctx, e.bob.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("bob not stored: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := fedtest.Post(t, e.node.SharedInbox(), del(e.bob.ID+"#delete", e.bob.ID, e.bob.ID), nil); got.Status != http.StatusUnauthorized {
		t.Errorf("known actor's unsigned Delete of itself: %d, want 401", got.Status)
	}
}
