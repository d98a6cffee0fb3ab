package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func inboxItem(n int) *content.InboxItem {
	return &content.InboxItem{ActivityIRI: fmt.Sprintf("https://remote.example/activities/%d", n),
		Actor: "https://remote.example/users/a", Type: "Create", Body: []byte(`{"type":"Create"}`)}
}

func TestPutInboxBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	if _, err := db.PutInbox(ctx, inboxItem(1)); err != nil {
		t.Fatal(err)
	}
	// 1 is stored already; 2 comes twice in the batch.
	items := []*content.InboxItem{inboxItem(1), inboxItem(2), inboxItem(3), inboxItem(2)}
	got, err := db.PutInboxBatch(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{false, true, true, false}, got); diff != "" {
		t.Errorf("inserted (-want +got):\n%s", diff)
	}
	if items[1].ID == 0 || items[2].ID == 0 || items[1].ID == items[2].ID {
		t.Errorf("ids of the new rows: %d, %d", items[1].ID, items[2].ID)
	}
	c, err := db.CountInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storage.InboxCounts{Received: 3, Processed: 0}, c); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestFinishInboxBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	var ids []int64
	for i := range 4 {
		it := inboxItem(i)
		if _, err := db.PutInbox(ctx, it); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	note := func(iri string) *content.Object {
		return &content.Object{IRI: iri, Type: "Note", AttributedTo: "https://remote.example/users/a",
			Content: "<p>hi</p>", Public: true, Published: time.Now().UTC(), Raw: "{}"}
	}
	if _, err := db.PutObject(ctx, note("https://remote.example/notes/old")); err != nil {
		t.Fatal(err)
	}
	results := []storage.InboxResult{
		{ID: ids[0], Outcome: "stored", Object: note("https://remote.example/notes/new"), Duplicate: "dup"},
		{ID: ids[1], Outcome: "stored", Object: note("https://remote.example/notes/new"), Duplicate: "dup"},
		{ID: ids[2], Outcome: "stored", Object: note("https://remote.example/notes/old"), Duplicate: "dup"},
		{ID: ids[3], Outcome: "ignored: concerns no one here"},
	}
	if err := db.FinishInboxBatch(ctx, results); err != nil {
		t.Fatal(err)
	}
	want := []string{"stored", "dup", "dup", "ignored: concerns no one here"}
	for i := range 4 {
		if results[i].Outcome != want[i] {
			t.Errorf("result %d: Outcome %q, want %q", i, results[i].Outcome, want[i])
		}
		it, err := db.InboxItemByIRI(ctx, inboxItem(i).ActivityIRI)
		if err != nil {
			t.Fatal(err)
		}
		if it.Outcome != want[i] || it.ProcessedAt.IsZero() {
			t.Errorf("activity %d: outcome %q (processed %v), want %q", i, it.Outcome, it.ProcessedAt, want[i])
		}
	}
	if _, err := db.ObjectByIRI(ctx, "https://remote.example/notes/new"); err != nil {
		t.Errorf("the new note was not stored: %v", err)
	}
	c, err := db.CountInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storage.InboxCounts{Received: 4, Processed: 4}, c); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}
