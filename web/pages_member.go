package web

import (
	"net/http"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

type memberPage struct {
	Username string
	Name     string
	Bio      string
	Joined   time.Time
	Posts    []content.Post
	Drafts   []content.Post // shown to the member alone
}

// profile shows a member at /@username. A suspended member's page is gone
// (410) rather than missing, so that caches and readers learn it was
// removed on purpose.
func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	username, ok := strings.CutPrefix(r.PathValue("handle"), "@")
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no route"}
	}
	if lower := strings.ToLower(username); lower != username && content.ValidateUsername(lower) == nil {
		// Handles are case-insensitive on the fediverse; one address per member.
		http.Redirect(w, r, "/@"+lower, http.StatusMovedPermanently)
		return nil
	}
	if err := content.ValidateUsername(username); err != nil {
		return &problem{status: http.StatusNotFound, key: "error.member_not_found", err: err}
	}
	if fed := s.cfg.Federation; fed != nil {
		// One URL for people and servers: Mastodon links profiles here.
		w.Header().Add("Vary", "Accept")
		if federation.WantsActivityJSON(r) {
			fed.ServeActor(w, r, username)
			return nil
		}
	}
	m, err := s.db.MemberByUsername(r.Context(), username)
	if node := reqFrom(r.Context()).node; content.KindOf(err) == content.KindNotFound && node != nil && node.OrgUsername == username {
		// The organisation speaks for the whole node: its page is the home page.
		http.Redirect(w, r, "/", http.StatusFound)
		return nil
	}
	if content.KindOf(err) == content.KindNotFound {
		return &problem{status: http.StatusNotFound, key: "error.member_not_found", err: err}
	}
	if err != nil {
		return err
	}
	if m.Suspended {
		return &problem{status: http.StatusGone, key: "error.member_suspended", detail: "member " + username + " is suspended"}
	}
	page := memberPage{Username: m.Username, Name: m.Name(), Bio: m.Bio, Joined: m.CreatedAt}
	if page.Posts, err = s.db.Posts(r.Context(), storage.PostFilter{AuthorID: m.ID, Listed: true, Limit: 20}); err != nil {
		return err
	}
	if viewer := reqFrom(r.Context()).member; viewer != nil && viewer.ID == m.ID {
		all, err := s.db.Posts(r.Context(), storage.PostFilter{AuthorID: m.ID, Drafts: true, Limit: 50})
		if err != nil {
			return err
		}
		for _, p := range all {
			if p.State == content.PostDraft {
				page.Drafts = append(page.Drafts, p)
			}
		}
	}
	return s.render(w, r, http.StatusOK, "member", page)
}
