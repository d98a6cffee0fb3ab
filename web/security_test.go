package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// The routes table walked: every route, generated from s.routes(), so
// that a route added tomorrow is checked without anyone listing it here.

// wildcardRE finds the {name} and {name...} parts of a route pattern.
var wildcardRE = regexp.MustCompile(`\{([a-z$]+)(\.\.\.)?\}`)

// routePath turns a route pattern into a method and a path that reaches
// its handler: each wildcard gets a value from vals (by its name), else "x".
func routePath(pattern string, vals map[string]string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = wildcardRE.ReplaceAllStringFunc(path, func(w string) string {
		name := wildcardRE.FindStringSubmatch(w)[1]
		if name == "$" {
			return ""
		}
		if v, ok := vals[name]; ok {
			return v
		}
		return "x"
	})
	return method, path
}

// securityFixture is a federated node with an admin (alice, so that admin
// pages render rather than refuse), a public and a followers-only post by
// her, and the wildcard values that reach them.
type securityFixture struct {
	n       *testNode
	admin   *browser
	anon    *browser
	vals    map[string]string
	private string // the followers-only post's page
}

func newSecurityFixture(t *testing.T) *securityFixture {
	t.Helper()
	n, _ := newFederatedNode(t)
	storagetest.Member(t, n.db, "alice", content.RoleAdmin, testPassword)
	admin := n.browser()
	admin.login("alice", testPassword)
	public := publish(t, admin, url.Values{"title": {"Een open bericht"}, "body": {"Voor iedereen #kring"}, "visibility": {"public"}})
	private := publish(t, admin, url.Values{"title": {"Alleen voor volgers"}, "body": {"Niet voor iedereen"}, "visibility": {"followers"}})
	slug := public[strings.LastIndexByte(public, '/')+1:]
	return &securityFixture{n: n, admin: admin, anon: n.browser(), private: private,
		vals: map[string]string{"handle": "@alice", "slug": slug, "action": "edit", "tag": "kring", "feed": "feed.rss"}}
}

// cspDirectives parses a Content-Security-Policy into its directives.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for d := range strings.SplitSeq(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

// checkPageHeaders asserts what every response of the web must carry,
// and what every HTML page must carry besides.
func checkPageHeaders(t *testing.T, what string, h http.Header, production bool) {
	t.Helper()
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	hsts := h.Get("Strict-Transport-Security")
	switch {
	case production && !regexp.MustCompile(`^max-age=([1-9][0-9]{7,})`).MatchString(hsts):
		t.Errorf("%s: Strict-Transport-Security %q, want max-age of a year or more in production", what, hsts)
	case !production && hsts != "":
		t.Errorf("%s: Strict-Transport-Security %q in development (plain http), want none", what, hsts)
	}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		checkCookie(t, what, c, production)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		return
	}
	csp := cspDirectives(h.Get("Content-Security-Policy"))
	scripts, ok := csp["script-src"]
	if !ok {
		scripts, ok = csp["default-src"]
	}
	if !ok {
		t.Errorf("%s: no script-src or default-src in the CSP %q", what, h.Get("Content-Security-Policy"))
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} {
		if slices.Contains(scripts, bad) || slices.Contains(csp["default-src"], bad) && bad != "data:" {
			t.Errorf("%s: the CSP lets scripts come from %s: %q", what, bad, h.Get("Content-Security-Policy"))
		}
	}
	if !slices.Equal(csp["frame-ancestors"], []string{"'none'"}) && h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: neither frame-ancestors 'none' nor X-Frame-Options DENY", what)
	}
	if !slices.Equal(csp["object-src"], []string{"'none'"}) || !slices.Equal(csp["base-uri"], []string{"'none'"}) {
		t.Errorf("%s: CSP without object-src 'none' and base-uri 'none': %q", what, h.Get("Content-Security-Policy"))
	}
	switch rp := h.Get("Referrer-Policy"); rp {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q leaks paths to other sites", what, rp)
	}
	if pp, ok := h["Permissions-Policy"]; ok && (len(pp) != 1 || !strings.Contains(pp[0], "camera=()")) {
		t.Errorf("%s: Permissions-Policy %q, want camera and the like off", what, pp)
	}
}

