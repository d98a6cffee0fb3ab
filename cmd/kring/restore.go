package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"kring/storage"
)

// restoreConfig is what `kring restore` needs.
type restoreConfig struct {
	commonConfig
	File string
}

func restoreCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "put a backup of kring backup into a new, empty data folder",
		ArgsUsage: "FILE",
		Description: "Reads FILE into a temporary folder beside --data, checks every file's size and SHA-256\n" +
			"against the manifest and the database's integrity, and only then renames it into place as\n" +
			"--data (folder 0700, files 0600). --data must not exist or be empty: restore never overwrites.",
		Flags: commonFlags(),
		Action: func(c *cli.Context) error {
			args, err := needArgs(c, "FILE")
			if err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			return runRestore(c.Context, restoreConfig{commonConfig: common, File: args[0]}, s)
		},
	}
}

func runRestore(ctx context.Context, cfg restoreConfig, s streams) error {
	dir := filepath.Clean(cfg.DataDir)
	if err := checkEmptyDataDir(dir); err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return failure("mkdir -p "+parent+", or restore elsewhere", "folder %s does not exist", parent)
	}
	in, err := os.Open(cfg.File)
	if errors.Is(err, fs.ErrNotExist) {
		return failure("name a file that kring backup wrote, e.g. kring restore kring-2026-11-29.tar --data "+dir, "%s does not exist", cfg.File)
	}
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer in.Close()

	work, err := os.MkdirTemp(parent, ".kring-restore-")
	if err != nil {
		return fmt.Errorf("restore work folder: %w", err)
	}
	moved := false
	defer func() {
		if !moved {
			os.RemoveAll(work)
		}
	}()
	damaged := func(format string, args ...any) error {
		return failure("use another backup (the file may be cut short or changed); "+dir+" was not touched",
			"backup %s is damaged: %s", cfg.File, fmt.Sprintf(format, args...))
	}
	m, err := unpackBackup(in, work)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return err
		}
		return damaged("%v", err)
	}
	db, err := storage.Open(ctx, filepath.Join(work, storage.FileName), storage.Options{})
	if errors.Is(err, storage.ErrNewerSchema) {
		return failure("restore it with the kring version that made it ("+m.KringVersion+") or a newer one", "%v", err)
	}
	if err != nil {
		return damaged("the database does not open: %v", err)
	}
	err = db.IntegrityCheck(ctx)
	if err == nil {
		err = restoredMatches(ctx, db, m)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the restored database: %w", cerr)
	}
	if err != nil {
		return damaged("%v", err)
	}
	if err := restrictTree(work); err != nil {
		return fmt.Errorf("set permissions: %w", err)
	}
	// An empty dir is removed first (Remove fails on a folder that gained
	// files meanwhile, so nothing is ever overwritten), then the work
	// folder takes its name.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failure("restore into a new folder, or empty "+dir+" first", "cannot replace %s: %v", dir, err)
	}
	if err := os.Rename(work, dir); err != nil {
		return fmt.Errorf("move the restored data into place: %w", err)
	}
	moved = true
	if err := syncDir(parent); err != nil {
		return fmt.Errorf("sync %s: %w", parent, err)
	}
	fmt.Fprintf(s.out, "Restored %s into %s: node %s, schema version %d, backed up %s, %s; every checksum and the database's integrity ok\n",
		cfg.File, dir, m.Host, m.SchemaVersion, m.Created.Format(time.RFC3339), images(len(m.Files)-1))
	if m.SchemaVersion < storage.LatestVersion() {
		fmt.Fprintf(s.out, "The database is at schema version %d; kring serve migrates it to %d when it starts.\n", m.SchemaVersion, storage.LatestVersion())
	}
	fmt.Fprintf(s.out, "Start it with: kring serve --data %s\n", dir)
	return nil
}

// checkEmptyDataDir refuses a data folder that holds anything.
func checkEmptyDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(pe.Err, syscall.ENOTDIR) {
			return failure("choose a new folder with --data", "%s is a file, not a data folder", dir)
		}
		return fmt.Errorf("read %s: %w", dir, err)
	case len(entries) > 0:
		return failure("restore into a new folder (e.g. --data "+dir+"-restored), or move the contents of "+dir+" away first",
			"%s is not empty: restore only fills an empty data folder, it never overwrites a node", dir)
	}
	return nil
}

