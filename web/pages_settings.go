package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"kring/content"
)

type settingsForm struct {
	DisplayName string
	Bio         string
	Language    content.Language
	Languages   []langOption
	Saved       string            // confirmation after a redirect
	Errors      map[string]string // field name → message
	Form        string            // which form the errors belong to: "profile" or "password"
	ErrorField  string            // the id of the field at fault, for the error summary's link
	// Profile is the work and speaker part of the profile form
	// (pages_settings_profile.go).
	Profile profileForm
	// ManuallyApprovesFollowers is the member's choice, shown when the
	// node federates.
	ManuallyApprovesFollowers bool
	// CalendarURL is the member's private calendar feed: the events they
	// signed up for. Empty when the node does not federate.
	CalendarURL string

	MaxDisplayName, MaxBio, MinPassword         int
	MaxProfileText, MaxTopics, MaxPitch, MaxURL int
}

// savedKeys are the confirmations /settings?saved= may show; the query
// picks one, it never supplies text.
var savedKeys = map[string]string{
	"profile":   "settings.saved_profile",
	"password":  "settings.saved_password",
	"followers": "settings.saved_followers",
	"calendar":  "settings.saved_calendar",
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/settings"))
	}
	page, err := s.settingsFor(r, m)
	if err != nil {
		return err
	}
	if key, ok := savedKeys[r.URL.Query().Get("saved")]; ok {
		page.Saved = s.catalogs[reqFrom(r.Context()).lang].t(key)
	}
	return s.render(w, r, http.StatusOK, "settings", page)
}

// settingsFor is the settings page as stored. The profile is read too:
// a form shown without it would save an empty profile over it.
func (s *Server) settingsFor(r *http.Request, m *content.Member) (settingsForm, error) {
	cat := s.catalogs[reqFrom(r.Context()).lang]
	page := settingsForm{DisplayName: m.DisplayName, Bio: m.Bio, Language: m.Language,
		MaxDisplayName: content.MaxDisplayNameLen, MaxBio: content.MaxBioLen, MinPassword: content.MinPasswordLen,
		MaxProfileText: content.MaxProfileText, MaxTopics: content.MaxTopics, MaxPitch: content.MaxPitchLen,
		MaxURL:                    content.MaxProfileURLLen,
		ManuallyApprovesFollowers: m.ManuallyApprovesFollowers}
	p, err := s.db.Profile(r.Context(), m.ID)
	if err != nil {
		return page, fmt.Errorf("settings of member %d: %w", m.ID, err)
	}
	page.Profile = profileFormOf(cat, p)
	for _, l := range content.Languages {
		page.Languages = append(page.Languages, langOption{Code: l, Name: cat.t("language.name." + string(l))})
	}
	if s.cfg.Federation != nil {
		token, err := s.db.CalendarToken(r.Context(), m.ID)
		if err != nil {
			// The rest of the page still works; the address shows next time.
			s.log.Warn("calendar token", "request_id", reqFrom(r.Context()).id, "member_id", m.ID, "err", err)
		} else {
			page.CalendarURL = s.base() + "/calendar/" + token
		}
	}
	return page, nil
}

// rotateCalendar gives the member a new private calendar address; the old
// one stops working at once (a shared or leaked address is revoked so).
func (s *Server) rotateCalendar(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	if _, err := s.db.RotateCalendarToken(ctx, m.ID); err != nil {
		return fmt.Errorf("rotate calendar token of member %d: %w", m.ID, err)
	}
	return redirect(w, r, "/settings?saved=calendar#calendar-heading")
}

