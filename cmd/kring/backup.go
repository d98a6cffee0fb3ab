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
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"kring/storage"
)

// A backup is one tar file:
//
//	kring.db        the database, copied with SQLite's online backup
//	media/NAME      every uploaded image
//	MANIFEST.json   what the backup holds, written last (manifest below)
//
// The manifest comes last so that the files can be hashed while they are
// written; restore reads the whole archive into a temporary folder before
// it trusts any of it.
const (
	backupFormat    = "kring-backup"
	backupVersion   = 1
	manifestName    = "MANIFEST.json"
	maxManifestSize = 16 << 20
)

// manifest describes a backup.
type manifest struct {
	Format        string         `json:"format"`  // backupFormat
	Version       int            `json:"version"` // of the backup format: backupVersion
	KringVersion  string         `json:"kring_version"`
	SchemaVersion int            `json:"schema_version"`
	Created       time.Time      `json:"created"`
	Host          string         `json:"host"`
	Files         []manifestFile `json:"files"`
}

type manifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// backupConfig is what `kring backup` needs.
type backupConfig struct {
	commonConfig
	File string
}

func backupCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write the database and the uploaded images to one tar file, also while kring serve runs",
		ArgsUsage: "FILE",
		Description: "Copies the live database with SQLite's online backup and checks the copy's integrity,\n" +
			"then writes FILE: kring.db, media/ and MANIFEST.json (sizes and SHA-256 of every file).\n" +
			"FILE must not exist yet, e.g. kring-$(date +%F).tar. kring restore reads it back.",
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
			return runBackup(c.Context, backupConfig{commonConfig: common, File: args[0]}, s)
		},
	}
}

func runBackup(ctx context.Context, cfg backupConfig, s streams) error {
	if _, err := os.Lstat(cfg.File); err == nil {
		return failure("choose a new file name, or move the old file away first", "%s already exists", cfg.File)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s: %w", cfg.File, err)
	}
	dir := filepath.Dir(cfg.File)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return failure("mkdir -p "+dir+", or write the backup elsewhere", "folder %s does not exist", dir)
	}
	// No Migrate: a backup copies the database as it is, whatever its
	// schema, and must not change it under a running server.
	db, err := openDB(ctx, cfg.commonConfig, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	m := manifest{Format: backupFormat, Version: backupVersion, KringVersion: version, Created: time.Now().UTC()}
	if m.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return err
	}
	if node, err := db.Node(ctx); err == nil {
		m.Host = node.Host
	} else if !errors.Is(err, storage.ErrNotInitialised) {
		return err
	}

	work, err := os.MkdirTemp(dir, ".kring-backup-")
	if err != nil {
		return fmt.Errorf("backup work folder: %w", err)
	}
	defer os.RemoveAll(work)
	copyPath := filepath.Join(work, storage.FileName)
	progress, done := progressBar(s.err)
	err = db.Backup(ctx, copyPath, progress)
	done()
	if err != nil {
		return err
	}
	if err := checkBackup(ctx, copyPath); err != nil {
		return failure("run kring backup again to a new file; if it fails again, check the live database with kring doctor",
			"the copy of the database is damaged: %v", err)
	}
	// The images after the database: every image the copy names was
	// there before it (images never change once written).
	media, err := mediaFiles(storage.MediaDir(cfg.DataDir))
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	files := append([]backupSource{{name: storage.FileName, path: copyPath}}, media...)
	if err := writeBackup(cfg.File, files, &m); err != nil {
		return failure("check the disk space and permissions of "+dir+", then run kring backup again to a new file",
			"backup not written: %v", err)
	}
	fi, err := os.Stat(cfg.File)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Backup written to %s (%d KiB): the database (schema version %d, integrity ok) and %s\n",
		cfg.File, (fi.Size()+1023)/1024, m.SchemaVersion, images(len(media)))
	return nil
}

func images(n int) string {
	if n == 1 {
		return "1 image"
	}
	return fmt.Sprintf("%d images", n)
}

// backupSource is a file to put in the backup under name.
type backupSource struct{ name, path string }

// mediaFiles lists the uploaded images. Leftovers of an upload in progress
// (temporary names) stay out.
func mediaFiles(dir string) ([]backupSource, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []backupSource
	for _, e := range entries {
		if e.Type().IsRegular() && storage.ValidFileName(e.Name()) {
			out = append(out, backupSource{name: storage.MediaFolder + "/" + e.Name(), path: filepath.Join(dir, e.Name())})
		}
	}
	return out, nil
}

// writeBackup writes the tar beside dest and links it into place once it
// is complete and synced, so that dest is never a half backup and never
// overwrites a file that appeared meanwhile.
func writeBackup(dest string, files []backupSource, m *manifest) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".kring-backup-*.tar")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	tw := tar.NewWriter(tmp)
	for _, f := range files {
		mf, err := addFile(tw, f, m.Created)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		m.Files = append(m.Files, mf)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(b)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), dest); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dest))
}

// addFile copies one file into the archive, hashing it on the way.
func addFile(tw *tar.Writer, f backupSource, at time.Time) (manifestFile, error) {
	in, err := os.Open(f.path)
	if err != nil {
		return manifestFile{}, err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return manifestFile{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o600, Size: fi.Size(), ModTime: at, Typeflag: tar.TypeReg}); err != nil {
		return manifestFile{}, err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), in, fi.Size()); err != nil {
		return manifestFile{}, err
	}
	return manifestFile{Path: f.name, Size: fi.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// checkBackup opens the copy as Kring would and runs integrity_check.
func checkBackup(ctx context.Context, path string) error {
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		return err
	}
	err = db.IntegrityCheck(ctx)
	return errors.Join(err, db.Close())
}

// progressBar draws the copy's progress on w when w is a terminal; for a
// pipe or a log file it reports nothing.
func progressBar(w io.Writer) (progress storage.Progress, done func()) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	progress = func(copied, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("Backing up"),
				progressbar.OptionShowCount(), progressbar.OptionSetItsString("pages"), progressbar.OptionClearOnFinish())
		}
		if total != bar.GetMax() {
			bar.ChangeMax(total)
		}
		_ = bar.Set(copied)
	}
	return progress, func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
}
