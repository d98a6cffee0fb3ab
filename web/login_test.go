package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice Jansen")
	b := n.browser()

	token := b.csrf("/login")
	res := b.post("/login", url.Values{"csrf": {token}, "username": {"alice"}, "password": {testPassword}})
	if got, want := res.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("login status = %d, want %d\n%s", got, want, res.body)
	}
	if got, want := res.Header.Get("Location"), "/"; got != want {
		t.Errorf("login redirect = %q, want %q", got, want)
	}
	c := responseCookie(res.Response, "kring_session")
	if c == nil {
		t.Fatalf("login set no kring_session cookie; Set-Cookie: %q", res.Header.Values("Set-Cookie"))
	}
	if !c.HttpOnly {
		t.Error("session cookie is not HttpOnly")
	}
	if c.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie SameSite = %v, want Lax", c.SameSite)
	}
	if c.Path != "/" {
		t.Errorf("session cookie Path = %q, want /", c.Path)
	}
	if c.Secure {
		t.Error("session cookie is Secure in development mode; browsers would drop it over http")
	}
	if got, want := c.MaxAge, int(30*24*time.Hour/time.Second); got != want {
		t.Errorf("session cookie Max-Age = %d, want %d (30 days)", got, want)
	}
	if !validToken(c.Value) {
		t.Errorf("session cookie value %q is not a 256-bit token", c.Value)
	}

	home := b.get("/")
	if !strings.Contains(home.body, "Ingelogd als Alice Jansen") {
		t.Errorf("home page after login does not show the member's name:\n%s", home.body)
	}
	if strings.Contains(n.logs.String(), testPassword) || strings.Contains(n.logs.String(), c.Value) {
		t.Error("the log contains the password or the session token")
	}
}

func TestLoginStoresOnlyTokenHash(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	b := n.browser()
	b.login("alice", testPassword)
	token := b.cookie("kring_session").Value

	if _, _, err := n.db.SessionMember(t.Context(), token); err == nil {
		t.Error("the raw cookie token finds a session: the database must hold only its hash")
	}
	if _, _, err := n.db.SessionMember(t.Context(), hashToken(token)); err != nil {
		t.Errorf("no session under the token's SHA-256: %v", err)
	}
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	n.member("bob", "")
	n.suspend("bob")

	tests := []struct {
		name     string
		username string
		password string
		token    func(real string) string // nil: the real token
		header   map[string]string
		want     int
		wantText string
	}{
		{name: "wrong password", username: "alice", password: "not the password", want: 401,
			wantText: "De gebruikersnaam of het wachtwoord klopt niet."},
		{name: "unknown username", username: "nobody", password: testPassword, want: 401,
			wantText: "De gebruikersnaam of het wachtwoord klopt niet."},
		{name: "missing csrf token", username: "alice", password: testPassword, want: 403,
			token: func(string) string { return "" }, wantText: "Het formulier is verlopen"},
		{name: "wrong csrf token", username: "alice", password: testPassword, want: 403,
			token: func(string) string { return strings.Repeat("A", 43) }, wantText: "Het formulier is verlopen"},
		{name: "cross-site origin", username: "alice", password: testPassword, want: 403,
			header: map[string]string{"Origin": "https://evil.example"}, wantText: "Het formulier is verlopen"},
		{name: "null origin", username: "alice", password: testPassword, want: 403,
			header: map[string]string{"Origin": "null"}, wantText: "Het formulier is verlopen"},
		{name: "cross-site fetch", username: "alice", password: testPassword, want: 403,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantText: "Het formulier is verlopen"},
		{name: "suspended member", username: "bob", password: testPassword, want: 403,
			wantText: "Dit account is geschorst"},
		{name: "suspended member, wrong password", username: "bob", password: "not the password", want: 401,
			wantText: "De gebruikersnaam of het wachtwoord klopt niet."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := n.browser()
			token := b.csrf("/login")
			if tt.token != nil {
				token = tt.token(token)
			}
			req := b.postRequest("/login", url.Values{"csrf": {token}, "username": {tt.username}, "password": {tt.password}})
			req.Header.Set("Origin", n.ts.URL)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res := b.do(req)
			if res.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.want)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page does not say %q:\n%s", tt.wantText, res.body)
			}
			if c := responseCookie(res.Response, "kring_session"); c != nil && c.MaxAge >= 0 {
				t.Errorf("a refused login set a session cookie: %v", c)
			}
			if strings.Contains(res.body, "Ingelogd als") {
				t.Error("a refused login shows the visitor as logged in")
			}
		})
	}
}

