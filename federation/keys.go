package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Defaults of the key cache.
const (
	keyCacheTTL        = 24 * time.Hour
	keyCacheMaxEntries = 10000
	// keyMinRefresh limits refetches of one key. A forged signature naming
	// someone's keyId makes us refetch that key: without a limit, anyone
	// could turn our node into a fetch cannon aimed at that server.
	keyMinRefresh = time.Minute
)

// keyOwnerTypes are the actor types that may own a signing key.
var keyOwnerTypes = []string{"Application", "Group", "Organization", "Person", "Service"}

// KeyFetcher resolves signature keyIds by fetching the documents with GETs
// signed by Signer (the instance actor: authorized-fetch servers refuse
// unsigned ones), and caches the keys in memory. It implements KeyResolver
// and is safe for concurrent use; the zero value plus Client is ready.
//
// It understands the Mastodon keyId (".../users/a#main-key": the actor
// document carries publicKey), the GoToSocial keyId (".../users/a/main-key":
// a stub whose id is the actor; the full actor is fetched and must list the
// key) and a bare key document with an owner.
type KeyFetcher struct {
	Client *Client
	Signer func() Signer // nil: unsigned fetches
	// Local answers from keys already held (stored actors) without HTTP; it
	// may be nil. It is skipped when refresh asks for the key as published
	// now, and when a fetch newer than its answer (a rotation) is cached.
	Local func(ctx context.Context, keyID string) (owner, pemText string, ok bool)

	TTL        time.Duration    // zero: 24h
	MaxEntries int              // zero: 10000
	MinRefresh time.Duration    // zero: 1 minute between refetches of one key
	Now        func() time.Time // nil: time.Now

	mu       sync.Mutex
	cache    map[string]cachedKey
	inflight map[string]*keyCall
}

type cachedKey struct {
	owner, pem string
	fetched    time.Time
}

// keyCall is one fetch that concurrent verifications of the same key
// share, so a burst of deliveries from a new actor costs one fetch.
type keyCall struct {
	done       chan struct{}
	owner, pem string
	err        error
}

// PublicKey returns the PEM public key named by keyID and its owner actor.
// refresh bypasses the cache (the actor may have rotated its key), at most
// once per MinRefresh per key.
func (f *KeyFetcher) PublicKey(ctx context.Context, keyID string, refresh bool) (owner, pemText string, err error) {
	now := f.now()
	if f.Local != nil && !refresh {
		f.mu.Lock()
		e, cached := f.cache[keyID]
		f.mu.Unlock()
		if !cached || now.Sub(e.fetched) >= orDefault(f.TTL, keyCacheTTL) {
			if owner, pemText, ok := f.Local(ctx, keyID); ok {
				return owner, pemText, nil
			}
		}
	}
	f.mu.Lock()
	if e, ok := f.cache[keyID]; ok {
		age := now.Sub(e.fetched)
		if (!refresh && age < orDefault(f.TTL, keyCacheTTL)) || (refresh && age < orDefault(f.MinRefresh, keyMinRefresh)) {
			f.mu.Unlock()
			return e.owner, e.pem, nil
		}
	}
	if c, ok := f.inflight[keyID]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.owner, c.pem, c.err
		case <-ctx.Done():
			return "", "", fmt.Errorf("fetch key %s: %w", keyID, ctx.Err())
		}
	}
	c := &keyCall{done: make(chan struct{})}
	if f.inflight == nil {
		f.inflight = make(map[string]*keyCall)
	}
	f.inflight[keyID] = c
	f.mu.Unlock()

	c.owner, c.pem, c.err = f.fetch(ctx, keyID)

	f.mu.Lock()
	delete(f.inflight, keyID)
	if c.err == nil {
		f.store(keyID, cachedKey{owner: c.owner, pem: c.pem, fetched: now})
	}
	f.mu.Unlock()
	close(c.done)
	return c.owner, c.pem, c.err
}

// store adds an entry; when full it drops an arbitrary 1% of the entries
// (Go's map order is randomised), which is cheap and good enough for a
// cache whose misses cost one fetch.
func (f *KeyFetcher) store(keyID string, e cachedKey) {
	max := f.MaxEntries
	if max <= 0 {
		max = keyCacheMaxEntries
	}
	if f.cache == nil {
		f.cache = make(map[string]cachedKey)
	}
	if _, ok := f.cache[keyID]; !ok && len(f.cache) >= max {
		n := max/100 + 1
		for k := range f.cache {
			delete(f.cache, k)
			if n--; n == 0 {
				break
			}
		}
	}
	f.cache[keyID] = e
}

