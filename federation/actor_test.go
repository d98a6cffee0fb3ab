package federation

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage/storagetest"
)

const (
	acceptAS   = "application/activity+json"
	acceptLD   = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
)

// checkKey asserts that a publicKey object belongs to owner and holds an
// RSA key of at least 2048 bits.
func checkKey(t *testing.T, key map[string]any, owner string) {
	t.Helper()
	if key["id"] != owner+"#main-key" || key["owner"] != owner {
		t.Errorf("publicKey id/owner = %v/%v, want %s#main-key/%s", key["id"], key["owner"], owner, owner)
	}
	block, _ := pem.Decode([]byte(key["publicKeyPem"].(string)))
	if block == nil {
		t.Fatalf("publicKeyPem is not PEM: %v", key["publicKeyPem"])
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse publicKeyPem: %v", err)
	}
	if rsaKey, ok := pub.(*rsa.PublicKey); !ok || rsaKey.N.BitLen() < 2048 {
		t.Errorf("public key %T is not RSA of at least 2048 bits", pub)
	}
}

func checkContext(t *testing.T, doc map[string]any) {
	t.Helper()
	ctx, _ := doc["@context"].([]any)
	if len(ctx) != 3 || ctx[0] != ASContext || ctx[1] != "https://w3id.org/security/v1" {
		t.Fatalf("@context = %v", doc["@context"])
	}
	terms, _ := ctx[2].(map[string]any)
	for _, k := range []string{"manuallyApprovesFollowers", "toot", "discoverable", "schema", "PropertyValue", "value"} {
		if _, ok := terms[k]; !ok {
			t.Errorf("@context does not define %s: %v", k, terms)
		}
	}
}

