package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
)

// A member may save or preview posts this often: plenty for writing, and a
// cap on what rendering hostile Markdown can cost.
const (
	defaultWrites      = 60
	defaultWriteWindow = 10 * time.Minute
)

// composeForm is the write/edit page: what was typed, a preview when
// asked for, and the errors of a refused save.
type composeForm struct {
	PostIRI    string // empty for a new post
	Published  bool   // the post is out: it can no longer become a draft
	Title      string
	Summary    string
	Body       string
	Tags       string
	Language   content.Language
	Visibility content.Visibility
	AsNote     bool
	MediaIDs   map[int64]bool
	CoverID    int64
	Uploads    []content.Media
	Languages  []langOption
	Preview    template.HTML
	Errors     map[string]string
	MaxTitle   int
	MaxSummary int
}

func (s *Server) composePage(w http.ResponseWriter, r *http.Request) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/write"))
	}
	f := s.newCompose(r, m)
	return s.render(w, r, http.StatusOK, "compose", f)
}

func (s *Server) newCompose(r *http.Request, m *content.Member) composeForm {
	cat := s.catalogs[reqFrom(r.Context()).lang]
	f := composeForm{Language: m.Language, Visibility: content.VisibilityPublic, MediaIDs: map[int64]bool{},
		MaxTitle: content.MaxPostTitleLen, MaxSummary: content.MaxPostSummaryLen}
	for _, l := range content.Languages {
		f.Languages = append(f.Languages, langOption{Code: l, Name: cat.t("language.name." + string(l))})
	}
	if uploads, err := s.db.MediaByOwner(r.Context(), m.ID, 40); err == nil {
		f.Uploads = uploads
	}
	return f
}

// editPage opens a member's own post in the compose form.
func (s *Server) editPage(w http.ResponseWriter, r *http.Request, p *content.Post) error {
	m, _, err := requireMember(r.Context())
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path))
	}
	if p.AuthorID != m.ID {
		return &problem{status: http.StatusForbidden, key: "error.forbidden", detail: "not the author"}
	}
	f := s.newCompose(r, m)
	f.PostIRI, f.Published = p.IRI, p.State == content.PostPublished
	f.Title, f.Summary, f.Body, f.Tags = p.Title, p.Summary, p.Body, strings.Join(p.Tags, " ")
	f.Language, f.Visibility, f.AsNote, f.CoverID = p.Language, p.Visibility, p.AsNote, p.CoverID
	for _, id := range p.MediaIDs {
		f.MediaIDs[id] = true
	}
	return s.render(w, r, http.StatusOK, "compose", f)
}

// savePost handles the compose form: preview, save as draft or publish.
func (s *Server) savePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	f := s.newCompose(r, m)
	in, err := s.readCompose(r, &f)
	var existing *content.Post
	if iri := r.PostForm.Get("post"); iri != "" {
		if existing, err = s.db.PostByIRI(ctx, iri); err != nil {
			return err
		}
		f.PostIRI, f.Published = existing.IRI, existing.State == content.PostPublished
	}
	if err != nil {
		return s.composeRefused(w, r, f, err)
	}
	switch r.PostForm.Get("action") {
	case "preview":
		f.Preview = safeHTML(content.RenderMarkdown(in.Body, content.MarkdownOptions{
			TagURL: s.cfg.Federation.IRIs().Tag, LocalHost: s.cfg.Host}).HTML)
		return s.render(w, r, http.StatusOK, "compose", f)
	case "draft":
		in.Draft = true
	}
	p, err := s.cfg.Federation.SavePost(ctx, m, existing, in)
	if err != nil {
		return s.composeRefused(w, r, f, err)
	}
	if p.State == content.PostDraft {
		return redirect(w, r, "/@"+m.Username+"/"+p.Slug+"/edit?saved=draft")
	}
	return redirect(w, r, "/@"+m.Username+"/"+p.Slug)
}

