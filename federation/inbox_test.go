package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// inboxEnv is a node with the member alice and a remote server on
// loopback with the actors bob, mallory, carol and dave (real keys; carol
// and dave share one).
type inboxEnv struct {
	node                    *fedtest.Node
	remote                  *fedtest.Remote
	alice                   string
	bob, mallory, carol, dv *fedtest.Actor
}

func newInboxEnv(t *testing.T) *inboxEnv {
	t.Helper()
	e := &inboxEnv{remote: fedtest.NewRemote(t)}
	e.bob = e.remote.AddActor("bob", fedtest.Key(t, 0))
	e.mallory = e.remote.AddActor("mallory", fedtest.Key(t, 1))
	e.carol = e.remote.AddActor("carol", fedtest.Key(t, 2))
	e.dv = e.remote.AddActor("dave", fedtest.Key(t, 2))
	e.node = fedtest.NewNode(t, fedtest.NodeOptions{})
	storagetest.Member(t, e.node.DB, "alice", content.RoleMember, "correct horse battery staple")
	e.alice = e.node.Actor("alice")
	return e
}

// follow is a Follow of alice by actor, as Mastodon writes it.
func (e *inboxEnv) follow(t *testing.T, id, actor string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"@context": federation.ASContext, "id": id, "type": "Follow", "actor": actor, "object": e.alice,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// inboxes are alice's inbox and the node's shared inbox: every request is
// tried on both.
func (e *inboxEnv) inboxes() map[string]string {
	return map[string]string{"personal": e.node.Inbox("alice"), "shared": e.node.SharedInbox()}
}

// TestInboxRefusesBadSignatures sends requests that a strict inbox must
// refuse, to alice's inbox and to the shared inbox. Each gets its status
// with a JSON reason naming the problem, is counted by Refusals, and
// changes nothing: no inbox row, no follow, no delivery.
func TestInboxRefusesBadSignatures(t *testing.T) {
	e := newInboxEnv(t)
	bob := e.bob.Signer()
	signWith := func(s federation.Signer) func(*http.Request, []byte) error {
		return func(req *http.Request, body []byte) error { return s.SignPost(req, body) }
	}
	ago := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(-d) } }

	tests := []struct {
		name   string
		status int
		code   string // the key Refusals counts it under
		reason string // part of the JSON error
		// request returns the body to send and how to sign it, for an
		// activity with this id.
		request func(id string) ([]byte, func(*http.Request, []byte) error)
	}{
		{"unsigned", 401, federation.CodeUnsigned, "not signed", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), nil
		}},
		{"wrong key", 401, federation.CodeBadSignature, "does not verify", func(id string) ([]byte, func(*http.Request, []byte) error) {
			// bob's keyId, mallory's key.
			return e.follow(t, id, e.bob.ID), signWith(federation.Signer{KeyID: e.bob.KeyID, Key: e.mallory.Key})
		}},
		{"tampered body", 401, federation.CodeBadDigest, "Digest does not match the body", func(id string) ([]byte, func(*http.Request, []byte) error) {
			signed := e.follow(t, id, e.bob.ID)
			sent := bytes.Replace(signed, []byte(`"type":"Follow"`), []byte(`"summary":"changed after signing","type":"Follow"`), 1)
			return sent, func(req *http.Request, _ []byte) error { return bob.SignPost(req, signed) }
		}},
		{"date 2 hours old", 401, federation.CodeStaleDate, "outside acceptable time window", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), signWith(federation.Signer{KeyID: bob.KeyID, Key: bob.Key, Now: ago(2 * time.Hour)})
		}},
		{"date 13 hours old", 401, federation.CodeStaleDate, "outside acceptable time window", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), signWith(federation.Signer{KeyID: bob.KeyID, Key: bob.Key, Now: ago(13 * time.Hour)})
		}},
		{"date 2 hours ahead", 401, federation.CodeFutureDate, "ahead of our clock", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), signWith(federation.Signer{KeyID: bob.KeyID, Key: bob.Key, Now: ago(-2 * time.Hour)})
		}},
		{"POST signed without digest", 401, federation.CodeMissingHeader, "Digest header must be signed", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), fedtest.Cavage{KeyID: bob.KeyID, Key: bob.Key,
				Headers: []string{"(request-target)", "host", "date", "content-type"}}.Sign
		}},
		{"signed without date", 401, federation.CodeMissingHeader, "Date header or the (created) pseudo-header must be signed", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.bob.ID), fedtest.Cavage{KeyID: bob.KeyID, Key: bob.Key,
				Headers: []string{"(request-target)", "host", "digest", "content-type"}}.Sign
		}},
		{"signer is not the actor", 401, "actor_mismatch", "not the activity's actor", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, id, e.mallory.ID), signWith(bob) // bob's signature on mallory's Follow
		}},
		{"activity id on a foreign host", 400, "foreign_id", "not on the actor's host", func(string) ([]byte, func(*http.Request, []byte) error) {
			return e.follow(t, foreignID, e.bob.ID), signWith(bob)
		}},
		{"malformed JSON", 400, "malformed", "not a JSON object", func(id string) ([]byte, func(*http.Request, []byte) error) {
			return []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `","type":"Follow",`), signWith(bob)
		}},
		{"body over 1 MiB", 413, "too_large", "body over 1048576 bytes", func(id string) ([]byte, func(*http.Request, []byte) error) {
			body := e.follow(t, id, e.bob.ID)
			pad := `"summary":"` + strings.Repeat("x", federation.MaxInboxBody) + `",`
			return bytes.Replace(body, []byte(`{`), []byte(`{`+pad), 1), signWith(bob)
		}},
	}
	n := 0
	for _, tt := range tests {
		for inbox, url := range e.inboxes() {
			t.Run(tt.name+"/"+inbox, func(t *testing.T) {
				n++
				id := fmt.Sprintf("%s/follows/refused-%d", e.bob.ID, n)
				if tt.name == "activity id on a foreign host" {
					id = foreignID
				}
				body, sign := tt.request(id)
				before := e.node.Refusals()[tt.code]
				got := fedtest.Post(t, url, body, sign)
				if got.Status != tt.status {
					t.Errorf("status %d (%s), want %d", got.Status, got.Body, tt.status)
				}
				if !strings.Contains(got.Error, tt.reason) {
					t.Errorf("JSON error %q (body %.200q) does not name the problem: want it to contain %q", got.Error, got.Body, tt.reason)
				}
				if after := e.node.Refusals()[tt.code]; after != before+1 {
					t.Errorf("Refusals()[%q] went from %d to %d, want +1", tt.code, before, after)
				}
				e.assertNoTrace(t, id)
			})
		}
	}
}

