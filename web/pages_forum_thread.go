package web

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"kring/content"
	"kring/federation"
)

// threadView is what thread.html shows: the question, the answer right
// under it when one is marked, the replies as nested lists, and the
// buttons the viewer may use.
type threadView struct {
	Forum       forumCard
	Thread      *content.Thread
	Path        string
	Question    *content.Object
	Author      string // the question's author as shown
	Body        template.HTML
	Answer      *replyView
	Replies     []replyView
	Closes      int // lists still open after the last reply
	Member      bool
	CanModerate bool
	CanAnswer   bool // the thread's author and moderators mark the answer
	Watching    bool
	ViewerActor string
	MoveTo      []forumCard // the other forums, for moderators
	MaxReply    int
	// QuestionSource is the question's Markdown, for its author's edit form.
	QuestionSource string
	LoginHref      string // the login page, back to this thread
	Done           string // catalogue key of what the last action did
}

// replyView is one reply. The replies come depth first; Open and Close
// say how the nested lists around it open and close, so that screen
// readers hear the levels of the conversation. Its fields are flat and
// its dates formatted here, because on a page of 500 replies both cost
// milliseconds in the template: it finds fields of embedded structs by a
// reflective search, and each date fills in a message.
type replyView struct {
	ID           int64
	IRI          string
	AttributedTo string
	Deleted      bool
	Author       string
	Who          string // "(reply by …)", for the buttons' hidden text
	AuthorURL    string
	AuthorHandle string
	Language     string
	Attachments  []content.Attachment
	Datetime     string // RFC 3339, for <time datetime>
	Date         string // in words, in the visitor's language
	HTML         template.HTML
	IsAnswer     bool
	Own          bool   // the viewer wrote it
	Source       string // its Markdown, for the viewer's own replies (the edit form)
	Open         bool   // it starts a list nested in the reply before it
	Close        int    // lists closed after the reply before it, which ends too
}

// threadPage shows a thread. Servers asking for AS2 get its Page.
func (s *Server) threadPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.threadAt(ctx, r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.Forum != r.PathValue("name") {
		// Moved to another forum: its address follows it.
		http.Redirect(w, r, threadPath(t), http.StatusMovedPermanently)
		return nil
	}
	w.Header().Add("Vary", "Accept")
	if federation.WantsActivityJSON(r) {
		return s.cfg.Federation.ServeObject(w, r, t.IRI)
	}
	if t.Deleted {
		return &problem{status: http.StatusGone, key: "error.thread_deleted", detail: "thread deleted"}
	}
	v, err := s.loadThreadView(ctx, t)
	if err != nil {
		return err
	}
	if key, ok := threadNotices[r.URL.Query().Get("done")]; ok {
		v.Done = key
	}
	return s.render(w, r, http.StatusOK, "thread", v)
}

// threadNotices are the notices shown after an action (?done=...).
var threadNotices = map[string]string{
	"watch":   "thread.notice_watch",
	"unwatch": "thread.notice_unwatch",
	"ban":     "thread.notice_ban",
	"move":    "thread.notice_move",
}

// threadAt finds a thread by the forum name and row id in its URL. The
// thread may since have moved to another forum or been deleted: the
// caller redirects or answers 410.
func (s *Server) threadAt(ctx context.Context, forum, id string) (*content.Thread, error) {
	rowID, err := strconv.ParseInt(id, 10, 64)
	missing := &problem{status: http.StatusNotFound, key: "error.thread_not_found", detail: "no thread " + id + " in " + forum}
	if err != nil || rowID <= 0 {
		return nil, missing
	}
	if _, err := s.forumNamed(ctx, forum); err != nil {
		return nil, err
	}
	t, err := s.db.ThreadByID(ctx, rowID)
	if content.KindOf(err) == content.KindNotFound {
		return nil, missing
	}
	return t, err
}

func (s *Server) loadThreadView(ctx context.Context, t *content.Thread) (*threadView, error) {
	f, err := s.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return nil, err
	}
	q, err := s.db.ObjectByIRI(ctx, t.IRI)
	if err != nil {
		return nil, err
	}
	v := &threadView{Forum: s.forumCard(f), Thread: t, Path: threadPath(t), Question: q, Body: safeHTML(q.Content),
		Author: firstNonEmpty(q.AuthorName, q.AuthorHandle, q.AttributedTo), MaxReply: federation.MaxReplyBytes,
		LoginHref: loginHref(threadPath(t))}
	if err := s.loadViewer(ctx, v); err != nil {
		return nil, err
	}
	comments, err := s.db.Comments(ctx, t.IRI, 0)
	if err != nil {
		return nil, err
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	v.Replies, v.Closes = s.replyViews(cat, comments, t.AnswerIRI, v.ViewerActor)
	if err := s.loadSources(ctx, v); err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(v.Replies, func(rv replyView) bool { return rv.IsAnswer }); i >= 0 {
		v.Answer = &v.Replies[i]
	}
	return v, nil
}

