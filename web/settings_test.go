package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kring/content"
)

func TestSettingsRequiresLogin(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()

	res := b.get("/settings")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fsettings" {
		t.Errorf("GET /settings anonymous: %d to %q, want 303 to /login?next=%%2Fsettings", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/settings/profile", "/settings/password"} {
		res := b.post(path, url.Values{"csrf": {b.csrf("/")}, "display_name": {"x"}, "language": {"nl"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s anonymous: status = %d, want 401", path, res.StatusCode)
		}
	}
}

func TestSaveProfile(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	m := n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)

	res := b.post("/settings/profile", url.Values{
		"csrf":         {b.csrf("/settings")},
		"display_name": {"  Alice de Vries  "},
		"bio":          {"Beleidsmedewerker.\r\nGemeente Utrecht."},
		"language":     {"en"},
	})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?saved=profile" {
		t.Fatalf("save: %d to %q, want 303 to /settings?saved=profile\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	got, err := n.db.MemberByID(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Alice de Vries" || got.Bio != "Beleidsmedewerker.\nGemeente Utrecht." || got.Language != content.LanguageEnglish {
		t.Errorf("stored profile = %q, %q, %q; want the trimmed name, the bio with \\n and en", got.DisplayName, got.Bio, got.Language)
	}

	page := b.get("/settings?saved=profile")
	if htmlLang(page.body) != "en" {
		t.Errorf("after choosing English the page language is %q", htmlLang(page.body))
	}
	if !strings.Contains(page.body, "Your profile has been saved.") {
		t.Error("no confirmation after saving")
	}
	if !strings.Contains(page.body, "Logged in as Alice de Vries") {
		t.Error("header does not show the new display name")
	}
	profile := b.get("/@alice").body
	if !strings.Contains(profile, "Beleidsmedewerker.<br>Gemeente Utrecht.") {
		t.Errorf("profile does not show the bio with a line break:\n%s", profile)
	}
}

func TestSaveProfileInvalid(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	m := n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)

	tests := []struct {
		name     string
		form     url.Values
		field    string
		wantText string
	}{
		{"display name too long", url.Values{"display_name": {strings.Repeat("a", 101)}, "language": {"nl"}},
			"display_name", "De weergavenaam is langer dan 100 tekens."},
		{"display name with a line break", url.Values{"display_name": {"a\nb"}, "language": {"nl"}},
			"display_name", "regelovergangen"},
		{"bio too long", url.Values{"display_name": {"Alice"}, "bio": {strings.Repeat("b", 2001)}, "language": {"nl"}},
			"bio", "langer dan 2000 tekens"},
		{"unknown language", url.Values{"display_name": {"Alice"}, "language": {"fr"}},
			"language", "Kies Nederlands of Engels."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", b.csrf("/settings"))
			res := b.post("/settings/profile", tt.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page does not say %q", tt.wantText)
			}
			if !strings.Contains(res.body, `id="`+tt.field+`-error"`) || !strings.Contains(res.body, tt.field+`-error"`) {
				t.Errorf("no error element for %s", tt.field)
			}
			if !strings.Contains(res.body, `aria-invalid="true"`) {
				t.Error("the field is not marked aria-invalid")
			}
			if !strings.Contains(res.body, "aria-describedby=\""+tt.field+"-") {
				t.Errorf("the %s error is not tied to its field with aria-describedby", tt.field)
			}
		})
	}
	got, err := n.db.MemberByID(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Alice" {
		t.Errorf("an invalid form changed the display name to %q", got.DisplayName)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	here, elsewhere := n.browser(), n.browser()
	here.login("alice", testPassword)
	elsewhere.login("alice", testPassword)
	const newPassword = "paarse olifant danst traag"

	tests := []struct {
		name             string
		current, nw, cnf string
		field, wantText  string
	}{
		{"wrong current password", "not it at all", newPassword, newPassword, "current_password", "Het huidige wachtwoord klopt niet."},
		{"too short", testPassword, "kort", "kort", "new_password", "gebruik minstens 10 tekens"},
		{"contains username", testPassword, "alice-is-my-name", "alice-is-my-name", "new_password", "bevat uw gebruikersnaam"},
		{"well-known", testPassword, "wachtwoord123", "wachtwoord123", "new_password", "bekend wachtwoord"},
		{"confirmation differs", testPassword, newPassword, newPassword + "!", "confirm_password", "niet gelijk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := here.post("/settings/password", url.Values{"csrf": {here.csrf("/settings")},
				"current_password": {tt.current}, "new_password": {tt.nw}, "confirm_password": {tt.cnf}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page does not say %q", tt.wantText)
			}
			if !strings.Contains(res.body, `id="`+tt.field+`-error"`) {
				t.Errorf("no error element for %s", tt.field)
			}
			for _, pw := range []string{tt.current, tt.nw} {
				if strings.Contains(res.body, `value="`+pw+`"`) {
					t.Error("the re-rendered form echoes a password")
				}
			}
		})
	}

	res := here.post("/settings/password", url.Values{"csrf": {here.csrf("/settings")},
		"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?saved=password" {
		t.Fatalf("change: %d to %q, want 303 to /settings?saved=password\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if !strings.Contains(here.get("/").body, "Ingelogd als Alice") {
		t.Error("the session that changed the password was ended")
	}
	if strings.Contains(elsewhere.get("/").body, "Ingelogd als") {
		t.Error("another session of the member survived the password change")
	}
	if res := n.browser().post("/login", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sanity: a bare login post: status %d, want 403", res.StatusCode)
	}
	fresh := n.browser()
	fresh.login("alice", newPassword)
	old := n.browser()
	res = old.post("/login", url.Values{"csrf": {old.csrf("/login")}, "username": {"alice"}, "password": {testPassword}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with the old password: status = %d, want 401", res.StatusCode)
	}
	if strings.Contains(n.logs.String(), newPassword) {
		t.Error("the new password is in the log")
	}
}

func TestChangePasswordRateLimited(t *testing.T) {
	t.Parallel()
	n := newTestNode(t, func(s *Server) { s.accountLimit.set(2, defaultLoginWindow) })
	n.member("alice", "")
	b := n.browser()
	b.login("alice", testPassword)
	try := func() result {
		return b.post("/settings/password", url.Values{"csrf": {b.csrf("/settings")},
			"current_password": {"guess"}, "new_password": {"x"}, "confirm_password": {"x"}})
	}
	try()
	try()
	res := try()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("3rd wrong current password: status %d, Retry-After %q; want 429 with Retry-After",
			res.StatusCode, res.Header.Get("Retry-After"))
	}
}
