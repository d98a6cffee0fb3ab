package fedload

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kring/federation"
)

// Actor is one sender on the fake remote: its id and its signing key.
type Actor struct {
	ID    string
	KeyID string
	Key   *rsa.PrivateKey
	doc   []byte // the actor document served at ID
}

// Remote is a fake remote server on loopback that serves the documents of
// its sender actors, so that the node under load fetches each key once
// (and then serves from its cache), as it would from a real server.
type Remote struct {
	// Host is the host in the actors' ids: the listening address, or a
	// name the node maps to it with --resolve.
	Host string
	// Addr is where it listens (127.0.0.1:port).
	Addr   string
	Actors []*Actor

	srv     *http.Server
	fetches atomic.Int64
}

// RemoteConfig says how to build a Remote.
type RemoteConfig struct {
	// Host names the remote in actor ids; empty means its own address.
	Host string
	// Actors is the number of sender actors (each with an RSA-2048 key).
	Actors int
	// KeyDir, when set, keeps the generated keys (sN.pem) so that the next
	// run starts without generating them again.
	KeyDir string
	// Keys, when set, are the actors' keys (one actor each), so that tests
	// can share keys they made once.
	Keys []*rsa.PrivateKey
}

// NewRemote generates or loads the actors' keys and starts serving their
// documents on a free loopback port. Close stops it.
func NewRemote(cfg RemoteConfig) (*Remote, error) {
	if cfg.Actors <= 0 {
		cfg.Actors = 16
	}
	keys := cfg.Keys
	if len(keys) == 0 {
		var err error
		if keys, err = actorKeys(cfg.Actors, cfg.KeyDir); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the fake remote: %w", err)
	}
	r := &Remote{Host: cfg.Host, Addr: ln.Addr().String()}
	if r.Host == "" {
		r.Host = r.Addr
	}
	base := "http://" + r.Host
	byPath := map[string][]byte{}
	for i, key := range keys {
		name := fmt.Sprintf("s%d", i)
		id := base + "/users/" + name
		a := &Actor{ID: id, KeyID: id + "#main-key", Key: key}
		pubPEM, err := federation.MarshalPublicKeyPEM(&key.PublicKey)
		if err != nil {
			ln.Close()
			return nil, err
		}
		a.doc, err = json.Marshal(map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                id,
			"type":              "Person",
			"preferredUsername": name,
			"name":              "Load sender " + name,
			"inbox":             id + "/inbox",
			"outbox":            id + "/outbox",
			"followers":         id + "/followers",
			"following":         id + "/following",
			"url":               base + "/@" + name,
			"endpoints":         map[string]string{"sharedInbox": base + "/inbox"},
			"publicKey":         map[string]string{"id": a.KeyID, "owner": id, "publicKeyPem": pubPEM},
		})
		if err != nil {
			ln.Close()
			return nil, err
		}
		byPath["/users/"+name] = a.doc
		r.Actors = append(r.Actors, a)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, req *http.Request) {
		doc, ok := byPath[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		r.fetches.Add(1)
		w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
		w.Write(doc)
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusAccepted) // Accepts and the like: not measured
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// Fetches is how many actor documents the node fetched.
func (r *Remote) Fetches() int64 { return r.fetches.Load() }

// Close stops the server.
func (r *Remote) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

// actorKeys generates n RSA-2048 keys on every core, or reads them from
// dir (and writes the ones missing there).
func actorKeys(n int, dir string) ([]*rsa.PrivateKey, error) {
	keys := make([]*rsa.PrivateKey, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				keys[i], errs[i] = actorKey(i, dir)
			}
		})
	}
	wg.Wait()
	return keys, errors.Join(errs...)
}

func actorKey(i int, dir string) (*rsa.PrivateKey, error) {
	path := ""
	if dir != "" {
		path = filepath.Join(dir, fmt.Sprintf("s%d.pem", i))
		if b, err := os.ReadFile(path); err == nil {
			block, _ := pem.Decode(b)
			if block == nil {
				return nil, fmt.Errorf("%s: no PEM block", path)
			}
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return k, nil
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if path != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// hostOf is the host of an IRI.
func hostOf(iri string) string {
	rest, ok := strings.CutPrefix(iri, "http://")
	if !ok {
		rest, _ = strings.CutPrefix(iri, "https://")
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}
