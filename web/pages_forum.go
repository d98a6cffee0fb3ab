package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// threadsPerPage is how many threads one page of a forum lists.
const threadsPerPage = 30

// forumsView is what forums.html shows: every forum with what people need
// to find and follow it.
type forumsView struct {
	Forums []forumItem
}

type forumItem struct {
	forumCard
	Threads int
}

// forumCard is what pages show of a forum: never its keys.
type forumCard struct {
	ID                 int64
	Name               string
	Title              string
	Description        string
	Language           content.Language
	MembersOnlyThreads bool
	Path               string
	Handle             string // @name@host, what Mastodon and Lemmy users follow
}

func (s *Server) forumCard(f *content.Forum) forumCard {
	return forumCard{ID: f.ID, Name: f.Name, Title: f.Title, Description: f.Description, Language: f.Language,
		MembersOnlyThreads: f.MembersOnlyThreads, Path: "/f/" + f.Name,
		Handle: "@" + f.Name + "@" + s.cfg.Federation.IRIs().Host()}
}

func (s *Server) forumsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	forums, err := s.db.ListForums(ctx)
	if err != nil {
		return err
	}
	var v forumsView
	for _, f := range forums {
		n, err := s.db.CountThreads(ctx, f.ID)
		if err != nil {
			return err
		}
		v.Forums = append(v.Forums, forumItem{forumCard: s.forumCard(&f), Threads: n})
	}
	return s.render(w, r, http.StatusOK, "forums", v)
}

// forumView is what forum.html shows: one page of a forum's threads.
type forumView struct {
	Forum     forumCard
	Threads   []threadItem
	Filter    string // "", "yes" or "no": the answered filter in force
	Filters   []forumFilter
	Older     string // the address of the next, older page; empty on the last
	Newest    string // the address of the first page, with the filter
	Paged     bool   // this is not the first page
	CanStart  bool   // the viewer may start a thread
	Following bool   // the viewer follows the forum
	LoginHref string // the login page, back to asking a question
}

// threadItem is one thread in a forum's list.
type threadItem struct {
	content.Thread
	Path   string
	Author string
}

// forumFilter is one link of the answered filter.
type forumFilter struct {
	Key     string // catalogue key of its label
	Href    string
	Current bool
}

// answeredFilters are the answered filter's values, in the order shown.
var answeredFilters = []struct{ value, key string }{
	{"", "forum.filter_all"},
	{"yes", "forum.filter_answered"},
	{"no", "forum.filter_unanswered"},
}

func (s *Server) forumPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.forumNamed(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := forumView{Forum: s.forumCard(f), CanStart: reqFrom(ctx).member != nil, LoginHref: loginHref("/f/" + f.Name + "/new")}
	filter := storage.ThreadFilter{ForumID: f.ID, Limit: threadsPerPage}
	if a := q.Get("answered"); a == "yes" || a == "no" {
		answered := a == "yes"
		filter.Answered, v.Filter = &answered, a
	}
	if before := timeParam(r); !before.IsZero() {
		id, _ := strconv.ParseInt(q.Get("id"), 10, 64)
		filter.Before, filter.BeforeID, v.Paged = before, id, true
	}
	v.Newest = forumQuery(v.Forum.Path, v.Filter, time.Time{}, 0)
	for _, af := range answeredFilters {
		v.Filters = append(v.Filters, forumFilter{Key: af.key, Href: forumQuery(v.Forum.Path, af.value, time.Time{}, 0), Current: af.value == v.Filter})
	}
	if err := s.loadForumThreads(ctx, &v, filter); err != nil {
		return err
	}
	if m := reqFrom(ctx).member; m != nil {
		if v.Following, err = s.cfg.Federation.FollowsForum(ctx, m, f); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "forum", v)
}

