package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"kring/storage"
)

// The data folder holds the database, and the database every private key
// of the node: only the node's user may read it. serve refuses to start
// when it is open to others, and doctor reports the same findings.

// permProblem is one file or folder in the data folder that others may
// reach or that belongs to someone else, with the command that fixes it.
type permProblem struct {
	Path string
	What string // "is mode 0755: others may look inside", "belongs to user 0, ..."
	Fix  string // chmod 700 PATH, chown USER PATH
}

func (p permProblem) String() string { return p.Path + " " + p.What }

// privateFiles are the files and folders in the data folder that must be
// the node user's alone, with the mode each should have.
var privateFiles = []struct {
	name string
	mode fs.FileMode
}{
	{storage.FileName, 0o600},
	{storage.FileName + "-wal", 0o600},
	{storage.FileName + "-shm", 0o600},
	{storage.MediaFolder, 0o700},
}

// dataDirProblems checks the data folder itself: owned by whoever runs
// kring, no access for group or others.
func dataDirProblems(dir string, fi fs.FileInfo) []permProblem {
	return modeProblems(dir, fi, 0o700)
}

// dataFileProblems checks the database files and the media folder (the
// ones that exist) in the data folder dir.
func dataFileProblems(dir string) []permProblem {
	var out []permProblem
	for _, f := range privateFiles {
		path := filepath.Join(dir, f.name)
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			out = append(out, permProblem{Path: path, What: "cannot be checked: " + err.Error(), Fix: "check that you may read " + path})
			continue
		}
		out = append(out, modeProblems(path, fi, f.mode)...)
	}
	return out
}

// modeProblems compares one file's owner and mode with what it should be.
func modeProblems(path string, fi fs.FileInfo, want fs.FileMode) []permProblem {
	var out []permProblem
	if bad := ownerProblem(fi); bad != "" {
		out = append(out, permProblem{Path: path, What: bad, Fix: "run kring as the node's user, or chown -R USER " + path})
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		what := fmt.Sprintf("is mode %04o: others may read it (the database holds the node's private keys)", perm)
		if fi.IsDir() {
			what = fmt.Sprintf("is mode %04o: others may look inside (the database holds the node's private keys)", perm)
		}
		out = append(out, permProblem{Path: path, What: what, Fix: fmt.Sprintf("chmod %o %s", want, path)})
	}
	return out
}

// ownerProblem says what is wrong with a file's owner, or "".
func ownerProblem(fi fs.FileInfo) string {
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return ""
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Sprintf("belongs to user %d, not to you (user %d)", st.Uid, uid)
	}
	return ""
}

// checkServePermissions is serve's first step: a data folder, database or
// media folder that others may read stops the start, naming each path, its
// mode and the chmod that fixes it. A folder without a database is left to
// opening it, which says how to initialise the node or (--init-host)
// creates the files private.
func checkServePermissions(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, storage.FileName)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	problems := dataDirProblems(dir, fi)
	problems = append(problems, dataFileProblems(dir)...)
	if len(problems) == 0 {
		return nil
	}
	var what, fix []string
	for _, p := range problems {
		what = append(what, p.String())
		fix = append(fix, p.Fix)
	}
	return failure(strings.Join(fix, " && "),
		"refusing to start: the data folder must be readable by its user alone (it holds the private keys): %s", strings.Join(what, "; "))
}
