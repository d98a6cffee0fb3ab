package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// searchPage is the search form with its results. Every field is what
// the visitor typed, shown again; Errors are per field.
type searchPage struct {
	Query, Kind, Author, Forum, Since, Until string
	Newest                                   bool

	Kinds  []searchOption
	Forums []searchOption
	Errors map[string]string

	Searched   bool // there were words to search for
	Hits       []searchHit
	Page       int
	Prev, Next string // links to the neighbouring pages; "" for none
	TooFar     string // the page asked for is past the cap

	Found      *foundView
	LookupNote string // why a handle or link was not fetched

	MaxQuery int
}

type searchOption struct {
	Value, Label string
	Selected     bool
}

// searchHit is one result as the page shows it: Path is its page here,
// or its address on its own server when External.
type searchHit struct {
	storage.SearchHit
	Label    string
	Path     string
	External bool
}

// foundView is what a pasted handle or link brought back.
type foundView struct {
	Actor     *actorView
	Summary   string // the actor's, as text
	Following bool
	CanFollow bool

	Object    *content.Object
	Title     string
	Text      string // the object's content, as text, cut
	URL       string // the object on its own server
	EventPath string // its page here, for an event filed in the agenda
}

// The filter's choices and the hits' labels, by kind.
var (
	searchKindKeys = map[string]string{storage.SearchPost: "search.kind_post", storage.SearchThread: "search.kind_thread",
		storage.SearchReply: "search.kind_reply", storage.SearchEvent: "search.kind_event", storage.SearchMember: "search.kind_member"}
	searchLabelKeys = map[string]string{storage.SearchPost: "search.label_post", storage.SearchThread: "search.label_thread",
		storage.SearchReply: "search.label_reply", storage.SearchEvent: "search.label_event", storage.SearchMember: "search.label_member"}
)

// maxFoundText bounds how much of a fetched object the page shows.
const maxFoundText = 600

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st := reqFrom(ctx)
	cat := s.catalogs[st.lang]
	q := r.URL.Query()
	page := searchPage{Query: strings.TrimSpace(q.Get("q")), Kind: q.Get("type"), Author: strings.TrimSpace(q.Get("author")),
		Forum: q.Get("forum"), Since: q.Get("since"), Until: q.Get("until"), Newest: q.Get("sort") == "newest",
		Page: pageNumber(r), Errors: map[string]string{}, MaxQuery: storage.MaxSearchRunes}
	if utf8.RuneCountInString(page.Query) > storage.MaxSearchRunes {
		page.Query = string([]rune(page.Query)[:storage.MaxSearchRunes])
	}
	if err := s.searchOptions(ctx, cat, &page); err != nil {
		return err
	}
	if page.Query == "" {
		return s.render(w, r, http.StatusOK, "search", page)
	}
	key := "search:" + ipKey(clientIP(r))
	if ok, wait := s.searchLimit.allow(key); !ok {
		minutes := int((wait + time.Minute - 1) / time.Minute)
		return &problem{status: http.StatusTooManyRequests, key: "search.rate_limited", args: []any{max(minutes, 1)},
			retryAfter: wait, detail: "rate limited: searches from " + key}
	}
	s.searchLimit.add(key)

	words := page.Query
	if target, ok := federation.LookupTarget(page.Query); ok && s.cfg.Federation != nil {
		words = s.lookUp(r, &page, target)
	}
	sq, ok := s.searchQuery(r, &page, words)
	if !ok || words == "" {
		return s.render(w, r, http.StatusOK, "search", page)
	}
	if page.Page > storage.MaxSearchPage {
		page.TooFar = cat.t("search.page_too_far", storage.MaxSearchPage)
		return s.render(w, r, http.StatusOK, "search", page)
	}
	res, err := s.db.Search(ctx, sq)
	if err != nil {
		return err
	}
	page.Searched = true
	for _, h := range res.Hits {
		page.Hits = append(page.Hits, s.searchHitView(cat, h))
	}
	if page.Page > 1 {
		page.Prev = searchLink(r, page.Page-1)
	}
	if res.More && page.Page < storage.MaxSearchPage {
		page.Next = searchLink(r, page.Page+1)
	}
	return s.render(w, r, http.StatusOK, "search", page)
}

