package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
)

// maxTargetLen bounds what the follow form accepts: a handle is short, an
// actor URL rarely longer than a few hundred bytes.
const maxTargetLen = 500

// maxIRILen bounds an actor id posted back from a hidden field.
const maxIRILen = 2048

// actorsPerPage is how many follows or followers one page lists.
const actorsPerPage = 50

// remoteTimeout bounds the calls to other servers one button may make
// (WebFinger, then the actor), well inside the server's write timeout, so
// the member gets an answer rather than a dropped connection.
const remoteTimeout = 20 * time.Second

type followsPage struct {
	Target    string            // what the member typed, shown again after an error
	Notice    string            // confirmation after a redirect
	Errors    map[string]string // field name ("target" or "form") → message
	Sent      []actorView       // follow requests the member sent that wait for an answer
	Following []actorView
	Total     int
	Pager     pager
	MaxTarget int
}

// actorView is how a page shows another actor: its handle, linked to its
// profile, and its name.
type actorView struct {
	IRI    string
	Handle string // @user@host, or the IRI when the actor is not known
	Name   string
	URL    string
	Since  time.Time
}

// pager links the pages of a long list. Path is the list's page, so the
// links hold when a form post to another path re-renders it.
type pager struct {
	Path             string
	Page, Prev, Next int // Prev and Next are 0 when there is no such page
}

// followsNotices are the confirmations /follows?done= may show; the query
// picks one, it never supplies text.
var followsNotices = map[string]string{
	"sent":       "follows.notice_sent",
	"already":    "follows.notice_already",
	"unfollowed": "follows.notice_unfollowed",
}

// needsFederation answers 404 for the following pages when the node runs
// without federation: there is no one to follow.
func (s *Server) needsFederation(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.cfg.Federation == nil {
			return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "federation is off"}
		}
		return h(w, r)
	}
}

func (s *Server) followsPage(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/follows"))
	}
	var page followsPage
	if key, ok := followsNotices[r.URL.Query().Get("done")]; ok {
		page.Notice = s.catalogs[reqFrom(r.Context()).lang].t(key)
	}
	return s.renderFollows(w, r, m, http.StatusOK, page)
}

// renderFollows fills the lists of the follows page and renders it.
func (s *Server) renderFollows(w http.ResponseWriter, r *http.Request, m *content.Member, status int, page followsPage) error {
	ctx := r.Context()
	actor := s.cfg.Federation.IRIs().Actor(m.Username)
	page.MaxTarget = maxTargetLen
	page.Pager = pager{Path: "/follows", Page: pageNumber(r)}
	total, iris, err := s.db.Following(ctx, actor, (page.Pager.Page-1)*actorsPerPage, actorsPerPage)
	if err != nil {
		return fmt.Errorf("list follows of member %d: %w", m.ID, err)
	}
	page.Total = total
	page.Pager.link(total)
	if page.Following, err = s.actorViews(ctx, iris); err != nil {
		return err
	}
	sent, err := s.sentRequests(ctx, actor)
	if err != nil {
		return fmt.Errorf("list follow requests of member %d: %w", m.ID, err)
	}
	for _, f := range sent {
		v, err := s.actorView(ctx, f.Followee)
		if err != nil {
			return err
		}
		v.Since = f.CreatedAt
		page.Sent = append(page.Sent, v)
	}
	return s.render(w, r, status, "follows", page)
}

// sentRequests lists the follow requests a member sent that the other
// side has not accepted yet.
func (s *Server) sentRequests(ctx context.Context, actor string) ([]content.Follow, error) {
	return s.db.PendingFollowing(ctx, actor)
}

// follow sends a Follow to the actor the member named by handle or URL.
// The handle is resolved here first, so that a failure to find the
// account is told apart from a failure to store the request.
func (s *Server) follow(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), remoteTimeout)
	defer cancel()
	fed := s.cfg.Federation
	raw := r.PostForm.Get("target")
	page := followsPage{Target: raw}
	target, err := followTarget(raw)
	if err != nil {
		return s.followsRefused(w, r, m, page, err)
	}
	iri, err := fed.Resolve(ctx, target)
	if err != nil {
		return s.followsRefused(w, r, m, page, s.followProblem(err))
	}
	if fed.IRIs().IsLocal(iri) {
		return s.followsRefused(w, r, m, page, &problem{status: http.StatusUnprocessableEntity,
			key: "error.follow_local", field: "target", detail: "follow of local actor " + iri})
	}
	_, err = fed.Follow(ctx, m, iri)
	switch {
	case content.KindOf(err) == content.KindConflict:
		return redirect(w, r, "/follows?done=already")
	case err != nil:
		return s.followsRefused(w, r, m, page, s.followProblem(err))
	}
	s.log.Info("follow requested", "request_id", reqFrom(ctx).id, "member_id", m.ID, "actor", iri)
	return redirect(w, r, "/follows?done=sent")
}

// followTarget checks what the member typed before anything goes out.
func followTarget(raw string) (string, error) {
	target := strings.TrimSpace(raw)
	invalid := &problem{status: http.StatusUnprocessableEntity, key: "error.code.handle.invalid", field: "target",
		detail: "not a handle or actor URL"}
	switch {
	case target == "":
		return "", &problem{status: http.StatusUnprocessableEntity, key: "error.follow_target_required", field: "target",
			detail: "no follow target"}
	case len(target) > maxTargetLen:
		return "", invalid
	case strings.HasPrefix(target, "https://"), strings.HasPrefix(target, "http://"):
		if !isActorIRI(target) {
			return "", invalid
		}
	}
	return target, nil
}

