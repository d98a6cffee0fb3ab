package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAnonymousCSRFCookie(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	res := b.get("/login")
	c := responseCookie(res.Response, "kring_csrf")
	if c == nil {
		t.Fatalf("no kring_csrf cookie for an anonymous visitor; Set-Cookie: %q", res.Header.Values("Set-Cookie"))
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("kring_csrf = %+v, want HttpOnly, SameSite=Strict, Path=/", c)
	}
	if !strings.Contains(res.body, `name="csrf" value="`+c.Value+`"`) {
		t.Error("the form does not carry the cookie's token")
	}
	if again := b.get("/login"); responseCookie(again.Response, "kring_csrf") != nil {
		t.Error("the token is reissued on every page; open forms in other tabs would break")
	}

	// A token from another visitor's cookie is no good.
	other := n.browser()
	res = other.post("/language", url.Values{"csrf": {c.Value}, "lang": {"en"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("another visitor's token: status = %d, want 403", res.StatusCode)
	}
}

func TestMemberFormsNeedSessionToken(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	b := n.browser()
	anon := b.csrf("/login")
	b.login("alice", testPassword)
	sessionToken := b.csrf("/settings")
	if sessionToken == anon {
		t.Fatal("the logged-in page carries the anonymous token")
	}
	res := b.post("/settings/profile", url.Values{"csrf": {anon}, "display_name": {"Mallory"}, "language": {"nl"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("member form with the anonymous token: status = %d, want 403", res.StatusCode)
	}
	if !strings.Contains(res.body, "Het formulier is verlopen of kwam van een andere website") {
		t.Errorf("403 page lacks the localised message:\n%s", res.body)
	}
	res = b.post("/settings/profile", url.Values{"csrf": {sessionToken}, "display_name": {"Alice"}, "language": {"nl"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("member form with the session token: status = %d, want 303", res.StatusCode)
	}
}

func TestCSRFSameSiteFetchAllowed(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	for _, site := range []string{"same-origin", "same-site", "none"} {
		req := b.postRequest("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"en"}})
		req.Header.Set("Sec-Fetch-Site", site)
		if got := b.do(req).StatusCode; got != http.StatusSeeOther {
			t.Errorf("Sec-Fetch-Site %s without Origin: status = %d, want 303", site, got)
		}
	}
}

func TestNodeDefaultLanguage(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	if err := n.db.UpdateNode(t.Context(), "Kring", "", "en"); err != nil {
		t.Fatal(err)
	}
	b := n.browser()
	for _, al := range []string{"", "fr, de;q=0.5"} {
		b.header.Set("Accept-Language", al)
		if got := htmlLang(b.get("/").body); got != "en" {
			t.Errorf("Accept-Language %q on an English node: lang = %q, want en", al, got)
		}
	}
	b.header.Set("Accept-Language", "nl")
	if got := htmlLang(b.get("/").body); got != "nl" {
		t.Errorf("Accept-Language nl on an English node: lang = %q, want nl", got)
	}
}

// TestFormsAreValidUTF8 posts bytes that are not UTF-8: they arrive as
// U+FFFD, so nothing stored from a form can break what is built from it
// (calendar folding looped on such text before).
func TestFormsAreValidUTF8(t *testing.T) {
	t.Parallel()
	n, _ := newFederatedNode(t)
	n.member("alice", "Alice de Vries")
	b := n.browser()
	b.login("alice", testPassword)
	loc := publish(t, b, url.Values{"title": {"Caf\xe9 op de hoek"}, "body": {"Koffie \xff\xfe en meer"}})
	page := b.get(loc)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, page.StatusCode)
	}
	for _, want := range []string{"Caf\uFFFD op de hoek", "Koffie \uFFFD en meer"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if !utf8.ValidString(page.body) {
		t.Error("the page is not valid UTF-8")
	}
}
