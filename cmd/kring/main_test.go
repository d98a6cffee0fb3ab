package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
)

// kringBin is the binary under test, built once by TestMain.
var kringBin string

// testVersion is stamped into the test binary with -ldflags -X.
const testVersion = "v0.0.0-test"

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kring-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kringBin = filepath.Join(dir, "kring")
	build := exec.Command("go", "build", "-o", kringBin, "-ldflags", "-X main.version="+testVersion, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build kring: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// runOpts are the extras of a run: environment (on top of a clean one) and
// standard input.
type runOpts struct {
	env   []string
	stdin string
}

// kring runs the binary with args and waits for it.
func kring(t *testing.T, args ...string) result {
	t.Helper()
	return kringWith(t, runOpts{}, args...)
}

func kringWith(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	r, err := execKring(o, args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// execKring runs the binary; an error means it could not run at all. It
// is safe in goroutines other than the test's.
func execKring(o runOpts, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kringBin, args...)
	cmd.Env = append(cleanEnv(), o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		return result{}, fmt.Errorf("run kring %s: %w", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}, nil
}

// cleanEnv is the test's environment without KRING_* variables, so that a
// developer's settings cannot leak into a test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KRING_") {
			env = append(env, kv)
		}
	}
	return env
}

// wantOK fails the test unless the run exited 0.
func wantOK(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// wantError checks a failed run: the exit code, and stderr being exactly
// the Error and Try lines.
func wantError(t *testing.T, r result, code int, msg, try string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, code, r.stderr)
	}
	want := "Error: " + msg + "\nTry: " + try + "\n"
	if diff := cmp.Diff(want, r.stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	wantNoCrash(t, r)
}

// wantErrorContains checks a failed run whose message holds fragments.
func wantErrorContains(t *testing.T, r result, code int, fragments ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Error: ") || !strings.HasPrefix(lines[1], "Try: ") {
		t.Errorf("stderr is not one Error: line and one Try: line:\n%s", r.stderr)
	}
	for _, f := range fragments {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("stderr does not mention %q:\n%s", f, r.stderr)
		}
	}
	wantNoCrash(t, r)
}

// wantNoCrash fails on what only a crash or a leaked low-level error prints.
func wantNoCrash(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", "sql: ", "Incorrect Usage", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr holds %q:\n%s", bad, r.stderr)
		}
	}
}

// initNode initialises a node in a new data folder and returns the folder.
func initNode(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	wantOK(t, kring(t, "init", "--host", "kring.test", "--data", dir))
	return dir
}

var passwordRE = regexp.MustCompile(`(?m)^Password: (\S+)$`)

// printedPassword finds the generated password a command printed.
func printedPassword(t *testing.T, stdout string) string {
	t.Helper()
	m := passwordRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no password printed:\n%s", stdout)
	}
	return m[1]
}

// openStorage opens a data folder's database from the test, beside any
// running kring process.
func openStorage(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), path, storage.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	fixtureOnce sync.Once
	fixtureKeys content.KeyPair
	fixtureHash string
	fixtureErr  error
)

// newFixtureMember is a valid member with one shared key pair and
// password hash, for tests that write many members quickly.
func newFixtureMember(username string) (*content.Member, error) {
	fixtureOnce.Do(func() {
		if fixtureKeys, fixtureErr = content.GenerateKeyPair(); fixtureErr == nil {
			fixtureHash, fixtureErr = content.HashPassword("fixture passphrase")
		}
	})
	if fixtureErr != nil {
		return nil, fixtureErr
	}
	m, err := content.NewMember(username, "", "", content.RoleMember, content.LanguageDutch)
	if err != nil {
		return nil, err
	}
	m.PasswordHash, m.PublicKeyPEM, m.PrivateKeyPEM = fixtureHash, fixtureKeys.PublicPEM, fixtureKeys.PrivatePEM
	return m, nil
}

func TestInterspersed(t *testing.T) {
	t.Parallel()
	commands := newApp(streams{}).Commands
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"flags after argument", []string{"kring", "user", "add", "bob", "--role", "admin", "--dev"},
			[]string{"kring", "user", "add", "--role", "admin", "--dev", "bob"}},
		{"flags before command", []string{"kring", "--data", "d", "user", "list"},
			[]string{"kring", "user", "list", "--data", "d"}},
		{"flag value looks like a command", []string{"kring", "--data", "user", "user", "list"},
			[]string{"kring", "user", "list", "--data", "user"}},
		{"equals form", []string{"kring", "backup", "f.db", "--data=d"},
			[]string{"kring", "backup", "--data=d", "f.db"}},
		{"bool flag takes no value", []string{"kring", "user", "reset-password", "--password-stdin", "bob"},
			[]string{"kring", "user", "reset-password", "--password-stdin", "bob"}},
		{"after -- all are arguments", []string{"kring", "user", "show", "--data", "d", "--", "-x"},
			[]string{"kring", "user", "show", "--data", "d", "--", "-x"}},
		{"argument named like a command", []string{"kring", "user", "add", "user"},
			[]string{"kring", "user", "add", "user"}},
		{"unknown subcommand stays first", []string{"kring", "user", "frob", "--data", "d"},
			[]string{"kring", "user", "frob", "--data", "d"}},
		{"help command", []string{"kring", "help", "user", "add"},
			[]string{"kring", "user", "add", "--help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, interspersed(tt.args, commands)); diff != "" {
				t.Errorf("interspersed(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}
