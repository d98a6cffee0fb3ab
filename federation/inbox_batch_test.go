package federation

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"kring/content"
	"kring/storage/storagetest"
)

// TestInboxBatch stores activities from many concurrent requests, each
// activity sent twice: every request is answered, each activity is stored
// once, and exactly one of its two requests reports it new.
func TestInboxBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	b := &inboxBatch{db: db}
	const activities, copies = 300, 2
	var inserted [activities]atomic.Int32
	var wg sync.WaitGroup
	for i := range activities * copies {
		wg.Go(func() {
			n := i % activities
			it := &content.InboxItem{ActivityIRI: fmt.Sprintf("https://remote.example/activities/%d", n),
				Actor: "https://remote.example/users/a", Type: "Create", Body: []byte(`{}`)}
			ok, err := b.put(ctx, it)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				inserted[n].Add(1)
				if it.ID == 0 {
					t.Errorf("activity %d: inserted without an id", n)
				}
			}
		})
	}
	wg.Wait()
	for n := range inserted {
		if got := inserted[n].Load(); got != 1 {
			t.Errorf("activity %d reported new %d times, want 1", n, got)
		}
	}
	c, err := db.CountInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Received != activities {
		t.Errorf("stored %d activities, want %d", c.Received, activities)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.leading || len(b.pending) > 0 {
		t.Errorf("after the last answer: leading %v, %d pending; want idle", b.leading, len(b.pending))
	}
}