// followForum follows or unfollows a forum (field "follow": on or off):
// new threads in it become the member's notifications.
func (s *Server) followForum(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	f, err := s.forumNamed(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	if err := s.cfg.Federation.FollowForum(ctx, m, f, r.PostForm.Get("follow") == "on"); err != nil {
		return err
	}
	return redirect(w, r, "/f/"+f.Name)
}

// loadForumThreads fills one page of threads: on the first page the
// pinned ones (that pass the filter) first, then the rest by last
// activity. Pinned threads are left out of the rest so none shows twice;
// the next page's cursor still comes from the last row read.
func (s *Server) loadForumThreads(ctx context.Context, v *forumView, filter storage.ThreadFilter) error {
	if !v.Paged {
		pinned, err := s.db.PinnedThreads(ctx, v.Forum.ID)
		if err != nil {
			return err
		}
		for _, t := range pinned {
			if filter.Answered == nil || *filter.Answered == t.Answered() {
				v.Threads = append(v.Threads, s.threadItem(t))
			}
		}
	}
	threads, err := s.db.Threads(ctx, filter)
	if err != nil {
		return err
	}
	for _, t := range threads { // storage lists pinned threads apart
		v.Threads = append(v.Threads, s.threadItem(t))
	}
	if len(threads) == threadsPerPage {
		last := threads[len(threads)-1]
		v.Older = forumQuery(v.Forum.Path, v.Filter, last.LastActivity, last.ID)
	}
	return nil
}

func (s *Server) threadItem(t content.Thread) threadItem {
	return threadItem{Thread: t, Path: threadPath(&t), Author: firstNonEmpty(t.AuthorName, t.AuthorHandle, t.Author)}
}

// forumQuery is the address of a page of a forum's list.
func forumQuery(path, answered string, before time.Time, id int64) string {
	q := url.Values{}
	if answered != "" {
		q.Set("answered", answered)
	}
	if !before.IsZero() {
		q.Set("before", strconv.FormatInt(before.UnixMilli(), 10))
		q.Set("id", strconv.FormatInt(id, 10))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// loginHref is the login page, coming back to next.
func loginHref(next string) string { return "/login?next=" + url.QueryEscape(next) }

// threadPath is a thread's page on this node.
func threadPath(t *content.Thread) string {
	return "/f/" + t.Forum + "/" + strconv.FormatInt(t.ID, 10)
}

// forumNamed finds a forum by the name in a URL; an unknown one is a 404
// with the forum's own message.
func (s *Server) forumNamed(ctx context.Context, name string) (*content.Forum, error) {
	if content.ValidateUsername(name) != nil {
		return nil, &problem{status: http.StatusNotFound, key: "error.forum_not_found", detail: "not a forum name"}
	}
	f, err := s.db.ForumByName(ctx, name)
	if content.KindOf(err) == content.KindNotFound {
		return nil, &problem{status: http.StatusNotFound, key: "error.forum_not_found", err: err}
	}
	return f, err
}

// forumFeed is a forum's newest threads as RSS or Atom.
func (s *Server) forumFeed(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		f, err := s.forumNamed(ctx, r.PathValue("name"))
		if err != nil {
			return err
		}
		threads, err := s.db.Threads(ctx, storage.ThreadFilter{ForumID: f.ID, Limit: feedSize})
		if err != nil {
			return err
		}
		// Pinned threads are listed apart; a feed has them by activity too.
		pinned, err := s.db.PinnedThreads(ctx, f.ID)
		if err != nil {
			return err
		}
		threads = append(threads, pinned...)
		slices.SortFunc(threads, func(a, b content.Thread) int { return b.LastActivity.Compare(a.LastActivity) })
		threads = threads[:min(len(threads), feedSize)]
		items := make([]*feeds.Item, 0, len(threads))
		for _, t := range threads {
			item := &feeds.Item{Id: t.IRI, Title: t.Title, Link: &feeds.Link{Href: s.base() + threadPath(&t)},
				Created: t.Created, Updated: t.LastActivity, Author: &feeds.Author{Name: firstNonEmpty(t.AuthorName, t.AuthorHandle, t.Author)}}
			// The question's text, when it is here: a thread received
			// without its Page still gets its entry.
			if o, err := s.db.ObjectByIRI(ctx, t.IRI); err == nil && !o.Deleted {
				item.Content = o.Content // sanitised when stored
			}
			items = append(items, item)
		}
		feed := s.feedOf(f.Title, s.base()+"/f/"+f.Name, items)
		if f.Description != "" {
			feed.Description = f.Description
		}
		return s.writeFeed(w, format, feed)
	}
}

// threadForm is the new-thread page: what was typed and the errors of a
// refused start.
type threadForm struct {
	Forum     forumCard
	Title     string
	Body      string
	Tags      string
	Errors    map[string]string
	Banned    bool
	BanReason string
	MaxTitle  int
}

func (s *Server) newThreadPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.forumNamed(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref("/f/"+f.Name+"/new"))
	}
	form := threadForm{Forum: s.forumCard(f), MaxTitle: content.MaxPostTitleLen}
	actor := s.cfg.Federation.IRIs().Actor(m.Username)
	if form.Banned, err = s.db.IsBanned(ctx, f.ID, actor); err != nil {
		return err
	}
	if form.Banned {
		form.BanReason = s.banReason(ctx, f.ID, actor)
	}
	return s.render(w, r, http.StatusOK, "thread_new", form)
}

