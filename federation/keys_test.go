package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixtures shared by the signature tests: real RSA keys and a peer server
// on loopback that serves actor documents and requires signed GETs.

// sigTestKeys are generated once per test binary: RSA generation is slow.
var sigTestKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func sigKey(i int) *rsa.PrivateKey { return sigTestKeys()[i] }

func sigSPKI(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	s, err := MarshalPublicKeyPEM(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sigPKCS1(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}))
}

// sigPeer is a remote server: it serves JSON documents by path and, when
// verifier is set, refuses unsigned or badly signed GETs as an
// authorized-fetch Mastodon does.
type sigPeer struct {
	srv      *httptest.Server
	verifier *Verifier

	mu      sync.Mutex
	docs    map[string]any
	fetches map[string]int
}

func newSigPeer(t *testing.T) *sigPeer {
	p := &sigPeer{docs: map[string]any{}, fetches: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *sigPeer) serve(w http.ResponseWriter, r *http.Request) {
	if p.verifier != nil {
		if _, _, err := p.verifier.Verify(r.Context(), r, nil); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
	}
	p.mu.Lock()
	doc, ok := p.docs[r.URL.Path]
	p.fetches[r.URL.Path]++
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	json.NewEncoder(w).Encode(doc)
}

func (p *sigPeer) url(path string) string { return p.srv.URL + path }

func (p *sigPeer) set(path string, doc any) {
	p.mu.Lock()
	p.docs[path] = doc
	p.mu.Unlock()
}

func (p *sigPeer) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches[path]
}

// actor publishes a Mastodon-style actor at path with key k as #main-key
// and returns the actor id and key id.
func (p *sigPeer) actor(t testing.TB, path string, pemText string) (actorID, keyID string) {
	actorID = p.url(path)
	keyID = actorID + "#main-key"
	p.set(path, sigActorDoc(actorID, map[string]any{"id": keyID, "owner": actorID, "publicKeyPem": pemText}))
	return actorID, keyID
}

func sigActorDoc(id string, publicKey any) map[string]any {
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": id[strings.LastIndexByte(id, '/')+1:],
		"inbox":             id + "/inbox",
		"publicKey":         publicKey,
	}
}

// staticKeys resolves fixed keys without I/O.
type staticKeys map[string][2]string // keyID -> owner, PEM

func (s staticKeys) PublicKey(_ context.Context, keyID string, _ bool) (string, string, error) {
	k, ok := s[keyID]
	if !ok {
		return "", "", errors.New("unknown key " + keyID)
	}
	return k[0], k[1], nil
}

// sigFetcherFor returns a KeyFetcher whose GETs are signed by an instance
// key that the peer knows, so the peer can insist on signed fetches.
func sigFetcherFor(t *testing.T, p *sigPeer) *KeyFetcher {
	inst := Signer{KeyID: "http://kring.test/actor#main-key", Key: sigKey(2)}
	p.verifier = &Verifier{Keys: staticKeys{inst.KeyID: {"http://kring.test/actor", sigSPKI(t, sigKey(2))}}}
	return &KeyFetcher{Client: NewClient(ClientConfig{AllowPrivate: true}), Signer: func() Signer { return inst }}
}

func TestKeyFetcherMastodonStyle(t *testing.T) {
	p := newSigPeer(t)
	f := sigFetcherFor(t, p)
	actor, keyID := p.actor(t, "/users/alice", sigSPKI(t, sigKey(0)))

	owner, pemText, err := f.PublicKey(t.Context(), keyID, false)
	if err != nil {
		t.Fatal(err)
	}
	if owner != actor || pemText != sigSPKI(t, sigKey(0)) {
		t.Errorf("got owner %q, want %q (pem equal: %v)", owner, actor, pemText == sigSPKI(t, sigKey(0)))
	}
	// Cached: a second lookup does not fetch.
	if _, _, err := f.PublicKey(t.Context(), keyID, false); err != nil {
		t.Fatal(err)
	}
	if n := p.count("/users/alice"); n != 1 {
		t.Errorf("fetched %d times, want 1 (cache)", n)
	}
}

