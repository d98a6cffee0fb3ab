package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter allows at most max events per key in any sliding window. It
// keeps the times of the last max events per key, which is all a sliding
// window needs, so a key costs at most max timestamps.
type limiter struct {
	now func() time.Time

	mu     sync.Mutex
	max    int
	window time.Duration
	events map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{now: now, max: max, window: window, events: map[string][]time.Time{}}
}

// set changes the limit, for tests.
func (l *limiter) set(max int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.max, l.window = max, window
}

// limits returns the current limit.
func (l *limiter) limits() (int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.max, l.window
}

// allow reports whether key may have another event now and, if not, how
// long until it may.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := l.live(key, now)
	if len(ev) < l.max {
		return true, 0
	}
	return false, ev[len(ev)-l.max].Add(l.window).Sub(now)
}

// add records an event for key.
func (l *limiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := append(l.live(key, now), now)
	if len(ev) > l.max {
		ev = ev[len(ev)-l.max:]
	}
	l.events[key] = ev
}

// reset forgets key, as after a successful login.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// live drops key's events older than the window; l.mu must be held.
func (l *limiter) live(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= l.window {
		i++
	}
	if i == len(ev) {
		delete(l.events, key)
		return nil
	}
	ev = ev[i:]
	l.events[key] = ev
	return ev
}

// cleanup forgets keys whose events have all left the window, so the map
// does not grow with every address that ever tried.
func (l *limiter) cleanup() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for key := range l.events {
		l.live(key, now)
	}
}

// size is the number of keys tracked.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// clientIP is the visitor's address. X-Forwarded-For is believed only from
// loopback, where the node's own reverse proxy sits; its last entry is the
// one that proxy added, the earlier ones are whatever the client claimed.
func clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	if !addr.IsLoopback() {
		return addr
	}
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return addr
	}
	parts := strings.Split(xff[len(xff)-1], ",")
	if fwd, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
		return fwd.Unmap()
	}
	return addr
}

// ipKey groups IPv6 clients by /64, the block one subscriber usually gets,
// so that rotating through it does not reset the limit.
func ipKey(addr netip.Addr) string {
	if addr.Is6() {
		p, err := addr.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// Per-address limits beside the login's (server.go): saves of posts,
// registrations and searches. Generous for people, tight for scripts.
// Registrations take an invitation, and a club evening may bring twenty
// newcomers behind one router; each costs a password hash and a key pair,
// so twenty an hour bounds the work (Mastodon allows 5 per 30 minutes
// for open sign-ups). Saves are counted per address on top of the
// member's own budget (defaultWrites): twice one member's, for a
// household or an office behind one address.
const (
	defaultIPWrites           = 120
	defaultRegistrations      = 20
	defaultRegistrationWindow = time.Hour
	defaultSearches           = 60
	defaultSearchWindow       = time.Minute
	// A harvest of the open data is the catalogue and eight downloads;
	// each download reads a whole dataset.
	defaultDownloads      = 60
	defaultDownloadWindow = 10 * time.Minute
)
