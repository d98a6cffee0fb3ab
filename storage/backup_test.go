package storage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	for i := 0; i < 200; i++ {
		plainMember(t, db, fmt.Sprintf("before_%d", i))
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			m := &content.Member{Username: fmt.Sprintf("during_%d", i), Language: "nl", Role: "member", PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}
			if err := db.CreateMember(ctx, m); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
		}
	}()

	dest := filepath.Join(t.TempDir(), "backup.db")
	var calls int
	err := db.Backup(ctx, dest, func(done, total int) {
		calls++
		if done > total {
			t.Errorf("progress %d/%d", done, total)
		}
	})
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if calls == 0 {
		t.Error("progress never reported")
	}

	copyDB, err := storage.Open(ctx, dest, storage.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer copyDB.Close()
	if err := copyDB.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := copyDB.MemberByUsername(ctx, "before_199"); err != nil {
		t.Errorf("backup lacks a member committed before it started: %v", err)
	}
	if err := db.Backup(ctx, dest, nil); err == nil {
		t.Error("backup over an existing file was allowed")
	}
}

func plainMember(t *testing.T, db *storage.DB, name string) {
	t.Helper()
	m := &content.Member{Username: name, Language: "nl", Role: "member", PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}
	if err := db.CreateMember(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}
