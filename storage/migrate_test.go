package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"kring/storage"
)

func TestMigrateFreshReachesLatest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true, Migrate: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	got, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := storage.LatestVersion(); got != want || want < 2 {
		t.Fatalf("schema version = %d, want latest %d (≥ 2)", got, want)
	}
	ms, err := db.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.AppliedAt.IsZero() {
			t.Errorf("migration %04d_%s not recorded as applied", m.Version, m.Name)
		}
	}
}

func TestMigrateUpgradeFromEarlierVersionKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := db.MigrateTo(ctx, 1); err != nil {
		t.Fatalf("migrate to 1: %v", err)
	}
	if v, _ := db.SchemaVersion(ctx); v != 1 {
		t.Fatalf("version after MigrateTo(1) = %d", v)
	}
	db.Close()

	// Write a row the way version 1 knew it, behind the storage API's back.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`INSERT INTO members (username, password_hash, public_key_pem, private_key_pem, created_at, updated_at)
		VALUES ('ada', 'x', 'pub', 'priv', 1, 1)`)
	raw.Close()
	if err != nil {
		t.Fatalf("insert at version 1: %v", err)
	}

	db, err = storage.Open(ctx, path, storage.Options{Migrate: true})
	if err != nil {
		t.Fatalf("reopen with migrate: %v", err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != storage.LatestVersion() {
		t.Fatalf("version after upgrade = %d, want %d", v, storage.LatestVersion())
	}
	m, err := db.MemberByUsername(ctx, "ada")
	if err != nil {
		t.Fatalf("member written at version 1 lost in upgrade: %v", err)
	}
	if m.Role != "member" || m.Language != "nl" {
		t.Errorf("defaults after upgrade: role %q language %q", m.Role, m.Language)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	for _, migrate := range []bool{false, true} {
		_, err = storage.Open(ctx, path, storage.Options{Migrate: migrate})
		if !errors.Is(err, storage.ErrNewerSchema) {
			t.Fatalf("open (migrate=%v) of newer schema: err = %v, want ErrNewerSchema", migrate, err)
		}
		if !strings.Contains(err.Error(), "version 999") {
			t.Errorf("message does not name the version: %v", err)
		}
	}
}

func TestOpenMissingIsNotInitialised(t *testing.T) {
	_, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "nope", storage.FileName), storage.Options{})
	if !errors.Is(err, storage.ErrNotInitialised) {
		t.Fatalf("err = %v, want ErrNotInitialised", err)
	}
}

func TestPragmasApplied(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A second, independent connection sees WAL because it is persistent.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}