func TestLoginMessageDoesNotRevealUsernames(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	b := n.browser()
	errorText := func(username string) string {
		res := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {username}, "password": {"not the password"}})
		i := strings.Index(res.body, `<div class="error-summary"`)
		j := strings.Index(res.body[max(i, 0):], `</div>`)
		if i < 0 || j < 0 {
			t.Fatalf("no error summary for %s:\n%s", username, res.body)
		}
		return strconv.Itoa(res.StatusCode) + res.body[i:i+j]
	}
	if known, unknown := errorText("alice"), errorText("nobody"); known != unknown {
		t.Errorf("answers differ for a known and an unknown username:\n%s\n%s", known, unknown)
	}
}

func TestLoginFormIsAccessible(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	page := b.get("/login").body
	for _, want := range []string{
		`<label for="username">`, `<label for="password">`,
		`autocomplete="username"`, `autocomplete="current-password"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("login form lacks %s", want)
		}
	}
	failed := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"x"}, "password": {"y"}}).body
	if !strings.Contains(failed, `id="login-error"`) || !strings.Contains(failed, `aria-describedby="login-error"`) {
		t.Errorf("the login error is not tied to the fields with aria-describedby:\n%s", failed)
	}
}

func TestLoginNext(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	tests := []struct{ next, want string }{
		{"/settings", "/settings"},
		{"/@alice?x=1", "/@alice?x=1"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"javascript:alert(1)", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			b := n.browser()
			res := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"alice"},
				"password": {testPassword}, "next": {tt.next}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status = %d, want 303", res.StatusCode)
			}
			if got := res.Header.Get("Location"); got != tt.want {
				t.Errorf("redirect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.accountLimit.set(3, 15*time.Minute) })
	n.member("alice", "")
	b := n.browser()
	attempt := func(ip, password string) result {
		b.header.Set("X-Forwarded-For", ip)
		return b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"alice"}, "password": {password}})
	}

	// Failures from different addresses still count against the account.
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		if res := attempt(ip, "wrong password"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status = %d, want 401", i+1, res.StatusCode)
		}
	}
	res := attempt("192.0.2.4", testPassword)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 3 failures, even the right password: status = %d, want 429", res.StatusCode)
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs <= 0 || secs > 15*60 {
		t.Errorf("Retry-After = %q, want seconds in (0, 900]", res.Header.Get("Retry-After"))
	}
	if !strings.Contains(res.body, "Te veel pogingen") {
		t.Errorf("429 page lacks the localised message:\n%s", res.body)
	}
	if responseCookie(res.Response, "kring_session") != nil {
		t.Error("a rate-limited login set a session cookie")
	}

	n.clock.Advance(15 * time.Minute)
	if res := attempt("192.0.2.5", testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: status = %d, want 303", res.StatusCode)
	}
}

func TestLoginSuccessResetsAccountLimit(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.accountLimit.set(3, 15*time.Minute) })
	n.member("alice", "")
	b := n.browser()
	fail := func() int {
		return b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"alice"}, "password": {"wrong"}}).StatusCode
	}
	fail()
	fail()
	b.login("alice", testPassword)
	b = n.browser()
	for i := range 3 {
		if got := fail(); got != http.StatusUnauthorized {
			t.Fatalf("failure %d after a successful login: status = %d, want 401 (the count should have restarted)", i+1, got)
		}
	}
	if got := fail(); got != http.StatusTooManyRequests {
		t.Errorf("4th failure: status = %d, want 429", got)
	}
}

func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.ipLimit.set(4, 15*time.Minute) })
	b := n.browser()
	attempt := func(ip, username string) result {
		b.header.Set("X-Forwarded-For", ip)
		return b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {username}, "password": {"wrong"}})
	}
	for i := range 4 {
		if res := attempt("198.51.100.7", "user"+strconv.Itoa(i)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status = %d, want 401", i+1, res.StatusCode)
		}
	}
	res := attempt("198.51.100.7", "someone_else")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("5th attempt from one address: status = %d, want 429", res.StatusCode)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if res := attempt("198.51.100.8", "user0"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("another address: status = %d, want 401", res.StatusCode)
	}
}

func TestLoginLimitDefaults(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	tests := []struct {
		name       string
		l          *limiter
		max        int
		wantWindow time.Duration
	}{
		{"per account", n.srv.accountLimit, 5, 15 * time.Minute},
		{"per address", n.srv.ipLimit, 20, 15 * time.Minute},
	}
	for _, tt := range tests {
		max, window := tt.l.limits()
		if max != tt.max || window != tt.wantWindow {
			t.Errorf("%s: %d per %v, want %d per %v", tt.name, max, window, tt.max, tt.wantWindow)
		}
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	old := b.cookie("kring_session").Value

	if res := b.get("/logout"); res.StatusCode == http.StatusOK || res.StatusCode == http.StatusSeeOther {
		t.Errorf("GET /logout: status = %d, want an error: logout must be a POST", res.StatusCode)
	}
	if res := b.post("/logout", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /logout without token: status = %d, want 403", res.StatusCode)
	}
	if !strings.Contains(b.get("/").body, "Ingelogd als Alice") {
		t.Fatal("a refused logout ended the session")
	}

	res := b.post("/logout", url.Values{"csrf": {b.csrf("/")}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("logout: status %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	if c := responseCookie(res.Response, "kring_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the session cookie: %v", c)
	}
	if strings.Contains(b.get("/").body, "Ingelogd als") {
		t.Error("still logged in after logout")
	}

	// The old cookie, replayed by someone who copied it, is dead.
	thief := n.browser()
	thief.setCookie("kring_session", old)
	if strings.Contains(thief.get("/").body, "Ingelogd als") {
		t.Error("the session cookie still works after logout")
	}
	if res := thief.get("/settings"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("settings with the old cookie: status = %d, want 303 to login", res.StatusCode)
	}
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	n.member("carol", "Carol")

	t.Run("planted cookie", func(t *testing.T) {
		b := n.browser()
		planted := strings.Repeat("p", 43)
		b.setCookie("kring_session", planted)
		b.login("alice", testPassword)
		if got := b.cookie("kring_session").Value; got == planted {
			t.Fatal("login kept the planted session token")
		}
		attacker := n.browser()
		attacker.setCookie("kring_session", planted)
		if strings.Contains(attacker.get("/").body, "Ingelogd als") {
			t.Error("the planted token became a session")
		}
	})

	t.Run("login again", func(t *testing.T) {
		b := n.browser()
		b.login("alice", testPassword)
		first := b.cookie("kring_session").Value
		b.login("carol", testPassword)
		second := b.cookie("kring_session").Value
		if first == second {
			t.Fatal("the session token did not change at login")
		}
		if !strings.Contains(b.get("/").body, "Ingelogd als Carol") {
			t.Error("second login did not take")
		}
		old := n.browser()
		old.setCookie("kring_session", first)
		if strings.Contains(old.get("/").body, "Ingelogd als") {
			t.Error("the previous session still works after logging in again")
		}
	})
}

func TestProductionCookies(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	s, err := New(db, Config{Host: "kring.example.nl"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	storagetest.Member(t, db, "dave", content.RoleMember, testPassword)

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://kring.example.nl/login", nil))
	csrf := responseCookie(rec.Result(), "__Host-kring_csrf")
	if csrf == nil {
		t.Fatalf("no __Host-kring_csrf cookie; Set-Cookie: %q", rec.Header().Values("Set-Cookie"))
	}
	if !csrf.Secure || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Path != "/" {
		t.Errorf("csrf cookie = %+v, want Secure, HttpOnly, SameSite=Strict, Path=/", csrf)
	}
	if got := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q, want it set outside development", got)
	}

	form := url.Values{"csrf": {csrf.Value}, "username": {"dave"}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "https://kring.example.nl/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://kring.example.nl")
	req.AddCookie(csrf)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: status = %d, want 303\n%s", rec.Code, rec.Body)
	}
	sess := responseCookie(rec.Result(), "__Host-kring_session")
	if sess == nil {
		t.Fatalf("no __Host-kring_session cookie; Set-Cookie: %q", rec.Header().Values("Set-Cookie"))
	}
	if !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" || sess.Domain != "" {
		t.Errorf("session cookie = %+v, want Secure, HttpOnly, SameSite=Lax, Path=/, no Domain", sess)
	}

	// An http:// origin is foreign outside development.
	req = httptest.NewRequest(http.MethodPost, "https://kring.example.nl/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://kring.example.nl")
	req.AddCookie(csrf)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("login from http origin: status = %d, want 403", rec.Code)
	}
}
