package federation_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// policyPeer is another server on loopback that counts what reaches it:
// GETs (actor documents, keys, WebFinger) and POSTs. Every /users/NAME is
// a Person with the peer's one key.
type policyPeer struct {
	srv         *httptest.Server
	host        string
	key         *rsa.PrivateKey
	gets, posts atomic.Int64
}

func newPolicyPeer(t *testing.T) *policyPeer {
	t.Helper()
	p := &policyPeer{key: fedtest.Key(t, 0)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			p.posts.Add(1)
			w.WriteHeader(http.StatusAccepted)
			return
		}
		p.gets.Add(1)
		id := "http://" + r.Host + r.URL.Path
		doc, err := fedtest.ActorDocument(id, path.Base(r.URL.Path), id+"/inbox", p.key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
		w.Write(doc)
	}))
	t.Cleanup(p.srv.Close)
	p.host = p.srv.Listener.Addr().String()
	return p
}

func (p *policyPeer) actor(name string) string { return "http://" + p.host + "/users/" + name }

func (p *policyPeer) signer(name string) federation.Signer {
	return federation.Signer{KeyID: p.actor(name) + "#main-key", Key: p.key}
}

// policyEnv is a node with the member alice, and a peer.
type policyEnv struct {
	node  *fedtest.Node
	peer  *policyPeer
	alice *content.Member
	n     int
}

func newPolicyEnv(t *testing.T, opts fedtest.NodeOptions) *policyEnv {
	t.Helper()
	e := &policyEnv{peer: newPolicyPeer(t), node: fedtest.NewNode(t, opts)}
	e.alice = storagetest.Member(t, e.node.DB, "alice", content.RoleMember, "correct horse battery staple")
	return e
}

// follow posts a signed Follow of alice by the peer's actor name to the
// shared inbox.
func (e *policyEnv) follow(t *testing.T, name string) fedtest.Answer {
	t.Helper()
	e.n++
	actor := e.peer.actor(name)
	body, err := json.Marshal(map[string]any{"@context": federation.ASContext, "id": fmt.Sprintf("%s/follows/%d", actor, e.n),
		"type": "Follow", "actor": actor, "object": e.node.Actor("alice")})
	if err != nil {
		t.Fatal(err)
	}
	return fedtest.Post(t, e.node.SharedInbox(), body, e.peer.signer(name).SignPost)
}

// eventually retries until ok, for a little over the policy's cache time.
func eventually(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		good, state := ok()
		if good {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s; last: %s", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantFollowAnswer waits until a new Follow by name gets status with an
// error containing reason.
func (e *policyEnv) wantFollowAnswer(t *testing.T, name string, status int, reason string) {
	t.Helper()
	eventually(t, fmt.Sprintf("a Follow by %s to be answered %d", name, status), func() (bool, string) {
		got := e.follow(t, name)
		return got.Status == status && strings.Contains(got.Error, reason), fmt.Sprintf("%d %s", got.Status, got.Body)
	})
}

// TestPolicyInbox: a suspended server is refused with 403 and its reason
// before any key is fetched; a suspended actor alone is refused; in
// allowlist mode only listed servers get in. Every change made in the
// database holds without a restart.
func TestPolicyInbox(t *testing.T) {
	e := newPolicyEnv(t, fedtest.NodeOptions{})
	ctx, db := context.Background(), e.node.DB
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: e.peer.host, Severity: content.SeveritySuspend,
		PublicComment: "spam wave", PrivateComment: "ticket 7"}, "admin"); err != nil {
		t.Fatal(err)
	}
	before := e.node.Refusals()["domain_suspended"]
	got := e.follow(t, "bob")
	if got.Status != http.StatusForbidden || !strings.Contains(got.Error, "is suspended on this node: spam wave") {
		t.Errorf("Follow from a suspended server: %d %q, want 403 naming the suspension and its public reason", got.Status, got.Error)
	}
	if strings.Contains(got.Body, "ticket 7") {
		t.Errorf("the refusal tells the private comment: %s", got.Body)
	}
	if n := e.peer.gets.Load(); n != 0 {
		t.Errorf("the node fetched %d documents from the suspended server; want none (refused before verifying)", n)
	}
	if after := e.node.Refusals()["domain_suspended"]; after != before+1 {
		t.Errorf("Refusals()[domain_suspended] went from %d to %d", before, after)
	}
	stats, err := db.DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Pending+stats.Done+stats.Failed != 0 {
		t.Errorf("a refused Follow queued deliveries: %+v", stats)
	}

	if _, err := db.UnblockDomain(ctx, e.peer.host, "admin"); err != nil {
		t.Fatal(err)
	}
	e.wantFollowAnswer(t, "bob", http.StatusAccepted, "")

	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: e.peer.actor("bob"), Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	e.wantFollowAnswer(t, "bob", http.StatusForbidden, "actor "+e.peer.actor("bob")+" is suspended")
	if got := e.follow(t, "mallory"); got.Status != http.StatusAccepted {
		t.Errorf("Follow by another actor of bob's server: %d %s, want 202", got.Status, got.Body)
	}
	if _, err := db.LiftActorPolicy(ctx, e.peer.actor("bob"), "admin"); err != nil {
		t.Fatal(err)
	}

	if _, err := db.SetFederationMode(ctx, content.FederateAllowlist, "admin"); err != nil {
		t.Fatal(err)
	}
	e.wantFollowAnswer(t, "bob", http.StatusForbidden, "federates only with the servers on its allowlist")
	if err := db.AllowDomain(ctx, content.DomainAllow{Domain: e.peer.host}, "admin"); err != nil {
		t.Fatal(err)
	}
	e.wantFollowAnswer(t, "bob", http.StatusAccepted, "")
}

