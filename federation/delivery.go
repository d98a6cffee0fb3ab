package federation

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"kring/content"
	"kring/storage"
)

// Delivery limits: a global cap on concurrent POSTs and a per-host cap, so
// one slow or dead server holds at most perHost workers and never delays
// the others.
const (
	deliveryWorkers = 32
	deliveryPerHost = 4
	deliveryGiveUp  = 72 * time.Hour // about three days, as Mastodon retries
	// deliveryWatch is how soon rows queued by another process (kring
	// post) are picked up: an idle worker loop checks every deliveryWatch
	// whether the WAL changed (one stat; storage.ChangeWatch) and only
	// then looks for due rows. deliveryPoll is how often it looks
	// regardless (retries coming due, a change the watch missed). An idle
	// look is one indexed read, not a transaction. Idle cost of the watch:
	// about 5 ms of CPU a second.
	deliveryWatch = 10 * time.Millisecond
	deliveryPoll  = 100 * time.Millisecond
	// A claim is a write transaction: rather than one per finished POST,
	// wait up to claimGather for claimBatch workers to come free.
	claimBatch  = deliveryWorkers / 4
	claimGather = 5 * time.Millisecond
)

// deliverer runs the delivery queue.
type deliverer struct {
	n    *Node
	wake chan struct{}

	mu       sync.Mutex
	inFlight map[string]int // host -> running deliveries
	running  int

	// finishes records outcomes by group commit: with every worker busy,
	// several finish at once and share a transaction.
	finishes groupCommit[storage.DeliveryFinish, struct{}]
}

func newDeliverer(n *Node) *deliverer {
	d := &deliverer{n: n, wake: make(chan struct{}, 1), inFlight: map[string]int{}}
	d.finishes.many = func(ctx context.Context, fs []storage.DeliveryFinish) ([]struct{}, error) {
		return make([]struct{}, len(fs)), n.db.FinishDeliveries(ctx, fs)
	}
	d.finishes.one = func(ctx context.Context, f storage.DeliveryFinish) (struct{}, error) {
		return struct{}{}, n.db.FinishDelivery(ctx, f.ID, f.Outcome)
	}
	return d
}

func (d *deliverer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run claims due deliveries and hands each to a goroutine until ctx ends,
// then waits for the running ones.
func (d *deliverer) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if n, err := d.n.db.ReleaseDeliveryClaims(ctx); err != nil {
		d.n.log.Error("release delivery claims", "err", err)
	} else if n > 0 {
		d.n.log.Info("resuming deliveries left by the previous run", "count", n)
	}
	watch, err := d.n.db.WatchChanges(ctx)
	if err != nil {
		d.n.log.Warn("watch the queue for other processes' rows; polling instead", "err", err)
	} else {
		defer watch.Close()
	}
	idle := time.NewTimer(deliveryPoll)
	defer idle.Stop()
	lastLook := time.Now()
	done := make(chan struct{}, deliveryWorkers)
	for {
		jobs, err := d.claim(ctx)
		if err != nil && ctx.Err() == nil {
			d.n.log.Error("claim deliveries", "err", err)
		}
		for _, j := range jobs {
			wg.Add(1)
			go func(j storage.Job) {
				defer wg.Done()
				d.attempt(ctx, j)
				d.release(j.Host)
				select {
				case done <- struct{}{}:
				default:
				}
			}(j)
		}
		if len(jobs) > 0 {
			continue
		}
		for waiting := true; waiting; {
			if watch != nil {
				idle.Reset(deliveryWatch)
			} else {
				idle.Reset(deliveryPoll)
			}
			select {
			case <-ctx.Done():
				return
			case <-d.wake:
				waiting = false
			case <-done:
				d.gather(ctx, done)
				waiting = false
			case <-idle.C:
				if watch == nil || watch.Changed(ctx) || time.Since(lastLook) >= deliveryPoll {
					lastLook = time.Now()
					waiting = !d.due(ctx)
				}
			}
		}
	}
}

// gather waits briefly, while POSTs are in flight, for more workers to
// come free, so that one claim serves several of them.
func (d *deliverer) gather(ctx context.Context, done <-chan struct{}) {
	deadline := time.NewTimer(claimGather)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		free := deliveryWorkers - d.running
		d.mu.Unlock()
		if free >= claimBatch || free == deliveryWorkers {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-done:
		}
	}
}

// due reports whether a delivery may be waiting: one read, so that
// polling for rows queued by other processes costs almost nothing.
func (d *deliverer) due(ctx context.Context) bool {
	next, ok, err := d.n.db.NextDeliveryDue(ctx)
	if err != nil {
		return true // let the claim report it
	}
	return ok && !next.After(d.n.now())
}