func (s *Server) readCompose(r *http.Request, f *composeForm) (federation.PostInput, error) {
	form := r.PostForm
	f.Title, f.Summary = strings.TrimSpace(form.Get("title")), strings.TrimSpace(form.Get("summary"))
	f.Body = strings.ReplaceAll(form.Get("body"), "\r\n", "\n")
	f.Tags, f.AsNote = form.Get("tags"), form.Get("as_note") == "on"
	in := federation.PostInput{Title: f.Title, Summary: f.Summary, Body: f.Body, AsNote: f.AsNote,
		Tags: strings.FieldsFunc(f.Tags, func(r rune) bool { return r == ',' || r == ' ' || r == '#' })}
	for _, v := range form["media"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, badMedia("media", v)
		}
		f.MediaIDs[id] = true
		in.MediaIDs = append(in.MediaIDs, id)
	}
	if v := form.Get("cover"); v != "" && v != "0" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, badMedia("cover", v)
		}
		f.CoverID, in.CoverID = id, id
	}
	var err error
	if in.Language, err = content.ParseLanguage(form.Get("language")); err != nil {
		return in, err
	}
	f.Language = in.Language
	if in.Visibility, err = content.ParseVisibility(form.Get("visibility")); err != nil {
		return in, err
	}
	f.Visibility = in.Visibility
	if err := content.ValidatePostText(in.Title, in.Summary, in.Body); err != nil {
		return in, err
	}
	return in, content.ValidatePostCaps(in.Body, in.Tags, len(in.MediaIDs))
}

func badMedia(field, v string) error {
	return &problem{status: http.StatusUnprocessableEntity, key: "error.code.post.media_unknown", field: field, detail: "no upload " + v}
}

// composeRefused shows the form again with the message at the field.
func (s *Server) composeRefused(w http.ResponseWriter, r *http.Request, f composeForm, err error) error {
	p := s.problemOf(capProblem(err))
	if p.status >= 500 || p.status == http.StatusForbidden || p.status == http.StatusNotFound {
		return err
	}
	field := p.field
	if field != "title" && field != "summary" && field != "body" {
		field = "form" // the form shows no message at the tags or the images
	}
	s.problemHeaders(w, p)
	f.Errors = map[string]string{field: s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)}
	return s.render(w, r, http.StatusUnprocessableEntity, "compose", f)
}

// postPage is a post with its comments, as a reader sees it.
type postPage struct {
	Post      *content.Post
	Obj       *content.Object
	AuthorURL string
	Author    string
	Content   template.HTML
	Images    []content.Media
	Cover     *content.Media
	Comments  []commentView
	IsAuthor  bool
	Liked     bool
	Boosted   bool
	Saved     string
	MaxReply  int
}

type commentView struct {
	content.Comment
	HTML  template.HTML
	Local bool
}

// memberPath serves everything under /@user/: a post (negotiated: AS2 to
// servers), its edit page, and the member's feeds.
func (s *Server) memberPath(w http.ResponseWriter, r *http.Request) error {
	username, ok := strings.CutPrefix(r.PathValue("handle"), "@")
	slug := r.PathValue("slug")
	if !ok || content.ValidateUsername(username) != nil {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no route"}
	}
	if format, ok := strings.CutPrefix(slug, "feed."); ok {
		return s.memberFeed(w, r, username, format)
	}
	p, err := s.db.PostBySlug(r.Context(), username, slug)
	if err != nil {
		return &problem{status: http.StatusNotFound, key: "error.post_not_found", err: err}
	}
	switch r.PathValue("action") {
	case "":
	case "edit":
		return s.editPage(w, r, p)
	default:
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such page"}
	}
	w.Header().Add("Vary", "Accept")
	if federation.WantsActivityJSON(r) && s.cfg.Federation != nil {
		if p.State == content.PostDraft {
			return &problem{status: http.StatusNotFound, key: "error.post_not_found", detail: "draft"}
		}
		return s.cfg.Federation.ServeObject(w, r, p.IRI)
	}
	return s.showPost(w, r, p)
}

// followsAuthor reports whether m, a member of this node, is an accepted
// follower of p's author: they may read its followers-only posts here,
// as their servers would be sent them elsewhere.
func (s *Server) followsAuthor(ctx context.Context, m *content.Member, p *content.Post) bool {
	if m == nil || s.cfg.Federation == nil {
		return false
	}
	iris := s.cfg.Federation.IRIs()
	f, err := s.db.FollowBetween(ctx, iris.Actor(m.Username), iris.Actor(p.Author))
	return err == nil && f.State == content.FollowAccepted
}

