package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"kring/content"
	"kring/storage"
)

// doctorNode is an initialised node with a member and a forum, so that
// doctor has every kind of key to check.
func doctorNode(t *testing.T) string {
	t.Helper()
	dir := initNode(t)
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	wantOK(t, kring(t, "forum", "add", "opendata", "--data", dir))
	return dir
}

// doctorLines maps each check's name to its printed line (and fix).
func doctorLines(t *testing.T, stdout string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var last string
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if fix, ok := strings.CutPrefix(l, "      fix: "); ok && last != "" {
			out[last] += "\nfix: " + fix
			continue
		}
		m := regexp.MustCompile(`^(OK|FAIL|SKIP) +([a-z ]+): (.*)$`).FindStringSubmatch(l)
		if m == nil {
			continue
		}
		last = m[2]
		out[last] = m[1] + " " + m[3]
	}
	return out
}

var doctorChecksInOrder = []string{"data folder", "file permissions", "database", "migrations", "keys", "public host", "clock"}

func TestDoctorHealthyNode(t *testing.T) {
	t.Parallel()
	dir := doctorNode(t)
	r := kring(t, "doctor", "--dev", "--data", dir)
	wantOK(t, r)
	lines := doctorLines(t, r.stdout)
	for _, name := range doctorChecksInOrder {
		want := "OK "
		if name == "public host" || name == "clock" {
			want = "SKIP "
		}
		if !strings.HasPrefix(lines[name], want) {
			t.Errorf("%s: %q, want %s", name, lines[name], want)
		}
	}
	if !strings.Contains(lines["keys"], "4 key pairs parse and match") { // instance, organisation, alice, opendata
		t.Errorf("keys: %q, want the instance's, the organisation's, alice's and the forum's", lines["keys"])
	}
	if !strings.HasSuffix(r.stdout, "All checks passed.\n") {
		t.Errorf("doctor does not end with All checks passed:\n%s", r.stdout)
	}
}

