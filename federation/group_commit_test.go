package federation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"kring/content"
	"kring/storage/storagetest"
)

// TestGroupCommitInbox stores activities from many concurrent requests,
// each activity sent twice: every request is answered, each activity is
// stored once, and exactly one of its two requests reports it new.
func TestGroupCommitInbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	g := &groupCommit[*content.InboxItem, bool]{many: db.PutInboxBatch, one: db.PutInbox}
	const activities, copies = 300, 2
	var inserted [activities]atomic.Int32
	var wg sync.WaitGroup
	for i := range activities * copies {
		wg.Go(func() {
			n := i % activities
			it := &content.InboxItem{ActivityIRI: fmt.Sprintf("https://remote.example/activities/%d", n),
				Actor: "https://remote.example/users/a", Type: "Create", Body: []byte(`{}`)}
			ok, err := g.do(ctx, it)
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
	wantIdle(t, g)
}

// TestGroupCommitFailures: when a group's transaction fails, each write is
// tried on its own, so only the bad one fails; a panic in a commit answers
// its group with an error instead of leaving every later caller waiting.
func TestGroupCommitFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bad := errors.New("bad write")
	var groups atomic.Int32
	g := &groupCommit[int, int]{
		many: func(_ context.Context, vs []int) ([]int, error) {
			groups.Add(1)
			out := make([]int, len(vs))
			for i, v := range vs {
				if v < 0 {
					return nil, bad
				}
				if v == 13 {
					panic("unlucky")
				}
				out[i] = 2 * v
			}
			return out, nil
		},
		one: func(_ context.Context, v int) (int, error) {
			if v < 0 {
				return 0, bad
			}
			return 2 * v, nil
		},
	}
	var wg sync.WaitGroup
	for v := -5; v < 200; v++ {
		wg.Go(func() {
			got, err := g.do(ctx, v)
			switch {
			case v < 0:
				if !errors.Is(err, bad) {
					t.Errorf("do(%d): err %v, want %v", v, err, bad)
				}
			case v == 13:
				if err == nil {
					t.Errorf("do(13): no error from the panicking commit")
				}
			case err == nil && got != 2*v:
				t.Errorf("do(%d) = %d, want %d", v, got, 2*v)
			}
		})
	}
	wg.Wait()
	// The group that held 13 panicked before answering: its other writes
	// got the panic's error too, which is the point; everyone returned.
	if groups.Load() == 0 {
		t.Error("no group was committed")
	}
	wantIdle(t, g)
}

func wantIdle[T, R any](t *testing.T, g *groupCommit[T, R]) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.leading || len(g.pending) > 0 {
		t.Errorf("after the last answer: leading %v, %d pending; want idle", g.leading, len(g.pending))
	}
}
