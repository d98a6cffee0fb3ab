package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"kring/content"
)

// sessionLifetime is how long a login lasts.
const sessionLifetime = 30 * 24 * time.Hour

// sessionCookieName uses the __Host- prefix in production: the browser then
// insists on Secure, Path=/ and no Domain, so a sibling subdomain cannot
// plant or overwrite the cookie.
func (s *Server) sessionCookieName() string {
	if s.cfg.Dev {
		return "kring_session"
	}
	return "__Host-kring_session"
}

// hashToken is what the database stores for a cookie token, so that a copy
// of the database does not let anyone log in.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// validToken reports whether v looks like a content.NewToken value, so
// that junk cookies are dropped before they reach the database.
func validToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// cookie builds a cookie with the attributes every Kring cookie shares;
// maxAge < 0 deletes it.
func (s *Server) cookie(name, value string, maxAge time.Duration, sameSite http.SameSite) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   !s.cfg.Dev,
		SameSite: sameSite,
	}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	return c
}

// loadSession returns the live session named by the request's cookie. A
// cookie that names no live session (expired, logged out, suspended) is
// cleared and the visitor is anonymous.
func (s *Server) loadSession(ctx context.Context, w http.ResponseWriter, r *http.Request) (*content.Session, *content.Member, error) {
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil, nil, nil
	}
	if !validToken(c.Value) {
		http.SetCookie(w, s.cookie(s.sessionCookieName(), "", -1, http.SameSiteLaxMode))
		return nil, nil, nil
	}
	sess, m, err := s.db.SessionMember(ctx, hashToken(c.Value))
	if content.KindOf(err) == content.KindNotFound {
		http.SetCookie(w, s.cookie(s.sessionCookieName(), "", -1, http.SameSiteLaxMode))
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	return sess, m, nil
}

// startSession logs member in with a fresh token: a token planted before
// login (session fixation) never becomes valid.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, memberID int64) (*content.Session, error) {
	token := content.NewToken()
	now := s.now().UTC()
	sess := content.Session{
		TokenHash: hashToken(token),
		MemberID:  memberID,
		CSRFToken: content.NewToken(),
		CreatedAt: now,
		ExpiresAt: now.Add(sessionLifetime),
	}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("start session for member %d: %w", memberID, err)
	}
	http.SetCookie(w, s.cookie(s.sessionCookieName(), token, sessionLifetime, http.SameSiteLaxMode))
	return &sess, nil
}

// endSession deletes the session row and clears the cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, sess *content.Session) error {
	if sess != nil {
		if err := s.db.DeleteSession(ctx, sess.TokenHash); err != nil {
			return fmt.Errorf("end session of member %d: %w", sess.MemberID, err)
		}
	}
	http.SetCookie(w, s.cookie(s.sessionCookieName(), "", -1, http.SameSiteLaxMode))
	return nil
}
