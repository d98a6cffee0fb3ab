package federation

import (
	"context"
	"fmt"
	"sync"

	"kring/content"
	"kring/storage"
)

// maxInboxBatch caps the activities one commit stores. A batch grows only
// while the previous commit runs, so under light load every activity is
// its own commit and waits for nobody.
const maxInboxBatch = 128

// inboxBatch stores verified activities by group commit: concurrent
// requests share one SQLite transaction instead of queueing for the single
// writer one commit at a time, and each is answered only after the COMMIT
// that holds it (durable before 202). There is no goroutine to start or
// stop: the first request to find no commit running leads, commits what
// is waiting, and hands the lead to the next waiter once its own activity
// is stored.
type inboxBatch struct {
	db *storage.DB

	mu      sync.Mutex
	pending []*inboxPut
	leading bool
}

// inboxPut is one request waiting for its activity to be stored.
type inboxPut struct {
	item     *content.InboxItem
	inserted bool
	err      error
	lead     bool          // set before wake: the receiver leads now
	wake     chan struct{} // one send: answered, or asked to lead
}

// put stores item and reports whether it was new, as PutInbox does.
func (b *inboxBatch) put(ctx context.Context, item *content.InboxItem) (bool, error) {
	p := &inboxPut{item: item, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, p)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	if !lead {
		<-p.wake
		if !p.lead {
			return p.inserted, p.err
		}
	}
	// A request that gives up must not fail the others' commit.
	ctx = context.WithoutCancel(ctx)
	for answered := false; !answered; {
		b.mu.Lock()
		n := min(len(b.pending), maxInboxBatch)
		batch := make([]*inboxPut, n)
		copy(batch, b.pending)
		b.pending = b.pending[n:]
		b.mu.Unlock()
		b.commit(ctx, batch)
		for _, q := range batch {
			if q == p {
				answered = true
			} else {
				q.wake <- struct{}{}
			}
		}
	}
	b.mu.Lock()
	if len(b.pending) > 0 {
		next := b.pending[0]
		next.lead = true
		b.mu.Unlock()
		next.wake <- struct{}{}
	} else {
		b.leading = false
		b.pending = nil // let the backing array go
		b.mu.Unlock()
	}
	return p.inserted, p.err
}

// commit stores a batch in one transaction. Should that fail, each
// activity is stored on its own, so that one bad row cannot refuse the
// others.
func (b *inboxBatch) commit(ctx context.Context, batch []*inboxPut) {
	defer func() {
		// A panic must not leave the waiters of this batch, and every
		// request after them, waiting for ever: answer them with it.
		if r := recover(); r != nil {
			err := fmt.Errorf("store inbox activities: panic: %v", r)
			for _, p := range batch {
				p.inserted, p.err = false, err
			}
		}
	}()
	items := make([]*content.InboxItem, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	inserted, err := b.db.PutInboxBatch(ctx, items)
	if err == nil {
		for i, p := range batch {
			p.inserted = inserted[i]
		}
		return
	}
	if len(batch) == 1 {
		batch[0].err = err
		return
	}
	for _, p := range batch {
		p.inserted, p.err = b.db.PutInbox(ctx, p.item)
	}
}
