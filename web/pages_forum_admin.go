package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"kring/content"
)

// modLogShown is how many lines of the moderation log the admin page
// shows: the recent ones, which are what an admin checks.
const modLogShown = 50

// adminForumsView is what admin_forums.html shows: the forums with their
// moderators, the form that creates or changes one, and the moderation log.
type adminForumsView struct {
	Forums    []adminForum
	Form      forumForm
	Errors    map[string]string // field → message
	Problems  []fieldProblem    // the same, for the summary
	Notice    string            // catalogue key of what was just done
	NoticeArg string
	Languages []langOption
	Log       []modLogLine
	MaxTitle  int
	MaxDesc   int
}

type adminForum struct {
	forumCard
	Moderators []string
}

// forumForm is the forum form's fields as typed.
type forumForm struct {
	Name        string
	Title       string
	Description string
	Language    content.Language
	MembersOnly bool
	Editing     bool // the form holds a stored forum; its name cannot change
}

// modLogLine is one line of the moderation log as shown.
type modLogLine struct {
	When      time.Time
	Forum     string
	Moderator string
	Action    string // catalogue key
	Target    string
	TargetURL string // set when the target is a web address
	Reason    string
}

// modActionKeys name the moderation actions in the visitor's language.
var modActionKeys = map[content.ModAction]string{
	content.ModLock:         "admin_forums.action_lock",
	content.ModUnlock:       "admin_forums.action_unlock",
	content.ModPin:          "admin_forums.action_pin",
	content.ModUnpin:        "admin_forums.action_unpin",
	content.ModMove:         "admin_forums.action_move",
	content.ModDelete:       "admin_forums.action_delete",
	content.ModBan:          "admin_forums.action_ban",
	content.ModUnban:        "admin_forums.action_unban",
	content.ModMarkAnswer:   "admin_forums.action_mark_answer",
	content.ModUnmarkAnswer: "admin_forums.action_unmark_answer",
	content.ModAddMod:       "admin_forums.action_add_moderator",
	content.ModRemoveMod:    "admin_forums.action_remove_moderator",
}

// adminForumNotices are the notices after a change (?done=...).
var adminForumNotices = map[string]string{
	"created":    "admin_forums.notice_created",
	"saved":      "admin_forums.notice_saved",
	"moderators": "admin_forums.notice_moderators",
}

func (s *Server) adminForumsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/admin/forums"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	v := adminForumsView{Form: forumForm{Language: reqFrom(ctx).lang}}
	if key, ok := adminForumNotices[q.Get("done")]; ok {
		v.Notice, v.NoticeArg = key, q.Get("forum")
	}
	if name := q.Get("edit"); name != "" {
		f, err := s.forumNamed(ctx, name)
		if err != nil {
			return err
		}
		v.Form = forumForm{Name: f.Name, Title: f.Title, Description: f.Description, Language: f.Language,
			MembersOnly: f.MembersOnlyThreads, Editing: true}
	}
	return s.renderAdminForums(w, r, http.StatusOK, v)
}

