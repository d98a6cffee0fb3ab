package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"kring/content"
)

// The admins' members page: every member with their role and whether
// they are suspended, and forms to change a role and to suspend or
// reinstate. Changes go through storage as `kring user set-role`,
// `kring user suspend` and `kring user unsuspend` make them: suspending
// ends the member's sessions in the same transaction. The command line
// writes none of these to the moderation log, and neither does the page.

func init() { pageNames = append(pageNames, "admin_members") }

// adminMembersView is what admin_members.html shows.
type adminMembersView struct {
	Members   []adminMember
	Roles     []roleOption
	Self      string         // the admin's own username: no forms on their row
	Problems  []fieldProblem // a refused change, for the summary
	Notice    string         // catalogue key of what was just done
	NoticeArg string
}

// adminMember is one row of the members table.
type adminMember struct {
	Username    string
	DisplayName string
	Role        string
	RoleKey     string // catalogue key of the role's name
	Suspended   bool
	CreatedAt   time.Time
}

type roleOption struct {
	Value string
	Key   string
}

// memberRoles are the roles the form offers, least first.
var memberRoles = []roleOption{
	{string(content.RoleMember), "admin_members.role_member"},
	{string(content.RoleModerator), "admin_members.role_moderator"},
	{string(content.RoleAdmin), "admin_members.role_admin"},
}

// adminMembersNotices are the notices after a change (?done=...).
var adminMembersNotices = map[string]string{
	"role":        "admin_members.notice_role",
	"suspended":   "admin_members.notice_suspended",
	"unsuspended": "admin_members.notice_unsuspended",
}

func (s *Server) adminMembersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/admin/members"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	var v adminMembersView
	if key, ok := adminMembersNotices[q.Get("done")]; ok {
		v.Notice, v.NoticeArg = key, q.Get("who")
	}
	return s.renderAdminMembers(w, r, http.StatusOK, v)
}

func (s *Server) renderAdminMembers(w http.ResponseWriter, r *http.Request, status int, v adminMembersView) error {
	ctx := r.Context()
	members, err := s.db.ListMembers(ctx)
	if err != nil {
		return err
	}
	for _, m := range members {
		v.Members = append(v.Members, adminMember{Username: m.Username, DisplayName: m.DisplayName, Role: string(m.Role),
			RoleKey: roleKey(m.Role), Suspended: m.Suspended, CreatedAt: m.CreatedAt})
	}
	if me := reqFrom(ctx).member; me != nil {
		v.Self = me.Username
	}
	v.Roles = memberRoles
	return s.render(w, r, status, "admin_members", v)
}

// roleKey names a role for the table.
func roleKey(role content.Role) string {
	for _, o := range memberRoles {
		if o.Value == string(role) {
			return o.Key
		}
	}
	return "admin_members.role_member"
}

// saveMember handles the page's forms: action role, suspend or unsuspend
// for the member named by username.
func (s *Server) saveMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	pf := r.PostForm
	username := strings.ToLower(strings.TrimSpace(pf.Get("username")))
	action := pf.Get("action")
	if action != "role" && action != "suspend" && action != "unsuspend" {
		return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "unknown member action"}
	}
	if username == admin.Username {
		// An admin who demotes or suspends themselves may leave the node
		// without anyone to administer it; another admin or the command
		// line can do it.
		return s.memberRefused(w, r, username, &problem{status: http.StatusForbidden, key: "admin_members.not_yourself",
			detail: "admin " + admin.Username + " changing their own account"})
	}
	done := func(what string) error {
		s.log.Info("member changed by an admin", "request_id", reqFrom(ctx).id, "member", username, "change", what, "by", admin.Username)
		return redirect(w, r, "/admin/members?done="+what+"&who="+url.QueryEscape(username))
	}
	switch action {
	case "role":
		role, err := content.ParseRole(pf.Get("role"))
		if err != nil {
			return s.memberRefused(w, r, username, err)
		}
		if err := s.db.SetMemberRole(ctx, username, role); err != nil {
			return s.memberRefused(w, r, username, err)
		}
		return done("role")
	case "suspend":
		if err := s.db.SetMemberSuspended(ctx, username, true); err != nil {
			return s.memberRefused(w, r, username, err)
		}
		return done("suspended")
	default: // unsuspend
		// As kring user unsuspend: a deleted account stays gone, since
		// its followers' servers were told the actor is.
		if m, err := s.db.MemberByUsername(ctx, username); err == nil {
			if acct, err := s.db.Account(ctx, m.ID); err == nil && acct.Deleted() {
				return s.memberRefused(w, r, username, &problem{status: http.StatusConflict, key: "admin_members.deleted",
					args: []any{username}, detail: "reinstating deleted account " + username})
			}
		}
		if err := s.db.SetMemberSuspended(ctx, username, false); err != nil {
			return s.memberRefused(w, r, username, err)
		}
		return done("unsuspended")
	}
}

// memberRefused shows the page again with why a change was not made,
// linked to the member's row; a server fault stays a 500.
func (s *Server) memberRefused(w http.ResponseWriter, r *http.Request, username string, err error) error {
	p := s.problemOf(err)
	if p.status >= 500 {
		return err
	}
	s.logProblem(r, p)
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	v := adminMembersView{Problems: []fieldProblem{{Field: "member-" + username, Message: msg}}}
	return s.renderAdminMembers(w, r, p.status, v)
}