func (f *KeyFetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// keyDoc holds what key resolution reads of a fetched document: an actor
// (publicKey) or a key (publicKeyPem, owner).
type keyDoc struct {
	ID           string          `json:"id"`
	Type         json.RawMessage `json:"type"`
	PublicKey    json.RawMessage `json:"publicKey"` // an object or an array of them
	PublicKeyPem string          `json:"publicKeyPem"`
	Owner        json.RawMessage `json:"owner"`
	Controller   json.RawMessage `json:"controller"` // FEP-521a style keys
}

type keyEntry struct {
	ID           string          `json:"id"`
	Owner        json.RawMessage `json:"owner"`
	PublicKeyPem string          `json:"publicKeyPem"`
}

func (f *KeyFetcher) fetch(ctx context.Context, keyID string) (owner, pemText string, err error) {
	u, err := url.Parse(keyID)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("keyId %q is not an absolute http(s) URL", keyID)
	}
	u.Fragment, u.RawFragment = "", ""
	docURL := u.String()
	doc, err := f.get(ctx, docURL)
	if err != nil {
		return "", "", err
	}
	var actor *keyDoc
	switch {
	case doc.ID == docURL && len(doc.PublicKey) > 0:
		actor = doc // Mastodon: the actor itself
	case doc.ID == docURL && doc.PublicKeyPem != "":
		// A key document: its owner is the actor, who must list it.
		o := rawID(doc.Owner)
		if o == "" {
			o = rawID(doc.Controller)
		}
		if o == "" {
			return "", "", fmt.Errorf("key document %s has no owner", docURL)
		}
		if actor, err = f.getActor(ctx, o); err != nil {
			return "", "", fmt.Errorf("owner of key %s: %w", keyID, err)
		}
	case doc.ID != "" && len(doc.PublicKey) > 0:
		// GoToSocial: the key URL serves a stub named by the actor's id.
		// Nothing in it is trusted: the actor is fetched from its own id.
		if actor, err = f.getActor(ctx, doc.ID); err != nil {
			return "", "", fmt.Errorf("owner of key %s: %w", keyID, err)
		}
	case doc.ID != docURL:
		return "", "", fmt.Errorf("document fetched from %s has id %q", docURL, doc.ID)
	default:
		return "", "", fmt.Errorf("document %s has neither publicKey nor publicKeyPem", docURL)
	}
	return keyFromActor(actor, keyID)
}

// getActor fetches an actor whose id must be the URL it was fetched from.
func (f *KeyFetcher) getActor(ctx context.Context, iri string) (*keyDoc, error) {
	doc, err := f.get(ctx, iri)
	if err != nil {
		return nil, err
	}
	if doc.ID != iri {
		return nil, fmt.Errorf("document fetched from %s has id %q", iri, doc.ID)
	}
	return doc, nil
}

func (f *KeyFetcher) get(ctx context.Context, iri string) (*keyDoc, error) {
	if f.Client == nil {
		return nil, errors.New("key fetcher has no client")
	}
	var s Signer
	if f.Signer != nil {
		s = f.Signer()
	}
	body, err := f.Client.GetActivity(ctx, iri, s)
	if err != nil {
		return nil, err
	}
	var doc keyDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", iri, err)
	}
	return &doc, nil
}

// keyFromActor finds keyID among the actor's keys and checks that it is
// the actor's and readable, so that a bad key is never cached.
func keyFromActor(actor *keyDoc, keyID string) (owner, pemText string, err error) {
	types := rawStrings(actor.Type)
	if !slices.ContainsFunc(types, func(t string) bool { return slices.Contains(keyOwnerTypes, t) }) {
		return "", "", fmt.Errorf("key owner %s has type %q, not an actor type", actor.ID, types)
	}
	var entries []keyEntry
	if err := json.Unmarshal(actor.PublicKey, &entries); err != nil {
		var one keyEntry
		if err := json.Unmarshal(actor.PublicKey, &one); err != nil {
			return "", "", fmt.Errorf("actor %s: publicKey is neither an object nor an array", actor.ID)
		}
		entries = []keyEntry{one}
	}
	var seen []string
	for _, k := range entries {
		seen = append(seen, k.ID)
		if k.ID != keyID {
			continue
		}
		if o := rawID(k.Owner); o != "" && o != actor.ID {
			return "", "", fmt.Errorf("key %s names owner %s, not the actor %s", keyID, o, actor.ID)
		}
		if _, err := ParsePublicKeyPEM(k.PublicKeyPem); err != nil {
			return "", "", fmt.Errorf("key %s: %w", keyID, err)
		}
		return actor.ID, k.PublicKeyPem, nil
	}
	return "", "", fmt.Errorf("actor %s does not list key %s (it lists %q)", actor.ID, keyID, seen)
}

// rawID reads a JSON-LD reference: a string or an object with an id.
func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}

// rawStrings reads a string or an array of strings.
func rawStrings(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var list []string
	_ = json.Unmarshal(raw, &list) // anything else means no usable type
	return list
}