// saveProfile stores display name, bio and language, and the work and
// speaker profile of the same form; every field is checked before
// anything is stored. A federating node then tells the member's
// followers, and the actors they follow, in an Update of their actor.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	displayName := strings.TrimSpace(r.PostForm.Get("display_name"))
	bio := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("bio"), "\r\n", "\n"))
	lang, langErr := content.ParseLanguage(r.PostForm.Get("language"))

	page, err := s.settingsFor(r, m)
	if err != nil {
		return err
	}
	page.DisplayName, page.Bio, page.Language = displayName, bio, lang
	prof, form := profileFromForm(s.catalogs[reqFrom(ctx).lang], r.PostForm, m.ID)
	page.Profile = form
	if err := content.ValidateProfile(displayName, "", bio); err != nil {
		return s.settingsRefused(w, r, page, "profile", err)
	}
	if langErr != nil {
		page.Language = m.Language
		return s.settingsRefused(w, r, page, "profile", langErr)
	}
	if err := s.checkProfile(prof, form.Links); err != nil {
		return s.settingsRefused(w, r, page, "profile", err)
	}
	if err := s.db.UpdateProfile(ctx, m.ID, displayName, bio, lang); err != nil {
		return fmt.Errorf("save profile of member %d: %w", m.ID, err)
	}
	if err := s.db.SaveProfile(ctx, prof); err != nil {
		return fmt.Errorf("save profile of member %d: %w", m.ID, err)
	}
	s.publishProfile(r, m.ID)
	// The member just chose a language for their account: an older choice
	// made with the switch on this browser would hide it.
	http.SetCookie(w, s.cookie(langCookie, "", -1, http.SameSiteLaxMode))
	return redirect(w, r, "/settings?saved=profile")
}

// saveFollowerApproval stores whether follow requests wait for the
// member's approval. Requests already waiting stay until answered.
func (s *Server) saveFollowerApproval(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	manual := r.PostForm.Get("manually_approves_followers") == "on"
	if err := s.db.SetManuallyApprovesFollowers(ctx, m.ID, manual); err != nil {
		return fmt.Errorf("save follower approval of member %d: %w", m.ID, err)
	}
	return redirect(w, r, "/settings?saved=followers")
}

// changePassword sets a new password after checking the current one. The
// session making the change stays; every other session of the member ends,
// which is how a member throws out someone who learned the old password.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, sess, err := requireMember(ctx)
	if err != nil {
		return err
	}
	current := r.PostForm.Get("current_password")
	next := r.PostForm.Get("new_password")
	confirm := r.PostForm.Get("confirm_password")
	page, err := s.settingsFor(r, m)
	if err != nil {
		return err
	}

	// A stolen session must not become a way to guess the password.
	account := "member:" + m.Username
	if ok, wait := s.accountLimit.allow(account); !ok {
		return s.settingsRefused(w, r, page, "password", rateLimited(wait, "password checks for "+m.Username))
	}
	ok, err := content.CheckPassword(m.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("check password of member %d: %w", m.ID, err)
	}
	if !ok {
		s.accountLimit.add(account)
		return s.settingsRefused(w, r, page, "password", &problem{status: http.StatusUnprocessableEntity,
			key: "error.current_password_wrong", field: "current_password", detail: "wrong current password"})
	}
	if err := content.ValidatePassword(next, m.Username); err != nil {
		return s.settingsRefused(w, r, page, "password", s.fieldAs(err, "new_password"))
	}
	if next != confirm {
		return s.settingsRefused(w, r, page, "password", &problem{status: http.StatusUnprocessableEntity,
			key: "error.password_mismatch", field: "confirm_password", detail: "confirmation differs"})
	}
	hash, err := content.HashPassword(next)
	if err != nil {
		return fmt.Errorf("hash password of member %d: %w", m.ID, err)
	}
	if err := s.db.SetMemberPassword(ctx, m.ID, hash, sess.TokenHash); err != nil {
		return fmt.Errorf("set password of member %d: %w", m.ID, err)
	}
	s.log.Info("password changed", "request_id", reqFrom(ctx).id, "member_id", m.ID)
	return redirect(w, r, "/settings?saved=password")
}

// fieldAs points a domain error at the form field that shows it, where the
// form's name differs from the domain's ("password" → "new_password").
func (s *Server) fieldAs(err error, field string) *problem {
	p := *s.problemOf(err)
	p.field = field
	return &p
}

// settingsRefused shows the settings again with the message next to the
// field at fault. An invalid field answers 422, as the form is re-rendered
// for correction.
func (s *Server) settingsRefused(w http.ResponseWriter, r *http.Request, page settingsForm, form string, err error) error {
	p := s.problemOf(err)
	if p.status >= 500 {
		return err
	}
	status := p.status
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity
	}
	field := p.field
	if field == "" {
		field = "form"
	}
	s.problemHeaders(w, p)
	page.Form = form
	page.Errors = map[string]string{field: s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)}
	page.ErrorField = errorAnchor(field)
	return s.render(w, r, status, "settings", page)
}