// sqlExec changes a stopped node's database behind storage's back, as
// damage would.
func sqlExec(t *testing.T, dir, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestDoctorFindsEachProblem damages a node in one way per case; doctor
// names the damage on a FAIL line with its fix and exits 1.
func TestDoctorFindsEachProblem(t *testing.T) {
	t.Parallel()
	otherKey, err := content.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	closed := freeAddr(t) // nothing listens there
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string) string // returns the --data to check
		args   []string
		check  string
		want   []string // fragments of its line and fix
		root   bool     // needs root (chown)
	}{
		{name: "no data folder", check: "data folder",
			damage: func(t *testing.T, dir string) string { return filepath.Join(dir, "nope") },
			want:   []string{"FAIL", "does not exist", "kring init --host HOST --data"}},
		{name: "data folder open to others", check: "data folder",
			damage: func(t *testing.T, dir string) string { chmod(t, dir, 0o755); return dir },
			want:   []string{"FAIL", "is mode 0755", "chmod 700 "}},
		{name: "data folder of another user", check: "data folder", root: true,
			damage: func(t *testing.T, dir string) string {
				if err := os.Chown(dir, 4242, 4242); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			want: []string{"FAIL", "belongs to user 4242, not to you (user 0)", "chown -R USER "}},
		{name: "database readable by others", check: "file permissions",
			damage: func(t *testing.T, dir string) string {
				chmod(t, filepath.Join(dir, storage.FileName), 0o644)
				return dir
			},
			want: []string{"FAIL", "kring.db is mode 0644", "chmod 600 "}},
		{name: "damaged database", check: "database",
			damage: func(t *testing.T, dir string) string {
				corruptPages(t, filepath.Join(dir, storage.FileName))
				return dir
			},
			want: []string{"FAIL", "kring restore FILE --data NEWDIR"}},
		{name: "migration not applied", check: "migrations",
			damage: func(t *testing.T, dir string) string {
				sqlExec(t, dir, "DELETE FROM schema_migrations WHERE version = ?", storage.LatestVersion())
				return dir
			},
			want: []string{"FAIL", fmt.Sprintf("schema version %d; this kring needs %d", storage.LatestVersion()-1, storage.LatestVersion()), "kring migrate up"}},
		{name: "private key corrupted", check: "keys",
			damage: func(t *testing.T, dir string) string {
				sqlExec(t, dir, "UPDATE members SET private_key_pem = ? WHERE username = 'alice'", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
				return dir
			},
			want: []string{"FAIL", "member alice: private key does not parse", "kring keys rotate --actor NAME"}},
		{name: "private key of another pair", check: "keys",
			damage: func(t *testing.T, dir string) string {
				sqlExec(t, dir, "UPDATE forums SET private_key_pem = ? WHERE name = 'opendata'", otherKey.PrivatePEM)
				return dir
			},
			want: []string{"FAIL", "forum opendata: private key does not match the public key peers know"}},
		{name: "public host unreachable", check: "public host",
			damage: func(t *testing.T, dir string) string { return dir },
			args:   []string{"--resolve", "kring.test=" + closed},
			want:   []string{"FAIL", "cannot reach https://kring.test/healthz", "connection refused", "on a development node use --dev"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.root && os.Getuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := tc.damage(t, doctorNode(t))
			args := append([]string{"doctor", "--data", dir}, tc.args...)
			if tc.args == nil {
				args = append(args, "--dev")
			}
			r := kring(t, args...)
			if r.code != 1 {
				t.Errorf("exit code %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !regexp.MustCompile(`^Error: \d of 7 checks failed\nTry: fix what the FAIL lines say, then run kring doctor again\n$`).MatchString(r.stderr) {
				t.Errorf("stderr = %q", r.stderr)
			}
			wantNoCrash(t, r)
			line := doctorLines(t, r.stdout)[tc.check]
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("%s line does not say %q:\n%s\n(all of it:\n%s)", tc.check, w, line, r.stdout)
				}
			}
			nFail := 0
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, "FAIL") {
					nFail++
				}
			}
			if nFail != 1 {
				t.Errorf("%d FAIL lines, want only the damaged check's:\n%s", nFail, r.stdout)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// corruptPages overwrites the database's pages after the first few with
// a pattern, as a failing disk might: the header still says SQLite.
func corruptPages(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("\xa5", int(fi.Size())-3*4096))
	if _, err := f.WriteAt(junk, 3*4096); err != nil {
		t.Fatal(err)
	}
}

// TestDoctorPublicHost checks the HTTPS host and the clock against a TLS
// server on loopback that the client trusts.
func TestDoctorPublicHost(t *testing.T) {
	t.Parallel()
	var skew time.Duration
	status := http.StatusOK
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		w.WriteHeader(status)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case's handshake error
	ts.StartTLS()
	defer ts.Close()
	notAfter := ts.Certificate().NotAfter
	tests := []struct {
		name           string
		skew           time.Duration
		status         int
		now            func() time.Time
		wantHost       string
		wantClock      string
		wantHostDetail string
	}{
		{name: "all well", status: 200, now: time.Now, wantHost: "OK", wantClock: "OK", wantHostDetail: "answers 200, certificate valid until"},
		{name: "clock behind", skew: 10 * time.Minute, status: 200, now: time.Now, wantHost: "OK", wantClock: "FAIL"},
		{name: "clock ahead", skew: -3 * time.Minute, status: 200, now: time.Now, wantHost: "OK", wantClock: "FAIL"},
		{name: "skew within a minute", skew: 20 * time.Second, status: 200, now: time.Now, wantHost: "OK", wantClock: "OK"},
		{name: "server error", status: 502, now: time.Now, wantHost: "FAIL", wantClock: "OK", wantHostDetail: "answered 502"},
		{name: "certificate about to expire", status: 200, wantHost: "FAIL", wantHostDetail: "the certificate expires on",
			now: func() time.Time { return notAfter.Add(-24 * time.Hour) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the cases share the server's settings.
			skew, status = tc.skew, tc.status
			host, clock := checkPublicHost(context.Background(), ts.Client(), ts.URL, tc.now)
			if string(host.state) != tc.wantHost || !strings.Contains(host.detail, tc.wantHostDetail) {
				t.Errorf("public host: %s %s (fix %q), want %s ...%s...", host.state, host.detail, host.fix, tc.wantHost, tc.wantHostDetail)
			}
			if tc.wantClock != "" && string(clock.state) != tc.wantClock {
				t.Errorf("clock: %s %s, want %s", clock.state, clock.detail, tc.wantClock)
			}
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
		host, clock := checkPublicHost(context.Background(), client, ts.URL, time.Now)
		if host.state != checkFail || !strings.Contains(host.detail, "certificate") || clock.state != checkSkip {
			t.Errorf("an untrusted certificate: host %s %s, clock %s", host.state, host.detail, clock.state)
		}
	})
}

// scrapeProcess GETs a running node's metrics and parses them.
func scrapeProcess(t *testing.T, url, token string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s is not the Prometheus text format: %v", url, err)
	}
	return resp.StatusCode, families
}

func counterValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := families[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
				continue next
			}
		}
		if m.Counter != nil {
			return m.Counter.GetValue()
		}
		if m.Gauge != nil {
			return m.Gauge.GetValue()
		}
	}
	return -1
}

const processMetricsToken = "0123456789abcdef0123456789abcdef"