// followProblem says what went wrong with a follow in words the member
// can act on. Resolve and Follow fail mostly on the other server's side:
// unreachable, no such account, an answer we cannot use; the detail goes
// to the log, never to the page.
func (s *Server) followProblem(err error) *problem {
	if e, ok := content.AsError(err); ok {
		switch {
		case e.Code == "handle.invalid":
			p := s.problemOf(err)
			p.field = "target"
			return p
		case e.Kind == content.KindConflict, e.Kind == content.KindNotFound, e.Kind == content.KindForbidden:
			return s.problemOf(err)
		}
		// An invalid actor document is the other server's fault, not
		// the member's: fall through to "could not use its answer".
	}
	if he, ok := errors.AsType[*federation.HTTPError](err); ok && (he.Status == http.StatusNotFound || he.Status == http.StatusGone) {
		return &problem{status: http.StatusUnprocessableEntity, key: "error.follow_no_account", field: "target", err: err}
	}
	return &problem{status: http.StatusBadGateway, key: "error.follow_unreachable", field: "target", err: err}
}

// remoteProblem is followProblem for buttons that act on a known actor:
// there is no field to correct, only a server to wait for.
func (s *Server) remoteProblem(err error) *problem {
	if _, ok := content.AsError(err); ok && content.KindOf(err) != content.KindInvalid {
		return s.problemOf(err)
	}
	return &problem{status: http.StatusBadGateway, key: "error.remote_unreachable", err: err}
}

// followsRefused shows the follows page again with the message next to
// the field at fault, or above the lists.
func (s *Server) followsRefused(w http.ResponseWriter, r *http.Request, m *content.Member, page followsPage, err error) error {
	status, field, msg, ok := s.refusal(r, err)
	if !ok {
		return err
	}
	page.Errors = map[string]string{field: msg}
	return s.renderFollows(w, r, m, status, page)
}

// refusal turns an error into what a re-rendered form shows: the status,
// the field at fault ("form" for none) and the message. ok is false for
// faults of this node, which get the error page instead. An invalid field
// answers 422, as the form is shown again for correction; another server
// that fails answers 502 and is logged, as the log is where the detail is.
func (s *Server) refusal(r *http.Request, err error) (status int, field, msg string, ok bool) {
	p := s.problemOf(err)
	if p.status >= 500 && p.status != http.StatusBadGateway {
		return 0, "", "", false
	}
	if p.status == http.StatusBadGateway {
		s.log.Warn("remote server failed", "request_id", reqFrom(r.Context()).id, "err", p.Error())
	}
	status = p.status
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity
	}
	field = p.field
	if field == "" {
		field = "form"
	}
	return status, field, s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...), true
}

// unfollow withdraws a follow or a follow request with Undo{Follow}.
func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), remoteTimeout)
	defer cancel()
	iri, err := actorIRIField(r.PostForm.Get("target"))
	if err != nil {
		return err
	}
	err = s.cfg.Federation.Unfollow(ctx, m, iri)
	switch {
	case content.KindOf(err) == content.KindNotFound:
		// Already gone (a second click, or the other side rejected it):
		// the member has what they asked for.
	case err != nil:
		return s.followsRefused(w, r, m, followsPage{}, s.remoteProblem(err))
	default:
		s.log.Info("unfollowed", "request_id", reqFrom(ctx).id, "member_id", m.ID, "actor", iri)
	}
	return redirect(w, r, "/follows?done=unfollowed")
}

// actorIRIField reads an actor id from a hidden field. Only a tampered
// form sends anything else, so it gets a plain 400.
func actorIRIField(v string) (string, error) {
	if len(v) > maxIRILen || !isActorIRI(v) {
		return "", &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "not an actor IRI"}
	}
	return v, nil
}

// isActorIRI reports whether v is an absolute http(s) URL with a host.
func isActorIRI(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// actorViews describes each actor of a list.
func (s *Server) actorViews(ctx context.Context, iris []string) ([]actorView, error) {
	out := make([]actorView, 0, len(iris))
	for _, iri := range iris {
		v, err := s.actorView(ctx, iri)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// actorView describes an actor from what is stored about it, without
// going out to its server: a page must not wait for other servers.
func (s *Server) actorView(ctx context.Context, iri string) (actorView, error) {
	v := actorView{IRI: iri, Handle: iri, URL: iri}
	a, err := s.db.RemoteActor(ctx, iri)
	switch {
	case err == nil:
		if a.Username != "" && a.Host != "" {
			v.Handle = "@" + a.Username + "@" + a.Host
		}
		if a.Name != "" && a.Name != a.Username {
			v.Name = a.Name
		}
		if isActorIRI(a.URL) {
			v.URL = a.URL
		}
	case content.KindOf(err) == content.KindNotFound:
		if name, ok := s.cfg.Federation.IRIs().LocalUsername(iri); ok {
			v.Handle, v.URL = "@"+name+"@"+s.cfg.Host, "/@"+name
		}
	default:
		return v, fmt.Errorf("read actor %s: %w", iri, err)
	}
	if !isActorIRI(v.URL) && !strings.HasPrefix(v.URL, "/@") {
		v.URL = ""
	}
	return v, nil
}

// pageNumber reads ?page=, 1 when absent or odd.
// maxListPage bounds ?page= of the lists: an OFFSET walks every row it
// skips, and 2,000 pages of 50 are more follows than anyone has.
const maxListPage = 2000

func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > maxListPage {
		return 1
	}
	return n
}

// link sets the neighbouring pages of a list of total items.
func (p *pager) link(total int) {
	if p.Page > 1 {
		p.Prev = p.Page - 1
	}
	if p.Page*actorsPerPage < total {
		p.Next = p.Page + 1
	}
}