func TestKeyFetcherDocuments(t *testing.T) {
	pemA := sigSPKI(t, sigKey(0))
	tests := []struct {
		name    string
		setup   func(p *sigPeer) (keyID, wantOwner string)
		wantErr string
	}{
		{"publicKey array", func(p *sigPeer) (string, string) {
			id := p.url("/u/arr")
			p.set("/u/arr", sigActorDoc(id, []any{
				map[string]any{"id": id + "#other", "owner": id, "publicKeyPem": sigSPKI(t, sigKey(1))},
				map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pemA},
			}))
			return id + "#main-key", id
		}, ""},
		{"Mobilizon PKCS#1 key", func(p *sigPeer) (string, string) {
			id, key := p.actor(t, "/@mobi", sigPKCS1(sigKey(0)))
			return key, id
		}, ""},
		{"GoToSocial stub at the key path", func(p *sigPeer) (string, string) {
			id := p.url("/users/gts")
			key := id + "/main-key"
			pk := map[string]any{"id": key, "owner": id, "publicKeyPem": pemA}
			p.set("/users/gts/main-key", map[string]any{"id": id, "type": "Person", "preferredUsername": "gts", "publicKey": pk})
			p.set("/users/gts", sigActorDoc(id, pk))
			return key, id
		}, ""},
		{"bare key document with owner", func(p *sigPeer) (string, string) {
			id := p.url("/users/k")
			key := p.url("/keys/k")
			p.set("/keys/k", map[string]any{"id": key, "type": "Key", "owner": id, "publicKeyPem": pemA})
			p.set("/users/k", sigActorDoc(id, map[string]any{"id": key, "owner": id, "publicKeyPem": pemA}))
			return key, id
		}, ""},
		{"stub naming an actor that does not list the key", func(p *sigPeer) (string, string) {
			victim, _ := p.actor(t, "/users/victim", pemA)
			key := p.url("/evil/main-key")
			p.set("/evil/main-key", map[string]any{"id": victim, "type": "Person", "publicKey": map[string]any{"id": key, "owner": victim, "publicKeyPem": pemA}})
			return key, ""
		}, "does not list key"},
		{"document id is not the URL", func(p *sigPeer) (string, string) {
			p.set("/users/liar", map[string]any{"id": "https://elsewhere.test/users/liar", "type": "Person"})
			return p.url("/users/liar#main-key"), ""
		}, "has id"},
		{"key owned by someone else", func(p *sigPeer) (string, string) {
			id := p.url("/users/o")
			p.set("/users/o", sigActorDoc(id, map[string]any{"id": id + "#main-key", "owner": "https://x.test/users/z", "publicKeyPem": pemA}))
			return id + "#main-key", ""
		}, "names owner"},
		{"not an actor", func(p *sigPeer) (string, string) {
			id := p.url("/notes/1")
			doc := sigActorDoc(id, map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pemA})
			doc["type"] = "Note"
			p.set("/notes/1", doc)
			return id + "#main-key", ""
		}, "not an actor type"},
		{"unreadable PEM", func(p *sigPeer) (string, string) {
			id, key := p.actor(t, "/users/bad", "not a key")
			_ = id
			return key, ""
		}, "no PEM block"},
		{"gone", func(p *sigPeer) (string, string) { return p.url("/users/gone#main-key"), "" }, "status 404"},
		{"relative keyId", func(p *sigPeer) (string, string) { return "/users/x#main-key", "" }, "not an absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newSigPeer(t)
			f := sigFetcherFor(t, p)
			keyID, wantOwner := tt.setup(p)
			owner, pemText, err := f.PublicKey(t.Context(), keyID, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got err %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if owner != wantOwner {
				t.Errorf("got owner %q, want %q", owner, wantOwner)
			}
			if _, err := ParsePublicKeyPEM(pemText); err != nil {
				t.Errorf("returned PEM does not parse: %v", err)
			}
		})
	}
}

func TestKeyFetcherRefreshLimited(t *testing.T) {
	p := newSigPeer(t)
	f := sigFetcherFor(t, p)
	now := time.Now()
	f.Now = func() time.Time { return now }
	_, keyID := p.actor(t, "/users/r", sigSPKI(t, sigKey(0)))
	for range 3 {
		if _, _, err := f.PublicKey(t.Context(), keyID, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.count("/users/r"); n != 1 {
		t.Errorf("refresh within a minute fetched %d times, want 1", n)
	}
	now = now.Add(2 * time.Minute)
	if _, _, err := f.PublicKey(t.Context(), keyID, true); err != nil {
		t.Fatal(err)
	}
	if n := p.count("/users/r"); n != 2 {
		t.Errorf("refresh after two minutes: %d fetches, want 2", n)
	}
	now = now.Add(25 * time.Hour) // past the TTL: refetched without refresh
	if _, _, err := f.PublicKey(t.Context(), keyID, false); err != nil {
		t.Fatal(err)
	}
	if n := p.count("/users/r"); n != 3 {
		t.Errorf("after the TTL: %d fetches, want 3", n)
	}
}

func TestKeyFetcherConcurrentShareOneFetch(t *testing.T) {
	p := newSigPeer(t)
	f := sigFetcherFor(t, p)
	_, keyID := p.actor(t, "/users/c", sigSPKI(t, sigKey(0)))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, _, err := f.PublicKey(t.Context(), keyID, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := p.count("/users/c"); n > 2 {
		t.Errorf("16 concurrent lookups made %d fetches", n)
	}
}

func TestKeyFetcherBounded(t *testing.T) {
	f := &KeyFetcher{MaxEntries: 100}
	for i := range 1000 {
		f.store(strings.Repeat("k", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), cachedKey{})
	}
	if len(f.cache) > 100 {
		t.Errorf("cache holds %d entries, bound is 100", len(f.cache))
	}
}