// TestServeMetrics runs kring serve with a metrics listener and a token:
// the public /metrics wants the token, the own listener serves the same
// registry, and page GETs move the request counter.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	metricsAddr := freeAddr(t)
	s := startServe(t, runOpts{env: []string{"KRING_METRICS_TOKEN=" + processMetricsToken}},
		"--data", dir, "--init-host", "kring.test", "--dev", "--metrics-listen", metricsAddr)
	if !strings.Contains(s.stderr.String(), "metrics=\"http://"+metricsAddr+"/metrics, public /metrics with bearer token\"") {
		t.Errorf("the listening line does not say where the metrics are:\n%s", s.stderr)
	}
	for range 3 {
		getPage(t, s.addr, "/")
	}
	if code, _ := scrapeProcess(t, "http://"+s.addr+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("public /metrics without the token: %d, want 401", code)
	}
	if code, _ := scrapeProcess(t, "http://"+s.addr+"/metrics", processMetricsToken[1:]+"x"); code != http.StatusUnauthorized {
		t.Errorf("public /metrics with a wrong token: %d, want 401", code)
	}
	for _, where := range []string{s.addr, metricsAddr} {
		code, m := scrapeProcess(t, "http://"+where+"/metrics", processMetricsToken)
		if code != http.StatusOK {
			t.Fatalf("%s/metrics with the token: %d", where, code)
		}
		if got := counterValue(m, "kring_http_requests_total", map[string]string{"route": "/{$}", "code": "200"}); got != 3 {
			t.Errorf("%s: kring_http_requests_total of / = %v, want 3", where, got)
		}
		for _, name := range []string{"go_goroutines", "kring_database_size_bytes", "kring_delivery_queue_pending", "kring_inbox_accepted_total"} {
			if counterValue(m, name, nil) < 0 {
				t.Errorf("%s: no %s", where, name)
			}
		}
	}
	s.stop(t)

	t.Run("off without a token or listener", func(t *testing.T) {
		s := startServe(t, runOpts{}, "--data", dir, "--dev")
		if code, _ := scrapeProcess(t, "http://"+s.addr+"/metrics", processMetricsToken); code != http.StatusNotFound {
			t.Errorf("public /metrics without a configured token: %d, want 404", code)
		}
		if !strings.Contains(s.stderr.String(), "metrics=off") {
			t.Errorf("the listening line does not say the metrics are off:\n%s", s.stderr)
		}
		s.stop(t)
	})
	t.Run("short token refused", func(t *testing.T) {
		wantError(t, kring(t, "serve", "--data", dir, "--dev", "--listen", "127.0.0.1:0", "--metrics-token", "kort"), 2,
			"--metrics-token has 4 characters; use at least 16", "KRING_METRICS_TOKEN=$(openssl rand -hex 32) kring serve ...")
	})
	t.Run("metrics address taken", func(t *testing.T) {
		busy := startServe(t, runOpts{}, "--data", filepath.Join(t.TempDir(), "other"), "--init-host", "other.test", "--dev")
		wantError(t, kring(t, "serve", "--data", dir, "--dev", "--listen", "127.0.0.1:0", "--metrics-listen", busy.addr), 1,
			"cannot listen on "+busy.addr+" for metrics: bind: address already in use",
			"stop whatever uses "+busy.addr+", or choose another address, e.g. --metrics-listen 127.0.0.1:9091")
		busy.stop(t)
	})
}

// TestServeJSONLogs: with --log-format json every log line is JSON, the
// lines of a request carry its X-Request-Id, and a login's password is in
// none of them.
func TestServeJSONLogs(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	const password = "paarden-batterij-nietje-42"
	wantOK(t, kringWith(t, runOpts{stdin: password + "\n"}, "user", "add", "alice", "--password-stdin", "--data", dir))
	s := startServeJSON(t, "--data", dir, "--dev", "--log-format", "json", "--log-level", "debug")

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := getWith(t, client, "http://"+s.addr+"/login", nil)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field on /login:\n%s", page)
	}
	for i, pw := range []string{"not-" + password, password} {
		form := url.Values{"csrf": {m[1]}, "username": {"alice"}, "password": {pw}}
		req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Request-Id", fmt.Sprintf("login-%d", i))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got != fmt.Sprintf("login-%d", i) {
			t.Errorf("X-Request-Id %q, want the one sent", got)
		}
		if wantOK := i == 1; wantOK != (resp.StatusCode == http.StatusSeeOther) {
			t.Errorf("login %d: status %d", i, resp.StatusCode)
		}
	}
	s.stop(t)

	logs := s.stderr.String()
	if strings.Contains(logs, password) || strings.Contains(logs, url.QueryEscape(password)) {
		t.Errorf("the log holds the password:\n%s", logs)
	}
	ids := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %v\n%s", err, line)
			continue
		}
		if id, ok := rec["request_id"].(string); ok {
			ids[id] = append(ids[id], rec["msg"].(string))
		}
	}
	if got := ids["login-0"]; !slices.Contains(got, "login refused") || !slices.Contains(got, "request") {
		t.Errorf("lines of the failed login: %v, want the refusal and the request line", got)
	}
	if got := ids["login-1"]; !slices.Contains(got, "login") || !slices.Contains(got, "request") {
		t.Errorf("lines of the login: %v, want the login and the request line", got)
	}
}

// startServeJSON is startServe for a server that logs JSON.
func startServeJSON(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), stderr: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(kringBin, append([]string{"serve", "--listen", s.addr}, args...)...)
	s.cmd.Env = cleanEnv()
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	waitFor(t, "kring serve to listen", func() bool { return strings.Contains(s.stderr.String(), `"msg":"listening"`) })
	return s
}

func getWith(t *testing.T, client *http.Client, url string, header http.Header) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
