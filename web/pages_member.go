package web

import (
	"net/http"
	"net/url"
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
	Profile  profileView
}

// profileView is what a member's page shows of their profile: their
// work, topics linked to the directory, and for speakers what they
// offer, linked to the speakers page.
type profileView struct {
	Organisation, JobTitle, Region string
	Languages                      []string // language names where known, else the tags
	Links                          []content.ProfileLink
	Topics                         []topicLink
	Speaker                        bool
	SpeakerTopics                  []topicLink
	Formats                        []string
	SpeakerLanguages               []string
	Pitch                          string
}

func (s *Server) profileViewOf(cat catalog, p *content.Profile) profileView {
	v := profileView{Organisation: p.Organisation, JobTitle: p.JobTitle, Region: p.Region, Links: p.Links,
		Languages: s.languageNames(cat, p.Languages), Topics: topicLinks(p.Topics, directoryTopicHref)}
	if !p.Speaker {
		return v
	}
	v.Speaker, v.Pitch = true, p.Pitch
	v.SpeakerTopics = topicLinks(p.SpeakerTopics, func(t string) string { return "/speakers?topic=" + url.QueryEscape(content.TopicKey(t)) })
	v.SpeakerLanguages = s.languageNames(cat, p.SpeakerLanguages)
	for _, f := range p.SpeakerFormats {
		v.Formats = append(v.Formats, cat.t("directory.format."+string(f)))
	}
	return v
}

// languageNames names the language tags the catalogue knows ("nl" →
// "Nederlands") and leaves the others as tags.
func (s *Server) languageNames(cat catalog, tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, tag := range tags {
		if key := "directory.language." + tag; s.hasKey(key) {
			out = append(out, cat.t(key))
		} else {
			out = append(out, tag)
		}
	}
	return out
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
	prof, err := s.db.Profile(r.Context(), m.ID)
	if err != nil {
		return err
	}
	page.Profile = s.profileViewOf(s.catalogs[reqFrom(r.Context()).lang], prof)
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
