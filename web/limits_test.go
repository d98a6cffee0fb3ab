package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// serveWith runs h on a real loopback listener with limits l.
func serveWith(t *testing.T, h http.Handler, l serverLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServerWith(h, slog.New(slog.DiscardHandler), l)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// shortLimits are the production limits with the read timeouts shortened
// to what a test can wait for.
func shortLimits(header, read time.Duration) serverLimits {
	l := defaultServerLimits()
	l.ReadHeader, l.Read = header, read
	return l
}

// trickle writes parts one every gap until the server closes the
// connection or the parts run out, and returns how long the server kept
// the connection and what it answered.
func trickle(t *testing.T, addr string, first string, parts int, gap time.Duration) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	answer := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // returns when the server closes
		answer <- string(b)
	}()
	if _, err := io.WriteString(conn, first); err != nil {
		t.Fatal(err)
	}
	for range parts {
		select {
		case a := <-answer:
			return time.Since(start), a
		case <-time.After(gap):
		}
		if _, err := io.WriteString(conn, "a"); err != nil {
			break // closed by the server
		}
	}
	select {
	case a := <-answer:
		return time.Since(start), a
	case <-time.After(5 * time.Second):
		return time.Since(start), "(still open)"
	}
}

// TestSlowHeadersCutOff: a slowloris client that sends its headers one
// byte at a time is cut off by ReadHeaderTimeout, long before it is done.
func TestSlowHeadersCutOff(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	addr := serveWith(t, n.srv, shortLimits(300*time.Millisecond, 10*time.Second))
	took, answer := trickle(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", 100, 50*time.Millisecond) // 5 s of header
	if took > 2*time.Second {
		t.Fatalf("a header sent over 5 s held the connection for %s (answer %q); ReadHeaderTimeout is 300ms", took, answer)
	}
	if strings.HasPrefix(answer, "HTTP/1.1 200") {
		t.Errorf("the slow request was served: %q", answer)
	}
}

// TestSlowBodyCutOff: a client that sends its headers promptly and then
// the body one byte at a time is cut off by ReadTimeout.
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	addr := serveWith(t, n.srv, shortLimits(2*time.Second, 500*time.Millisecond))
	head := "POST /login HTTP/1.1\r\nHost: " + n.srv.cfg.Host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
	took, answer := trickle(t, addr, head, 100, 50*time.Millisecond) // 5 s of body
	if took > 2500*time.Millisecond {
		t.Fatalf("a body sent over 5 s held the connection for %s (answer %q); ReadTimeout is 500ms", took, answer)
	}
	if strings.HasPrefix(answer, "HTTP/1.1 303") || strings.HasPrefix(answer, "HTTP/1.1 200") {
		t.Errorf("the slow request was served: %q", firstLine(answer))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// TestOversizedHeadersRefused: headers over MaxHeaderBytes (production
// value) get 431.
func TestOversizedHeadersRefused(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	addr := serveWith(t, n.srv, defaultServerLimits())
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := strings.Repeat("a", maxHeaderBytes+8<<10)
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", big)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers of %d KiB: status %d, want 431", len(big)>>10, resp.StatusCode)
	}
	// Just under the cap is fine.
	res := n.browser()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", maxHeaderBytes/2))
	if r := res.do(req); r.StatusCode != http.StatusOK {
		t.Errorf("headers of %d KiB: status %d, want 200", maxHeaderBytes>>11, r.StatusCode)
	}
}

// TestOversizedFormRefused: a form post over maxFormBytes gets 413, with
// or without a Content-Length that says so.
func TestOversizedFormRefused(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	big := url.Values{"csrf": {b.csrf("/login")}, "username": {"a"}, "password": {strings.Repeat("x", maxFormBytes)}}
	if res := b.post("/login", big); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("form of %d KiB: status %d, want 413", len(big.Encode())>>10, res.StatusCode)
	}
	req := b.postRequest("/login", big)
	req.Header.Set("Origin", n.ts.URL)
	req.ContentLength = -1 // chunked: the cap must hold while reading
	req.Body = io.NopCloser(strings.NewReader(big.Encode()))
	if res := b.do(req); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked form of %d KiB: status %d, want 413", len(big.Encode())>>10, res.StatusCode)
	}
}