// TestPolicyFetch: the node fetches nothing from a suspended or unlisted
// server, nor a suspended actor, and says why.
func TestPolicyFetch(t *testing.T) {
	e := newPolicyEnv(t, fedtest.NodeOptions{NoStart: true})
	ctx, db := context.Background(), e.node.DB
	wantRefused := func(t *testing.T, target, code string) {
		t.Helper()
		var pe *federation.PolicyError
		follow := func() (bool, string) {
			_, err := e.node.Follow(ctx, e.alice, target)
			return errors.As(err, &pe) && pe.Code == code, fmt.Sprint(err)
		}
		// Until the node rereads the policy (policyTTL) the follow may go
		// through; once refused, it stays refused and reaches nobody.
		eventually(t, "following "+target+" to be refused", follow)
		before := e.peer.gets.Load()
		if ok, err := follow(); !ok {
			t.Fatalf("following %s again: %s", target, err)
		}
		if !strings.HasPrefix(pe.Error(), "refused by federation policy: ") {
			t.Errorf("error %q does not say the policy refused it", pe)
		}
		if n := e.peer.gets.Load() - before; n != 0 {
			t.Errorf("%d requests reached the peer while following %s was refused", n, target)
		}
	}
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: e.peer.host, Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, e.peer.actor("bob"), "domain_suspended")
	wantRefused(t, "bob@"+e.peer.host, "domain_suspended") // WebFinger too

	if _, err := db.UnblockDomain(ctx, e.peer.host, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: e.peer.actor("bob"), Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, e.peer.actor("bob"), "actor_suspended")
	wantRefused(t, e.peer.actor("bob")+"/outbox", "actor_suspended")
	if _, err := e.node.Follow(ctx, e.alice, e.peer.actor("carol")); err != nil {
		t.Errorf("following carol on bob's server: %v", err)
	}

	if _, err := db.SetFederationMode(ctx, content.FederateAllowlist, "admin"); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, e.peer.actor("dave"), "not_allowlisted")
}

