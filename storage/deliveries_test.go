package storage_test

import (
	"context"
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
