package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
)

// Exit codes: 1 for a command that could not do its work, 2 for a command
// line that makes no sense, 130 for an interrupt (128 + SIGINT, as shells do).
const (
	exitFailure   = 1
	exitUsage     = 2
	exitInterrupt = 130
)

// userError is an error the command explains in full: what went wrong and
// how to fix it.
type userError struct {
	msg  string
	try  string
	code int
}

func (e *userError) Error() string { return e.msg }

// failure is a user error with its fix.
func failure(try, format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...), try: try, code: exitFailure}
}

// usageError is a command line that makes no sense; the fix is the
// command's help.
func usageError(c *cli.Context, format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...), try: helpName(c) + " --help", code: exitUsage}
}

// onUsageError replaces urfave/cli's "Incorrect Usage" and help dump with
// the two lines every error prints.
func onUsageError(c *cli.Context, err error, _ bool) error {
	return usageError(c, "%v", err)
}

// helpName is the command as typed, e.g. "kring user add".
func helpName(c *cli.Context) string {
	if c.Command != nil && c.Command.HelpName != "" {
		return c.Command.HelpName
	}
	return "kring"
}

// dataDirError says which data folder an error is about, so that the
// message and the fix can name it.
type dataDirError struct {
	dir string
	err error
}

func (e *dataDirError) Error() string { return e.err.Error() }
func (e *dataDirError) Unwrap() error { return e.err }

func inDataDir(dir string, err error) error { return &dataDirError{dir: dir, err: err} }

// errNoNodeSettings marks a database file that exists but was never given
// the node's settings (an interrupted `kring init`).
var errNoNodeSettings = errors.New("no node settings")

// exitError turns an error into the line after "Error: ", the line after
// "Try: " (empty for none) and the exit code.
func exitError(err error) (msg, try string, code int) {
	dir := "DIR"
	var de *dataDirError
	if errors.As(err, &de) {
		dir = de.dir
	}
	var ue *userError
	switch {
	case errors.As(err, &ue):
		return ue.msg, ue.try, ue.code
	case errors.Is(err, storage.ErrNotInitialised):
		path := filepath.Join(dir, storage.FileName)
		why := path + " not found"
		if errors.Is(err, errNoNodeSettings) {
			why = path + " has no node settings"
		}
		return fmt.Sprintf("no Kring node in %s (%s)", dir, why),
			fmt.Sprintf("kring init --host HOST --data %s", dir), exitFailure
	case errors.Is(err, storage.ErrNewerSchema):
		return err.Error(), "run the newer kring binary, or restore a backup", exitFailure
	case errors.Is(err, context.Canceled):
		return "interrupted", "", exitInterrupt
	}
	if ce, ok := content.AsError(err); ok {
		return ce.Message, tryFor(ce), exitFailure
	}
	return err.Error(), "run it again with --log-level debug; if it keeps failing, report this message", exitFailure
}

// tryFor is the fix for a domain error, by its code and then its kind.
func tryFor(e *content.Error) string {
	switch code := e.Code; {
	case code == "username.taken":
		return "choose another name; kring user list and kring forum list show the taken ones"
	case code == "forum_name.taken":
		return "choose another name; kring user list and kring forum list show the taken ones"
	case strings.HasPrefix(code, "forum_name."):
		return fmt.Sprintf("use 1–%d lowercase letters, digits or _ that are not a reserved word, e.g. kring forum add opendata", content.MaxUsernameLen)
	case strings.HasPrefix(code, "username."):
		return fmt.Sprintf("use 1–%d lowercase letters, digits or _ that are not a reserved word, e.g. kring user add jdevries", content.MaxUsernameLen)
	case strings.HasPrefix(code, "password."):
		return fmt.Sprintf("use at least %d characters that are not the username, one repeated character or a well-known password; or leave out --password-stdin to get a generated one", content.MinPasswordLen)
	case code == "role.invalid":
		return "use member, moderator or admin"
	case code == "language.invalid":
		return "use --language nl or --language en"
	case code == "host.change":
		return "keep the host the node was initialised with, or use a new --data folder for a new node"
	case strings.HasPrefix(code, "host."):
		return "give the bare public host name, e.g. --host kring.example.nl (or localhost:8080 for development)"
	case strings.HasPrefix(code, "email."):
		return "give an address like naam@gemeente.nl, or leave out --email"
	case strings.HasPrefix(code, "display_name."):
		return fmt.Sprintf("use at most %d characters on one line", content.MaxDisplayNameLen)
	case strings.HasPrefix(code, "node_name."):
		return `give a name of 1–100 characters, e.g. --name "Kring Gemeente Utrecht"`
	case code == "forum.not_found":
		return "kring forum list shows the forums"
	case strings.HasPrefix(code, "org_handle."):
		return "choose another --org-handle: 1–30 lowercase letters, digits or _ that no member or forum has"
	}
	switch e.Kind {
	case content.KindNotFound:
		return "kring user list shows the members"
	case content.KindConflict:
		return "check what already exists and choose another value"
	case content.KindInvalid:
		if e.Field != "" {
			return "correct --" + strings.ReplaceAll(e.Field, "_", "-")
		}
	}
	return "kring --help"
}