// foreignID is an activity id on neither the node's nor the remote's host.
const foreignID = "http://elsewhere.example/activities/not-yours"

// assertNoTrace checks that a refused request left nothing behind.
func (e *inboxEnv) assertNoTrace(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	if it, err := e.node.DB.InboxItemByIRI(ctx, id); content.KindOf(err) != content.KindNotFound {
		t.Errorf("inbox row for refused activity %s: %+v, %v", id, it, err)
	}
	for _, a := range []*fedtest.Actor{e.bob, e.mallory} {
		if f, err := e.node.DB.FollowBetween(ctx, a.ID, e.alice); content.KindOf(err) != content.KindNotFound {
			t.Errorf("follow of alice by %s after a refused request: %+v, %v", a.Username, f, err)
		}
	}
	stats, err := e.node.DB.DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total := stats.Pending + stats.Done + stats.Failed; total != 0 {
		t.Errorf("%d deliveries queued after refused requests, want 0", total)
	}
}

// TestInboxAcceptsSignedFollow is the positive control: a correctly signed
// Follow is accepted, processed, stored as an accepted follow and answered
// with an Accept that the remote verifies; its redelivery changes nothing;
// hs2019 with (created) and RFC 9421 signatures are accepted too.
func TestInboxAcceptsSignedFollow(t *testing.T) {
	e := newInboxEnv(t)
	ctx := context.Background()
	const wait = 10 * time.Second

	followID := e.bob.ID + "/follows/1"
	body := e.follow(t, followID, e.bob.ID)
	bob := e.bob.Signer()
	if got := fedtest.Post(t, e.node.Inbox("alice"), body, bob.SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("signed Follow: status %d (%s), want 202", got.Status, got.Body)
	}
	first := e.node.WaitProcessed(t, followID, wait)
	if !strings.HasPrefix(first.Outcome, "accepted: ") {
		t.Errorf("outcome %q, want accepted: ...", first.Outcome)
	}
	e.assertFollower(t, e.bob)
	e.waitAccept(t, e.bob, followID)

	t.Run("redelivery changes nothing", func(t *testing.T) {
		// Freshly signed, as a sender retrying would; to the shared inbox.
		if got := fedtest.Post(t, e.node.SharedInbox(), body, bob.SignPost); got.Status != http.StatusAccepted {
			t.Fatalf("redelivered Follow: status %d (%s), want 202", got.Status, got.Body)
		}
		again, err := e.node.DB.InboxItemByIRI(ctx, followID)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID || !again.ProcessedAt.Equal(first.ProcessedAt) || again.Outcome != first.Outcome {
			t.Errorf("inbox row after redelivery: %+v, want the first one unchanged: %+v", again, first)
		}
		if total, _, err := e.node.DB.Followers(ctx, e.alice, 0, 10); err != nil || total != 1 {
			t.Errorf("alice has %d followers (%v), want 1", total, err)
		}
	})

	cases := []struct {
		name  string
		actor *fedtest.Actor
		sign  func(*http.Request, []byte) error
	}{
		{"hs2019 with (created)", e.carol, fedtest.Cavage{KeyID: e.carol.KeyID, Key: e.carol.Key, Algorithm: "hs2019",
			Headers: []string{"(request-target)", "(created)", "host", "digest", "content-type"}}.Sign},
		{"RFC 9421", e.dv, e.dv.Signer().SignRFC9421},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := c.actor.ID + "/follows/1"
			if got := fedtest.Post(t, e.node.Inbox("alice"), e.follow(t, id, c.actor.ID), c.sign); got.Status != http.StatusAccepted {
				t.Fatalf("status %d (%s), want 202", got.Status, got.Body)
			}
			if it := e.node.WaitProcessed(t, id, wait); !strings.HasPrefix(it.Outcome, "accepted: ") {
				t.Errorf("outcome %q, want accepted: ...", it.Outcome)
			}
			e.assertFollower(t, c.actor)
			e.waitAccept(t, c.actor, id)
		})
	}

	// Processing is in arrival order, so by now a second processing of the
	// redelivered Follow would have queued a second Accept to bob.
	stats, err := e.node.DB.DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total := stats.Pending + stats.Done + stats.Failed; total != 1+len(cases) {
		t.Errorf("%d deliveries queued, want %d (one Accept per Follow, none for the redelivery)", total, 1+len(cases))
	}
	if total, _, err := e.node.DB.Followers(ctx, e.alice, 0, 10); err != nil || total != 1+len(cases) {
		t.Errorf("alice has %d followers (%v), want %d", total, err, 1+len(cases))
	}
}

