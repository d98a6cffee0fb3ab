package storage_test

import (
	"context"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestDeliveryQueueDepth counts pending rows only and finds the oldest by
// when it was queued, claimed or not.
func TestDeliveryQueueDepth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	q, err := db.DeliveryQueueDepth(ctx)
	if err != nil || q.Pending != 0 || !q.OldestPending.IsZero() {
		t.Fatalf("empty queue: %+v, %v; want nothing pending", q, err)
	}
	first := time.Now().Add(-time.Hour).Truncate(time.Millisecond).UTC()
	db.SetClock(func() time.Time { return first })
	publish := func(n int, targets ...string) {
		act := &content.Activity{IRI: "https://kring.test/activities/" + string(rune('0'+n)), Actor: "https://kring.test/users/ann", Type: "Create", Body: []byte(`{}`)}
		var ts []storage.Target
		for _, host := range targets {
			ts = append(ts, storage.Target{Inbox: "https://" + host + "/inbox", Host: host})
		}
		if err := db.Publish(ctx, act, nil, act.Actor, ts); err != nil {
			t.Fatal(err)
		}
	}
	publish(1, "a.example", "b.example")
	db.SetClock(time.Now)
	publish(2, "c.example")
	jobs, err := db.ClaimDeliveries(ctx, time.Now(), 1, nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v, %v", jobs, err)
	}
	if err := db.FinishDelivery(ctx, jobs[0].ID, storage.DeliveryOutcome{State: content.DeliveryDone}); err != nil {
		t.Fatal(err)
	}
	q, err = db.DeliveryQueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q.Pending != 2 {
		t.Errorf("pending %d, want 2 of 3 (one done)", q.Pending)
	}
	if q.OldestPending.After(time.Now().Add(-30*time.Minute)) || q.OldestPending.Before(first) {
		t.Errorf("oldest pending %v, want about an hour ago (%v)", q.OldestPending, first)
	}
}

// TestSizes reads the file's pages and the WAL beside it.
func TestSizes(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	s, err := db.Sizes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Database <= 0 || s.Database%4096 != 0 || s.Free < 0 || s.Free > s.Database || s.WAL < 0 {
		t.Errorf("sizes %+v: want a whole number of pages, free pages within them", s)
	}
}
