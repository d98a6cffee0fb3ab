package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// TestInviteRegistration: without an invitation there is no form; with
// one a visitor registers, is logged in and the use is counted; a used-up,
// expired or revoked invitation gets the same refusal as an unknown one.
func TestInviteRegistration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := newTestNode(t)
	n.member("bestaand", "")
	code := content.NewToken()
	inv := &storage.Invite{MaxUses: 1, ExpiresAt: n.clock.Now().Add(time.Hour)}
	if err := n.db.CreateInvite(ctx, code, inv); err != nil {
		t.Fatal(err)
	}
	b := n.browser()

	if res := b.get("/register"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "alleen een account aanmaken met een uitnodigingslink") ||
		strings.Contains(res.body, `name="password"`) {
		t.Errorf("GET /register without an invitation: %d\n%s", res.StatusCode, res.body)
	}
	if res := b.get("/register?invite=" + content.NewToken()); res.StatusCode != http.StatusGone || strings.Contains(res.body, `name="password"`) {
		t.Errorf("GET /register with an unknown invitation: %d", res.StatusCode)
	}
	page := b.get("/register?invite=" + code)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `name="invite" value="`+code+`"`) || page.Header.Get("Referrer-Policy") != "same-origin" {
		t.Fatalf("GET /register with the invitation: %d, Referrer-Policy %q\n%s", page.StatusCode, page.Header.Get("Referrer-Policy"), page.body)
	}
	csrf := csrfRE.FindStringSubmatch(page.body)[1]
	form := func(username, password, confirm string) url.Values {
		return url.Values{"csrf": {csrf}, "invite": {code}, "username": {username}, "display_name": {"Nieuw Lid"},
			"password": {password}, "confirm_password": {confirm}}
	}
	tests := []struct {
		name, username, password, confirm string
		status                            int
		says                              string
	}{
		{"taken username", "bestaand", "lange wachtzin voor mij", "lange wachtzin voor mij", http.StatusConflict, "Deze gebruikersnaam is al in gebruik"},
		{"bad username", "Nieuw Lid", "lange wachtzin voor mij", "lange wachtzin voor mij", http.StatusUnprocessableEntity, "alleen kleine letters"},
		{"weak password", "nieuw", "kort", "kort", http.StatusUnprocessableEntity, "te zwak"},
		{"confirmation differs", "nieuw", "lange wachtzin voor mij", "andere wachtzin voor mij", http.StatusUnprocessableEntity, "De twee wachtwoorden zijn niet gelijk"},
	}
	for _, tt := range tests {
		res := b.post("/register", form(tt.username, tt.password, tt.confirm))
		if res.StatusCode != tt.status || !strings.Contains(res.body, tt.says) {
			t.Errorf("%s: %d, want %d saying %q\n%s", tt.name, res.StatusCode, tt.status, tt.says, res.body)
		}
	}
	if got, _ := n.db.InviteByCode(ctx, code); got.Uses != 0 {
		t.Fatalf("refused registrations used the invitation: %d uses", got.Uses)
	}

	res := b.post("/register", form("nieuw", "lange wachtzin voor mij", "lange wachtzin voor mij"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings" || responseCookie(res.Response, "kring_session") == nil {
		t.Fatalf("register: %d, Location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	m, err := n.db.MemberByUsername(ctx, "nieuw")
	if err != nil || m.DisplayName != "Nieuw Lid" || m.Role != content.RoleMember || m.PublicKeyPEM == "" {
		t.Fatalf("registered member = %+v, %v", m, err)
	}
	if ok, _ := content.CheckPassword(m.PasswordHash, "lange wachtzin voor mij"); !ok {
		t.Error("the chosen password does not log in")
	}
	if home := b.get("/"); !strings.Contains(home.body, "Nieuw Lid") {
		t.Error("the new member is not logged in")
	}
	if strings.Contains(n.logs.String(), code) || strings.Contains(n.logs.String(), "lange wachtzin") {
		t.Error("the log holds the invitation code or the password")
	}

	// The one use is gone: a second visitor is refused.
	other := n.browser()
	if res := other.get("/register?invite=" + code); res.StatusCode != http.StatusGone || !strings.Contains(res.body, "niet (meer) geldig") {
		t.Errorf("used-up invitation: %d\n%s", res.StatusCode, res.body)
	}
	// Expired and revoked ones too.
	timed, revoked := content.NewToken(), content.NewToken()
	revokedInv := &storage.Invite{}
	if err := n.db.CreateInvite(ctx, timed, &storage.Invite{ExpiresAt: n.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := n.db.CreateInvite(ctx, revoked, revokedInv); err != nil {
		t.Fatal(err)
	}
	if err := n.db.RevokeInvite(ctx, revokedInv.ID); err != nil {
		t.Fatal(err)
	}
	n.clock.Advance(2 * time.Minute)
	for _, c := range []string{timed, revoked} {
		token := other.csrf("/login")
		res := other.post("/register", url.Values{"csrf": {token}, "invite": {c}, "username": {"laat"},
			"password": {"lange wachtzin voor mij"}, "confirm_password": {"lange wachtzin voor mij"}})
		if res.StatusCode != http.StatusGone {
			t.Errorf("POST with an expired or revoked invitation: %d", res.StatusCode)
		}
	}
	if _, err := n.db.MemberByUsername(ctx, "laat"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a member registered with an unusable invitation: %v", err)
	}
}
