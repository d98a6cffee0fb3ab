package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

var inviteLinkRE = regexp.MustCompile(`/register\?invite=([A-Za-z0-9_-]+)`)

// TestAdminInvitesPage makes, lists and revokes invitations on the page:
// the link shows once, only its prefix afterwards, and it registers
// until revoked; members are kept out, and the form's mistakes are shown
// next to the field.
func TestAdminInvitesPage(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	ctx := context.Background()
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	n.member("ann", "")

	ann := n.browser()
	ann.login("ann", testPassword)
	if res := ann.get("/admin/invites"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member gets %d, want 403", res.StatusCode)
	}
	if res := ann.post("/admin/invites", url.Values{"csrf": {ann.csrf("/")}, "action": {"create"}, "uses": {"1"},
		"expires": {"7"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member's invitation: %d, want 403", res.StatusCode)
	}
	if res := n.browser().get("/admin/invites"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor gets %d, want a redirect to the login page", res.StatusCode)
	}
	if invs, _ := n.db.Invites(ctx); len(invs) != 0 {
		t.Fatalf("%d invitations after refused attempts", len(invs))
	}

	admin := n.browser()
	admin.login("beheer", testPassword)
	csrf := admin.csrf("/admin/invites")
	post := func(form url.Values) result {
		t.Helper()
		form.Set("csrf", csrf)
		return admin.post("/admin/invites", form)
	}

	tests := []struct {
		name     string
		uses     string
		expires  string
		wantUses int
		wantDays int // 0: never
	}{
		{"one day once", "1", "1", 1, 1},
		{"a week twice", "2", "7", 2, 7},
		{"a month unlimited", "0", "30", 0, 30},
		{"never", "5", "never", 5, 0},
	}
	var codes []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := post(url.Values{"action": {"create"}, "uses": {tt.uses}, "expires": {tt.expires}})
			if res.StatusCode != http.StatusOK || res.Header.Get("Referrer-Policy") != "same-origin" || strings.Contains(res.body, "[[") {
				t.Fatalf("create: %d, referrer policy %q\n%.600s", res.StatusCode, res.Header.Get("Referrer-Policy"), res.body)
			}
			m := inviteLinkRE.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no link in the answer:\n%.1500s", res.body)
			}
			if !strings.Contains(res.body, `value="`+n.srv.base()+"/register?invite="+m[1]+`"`) {
				t.Errorf("the link is not absolute on the node's address")
			}
			codes = append(codes, m[1])
			inv, err := n.db.InviteByCode(ctx, m[1])
			if err != nil {
				t.Fatalf("the code in the link is not an invitation: %v", err)
			}
			if inv.MaxUses != tt.wantUses || inv.CreatedBy != "beheer" {
				t.Errorf("uses %d by %q, want %d by beheer", inv.MaxUses, inv.CreatedBy, tt.wantUses)
			}
			if tt.wantDays == 0 {
				if !inv.ExpiresAt.IsZero() {
					t.Errorf("expires %v, want never", inv.ExpiresAt)
				}
			} else if want := n.clock.Now().Add(time.Duration(tt.wantDays) * 24 * time.Hour); inv.ExpiresAt.Sub(want).Abs() > time.Second {
				t.Errorf("expires %v, want %v", inv.ExpiresAt, want)
			}
		})
	}
	if len(codes) != len(tests) {
		t.Fatal("not every invitation was made")
	}

	page := admin.get("/admin/invites")
	for _, code := range codes {
		if strings.Contains(page.body, code) {
			t.Errorf("the list shows a whole code again")
		}
		if !strings.Contains(page.body, code[:8]+"…") {
			t.Errorf("the list lacks the prefix %s", code[:8])
		}
	}
	if c := strings.Count(page.body, `name="action" value="revoke"`); c != len(codes) {
		t.Errorf("%d revoke forms, want %d", c, len(codes))
	}

	// The link registers, until the invitation is revoked.
	if res := n.browser().get("/register?invite=" + codes[0]); res.StatusCode != http.StatusOK {
		t.Errorf("the new invitation's page: %d, want 200", res.StatusCode)
	}
	inv, _ := n.db.InviteByCode(ctx, codes[0])
	res := post(url.Values{"action": {"revoke"}, "id": {strconvI(inv.ID)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/invites?done=revoked&id="+strconvI(inv.ID) {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if inv, _ = n.db.InviteByCode(ctx, codes[0]); inv.State(n.clock.Now()) != storage.InviteRevoked {
		t.Errorf("state after revoke: %s", inv.State(n.clock.Now()))
	}
	if res := n.browser().get("/register?invite=" + codes[0]); res.StatusCode != http.StatusGone {
		t.Errorf("the revoked invitation's page: %d, want 410", res.StatusCode)
	}
	if res := admin.get("/admin/invites?done=revoked&id=1"); !strings.Contains(res.body, `role="status"`) ||
		strings.Count(res.body, `name="action" value="revoke"`) != len(codes)-1 {
		t.Errorf("after revoking: no notice, or the revoked invitation can still be revoked")
	}
	if res := post(url.Values{"action": {"revoke"}, "id": {"999"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoke an unknown invitation: %d, want 404", res.StatusCode)
	}
	// An expired invitation lists as expired (the week-long one; the
	// one-day one was revoked first).
	n.clock.Advance(8 * 24 * time.Hour)
	if res := admin.get("/admin/invites"); !strings.Contains(res.body, ">Verlopen<") {
		t.Errorf("the expired week-long invitation is not listed as expired")
	}

	t.Run("mistakes", func(t *testing.T) {
		before, _ := n.db.Invites(ctx)
		for _, tt := range []struct{ uses, expires, field string }{
			{"veel", "7", "uses"},
			{"-1", "7", "uses"},
			{"10001", "7", "uses"},
			{"1", "365", "expires"},
		} {
			res := post(url.Values{"action": {"create"}, "uses": {tt.uses}, "expires": {tt.expires}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="`+tt.field+`-error"`) ||
				!strings.Contains(res.body, `href="#`+tt.field+`"`) || strings.Contains(res.body, "[[") {
				t.Errorf("uses %q expires %q: %d, want 422 with an error at %s\n%.800s", tt.uses, tt.expires, res.StatusCode, tt.field, res.body)
			}
			if inviteLinkRE.MatchString(res.body) {
				t.Errorf("uses %q expires %q: the refused form shows a link", tt.uses, tt.expires)
			}
		}
		if after, _ := n.db.Invites(ctx); len(after) != len(before) {
			t.Errorf("refused forms made %d invitations", len(after)-len(before))
		}
	})
}

func strconvI(id int64) string { return strconv.FormatInt(id, 10) }