// checkCookie: no script may read a cookie, no other site send it, and in
// production it goes over HTTPS alone, pinned to this host by __Host-.
func checkCookie(t *testing.T, what string, c *http.Cookie, production bool) {
	t.Helper()
	if !c.HttpOnly {
		t.Errorf("%s: cookie %s is not HttpOnly", what, c.Name)
	}
	if c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode {
		t.Errorf("%s: cookie %s has SameSite %v, want Lax or Strict", what, c.Name, c.SameSite)
	}
	if production && (!c.Secure || !strings.HasPrefix(c.Name, "__Host-")) {
		t.Errorf("%s: cookie %s (Secure %v) in production, want Secure and the __Host- prefix", what, c.Name, c.Secure)
	}
	if strings.HasPrefix(c.Name, "__Host-") && (c.Path != "/" || c.Domain != "" || !c.Secure) {
		t.Errorf("%s: cookie %s breaks the __Host- rules: %+v", what, c.Name, c)
	}
}

// TestEveryPageSecurityHeaders walks every GET route of the table, as an
// anonymous visitor and as a logged-in admin, and checks the headers and
// cookies of each answer (pages, errors, redirects, feeds, files alike).
func TestEveryPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newSecurityFixture(t)
	pages := 0
	for _, rt := range f.n.srv.routes() {
		method, path := routePath(rt.pattern, f.vals)
		if method != http.MethodGet {
			continue
		}
		for _, who := range []struct {
			name string
			b    *browser
		}{{"anonymous", f.anon}, {"member", f.admin}} {
			res := who.b.get(path)
			checkPageHeaders(t, who.name+" GET "+path+" ("+rt.pattern+")", res.Header, false)
			if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && res.StatusCode == http.StatusOK {
				pages++
			}
		}
	}
	if pages < 30 {
		t.Errorf("only %d HTML pages answered 200: the walk reaches too few handlers to mean much", pages)
	}
}

