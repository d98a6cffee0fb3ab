package federation

import (
	"context"
	"time"
)

// inboxPoll is how often the processor looks for work nobody woke it for
// (activities stored just before a crash).
const inboxPoll = 2 * time.Second

// Start runs the inbox processor and the delivery workers until Close.
func (n *Node) Start(ctx context.Context) {
	ctx, n.stop = context.WithCancel(ctx)
	n.workers.Add(2)
	go func() { defer n.workers.Done(); n.processLoop(ctx) }()
	go func() { defer n.workers.Done(); n.delivery.run(ctx) }()
}

// Close stops the workers and waits for them; a delivery in flight is
// finished or handed back to the queue.
func (n *Node) Close() {
	if n.stop != nil {
		n.stop()
	}
	n.workers.Wait()
}

func (n *Node) wakeInbox() {
	select {
	case n.inboxWake <- struct{}{}:
	default:
	}
}

func (n *Node) wakeDelivery() { n.delivery.poke() }

// processGiveUp is how long a failing activity is retried.
const processGiveUp = 24 * time.Hour

// processLoop processes stored activities in arrival order.
func (n *Node) processLoop(ctx context.Context) {
	retry := map[int64]retryState{}
	for {
		n.processPending(ctx, retry)
		select {
		case <-ctx.Done():
			return
		case <-n.inboxWake:
		case <-time.After(inboxPoll):
		}
	}
}

// processPending works through every unprocessed activity. An activity
// whose processing fails for a passing reason (a peer down while we fetch
// its actor) stays unprocessed and is tried again on the next round.
func (n *Node) processPending(ctx context.Context, retry map[int64]retryState) {
	var after int64
	for ctx.Err() == nil {
		items, err := n.db.PendingInbox(ctx, after, 100)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Error("read inbox", "err", err)
			}
			return
		}
		if len(items) == 0 {
			return
		}
		for i := range items {
			it := &items[i]
			after = it.ID
			if r, ok := retry[it.ID]; ok && n.now().Before(r.next) {
				continue
			}
			outcome, err := n.process(ctx, it)
			if err != nil && n.now().Sub(it.ReceivedAt) < processGiveUp {
				r := retry[it.ID]
				r.attempts++
				r.next = n.now().Add(backoff(r.attempts))
				retry[it.ID] = r
				n.log.Warn("process activity; will retry", "activity_id", it.ActivityIRI, "type", it.Type, "attempt", r.attempts, "err", err)
				continue
			}
			delete(retry, it.ID)
			if err != nil {
				outcome = "failed: " + err.Error()
			}
			if err := n.db.FinishInbox(context.WithoutCancel(ctx), it.ID, outcome); err != nil {
				n.log.Error("record inbox outcome", "activity_id", it.ActivityIRI, "err", err)
			}
			n.log.Debug("processed", "activity_id", it.ActivityIRI, "type", it.Type, "outcome", outcome)
		}
	}
}

// retryState tracks an activity whose processing failed.
type retryState struct {
	attempts int
	next     time.Time
}
