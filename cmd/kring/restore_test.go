package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kring/storage"
)

// TestRestoreRefuses: restore fills only an empty data folder, and checks
// everything before it moves anything into place; a refused restore leaves
// no trace.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	image := "0123456789abcdef0123456789abcdef.png"
	if err := os.MkdirAll(storage.MediaDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(storage.MediaDir(dir), image), []byte("png"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good.tar")
	wantOK(t, kring(t, "backup", good, "--data", dir))
	names, entries, _ := readBackup(t, good)
	entryList := func(change func(name string, data []byte) (string, []byte, bool)) []tarEntry {
		var out []tarEntry
		for _, n := range names {
			name, data, keep := change(n, entries[n])
			if keep {
				out = append(out, tarEntry{name: name, data: data})
			}
		}
		return out
	}
	variant := func(name string, es []tarEntry) string {
		p := filepath.Join(t.TempDir(), name+".tar")
		writeTar(t, p, es)
		return p
	}
	flipped := append([]byte(nil), entries["media/"+image]...)
	flipped[0] ^= 1
	var man manifest
	if err := json.Unmarshal(entries["MANIFEST.json"], &man); err != nil {
		t.Fatal(err)
	}
	otherHost := man
	otherHost.Host = "elders.test"
	otherHostJSON, _ := json.Marshal(otherHost)
	newer := man
	newer.Version = 2
	newerJSON, _ := json.Marshal(newer)
	corruptDB := append([]byte(nil), entries["kring.db"]...)
	copy(corruptDB[0:16], "Not SQLite at al")
	corruptSum := sha256.Sum256(corruptDB)
	corruptMan := man
	corruptMan.Files = append([]manifestFile(nil), man.Files...)
	for i := range corruptMan.Files {
		if corruptMan.Files[i].Path == "kring.db" {
			corruptMan.Files[i].SHA256 = hex.EncodeToString(corruptSum[:])
		}
	}
	corruptManJSON, _ := json.Marshal(corruptMan)

	tests := []struct {
		name, file string
		msg        string // a fragment of the Error line
	}{
		{"changed image", variant("flipped", entryList(func(n string, d []byte) (string, []byte, bool) {
			if strings.HasPrefix(n, "media/") {
				return n, flipped, true
			}
			return n, d, true
		})), "media/" + image + ": SHA-256 differs from the manifest"},
		{"image missing", variant("missing", entryList(func(n string, d []byte) (string, []byte, bool) {
			return n, d, !strings.HasPrefix(n, "media/")
		})), "media/" + image + " is in the manifest but not in the archive"},
		{"no manifest", variant("nomanifest", entryList(func(n string, d []byte) (string, []byte, bool) {
			return n, d, n != "MANIFEST.json"
		})), "no MANIFEST.json"},
		{"file not in the manifest", variant("extra", append(entryList(func(n string, d []byte) (string, []byte, bool) { return n, d, true }),
			tarEntry{name: "media/ffffffffffffffffffffffffffffffff.png", data: []byte("x")})), "is not in the manifest"},
		{"path outside the folder", variant("escape", append([]tarEntry{{name: "../escape.txt", data: []byte("x")}},
			entryList(func(n string, d []byte) (string, []byte, bool) { return n, d, true })...)), `unexpected entry "../escape.txt"`},
		{"a symlink", variant("symlink", append([]tarEntry{{name: "media/a.png", typ: tar.TypeSymlink, link: "/etc/passwd"}},
			entryList(func(n string, d []byte) (string, []byte, bool) { return n, d, true })...)), `unexpected entry "media/a.png"`},
		{"manifest of another node", variant("otherhost", entryList(func(n string, d []byte) (string, []byte, bool) {
			if n == "MANIFEST.json" {
				return n, otherHostJSON, true
			}
			return n, d, true
		})), "the database is the node of kring.test, the manifest says elders.test"},
		{"damaged database", variant("corrupt", entryList(func(n string, d []byte) (string, []byte, bool) {
			switch n {
			case "kring.db":
				return n, corruptDB, true
			case "MANIFEST.json":
				return n, corruptManJSON, true
			}
			return n, d, true
		})), "the database does not open"},
		{"cut short", func() string {
			b, err := os.ReadFile(good)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "short.tar")
			if err := os.WriteFile(p, b[:len(b)/2], 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}(), "unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parent := t.TempDir()
			target := filepath.Join(parent, "data")
			r := kring(t, "restore", tc.file, "--data", target)
			wantErrorContains(t, r, 1, "backup "+tc.file+" is damaged", tc.msg, "was not touched")
			if left, _ := os.ReadDir(parent); len(left) > 0 {
				t.Errorf("a refused restore left %v behind in %s", left, parent)
			}
		})
	}
	t.Run("newer format", func(t *testing.T) {
		t.Parallel()
		file := variant("newer", entryList(func(n string, d []byte) (string, []byte, bool) {
			if n == "MANIFEST.json" {
				return n, newerJSON, true
			}
			return n, d, true
		}))
		wantError(t, kring(t, "restore", file, "--data", filepath.Join(t.TempDir(), "data")), 1,
			"the backup is of format version 2; this kring reads version 1",
			"restore it with the kring version that made it ("+testVersion+") or a newer one")
	})
	t.Run("not empty", func(t *testing.T) {
		t.Parallel()
		wantError(t, kring(t, "restore", good, "--data", dir), 1,
			dir+" is not empty: restore only fills an empty data folder, it never overwrites a node",
			"restore into a new folder (e.g. --data "+dir+"-restored), or move the contents of "+dir+" away first")
	})
	t.Run("a file", func(t *testing.T) {
		t.Parallel()
		wantError(t, kring(t, "restore", good, "--data", good), 1,
			good+" is a file, not a data folder", "choose a new folder with --data")
	})
	t.Run("missing backup", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nope.tar")
		target := filepath.Join(t.TempDir(), "data")
		wantError(t, kring(t, "restore", missing, "--data", target), 1,
			missing+" does not exist", "name a file that kring backup wrote, e.g. kring restore kring-2026-11-29.tar --data "+target)
	})
	t.Run("missing parent", func(t *testing.T) {
		t.Parallel()
		parent := filepath.Join(t.TempDir(), "no", "such")
		wantError(t, kring(t, "restore", good, "--data", filepath.Join(parent, "data")), 1,
			"folder "+parent+" does not exist", "mkdir -p "+parent+", or restore elsewhere")
	})
	t.Run("into an existing empty folder", func(t *testing.T) {
		t.Parallel()
		target := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		wantOK(t, kring(t, "restore", good, "--data", target))
		wantPerms(t, target)
		if got, err := os.ReadFile(filepath.Join(storage.MediaDir(target), image)); err != nil || string(got) != "png" {
			t.Errorf("restored image: %q, %v", got, err)
		}
	})
}