// TestEveryFormRefusesCrossSite posts to every state-changing page route
// of the table without the form's token, or from another site with it:
// each answers 403 with the CSRF message before its handler runs.
func TestEveryFormRefusesCrossSite(t *testing.T) {
	t.Parallel()
	f := newSecurityFixture(t)
	token := f.admin.csrf("/settings")
	anonToken := f.anon.csrf("/login")
	checked := 0
	for _, rt := range f.n.srv.routes() {
		method, path := routePath(rt.pattern, f.vals)
		if !unsafeMethod(method) {
			continue
		}
		if rt.bare {
			t.Errorf("%s is a bare route: it skips CSRF protection", rt.pattern)
			continue
		}
		checked++
		cases := []struct {
			name    string
			b       *browser
			form    url.Values
			headers map[string]string
		}{
			{"member without token", f.admin, url.Values{}, map[string]string{"Origin": f.n.ts.URL}},
			{"member with another's token", f.admin, url.Values{"csrf": {anonToken}}, map[string]string{"Origin": f.n.ts.URL}},
			{"member, foreign origin", f.admin, url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example"}},
			{"member, null origin", f.admin, url.Values{"csrf": {token}}, map[string]string{"Origin": "null"}},
			{"member, cross-site fetch", f.admin, url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"anonymous without token", f.anon, url.Values{}, nil},
			{"anonymous, foreign origin", f.anon, url.Values{"csrf": {anonToken}}, map[string]string{"Origin": "https://evil.example"}},
		}
		for _, c := range cases {
			req := c.b.postRequest(path, c.form)
			req.Method = method
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			res := c.b.do(req)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "Het formulier is verlopen of kwam van een andere website") {
				t.Errorf("%s %s (%s), %s: status %d, want 403 with the CSRF message", method, path, rt.pattern, c.name, res.StatusCode)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d state-changing routes found in the table", checked)
	}
	// The fixture's own session still works: the refusals changed nothing.
	if !strings.Contains(f.admin.get("/").body, "Ingelogd als") {
		t.Error("a refused request ended the session")
	}
}

// TestProductionHeadersAndCookies walks the GET routes of a production
// node (HTTPS, no --dev) anonymously and logged in: HSTS everywhere, every
// cookie Secure with the __Host- prefix.
func TestProductionHeadersAndCookies(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	s, err := New(db, Config{Host: "kring.example.nl", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	storagetest.Member(t, db, "dave", content.RoleAdmin, testPassword)
	const base = "https://kring.example.nl"
	serve := func(req *http.Request, cookies []*http.Cookie) *httptest.ResponseRecorder {
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	rec := serve(httptest.NewRequest(http.MethodGet, base+"/login", nil), nil)
	csrf := responseCookie(rec.Result(), "__Host-kring_csrf")
	if csrf == nil {
		t.Fatalf("no __Host-kring_csrf cookie: %q", rec.Header().Values("Set-Cookie"))
	}
	form := url.Values{"csrf": {csrf.Value}, "username": {"dave"}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	rec = serve(req, []*http.Cookie{csrf})
	checkPageHeaders(t, "POST /login", rec.Header(), true)
	sess := responseCookie(rec.Result(), "__Host-kring_session")
	if sess == nil {
		t.Fatalf("login: %d, no session cookie", rec.Code)
	}
	for _, rt := range s.routes() {
		method, path := routePath(rt.pattern, map[string]string{"handle": "@dave"})
		if method != http.MethodGet {
			continue
		}
		for _, who := range []struct {
			name    string
			cookies []*http.Cookie
		}{{"anonymous", nil}, {"member", []*http.Cookie{sess}}} {
			rec := serve(httptest.NewRequest(http.MethodGet, base+path, nil), who.cookies)
			checkPageHeaders(t, who.name+" GET "+path, rec.Header(), true)
		}
	}
}

// TestFollowersOnlyPostPage: the page of a followers-only post is its
// author's to see on the web; anyone else, logged in or not, gets the
// 404 of a post that does not exist (the page has no way to know who
// follows from where), while a public post's page is open to all.
func TestFollowersOnlyPostPage(t *testing.T) {
	t.Parallel()
	f := newSecurityFixture(t)
	storagetest.Member(t, f.n.db, "bob", content.RoleMember, testPassword)
	bob := f.n.browser()
	bob.login("bob", testPassword)
	// carol follows alice (accepted), dave asked and waits: only carol reads.
	iris := f.n.srv.cfg.Federation.IRIs()
	for name, state := range map[string]content.FollowState{"carol": content.FollowAccepted, "dave": content.FollowPending} {
		storagetest.Member(t, f.n.db, name, content.RoleMember, testPassword)
		if err := f.n.db.PutFollow(context.Background(), &content.Follow{IRI: iris.Actor(name) + "#follow", Follower: iris.Actor(name),
			Followee: iris.Actor("alice"), State: state}); err != nil {
			t.Fatal(err)
		}
	}
	carol, dave := f.n.browser(), f.n.browser()
	carol.login("carol", testPassword)
	dave.login("dave", testPassword)
	missing := f.anon.get("/@alice/bestaat-niet")
	for _, c := range []struct {
		name string
		b    *browser
		want int
	}{{"author", f.admin, http.StatusOK}, {"anonymous", f.anon, http.StatusNotFound}, {"other member", bob, http.StatusNotFound},
		{"follower", carol, http.StatusOK}, {"pending follower", dave, http.StatusNotFound}} {
		res := c.b.get(f.private)
		if res.StatusCode != c.want {
			t.Errorf("%s: GET %s: %d, want %d", c.name, f.private, res.StatusCode, c.want)
		}
		if c.want == http.StatusNotFound && (strings.Contains(res.body, "Niet voor iedereen") || strings.Contains(res.body, "Alleen voor volgers")) {
			t.Errorf("%s: the 404 shows the post", c.name)
		}
		if c.want == http.StatusNotFound && res.Header.Get("Cache-Control") != missing.Header.Get("Cache-Control") {
			t.Errorf("%s: the 404 differs from a missing post's", c.name)
		}
	}
	if res := f.anon.get("/@alice/" + f.vals["slug"]); res.StatusCode != http.StatusOK {
		t.Errorf("public post page for anonymous: %d, want 200", res.StatusCode)
	}
}

// TestPasswordsNeverLogged runs every form that takes a password with a
// recognisable one: registration by invitation, login (right and wrong),
// a refused and an accepted password change. None of them may reach a log
// line, and no page may show one back, not even in a re-rendered form.
func TestPasswordsNeverLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := newTestNode(t)
	const (
		chosen  = "Zebrapad-7731-registratie"
		wrong   = "Zebrapad-7731-verkeerd"
		second  = "Zebrapad-7731-nieuwkeuze"
		mistype = "Zebrapad-7731-tikfout"
	)
	secrets := []string{chosen, wrong, second, mistype}
	code := content.NewToken()
	if err := n.db.CreateInvite(ctx, code, &storage.Invite{MaxUses: 2, ExpiresAt: n.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	check := func(what string, res result, want int) {
		t.Helper()
		if res.StatusCode != want {
			t.Errorf("%s: status %d, want %d", what, res.StatusCode, want)
		}
		bodies = append(bodies, what+"\n"+res.body+"\n"+res.Header.Get("Location"))
	}
	b := n.browser()
	page := b.get("/register?invite=" + code)
	token := csrfRE.FindStringSubmatch(page.body)[1]
	register := func(username, password, confirm string) result {
		return b.post("/register", url.Values{"csrf": {token}, "invite": {code}, "username": {username},
			"password": {password}, "confirm_password": {confirm}})
	}
	check("registration, confirmation differs", register("lid", chosen, mistype), http.StatusUnprocessableEntity)
	check("registration, password with the username", register("zebrapad", "zebrapad-is-mijn-naam", "zebrapad-is-mijn-naam"), http.StatusUnprocessableEntity)
	check("registration", register("lid", chosen, chosen), http.StatusSeeOther)
	check("logout", b.post("/logout", url.Values{"csrf": {b.csrf("/settings")}}), http.StatusSeeOther)

	login := func(password string) result {
		return b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "username": {"lid"}, "password": {password}})
	}
	check("failed login", login(wrong), http.StatusUnauthorized)
	check("login", login(chosen), http.StatusSeeOther)
	change := func(current, next, confirm string) result {
		return b.post("/settings/password", url.Values{"csrf": {b.csrf("/settings")},
			"current_password": {current}, "new_password": {next}, "confirm_password": {confirm}})
	}
	check("password change, wrong current", change(wrong, second, second), http.StatusUnprocessableEntity)
	check("password change, confirmation differs", change(chosen, second, mistype), http.StatusUnprocessableEntity)
	check("password change", change(chosen, second, second), http.StatusSeeOther)
	check("settings after the change", b.get("/settings"), http.StatusOK)

	logs := n.logs.String()
	if !strings.Contains(logs, "password changed") || !strings.Contains(logs, "registered with an invitation") {
		t.Fatalf("the log lacks the flows' own lines; is it captured?\n%s", logs)
	}
	for _, s := range append(secrets, "zebrapad-is-mijn-naam") {
		if strings.Contains(logs, s) {
			t.Errorf("password %q is in the log:\n%s", s, logs)
		}
		for _, body := range bodies {
			if strings.Contains(body, s) {
				what, _, _ := strings.Cut(body, "\n")
				t.Errorf("password %q is in the answer to %s", s, what)
			}
		}
	}
}
