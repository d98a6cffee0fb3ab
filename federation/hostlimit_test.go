package federation_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedload"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// inboxAnswer is the whole answer of one inbox POST.
type inboxAnswer struct {
	status     int
	retryAfter string
	errText    string
}

// postAs sends a Create{Note} by actor to inbox, signed with key under
// keyID (the actor's own, or someone else's for a forgery), from the
// client address from (sent as X-Forwarded-For, which the node believes
// from loopback).
func postAs(t *testing.T, inbox string, actor *fedtest.Actor, keyID string, signWith *fedtest.Actor, from string, seq int) inboxAnswer {
	t.Helper()
	note := actor.ID + "/statuses/" + strconv.Itoa(seq) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	body, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       note + "/activity", "type": "Create", "actor": actor.ID,
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": actor.ID, "content": "<p>hello</p>",
			"to": []string{federation.Public}},
	})
	req, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := (federation.Signer{KeyID: keyID, Key: signWith.Key}).SignPost(req, body); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", from)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", inbox, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return inboxAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), errText: e.Error}
}

func want429(t *testing.T, a inboxAnswer, what string) {
	t.Helper()
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d (%s), want 429", what, a.status, a.errText)
	}
	if secs, err := strconv.Atoi(a.retryAfter); err != nil || secs < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds ≥ 1", what, a.retryAfter)
	}
	if a.errText == "" {
		t.Errorf("%s: no JSON reason in the 429", what)
	}
}

func TestInboxHostBudget(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{NoStart: true})
	if err := node.SetInboxLimits(federation.InboxLimits{HostBurst: 3, HostRate: 0.01, FailBurst: 100, FailRate: 1}); err != nil {
		t.Fatal(err)
	}
	a := fedtest.NewRemote(t).AddActor("ann", fedtest.Key(t, 0))
	b := fedtest.NewRemote(t).AddActor("bob", fedtest.Key(t, 1))
	inbox := node.SharedInbox()

	for i := range 3 {
		if got := postAs(t, inbox, a, a.KeyID, a, "198.51.100.1", i); got.status != http.StatusAccepted {
			t.Fatalf("activity %d of a budget of 3: status %d (%s), want 202", i+1, got.status, got.errText)
		}
	}
	got := postAs(t, inbox, a, a.KeyID, a, "198.51.100.1", 3)
	want429(t, got, "4th activity of a budget of 3")
	if wantHost := strings.TrimPrefix(a.ID, "http://")[:strings.Index(strings.TrimPrefix(a.ID, "http://"), "/")]; !strings.Contains(got.errText, wantHost) {
		t.Errorf("reason %q does not name the host %s", got.errText, wantHost)
	}
	// 100 s for one token at 0.01/s.
	if secs, _ := strconv.Atoi(got.retryAfter); secs < 90 || secs > 101 {
		t.Errorf("Retry-After %s, want about 100 (one token at 0.01/s)", got.retryAfter)
	}
	if got := postAs(t, inbox, b, b.KeyID, b, "198.51.100.1", 0); got.status != http.StatusAccepted {
		t.Errorf("another host, same address: status %d (%s), want 202: budgets are per host", got.status, got.errText)
	}
	if n := node.Counters().InboxRefused[federation.CodeHostRateLimited]; n != 1 {
		t.Errorf("metrics count %d refusals %q, want 1", n, federation.CodeHostRateLimited)
	}
}

// TestInboxForgeriesDoNotSpendHostBudget: requests that claim a real
// host's keyId but do not verify are charged to the address they come
// from, never to the host they name.
func TestInboxForgeriesDoNotSpendHostBudget(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{NoStart: true})
	if err := node.SetInboxLimits(federation.InboxLimits{HostBurst: 2, HostRate: 0.01, FailBurst: 5, FailRate: 0.01}); err != nil {
		t.Fatal(err)
	}
	remote := fedtest.NewRemote(t)
	real := remote.AddActor("ann", fedtest.Key(t, 0))
	forger := &fedtest.Actor{ID: real.ID, Key: fedtest.Key(t, 2)}
	inbox := node.SharedInbox()

	for i := range 5 {
		if got := postAs(t, inbox, real, real.KeyID, forger, "203.0.113.66", i); got.status != http.StatusUnauthorized {
			t.Fatalf("forgery %d: status %d (%s), want 401", i+1, got.status, got.errText)
		}
	}
	got := postAs(t, inbox, real, real.KeyID, forger, "203.0.113.66", 5)
	want429(t, got, "6th forgery from one address (5 failures allowed)")
	if node.Counters().InboxRefused[federation.CodeIPRateLimited] != 1 {
		t.Errorf("refusals: %v, want one %q", node.Counters().InboxRefused, federation.CodeIPRateLimited)
	}
	// The real host still has its whole budget of 2.
	for i := range 2 {
		if got := postAs(t, inbox, real, real.KeyID, real, "198.51.100.1", 10+i); got.status != http.StatusAccepted {
			t.Fatalf("the real host's activity %d after forgeries in its name: status %d (%s), want 202", i+1, got.status, got.errText)
		}
	}
	want429(t, postAs(t, inbox, real, real.KeyID, real, "198.51.100.1", 12), "the real host's 3rd activity (budget 2)")
}

