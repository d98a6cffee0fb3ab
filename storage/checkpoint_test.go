package storage_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

// TestBackgroundCheckpoint: commits go to the WAL only (the writer does
// not checkpoint), and the background checkpointer copies them into the
// database file soon after, with no help from the writer or Close.
func TestBackgroundCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t)
	size := func() int64 {
		fi, err := os.Stat(db.Path())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	body := []byte(`{"content":"` + strings.Repeat("x", 3000) + `"}`)
	for i := range 300 { // about 1 MiB
		it := &content.InboxItem{ActivityIRI: fmt.Sprintf("https://remote.example/a/%d", i), Actor: "https://remote.example/u", Type: "Create", Body: body}
		if _, err := db.PutInbox(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+1<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file is %d bytes 5s after 1 MiB of commits (%d before): the WAL was not checkpointed", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCloseTwice: a second Close is harmless, as it was before there was a
// checkpointer to stop.
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t) // its cleanup closes it again
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