// want429 checks a rate limit refusal: 429, a Retry-After in whole
// seconds, and the message in the page's language.
func want429(t *testing.T, res result, says string) {
	t.Helper()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429\n%s", res.StatusCode, res.body)
	}
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After %q, want whole seconds", res.Header.Get("Retry-After"))
	}
	if !strings.Contains(res.body, says) {
		t.Errorf("the page does not say %q\n%s", says, res.body)
	}
}

// TestPostingLimitPerAddress: saves from one address are limited across
// the members who write from it (blog posts and forum threads share the
// budget); another address is not.
func TestPostingLimitPerAddress(t *testing.T) {
	t.Parallel()
	x := newForumFixture(t)
	x.createForum(t, "koffie", "Koffie")
	x.n.srv.ipWriteLimit.set(2, 10*time.Minute)
	for _, b := range []*browser{x.alice, x.bob} {
		b.header.Set("X-Forwarded-For", "198.51.100.7")
	}
	preview := func(b *browser) result {
		return b.post("/write", url.Values{"csrf": {b.csrf("/write")}, "action": {"preview"}, "language": {"nl"},
			"title": {"Concept"}, "body": {"Hallo"}})
	}
	if res := preview(x.alice); res.StatusCode != http.StatusOK {
		t.Fatalf("alice's first save: %d", res.StatusCode)
	}
	if res := preview(x.bob); res.StatusCode != http.StatusOK {
		t.Fatalf("bob's first save: %d", res.StatusCode)
	}
	want429(t, preview(x.bob), "U slaat erg snel op")
	thread := x.alice.post("/f/koffie/new", url.Values{"csrf": {x.alice.csrf("/f/koffie/new")}, "title": {"Vraag"}, "body": {"Wie weet het?"}})
	want429(t, thread, "U slaat erg snel op")

	x.bob.header.Set("X-Forwarded-For", "198.51.100.8")
	if res := preview(x.bob); res.StatusCode != http.StatusOK {
		t.Errorf("from another address: %d, want 200", res.StatusCode)
	}
	x.bob.header.Set("Accept-Language", "en")
	x.bob.header.Set("X-Forwarded-For", "198.51.100.7")
	res := x.bob.post("/write", url.Values{"csrf": {x.bob.csrf("/write")}, "action": {"preview"}, "language": {"nl"},
		"title": {"Concept"}, "body": {"Hallo"}})
	if res.StatusCode == http.StatusTooManyRequests && !strings.Contains(res.body, "You are saving very quickly") && !strings.Contains(res.body, "U slaat erg snel op") {
		t.Errorf("the refusal has no message:\n%s", res.body)
	}
}

// TestEventSaveLimitPerAddress: event saves count against the address.
func TestEventSaveLimitPerAddress(t *testing.T) {
	t.Parallel()
	x := newForumFixture(t)
	x.n.srv.ipWriteLimit.set(1, 10*time.Minute)
	x.alice.header.Set("X-Forwarded-For", "198.51.100.9")
	form := func() url.Values {
		return url.Values{"csrf": {x.alice.csrf("/agenda/new")}, "action": {"preview"}, "title": {"Borrel"}, "body": {"Gezellig"},
			"start": {"2026-06-01T19:00"}, "end": {"2026-06-01T21:00"}, "time_zone": {"Europe/Amsterdam"}, "language": {"nl"}}
	}
	if res := x.alice.post("/agenda/new", form()); res.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("first event save refused: %d", res.StatusCode)
	}
	want429(t, x.alice.post("/agenda/new", form()), "U slaat erg snel op")
}

// TestRegistrationLimitPerAddress: registrations from one address are
// limited by their own budget, not the login's.
func TestRegistrationLimitPerAddress(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.registerLimit.set(2, time.Hour) })
	code := content.NewToken()
	if err := n.db.CreateInvite(context.Background(), code, &storage.Invite{MaxUses: 10, ExpiresAt: n.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := n.browser()
	b.header.Set("X-Forwarded-For", "203.0.113.20")
	register := func(username string) result {
		csrf := csrfRE.FindStringSubmatch(b.get("/register?invite=" + code).body)[1]
		return b.post("/register", url.Values{"csrf": {csrf}, "invite": {code}, "username": {username}, "display_name": {"Nieuw"},
			"password": {"kort"}, "confirm_password": {"kort"}}) // refused at the password: still an attempt
	}
	for i := range 2 {
		if res := register("nieuw" + strconv.Itoa(i)); res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused with 429", i+1)
		}
	}
	want429(t, register("nieuw2"), "Vanaf uw adres zijn te veel accounts aangemaakt")
	if ok, _ := n.srv.ipLimit.allow(ipKey(mustAddr("203.0.113.20"))); !ok {
		t.Error("registrations spent the login budget")
	}
	b.header.Set("X-Forwarded-For", "203.0.113.21")
	if res := register("nieuw3"); res.StatusCode == http.StatusTooManyRequests {
		t.Error("another address is refused too")
	}
}