func TestMemberActor(t *testing.T) {
	e := newDiscoveryEnv(t)
	ctx := context.Background()
	alice := storagetest.Member(t, e.db, "alice", content.RoleMember, "password one two")
	// A backslash and markup in free text: go-ap alone would turn "\new"
	// into a newline, and the bio must come out escaped.
	if err := e.db.UpdateProfile(ctx, alice.ID, `Alice "A" \new`, "Hallo <b>buren</b>\nregel twee\n\nC:\\new & meer", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}
	storagetest.Member(t, e.db, "bob", content.RoleMember, "password one two")
	if err := e.db.SetMemberSuspended(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	const id = "https://kring.test/users/alice"

	resp, body := e.get("/users/alice", acceptAS)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	t.Run("headers", func(t *testing.T) {
		if got := resp.Header.Get("Content-Type"); got != activityContentType {
			t.Errorf("content type %q, want %q", got, activityContentType)
		}
		if !slices.Contains(resp.Header.Values("Vary"), "Accept") {
			t.Errorf("Vary = %q, want Accept", resp.Header.Values("Vary"))
		}
		if strings.Contains(string(body), `\u003c`) {
			t.Errorf("HTML is escaped in %s", body)
		}
	})
	doc := decodeObject(t, body)
	t.Run("fields", func(t *testing.T) {
		checkContext(t, doc)
		want := map[string]any{
			"id": id, "type": "Person", "preferredUsername": "alice", "name": `Alice "A" \new`,
			"summary": "<p>Hallo &lt;b&gt;buren&lt;/b&gt;<br>regel twee</p><p>C:\\new &amp; meer</p>",
			"url":     "https://kring.test/@alice", "inbox": id + "/inbox", "outbox": id + "/outbox",
			"followers": id + "/followers", "following": id + "/following",
			"manuallyApprovesFollowers": false, "discoverable": false,
			"endpoints":  map[string]any{"sharedInbox": "https://kring.test/inbox"},
			"attachment": []any{},
		}
		for k, v := range want {
			if diff := cmp.Diff(v, doc[k]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", k, diff)
			}
		}
		checkKey(t, doc["publicKey"].(map[string]any), id)
		published, err := time.Parse(time.RFC3339, doc["published"].(string))
		if err != nil || !published.Equal(alice.CreatedAt.Truncate(time.Second)) {
			t.Errorf("published = %v (%v), want %v", doc["published"], err, alice.CreatedAt)
		}
		if _, ok := doc["icon"]; ok {
			t.Errorf("icon = %v, want none for a member without an avatar", doc["icon"])
		}
	})
	t.Run("ld+json profile", func(t *testing.T) {
		_, d := e.getJSON("/users/alice", acceptLD, http.StatusOK)
		if d["id"] != id {
			t.Errorf("id = %v", d["id"])
		}
	})
	t.Run("parses back", func(t *testing.T) {
		a, err := ParseActor(body)
		if err != nil {
			t.Fatal(err)
		}
		want := RemoteActor{ID: id, Type: "Person", PreferredUsername: "alice", Name: `Alice "A" \new`,
			Inbox: id + "/inbox", SharedInbox: "https://kring.test/inbox", Outbox: id + "/outbox",
			Followers: id + "/followers", Following: id + "/following", URL: "https://kring.test/@alice",
			PublicKey: ActorKey{ID: id + "#main-key", Owner: id, PEM: alice.PublicKeyPEM}}
		if diff := cmp.Diff(want, *a); diff != "" {
			t.Errorf("ParseActor (-want +got):\n%s", diff)
		}
	})
	redirects := []struct{ name, accept string }{{"browser", acceptHTML}, {"no Accept", ""}}
	for _, tc := range redirects {
		t.Run(tc.name+" is sent to the profile page", func(t *testing.T) {
			resp, _ := e.get("/users/alice", tc.accept)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://kring.test/@alice" {
				t.Errorf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !slices.Contains(resp.Header.Values("Vary"), "Accept") {
				t.Errorf("Vary = %q, want Accept", resp.Header.Values("Vary"))
			}
		})
	}
	t.Run("suspended is a tombstone", func(t *testing.T) {
		_, d := e.getJSON("/users/bob", acceptAS, http.StatusGone)
		want := map[string]any{"@context": ASContext, "id": "https://kring.test/users/bob", "type": "Tombstone", "formerType": "Person"}
		if diff := cmp.Diff(want, d); diff != "" {
			t.Errorf("tombstone (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		_, d := e.getJSON("/users/nobody", acceptAS, http.StatusNotFound)
		if msg, _ := d["error"].(string); msg == "" {
			t.Errorf("body %v has no error", d)
		}
	})
	t.Run("ServeActor ignores Accept", func(t *testing.T) {
		// The web package hands it requests it has already negotiated.
		rec := httptest.NewRecorder()
		e.n.ServeActor(rec, httptest.NewRequest("GET", "/@alice", nil), "alice")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != activityContentType {
			t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		if d := decodeObject(t, rec.Body.Bytes()); d["id"] != id {
			t.Errorf("id = %v", d["id"])
		}
	})
}

func TestInstanceActor(t *testing.T) {
	e := newDiscoveryEnv(t)
	node, err := e.db.Node(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://kring.test/actor"
	resp, doc := e.getJSON("/actor", acceptAS, http.StatusOK)
	if resp.Header.Get("Content-Type") != activityContentType || !slices.Contains(resp.Header.Values("Vary"), "Accept") {
		t.Errorf("content type %q, Vary %q", resp.Header.Get("Content-Type"), resp.Header.Values("Vary"))
	}
	checkContext(t, doc)
	want := map[string]any{
		"id": id, "type": "Application", "preferredUsername": "kring.test", "name": "Kring test",
		"url": "https://kring.test", "inbox": id + "/inbox", "outbox": id + "/outbox",
		"endpoints":                 map[string]any{"sharedInbox": "https://kring.test/inbox"},
		"manuallyApprovesFollowers": true,
	}
	for k, v := range want {
		if diff := cmp.Diff(v, doc[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	key := doc["publicKey"].(map[string]any)
	checkKey(t, key, id)
	if key["publicKeyPem"] != node.PublicKeyPEM {
		t.Errorf("publicKeyPem is not the node's key")
	}
	if _, err := ParseActor(mustJSON(t, doc)); err != nil {
		t.Errorf("ParseActor: %v", err)
	}
	t.Run("browser goes home", func(t *testing.T) {
		resp, _ := e.get("/actor", acceptHTML)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://kring.test/" {
			t.Errorf("status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestActorDocumentExtras(t *testing.T) {
	n := &Node{iris: NewIRIs("kring.test", false)}
	doc, err := n.actorDocument(actorDoc{
		Type: "Person", ID: "https://kring.test/users/ann", Username: "ann", Name: "Ann",
		Inbox: "https://kring.test/users/ann/inbox", Outbox: "https://kring.test/users/ann/outbox",
		IconURL: "https://kring.test/media/ann.png", IconMediaType: "image/png",
		Fields: []ProfileField{{Name: "Website", Value: "<b>ann.test</b>"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := decodeObject(t, mustJSON(t, doc))
	wantIcon := map[string]any{"type": "Image", "mediaType": "image/png", "url": "https://kring.test/media/ann.png"}
	if diff := cmp.Diff(wantIcon, got["icon"]); diff != "" {
		t.Errorf("icon (-want +got):\n%s", diff)
	}
	wantFields := []any{map[string]any{"type": "PropertyValue", "name": "Website", "value": "&lt;b&gt;ann.test&lt;/b&gt;"}}
	if diff := cmp.Diff(wantFields, got["attachment"]); diff != "" {
		t.Errorf("attachment (-want +got):\n%s", diff)
	}
	for _, k := range []string{"followers", "following", "published", "summary"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s = %v, want it left out when empty", k, got[k])
		}
	}
}

func TestParseActor(t *testing.T) {
	const key = `"publicKey": {"id": "https://r.test/u/a#main-key", "owner": "https://r.test/u/a", "publicKeyPem": "PEM"}`
	base := func(extra string) string {
		return `{"id": "https://r.test/u/a", "type": "Person", "inbox": "https://r.test/u/a/inbox"` + extra + `}`
	}
	tests := []struct {
		name string
		doc  string
		want RemoteActor
	}{
		{"minimal", base(""), RemoteActor{ID: "https://r.test/u/a", Type: "Person", Inbox: "https://r.test/u/a/inbox"}},
		{"type array, Link url, icon array, key array", `{"id": "https://r.test/u/a", "type": ["Object", "Service"],
			"inbox": {"id": "https://r.test/u/a/inbox"}, "preferredUsername": "a",
			"url": [{"type": "Link", "mediaType": "application/json", "href": "https://r.test/a.json"},
			        {"type": "Link", "mediaType": "text/html", "href": "https://r.test/@a"}],
			"icon": [{"type": "Image", "url": {"type": "Link", "href": "https://r.test/a.png"}}, {"type": "Image", "url": "https://r.test/b.png"}],
			"publicKey": [{"id": "https://r.test/k0", "owner": "https://r.test/other", "publicKeyPem": "OTHER"},
			              "https://r.test/u/a#ref",
			              {"id": "https://r.test/u/a#main-key", "owner": "https://r.test/u/a", "publicKeyPem": "PEM"}],
			"endpoints": {"sharedInbox": "https://r.test/inbox"}, "manuallyApprovesFollowers": true}`,
			RemoteActor{ID: "https://r.test/u/a", Type: "Service", PreferredUsername: "a", Inbox: "https://r.test/u/a/inbox",
				SharedInbox: "https://r.test/inbox", URL: "https://r.test/@a", IconURL: "https://r.test/a.png",
				PublicKey:                 ActorKey{ID: "https://r.test/u/a#main-key", Owner: "https://r.test/u/a", PEM: "PEM"},
				ManuallyApprovesFollowers: true}},
		{"key object, nameMap, endpoints as an IRI, odd locked flag", base(`, ` + key + `, "nameMap": {"nl": "Anna", "en": "Ann"},
			"endpoints": "https://r.test/#endpoints", "manuallyApprovesFollowers": "yes", "icon": "https://r.test/i.png", "url": null`),
			RemoteActor{ID: "https://r.test/u/a", Type: "Person", Name: "Ann", Inbox: "https://r.test/u/a/inbox",
				IconURL: "https://r.test/i.png", PublicKey: ActorKey{ID: "https://r.test/u/a#main-key", Owner: "https://r.test/u/a", PEM: "PEM"}}},
		{"key of another owner is still taken", base(`, "publicKey": {"id": "https://r.test/k", "owner": "https://r.test/x", "publicKeyPem": "P"}`),
			RemoteActor{ID: "https://r.test/u/a", Type: "Person", Inbox: "https://r.test/u/a/inbox",
				PublicKey: ActorKey{ID: "https://r.test/k", Owner: "https://r.test/x", PEM: "P"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseActor([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	bad := []struct{ name, doc, field string }{
		{"not JSON", `{`, ""},
		{"not an object", `["https://r.test/u/a"]`, ""},
		{"no id", `{"type": "Person", "inbox": "https://r.test/inbox"}`, "id"},
		{"relative id", `{"id": "/u/a", "type": "Person", "inbox": "https://r.test/inbox"}`, "id"},
		{"no type", `{"id": "https://r.test/u/a", "inbox": "https://r.test/inbox"}`, "type"},
		{"not an actor type", `{"id": "https://r.test/u/a", "type": "Note", "inbox": "https://r.test/inbox"}`, "type"},
		{"no inbox", `{"id": "https://r.test/u/a", "type": "Person"}`, "inbox"},
		{"inbox not a URL", `{"id": "https://r.test/u/a", "type": "Group", "inbox": "inbox"}`, "inbox"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseActor([]byte(tc.doc))
			if err == nil {
				t.Fatalf("parsed %+v, want an error", a)
			}
			de, ok := content.AsError(err)
			if tc.field != "" && (!ok || de.Field != tc.field || de.Kind != content.KindInvalid) {
				t.Errorf("err = %v, want an invalid %s", err, tc.field)
			}
		})
	}
}
