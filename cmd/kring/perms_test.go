package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"kring/storage"
)

// TestServeRefusesOpenDataFolder: serve does not start on a data folder
// that others may read, and says which path, its mode and the chmod.
func TestServeRefusesOpenDataFolder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path func(dir string) string
		mode fs.FileMode
		want string // the fix
	}{
		{"data folder 0755", func(dir string) string { return dir }, 0o755, "chmod 700 "},
		{"data folder 0710", func(dir string) string { return dir }, 0o710, "chmod 700 "},
		{"database 0644", func(dir string) string { return filepath.Join(dir, storage.FileName) }, 0o644, "chmod 600 "},
		{"WAL 0640", func(dir string) string { return filepath.Join(dir, storage.FileName+"-wal") }, 0o640, "chmod 600 "},
		{"media folder 0755", func(dir string) string { return storage.MediaDir(dir) }, 0o755, "chmod 700 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := initNode(t)
			path := tt.path(dir)
			if _, err := os.Stat(path); os.IsNotExist(err) {
				if err := os.WriteFile(path, nil, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			chmod(t, path, tt.mode)
			r := kring(t, "serve", "--data", dir, "--dev", "--listen", freeAddr(t))
			wantErrorContains(t, r, exitFailure, "refusing to start", fmt.Sprintf("%s is mode %04o", path, tt.mode), tt.want+path)
		})
	}

	t.Run("private folder starts", func(t *testing.T) {
		t.Parallel()
		dir := initNode(t)
		s := startServe(t, runOpts{}, "--data", dir, "--dev")
		s.stop(t)
	})
}

// TestInitCreatesPrivateFiles: whatever the umask, a new node's folder is
// 0700 and its database 0600, and the WAL and shared-memory files SQLite
// makes while serve runs take the database's mode. An empty folder made
// by hand (0755) is narrowed when the node is created in it.
func TestInitCreatesPrivateFiles(t *testing.T) {
	// Not parallel: the umask is the process's, inherited by the children.
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	fresh := initNode(t)
	byHand := filepath.Join(t.TempDir(), "byhand")
	if err := os.Mkdir(byHand, 0o755); err != nil {
		t.Fatal(err)
	}
	wantOK(t, kring(t, "init", "--host", "kring.test", "--data", byHand))
	served := filepath.Join(t.TempDir(), "served")
	s := startServe(t, runOpts{env: []string{"KRING_INIT_HOST=localhost:8080"}}, "--data", served, "--dev")
	defer s.stop(t)

	for _, dir := range []string{fresh, byHand, served} {
		wantMode(t, dir, 0o700)
		wantMode(t, filepath.Join(dir, storage.FileName), 0o600)
		wantMode(t, storage.MediaDir(dir), 0o700)
	}
	// The running node's WAL and shared memory.
	for _, f := range []string{storage.FileName + "-wal", storage.FileName + "-shm"} {
		wantMode(t, filepath.Join(served, f), 0o600)
	}
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s is mode %04o, want %04o", path, got, want)
	}
}
