package web

import (
	"net/http"
	"time"

	"kring/content"
)

// langCookieLifetime keeps a visitor's language choice for a year.
const langCookieLifetime = 365 * 24 * time.Hour

// switchLanguage stores the visitor's language choice and returns to the
// page they were on. It works without logging in, so the login page itself
// can be read in either language.
func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) error {
	lang, err := content.ParseLanguage(r.PostForm.Get("lang"))
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(langCookie, string(lang), langCookieLifetime, http.SameSiteLaxMode))
	back := localPath(r.PostForm.Get("next"))
	if back == "" {
		back = s.refererPath(r)
	}
	if back == "" {
		back = "/"
	}
	return redirect(w, r, back)
}
