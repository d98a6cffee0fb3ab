package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// testPassword is the password of every fixture member.
const testPassword = "correct horse battery"

// testNode is a real Server on loopback over a real SQLite database.
type testNode struct {
	t     *testing.T
	db    *storage.DB
	srv   *Server
	ts    *httptest.Server
	clock *fakeClock
	logs  *syncBuffer
}

// newTestNode starts a development node; adjust runs on the Server before
// it starts, to lower limits and the like.
func newTestNode(t *testing.T, adjust ...func(*Server)) *testNode {
	t.Helper()
	db := storagetest.Open(t)
	clock := &fakeClock{now: time.Now().UTC()}
	db.SetClock(clock.Now)
	logs := &syncBuffer{}
	ts := httptest.NewUnstartedServer(nil)
	s, err := newServer(db, Config{
		Host:   ts.Listener.Addr().String(),
		Dev:    true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	s.now = clock.Now
	for _, f := range adjust {
		f(s)
	}
	s.start()
	t.Cleanup(s.Close)
	ts.Config.Handler = s
	ts.Start()
	t.Cleanup(ts.Close)
	return &testNode{t: t, db: db, srv: s, ts: ts, clock: clock, logs: logs}
}

// member creates a member with testPassword and the given display name.
func (n *testNode) member(username, displayName string) *content.Member {
	n.t.Helper()
	m := storagetest.Member(n.t, n.db, username, content.RoleMember, testPassword)
	if displayName != "" {
		if err := n.db.UpdateProfile(context.Background(), m.ID, displayName, "", m.Language); err != nil {
			n.t.Fatalf("set display name of %s: %v", username, err)
		}
		m.DisplayName = displayName
	}
	return m
}

func (n *testNode) suspend(username string) {
	n.t.Helper()
	if err := n.db.SetMemberSuspended(context.Background(), username, true); err != nil {
		n.t.Fatalf("suspend %s: %v", username, err)
	}
}

// browser is a client with its own cookie jar that does not follow
// redirects, so tests see each 303.
type browser struct {
	t      *testing.T
	node   *testNode
	client *http.Client
	header http.Header // sent with every request
}

func (n *testNode) browser() *browser {
	n.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		n.t.Fatal(err)
	}
	return &browser{t: n.t, node: n, header: http.Header{}, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// result is a response with its body read.
type result struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) result {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s %s: %v", req.Method, req.URL, err)
	}
	return result{Response: resp, body: string(body)}
}

func (b *browser) get(path string) result {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.node.ts.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a browser on the node's own page would, with the
// node's Origin.
func (b *browser) post(path string, form url.Values) result {
	b.t.Helper()
	req := b.postRequest(path, form)
	req.Header.Set("Origin", b.node.ts.URL)
	return b.do(req)
}

func (b *browser) postRequest(path string, form url.Values) *http.Request {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.node.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf loads path and returns the token its forms carry.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	res := b.get(path)
	m := csrfRE.FindStringSubmatch(res.body)
	if m == nil {
		b.t.Fatalf("GET %s: no csrf field in page (status %d)", path, res.StatusCode)
	}
	return m[1]
}

// login logs in through the form and fails the test unless it worked.
func (b *browser) login(username, password string) {
	b.t.Helper()
	res := b.post("/login", url.Values{"csrf": {b.csrf("/")}, "username": {username}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d, want 303\n%s", username, res.StatusCode, res.body)
	}
}

// cookie returns the browser's cookie called name, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.node.ts.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookie plants a cookie, as an attacker or an old tab might.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.node.ts.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// responseCookie returns the Set-Cookie of res named name, or nil.
func responseCookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// htmlLang returns the lang attribute of the page's <html> element.
func htmlLang(body string) string {
	m := regexp.MustCompile(`<html lang="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer collects log output written from many request goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
