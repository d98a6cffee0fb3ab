package storage

import (
	"context"
	"errors"
	"fmt"
	"os"

	"modernc.org/sqlite"
)

// backuper is the online-backup method of modernc's driver connection.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// Progress is told how many pages of the total have been copied.
type Progress func(done, total int)

// Backup writes a consistent copy of the live database to dest with
// SQLite's online backup, while other connections keep writing. The copy
// is written beside dest and renamed into place only when complete, so a
// failed backup never leaves a half file under dest's name.
func (db *DB) Backup(ctx context.Context, dest string, progress Progress) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup to %s: file exists; choose a new file name", dest)
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp)
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return errors.New("sqlite driver does not support online backup")
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return err
		}
		return copyPages(ctx, bk, progress)
	})
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	// Link, not rename: it fails if dest appeared meanwhile, never overwriting.
	err = os.Link(tmp, dest)
	os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

// backupStep is how many pages one step copies. A write by another
// connection restarts the copy, so after a few restarts the rest is copied
// in a single step under one read lock.
const backupStep = 256

func copyPages(ctx context.Context, bk *sqlite.Backup, progress Progress) error {
	steps := 0
	for {
		if err := ctx.Err(); err != nil {
			bk.Finish()
			return err
		}
		n := int32(backupStep)
		if steps > 4 && bk.PageCount() > 0 && steps*backupStep > 4*bk.PageCount() {
			n = -1
		}
		more, err := bk.Step(n)
		if err != nil {
			bk.Finish()
			return err
		}
		steps++
		if progress != nil {
			total := bk.PageCount()
			progress(total-bk.Remaining(), total)
		}
		if !more {
			return bk.Finish()
		}
	}
}