func (s *Server) showPost(w http.ResponseWriter, r *http.Request, p *content.Post) error {
	ctx := r.Context()
	st := reqFrom(ctx)
	isAuthor := st.member != nil && st.member.ID == p.AuthorID
	switch {
	case p.State == content.PostDeleted:
		return &problem{status: http.StatusGone, key: "error.post_deleted", detail: "post deleted"}
	case p.State == content.PostDraft && !isAuthor,
		p.Visibility == content.VisibilityFollowers && !isAuthor && !s.followsAuthor(ctx, st.member, p):
		return &problem{status: http.StatusNotFound, key: "error.post_not_found", detail: "not visible"}
	}
	page := postPage{Post: p, IsAuthor: isAuthor, Author: p.Author, AuthorURL: "/@" + p.Author, MaxReply: federation.MaxReplyBytes,
		Content: safeHTML(p.Content)}
	if r.URL.Query().Get("saved") != "" {
		page.Saved = "yes"
	}
	if author, err := s.db.MemberByUsername(ctx, p.Author); err == nil {
		page.Author = author.Name()
	}
	for _, id := range p.MediaIDs {
		md, err := s.db.MediaByID(ctx, id)
		if err != nil {
			continue
		}
		if id == p.CoverID {
			page.Cover = md
			continue
		}
		page.Images = append(page.Images, *md)
	}
	if p.State == content.PostPublished {
		if err := s.loadThread(r, &page); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "post", page)
}

func (s *Server) loadThread(r *http.Request, page *postPage) error {
	ctx := r.Context()
	obj, err := s.db.ObjectByIRI(ctx, page.Post.IRI)
	if err != nil {
		if content.KindOf(err) == content.KindNotFound {
			return nil
		}
		return err
	}
	page.Obj = obj
	comments, err := s.db.Comments(ctx, obj.IRI, 0)
	if err != nil {
		return err
	}
	for _, c := range comments {
		cv := commentView{Comment: c, Local: c.Local}
		if !c.Deleted {
			cv.HTML = safeHTML(c.Content)
		}
		page.Comments = append(page.Comments, cv)
	}
	if st := reqFrom(ctx); st.member != nil && s.cfg.Federation != nil {
		me := s.cfg.Federation.IRIs().Actor(st.member.Username)
		page.Liked, _ = s.db.HasReacted(ctx, me, content.ReactionLike, obj.IRI)
		page.Boosted, _ = s.db.HasReacted(ctx, me, content.ReactionAnnounce, obj.IRI)
	}
	return nil
}

// interact handles the reply, like, boost and delete buttons of a post
// page; each needs a logged-in member and answers with the post again.
func (s *Server) interact(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	username, _ := strings.CutPrefix(r.PathValue("handle"), "@")
	p, err := s.db.PostBySlug(ctx, username, r.PathValue("slug"))
	if err != nil {
		return &problem{status: http.StatusNotFound, key: "error.post_not_found", err: err}
	}
	fed := s.cfg.Federation
	back := "/@" + p.Author + "/" + p.Slug
	switch r.PathValue("action") {
	case "delete":
		if err := fed.DeletePost(ctx, m, p); err != nil {
			return err
		}
		return redirect(w, r, "/@"+m.Username)
	case "reply":
		parent := r.PostForm.Get("in_reply_to")
		if parent == "" {
			parent = p.IRI
		} else if c, err := s.db.ObjectByIRI(ctx, parent); err != nil || (parent != p.IRI && c.Root != p.IRI) {
			return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such comment under this post"}
		}
		if _, err := fed.Reply(ctx, m, parent, r.PostForm.Get("text")); err != nil {
			return err
		}
		return redirect(w, r, back+"#comments")
	case "like":
		err = fed.Like(ctx, m, p.IRI)
	case "boost":
		err = fed.Boost(ctx, m, p.IRI)
	default:
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such action"}
	}
	if err != nil {
		return err
	}
	return redirect(w, r, back)
}

// tagPage lists the public posts with a hashtag, local and received.
type tagPage struct {
	Tag   string
	Items []content.Object
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request) error {
	tag, ok := content.NormalizeTag(r.PathValue("tag"))
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "not a tag"}
	}
	items, err := s.db.TaggedObjects(r.Context(), tag, timeParam(r), 30)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "tag", tagPage{Tag: tag, Items: items})
}