// unpackBackup writes the archive's files into dir and checks them
// against its manifest: every file listed, none more, each of the listed
// size and SHA-256. Only kring.db and media/NAME are accepted as names, so
// no entry can write outside dir.
func unpackBackup(r io.Reader, dir string) (*manifest, error) {
	tr := tar.NewReader(r)
	got := map[string]manifestFile{}
	var m *manifest
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a readable tar file: %w", err)
		}
		if hdr.Typeflag == tar.TypeDir && strings.TrimSuffix(hdr.Name, "/") == storage.MediaFolder {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("unexpected entry %q (type %q)", hdr.Name, hdr.Typeflag)
		}
		if hdr.Name == manifestName {
			if m != nil {
				return nil, errors.New("two manifests")
			}
			if m, err = readManifest(tr, hdr.Size); err != nil {
				return nil, err
			}
			continue
		}
		if !backupEntryName(hdr.Name) {
			return nil, fmt.Errorf("unexpected entry %q", hdr.Name)
		}
		if _, dup := got[hdr.Name]; dup {
			return nil, fmt.Errorf("%s appears twice", hdr.Name)
		}
		f, err := unpackFile(tr, dir, hdr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", hdr.Name, err)
		}
		got[hdr.Name] = f
	}
	if m == nil {
		return nil, errors.New("no " + manifestName + " (is it a backup of kring backup?)")
	}
	if _, found := got[storage.FileName]; !found {
		return nil, errors.New("no " + storage.FileName)
	}
	listed := map[string]bool{}
	for _, want := range m.Files {
		listed[want.Path] = true
		have, found := got[want.Path]
		switch {
		case !found:
			return nil, fmt.Errorf("%s is in the manifest but not in the archive", want.Path)
		case have.Size != want.Size:
			return nil, fmt.Errorf("%s has %d bytes, the manifest says %d", want.Path, have.Size, want.Size)
		case have.SHA256 != strings.ToLower(want.SHA256):
			return nil, fmt.Errorf("%s: SHA-256 differs from the manifest", want.Path)
		}
	}
	for name := range got {
		if !listed[name] {
			return nil, fmt.Errorf("%s is not in the manifest", name)
		}
	}
	return m, nil
}

// backupEntryName reports whether name is one a backup holds: kring.db or
// media/NAME with a stored file's name (no folders, no "..").
func backupEntryName(name string) bool {
	if name == storage.FileName {
		return true
	}
	folder, file := path.Split(name)
	return folder == storage.MediaFolder+"/" && storage.ValidFileName(file)
}

func readManifest(r io.Reader, size int64) (*manifest, error) {
	if size > maxManifestSize {
		return nil, fmt.Errorf("%s of %d bytes is too large", manifestName, size)
	}
	var m manifest
	if err := json.NewDecoder(io.LimitReader(r, size)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("%s is not a kring backup manifest (format %q)", manifestName, m.Format)
	}
	if m.Version != backupVersion {
		return nil, &userError{msg: fmt.Sprintf("the backup is of format version %d; this kring reads version %d", m.Version, backupVersion),
			try: "restore it with the kring version that made it (" + m.KringVersion + ") or a newer one", code: exitFailure}
	}
	return &m, nil
}

// unpackFile writes one entry under dir, hashing it on the way.
func unpackFile(r io.Reader, dir string, hdr *tar.Header) (manifestFile, error) {
	dst := filepath.Join(dir, filepath.FromSlash(hdr.Name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return manifestFile{}, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return manifestFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return manifestFile{}, err
	}
	return manifestFile{Path: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// restoredMatches checks that the database is the one the manifest
// describes.
func restoredMatches(ctx context.Context, db *storage.DB, m *manifest) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v != m.SchemaVersion {
		return fmt.Errorf("the database is at schema version %d, the manifest says %d", v, m.SchemaVersion)
	}
	node, err := db.Node(ctx)
	if err != nil {
		return fmt.Errorf("node settings: %w", err)
	}
	if node.Host != m.Host {
		return fmt.Errorf("the database is the node of %s, the manifest says %s", node.Host, m.Host)
	}
	return nil
}

// restrictTree makes the restored folder its owner's alone: folders 0700,
// files 0600. Opening the database may have left a WAL beside it.
func restrictTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		return os.Chmod(p, mode)
	})
}
