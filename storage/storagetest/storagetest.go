// Package storagetest gives tests a migrated database in a temporary
// folder and builders for fixtures. Only tests import it.
package storagetest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"kring/content"
	"kring/storage"
)

// Open returns a migrated, initialised database in t.TempDir(), closed
// when the test ends.
func Open(t testing.TB) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), storage.FileName), storage.Options{Create: true, Migrate: true})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	keys := testKeys(t)
	if _, err := db.InitNode(ctx, content.Node{Host: "kring.test", Name: "Kring test", DefaultLanguage: content.LanguageDutch,
		PublicKeyPEM: keys.PublicPEM, PrivateKeyPEM: keys.PrivatePEM}); err != nil {
		t.Fatalf("init test node: %v", err)
	}
	return db
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
	if m.PasswordHash, err = content.HashPassword(password); err != nil {
		t.Fatalf("hash password: %v", err)
	}
	k := testKeys(t)
	m.PublicKeyPEM, m.PrivateKeyPEM = k.PublicPEM, k.PrivatePEM
	if err := db.CreateMember(context.Background(), m); err != nil {
		t.Fatalf("create member %s: %v", username, err)
	}
	return m
}