// searchOptions fills the choices of the form's selects.
func (s *Server) searchOptions(ctx context.Context, cat catalog, page *searchPage) error {
	page.Kinds = []searchOption{{Value: "", Label: cat.t("search.kind_all"), Selected: page.Kind == ""}}
	for _, k := range storage.SearchKinds {
		page.Kinds = append(page.Kinds, searchOption{Value: k, Label: cat.t(searchKindKeys[k]), Selected: page.Kind == k})
	}
	forums, err := s.db.ListForums(ctx)
	if err != nil {
		return err
	}
	page.Forums = []searchOption{{Value: "", Label: cat.t("search.forum_all"), Selected: page.Forum == ""}}
	for _, f := range forums {
		page.Forums = append(page.Forums, searchOption{Value: f.Name, Label: f.Title, Selected: page.Forum == f.Name})
	}
	return nil
}

// searchQuery reads the filters; a filter that cannot be used is an error
// on its field, and no search.
func (s *Server) searchQuery(r *http.Request, page *searchPage, words string) (storage.SearchQuery, bool) {
	ctx := r.Context()
	cat := s.catalogs[reqFrom(ctx).lang]
	sq := storage.SearchQuery{Text: words, Newest: page.Newest, Page: page.Page}
	if m := reqFrom(ctx).member; m != nil {
		sq.Viewer = storage.SearchViewer{MemberID: m.ID}
	}
	for _, k := range storage.SearchKinds {
		if page.Kind == k {
			sq.Kind = k
		}
	}
	if page.Author != "" {
		iri, err := s.db.SearchAuthor(ctx, page.Author)
		if err != nil {
			page.Errors["author"] = cat.t("search.unknown_author")
		}
		sq.Author = iri
	}
	if page.Forum != "" {
		if _, err := s.db.ForumByName(ctx, page.Forum); err != nil {
			page.Errors["forum"] = cat.t("search.unknown_forum")
		}
		sq.Forum = page.Forum
	}
	var err error
	if sq.Since, err = searchDate(page.Since, 0); err != nil {
		page.Errors["since"] = cat.t("search.bad_date")
	}
	if sq.Until, err = searchDate(page.Until, 1); err != nil {
		page.Errors["until"] = cat.t("search.bad_date")
	}
	return sq, len(page.Errors) == 0
}

// searchDate reads a date field (YYYY-MM-DD) as the start of that day in
// UTC plus days; empty is the zero time.
func searchDate(s string, days int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	return d.AddDate(0, 0, days), nil
}

// searchLink is this search's address at another page.
func searchLink(r *http.Request, page int) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "page" && len(v) > 0 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	q.Set("page", strconv.Itoa(page))
	return "/search?" + q.Encode()
}

// searchHitView labels a hit and links it: to its page here, else to its
// own server.
func (s *Server) searchHitView(cat catalog, h storage.SearchHit) searchHit {
	v := searchHit{SearchHit: h, Label: cat.t(searchLabelKeys[h.Kind]), Path: SearchHitPath(h, s.eventToken)}
	if h.Kind == storage.SearchMember && !h.Local {
		v.Label = cat.t("search.label_actor")
	}
	if v.Path == "" {
		v.Path, v.External = h.URL, true
		if v.Path == "" {
			v.Path = h.IRI
		}
	}
	return v
}

func (s *Server) eventToken(iri string) (string, bool) {
	if s.cfg.Federation == nil {
		return "", false
	}
	return s.cfg.Federation.IRIs().EventToken(iri)
}

