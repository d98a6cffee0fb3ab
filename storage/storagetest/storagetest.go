// Package storagetest gives tests a migrated database in a temporary
// folder and builders for fixtures. Only tests import it.
package storagetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"kring/content"
	"kring/storage"
)

// Open returns a migrated, initialised database in t.TempDir(), closed
// when the test ends. Migrating a new database costs ~1 s under the race
// detector, so each test binary migrates one template once and every test
// starts from a copy of its bytes.
func Open(t testing.TB) *storage.DB {
	t.Helper()
	image := template(t)
	path := filepath.Join(t.TempDir(), storage.FileName)
	if err := os.WriteFile(path, image, 0o600); err != nil {
		t.Fatalf("write test database: %v", err)
	}
	db, err := storage.Open(context.Background(), path, storage.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	templateOnce  sync.Once
	templateImage []byte
	templateErr   error
)

// template returns the bytes of a migrated database with the test node
// initialised, made on first use.
func template(t testing.TB) []byte {
	t.Helper()
	keys := testKeys(t)
	templateOnce.Do(func() { templateImage, templateErr = makeTemplate(keys) })
	if templateErr != nil {
		t.Fatalf("make test database: %v", templateErr)
	}
	return templateImage
}

func makeTemplate(keys content.KeyPair) ([]byte, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kring-storagetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, storage.FileName)
	db, err := storage.Open(ctx, path, storage.Options{Create: true, Migrate: true})
	if err != nil {
		return nil, err
	}
	if _, err := db.InitNode(ctx, content.Node{Host: "kring.test", Name: "Kring test", DefaultLanguage: content.LanguageDutch,
		PublicKeyPEM: keys.PublicPEM, PrivateKeyPEM: keys.PrivatePEM}); err != nil {
		db.Close()
		return nil, err
	}
	// Closing the last connection checkpoints the WAL into the file and
	// removes it: the file alone is then the whole database.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("template database %s still has a WAL after closing", path)
	}
	return os.ReadFile(path)
}

var (
	keysOnce sync.Once
	keys     content.KeyPair
	keysErr  error
)

// testKeys generates one key pair per test binary: RSA generation takes
// ~100 ms and tests do not care that members share a key.
func testKeys(t testing.TB) content.KeyPair {
	t.Helper()
	keysOnce.Do(func() { keys, keysErr = content.GenerateKeyPair() })
	if keysErr != nil {
		t.Fatalf("generate keys: %v", keysErr)
	}
	return keys
}

// Member creates a member with the given username, role and password.
func Member(t testing.TB, db *storage.DB, username string, role content.Role, password string) *content.Member {
	t.Helper()
	m, err := content.NewMember(username, "", "", role, content.LanguageDutch)
	if err != nil {
		t.Fatalf("new member %s: %v", username, err)
	}
	if m.PasswordHash, err = passwordHash(password); err != nil {
		t.Fatalf("hash password: %v", err)
	}
	k := testKeys(t)
	m.PublicKeyPEM, m.PrivateKeyPEM = k.PublicPEM, k.PrivatePEM
	if err := db.CreateMember(context.Background(), m); err != nil {
		t.Fatalf("create member %s: %v", username, err)
	}
	return m
}

var (
	hashMu sync.Mutex
	hashes = map[string]string{}
)

// passwordHash hashes each password once per test binary: argon2id is
// made to be slow (~50 ms, several times that under the race detector),
// and tests make many members with the same password. Members then share
// a salt, which only a test may do.
func passwordHash(password string) (string, error) {
	hashMu.Lock()
	defer hashMu.Unlock()
	if h, ok := hashes[password]; ok {
		return h, nil
	}
	h, err := content.HashPassword(password)
	if err != nil {
		return "", err
	}
	hashes[password] = h
	return h, nil
}
