package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kring/content"
)

// csrfField is the hidden form field that carries the token.
const csrfField = "csrf"

// csrfCookieLifetime outlasts any form left open in a tab.
const csrfCookieLifetime = 30 * 24 * time.Hour

// csrfCookieName is the double-submit cookie of anonymous visitors. In
// production the __Host- prefix stops a sibling subdomain from planting a
// token of its choosing, the classic weakness of double-submit cookies.
func (s *Server) csrfCookieName() string {
	if s.cfg.Dev {
		return "kring_csrf"
	}
	return "__Host-kring_csrf"
}

// unsafeMethod reports whether a method may change state and so needs CSRF
// protection.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions && m != http.MethodTrace
}

// formToken returns the token the page's forms carry: the session's own
// for a member, else the visitor's double-submit cookie, issued here when
// missing.
func (s *Server) formToken(w http.ResponseWriter, r *http.Request, st *request) string {
	if st.session != nil {
		return st.session.CSRFToken
	}
	if c, err := r.Cookie(s.csrfCookieName()); err == nil && validToken(c.Value) {
		return c.Value
	}
	token := content.NewToken()
	http.SetCookie(w, s.cookie(s.csrfCookieName(), token, csrfCookieLifetime, http.SameSiteStrictMode))
	return token
}

// checkCSRF refuses a state-changing request that did not come from one of
// our own forms: a foreign Origin, a cross-site fetch, or a token that does
// not match the session's (members) or the double-submit cookie
// (anonymous visitors).
func (s *Server) checkCSRF(r *http.Request, st *request) error {
	if origin := r.Header.Get("Origin"); origin != "" && !slices.Contains(s.origins, origin) {
		return csrfProblem("foreign origin")
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return csrfProblem("cross-site fetch")
	}
	if err := parseForm(r); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return &problem{status: http.StatusBadRequest, key: "error.bad_request", err: fmt.Errorf("parse form: %w", err)}
	}
	got := r.PostForm.Get(csrfField)
	var want string
	if st.session != nil {
		want = st.session.CSRFToken
	} else if c, err := r.Cookie(s.csrfCookieName()); err == nil && validToken(c.Value) {
		want = c.Value
	}
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return csrfProblem("token mismatch")
	}
	return nil
}

// parseForm reads a posted form, URL-encoded or multipart (uploads). The
// route's body cap bounds a multipart form, so it is kept in memory whole
// and no upload lands in a temporary file.
// Every value comes out as valid UTF-8 (bad bytes become U+FFFD): browsers
// send nothing else, and text that is not UTF-8 breaks what is built from
// it later (the calendar's line folding looped on it, found by FuzzICal).
func parseForm(r *http.Request) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(math.MaxInt64)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return err
	}
	validUTF8(r.Form)
	validUTF8(r.PostForm)
	if r.MultipartForm != nil {
		validUTF8(r.MultipartForm.Value)
	}
	return nil
}

func validUTF8(values map[string][]string) {
	for _, vs := range values {
		for i, v := range vs {
			if !utf8.ValidString(v) {
				vs[i] = strings.ToValidUTF8(v, "\uFFFD")
			}
		}
	}
}

func csrfProblem(why string) *problem {
	return &problem{status: http.StatusForbidden, key: "error.csrf", detail: "csrf: " + why}
}
