package federation

import (
	"context"
	"fmt"
	"sync"
)

// maxGroupCommit caps the writes one transaction carries. A group grows
// only while the previous commit runs, so under light load every write is
// its own commit and waits for nobody.
const maxGroupCommit = 128

// groupCommit lets concurrent callers share SQLite transactions instead of
// queueing for the single writer one commit at a time: what arrives while
// a commit runs goes into the next one. Each caller returns only after the
// COMMIT that holds its write, so nothing is acknowledged before it is
// durable. There is no goroutine to start or stop: the first caller to
// find no commit running leads, commits what is waiting, and hands the
// lead to the next waiter once its own write is in.
type groupCommit[T, R any] struct {
	// many writes a group in one transaction, all or nothing, returning
	// a result per write. When it fails, each write is retried with one,
	// so that one bad write cannot fail the others.
	many func(ctx context.Context, vs []T) ([]R, error)
	one  func(ctx context.Context, v T) (R, error)

	mu      sync.Mutex
	pending []*groupWrite[T, R]
	leading bool
}

// groupWrite is one caller waiting for its write.
type groupWrite[T, R any] struct {
	v    T
	res  R
	err  error
	lead bool          // set before wake: the receiver leads now
	wake chan struct{} // one send: answered, or asked to lead
}

// do writes v in the next group and returns its result.
func (g *groupCommit[T, R]) do(ctx context.Context, v T) (R, error) {
	w := &groupWrite[T, R]{v: v, wake: make(chan struct{}, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, w)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		<-w.wake
		if !w.lead {
			return w.res, w.err
		}
	}
	// A caller that gives up must not fail the others' commit.
	ctx = context.WithoutCancel(ctx)
	for answered := false; !answered; {
		g.mu.Lock()
		n := min(len(g.pending), maxGroupCommit)
		group := make([]*groupWrite[T, R], n)
		copy(group, g.pending)
		g.pending = g.pending[n:]
		g.mu.Unlock()
		g.commit(ctx, group)
		for _, o := range group {
			if o == w {
				answered = true
			} else {
				o.wake <- struct{}{}
			}
		}
	}
	g.mu.Lock()
	if len(g.pending) > 0 {
		next := g.pending[0]
		next.lead = true
		g.mu.Unlock()
		next.wake <- struct{}{}
	} else {
		g.leading = false
		g.pending = nil // let the backing array go
		g.mu.Unlock()
	}
	return w.res, w.err
}

func (g *groupCommit[T, R]) commit(ctx context.Context, group []*groupWrite[T, R]) {
	defer func() {
		// A panic must not leave this group's callers, and every caller
		// after them, waiting for ever: answer them with it.
		if r := recover(); r != nil {
			err := fmt.Errorf("group commit: panic: %v", r)
			for _, w := range group {
				w.err = err
			}
		}
	}()
	vs := make([]T, len(group))
	for i, w := range group {
		vs[i] = w.v
	}
	res, err := g.many(ctx, vs)
	if err == nil {
		for i, w := range group {
			w.res = res[i]
		}
		return
	}
	if len(group) == 1 {
		group[0].err = err
		return
	}
	for _, w := range group {
		w.res, w.err = g.one(ctx, w.v)
	}
}
