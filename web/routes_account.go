package web

import (
	"fmt"
	"net/http"
	"strings"

	"kring/content"
	"kring/storage"
)

func init() { pageNames = append(pageNames, "register") }

// accountRoutes are registration by invitation: an admin gives out a
// link (kring invite create) to /register?invite=CODE, where a visitor
// chooses a username and password. Without a valid invitation nobody can
// register. Admins manage members and invitations on pages too
// (pages_admin_members.go, pages_admin_invites.go), and members download
// their data from the settings (pages_export.go).
func (s *Server) accountRoutes() []route {
	return []route{
		{pattern: "GET /register", handle: s.registerPage},
		{pattern: "POST /register", handle: s.register},
		{pattern: "GET /admin/members", handle: s.adminMembersPage},
		{pattern: "POST /admin/members", handle: s.saveMember},
		{pattern: "GET /admin/invites", handle: s.adminInvitesPage},
		{pattern: "POST /admin/invites", handle: s.saveInvite},
		{pattern: "POST /settings/export", handle: s.needsFederation(s.exportAccount)},
		{pattern: "GET /settings/export/follows.csv", handle: s.needsFederation(s.exportFollows)},
	}
}

// registerForm is the registration page: the form, or only Closed (why
// the invitation cannot be used) when there is nothing to fill in.
type registerForm struct {
	Invite      string
	Username    string
	DisplayName string
	Closed      string
	Errors      map[string]string // field name → message

	MaxUsername, MaxDisplayName, MinPassword int
}

func (s *Server) newRegisterForm(code string) registerForm {
	return registerForm{Invite: code, MaxUsername: content.MaxUsernameLen, MaxDisplayName: content.MaxDisplayNameLen,
		MinPassword: content.MinPasswordLen}
}

// inviteUsable checks an invitation code: nil when it can register a
// member now, else the problem to show instead of the form. Unknown,
// expired, used-up and revoked invitations get the same answer, so that
// the page does not tell which codes exist.
func (s *Server) inviteUsable(r *http.Request, code string) (*problem, error) {
	if code == "" {
		return &problem{status: http.StatusForbidden, key: "register.invite_only", detail: "registration without an invitation"}, nil
	}
	inv, err := s.db.InviteByCode(r.Context(), code)
	if content.KindOf(err) == content.KindNotFound {
		return &problem{status: http.StatusGone, key: "register.invite_unusable", detail: "unknown invitation"}, nil
	}
	if err != nil {
		return nil, err
	}
	if st := inv.State(s.now()); st != storage.InviteActive {
		return &problem{status: http.StatusGone, key: "register.invite_unusable", detail: "invitation " + st}, nil
	}
	return nil, nil
}

// registerPage shows the form for a usable invitation. A member who is
// logged in has an account already and goes home.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) error {
	if reqFrom(r.Context()).member != nil {
		return redirect(w, r, "/")
	}
	code := strings.TrimSpace(r.URL.Query().Get("invite"))
	// The code is in the address: no other site may see it. Not no-referrer:
	// Chromium then sends "Origin: null" with the form, which CSRF refuses.
	w.Header().Set("Referrer-Policy", "same-origin")
	closed, err := s.inviteUsable(r, code)
	if err != nil {
		return err
	}
	page := s.newRegisterForm(code)
	if closed != nil {
		return s.registerRefused(w, r, page, closed)
	}
	return s.render(w, r, http.StatusOK, "register", page)
}

// register creates the member with the invitation, in one transaction
// that counts the use, and logs the new member in. Attempts count against
// the client's address like logins: each one hashes a password and makes
// a key pair.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	w.Header().Set("Referrer-Policy", "same-origin")
	page := s.newRegisterForm(strings.TrimSpace(r.PostForm.Get("invite")))
	page.Username = strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	page.DisplayName = strings.TrimSpace(r.PostForm.Get("display_name"))
	password, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm_password")

	ip := ipKey(clientIP(r))
	if ok, wait := s.registerLimit.allow(ip); !ok {
		return s.registerRefused(w, r, page, rateLimitedAs("limits.too_many_registrations", wait, "registrations from "+ip))
	}
	s.registerLimit.add(ip)
	closed, err := s.inviteUsable(r, page.Invite)
	if err != nil {
		return err
	}
	if closed != nil {
		return s.registerRefused(w, r, page, closed)
	}
	m, err := content.NewMember(page.Username, page.DisplayName, "", content.RoleMember, reqFrom(ctx).lang)
	if err != nil {
		return s.registerRefused(w, r, page, err)
	}
	if err := content.ValidatePassword(password, m.Username); err != nil {
		return s.registerRefused(w, r, page, s.fieldAs(err, "password"))
	}
	if password != confirm {
		return s.registerRefused(w, r, page, &problem{status: http.StatusUnprocessableEntity,
			key: "register.password_mismatch", field: "confirm_password", detail: "confirmation differs"})
	}
	if m.PasswordHash, err = content.HashPassword(password); err != nil {
		return fmt.Errorf("hash password of new member %s: %w", m.Username, err)
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return fmt.Errorf("key pair for new member %s: %w", m.Username, err)
	}
	m.PublicKeyPEM, m.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := s.db.RegisterWithInvite(ctx, page.Invite, m); err != nil {
		if e, ok := content.AsError(err); ok && e.Code == "invite.unusable" {
			// Used up or revoked between the check and now.
			return s.registerRefused(w, r, page, &problem{status: http.StatusGone, key: "register.invite_unusable", err: err})
		}
		return s.registerRefused(w, r, page, err)
	}
	if old := reqFrom(ctx).session; old != nil {
		if err := s.db.DeleteSession(ctx, old.TokenHash); err != nil {
			return fmt.Errorf("end previous session: %w", err)
		}
	}
	if _, err := s.startSession(ctx, w, m.ID); err != nil {
		return err
	}
	s.log.Info("registered with an invitation", "request_id", reqFrom(ctx).id, "member_id", m.ID)
	return redirect(w, r, "/settings")
}

// registerRefused shows the page again with the reason: next to the field
// at fault, or instead of the form when the invitation cannot be used.
func (s *Server) registerRefused(w http.ResponseWriter, r *http.Request, page registerForm, err error) error {
	p := s.problemOf(err)
	if p.status >= 500 {
		return err
	}
	s.problemHeaders(w, p)
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	status := p.status
	switch {
	case p.key == "register.invite_only" || p.key == "register.invite_unusable":
		page.Closed = msg
	default:
		if status == http.StatusBadRequest {
			status = http.StatusUnprocessableEntity
		}
		field := p.field
		if field == "" {
			field = "form"
		}
		page.Errors = map[string]string{field: msg}
	}
	s.log.Info("registration refused", "request_id", reqFrom(r.Context()).id, "status", status, "reason", p.Error())
	return s.render(w, r, status, "register", page)
}