// TestPolicyDeliveryInFlight: a delivery already claimed when its server
// was suspended (so not cancelled with the others) fails for good at the
// client, and nothing reaches the server.
func TestPolicyDeliveryInFlight(t *testing.T) {
	e := newPolicyEnv(t, fedtest.NodeOptions{NoStart: true, Adjust: func(c *federation.Config) { c.DeliveryBackoff = 10 * time.Millisecond }})
	ctx, db := context.Background(), e.node.DB
	bob := e.peer.actor("bob")
	if err := db.PutRemoteActor(ctx, &content.RemoteActor{IRI: bob, Type: "Person", Username: "bob", Host: e.peer.host,
		Inbox: bob + "/inbox", Raw: "{}", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutFollow(ctx, &content.Follow{IRI: bob + "/follows/1", Follower: bob, Followee: e.node.Actor("alice"), State: content.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.node.PublishNote(ctx, e.alice, "hello"); err != nil {
		t.Fatal(err)
	}
	if jobs, err := db.ClaimDeliveries(ctx, time.Now().Add(time.Minute), 10, nil); err != nil || len(jobs) != 1 {
		t.Fatalf("claimed %d deliveries (%v), want the note's one", len(jobs), err)
	}
	eff, err := db.BlockDomain(ctx, content.DomainBlock{Domain: e.peer.host, Severity: content.SeveritySuspend}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if eff.Deliveries != 0 {
		t.Fatalf("the suspension cancelled %d claimed deliveries; the test wants the one in flight left to the client", eff.Deliveries)
	}
	e.node.Start(ctx) // hands the claim back, as a restart does
	t.Cleanup(e.node.Close)
	eventually(t, "the delivery to the suspended server to fail", func() (bool, string) {
		st, err := db.DeliveryStats(ctx)
		if err != nil {
			return false, err.Error()
		}
		ok := st.Failed == 1 && len(st.ByHost) == 1 && strings.Contains(st.ByHost[0].LastError, "refused by federation policy: domain "+e.peer.host+" is suspended")
		return ok, fmt.Sprintf("%+v", st)
	})
	if n := e.peer.posts.Load(); n != 0 {
		t.Errorf("%d POSTs reached the suspended server", n)
	}
}

// TestPolicyAuthorizedFetch: in authorized-fetch mode a signed GET by a
// suspended server is refused like an unsigned one would be, with 403.
func TestPolicyAuthorizedFetch(t *testing.T) {
	e := newPolicyEnv(t, fedtest.NodeOptions{NoStart: true, Adjust: func(c *federation.Config) { c.AuthorizedFetch = true }})
	ctx, db := context.Background(), e.node.DB
	note, err := e.node.PublishNote(ctx, e.alice, "hello")
	if err != nil {
		t.Fatal(err)
	}
	get := func() int {
		req, err := http.NewRequest(http.MethodGet, note.IRI, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/activity+json")
		if err := e.peer.signer("bob").SignGet(req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("signed GET of %s: %d, want 200", note.IRI, got)
	}
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: e.peer.host, Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a signed GET by the suspended server to be refused", func() (bool, string) {
		got := get()
		return got == http.StatusForbidden, fmt.Sprint(got)
	})
}

// TestPolicyVerdict reads the policy as the node holds it: the strictest
// of a domain and its parents, the allowlist, the node's own host.
func TestPolicyVerdict(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{NoStart: true})
	ctx, db := context.Background(), node.DB
	for _, b := range []content.DomainBlock{
		{Domain: "example.org", Severity: content.SeverityLimit, RejectMedia: true, PublicComment: "noisy"},
		{Domain: "bad.example.org", Severity: content.SeveritySuspend, PublicComment: "spam"},
		{Domain: "quiet.test", Severity: content.SeverityNoop, RejectReports: true},
	} {
		if _, err := db.BlockDomain(ctx, b, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: "https://social.example.org/users/eve", Severity: content.SeveritySuspend}, "admin"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		actor   string
		want    federation.Verdict
		refused bool
	}{
		{"https://x.bad.example.org/users/a", federation.Verdict{Severity: content.SeveritySuspend, RejectMedia: true, Listed: true,
			By: "bad.example.org", Reason: "spam"}, true},
		{"https://social.example.org:8443/users/a", federation.Verdict{Severity: content.SeverityLimit, RejectMedia: true, Listed: true,
			By: "example.org", Reason: "noisy"}, false},
		{"https://social.example.org/users/eve", federation.Verdict{Severity: content.SeveritySuspend, RejectMedia: true, Listed: true,
			By: "https://social.example.org/users/eve"}, true},
		{"https://quiet.test/users/a", federation.Verdict{Severity: content.SeverityNoop, RejectReports: true, Listed: true, By: "quiet.test"}, false},
		{"https://fine.test/users/a", federation.Verdict{Listed: true}, false},
		{node.Actor("alice"), federation.Verdict{Listed: true}, false},
	} {
		got := node.ActorVerdict(ctx, c.actor)
		if got != c.want || got.Refused() != c.refused {
			t.Errorf("ActorVerdict(%s) = %+v (refused %v), want %+v (refused %v)", c.actor, got, got.Refused(), c.want, c.refused)
		}
	}
}
