package federation

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
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
	n.workers.Add(3)
	go func() { defer n.workers.Done(); n.processLoop(ctx) }()
	go func() { defer n.workers.Done(); n.delivery.run(ctx) }()
	go func() { defer n.workers.Done(); n.eventLoop(ctx) }()
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
		} else {
			for i, it := range done {
				if r := results[i]; r.Object != nil && r.Outcome != r.Duplicate {
					n.afterReceived(context.WithoutCancel(ctx), it, r.Object, r.ThreadForum != 0)
				}
				n.log.Debug("processed", "activity_id", it.ActivityIRI, "type", it.Type, "outcome", results[i].Outcome)
			}
		}
		results, done = results[:0], done[:0]
	}
	// record files an activity's result, or schedules a retry.
	record := func(it *content.InboxItem, res storage.InboxResult, err error) {
		if err != nil && n.now().Sub(it.ReceivedAt) < processGiveUp {
			r := retry[it.ID]
			r.attempts++
			r.next = n.now().Add(backoff(defaultBackoff, r.attempts))
			retry[it.ID] = r
			n.log.Warn("process activity; will retry", "activity_id", it.ActivityIRI, "type", it.Type, "attempt", r.attempts, "err", err)
			return
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
		after = items[len(items)-1].ID
		for i := 0; i < len(items); {
			if items[i].Type != "Create" {
				it := &items[i]
				i++
				if r, ok := retry[it.ID]; ok && n.now().Before(r.next) {
					continue
				}
				flush()
				outcome, err := n.process(ctx, it)
				memo = newLookups()
				record(it, storage.InboxResult{ID: it.ID, Outcome: outcome}, err)
				continue
			}
			// A run of Creates: worked out on every core (they only read),
			// then recorded in arrival order.
			end := i
			for end < len(items) && items[end].Type == "Create" {
				end++
			}
			run := items[i:end]
			i = end
			prepared := n.prepareCreates(ctx, run, retry, memo)
			for j := range run {
				if p := prepared[j]; !p.skipped {
					record(&run[j], p.res, p.err)
				}
			}
		}
		flush()
		memo = newLookups() // a fresh view for the next round
	}
}

// preparedCreate is a Create worked out but not yet recorded.
type preparedCreate struct {
	res     storage.InboxResult
	err     error
	skipped bool // waiting for its retry
}

// prepareCreates works out a run of Creates concurrently, one worker per
// core: decoding, sanitising and the relevance reads are most of the
// processing, and a single goroutine among the inbox's many handlers gets
// too small a share of the CPU to keep up with them.
func (n *Node) prepareCreates(ctx context.Context, run []content.InboxItem, retry map[int64]retryState, memo *lookups) []preparedCreate {
	out := make([]preparedCreate, len(run))
	now := n.now()
	var todo []int
	for i := range run {
		if r, ok := retry[run[i].ID]; ok && now.Before(r.next) {
			out[i].skipped = true
			continue
		}
		todo = append(todo, i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < len(todo); k = int(next.Add(1) - 1) {
				i := todo[k]
				out[i].res, out[i].err = n.processCreate(ctx, &run[i], memo)
			}
		})
	}
	wg.Wait()
	return out
}

// retryState tracks an activity whose processing failed.
type retryState struct {
	attempts int
	next     time.Time
}