// startThread handles the new-thread form.
func (s *Server) startThread(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	f, err := s.forumNamed(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	form := threadForm{Forum: s.forumCard(f), MaxTitle: content.MaxPostTitleLen,
		Title: strings.TrimSpace(r.PostForm.Get("title")), Body: strings.ReplaceAll(r.PostForm.Get("body"), "\r\n", "\n"),
		Tags: r.PostForm.Get("tags")}
	in := federation.ThreadInput{Title: form.Title, Body: form.Body,
		Tags: strings.FieldsFunc(form.Tags, func(r rune) bool { return r == ',' || r == ' ' || r == '#' })}
	if err := content.ValidatePostCaps(in.Body, in.Tags, 0); err != nil {
		return s.threadRefused(w, r, form, f, m, err)
	}
	t, err := s.cfg.Federation.StartThread(ctx, m, f, in)
	if err != nil {
		return s.threadRefused(w, r, form, f, m, err)
	}
	return redirect(w, r, threadPath(t))
}

// threadRefused shows the new-thread form again with the message at the
// field at fault (422), or, for a banned member, at the top with the
// moderator's reason (403).
func (s *Server) threadRefused(w http.ResponseWriter, r *http.Request, form threadForm, f *content.Forum, m *content.Member, err error) error {
	p := s.problemOf(capProblem(err))
	status := http.StatusUnprocessableEntity
	switch {
	case p.status == http.StatusForbidden:
		status = http.StatusForbidden
		actor := s.cfg.Federation.IRIs().Actor(m.Username)
		form.Banned, form.BanReason = true, s.banReason(r.Context(), f.ID, actor)
	case p.status >= 500 || p.status == http.StatusNotFound || p.status == http.StatusTooManyRequests:
		return err
	}
	field := p.field
	if field != "title" && field != "body" && field != "tags" {
		field = "form"
	}
	key := p.key
	if k, ok := threadCodeKeys[key]; ok {
		key = k
	}
	s.problemHeaders(w, p)
	form.Errors = map[string]string{field: s.catalogs[reqFrom(r.Context()).lang].t(key, p.args...)}
	return s.render(w, r, status, "thread_new", form)
}

// threadCodeKeys word the checks a thread shares with posts for a
// question.
var threadCodeKeys = map[string]string{
	"error.code.post.title_empty": "thread_new.title_empty",
	"error.code.post.body_empty":  "thread_new.body_empty",
}

// banReason is the reason a moderator gave for banning actor from a
// forum; empty when none was given.
func (s *Server) banReason(ctx context.Context, forumID int64, actor string) string {
	reason, _, err := s.db.BanOf(ctx, forumID, actor)
	if err != nil {
		s.log.Warn("read ban reason", "request_id", reqFrom(ctx).id, "actor", actor, "err", err)
	}
	return reason
}
