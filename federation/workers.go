package federation

import (
	"context"
	"log/slog"
	"time"

	"kring/content"
	"kring/storage"
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

// processBatch is how many stored activities one round reads; at most
// finishBatch outcomes share one commit, which keeps the single writer
// free for the inbox's own commits (100 objects hold it for ~20 ms).
const (
	processBatch = 100
	finishBatch  = 32
)

// processPending works through every unprocessed activity. An activity
// whose processing fails for a passing reason (a peer down while we fetch
// its actor) stays unprocessed and is tried again on the next round.
//
// Outcomes are recorded by group commit: a run of Creates is stored,
// objects and outcomes, in one transaction rather than two per activity,
// which is what lets processing keep up with a busy inbox. Any other
// activity first flushes the run before it and then writes as it goes, so
// effects keep arrival order (a Delete finds the Create before it stored).
func (n *Node) processPending(ctx context.Context, retry map[int64]retryState) {
	var after int64
	results := make([]storage.InboxResult, 0, finishBatch)
	done := make([]*content.InboxItem, 0, finishBatch)
	memo := newLookups()
	flush := func() {
		if len(results) == 0 {
			return
		}
		if err := n.db.FinishInboxBatch(context.WithoutCancel(ctx), results); err != nil {
			// Left unprocessed: the next round tries them again, and
			// processing is idempotent.
			n.log.Error("record inbox outcomes", "count", len(results), "activity_id", done[0].ActivityIRI, "err", err)
		} else if n.log.Enabled(ctx, slog.LevelDebug) {
			for i, it := range done {
				n.log.Debug("processed", "activity_id", it.ActivityIRI, "type", it.Type, "outcome", results[i].Outcome)
			}
		}
		results, done = results[:0], done[:0]
	}
	for ctx.Err() == nil {
		items, err := n.db.PendingInbox(ctx, after, processBatch)
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
			var res storage.InboxResult
			if it.Type == "Create" {
				res, err = n.processCreate(ctx, it, memo)
			} else {
				flush()
				res.ID = it.ID
				res.Outcome, err = n.process(ctx, it)
				memo = newLookups()
			}
			if err != nil && n.now().Sub(it.ReceivedAt) < processGiveUp {
				r := retry[it.ID]
				r.attempts++
				r.next = n.now().Add(backoff(defaultBackoff, r.attempts))
				retry[it.ID] = r
				n.log.Warn("process activity; will retry", "activity_id", it.ActivityIRI, "type", it.Type, "attempt", r.attempts, "err", err)
				continue
			}
			delete(retry, it.ID)
			if err != nil {
				res = storage.InboxResult{ID: it.ID, Outcome: "failed: " + err.Error()}
			}
			results, done = append(results, res), append(done, it)
			if len(results) == finishBatch {
				flush()
			}
		}
		flush()
		memo = newLookups() // a fresh view for the next round
	}
}

// retryState tracks an activity whose processing failed.
type retryState struct {
	attempts int
	next     time.Time
}
