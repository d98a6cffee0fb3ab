package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"kring/storage"
)

// backupConfig is what `kring backup` needs.
type backupConfig struct {
	commonConfig
	File string
}

func backupCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "copy the live database to a new file, also while kring serve runs",
		ArgsUsage: "FILE",
		Description: "Writes a consistent copy with SQLite's online backup, then opens the copy and\n" +
			"runs an integrity check. FILE must not exist yet.",
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

	progress, done := progressBar(s.err)
	err = db.Backup(ctx, cfg.File, progress)
	done()
	if err != nil {
		return err
	}
	if err := checkBackup(ctx, cfg.File); err != nil {
		return failure(fmt.Sprintf("run kring backup again to a new file; if it fails again, check the live database and keep %s for inspection", cfg.File),
			"backup %s is damaged: %v", cfg.File, err)
	}
	fi, err := os.Stat(cfg.File)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Backup written to %s (%d KiB), integrity ok\n", cfg.File, (fi.Size()+1023)/1024)
	n, err := backupMedia(storage.MediaDir(cfg.DataDir), cfg.File+".media")
	if err != nil {
		return failure("check the disk space and permissions of "+dir+", then run kring backup again to a new file",
			"images not copied: %v", err)
	}
	if n > 0 {
		fmt.Fprintf(s.out, "Images copied to %s (%d files)\n", cfg.File+".media", n)
	}
	return nil
}

// backupMedia copies the uploaded images after the database, so that every
// image the copy names is there. Images never change once written, so a
// hard link is a true copy where the file system allows one.
func backupMedia(from, to string) (int, error) {
	entries, err := os.ReadDir(from)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := os.Mkdir(to, 0o700); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !storage.ValidFileName(e.Name()) {
			continue // temporary files of an upload in progress
		}
		src, dst := filepath.Join(from, e.Name()), filepath.Join(to, e.Name())
		if err := os.Link(src, dst); err != nil {
			if err := copyFile(src, dst); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
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
