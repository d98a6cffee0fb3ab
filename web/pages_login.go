package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"kring/content"
)

type loginForm struct {
	Username string
	Next     string
	Error    string
}

// loginPage shows the login form; a member who is already logged in goes
// on to where they were headed.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if reqFrom(r.Context()).member != nil {
		if next == "" {
			next = "/"
		}
		return redirect(w, r, next)
	}
	return s.render(w, r, http.StatusOK, "login", loginForm{Next: next})
}

// errLoginFailed is the one answer for a wrong username and a wrong
// password, so the form does not tell which accounts exist.
var errLoginFailed = &problem{status: http.StatusUnauthorized, key: "error.login_failed", detail: "wrong username or password"}

// login checks the password and starts a new session. The client's address
// is limited before any password is hashed, and an account that is under
// attack is refused even with the right password until its window passes.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form := loginForm{
		Username: strings.TrimSpace(r.PostForm.Get("username")),
		Next:     localPath(r.PostForm.Get("next")),
	}
	password := r.PostForm.Get("password")

	ip := ipKey(clientIP(r))
	if ok, wait := s.ipLimit.allow(ip); !ok {
		return s.loginRefused(w, r, form, rateLimited(wait, "login attempts from "+ip))
	}
	s.ipLimit.add(ip)

	m, err := s.db.MemberByUsername(ctx, strings.ToLower(form.Username))
	switch {
	case content.KindOf(err) == content.KindNotFound:
		// Hash anyway, so the answer takes as long as for a real account.
		_, _ = content.CheckPassword(dummyHash(), password)
		return s.loginRefused(w, r, form, errLoginFailed)
	case err != nil:
		return err
	}
	account := "member:" + m.Username
	if ok, wait := s.accountLimit.allow(account); !ok {
		return s.loginRefused(w, r, form, rateLimited(wait, "failed logins for "+m.Username))
	}
	ok, err := content.CheckPassword(m.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("check password of member %d: %w", m.ID, err)
	}
	if !ok {
		s.accountLimit.add(account)
		return s.loginRefused(w, r, form, errLoginFailed)
	}
	if m.Suspended {
		return s.loginRefused(w, r, form, &problem{status: http.StatusForbidden, key: "error.login_suspended",
			detail: "member " + m.Username + " is suspended"})
	}
	s.accountLimit.reset(account)

	// Whoever was logged in on this browser before is logged out first.
	if old := reqFrom(ctx).session; old != nil {
		if err := s.db.DeleteSession(ctx, old.TokenHash); err != nil {
			return fmt.Errorf("end previous session: %w", err)
		}
	}
	if _, err := s.startSession(ctx, w, m.ID); err != nil {
		return err
	}
	s.log.Info("login", "request_id", reqFrom(ctx).id, "member_id", m.ID)
	next := form.Next
	if next == "" {
		next = "/"
	}
	return redirect(w, r, next)
}

// loginRefused shows the form again with the reason. Server faults are not
// the visitor's to read and go to fail instead.
func (s *Server) loginRefused(w http.ResponseWriter, r *http.Request, form loginForm, err error) error {
	p := s.problemOf(err)
	if p.status >= 500 {
		return err
	}
	st := reqFrom(r.Context())
	s.log.Info("login refused", "request_id", st.id, "status", p.status, "reason", p.Error())
	s.problemHeaders(w, p)
	form.Error = s.catalogs[st.lang].t(p.key, p.args...)
	return s.render(w, r, p.status, "login", form)
}

// rateLimited is the answer to too many attempts; the message rounds the
// wait up to whole minutes.
func rateLimited(wait time.Duration, what string) *problem {
	minutes := int((wait + time.Minute - 1) / time.Minute)
	return &problem{status: http.StatusTooManyRequests, key: "error.rate_limited", args: []any{max(minutes, 1)},
		retryAfter: wait, detail: "rate limited: " + what}
}

// dummyHash is hashed against when no member has the username. It is made
// once, on the first such login, as hashing takes tens of milliseconds.
var dummyHash = sync.OnceValue(func() string {
	h, err := content.HashPassword(content.NewToken())
	if err != nil {
		panic(fmt.Sprintf("hash dummy password: %v", err)) // only fails when crypto/rand does
	}
	return h
})

// logout ends the session. It is a POST with a CSRF token, so another site
// cannot log a member out with a link or an image.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := s.endSession(ctx, w, reqFrom(ctx).session); err != nil {
		return err
	}
	return redirect(w, r, "/")
}

// requireMember returns the logged-in member or a 401.
func requireMember(ctx context.Context) (*content.Member, *content.Session, error) {
	st := reqFrom(ctx)
	if st.member == nil || st.session == nil {
		return nil, nil, &problem{status: http.StatusUnauthorized, key: "error.unauthorized", detail: "not logged in"}
	}
	return st.member, st.session, nil
}
