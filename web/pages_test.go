package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	b := n.browser()
	css, _ := n.srv.static.url("kring.css")
	tests := []struct {
		name string
		res  func() result
		want int
	}{
		{"home", func() result { return b.get("/") }, 200},
		{"login", func() result { return b.get("/login") }, 200},
		{"profile", func() result { return b.get("/@alice") }, 200},
		{"not found", func() result { return b.get("/no/such/page") }, 404},
		{"unknown member", func() result { return b.get("/@nobody") }, 404},
		{"forbidden", func() result { return b.post("/login", url.Values{}) }, 403},
		{"method not allowed", func() result { return b.post("/@alice", url.Values{}) }, 405},
		{"static", func() result { return b.get(css) }, 200},
		{"missing static", func() result { return b.get("/static/nope.css") }, 404},
		{"health", func() result { return b.get("/healthz") }, 200},
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"X-Frame-Options":         "DENY",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.res()
			if res.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.want)
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if res.Header.Get("Permissions-Policy") == "" {
				t.Error("no Permissions-Policy")
			}
			if got := res.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("Strict-Transport-Security = %q in development, want none", got)
			}
		})
	}
}

func TestErrorPagesAreHTML(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	tests := []struct {
		name      string
		res       result
		status    int
		wantTitle string
	}{
		{"no route", b.get("/no/such/page"), 404, "Pagina niet gevonden"},
		{"not a handle", b.get("/logout"), 404, "Pagina niet gevonden"},
		{"wrong method", b.post("/@alice", url.Values{}), 405, "Niet toegestaan"},
		{"missing static file", b.get("/static/"), 404, "Pagina niet gevonden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", tt.res.StatusCode, tt.status)
			}
			if ct := tt.res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want HTML", ct)
			}
			if !strings.Contains(tt.res.body, "<h1>"+tt.wantTitle+"</h1>") {
				t.Errorf("page lacks <h1>%s</h1>:\n%s", tt.wantTitle, tt.res.body)
			}
		})
	}
	if allow := tests[2].res.Header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("405 Allow = %q, want GET listed", allow)
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	res := b.get("/healthz")
	if res.StatusCode != http.StatusOK || res.body != "ok" {
		t.Errorf("healthz = %d %q, want 200 \"ok\"", res.StatusCode, res.body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if len(res.Cookies()) != 0 {
		t.Errorf("healthz set cookies: %v", res.Cookies())
	}
	n.db.Close()
	if res := b.get("/healthz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed = %d, want 503", res.StatusCode)
	}
}

func TestHome(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	if err := n.db.UpdateNode(t.Context(), "Kring Utrecht", "Het netwerk van\nde gemeente.", "nl"); err != nil {
		t.Fatal(err)
	}
	n.member("alice", "Alice Jansen")
	n.member("bob", "Bob")
	n.member("carol", "")
	n.suspend("bob")
	body := n.browser().get("/").body
	for _, want := range []string{
		"<h1>Kring Utrecht</h1>",
		"Het netwerk van<br>de gemeente.",
		`<a href="/@alice">Alice Jansen</a>`,
		"@alice@" + n.srv.cfg.Host,
		`<a href="/@carol">carol</a>`,
		"<title>Start · Kring Utrecht</title>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(body, "/@bob") {
		t.Error("home page lists a suspended member")
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	alice := n.member("alice", "Alice Jansen")
	if err := n.db.UpdateProfile(t.Context(), alice.ID, "Alice Jansen", "Regel een\nRegel twee", "nl"); err != nil {
		t.Fatal(err)
	}
	n.member("bob", "")
	n.suspend("bob")
	b := n.browser()

	res := b.get("/@alice")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	joined := alice.CreatedAt.UTC()
	for _, want := range []string{
		"<h1>Alice Jansen</h1>",
		"@alice@" + n.srv.cfg.Host,
		"Regel een<br>Regel twee",
		`<time datetime="` + joined.Format("2006-01-02") + `">`,
		"Lid sinds",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("profile lacks %q", want)
		}
	}

	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/@nobody", 404, ""},
		{"/@bob", 410, ""},
		{"/@Alice", 301, "/@alice"},
		{"/@", 404, ""},
		{"/@a%20b", 404, ""},
		{"/alice", 404, ""},
	}
	for _, tt := range tests {
		res := b.get(tt.path)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s: status = %d, want %d", tt.path, res.StatusCode, tt.status)
		}
		if tt.location != "" && res.Header.Get("Location") != tt.location {
			t.Errorf("GET %s: Location = %q, want %q", tt.path, res.Header.Get("Location"), tt.location)
		}
	}
	if body := b.get("/@bob").body; !strings.Contains(body, "geschorst") {
		t.Errorf("410 page does not say the account is suspended:\n%s", body)
	}
}

