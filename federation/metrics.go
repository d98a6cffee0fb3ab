package federation

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// metrics counts what the inbox, signed fetches and the delivery queue
// did since the node started. Counters exposes them; the web layer turns
// them into Prometheus metrics at scrape time, so that this package needs
// no metrics library.
type metrics struct {
	inboxAccepted atomic.Int64

	mu      sync.Mutex
	refusal map[string]int64

	delivered, retried, failed atomic.Int64
}

func (m *metrics) refused(code string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refusal == nil {
		m.refusal = map[string]int64{}
	}
	m.refusal[code]++
}

// fetchRefusalPrefix marks the refusals of signed GETs (authorized fetch)
// among the inbox's: both share one map, by code.
const fetchRefusalPrefix = "fetch_"

// Refusals returns how many inbox requests were refused, by reason.
func (n *Node) Refusals() map[string]int64 {
	n.metrics.mu.Lock()
	defer n.metrics.mu.Unlock()
	out := make(map[string]int64, len(n.metrics.refusal))
	for k, v := range n.metrics.refusal {
		out[k] = v
	}
	return out
}

// Counters is what the node did since it started: activities its inbox
// accepted and refused, GETs refused for want of a valid signature, and
// the outcomes of delivery attempts. Every count only grows.
type Counters struct {
	InboxAccepted int64
	// InboxRefused counts refused inbox POSTs by reason: a VerifyError
	// code (CodeUnsigned, CodeBadSignature, ...) or one of the inbox's own
	// (malformed, incomplete, actor_mismatch, foreign_id, forum, ...).
	InboxRefused map[string]int64
	// FetchRefused counts GETs refused under authorized fetch, by the
	// VerifyError code.
	FetchRefused map[string]int64
	// Delivered, Retried and Failed count delivery attempts that
	// succeeded, failed and were rescheduled, and were given up.
	Delivered, Retried, Failed int64
}

// Counters returns a snapshot of the node's counters.
func (n *Node) Counters() Counters {
	c := Counters{
		InboxAccepted: n.metrics.inboxAccepted.Load(),
		InboxRefused:  map[string]int64{},
		FetchRefused:  map[string]int64{},
		Delivered:     n.metrics.delivered.Load(),
		Retried:       n.metrics.retried.Load(),
		Failed:        n.metrics.failed.Load(),
	}
	n.metrics.mu.Lock()
	refusal := maps.Clone(n.metrics.refusal)
	n.metrics.mu.Unlock()
	for code, v := range refusal {
		if rest, ok := strings.CutPrefix(code, fetchRefusalPrefix); ok {
			c.FetchRefused[rest] += v
			continue
		}
		c.InboxRefused[code] += v
	}
	return c
}
