package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"kring/storage"
)

// readBackup reads a backup's entries by name, in their order.
func readBackup(t *testing.T, file string) (names []string, entries map[string][]byte, modes map[string]int64) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, modes = map[string][]byte{}, map[string]int64{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, entries, modes
		}
		if err != nil {
			t.Fatalf("%s is not a tar file: %v", file, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		entries[hdr.Name], modes[hdr.Name] = b, hdr.Mode
	}
}

// backupEntry is one file of a backup.
func backupEntry(t *testing.T, file, name string) []byte {
	t.Helper()
	_, entries, _ := readBackup(t, file)
	b, ok := entries[name]
	if !ok {
		t.Fatalf("backup %s holds no %s", file, name)
	}
	return b
}

// writeTar writes a tar of the given entries, in order, for damaged and
// hostile backups.
func writeTar(t *testing.T, path string, entries []tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.data)), Typeflag: typ, Linkname: e.link}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

type tarEntry struct {
	name string
	data []byte
	typ  byte
	link string
}

var backupWrittenRE = regexp.MustCompile(`^Backup written to (\S+) \(\d+ KiB\): the database \(schema version (\d+), integrity ok\) and (\d+) images?\n$`)

// TestBackupWhileServing: a backup taken while kring serve runs and another
// connection keeps writing holds every commit made before it began, is one
// tar of mode 0600, and its manifest names every file with its size and
// SHA-256.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, storage.FileName)
	s := startServe(t, runOpts{}, "--data", dir, "--init-host", "kring.test", "--dev")
	media := storage.MediaDir(dir)
	if err := os.MkdirAll(media, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"0123456789abcdef0123456789abcdef.png": "png", ".upload-123.tmp": "half"} {
		if err := os.WriteFile(filepath.Join(media, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	db := openStorage(t, path)
	w := startWriter(db, "w")
	waitFor(t, "the first writes", func() bool { return len(w.snapshot()) >= 10 })
	before := w.snapshot()

	file := filepath.Join(t.TempDir(), "kring-2026-11-29.tar")
	r := kring(t, "backup", file, "--data", dir)
	during := len(w.snapshot()) - len(before)
	written := w.finish(t)
	wantOK(t, r)
	m := backupWrittenRE.FindStringSubmatch(r.stdout)
	if m == nil || m[1] != file || m[3] != "1" {
		t.Errorf("backup stdout = %q, want Backup written to %s ... and 1 image", r.stdout, file)
	}
	if r.stderr != "" {
		t.Errorf("backup wrote to stderr (not a terminal, so no progress bar):\n%s", r.stderr)
	}
	t.Logf("%d members committed before the backup, %d during it, %d in all", len(before), during, len(written))
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 600", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".kring-backup-*")); len(left) > 0 {
		t.Errorf("backup left work files behind: %v", left)
	}

	names, entries, modes := readBackup(t, file)
	if want := []string{"kring.db", "media/0123456789abcdef0123456789abcdef.png", "MANIFEST.json"}; !cmp.Equal(names, want) {
		t.Errorf("backup holds %v, want %v (no temporary upload)", names, want)
	}
	for name, mode := range modes {
		if mode != 0o600 {
			t.Errorf("%s has mode %o in the tar, want 600", name, mode)
		}
	}
	var man manifest
	if err := json.Unmarshal(entries["MANIFEST.json"], &man); err != nil {
		t.Fatalf("manifest: %v\n%s", err, entries["MANIFEST.json"])
	}
	if man.Format != "kring-backup" || man.Version != 1 || man.Host != "kring.test" || man.SchemaVersion != storage.LatestVersion() ||
		man.KringVersion != testVersion || man.Created.IsZero() {
		t.Errorf("manifest %+v: want kring-backup version 1 of kring.test at schema %d, by %s, with its time", man, storage.LatestVersion(), testVersion)
	}
	if len(man.Files) != 2 {
		t.Fatalf("manifest lists %d files, want 2: %+v", len(man.Files), man.Files)
	}
	for _, f := range man.Files {
		sum := sha256.Sum256(entries[f.Path])
		if f.Size != int64(len(entries[f.Path])) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("manifest entry %+v does not match the file (%d bytes, %x)", f, len(entries[f.Path]), sum)
		}
	}

	// The database in it is whole and holds every earlier commit.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, entries["kring.db"], 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB := openStorage(t, copyPath)
	ctx := context.Background()
	if err := copyDB.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	members, err := copyDB.ListMembers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range members {
		have[m.Username] = true
	}
	for _, name := range append(before, "beheerder") {
		if !have[name] {
			t.Errorf("backup lacks member %s, committed before the backup began", name)
		}
	}

	t.Run("existing file refused", func(t *testing.T) {
		wantError(t, kring(t, "backup", file, "--data", dir), 1,
			file+" already exists", "choose a new file name, or move the old file away first")
	})
	t.Run("missing folder refused", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "no", "such")
		wantError(t, kring(t, "backup", filepath.Join(missing, "b.tar"), "--data", dir), 1,
			"folder "+missing+" does not exist", "mkdir -p "+missing+", or write the backup elsewhere")
	})
	s.stop(t)
}

