package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// discoveryEnv is a node serving every federation route on loopback,
// over a real migrated database whose host is kring.test.
type discoveryEnv struct {
	t   *testing.T
	db  *storage.DB
	n   *Node
	srv *httptest.Server
}

const testVersion = "1.2.3-test"

func newDiscoveryEnv(t *testing.T) *discoveryEnv {
	t.Helper()
	db := storagetest.Open(t)
	n, err := New(db, Config{Host: "kring.test", Version: testVersion})
	if err != nil {
		t.Fatalf("new node: %v", err)
	}
	mux := http.NewServeMux()
	for _, rt := range n.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &discoveryEnv{t: t, db: db, n: n, srv: srv}
}

// get fetches a path (or the path of a kring.test URL) with an Accept
// header, without following redirects.
func (e *discoveryEnv) get(path, accept string) (*http.Response, []byte) {
	e.t.Helper()
	path = trimBase(path)
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp, body
}

// getJSON fetches path, checks the status and decodes the JSON object,
// keeping numbers as json.Number so that tests can tell 3 from 3.0.
func (e *discoveryEnv) getJSON(path, accept string, wantStatus int) (*http.Response, map[string]any) {
	e.t.Helper()
	resp, body := e.get(path, accept)
	if resp.StatusCode != wantStatus {
		e.t.Fatalf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, wantStatus, body)
	}
	return resp, decodeObject(e.t, body)
}

func decodeObject(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

func trimBase(s string) string {
	for _, base := range []string{"https://kring.test", "http://kring.test"} {
		if len(s) > len(base) && s[:len(base)] == base {
			return s[len(base):]
		}
	}
	return s
}

// intField reads an integer JSON number, failing on anything else.
func intField(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	num, ok := m[key].(json.Number)
	if !ok {
		t.Fatalf("%s = %#v, want a number", key, m[key])
	}
	i, err := num.Int64()
	if err != nil {
		t.Fatalf("%s = %s, want an integer", key, num)
	}
	return i
}

// iriSource is a collection of n IRIs, as storage would page them.
func iriSource(n int) collectionSource {
	return func(_ context.Context, owner string, offset, limit int) (int, []any, error) {
		var items []any
		for i := offset; i < n && i < offset+limit; i++ {
			items = append(items, fmt.Sprintf("https://remote.test/users/%s-%d", strings.TrimPrefix(owner, "https://kring.test/users/"), i))
		}
		return n, items, nil
	}
}

func TestCollections(t *testing.T) {
	e := newDiscoveryEnv(t)
	storagetest.Member(t, e.db, "alice", content.RoleMember, "password one two")
	storagetest.Member(t, e.db, "bob", content.RoleMember, "password one two")
	if err := e.db.SetMemberSuspended(context.Background(), "bob", true); err != nil {
		t.Fatal(err)
	}
	e.n.setCollectionSources(iriSource(45), iriSource(3), nil)
	const outbox = "/users/alice/outbox"
	id := "https://kring.test" + outbox

	t.Run("collection", func(t *testing.T) {
		resp, c := e.getJSON(outbox, "application/activity+json", http.StatusOK)
		if got := resp.Header.Get("Content-Type"); got != activityContentType {
			t.Errorf("content type %q, want %q", got, activityContentType)
		}
		if c["@context"] != ASContext || c["type"] != "OrderedCollection" || c["id"] != id || c["first"] != id+"?page=1" {
			t.Errorf("collection = %v", c)
		}
		if got := intField(t, c, "totalItems"); got != 45 {
			t.Errorf("totalItems = %d, want 45", got)
		}
	})
	pages := []struct {
		name, query      string
		items            int
		first, next, prv string
	}{
		{"first page", "?page=1", 20, "https://remote.test/users/alice-0", id + "?page=2", ""},
		{"page=true is the first page", "?page=true", 20, "https://remote.test/users/alice-0", id + "?page=2", ""},
		{"middle page", "?page=2", 20, "https://remote.test/users/alice-20", id + "?page=3", id + "?page=1"},
		{"last page", "?page=3", 5, "https://remote.test/users/alice-40", "", id + "?page=2"},
		{"past the end", "?page=9", 0, "", "", id + "?page=8"},
		{"limit is capped", "?page=1&limit=1000", 20, "https://remote.test/users/alice-0", id + "?page=2", ""},
		{"smaller limit is kept in links", "?page=2&limit=5", 5, "https://remote.test/users/alice-5", id + "?page=3&limit=5", id + "?page=1&limit=5"},
	}
	for _, tc := range pages {
		t.Run(tc.name, func(t *testing.T) {
			_, p := e.getJSON(outbox+tc.query, "application/activity+json", http.StatusOK)
			if p["type"] != "OrderedCollectionPage" || p["partOf"] != id {
				t.Errorf("page = %v", p)
			}
			items, ok := p["orderedItems"].([]any)
			if !ok || len(items) != tc.items {
				t.Fatalf("orderedItems = %#v, want %d items", p["orderedItems"], tc.items)
			}
			if tc.items > 0 && items[0] != tc.first {
				t.Errorf("first item %v, want %s", items[0], tc.first)
			}
			if next, _ := p["next"].(string); next != tc.next {
				t.Errorf("next = %q, want %q", next, tc.next)
			}
			if prev, _ := p["prev"].(string); prev != tc.prv {
				t.Errorf("prev = %q, want %q", prev, tc.prv)
			}
		})
	}
	t.Run("followers and an empty following", func(t *testing.T) {
		_, c := e.getJSON("/users/alice/followers", "", http.StatusOK)
		if intField(t, c, "totalItems") != 3 || c["id"] != "https://kring.test/users/alice/followers" {
			t.Errorf("followers = %v", c)
		}
		_, p := e.getJSON("/users/alice/following?page=1", "", http.StatusOK)
		if items, ok := p["orderedItems"].([]any); !ok || len(items) != 0 || intField(t, p, "totalItems") != 0 {
			t.Errorf("following page = %v, want an empty orderedItems array", p)
		}
	})
	t.Run("instance actor outbox", func(t *testing.T) {
		_, c := e.getJSON("/actor/outbox", "", http.StatusOK)
		if c["type"] != "OrderedCollection" || intField(t, c, "totalItems") != 0 || c["id"] != "https://kring.test/actor/outbox" {
			t.Errorf("instance outbox = %v", c)
		}
	})
	errs := []struct {
		name, path string
		status     int
	}{
		{"unknown member", "/users/nobody/outbox", http.StatusNotFound},
		{"suspended member", "/users/bob/followers", http.StatusGone},
		{"page zero", outbox + "?page=0", http.StatusBadRequest},
		{"page not a number", outbox + "?page=abc", http.StatusBadRequest},
		{"huge page", outbox + "?page=99999999999999999999", http.StatusBadRequest},
		{"bad limit", outbox + "?page=1&limit=-3", http.StatusBadRequest},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, body := e.getJSON(tc.path, "application/activity+json", tc.status)
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("body %v has no error message", body)
			}
		})
	}
}
