package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestFinishDeliveries records the outcomes of claimed deliveries in one
// transaction: done, retry later and given up, each releasing its claim.
func TestFinishDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	act := &content.Activity{IRI: "https://kring.test/activities/1", Actor: "https://kring.test/users/ann", Type: "Create", Body: []byte(`{}`)}
	targets := []storage.Target{{Inbox: "https://a.example/inbox", Host: "a.example"},
		{Inbox: "https://b.example/inbox", Host: "b.example"}, {Inbox: "https://c.example/inbox", Host: "c.example"}}
	if err := db.Publish(ctx, act, nil, act.Actor, targets); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimDeliveries(ctx, time.Now(), 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("claimed %d deliveries, want 3", len(jobs))
	}
	later := time.Now().Add(time.Hour)
	fs := []storage.DeliveryFinish{
		{ID: jobs[0].ID, Outcome: storage.DeliveryOutcome{State: content.DeliveryDone}},
		{ID: jobs[1].ID, Outcome: storage.DeliveryOutcome{State: content.DeliveryPending, Next: later, Status: 503, Error: "busy"}},
		{ID: jobs[2].ID, Outcome: storage.DeliveryOutcome{State: content.DeliveryFailed, Status: 400, Error: "refused"}},
	}
	if err := db.FinishDeliveries(ctx, fs); err != nil {
		t.Fatal(err)
	}
	st, err := db.DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 1 || st.Pending != 1 || st.Failed != 1 {
		t.Errorf("done %d pending %d failed %d, want 1 each", st.Done, st.Pending, st.Failed)
	}
	next, ok, err := db.NextDeliveryDue(ctx)
	if err != nil || !ok || !next.Equal(later.Truncate(time.Millisecond).UTC()) {
		t.Errorf("next due %v %v %v, want the retry at %v, unclaimed", next, ok, err, later)
	}
}

// TestChangeWatch notices commits made through another handle on the same
// file, as `kring post` makes them from a process of its own.
func TestChangeWatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	w, err := db.WatchChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Changed(ctx) {
		t.Error("changed before any write")
	}
	other, err := storage.Open(ctx, db.Path(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	act := &content.Activity{IRI: "https://kring.test/activities/w", Actor: "https://kring.test/users/ann", Type: "Create", Body: []byte(`{}`)}
	if err := other.Publish(ctx, act, nil, act.Actor, []storage.Target{{Inbox: "https://a.example/inbox", Host: "a.example"}}); err != nil {
		t.Fatal(err)
	}
	if !w.Changed(ctx) {
		t.Error("a commit by another handle went unnoticed")
	}
	if w.Changed(ctx) {
		t.Error("changed twice for one commit")
	}
}

// BenchmarkClaimFinish claims 1,000 deliveries of one activity 8 at a time
// and records them done in groups of 8, as the delivery workers do.
func BenchmarkClaimFinish(b *testing.B) {
	ctx := context.Background()
	db := storagetest.Open(b)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		targets := make([]storage.Target, 1000)
		for h := range targets {
			host := fmt.Sprintf("h%04d.test", h)
			targets[h] = storage.Target{Inbox: "http://" + host + "/inbox", Host: host}
		}
		act := &content.Activity{IRI: fmt.Sprintf("https://kring.test/activities/%d", i), Actor: "https://kring.test/users/ann", Type: "Create", Body: bytes.Repeat([]byte("x"), 1000)}
		if err := db.Publish(ctx, act, nil, act.Actor, targets); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for {
			jobs, err := db.ClaimDeliveries(ctx, time.Now(), 8, nil)
			if err != nil {
				b.Fatal(err)
			}
			if len(jobs) == 0 {
				break
			}
			fs := make([]storage.DeliveryFinish, len(jobs))
			for k, j := range jobs {
				fs[k] = storage.DeliveryFinish{ID: j.ID, Outcome: storage.DeliveryOutcome{State: content.DeliveryDone}}
			}
			if err := db.FinishDeliveries(ctx, fs); err != nil {
				b.Fatal(err)
			}
		}
	}
}
