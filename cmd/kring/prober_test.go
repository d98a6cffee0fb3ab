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
	"testing"
	"time"
)

// approbeDir finds ../shared/tools/approbe beside the module root, or ""
// when it is not there.
func approbeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "tools", "approbe")
	if _, err := os.Stat(filepath.Join(p, "go.mod")); err != nil {
		return ""
	}
	return p
}

// shellQuote quotes s for sh -c.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var proberLineRE = regexp.MustCompile(`^(PASS|FAIL|SKIP) (\S+)(?: (.*))?$`)

// TestProber runs the conformance prober against a node started as
// `make run` starts one, with a member alice, a trigger that makes her
// post and a forum for the group check: every check passes, none skipped.
func TestProber(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the prober against kring serve; not with -short")
	}
	t.Parallel()
	src := approbeDir(t)
	if src == "" {
		t.Log("approbe not present (../shared/tools/approbe): prober test not run")
		return
	}
	tmp := t.TempDir()
	probe := filepath.Join(tmp, "approbe")
	build := exec.Command("go", "build", "-o", probe, ".")
	build.Dir = src
	// The prober is its own module: never the workspace or vendor mode of
	// the caller.
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build approbe in %s: %v\n%s", src, err, out)
	}
	list, err := exec.Command(probe, "--list").CombinedOutput()
	if err != nil {
		t.Fatalf("approbe --list: %v", err)
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	if len(ids) < 10 || !strings.Contains(" "+strings.Join(ids, " ")+" ", " group ") {
		t.Fatalf("approbe --list gave an unexpected list of checks:\n%s", list)
	}

	// As `make run`: serve --data D --listen ADDR --dev --init-host HOST,
	// with a free port instead of 8080 and localhost as the host.
	data := filepath.Join(tmp, "data")
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	host := "localhost:" + port
	srv := startServeOn(t, addr, runOpts{}, "--data", data, "--dev", "--init-host", host)
	wantOK(t, kring(t, "user", "add", "alice", "--data", data))
	wantOK(t, kring(t, "forum", "add", "opendata", "--title", "Open data", "--data", data))

	trigger := strings.Join([]string{shellQuote(kringBin), "post", "--as", "alice", "--data", shellQuote(data), "--text", "'prober post'"}, " ")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, probe, "--target", "http://"+host, "--handle", "alice@"+host,
		"--group", "opendata@"+host, "--trigger", trigger, "--timeout", "6s")
	cmd.Env = cleanEnv()
	// The report is stdout; its summary is the last line there.
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run approbe: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	report := strings.TrimRight(stdout.String(), "\n")
	t.Logf("approbe took %s", time.Since(began).Round(100*time.Millisecond))
	defer func() {
		if t.Failed() {
			t.Logf("approbe stdout:\n%s\napprobe stderr:\n%s\nkring serve stderr (last lines):\n%s",
				report, stderr.String(), lastLines(srv.stderr.String(), 60))
		}
	}()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("approbe exit status %d, want 0", code)
	}

	got := map[string][]string{} // id -> status, detail
	var last string
	for _, l := range strings.Split(report, "\n") {
		if m := proberLineRE.FindStringSubmatch(l); m != nil {
			if _, dup := got[m[2]]; dup {
				t.Errorf("check %s reported twice", m[2])
			}
			got[m[2]] = []string{m[1], m[3]}
		}
		last = l
	}
	for _, id := range ids {
		r, ok := got[id]
		switch {
		case !ok:
			t.Errorf("check %s: no PASS, FAIL or SKIP line", id)
		case r[0] != "PASS":
			t.Errorf("check %s: %s %s", id, r[0], r[1])
		}
	}
	if want := fmt.Sprintf("%d passed, 0 failed, 0 skipped", len(ids)); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
	srv.stop(t)
}
