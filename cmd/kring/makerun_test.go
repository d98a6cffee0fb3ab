package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRun runs the README's first command, `make run`, with its data
// folder and address moved to temporary ones, and checks that the node it
// starts answers /healthz and serves the home page.
func TestMakeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the node through make; not with -short")
	}
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed: the README's commands need it (apt-get install make)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	data := filepath.Join(t.TempDir(), "data")
	bin := filepath.Join(t.TempDir(), "kring")
	cmd := exec.Command("make", "-s", "-C", root, "run", "DATA="+data, "LISTEN="+addr, "HOST=localhost:"+port, "BIN="+bin)
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // make's child must stop with it
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})

	deadline := time.Now().Add(180 * time.Second) // make builds the binary first
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		res, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("make run exited (%v) before the node answered:\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("make run: no healthy node within 180s:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	res, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<h1") {
		t.Fatalf("home page: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if !strings.Contains(out.String(), `Created admin member "beheerder" with one-time password`) {
		t.Errorf("make run printed no one-time admin password:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(data, "kring.db")); err != nil {
		t.Errorf("no database in the data folder: %v", err)
	}
}
