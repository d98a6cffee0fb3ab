package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `kring serve`.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lockedBuffer
	done   chan struct{}
	err    error // from Wait, once done is closed
}

// freeAddr is a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts `kring serve` on a free port and waits until it logs
// that it listens. The process is killed when the test ends if it still
// runs.
func startServe(t *testing.T, o runOpts, args ...string) *server {
	t.Helper()
	return startServeOn(t, freeAddr(t), o, args...)
}

// stop sends SIGTERM and waits up to 15s for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("kring serve did not stop within 15s of SIGTERM:\n%s", s.stderr)
	}
	if s.err != nil {
		t.Fatalf("kring serve exited with %v after SIGTERM, want status 0:\n%s", s.err, s.stderr)
	}
}

var adminPasswordRE = regexp.MustCompile(`Created admin member "beheerder" with one-time password: (\S+) — log in at http://(\S+)/login and change it in Settings\.`)

func TestServeFirstStart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	// Everything by environment, as a container would set it.
	env := []string{"KRING_DATA=" + dir, "KRING_INIT_HOST=localhost:8080", "KRING_DEV=true"}
	s := startServe(t, runOpts{env: env})

	m := adminPasswordRE.FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no one-time admin password on stderr:\n%s", s.stderr)
	}
	if m[2] != "localhost:8080" {
		t.Errorf("login link host %q, want localhost:8080", m[2])
	}
	healthy(t, s.addr)
	s.stop(t)
	if !strings.Contains(s.stderr.String(), "msg=stopped") {
		t.Errorf("no stopped line after SIGTERM:\n%s", s.stderr)
	}

	db := openStorage(t, filepath.Join(dir, storage.FileName))
	ctx := context.Background()
	node, err := db.Node(ctx)
	if err != nil || node.Host != "localhost:8080" {
		t.Fatalf("node after serve --init-host: %v, %v", node, err)
	}
	admin, err := db.MemberByUsername(ctx, "beheerder")
	if err != nil {
		t.Fatal(err)
	}
	if admin.Role != content.RoleAdmin {
		t.Errorf("beheerder has role %s, want admin", admin.Role)
	}
	if ok, err := content.CheckPassword(admin.PasswordHash, m[1]); !ok || err != nil {
		t.Errorf("printed password does not verify: %v %v", ok, err)
	}

	t.Run("second start prints no password", func(t *testing.T) {
		s := startServe(t, runOpts{env: env})
		healthy(t, s.addr)
		s.stop(t)
		if strings.Contains(s.stderr.String(), "password") {
			t.Errorf("second start printed a password:\n%s", s.stderr)
		}
		if n, err := db.CountMembers(ctx); err != nil || n != 1 {
			t.Errorf("members after second start: %d, %v; want 1", n, err)
		}
	})
	t.Run("address in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addr := ln.Addr().String()
		r := kring(t, "serve", "--data", dir, "--listen", addr)
		wantError(t, r, 1, "cannot listen on "+addr+": bind: address already in use",
			"stop whatever uses "+addr+", or choose another address, e.g. --listen 127.0.0.1:8081")
	})
	t.Run("another host", func(t *testing.T) {
		wantErrorContains(t, kring(t, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--host", "kring.example.nl"), 1,
			`initialised for host "localhost:8080", not "kring.example.nl"`)
		wantErrorContains(t, kring(t, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--init-host", "kring.example.nl"), 1,
			`the host cannot change to "kring.example.nl"`)
	})
}

// healthy polls GET /healthz until it answers 200, for up to 15s.
func healthy(t testing.TB, addr string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not answer 200 within 15s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writer adds members through its own connection to the database until
// stopped, and remembers which commits succeeded.
type writer struct {
	mu        sync.Mutex
	committed []string
	err       error
	stop      chan struct{}
	done      chan struct{}
}

func startWriter(db *storage.DB, prefix string) *writer {
	w := &writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			name := fmt.Sprintf("%s%04d", prefix, i)
			m, err := newFixtureMember(name)
			if err == nil {
				err = db.CreateMember(context.Background(), m)
			}
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			w.committed = append(w.committed, name)
			w.mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return w
}

// snapshot is what has committed so far.
func (w *writer) snapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.committed...)
}

func (w *writer) finish(t *testing.T) []string {
	t.Helper()
	close(w.stop)
	<-w.done
	if w.err != nil {
		t.Fatalf("concurrent writer: %v", w.err)
	}
	return w.snapshot()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSIGTERMLosesNoCommittedWrite(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, runOpts{}, "--data", dir, "--init-host", "kring.test")

	// Writers are separate `kring user add` processes, as an operator's
	// script would run them beside the server.
	var (
		mu        sync.Mutex
		committed []string
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(committed) }
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("u%d_%03d", g, i)
				r, err := execKring(runOpts{}, "user", "add", name, "--data", dir)
				if err != nil || r.code != 0 {
					t.Errorf("user add %s: %v, exit %d\n%s", name, err, r.code, r.stderr)
					return
				}
				mu.Lock()
				committed = append(committed, name)
				mu.Unlock()
			}
		}()
	}
	waitFor(t, "the first user adds", func() bool { return count() >= 4 })
	s.stop(t)
	waitFor(t, "user adds after the stop", func() bool { return count() >= 6 })
	close(stop)
	wg.Wait()

	db := openStorage(t, filepath.Join(dir, storage.FileName))
	ctx := context.Background()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range committed {
		if _, err := db.MemberByUsername(ctx, name); err != nil {
			t.Errorf("member %s, whose user add succeeded, is missing: %v", name, err)
		}
	}
	t.Logf("%d members added by concurrent processes", len(committed))
}