// TestInboxAbusiveHostUnderLoad is the load test's small version (the
// whole one is BenchmarkInboxAbusiveHost in cmd/kring): one host floods
// the inbox from many connections while another delivers at its own
// pace, both with real signatures. Every activity of the well-behaved host
// is accepted, the flood is refused with 429 once its budget is spent,
// and the node keeps answering other requests meanwhile.
func TestInboxAbusiveHostUnderLoad(t *testing.T) {
	const (
		burst       = 40
		rate        = 5.0
		floodCount  = 400
		floodConns  = 16
		goodCount   = 30
		goodEvery   = 20 * time.Millisecond // 30 within the budget of 40
		probeEvery  = 20 * time.Millisecond
		maxProbeLag = 5 * time.Second // generous: -race on 2 shared cores
	)
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	if err := node.SetInboxLimits(federation.InboxLimits{HostBurst: burst, HostRate: rate, FailBurst: 100, FailRate: 1}); err != nil {
		t.Fatal(err)
	}
	flooder, err := fedload.NewRemote(fedload.RemoteConfig{Keys: []*rsa.PrivateKey{fedtest.Key(t, 0), fedtest.Key(t, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	defer flooder.Close()
	good, err := fedload.NewRemote(fedload.RemoteConfig{Keys: []*rsa.PrivateKey{fedtest.Key(t, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	inbox := node.SharedInbox()
	floodReqs, err := flooder.Presign(ctx, inbox, node.Actor("alice"), floodCount)
	if err != nil {
		t.Fatal(err)
	}
	goodReqs, err := good.Presign(ctx, inbox, node.Actor("alice"), goodCount)
	if err != nil {
		t.Fatal(err)
	}

	probe := fedload.SampleLatency(node.Server.URL+"/.well-known/nodeinfo", probeEvery)
	var flood, polite fedload.Result
	done := make(chan struct{})
	go func() { flood = fedload.Fire(ctx, inbox, floodReqs, floodConns); close(done) }()
	polite = fedload.FirePaced(ctx, inbox, goodReqs, goodEvery)
	<-done
	lat := probe.Stop()
	t.Logf("flood: %d sent, %d accepted, statuses %v, first 429 after %d accepted; well-behaved: %d of %d accepted; nodeinfo %s",
		flood.Sent, flood.Accepted, flood.Statuses, flood.AcceptedBefore429, polite.Accepted, polite.Sent, lat)

	if polite.Accepted != goodCount {
		t.Errorf("well-behaved host: %d of %d accepted; statuses %v, first: %s", polite.Accepted, goodCount, polite.Statuses, polite.FirstErr)
	}
	refused := flood.Statuses[http.StatusTooManyRequests]
	if refused == 0 || refused+flood.Accepted != floodCount {
		t.Fatalf("flood: %d accepted, statuses %v (first: %s); want only 202 and 429, some 429", flood.Accepted, flood.Statuses, flood.FirstErr)
	}
	if flood.Accepted < burst {
		t.Errorf("flood: %d accepted, want at least its budget of %d", flood.Accepted, burst)
	}
	if limit := burst + int(rate*flood.Elapsed.Seconds()) + floodConns + 1; flood.Accepted > limit {
		t.Errorf("flood: %d accepted in %s, want at most %d (burst + refill + requests in flight)", flood.Accepted, flood.Elapsed, limit)
	}
	if flood.AcceptedBefore429 < burst-floodConns {
		t.Errorf("the first 429 came after %d accepted; want it only after the budget of %d (less those in flight)", flood.AcceptedBefore429, burst)
	}
	if secs, err := strconv.Atoi(flood.RetryAfter); err != nil || secs < 1 {
		t.Errorf("429 Retry-After %q, want whole seconds", flood.RetryAfter)
	}
	if lat.Failures > 0 || len(lat.Samples) == 0 || lat.Percentile(100) > maxProbeLag {
		t.Errorf("node not responsive during the flood: %s; first failure: %s", lat, lat.FirstErr)
	}
	if got := node.Counters().InboxRefused[federation.CodeHostRateLimited]; got != int64(refused) {
		t.Errorf("metrics count %d host refusals, the flood got %d", got, refused)
	}
	// The well-behaved host's notes were stored, not just answered.
	for _, r := range goodReqs {
		it := node.WaitProcessed(t, r.ActivityID, 20*time.Second)
		if !strings.HasPrefix(it.Outcome, "stored: Note ") {
			t.Fatalf("activity %s: outcome %q, want stored", r.ActivityID, it.Outcome)
		}
	}
}
