package federation

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// InboxLimits are the inbox's budgets, each a token bucket: Burst requests
// at once, refilled at Rate per second.
//
// The per-host budget is charged only for activities whose signature
// verified, under the host of their keyId, and checked before anything is
// verified: a host over budget is refused without crypto or a key fetch,
// and a forger who claims someone else's keyId cannot spend that host's
// budget. Failed verifications are charged to the client's address
// instead, and an address over that budget is refused before verifying.
type InboxLimits struct {
	// HostBurst is how many verified activities one host may deliver at
	// once; 0 or less turns the per-host limit off.
	HostBurst int
	// HostRate is how many per second a host's budget refills.
	HostRate float64
	// FailBurst is how many failed signature verifications one client
	// address may cause at once; 0 or less turns that limit off.
	FailBurst int
	// FailRate is how many per second an address's failure budget refills.
	FailRate float64
}

// Default inbox budgets. Mastodon puts no limit on its inbox and
// GoToSocial allows 300 requests per 5 minutes per address on all its
// ActivityPub endpoints. A community node hears from a busy server what
// concerns its members: a viral post brings a few thousand likes and boosts
// in minutes, a return after downtime a backlog that the sender's retries
// spread out. 1,000 at once and then 20 a second (72,000 an hour) is far
// above that, and about 1% of what this node stores per second, so one
// host cannot crowd out the others. Failures are rarer for honest
// servers (a Delete of an account whose key is gone fails to verify):
// GoToSocial's 300 per 5 minutes.
const (
	DefaultInboxHostBurst = 1000
	DefaultInboxHostRate  = 20.0
	DefaultInboxFailBurst = 300
	DefaultInboxFailRate  = 1.0
)

// DefaultInboxLimits returns the default budgets.
func DefaultInboxLimits() InboxLimits {
	return InboxLimits{HostBurst: DefaultInboxHostBurst, HostRate: DefaultInboxHostRate,
		FailBurst: DefaultInboxFailBurst, FailRate: DefaultInboxFailRate}
}

// Validate checks that every budget that is on refills.
func (l InboxLimits) Validate() error {
	switch {
	case l.HostBurst > 0 && !(l.HostRate > 0):
		return fmt.Errorf("inbox host rate %v: must be above 0 when the host burst is %d", l.HostRate, l.HostBurst)
	case l.FailBurst > 0 && !(l.FailRate > 0):
		return fmt.Errorf("inbox failure rate %v: must be above 0 when the failure burst is %d", l.FailRate, l.FailBurst)
	}
	return nil
}

// inboxLimiter is a node's pair of budgets; a nil bucket set is off.
type inboxLimiter struct {
	hosts *tokenBuckets // by the host of a verified keyId
	fails *tokenBuckets // by client address (IPv6 by /64)
}

func newInboxLimiter(l InboxLimits, now func() time.Time) *inboxLimiter {
	il := &inboxLimiter{}
	if l.HostBurst > 0 {
		il.hosts = newTokenBuckets(l.HostBurst, l.HostRate, now)
	}
	if l.FailBurst > 0 {
		il.fails = newTokenBuckets(l.FailBurst, l.FailRate, now)
	}
	return il
}

// SetInboxLimits replaces the inbox's budgets (and forgets what was spent).
// A node that is never given any uses DefaultInboxLimits.
func (n *Node) SetInboxLimits(l InboxLimits) error {
	if err := l.Validate(); err != nil {
		return err
	}
	n.inboxLimit.Store(newInboxLimiter(l, time.Now))
	return nil
}

func (n *Node) inboxLimiter() *inboxLimiter { return n.inboxLimit.Load() }

// inboxThrottle says why a request is refused before verifying it: the
// refusal code, the reason for the sender and how long to wait. ok is
// true when it may go on.
func (il *inboxLimiter) admit(r *http.Request) (code, reason string, wait time.Duration, ok bool) {
	if il.fails != nil {
		if addr := clientAddr(r); addr != "" {
			if allowed, wait := il.fails.allow(addr); !allowed {
				return CodeIPRateLimited, fmt.Sprintf("too many requests from this address failed signature verification; retry after %s",
					roundUp(wait)), wait, false
			}
		}
	}
	if il.hosts != nil {
		if host := claimedKeyHost(r); host != "" {
			if allowed, wait := il.hosts.allow(host); !allowed {
				return CodeHostRateLimited, fmt.Sprintf("%s has sent more activities than this node takes from one server; retry after %s",
					host, roundUp(wait)), wait, false
			}
		}
	}
	return "", "", 0, true
}