func TestEscapesMemberText(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	const evil = `<script>alert(1)</script>`
	m := n.member("mallory", evil)
	if err := n.db.UpdateProfile(t.Context(), m.ID, evil, `"><img src=x onerror=alert(1)>`+"\n"+evil, "nl"); err != nil {
		t.Fatal(err)
	}
	b := n.browser()
	home := b.get("/").body
	profile := b.get("/@mallory").body
	b.login("mallory", testPassword)
	loggedIn := b.get("/settings").body
	for name, body := range map[string]string{"home": home, "profile": profile, "settings": loggedIn} {
		if strings.Contains(body, "<script") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s page contains unescaped member text", name)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s page does not show the escaped display name", name)
		}
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	versioned, err := n.srv.static.url("kring.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.get("/").body, `href="`+strings.ReplaceAll(versioned, "&", "&amp;")+`"`) {
		t.Errorf("pages do not link %s", versioned)
	}
	res := b.get(versioned)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s = %d %q", versioned, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("versioned Cache-Control = %q, want immutable", got)
	}
	if got := b.get("/static/kring.css").Header.Get("Cache-Control"); !strings.HasPrefix(got, "public, max-age=") || strings.Contains(got, "immutable") {
		t.Errorf("unversioned Cache-Control = %q, want a short public max-age", got)
	}
	req, _ := http.NewRequest(http.MethodGet, n.ts.URL+versioned, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if got := b.do(req).StatusCode; got != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", got)
	}
	if got := b.get("/static/../server.go").StatusCode; got == http.StatusOK {
		t.Error("static serves files outside static/")
	}
}

func TestStylesheetHasFocusStyles(t *testing.T) {
	css := string(mustStatic(t, "kring.css"))
	for _, want := range []string{":focus-visible", "outline:", ".skip-link:focus"} {
		if !strings.Contains(css, want) {
			t.Errorf("kring.css lacks %q", want)
		}
	}
}

func mustStatic(t *testing.T, name string) []byte {
	t.Helper()
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFormBodyLimit(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	token := b.csrf("/login")
	big := url.Values{"csrf": {token}, "username": {"alice"}, "password": {strings.Repeat("x", 70<<10)}}
	res := b.post("/login", big)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KiB form: status = %d, want 413", res.StatusCode)
	}
	if !strings.Contains(res.body, "te groot") {
		t.Errorf("413 page lacks the localised message:\n%s", res.body)
	}

	// Without a Content-Length the cap applies while reading.
	req, err := http.NewRequest(http.MethodPost, n.ts.URL+"/login", io.NopCloser(strings.NewReader(big.Encode())))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", n.ts.URL)
	if got := b.do(req).StatusCode; got != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked 70 KiB form: status = %d, want 413", got)
	}
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.srv.mux.Handle("GET /boom", n.srv.pageHandler(func(http.ResponseWriter, *http.Request) error { panic("boom") }))
	res := n.browser().get("/boom")
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", res.StatusCode)
	}
	if !strings.Contains(res.body, "Er ging iets mis") {
		t.Errorf("no localised error page:\n%s", res.body)
	}
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Error("500 page without security headers")
	}
	if !strings.Contains(n.logs.String(), "panic=boom") {
		t.Errorf("the panic was not logged:\n%s", n.logs)
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	const secret = "SELECT password_hash FROM members"
	n.srv.mux.Handle("GET /fail", n.srv.pageHandler(func(http.ResponseWriter, *http.Request) error {
		return &leakyError{secret}
	}))
	res := n.browser().get("/fail")
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", res.StatusCode)
	}
	if strings.Contains(res.body, secret) {
		t.Error("the error page shows the internal error")
	}
	id := res.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(res.body, id) {
		t.Errorf("the 500 page does not show the request id %q", id)
	}
	if !strings.Contains(n.logs.String(), secret) {
		t.Error("the internal error was not logged")
	}
}

type leakyError struct{ s string }

func (e *leakyError) Error() string { return e.s }

func TestRequestLog(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	b := n.browser()
	b.login("alice", testPassword)
	b.get("/@alice?secret=query")
	logs := n.logs.String()
	line := regexp.MustCompile(`(?m)^.*msg=request .*path=/@alice .*$`).FindString(logs)
	if line == "" {
		t.Fatalf("no request line for /@alice in:\n%s", logs)
	}
	for _, key := range []string{"request_id=", "method=GET", "status=200", "duration="} {
		if !strings.Contains(line, key) {
			t.Errorf("request line lacks %s: %s", key, line)
		}
	}
	for _, secret := range []string{testPassword, b.cookie("kring_session").Value, "secret=query"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

func TestCloseStopsSweeper(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.sweepEvery = 5 * time.Millisecond })
	m := n.member("alice", "")
	past := time.Now().Add(-time.Hour)
	if err := n.db.CreateSession(context.Background(), sessionAt(m.ID, past)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(n.logs.String(), "swept expired sessions") {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not delete the expired session")
		}
		time.Sleep(5 * time.Millisecond)
	}
	n.srv.Close()
	select {
	case <-n.srv.done:
	default:
		t.Error("Close returned while the sweeper still runs")
	}
	n.srv.Close() // a second Close is harmless
}

func TestNewValidatesConfig(t *testing.T) {
	db := storagetest.Open(t)
	for _, host := range []string{"", "https://kring.example.nl", "Kring.Example.nl", "kring.example.nl/x"} {
		if s, err := New(db, Config{Host: host}); err == nil {
			s.Close()
			t.Errorf("New with host %q: no error", host)
		}
	}
	if _, err := New(nil, Config{Host: "kring.example.nl"}); err == nil {
		t.Error("New without a database: no error")
	}
}

func TestRecorderWithoutLogger(t *testing.T) {
	db := storagetest.Open(t)
	s, err := New(db, Config{Host: "kring.example.nl", Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("GET / = %d, want 200", rec.Code)
	}
}

// sessionAt is a session row that expires at exp.
func sessionAt(memberID int64, exp time.Time) content.Session {
	return content.Session{TokenHash: hashToken(content.NewToken()), MemberID: memberID, CSRFToken: content.NewToken(),
		CreatedAt: exp.Add(-time.Hour), ExpiresAt: exp}
}
