package federation_test

import (
	"context"
	"fmt"
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

// TestMoveAcrossThreeNodes is the Move acceptance test: carol on c
// follows alice on a; alice2 on b names alice as an alias; alice moves to
// alice2; c's carol then follows alice2 (accepted by b) and no longer
// alice, and a has lost carol as a follower. Moving to an account that
// does not name alice is refused before anything is sent.
func TestMoveAcrossThreeNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	c := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	alice2 := storagetest.Member(t, b.DB, "alice2", content.RoleMember, "correct horse battery")
	carol := storagetest.Member(t, c.DB, "carol", content.RoleMember, "correct horse battery")
	if _, err := c.Follow(ctx, carol, "alice@"+a.Host); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, c, c.Actor("carol"), a.Actor("alice"))

	// Without the alias the move is refused, and nothing is queued.
	before, _ := a.DB.DeliveryStats(ctx)
	_, _, err := a.MoveTo(ctx, alice, "alice2@"+b.Host)
	if content.KindOf(err) != content.KindInvalid || !strings.Contains(err.Error(), "alsoKnownAs") {
		t.Fatalf("move before the alias: %v, want invalid naming alsoKnownAs", err)
	}
	if after, _ := a.DB.DeliveryStats(ctx); after.Pending+after.Done != before.Pending+before.Done {
		t.Errorf("a refused move queued deliveries: %+v -> %+v", before, after)
	}
	if acct, _ := a.DB.Account(ctx, alice.ID); acct.MovedTo != "" {
		t.Errorf("a refused move set movedTo %q", acct.MovedTo)
	}

	// Moving here: alice2 names alice, and b's actor document says so.
	aliases, err := b.SetAliases(ctx, alice2, []string{"alice@" + a.Host}, nil)
	if err != nil || !slices.Equal(aliases, []string{a.Actor("alice")}) {
		t.Fatalf("alias: %v, %v", aliases, err)
	}
	if _, doc := getActivityJSON(t, b.Actor("alice2")); fmt.Sprint(doc["alsoKnownAs"]) != fmt.Sprint([]any{a.Actor("alice")}) {
		t.Errorf("alice2's alsoKnownAs = %v", doc["alsoKnownAs"])
	}

	// Moving away.
	target, notified, err := a.MoveTo(ctx, alice, "alice2@"+b.Host)
	if err != nil {
		t.Fatal(err)
	}
	if target.IRI != b.Actor("alice2") || notified != 1 {
		t.Errorf("moved to %s, %d inboxes told; want alice2, c's", target.IRI, notified)
	}
	status, doc := getActivityJSON(t, a.Actor("alice"))
	if status != http.StatusOK || doc["movedTo"] != b.Actor("alice2") {
		t.Errorf("alice's actor: %d, movedTo %v", status, doc["movedTo"])
	}

	waitAccepted(t, c, c.Actor("carol"), b.Actor("alice2"))
	waitFor(t, "carol's follow of alice to go", 10*time.Second, func() bool {
		_, err := c.DB.FollowBetween(ctx, c.Actor("carol"), a.Actor("alice"))
		return content.KindOf(err) == content.KindNotFound
	})
	waitFor(t, "b to count carol as alice2's follower", 10*time.Second, func() bool {
		total, iris, _ := b.DB.Followers(ctx, b.Actor("alice2"), 0, 10)
		return total == 1 && iris[0] == c.Actor("carol")
	})
	waitFor(t, "a to lose carol as alice's follower (Undo)", 10*time.Second, func() bool {
		total, _, _ := a.DB.Followers(ctx, a.Actor("alice"), 0, 10)
		return total == 0
	})
	moves, err := c.DB.FollowsOf(ctx, a.Actor("alice"))
	if err != nil || len(moves) != 0 {
		t.Errorf("c still has follows of alice: %+v, %v", moves, err)
	}
}

// TestMoveRefused: a Move whose target does not name the mover in
// alsoKnownAs moves nobody; nor does a Move of someone else.
func TestMoveRefused(t *testing.T) {
	ctx := context.Background()
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	c := fedtest.NewNode(t, fedtest.NodeOptions{})
	storagetest.Member(t, b.DB, "alice2", content.RoleMember, "correct horse battery") // names nobody
	carol := storagetest.Member(t, c.DB, "carol", content.RoleMember, "correct horse battery")
	remote := fedtest.NewRemote(t)
	eve := remote.AddActor("eve", fedtest.Key(t, 1))
	if _, err := c.Follow(ctx, carol, eve.ID); err != nil {
		t.Fatal(err)
	}
	follow := remote.WaitFor(t, 10*time.Second, "carol's Follow", func(r fedtest.Received) bool {
		_, typ, _ := r.Activity()
		return typ == "Follow"
	})
	followID, _, _ := follow.Activity()
	accept := fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Accept","actor":%q,"object":%q}`, federation.ASContext, remote.Base+"/accepts/1", eve.ID, followID)
	if ans := fedtest.Post(t, c.Inbox("carol"), []byte(accept), eve.Signer().SignPost); ans.Status != http.StatusAccepted {
		t.Fatalf("accept: %d %s", ans.Status, ans.Body)
	}
	waitAccepted(t, c, c.Actor("carol"), eve.ID)

	tests := []struct {
		name, id, object, target, outcome string
	}{
		{"target does not name the mover", remote.Base + "/moves/1", eve.ID, b.Actor("alice2"), "refused: move of " + eve.ID},
		{"move of someone else", remote.Base + "/moves/2", b.Actor("alice2"), b.Actor("alice2"), "ignored: move of " + b.Actor("alice2")},
		{"no target", remote.Base + "/moves/3", eve.ID, "", "ignored: move without an http(s) target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			move := fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Move","actor":%q,"object":%q,"target":%q}`, federation.ASContext, tt.id, eve.ID, tt.object, tt.target)
			if ans := fedtest.Post(t, c.SharedInbox(), []byte(move), eve.Signer().SignPost); ans.Status != http.StatusAccepted {
				t.Fatalf("move: %d %s", ans.Status, ans.Body)
			}
			if it := c.WaitProcessed(t, tt.id, 10*time.Second); !strings.HasPrefix(it.Outcome, tt.outcome) {
				t.Errorf("outcome %q, want %q...", it.Outcome, tt.outcome)
			}
			if f, err := c.DB.FollowBetween(ctx, c.Actor("carol"), eve.ID); err != nil || f.State != content.FollowAccepted {
				t.Errorf("carol's follow of eve = %+v, %v; want it kept", f, err)
			}
			if _, err := c.DB.FollowBetween(ctx, c.Actor("carol"), b.Actor("alice2")); content.KindOf(err) != content.KindNotFound {
				t.Errorf("carol follows alice2 after a refused move: %v", err)
			}
		})
	}
}