// renderAdminForums fills the forums and the log and renders the page.
func (s *Server) renderAdminForums(w http.ResponseWriter, r *http.Request, status int, v adminForumsView) error {
	ctx := r.Context()
	cat := s.catalogs[reqFrom(ctx).lang]
	forums, err := s.db.ListForums(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, f := range forums {
		mods, err := s.db.Moderators(ctx, f.ID)
		if err != nil {
			return err
		}
		names[f.ID] = f.Name
		v.Forums = append(v.Forums, adminForum{forumCard: s.forumCard(&f), Moderators: mods})
	}
	if v.Log, err = s.modLog(ctx, names); err != nil {
		return err
	}
	for _, l := range content.Languages {
		v.Languages = append(v.Languages, langOption{Code: l, Name: cat.t(contentLanguageKeys[l])})
	}
	v.MaxTitle, v.MaxDesc = content.MaxForumTitleLen, content.MaxBioLen
	return s.render(w, r, status, "admin_forums", v)
}

// modLog reads the recent moderation log of every forum.
func (s *Server) modLog(ctx context.Context, forumNames map[int64]string) ([]modLogLine, error) {
	entries, err := s.db.ModLog(ctx, 0, modLogShown)
	if err != nil {
		return nil, err
	}
	iris := s.cfg.Federation.IRIs()
	lines := make([]modLogLine, 0, len(entries))
	for _, e := range entries {
		l := modLogLine{When: e.CreatedAt, Forum: forumNames[e.ForumID], Moderator: e.Moderator, Action: modActionKeys[e.Action],
			Target: e.Target, Reason: e.Reason}
		if l.Action == "" {
			l.Action = "admin_forums.action_other"
		}
		if name, ok := iris.LocalUsername(e.Moderator); ok {
			l.Moderator = "@" + name
		}
		if strings.HasPrefix(e.Target, "https://") || strings.HasPrefix(e.Target, "http://") {
			l.TargetURL = e.Target
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// saveForumSettings handles the admin page's forms: create a forum,
// change one, or add or remove a moderator.
func (s *Server) saveForumSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	switch r.PostForm.Get("action") {
	case "create", "update":
		return s.saveForum(w, r, m)
	case "add_moderator", "remove_moderator":
		return s.setModerator(w, r, m)
	}
	return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "unknown forum admin action"}
}

func (s *Server) saveForum(w http.ResponseWriter, r *http.Request, admin *content.Member) error {
	ctx := r.Context()
	pf := r.PostForm
	form := forumForm{Name: strings.TrimSpace(pf.Get("name")), Title: strings.TrimSpace(pf.Get("title")),
		Description: strings.TrimSpace(strings.ReplaceAll(pf.Get("description"), "\r\n", "\n")),
		Language:    content.Language(pf.Get("language")), MembersOnly: pf.Get("members_only") == "on",
		Editing: pf.Get("action") == "update"}
	lang, err := content.ParseLanguage(string(form.Language))
	if err != nil {
		return s.forumRefused(w, r, form, err)
	}
	f, err := content.NewForum(form.Name, form.Title, form.Description, lang)
	if err != nil {
		return s.forumRefused(w, r, form, err)
	}
	f.MembersOnlyThreads = form.MembersOnly
	done := "saved"
	if form.Editing {
		err = s.updateForum(ctx, f)
	} else {
		done, err = "created", s.createForum(ctx, f)
	}
	if err != nil {
		return s.forumRefused(w, r, form, err)
	}
	s.log.Info("forum "+done, "request_id", reqFrom(ctx).id, "member_id", admin.ID, "forum", f.Name)
	return redirect(w, r, "/admin/forums?done="+done+"&forum="+url.QueryEscape(f.Name))
}

// createForum stores a new forum with its Group's key pair.
func (s *Server) createForum(ctx context.Context, f *content.Forum) error {
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return fmt.Errorf("keys for forum %s: %w", f.Name, err)
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	return s.db.CreateForum(ctx, f)
}

// updateForum changes a stored forum's settings; its name stays.
func (s *Server) updateForum(ctx context.Context, f *content.Forum) error {
	stored, err := s.db.ForumByName(ctx, f.Name)
	if err != nil {
		return err
	}
	f.ID, f.PublicKeyPEM, f.PrivateKeyPEM, f.CreatedAt = stored.ID, stored.PublicKeyPEM, stored.PrivateKeyPEM, stored.CreatedAt
	return s.cfg.Federation.UpdateForum(ctx, f)
}

// forumFields are the forum form's fields, in the order it shows them.
var forumFields = []string{"name", "title", "description", "language"}

// forumRefused shows the forum form again, as typed, with the message at
// the field at fault (422). Other failures are the error page's.
func (s *Server) forumRefused(w http.ResponseWriter, r *http.Request, form forumForm, err error) error {
	p := s.problemOf(err)
	field := p.field
	if field == "username" {
		field = "name"
	}
	if (p.status != http.StatusBadRequest && p.status != http.StatusConflict) || !slices.Contains(forumFields, field) {
		return err
	}
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	v := adminForumsView{Form: form, Errors: map[string]string{field: msg}, Problems: []fieldProblem{{Field: field, Message: msg}}}
	return s.renderAdminForums(w, r, http.StatusUnprocessableEntity, v)
}

// setModerator adds or removes a member as a forum's moderator.
func (s *Server) setModerator(w http.ResponseWriter, r *http.Request, admin *content.Member) error {
	ctx := r.Context()
	f, err := s.forumNamed(ctx, r.PostForm.Get("forum"))
	if err != nil {
		return err
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("username")), "@")
	field := "moderator-" + f.Name
	var m *content.Member
	if err = content.ValidateUsername(username); err == nil {
		m, err = s.db.MemberByUsername(ctx, username)
	}
	if content.KindOf(err) == content.KindInvalid || content.KindOf(err) == content.KindNotFound {
		msg := s.catalogs[reqFrom(ctx).lang].t("admin_forums.no_member", username)
		v := adminForumsView{Form: forumForm{Language: reqFrom(ctx).lang}, Errors: map[string]string{field: msg},
			Problems: []fieldProblem{{Field: field, Message: msg}}}
		return s.renderAdminForums(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	on := r.PostForm.Get("action") == "add_moderator"
	if err := s.cfg.Federation.SetModerator(ctx, s.cfg.Federation.IRIs().Actor(admin.Username), f, m, on); err != nil {
		return err
	}
	s.log.Info("forum moderator changed", "request_id", reqFrom(ctx).id, "member_id", admin.ID, "forum", f.Name,
		"moderator", m.Username, "on", on)
	return redirect(w, r, "/admin/forums?done=moderators&forum="+url.QueryEscape(f.Name))
}
