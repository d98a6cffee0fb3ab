package federation

import (
	"sync"
	"sync/atomic"
)

// metrics counts what the inbox and the delivery queue did. The
// observability issue exports them to Prometheus; for now they feed tests
// and logs.
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
