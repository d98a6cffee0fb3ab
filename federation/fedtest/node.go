package fedtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/storage/storagetest"
)

// Node is a real Kring node on loopback: a migrated SQLite database in
// t.TempDir(), its federation endpoints served by httptest on 127.0.0.1
// as the web package mounts them, ids http://127.0.0.1:PORT/... (Dev).
type Node struct {
	*federation.Node
	DB     *storage.DB
	Server *httptest.Server
	Host   string // 127.0.0.1:port, the node's host in its ids
}

// NodeOptions adjusts NewNode.
type NodeOptions struct {
	// Client is the outbound client's configuration (Resolve, say);
	// AllowPrivate is set anyway, as Dev does.
	Client federation.ClientConfig
	// NoStart leaves the workers (inbox processing, deliveries) stopped.
	NoStart bool
	// Adjust changes the federation config before the node is built
	// (a short DeliveryBackoff, AuthorizedFetch).
	Adjust func(*federation.Config)
}

// NewNode starts a node; everything stops when the test ends.
func NewNode(t testing.TB, opts NodeOptions) *Node {
	t.Helper()
	db := storagetest.Open(t)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	host := srv.Listener.Addr().String()
	cfg := federation.Config{Host: host, Dev: true, Client: opts.Client}
	if opts.Adjust != nil {
		opts.Adjust(&cfg)
	}
	fn, err := federation.New(db, cfg)
	if err != nil {
		t.Fatalf("federation.New: %v", err)
	}
	for _, rt := range fn.Routes() {
		mux.Handle(rt.Pattern, limitBody(rt))
	}
	srv.Start()
	t.Cleanup(srv.Close)
	n := &Node{Node: fn, DB: db, Server: srv, Host: host}
	if !opts.NoStart {
		fn.Start(context.Background())
		t.Cleanup(fn.Close) // before the server closes and the database
	}
	return n
}

// limitBody caps a route's body as the web package does (64 KiB for the
// routes that declare no limit).
func limitBody(rt federation.Route) http.Handler {
	limit := rt.MaxBody
	if limit <= 0 {
		limit = 64 << 10
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		rt.Handler.ServeHTTP(w, r)
	})
}

// Actor is the id of a member.
func (n *Node) Actor(username string) string { return n.IRIs().Actor(username) }

// Inbox is a member's personal inbox URL.
func (n *Node) Inbox(username string) string { return n.IRIs().Inbox(n.Actor(username)) }

// SharedInbox is the node's shared inbox URL.
func (n *Node) SharedInbox() string { return n.IRIs().SharedInbox() }

// WaitProcessed polls the inbox table (every 10 ms, up to timeout) until
// the activity id is processed, and returns the row. It fails the test
// when the activity was never stored or not processed in time.
func (n *Node) WaitProcessed(t testing.TB, activityID string, timeout time.Duration) *content.InboxItem {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		it, err := n.DB.InboxItemByIRI(context.Background(), activityID)
		switch {
		case err == nil && !it.ProcessedAt.IsZero():
			return it
		case err != nil && content.KindOf(err) != content.KindNotFound:
			t.Fatalf("read inbox row %s: %v", activityID, err)
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("activity %s: no inbox row after %v", activityID, timeout)
			}
			t.Fatalf("activity %s: stored but not processed within %v", activityID, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
