package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// logLines decodes JSON log output, one object a line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, l)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestRequestIDInAndOut: a sane X-Request-Id is kept and echoed; anything
// else is replaced by a generated id.
func TestRequestIDInAndOut(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, tc := range []struct {
		name, sent string
		keep       bool
	}{
		{"none sent", "", false},
		{"a proxy's uuid", "0b6a2c3e-5f1d-4c1a-9d7e-2f8b3a4c5d6e", true},
		{"letters digits and -_.:", "edge-1_a.b:c", true},
		{"too long", strings.Repeat("a", maxRequestIDLen+1), false},
		{"a space", "a b", false},
		{"a forged log line", "x\" level=ERROR msg=\"forged", false},
		{"non-ASCII", "ïd", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, n.ts.URL+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			res := n.browser().do(req)
			got := res.Header.Get("X-Request-Id")
			switch {
			case tc.keep && got != tc.sent:
				t.Errorf("X-Request-Id = %q, want the one sent, %q", got, tc.sent)
			case !tc.keep && !generated.MatchString(got):
				t.Errorf("X-Request-Id = %q, want a generated one", got)
			}
		})
	}
}

// TestRequestIDHandler: a line logged with a request's context carries its
// id once, whether or not the caller named it too.
func TestRequestIDHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(RequestIDHandler(slog.NewJSONHandler(&buf, nil)))
	if again := RequestIDHandler(logger.Handler()); again != logger.Handler() {
		t.Error("RequestIDHandler wrapped its own handler again")
	}
	ctx := withRequestID(context.Background(), "req-1")
	logger.InfoContext(ctx, "with context")
	logger.Info("without context")
	logger.InfoContext(ctx, "named too", "request_id", "req-1")
	logger.With("component", "inbox").WarnContext(ctx, "scoped")
	logger.With("request_id", "req-1").InfoContext(ctx, "named by With")
	lines := logLines(t, buf.String())
	want := []any{"req-1", nil, "req-1", "req-1", "req-1"}
	for i, l := range lines {
		if l["request_id"] != want[i] {
			t.Errorf("line %q: request_id %v, want %v", l["msg"], l["request_id"], want[i])
		}
	}
	if got := strings.Count(buf.String(), `"request_id"`); got != 4 {
		t.Errorf("request_id written %d times, want 4 (never twice on a line):\n%s", got, buf.String())
	}
	if RequestID(context.Background()) != "" {
		t.Error("RequestID of a bare context is not empty")
	}
}

// TestLogsOfLoginHoldNoPassword: logging in, failing to log in and
// changing the password leave the passwords out of every log line (debug
// level, JSON), and every line of those requests carries its request id.
func TestLogsOfLoginHoldNoPassword(t *testing.T) {
	t.Parallel()
	n, _ := newObservedNode(t, Config{})
	n.member("alice", "Alice")
	const wrong = "wrong horse battery staple"
	const newPassword = "a much newer horse battery"
	b := n.browser()
	b.header.Set("X-Request-Id", "login-attempt-1")
	res := b.post("/login", url.Values{"csrf": {b.csrf("/")}, "username": {"alice"}, "password": {wrong}})
	if res.StatusCode == http.StatusSeeOther {
		t.Fatal("a wrong password logged in")
	}
	b.header.Set("X-Request-Id", "login-2")
	b.login("alice", testPassword)
	b.header.Set("X-Request-Id", "password-change-3")
	res = b.post("/settings/password", url.Values{"csrf": {b.csrf("/settings")},
		"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d, want 303", res.StatusCode)
	}

	out := n.logs.String()
	for _, secret := range []string{testPassword, wrong, newPassword, url.QueryEscape(testPassword), url.QueryEscape(wrong)} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a password (%q):\n%s", secret, out)
		}
	}
	seen := map[string]int{}
	for _, l := range logLines(t, out) {
		if l["msg"] == "request" && l["request_id"] == nil {
			t.Errorf("request line without request_id: %v", l)
		}
		if id, ok := l["request_id"].(string); ok {
			seen[id]++
		}
	}
	for _, id := range []string{"login-attempt-1", "login-2", "password-change-3"} {
		if seen[id] < 2 {
			t.Errorf("request %s logged %d lines with its id, want its own line and the request line", id, seen[id])
		}
	}
}
