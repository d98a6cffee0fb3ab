package fedtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kring/federation"
)

// keys are RSA-2048 test keys, generated on first use and shared by the
// whole test binary: generating one costs ~100 ms (seconds under -race).
var keys struct {
	mu   sync.Mutex
	list []*rsa.PrivateKey
}

// Key returns the i-th test key (0, 1, 2, ...), the same for every caller.
func Key(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keys.mu.Lock()
	defer keys.mu.Unlock()
	for len(keys.list) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("generate test key: %v", err)
		}
		keys.list = append(keys.list, k)
	}
	return keys.list[i]
}

// PublicPEM is the SPKI PEM of a key's public half, as actors publish it.
func PublicPEM(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	s, err := federation.MarshalPublicKeyPEM(&k.PublicKey)
	if err != nil {
		t.Fatalf("encode public key: %v", err)
	}
	return s
}

// Actor is an actor of a Remote: its ids and its signing key.
type Actor struct {
	ID, KeyID, Inbox, Username string
	Key                        *rsa.PrivateKey
}

// Signer signs requests as the actor, with keyId "<id>#main-key".
func (a *Actor) Signer() federation.Signer {
	return federation.Signer{KeyID: a.KeyID, Key: a.Key}
}

// Received is a POST the Remote received, with what verifying its
// signature (federation.Verifier, keys fetched from the sender) said.
type Received struct {
	Path   string
	Header http.Header
	Body   []byte
	Signer string // the verified owner of the signing key; "" when Err is set
	Err    error
}

// Activity decodes the id, type and object id of the received activity.
func (r Received) Activity() (id, typ, object string) {
	var a struct {
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if json.Unmarshal(r.Body, &a) != nil {
		return "", "", ""
	}
	var s string
	if json.Unmarshal(a.Object, &s) != nil {
		var o struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(a.Object, &o)
		s = o.ID
	}
	return a.ID, a.Type, s
}

// Remote is another fediverse server on loopback (httptest, plain http):
// it serves the documents of its actors (with real RSA keys) and their
// WebFinger, and records every POST it receives after verifying its
// signature as a strict peer would, fetching the sender's key.
type Remote struct {
	Server *httptest.Server
	Host   string // 127.0.0.1:port
	Base   string // http://127.0.0.1:port

	verifier *federation.Verifier

	mu       sync.Mutex
	actors   map[string]*Actor // by path
	anyKey   *rsa.PrivateKey
	received []Received
	changed  chan struct{} // closed and replaced on every POST
}

// NewRemote starts a Remote, closed when the test ends.
func NewRemote(t testing.TB) *Remote {
	t.Helper()
	r := &Remote{actors: map[string]*Actor{}, changed: make(chan struct{})}
	// The verifier fetches senders' keys from nodes on loopback, unsigned:
	// actor documents never require a signature.
	client := federation.NewClient(federation.ClientConfig{AllowPrivate: true, UserAgent: "fedtest-remote"})
	r.verifier = &federation.Verifier{Keys: &federation.KeyFetcher{Client: client}, Scheme: "http"}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Server.Close)
	r.Host = r.Server.Listener.Addr().String()
	r.Base = "http://" + r.Host
	return r
}

// AddActor creates the Person <Base>/users/<username> signing with key.
func (r *Remote) AddActor(username string, key *rsa.PrivateKey) *Actor {
	id := r.Base + "/users/" + username
	a := &Actor{ID: id, KeyID: id + "#main-key", Inbox: id + "/inbox", Username: username, Key: key}
	r.mu.Lock()
	r.actors["/users/"+username] = a
	r.mu.Unlock()
	return a
}

// ServeAnyActor makes every GET of a path that names no actor of AddActor
// answer a generated Person whose id is that URL (http://<Host header>
// <path>) and whose key is key: the remote then stands in for any actor
// of any host that a node's Resolve map points at it.
func (r *Remote) ServeAnyActor(key *rsa.PrivateKey) {
	r.mu.Lock()
	r.anyKey = key
	r.mu.Unlock()
}

// ActorDocument is the AS2 document of a Person with id, inbox and the
// public half of key as "<id>#main-key"; username is its preferredUsername.
func ActorDocument(id, username, inbox string, key *rsa.PrivateKey) ([]byte, error) {
	pemText, err := federation.MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"@context":          []string{federation.ASContext, "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": username,
		"name":              username,
		"inbox":             inbox,
		"outbox":            strings.TrimSuffix(id, "/") + "/outbox",
		"followers":         strings.TrimSuffix(id, "/") + "/followers",
		"publicKey":         map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": pemText},
	}
	return json.Marshal(doc)
}

func (r *Remote) serve(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodPost:
		r.receive(w, req)
	case req.Method == http.MethodGet && req.URL.Path == "/.well-known/webfinger":
		r.webfinger(w, req)
	case req.Method == http.MethodGet:
		r.serveActor(w, req)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (r *Remote) serveActor(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	a, anyKey := r.actors[req.URL.Path], r.anyKey
	r.mu.Unlock()
	var doc []byte
	var err error
	switch {
	case a != nil:
		doc, err = ActorDocument(a.ID, a.Username, a.Inbox, a.Key)
	case anyKey != nil:
		id := "http://" + req.Host + req.URL.EscapedPath()
		name := id[strings.LastIndexByte(strings.TrimSuffix(id, "/"), '/')+1:]
		doc, err = ActorDocument(id, strings.Trim(name, "/@~"), strings.TrimSuffix(id, "/")+"/inbox", anyKey)
	default:
		http.NotFound(w, req)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	w.Write(doc)
}

func (r *Remote) webfinger(w http.ResponseWriter, req *http.Request) {
	resource := req.URL.Query().Get("resource")
	r.mu.Lock()
	var found *Actor
	for _, a := range r.actors {
		if resource == a.ID || resource == "acct:"+a.Username+"@"+r.Host {
			found = a
		}
	}
	r.mu.Unlock()
	if found == nil {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{
		"subject": "acct:" + found.Username + "@" + r.Host,
		"aliases": []string{found.ID},
		"links": []map[string]string{
			{"rel": "self", "type": "application/activity+json", "href": found.ID},
		},
	})
}

// receive records a POST; it answers 202 when the signature verifies and
// 401 with the reason otherwise, as a strict inbox does.
func (r *Remote) receive(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, federation.MaxInboxBody+1))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	_, owner, verr := r.verifier.Verify(req.Context(), req, body)
	rec := Received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, Signer: owner, Err: verr}
	r.mu.Lock()
	r.received = append(r.received, rec)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if verr != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": verr.Error()})
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// Received returns the POSTs received so far, oldest first.
func (r *Remote) Received() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.received...)
}

// WaitFor waits up to timeout for a received POST that match accepts and
// returns it; it fails the test when none arrives, listing what did.
func (r *Remote) WaitFor(t testing.TB, timeout time.Duration, what string, match func(Received) bool) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, rec := range r.received {
			if match(rec) {
				r.mu.Unlock()
				return rec
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			var got []string
			for _, rec := range r.Received() {
				id, typ, obj := rec.Activity()
				got = append(got, fmt.Sprintf("%s %s (%s of %s, signer %q, err %v)", rec.Path, id, typ, obj, rec.Signer, rec.Err))
			}
			t.Fatalf("remote: no %s within %v; received %d POSTs: %s", what, timeout, len(got), strings.Join(got, "; "))
			return Received{}
		}
	}
}