// TestBackupRestoreServesSameContent is the acceptance test: a node with a
// blog post, an uploaded image, a forum thread and an event is backed up
// while it serves, restored into a fresh data folder, and the restored
// node serves the same pages and the same image bytes.
func TestBackupRestoreServesSameContent(t *testing.T) {
	t.Parallel()
	// Serve first: --dev makes the node's ids http://, and the commands
	// below build theirs as serve does.
	dir := filepath.Join(t.TempDir(), "data")
	orig := startServe(t, runOpts{}, "--data", dir, "--init-host", "kring.test", "--dev")
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	photo := writeTestFile(t, "photo.jpg", photoJPEG(t))
	r := kring(t, "media", "add", "--as", "alice", "--file", photo, "--alt", "Koffie op tafel", "--data", dir)
	wantOK(t, r)
	up := uploadedRE.FindStringSubmatch(r.stdout)
	if up == nil {
		t.Fatalf("media add says %q", r.stdout)
	}
	image := "/media/" + up[3]
	wantOK(t, kring(t, "post", "--as", "alice", "--title", "Open Koffie", "--text", "Koffie met ![Koffie op tafel]("+image+") en open data.", "--data", dir))
	wantOK(t, kring(t, "forum", "add", "opendata", "--title", "Open data", "--data", dir))
	thread := printedPage(t, kringOK(t, "thread", "new", "--as", "alice", "--forum", "opendata", "--title", "Welke datasets?", "--text", "Noem ze hier.", "--data", dir))
	event := printedPage(t, kringOK(t, "event", "new", "--as", "alice", "--title", "Datacafé", "--start", "2027-01-14 09:00", "--end", "2027-01-14 10:30",
		"--venue", "Stadhuis", "--city", "Utrecht", "--data", dir))
	paths := []string{"/@alice/open-koffie", image, pathOf(t, thread), pathOf(t, event), "/f/opendata", "/@alice"}

	want := map[string]string{}
	for _, p := range paths {
		want[p] = getPage(t, orig.addr, p)
	}
	if !strings.Contains(want["/@alice/open-koffie"], "Open Koffie") || !strings.Contains(want[pathOf(t, event)], "Datacafé") {
		t.Fatalf("the original node does not show the content:\n%s", want["/@alice/open-koffie"])
	}
	file := filepath.Join(t.TempDir(), "kring-2026-11-29.tar")
	wantOK(t, kring(t, "backup", file, "--data", dir))
	orig.stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	r = kring(t, "restore", file, "--data", restored)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "Restored "+file+" into "+restored+": node kring.test") || !strings.Contains(r.stdout, "1 image;") {
		t.Errorf("restore says %q", r.stdout)
	}
	wantPerms(t, restored)
	again := startServe(t, runOpts{}, "--data", restored, "--dev")
	for _, p := range paths {
		got := getPage(t, again.addr, p)
		if p == image {
			if got != want[p] {
				t.Errorf("GET %s: the restored image differs (%d bytes, want %d)", p, len(got), len(want[p]))
			}
			continue
		}
		if diff := cmp.Diff(normalisePage(want[p]), normalisePage(got)); diff != "" {
			t.Errorf("GET %s on the restored node differs (-original +restored):\n%s", p, diff)
		}
	}
	again.stop(t)
	wantOK(t, kring(t, "doctor", "--dev", "--data", restored))
}

// kringOK runs kring, wants it to work and returns its stdout.
func kringOK(t *testing.T, args ...string) string {
	t.Helper()
	r := kring(t, args...)
	wantOK(t, r)
	return r.stdout
}

func pathOf(t *testing.T, page string) string {
	t.Helper()
	u, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// getPage GETs a path as a visitor and wants 200.
func getPage(t *testing.T, addr, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
	}
	return string(b)
}

// csrfFieldRE is the one part of a page that differs per visitor.
var csrfFieldRE = regexp.MustCompile(`name="csrf" value="[^"]*"`)

func normalisePage(body string) string {
	return csrfFieldRE.ReplaceAllString(body, `name="csrf" value="…"`)
}

// wantPerms checks that a restored folder is its owner's alone.
func wantPerms(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", p, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