// SearchHitPath is the page on this node that shows a hit, or "" when
// it lives only on its own server (a received post, an actor elsewhere).
// eventToken reads a local event's token from its id. The CLI prints it
// too.
func SearchHitPath(h storage.SearchHit, eventToken func(string) (string, bool)) string {
	switch h.Kind {
	case storage.SearchMember:
		if h.Local {
			return "/@" + h.Username
		}
	case storage.SearchEvent:
		if token, ok := eventToken(h.IRI); ok && h.Local {
			return "/agenda/" + token
		}
		return "/agenda/e/" + strconv.FormatInt(h.EventID, 10)
	case storage.SearchThread:
		return "/f/" + h.Forum + "/" + strconv.FormatInt(h.ThreadID, 10)
	case storage.SearchReply:
		anchor := "#c" + strconv.FormatInt(h.ObjectID, 10)
		switch {
		case h.Forum != "" && h.ThreadID != 0:
			return "/f/" + h.Forum + "/" + strconv.FormatInt(h.ThreadID, 10) + anchor
		case h.PostOwner != "":
			return "/@" + h.PostOwner + "/" + h.PostSlug + anchor
		}
	case storage.SearchPost:
		if h.Slug != "" {
			return "/@" + h.Username + "/" + h.Slug
		}
	}
	return ""
}

// lookUp resolves a pasted handle or link for a member, as Mastodon does
// (only for those logged in: a fetch costs the other server a request).
// It returns the words to search for as well: a handle's username, so
// that a member of this node is found by theirs; nothing for a link.
func (s *Server) lookUp(r *http.Request, page *searchPage, target string) string {
	st := reqFrom(r.Context())
	cat := s.catalogs[st.lang]
	words := ""
	if user, _, ok := strings.Cut(strings.TrimPrefix(target, "@"), "@"); ok && !strings.Contains(target, "://") {
		words = user
	}
	if st.member == nil {
		page.LookupNote = cat.t("search.lookup_login")
		return words
	}
	ctx, cancel := context.WithTimeout(r.Context(), remoteTimeout)
	defer cancel()
	found, err := s.cfg.Federation.SearchLookup(ctx, target)
	if err != nil {
		s.log.Info("search lookup failed", "request_id", st.id, "target", target, "err", err)
		page.LookupNote = cat.t("search.lookup_failed")
		return words
	}
	if found != nil {
		page.Found = s.foundView(r.Context(), st.member, found)
	}
	return words
}

func (s *Server) foundView(ctx context.Context, m *content.Member, f *federation.Found) *foundView {
	v := &foundView{}
	if a := f.Actor; a != nil {
		av := actorView{IRI: a.IRI, Handle: a.IRI, Name: a.Name, URL: a.URL}
		if a.Username != "" {
			av.Handle = "@" + a.Username + "@" + a.Host
		}
		if av.URL == "" {
			av.URL = a.IRI
		}
		v.Actor = &av
		v.Summary = cutText(content.HTMLToText(content.SanitizeHTML(actorSummary(a.Raw))), maxFoundText)
		me := s.cfg.Federation.IRIs().Actor(m.Username)
		fl, err := s.db.FollowBetween(ctx, me, a.IRI)
		v.Following = err == nil && fl.State == content.FollowAccepted
		v.CanFollow = !v.Following
		return v
	}
	o := f.Object
	v.Object, v.URL = o, o.URL
	if v.URL == "" {
		v.URL = o.IRI
	}
	v.Title = content.HTMLToText(o.Name)
	v.Text = cutText(content.HTMLToText(o.Content), maxFoundText)
	if f.Event != nil {
		v.EventPath = "/agenda/e/" + strconv.FormatInt(f.Event.ID, 10)
	}
	return v
}

// cutText cuts text to at most n runes, at a word, with "…".
func cutText(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := string([]rune(text)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// actorSummary is the summary (HTML) in an actor's stored document.
func actorSummary(raw string) string {
	var doc struct {
		Summary string `json:"summary"`
	}
	_ = json.Unmarshal([]byte(raw), &doc)
	return doc.Summary
}