// TestDataDownloadLimitPerAddress: each open-data download reads a whole
// dataset, so one address gets a budget of them; the catalogue and other
// addresses are not held up.
func TestDataDownloadLimitPerAddress(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.downloadLimit.set(2, time.Hour) })
	b := n.browser()
	b.header.Set("X-Forwarded-For", "203.0.113.30")
	for i, file := range []string{"posts.csv", "members.jsonld"} {
		if res := b.get("/data/" + file); res.StatusCode != http.StatusOK {
			t.Fatalf("download %d: %d", i+1, res.StatusCode)
		}
	}
	res := b.get("/data/events.csv")
	want429(t, res, "Te veel downloads vanaf uw adres")
	if res.Header.Get("Content-Disposition") != "" {
		t.Errorf("the refusal is offered as a download: %q", res.Header.Get("Content-Disposition"))
	}
	if res := b.get("/data/catalog.jsonld"); res.StatusCode != http.StatusOK {
		t.Errorf("the catalogue after the downloads: %d, want 200", res.StatusCode)
	}
	b.header.Set("X-Forwarded-For", "203.0.113.31")
	if res := b.get("/data/events.csv"); res.StatusCode != http.StatusOK {
		t.Errorf("another address: %d, want 200", res.StatusCode)
	}
}

func TestPerAddressLimitDefaults(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	for _, tt := range []struct {
		name   string
		l      *limiter
		max    int
		window time.Duration
	}{
		{"saves", n.srv.ipWriteLimit, 120, 10 * time.Minute},
		{"registrations", n.srv.registerLimit, 20, time.Hour},
		{"searches", n.srv.searchLimit, 60, time.Minute},
		{"open-data downloads", n.srv.downloadLimit, 60, 10 * time.Minute},
	} {
		if max, window := tt.l.limits(); max != tt.max || window != tt.window {
			t.Errorf("%s: %d per %v, want %d per %v", tt.name, max, window, tt.max, tt.window)
		}
	}
}

// TestWriteCapsNamed: a post over a cap is refused with a message that
// names the cap, at the form, in the page's language.
func TestWriteCapsNamed(t *testing.T) {
	t.Parallel()
	x := newForumFixture(t)
	x.createForum(t, "koffie", "Koffie")
	var tags, mentions []string
	for i := range content.MaxPostTags + 1 {
		tags = append(tags, "#tag"+strconv.Itoa(i))
	}
	for i := range content.MaxPostMentions + 1 {
		mentions = append(mentions, "@lid"+strconv.Itoa(i))
	}
	compose := func(body, extraTags string) result {
		return x.alice.post("/write", url.Values{"csrf": {x.alice.csrf("/write")}, "action": {"publish"}, "language": {"nl"},
			"title": {"Veel"}, "body": {body}, "tags": {extraTags}})
	}
	tests := []struct {
		name string
		res  func() result
		says string
	}{
		{"hashtags in the text", func() result { return compose(strings.Join(tags, " "), "") }, "hoogstens 20 hashtags"},
		{"text and tag field together", func() result { return compose(strings.Join(tags[:15], " "), "a b c d e f") }, "hoogstens 20 hashtags"},
		{"mentions", func() result { return compose(strings.Join(mentions, " "), "") }, "hoogstens 20 personen"},
		{"thread tags", func() result {
			return x.alice.post("/f/koffie/new", url.Values{"csrf": {x.alice.csrf("/f/koffie/new")}, "title": {"Vraag"},
				"body": {"Wie?"}, "tags": {strings.Join(tags, " ")}})
		}, "hoogstens 20 hashtags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.res()
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, tt.says) {
				t.Errorf("status %d, want 422 saying %q\n%s", res.StatusCode, tt.says, res.body)
			}
		})
	}
	if posts, _ := x.n.db.Posts(context.Background(), storageFilterAll()); len(posts) != 0 {
		t.Errorf("%d posts saved over the caps", len(posts))
	}
	// At the cap is fine.
	if res := compose(strings.Join(tags[:content.MaxPostTags], " "), ""); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a post with exactly %d hashtags: status %d, want 303", content.MaxPostTags, res.StatusCode)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
