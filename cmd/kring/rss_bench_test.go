package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdleRSS starts `kring serve` on a fresh data folder, serves a few
// pages, lets it sit idle and reports its resident memory (target: ≤ 30 MiB).
func BenchmarkIdleRSS(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	ln := freePort(b)
	cmd := exec.Command(kringBin, "serve", "--data", dir, "--listen", ln, "--dev", "--init-host", ln)
	cmd.Env = cleanEnv()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	healthy(b, ln)
	client := &http.Client{Timeout: 2 * time.Second}
	for i := 0; i < 50; i++ {
		for _, p := range []string{"/", "/login", "/@beheerder"} {
			if resp, err := client.Get("http://" + ln + p); err == nil {
				resp.Body.Close()
			}
		}
	}
	time.Sleep(3 * time.Second)
	for b.Loop() {
	}
	rss, err := residentKiB(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rss)/1024, "MiB-idle-RSS")
}

func freePort(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// residentKiB reads VmRSS from /proc.
func residentKiB(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
