package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"kring/content"
	"kring/storage"
)

// feedSize is how many entries a feed holds: readers poll, and the newest
// twenty is what they need.
const feedSize = 20

// feedTypes are the formats a feed is offered in, with their media types.
var feedTypes = map[string]string{
	"rss":  "application/rss+xml; charset=utf-8",
	"atom": "application/atom+xml; charset=utf-8",
}

func (s *Server) nodeFeedRoute(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		posts, err := s.db.Posts(r.Context(), postFilterListed(0, ""))
		if err != nil {
			return err
		}
		name := s.cfg.Host
		if st := reqFrom(r.Context()); st.node != nil && st.node.Name != "" {
			name = st.node.Name
		}
		return s.writeFeed(w, format, s.feedOf(name, s.base()+"/", s.postItems(posts)))
	}
}

func (s *Server) memberFeed(w http.ResponseWriter, r *http.Request, username, format string) error {
	m, err := s.db.MemberByUsername(r.Context(), username)
	if err != nil || m.Suspended {
		return &problem{status: http.StatusNotFound, key: "error.member_not_found", err: err}
	}
	posts, err := s.db.Posts(r.Context(), postFilterListed(m.ID, ""))
	if err != nil {
		return err
	}
	return s.writeFeed(w, format, s.feedOf(m.Name(), s.base()+"/@"+m.Username, s.postItems(posts)))
}

func (s *Server) tagFeedRoute(w http.ResponseWriter, r *http.Request) error {
	format, ok := strings.CutPrefix(r.PathValue("feed"), "feed.")
	tag, valid := content.NormalizeTag(r.PathValue("tag"))
	if !ok || !valid {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such feed"}
	}
	objs, err := s.db.TaggedObjects(r.Context(), tag, time.Time{}, feedSize)
	if err != nil {
		return err
	}
	var items []*feeds.Item
	for _, o := range objs {
		title := o.Name
		if title == "" {
			title = truncateRunes(content.HTMLToText(o.Content), 80)
		}
		link := o.URL
		if link == "" {
			link = o.IRI
		}
		items = append(items, &feeds.Item{Id: o.IRI, Title: title, Link: &feeds.Link{Href: link}, Description: o.Summary,
			Content: o.Content, Created: o.Published, Updated: o.Updated, // sanitised when stored
			Author: &feeds.Author{Name: firstNonEmpty(o.AuthorName, o.AuthorHandle, o.AttributedTo)}})
	}
	return s.writeFeed(w, format, s.feedOf("#"+tag, s.base()+"/tags/"+tag, items))
}

func (s *Server) postItems(posts []content.Post) []*feeds.Item {
	items := make([]*feeds.Item, 0, len(posts))
	for _, p := range posts {
		link := s.base() + "/@" + p.Author + "/" + p.Slug
		items = append(items, &feeds.Item{Id: p.IRI, Title: p.Title, Link: &feeds.Link{Href: link}, Description: p.Lead,
			Content: p.Content, Created: p.Published, Updated: p.Updated,
			Author: &feeds.Author{Name: p.Author}})
	}
	return items
}

func (s *Server) feedOf(title, link string, items []*feeds.Item) *feeds.Feed {
	f := &feeds.Feed{Title: title, Link: &feeds.Link{Href: link}, Id: link, Description: title, Items: items, Created: time.Unix(0, 0).UTC()}
	for _, it := range items {
		if it.Created.After(f.Created) {
			f.Created = it.Created
		}
		if it.Updated.After(f.Updated) {
			f.Updated = it.Updated
		}
	}
	if f.Updated.Before(f.Created) {
		f.Updated = f.Created
	}
	return f
}

func (s *Server) writeFeed(w http.ResponseWriter, format string, f *feeds.Feed) error {
	ct, ok := feedTypes[format]
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no feed format " + format}
	}
	var body string
	var err error
	if format == "rss" {
		body, err = f.ToRss()
	} else {
		body, err = f.ToAtom()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write([]byte(body))
	return err
}

// base is the node's URL root: feeds need absolute links.
func (s *Server) base() string {
	if s.cfg.Federation != nil {
		return s.cfg.Federation.IRIs().Base()
	}
	scheme := "https"
	if s.cfg.Dev {
		scheme = "http"
	}
	return scheme + "://" + s.cfg.Host
}

// timeParam reads ?before= (Unix milliseconds) for paging back in time.
func timeParam(r *http.Request) time.Time {
	ms, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func postFilterListed(authorID int64, tag string) storage.PostFilter {
	return storage.PostFilter{AuthorID: authorID, Listed: true, Tag: tag, Limit: feedSize}
}

// feedLink is a feed a page announces for feed readers to discover.
type feedLink struct {
	Type, Title, Href string
}

// feedLinks are the feeds of a page: the node's everywhere, and the
// member's, the forum's or the tag's on their pages.
func feedLinks(path string, cat catalog) []feedLink {
	links := []feedLink{
		{Type: "application/rss+xml", Title: cat.t("feed.rss"), Href: "/feed.rss"},
		{Type: "application/atom+xml", Title: cat.t("feed.atom"), Href: "/feed.atom"},
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	var base, name string
	switch {
	case strings.HasPrefix(seg[0], "@") && content.ValidateUsername(seg[0][1:]) == nil:
		base, name = "/"+seg[0], seg[0]
	case seg[0] == "f" && len(seg) > 1 && content.ValidateUsername(seg[1]) == nil:
		base, name = "/f/"+seg[1], seg[1]
	case seg[0] == "tags" && len(seg) > 1:
		if tag, ok := content.NormalizeTag(seg[1]); ok {
			base, name = "/tags/"+tag, "#"+tag
		}
	}
	if base != "" {
		links = append(links,
			feedLink{Type: "application/rss+xml", Title: cat.t("feed.rss") + " " + name, Href: base + "/feed.rss"},
			feedLink{Type: "application/atom+xml", Title: cat.t("feed.atom") + " " + name, Href: base + "/feed.atom"})
	}
	return links
}