// loadViewer fills in what the logged-in viewer may do.
func (s *Server) loadViewer(ctx context.Context, v *threadView) error {
	m := reqFrom(ctx).member
	if m == nil {
		return nil
	}
	fed := s.cfg.Federation
	v.Member, v.ViewerActor = true, fed.IRIs().Actor(m.Username)
	var err error
	if v.CanModerate, err = fed.CanModerate(ctx, m, v.Forum.ID); err != nil {
		return err
	}
	v.CanAnswer = v.CanModerate || v.ViewerActor == v.Thread.Author
	if v.Watching, err = s.db.IsWatching(ctx, m.ID, v.Thread.IRI); err != nil {
		return err
	}
	if v.CanModerate {
		forums, err := s.db.ListForums(ctx)
		if err != nil {
			return err
		}
		for _, f := range forums {
			if f.ID != v.Forum.ID {
				v.MoveTo = append(v.MoveTo, s.forumCard(&f))
			}
		}
	}
	return nil
}

// replyViews turns the depth-first replies into views with the list
// nesting worked out; closes is how many lists stay open after the last.
func (s *Server) replyViews(cat catalog, comments []content.Comment, answer, viewer string) (views []replyView, closes int) {
	views = make([]replyView, 0, len(comments))
	// Replies come in bursts by a few people: most share a day and an
	// author, and filling in a message costs more than a map lookup.
	dates, whos := map[string]string{}, map[string]string{}
	depth := 1
	for i, c := range comments {
		datetime := c.Published.UTC().Format(time.RFC3339)
		date, ok := dates[datetime[:10]]
		if !ok {
			date = formatDate(cat, c.Published)
			dates[datetime[:10]] = date
		}
		author := firstNonEmpty(c.AuthorName, c.AuthorHandle, c.AttributedTo)
		who, ok := whos[author]
		if !ok {
			who = cat.t("thread.reply_by", author)
			whos[author] = who
		}
		rv := replyView{ID: c.ID, IRI: c.IRI, AttributedTo: c.AttributedTo, Deleted: c.Deleted, Author: author, Who: who, AuthorURL: c.AuthorURL, AuthorHandle: c.AuthorHandle,
			Language: c.Language, Attachments: c.Attachments, Datetime: datetime, Date: date, IsAnswer: answer != "" && c.IRI == answer && !c.Deleted,
			Own: viewer != "" && c.AttributedTo == viewer}
		if !c.Deleted {
			rv.HTML = safeHTML(c.Content)
		}
		d := max(c.Depth, 1)
		switch {
		case i == 0:
			d = 1
		case d > depth:
			// A depth-first walk goes down one level at a time.
			rv.Open, d = true, depth+1
		default:
			rv.Close = depth - d
		}
		depth = d
		views = append(views, rv)
	}
	if len(views) > 0 {
		closes = depth - 1
	}
	return views, closes
}

// loadSources fills the Markdown of what the viewer wrote here, for the
// edit forms: pages read replies without their documents, so the
// viewer's own few are read again.
func (s *Server) loadSources(ctx context.Context, v *threadView) error {
	if v.ViewerActor == "" {
		return nil
	}
	if v.Question.AttributedTo == v.ViewerActor && v.Question.Local {
		v.QuestionSource = markdownSource(v.Question.Raw)
	}
	for i := range v.Replies {
		r := &v.Replies[i]
		if !r.Own || r.Deleted {
			continue
		}
		o, err := s.db.ObjectByIRI(ctx, r.IRI)
		if err != nil {
			return err
		}
		if o.Local {
			r.Source = markdownSource(o.Raw)
		}
	}
	return nil
}

// markdownSource reads the Markdown an object was written in (its
// source, as Mastodon and Lemmy send it too).
func markdownSource(raw string) string {
	var doc struct {
		Source struct {
			Content string `json:"content"`
		} `json:"source"`
	}
	if json.Unmarshal([]byte(raw), &doc) != nil {
		return ""
	}
	return doc.Source.Content
}