func (d *deliverer) claim(ctx context.Context) ([]storage.Job, error) {
	d.mu.Lock()
	free := deliveryWorkers - d.running
	var busy []string
	for h, c := range d.inFlight {
		if c >= deliveryPerHost {
			busy = append(busy, h)
		}
	}
	d.mu.Unlock()
	if free <= 0 || ctx.Err() != nil {
		return nil, nil
	}
	jobs, err := d.n.db.ClaimDeliveries(ctx, d.n.now(), free, busy)
	if err != nil {
		return nil, err
	}
	// The query caps per-host load only by the busy list; trim what would
	// exceed a host's cap within this batch and hand it back.
	d.mu.Lock()
	var keep []storage.Job
	var back []storage.Job
	for _, j := range jobs {
		if d.inFlight[j.Host] >= deliveryPerHost {
			back = append(back, j)
			continue
		}
		d.inFlight[j.Host]++
		d.running++
		keep = append(keep, j)
	}
	d.mu.Unlock()
	for _, j := range back {
		d.finish(context.WithoutCancel(ctx), j, storage.DeliveryOutcome{State: content.DeliveryPending, Next: d.n.now()}, false)
	}
	return keep, nil
}

func (d *deliverer) release(host string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.running--
	if d.inFlight[host]--; d.inFlight[host] <= 0 {
		delete(d.inFlight, host)
	}
}

// attempt POSTs one delivery and records the outcome. The record is
// written even when ctx was cancelled mid-way (shutdown), so the row is
// released for the next start.
func (d *deliverer) attempt(ctx context.Context, j storage.Job) {
	signer, err := d.n.signerFor(ctx, j.Signer)
	var out storage.DeliveryOutcome
	if err != nil {
		out = storage.DeliveryOutcome{State: content.DeliveryFailed, Error: "no key to sign with: " + err.Error()}
	} else {
		err = d.n.client.PostActivity(ctx, j.Inbox, j.Body, signer)
		out = d.outcome(j, err)
	}
	if ctx.Err() != nil && out.State != content.DeliveryDone {
		// Shut down mid-attempt: leave it pending, not counted.
		d.finish(context.WithoutCancel(ctx), j, storage.DeliveryOutcome{State: content.DeliveryPending, Next: d.n.now()}, false)
		return
	}
	d.finish(context.WithoutCancel(ctx), j, out, true)
	if out.Status == 410 {
		d.n.forgetGoneInbox(context.WithoutCancel(ctx), j.Inbox)
	}
}

func (d *deliverer) finish(ctx context.Context, j storage.Job, out storage.DeliveryOutcome, counted bool) {
	out.NotAttempted = !counted
	if _, err := d.finishes.do(ctx, storage.DeliveryFinish{ID: j.ID, Outcome: out}); err != nil {
		d.n.log.Error("record delivery", "inbox", j.Inbox, "err", err)
	}
	switch out.State {
	case content.DeliveryDone:
		d.n.metrics.delivered.Add(1)
	case content.DeliveryFailed:
		d.n.metrics.failed.Add(1)
		d.n.log.Warn("delivery given up", "inbox", j.Inbox, "attempt", j.Attempts+1, "status", out.Status, "err", out.Error)
	default:
		if counted {
			d.n.metrics.retried.Add(1)
		}
	}
}

// outcome decides what a POST's result means: done, retry later with
// backoff, or give up (client errors other than rate limits and timeouts
// will not get better; three days of failures neither).
func (d *deliverer) outcome(j storage.Job, err error) storage.DeliveryOutcome {
	if err == nil {
		return storage.DeliveryOutcome{State: content.DeliveryDone}
	}
	out := storage.DeliveryOutcome{Error: truncate(err.Error(), 500)}
	if _, ok := errors.AsType[*PolicyError](err); ok {
		out.State = content.DeliveryFailed // suspended or off the allowlist (policy.go)
		return out
	}
	var he *HTTPError
	if errors.As(err, &he) {
		out.Status = he.Status
		if he.Status >= 400 && he.Status < 500 && he.Status != 401 && he.Status != 408 && he.Status != 429 {
			out.State = content.DeliveryFailed
			return out
		}
	}
	next := d.n.now().Add(backoff(d.n.cfg.DeliveryBackoff, j.Attempts+1))
	if next.Sub(j.CreatedAt) > deliveryGiveUp {
		out.State = content.DeliveryFailed
		return out
	}
	out.State, out.Next = content.DeliveryPending, next
	return out
}

// defaultBackoff is the first retry's wait unless Config says otherwise.
const defaultBackoff = 30 * time.Second

// backoff is the wait before attempt n+1: base (30 s by default) doubling
// to a cap of 12 h, with ±20 % jitter so that retries to a recovered
// server do not arrive together. From 30 s, twelve attempts span about
// three days.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < 12*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 12*time.Hour)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// forgetGoneInbox handles 410 Gone: the actor behind a personal inbox no
// longer exists, so it stops being a follower.
func (n *Node) forgetGoneInbox(ctx context.Context, inbox string) {
	a, err := n.db.RemoteActorByInbox(ctx, inbox)
	if err != nil {
		return // a shared inbox, or an actor we do not know
	}
	if err := n.db.RemoveRemoteActor(ctx, a.IRI); err != nil {
		n.log.Error("remove gone actor", "actor", a.IRI, "err", err)
		return
	}
	n.log.Info("actor gone (410): removed with its follows", "actor", a.IRI)
}
