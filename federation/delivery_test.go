package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

// sink is a remote server whose inbox answers what answer says for the
// n-th POST (counting from 1).
type sink struct {
	srv   *httptest.Server
	posts atomic.Int64
}

func newSink(t *testing.T, answer func(n int64) int, delay time.Duration) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.posts.Add(1)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(answer(n))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// follower stores a remote actor on the sink as an accepted follower.
func follower(t *testing.T, db *storage.DB, followee string, s *sink, name string, shared bool) string {
	t.Helper()
	ctx := context.Background()
	id := s.srv.URL + "/users/" + name
	a := &content.RemoteActor{IRI: id, Type: "Person", Username: name, Host: s.host(), Inbox: id + "/inbox", Raw: "{}", FetchedAt: time.Now()}
	if shared {
		a.SharedInbox = s.srv.URL + "/inbox"
	}
	if err := db.PutRemoteActor(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.PutFollow(ctx, &content.Follow{IRI: id + "/follow", Follower: id, Followee: followee, State: content.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	return id
}

func waitQueue(t *testing.T, db *storage.DB, what string, ok func(storage.QueueStats) bool) storage.QueueStats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := db.DeliveryStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue never got to %s: %+v", what, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{Adjust: func(c *federation.Config) { c.DeliveryBackoff = 50 * time.Millisecond }})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery")
	actor := node.Actor("alice")

	flaky := newSink(t, func(n int64) int { // fails twice, then takes it
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	}, 0)
	gone := newSink(t, func(int64) int { return http.StatusGone }, 0)
	refuses := newSink(t, func(int64) int { return http.StatusBadRequest }, 0)
	follower(t, node.DB, actor, flaky, "f1", true)
	follower(t, node.DB, actor, flaky, "f2", true) // same shared inbox: one POST serves both
	goneID := follower(t, node.DB, actor, gone, "g", false)
	follower(t, node.DB, actor, refuses, "r", false)

	if _, err := node.PublishNote(ctx, alice, "hallo"); err != nil {
		t.Fatal(err)
	}
	st := waitQueue(t, node.DB, "nothing pending", func(s storage.QueueStats) bool { return s.Pending == 0 })
	if st.Done != 1 || st.Failed != 2 {
		t.Errorf("done %d failed %d, want 1 done (after retries) and 2 given up", st.Done, st.Failed)
	}
	if got := flaky.posts.Load(); got != 3 {
		t.Errorf("the flaky server got %d POSTs, want 3 (two 503s retried, then 202): one per shared inbox", got)
	}
	if got := refuses.posts.Load(); got != 1 {
		t.Errorf("a 400 was retried: %d POSTs, want 1", got)
	}
	// 410 Gone from a personal inbox: that follower no longer exists.
	if _, err := node.DB.FollowBetween(ctx, goneID, actor); content.KindOf(err) != content.KindNotFound {
		t.Errorf("follower whose inbox answered 410 is still a follower: %v", err)
	}
	if total, _, _ := node.DB.Followers(ctx, actor, 0, 10); total != 3 {
		t.Errorf("followers = %d, want 3 (the gone one removed)", total)
	}
}

// TestSlowServerDelaysNoOther: deliveries to a server that hangs hold at
// most its per-host share of the workers; another server is served at once.
func TestSlowServerDelaysNoOther(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery")
	actor := node.Actor("alice")
	slow := newSink(t, func(int64) int { return http.StatusAccepted }, 2*time.Second)
	fast := newSink(t, func(int64) int { return http.StatusAccepted }, 0)
	for i := 0; i < 20; i++ {
		follower(t, node.DB, actor, slow, fmt.Sprintf("s%d", i), false) // 20 personal inboxes on one host
	}
	follower(t, node.DB, actor, fast, "quick", false)

	start := time.Now()
	if _, err := node.PublishNote(ctx, alice, "hallo"); err != nil {
		t.Fatal(err)
	}
	for fast.posts.Load() == 0 {
		if time.Since(start) > 1500*time.Millisecond {
			t.Fatalf("the fast server waited behind the slow one: nothing after %v", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := slow.posts.Load(); n > 4 {
		t.Errorf("the slow server has %d requests in flight, more than its per-host limit of 4", n)
	}
}
