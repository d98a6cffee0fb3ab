package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kring/content"
	"kring/storage/storagetest"
)

// TestAdminMembersPage works the members page as an admin: the list,
// a role change, suspending (which logs the member out) and
// reinstating, and the changes an admin may not make to themselves;
// members and visitors are kept out.
func TestAdminMembersPage(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	ctx := context.Background()
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	n.member("ann", "Ann de Vries")
	n.member("bob", "")

	visitor := n.browser()
	if res := visitor.get("/admin/members"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor gets %d %s, want a redirect to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	ann := n.browser()
	ann.login("ann", testPassword)
	if res := ann.get("/admin/members"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member gets %d, want 403", res.StatusCode)
	}
	if res := ann.post("/admin/members", url.Values{"csrf": {ann.csrf("/")}, "action": {"role"}, "username": {"ann"},
		"role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member's role change: %d, want 403", res.StatusCode)
	}
	if m, _ := n.db.MemberByUsername(ctx, "ann"); m.Role != content.RoleMember {
		t.Fatalf("ann made herself %s", m.Role)
	}

	admin := n.browser()
	admin.login("beheer", testPassword)
	page := admin.get("/admin/members")
	for _, want := range []string{"@ann", "Ann de Vries", "@bob", `href="/admin/members" aria-current="page"`, `href="/admin/invites"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if page.StatusCode != http.StatusOK || strings.Contains(page.body, "[[") {
		t.Fatalf("the page: %d, missing keys %v", page.StatusCode, strings.Contains(page.body, "[["))
	}
	if strings.Contains(page.body, `name="username" value="beheer"`) {
		t.Error("the page offers forms on the admin's own row")
	}
	csrf := admin.csrf("/admin/members")
	post := func(form url.Values) result {
		t.Helper()
		form.Set("csrf", csrf)
		return admin.post("/admin/members", form)
	}

	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantTo     string
		check      func(t *testing.T, m *content.Member)
	}{
		{"role", url.Values{"action": {"role"}, "username": {"ann"}, "role": {"moderator"}}, http.StatusSeeOther,
			"/admin/members?done=role&who=ann", func(t *testing.T, m *content.Member) {
				if m.Role != content.RoleModerator {
					t.Errorf("role = %s, want moderator", m.Role)
				}
			}},
		{"suspend", url.Values{"action": {"suspend"}, "username": {"ann"}}, http.StatusSeeOther,
			"/admin/members?done=suspended&who=ann", func(t *testing.T, m *content.Member) {
				if !m.Suspended {
					t.Error("ann is not suspended")
				}
			}},
		{"unsuspend", url.Values{"action": {"unsuspend"}, "username": {"ann"}}, http.StatusSeeOther,
			"/admin/members?done=unsuspended&who=ann", func(t *testing.T, m *content.Member) {
				if m.Suspended {
					t.Error("ann is still suspended")
				}
			}},
		{"unknown role", url.Values{"action": {"role"}, "username": {"ann"}, "role": {"king"}}, http.StatusBadRequest, "",
			func(t *testing.T, m *content.Member) {
				if m.Role != content.RoleModerator {
					t.Errorf("role = %s after a refused change, want moderator", m.Role)
				}
			}},
		{"unknown member", url.Values{"action": {"suspend"}, "username": {"nobody"}}, http.StatusNotFound, "", nil},
		{"unknown action", url.Values{"action": {"delete"}, "username": {"ann"}}, http.StatusBadRequest, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := post(tt.form)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Location") != tt.wantTo {
				t.Fatalf("got %d %q, want %d %q\n%.600s", res.StatusCode, res.Header.Get("Location"), tt.wantStatus, tt.wantTo, res.body)
			}
			if strings.Contains(res.body, "[[") {
				t.Errorf("missing translation in the answer")
			}
			if tt.check != nil {
				m, err := n.db.MemberByUsername(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, m)
			}
		})
	}
	if res := admin.get("/admin/members?done=role&who=ann"); !strings.Contains(res.body, `role="status"`) || !strings.Contains(res.body, "@ann") {
		t.Error("no notice after a change")
	}

	// Suspending ends ann's sessions: her browser is logged out.
	if res := ann.get("/settings"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("ann's old session after suspend and reinstatement: %d, want a redirect to log in again", res.StatusCode)
	}

	t.Run("not yourself", func(t *testing.T) {
		for _, form := range []url.Values{
			{"action": {"suspend"}, "username": {"beheer"}},
			{"action": {"role"}, "username": {"Beheer"}, "role": {"member"}},
		} {
			res := post(form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, `class="error-summary" role="alert"`) ||
				!strings.Contains(res.body, `href="#member-beheer"`) {
				t.Errorf("%s on oneself: %d, want 403 with the error summary\n%.600s", form.Get("action"), res.StatusCode, res.body)
			}
		}
		m, _ := n.db.MemberByUsername(ctx, "beheer")
		if m.Suspended || m.Role != content.RoleAdmin {
			t.Errorf("the admin changed themselves: suspended %v, role %s", m.Suspended, m.Role)
		}
		if res := admin.get("/admin/members"); res.StatusCode != http.StatusOK {
			t.Errorf("the admin's session after the refusal: %d", res.StatusCode)
		}
	})

	t.Run("without csrf", func(t *testing.T) {
		res := admin.post("/admin/members", url.Values{"action": {"suspend"}, "username": {"bob"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("got %d, want 403", res.StatusCode)
		}
		if m, _ := n.db.MemberByUsername(ctx, "bob"); m.Suspended {
			t.Error("bob was suspended without a CSRF token")
		}
	})
}

// TestAdminMembersEnglish renders the page in English without missing
// keys.
func TestAdminMembersEnglish(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	n.member("ann", "")
	n.suspend("ann")
	b := n.browser()
	b.header.Set("Accept-Language", "en")
	b.login("beheer", testPassword)
	b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"en"}})
	res := b.get("/admin/members")
	if htmlLang(res.body) != "en" || strings.Contains(res.body, "[[") || !strings.Contains(res.body, "Reinstate") {
		t.Errorf("the English page: lang %q, missing keys %v\n%.800s", htmlLang(res.body), strings.Contains(res.body, "[["), res.body)
	}
}