func (e *inboxEnv) assertFollower(t *testing.T, a *fedtest.Actor) {
	t.Helper()
	f, err := e.node.DB.FollowBetween(context.Background(), a.ID, e.alice)
	if err != nil {
		t.Fatalf("follow of alice by %s: %v", a.Username, err)
	}
	if f.State != content.FollowAccepted {
		t.Errorf("follow of alice by %s is %s, want accepted", a.Username, f.State)
	}
}

// waitAccept waits for alice's Accept of followID at a's inbox, signed by
// alice as the remote verified.
func (e *inboxEnv) waitAccept(t *testing.T, a *fedtest.Actor, followID string) {
	t.Helper()
	rec := e.remote.WaitFor(t, 10*time.Second, "Accept of "+followID, func(r fedtest.Received) bool {
		_, typ, obj := r.Activity()
		return r.Path == "/users/"+a.Username+"/inbox" && typ == "Accept" && obj == followID
	})
	if rec.Err != nil || rec.Signer != e.alice {
		t.Errorf("Accept at %s's inbox: signer %q, verification error %v; want a valid signature by %s", a.Username, rec.Signer, rec.Err, e.alice)
	}
	n := 0
	for _, r := range e.remote.Received() {
		if _, typ, obj := r.Activity(); typ == "Accept" && obj == followID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Accepts of %s received, want 1", n, followID)
	}
}
