package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"kring/content"
)

// MediaFolder is the folder inside the data folder that holds uploaded
// images; the media table names the files in it.
const MediaFolder = "media"

// MediaDir is the media folder of the data folder dataDir.
func MediaDir(dataDir string) string { return filepath.Join(dataDir, MediaFolder) }

// Files keeps uploaded files in one folder. Names are checked against a
// strict pattern, so no name can reach outside the folder.
type Files struct{ Dir string }

// fileNameRE is what a stored file may be called: lower-case letters and
// digits (a random name) and the extension of an accepted image type.
var fileNameRE = regexp.MustCompile(`^[a-z0-9]+\.(jpg|png|webp|gif)$`)

// ValidFileName reports whether name may be a stored file's name.
func ValidFileName(name string) bool { return len(name) <= 100 && fileNameRE.MatchString(name) }

// NewMediaName names a new file with the extension ext (jpg, png, webp or
// gif): 128 random bits in hex, so that no image's address can be guessed
// from another's.
func NewMediaName(ext string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random media name: %w", err)
	}
	name := hex.EncodeToString(b) + "." + ext
	if err := checkFileName(name); err != nil {
		return "", err
	}
	return name, nil
}

func checkFileName(name string) error {
	if !ValidFileName(name) {
		return content.Errorf(content.KindInvalid, "name", "media.name", "%q is not a media file name", name)
	}
	return nil
}

// Put stores data as name, atomically: it is written to a temporary file,
// synced, renamed into place and the folder synced, so that after a crash
// the file is either whole or absent. The folder is made when missing.
func (f Files) Put(ctx context.Context, name string, data []byte) (err error) {
	if err := checkFileName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("create media folder: %w", err)
	}
	tmp, err := os.CreateTemp(f.Dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.Dir, name)); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	if err := syncDir(f.Dir); err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	return nil
}

// writeSynced writes data to the new file, makes it the node user's
// alone (the data folder is; kring serves media itself) and syncs it.
func writeSynced(file *os.File, data []byte) error {
	if _, err := file.Write(data); err != nil {
		return err
	}
	if err := file.Chmod(0o600); err != nil {
		return err
	}
	if err := file.Sync(); err != nil {
		return err
	}
	return file.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens the stored file name for reading. A missing file is a
// not-found error that also matches fs.ErrNotExist.
func (f Files) Open(name string) (*os.File, error) {
	if err := checkFileName(name); err != nil {
		return nil, err
	}
	file, err := os.Open(filepath.Join(f.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w (%w)", name, notFound("media file"), err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return file, nil
}

// Remove deletes the stored file name; a file already gone is no error.
func (f Files) Remove(name string) error {
	if err := checkFileName(name); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(f.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}
