package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// The admins' invitations page: make an invitation link, list them, and
// revoke one, through the storage calls `kring invite` makes. Only the
// SHA-256 of a code is stored, so the link is shown once, in the answer to
// the form that made it, and never again.

func init() { pageNames = append(pageNames, "admin_invites") }

// adminInvitesView is what admin_invites.html shows.
type adminInvitesView struct {
	Invites   []adminInvite
	Created   *createdInvite // the invitation just made, with its link
	Form      inviteForm
	Expiries  []expiryOption
	Errors    map[string]string // field → message
	Problems  []fieldProblem    // the same, for the summary
	Notice    string            // catalogue key of what was just done
	NoticeArg string
}

// adminInvite is one row of the invitations table.
type adminInvite struct {
	storage.Invite
	StateKey string // catalogue key
	Active   bool
}

// createdInvite is an invitation just made: the only time its link exists.
type createdInvite struct {
	ID      int64
	Link    string
	MaxUses int
	Expires time.Time
}

type inviteForm struct{ Uses, Expires string }

type expiryOption struct {
	Value string
	Key   string
}

// inviteExpiries are how long an invitation made on the page stays valid:
// a number of days, or never.
var inviteExpiries = []expiryOption{
	{"1", "admin_invites.expires_1"},
	{"7", "admin_invites.expires_7"},
	{"30", "admin_invites.expires_30"},
	{"never", "admin_invites.expires_never"},
}

// inviteStateKeys name the states storage.Invite.State reports.
var inviteStateKeys = map[string]string{
	storage.InviteActive:  "admin_invites.state_active",
	storage.InviteExpired: "admin_invites.state_expired",
	storage.InviteUsedUp:  "admin_invites.state_used_up",
	storage.InviteRevoked: "admin_invites.state_revoked",
}

// maxInviteUses bounds the uses field; 0 is unlimited.
const maxInviteUses = 10000

func (s *Server) adminInvitesPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/admin/invites"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	var v adminInvitesView
	if r.URL.Query().Get("done") == "revoked" {
		v.Notice, v.NoticeArg = "admin_invites.notice_revoked", r.URL.Query().Get("id")
	}
	return s.renderAdminInvites(w, r, http.StatusOK, v)
}

func (s *Server) renderAdminInvites(w http.ResponseWriter, r *http.Request, status int, v adminInvitesView) error {
	invites, err := s.db.Invites(r.Context())
	if err != nil {
		return err
	}
	now := s.now()
	for _, inv := range invites {
		st := inv.State(now)
		v.Invites = append(v.Invites, adminInvite{Invite: inv, StateKey: inviteStateKeys[st], Active: st == storage.InviteActive})
	}
	if v.Form.Uses == "" {
		v.Form.Uses = "1"
	}
	if v.Form.Expires == "" {
		v.Form.Expires = "7"
	}
	v.Expiries = inviteExpiries
	// A link with a code may be on the page: it must not leak to the
	// pages linked from it.
	w.Header().Set("Referrer-Policy", "same-origin")
	return s.render(w, r, status, "admin_invites", v)
}

// saveInvite handles the page's forms: create and revoke.
func (s *Server) saveInvite(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	pf := r.PostForm
	switch pf.Get("action") {
	case "create":
		form := inviteForm{Uses: strings.TrimSpace(pf.Get("uses")), Expires: pf.Get("expires")}
		uses, err := strconv.Atoi(form.Uses)
		if err != nil || uses > maxInviteUses {
			return s.inviteRefused(w, r, form, &problem{status: http.StatusUnprocessableEntity, key: "admin_invites.uses_invalid",
				args: []any{maxInviteUses}, field: "uses", detail: "invite uses " + form.Uses})
		}
		inv := &storage.Invite{MaxUses: uses, CreatedBy: admin.Username}
		switch form.Expires {
		case "never":
		case "1", "7", "30":
			days, _ := strconv.Atoi(form.Expires)
			inv.ExpiresAt = s.now().Add(time.Duration(days) * 24 * time.Hour)
		default:
			return s.inviteRefused(w, r, form, &problem{status: http.StatusUnprocessableEntity, key: "admin_invites.expires_invalid",
				field: "expires", detail: "invite expiry " + form.Expires})
		}
		code := content.NewToken()
		if err := s.db.CreateInvite(ctx, code, inv); err != nil {
			return s.inviteRefused(w, r, form, err)
		}
		s.log.Info("invitation created", "request_id", reqFrom(ctx).id, "invite_id", inv.ID, "by", admin.Username)
		// No redirect: the code exists only here, and the page after a
		// redirect could not show it.
		return s.renderAdminInvites(w, r, http.StatusOK, adminInvitesView{Created: &createdInvite{ID: inv.ID,
			Link: s.base() + "/register?invite=" + code, MaxUses: inv.MaxUses, Expires: inv.ExpiresAt}})
	case "revoke":
		id, err := strconv.ParseInt(pf.Get("id"), 10, 64)
		if err != nil {
			return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "invite id " + pf.Get("id")}
		}
		if err := s.db.RevokeInvite(ctx, id); err != nil {
			return err
		}
		s.log.Info("invitation revoked", "request_id", reqFrom(ctx).id, "invite_id", id, "by", admin.Username)
		return redirect(w, r, "/admin/invites?done=revoked&id="+strconv.FormatInt(id, 10))
	}
	return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "unknown invite action"}
}

// inviteFields are the create form's fields an error may point at.
var inviteFields = map[string]bool{"uses": true, "expires": true}

// inviteRefused shows the page again with the create form's error, when
// it is the admin's to correct.
func (s *Server) inviteRefused(w http.ResponseWriter, r *http.Request, form inviteForm, err error) error {
	p := s.problemOf(err)
	if p.status >= 500 || !inviteFields[p.field] {
		return err
	}
	s.logProblem(r, p)
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	v := adminInvitesView{Form: form, Errors: map[string]string{p.field: msg}, Problems: []fieldProblem{{Field: p.field, Message: msg}}}
	return s.renderAdminInvites(w, r, http.StatusUnprocessableEntity, v)
}
