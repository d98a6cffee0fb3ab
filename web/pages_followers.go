package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"kring/content"
)

type followersPage struct {
	Notice    string
	Error     string      // why the last button did not work
	Requests  []actorView // follow requests waiting for the member's answer
	Followers []actorView
	Total     int
	Pager     pager
	Manual    bool // the member approves followers by hand
}

// followersNotices are the confirmations /followers?done= may show.
var followersNotices = map[string]string{
	"approved": "followers.notice_approved",
	"rejected": "followers.notice_rejected",
	"removed":  "followers.notice_removed",
}

func (s *Server) followersPage(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/followers"))
	}
	var page followersPage
	if key, ok := followersNotices[r.URL.Query().Get("done")]; ok {
		page.Notice = s.catalogs[reqFrom(r.Context()).lang].t(key)
	}
	return s.renderFollowers(w, r, m, http.StatusOK, page)
}

// renderFollowers fills the lists of the followers page and renders it.
func (s *Server) renderFollowers(w http.ResponseWriter, r *http.Request, m *content.Member, status int, page followersPage) error {
	ctx := r.Context()
	fed := s.cfg.Federation
	page.Manual = m.ManuallyApprovesFollowers
	pending, err := fed.PendingFollowers(ctx, m)
	if err != nil {
		return fmt.Errorf("list follow requests of member %d: %w", m.ID, err)
	}
	for _, f := range pending {
		v, err := s.actorView(ctx, f.Follower)
		if err != nil {
			return err
		}
		v.Since = f.CreatedAt
		page.Requests = append(page.Requests, v)
	}
	page.Pager = pager{Path: "/followers", Page: pageNumber(r)}
	total, iris, err := s.db.Followers(ctx, fed.IRIs().Actor(m.Username), (page.Pager.Page-1)*actorsPerPage, actorsPerPage)
	if err != nil {
		return fmt.Errorf("list followers of member %d: %w", m.ID, err)
	}
	page.Total = total
	page.Pager.link(total)
	if page.Followers, err = s.actorViews(ctx, iris); err != nil {
		return err
	}
	return s.render(w, r, status, "followers", page)
}

// approveFollower accepts a follow request and sends the Accept.
func (s *Server) approveFollower(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), remoteTimeout)
	defer cancel()
	iri, err := actorIRIField(r.PostForm.Get("follower"))
	if err != nil {
		return err
	}
	err = s.cfg.Federation.ApproveFollower(ctx, m, iri)
	switch {
	case content.KindOf(err) == content.KindConflict:
		// Accepted already, by a second click or from the CLI.
	case err != nil:
		return s.followersRefused(w, r, m, s.remoteProblem(err))
	default:
		s.log.Info("follower approved", "request_id", reqFrom(ctx).id, "member_id", m.ID, "actor", iri)
	}
	return redirect(w, r, "/followers?done=approved")
}

// rejectFollower refuses a follow request, or removes a follower, and
// sends the Reject.
func (s *Server) rejectFollower(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), remoteTimeout)
	defer cancel()
	iri, err := actorIRIField(r.PostForm.Get("follower"))
	if err != nil {
		return err
	}
	fed := s.cfg.Federation
	done := "rejected"
	f, err := s.db.FollowBetween(ctx, iri, fed.IRIs().Actor(m.Username))
	switch {
	case content.KindOf(err) == content.KindNotFound:
		// Gone already (a second click, or an Undo from their side): the
		// member has what they asked for.
		return redirect(w, r, "/followers?done="+done)
	case err != nil:
		return fmt.Errorf("read follow of member %d by %s: %w", m.ID, iri, err)
	case f.State == content.FollowAccepted:
		done = "removed"
	}
	err = fed.RejectFollower(ctx, m, iri)
	switch {
	case content.KindOf(err) == content.KindNotFound:
	case err != nil:
		return s.followersRefused(w, r, m, s.remoteProblem(err))
	default:
		s.log.Info("follower "+done, "request_id", reqFrom(ctx).id, "member_id", m.ID, "actor", iri)
	}
	return redirect(w, r, "/followers?done="+done)
}

// followersRefused shows the followers page again with the reason the
// button did not work.
func (s *Server) followersRefused(w http.ResponseWriter, r *http.Request, m *content.Member, err error) error {
	status, _, msg, ok := s.refusal(r, err)
	if !ok {
		return err
	}
	return s.renderFollowers(w, r, m, status, followersPage{Error: msg})
}
