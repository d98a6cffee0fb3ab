package web

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"kring/federation"
)

// route is one entry of the routes table. A page route gets the session,
// the language, the form-size cap and CSRF protection; a bare route gets
// none of them (health checks and static files must not touch the
// session table) and so may only read.
type route struct {
	pattern string
	handle  handlerFunc
	bare    bool
	maxBody int64 // a page route's body cap; 0 means maxFormBytes
}

// routes is the whole table: the core below, then each feature's own list
// (routes_*.go), so that a feature's routes live next to its handlers.
func (s *Server) routes() []route {
	var all []route
	for _, group := range [][]route{s.coreRoutes(), s.blogRoutes(), s.mediaRoutes(), s.sitePageRoutes(), s.forumRoutes(), s.eventRoutes(),
		s.policyRoutes(), s.reportRoutes(), s.accountRoutes(), s.opsRoutes(), s.searchRoutes(),
		s.directoryRoutes(), s.speakersRoutes(), s.dataRoutes()} {
		all = append(all, group...)
	}
	return all
}

func (s *Server) coreRoutes() []route {
	return []route{
		{pattern: "GET /{$}", handle: s.home},
		{pattern: "GET /{handle}", handle: s.profile}, // /@username; ServeMux wildcards must fill a whole segment
		{pattern: "GET /login", handle: s.loginPage},
		{pattern: "POST /login", handle: s.login},
		{pattern: "POST /logout", handle: s.logout},
		{pattern: "GET /settings", handle: s.settingsPage},
		{pattern: "POST /settings/profile", handle: s.saveProfile},
		{pattern: "POST /settings/password", handle: s.changePassword},
		{pattern: "POST /settings/followers", handle: s.needsFederation(s.saveFollowerApproval)},
		{pattern: "GET /follows", handle: s.needsFederation(s.followsPage)},
		{pattern: "POST /follows", handle: s.needsFederation(s.follow)},
		{pattern: "POST /follows/undo", handle: s.needsFederation(s.unfollow)},
		{pattern: "GET /followers", handle: s.needsFederation(s.followersPage)},
		{pattern: "POST /followers/approve", handle: s.needsFederation(s.approveFollower)},
		{pattern: "POST /followers/reject", handle: s.needsFederation(s.rejectFollower)},
		{pattern: "POST /language", handle: s.switchLanguage},
		{pattern: "GET /healthz", handle: s.healthz, bare: true},
		{pattern: "GET /static/{name}", handle: s.serveStatic, bare: true},
	}
}

func (s *Server) registerRoutes() error {
	for _, rt := range s.routes() {
		if rt.bare {
			method, _, _ := strings.Cut(rt.pattern, " ")
			if unsafeMethod(method) {
				return fmt.Errorf("route %q: a bare route skips CSRF protection and may only read", rt.pattern)
			}
			s.mux.Handle(rt.pattern, s.bareHandler(rt.handle))
			continue
		}
		s.mux.Handle(rt.pattern, s.cappedPageHandler(rt.handle, cmp.Or(rt.maxBody, maxFormBytes)))
	}
	if s.cfg.Federation != nil {
		for _, rt := range s.cfg.Federation.Routes() {
			s.mux.Handle(rt.Pattern, federationHandler(rt))
		}
	}
	return nil
}

// maxFederationGetBody bounds the body of federation routes that declare
// none: GETs have no business sending one.
const maxFederationGetBody = 64 << 10

// federationHandler mounts an ActivityPub endpoint: no session, no CSRF
// (servers sign their requests instead), and the route's own body cap.
func federationHandler(rt federation.Route) http.Handler {
	limit := rt.MaxBody
	if limit <= 0 {
		limit = maxFederationGetBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		rt.Handler.ServeHTTP(w, r)
	})
}

func (s *Server) pageHandler(h handlerFunc) http.Handler { return s.cappedPageHandler(h, maxFormBytes) }

// cappedPageHandler is a page route whose body may be up to maxBody bytes.
func (s *Server) cappedPageHandler(h handlerFunc, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.servePage(w, r, h, maxBody); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, h handlerFunc, maxBody int64) error {
	if err := limitBody(w, r, maxBody); err != nil {
		return err
	}
	st := reqFrom(r.Context())
	if err := s.prepare(w, r, st); err != nil {
		return err
	}
	if unsafeMethod(r.Method) {
		if err := s.checkCSRF(r, st); err != nil {
			return err
		}
	}
	return h(w, r)
}

func (s *Server) bareHandler(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// dispatch routes a request. What the mux would answer with its own plain
// text (no route, wrong method) gets the node's error page instead.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	rec := &captureWriter{header: http.Header{}}
	s.mux.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		s.unrouted(w, r, rec.status, rec.header.Get("Allow"))
	default:
		// A redirect to the cleaned path, or similar: pass it on as is.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	}
}

// unrouted answers 404 and 405 with the visitor's session and language
// when they can be had, so the page header stays right.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request, status int, allow string) {
	st := reqFrom(r.Context())
	if err := s.prepare(w, r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	p := &problem{status: status, key: "error.not_found", detail: "no route"}
	if status == http.StatusMethodNotAllowed {
		p.key, p.allow, p.detail = "error.method_not_allowed", allow, "method not allowed"
	}
	s.fail(w, r, p)
}

// backPath is where a page's language switch returns to: the page itself
// for a GET; for a re-rendered form post, the page the form came from.
func (s *Server) backPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if p := s.refererPath(r); p != "" {
		return p
	}
	return "/"
}

// refererPath is the local path of the Referer when it names this node.
func (s *Server) refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != s.cfg.Host || !slices.Contains(s.origins, u.Scheme+"://"+u.Host) {
		return ""
	}
	return localPath(u.RequestURI())
}

// localPath returns p if it is a path on this node, else "". It keeps
// redirects from leaving the node: "//evil.example", "/\evil.example" and
// absolute URLs are refused.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	if strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' }) {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return u.RequestURI()
}

// captureWriter holds the mux's own answer so dispatch can replace it.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