// verified charges one activity to the host of the key that signed it.
func (il *inboxLimiter) verified(keyID string) {
	if il.hosts != nil {
		if host := strings.ToLower(hostOf(keyID)); host != "" {
			il.hosts.take(host)
		}
	}
}

// failed charges a failed verification to the client's address.
func (il *inboxLimiter) failed(r *http.Request) {
	if il.fails != nil {
		if addr := clientAddr(r); addr != "" {
			il.fails.take(addr)
		}
	}
}

// The refusal codes of the inbox's budgets, as counted in the metrics.
const (
	CodeHostRateLimited = "host_rate_limited"
	CodeIPRateLimited   = "ip_rate_limited"
)

func roundUp(d time.Duration) time.Duration { return (d + time.Second - 1).Truncate(time.Second) }

// retryAfterSeconds is the Retry-After value for a wait: whole seconds,
// at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// claimedKeyHost reads the host of the keyId a request claims, without
// verifying anything: the draft-cavage Signature (or Authorization)
// header, else RFC 9421's Signature-Input. "" when there is none.
func claimedKeyHost(r *http.Request) string {
	if in := r.Header.Values("Signature-Input"); len(in) > 0 {
		members, err := parseSFDictionary(strings.Join(in, ", "))
		if err != nil || len(members) == 0 {
			return ""
		}
		keyID, _ := members[0].value.param("keyid").(string)
		return strings.ToLower(hostOf(keyID))
	}
	raw := r.Header.Get("Signature")
	if raw == "" {
		if auth := r.Header.Get("Authorization"); len(auth) > 10 && strings.EqualFold(auth[:10], "Signature ") {
			raw = auth[10:]
		}
	}
	if raw == "" {
		return ""
	}
	p, err := parseCavageParams(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(hostOf(p["keyId"]))
}

// clientAddr is the sending server's address as a budget key, IPv6 by
// its /64. X-Forwarded-For is believed only from loopback, where the
// node's own reverse proxy sits (as the web package's clientIP does), and
// only its last entry, the one that proxy added.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	addr = addr.Unmap()
	if addr.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if fwd, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				addr = fwd.Unmap()
			}
		}
	}
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// tokenBuckets is a token bucket per key. A key that is not in the map
// has a full bucket, so looking one up never adds it: only charges do,
// and buckets that have refilled are dropped when the map grows.
type tokenBuckets struct {
	burst, rate float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the map; past it, full buckets go, then (under an
// attack from very many keys) an arbitrary half.
const maxBuckets = 10000

func newTokenBuckets(burst int, rate float64, now func() time.Time) *tokenBuckets {
	return &tokenBuckets{burst: float64(burst), rate: rate, now: now, buckets: map[string]bucket{}}
}

// level is key's tokens at now; b.mu must be held.
func (b *tokenBuckets) level(key string, now time.Time) float64 {
	bk, ok := b.buckets[key]
	if !ok {
		return b.burst
	}
	return min(b.burst, bk.tokens+now.Sub(bk.at).Seconds()*b.rate)
}

// allow reports whether key has a token now and, if not, how long until
// it has one. It spends nothing.
func (b *tokenBuckets) allow(key string) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lvl := b.level(key, b.now())
	if lvl >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - lvl) / b.rate * float64(time.Second))
}

// take spends one token of key. Requests that passed allow together may
// take the bucket below zero (by at most the number in flight), which
// only makes the sender wait that much longer; the debt is bounded by
// one burst.
func (b *tokenBuckets) take(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	lvl := max(b.level(key, now)-1, -b.burst)
	if _, ok := b.buckets[key]; !ok && len(b.buckets) >= maxBuckets {
		b.prune(now)
	}
	b.buckets[key] = bucket{tokens: lvl, at: now}
}

// prune drops the buckets that are full again; b.mu must be held.
func (b *tokenBuckets) prune(now time.Time) {
	for k := range b.buckets {
		if b.level(k, now) >= b.burst {
			delete(b.buckets, k)
		}
	}
	for k := range b.buckets {
		if len(b.buckets) < maxBuckets/2 {
			break
		}
		delete(b.buckets, k)
	}
}

// size is the number of keys held, for tests.
func (b *tokenBuckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buckets)
}
