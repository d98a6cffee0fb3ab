package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"kring/content"
)

// Limits on a static page. The body's cap keeps the admin form, URL
// encoded, under the 64 KiB a form post may carry (maxFormBytes).
const (
	maxPageSlugLen   = 60
	maxPageTitleLen  = 100
	maxPageBodyBytes = 20 << 10
	maxPageNavOrder  = 999
)

// pageSlugRE is what a page's address under /p/ may be: lowercase words
// joined by hyphens, so that addresses read well and need no escaping.
var pageSlugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// pageCodeArgs fill the numbers into the translated messages of the
// page errors.
var pageCodeArgs = map[string][]any{
	"page_slug.long":         {maxPageSlugLen},
	"page_title.long":        {maxPageTitleLen},
	"page_body.long":         {maxPageBodyBytes >> 10},
	"page_nav_order.invalid": {maxPageNavOrder},
}

// pageErrors checks every field of a page and returns one error per field
// at fault, in the order the form shows them, so that the form can list
// all its mistakes at once.
func pageErrors(slug string, lang content.Language, title, body string, navOrder int) []*content.Error {
	var errs []*content.Error
	switch {
	case slug == "":
		errs = append(errs, content.Errorf(content.KindInvalid, "slug", "page_slug.empty", "a page needs an address (slug), e.g. about"))
	case len(slug) > maxPageSlugLen:
		errs = append(errs, content.Errorf(content.KindInvalid, "slug", "page_slug.long", "the slug is longer than %d characters", maxPageSlugLen))
	case !pageSlugRE.MatchString(slug):
		errs = append(errs, content.Errorf(content.KindInvalid, "slug", "page_slug.invalid", "the slug %q may only hold lowercase letters, digits and single hyphens between them, e.g. about-us", slug))
	}
	if !slices.Contains(content.Languages, lang) {
		errs = append(errs, content.Errorf(content.KindInvalid, "language", "page_language.invalid", "unsupported language %q: use nl or en", lang))
	}
	switch {
	case title == "":
		errs = append(errs, content.Errorf(content.KindInvalid, "title", "page_title.empty", "a page needs a title"))
	case utf8.RuneCountInString(title) > maxPageTitleLen:
		errs = append(errs, content.Errorf(content.KindInvalid, "title", "page_title.long", "the title is longer than %d characters", maxPageTitleLen))
	case strings.ContainsAny(title, "\r\n\t") || !utf8.ValidString(title):
		errs = append(errs, content.Errorf(content.KindInvalid, "title", "page_title.lines", "the title must be one line of text"))
	}
	if navOrder < 0 || navOrder > maxPageNavOrder {
		errs = append(errs, content.Errorf(content.KindInvalid, "nav_order", "page_nav_order.invalid", "the menu position must be a whole number from 0 to %d", maxPageNavOrder))
	}
	switch {
	case strings.TrimSpace(body) == "":
		errs = append(errs, content.Errorf(content.KindInvalid, "body", "page_body.empty", "the page has no text"))
	case len(body) > maxPageBodyBytes:
		errs = append(errs, content.Errorf(content.KindInvalid, "body", "page_body.long", "the text is larger than %d KiB", maxPageBodyBytes>>10))
	case !utf8.ValidString(body):
		errs = append(errs, content.Errorf(content.KindInvalid, "body", "page_body.encoding", "the text is not valid UTF-8"))
	}
	return errs
}

// cleanPageText trims what a form or a file adds around a page's fields:
// spaces around the slug and title, Windows line ends and trailing blank
// lines in the body.
func cleanPageText(slug, title, body string) (string, string, string) {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	return strings.TrimSpace(slug), strings.TrimSpace(title), strings.TrimRight(body, " \t\n")
}

// NewPage validates a static page and renders its Markdown body into
// sanitised HTML; the first field at fault is the error. The admin form
// and `kring page add` both make pages with it, so both hold pages to the
// same rules. (It belongs in content as a constructor, beside Page.)
func NewPage(slug string, lang content.Language, title, body string, navOrder int) (*content.Page, error) {
	slug, title, body = cleanPageText(slug, title, body)
	if errs := pageErrors(slug, lang, title, body, navOrder); len(errs) > 0 {
		return nil, errs[0]
	}
	return &content.Page{Slug: slug, Language: lang, Title: title, Body: body,
		Content: renderPageMarkdown(body), NavOrder: navOrder}, nil
}

// renderPageMarkdown turns a page's Markdown into sanitised HTML.
func renderPageMarkdown(src string) string {
	return content.RenderMarkdown(src, content.MarkdownOptions{}).HTML
}

// sitePageView is what page.html shows.
type sitePageView struct {
	Title    string
	Content  template.HTML // sanitised when the page was stored
	Language content.Language
	Fallback bool // not in the visitor's language: Language is another
	Updated  time.Time
}

// sitePage shows a static page in the visitor's language, else in the
// other one with a note saying so.
func (s *Server) sitePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug := r.PathValue("slug")
	missing := &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no page " + slug}
	if len(slug) > maxPageSlugLen || !pageSlugRE.MatchString(slug) {
		return missing
	}
	want := reqFrom(ctx).lang
	p, err := s.pageIn(ctx, slug, want)
	if err != nil {
		return err
	}
	if p == nil {
		return missing
	}
	return s.render(w, r, http.StatusOK, "page", sitePageView{Title: p.Title, Content: safeHTML(p.Content),
		Language: p.Language, Fallback: p.Language != want, Updated: p.Updated})
}

// pageIn finds a page in lang, else in the first other language it has;
// nil when no language has it.
func (s *Server) pageIn(ctx context.Context, slug string, lang content.Language) (*content.Page, error) {
	tries := []content.Language{lang}
	for _, l := range content.Languages {
		if l != lang {
			tries = append(tries, l)
		}
	}
	for _, l := range tries {
		p, err := s.db.PageBySlug(ctx, slug, l)
		if content.KindOf(err) == content.KindNotFound {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read page %s: %w", slug, err)
		}
		return p, nil
	}
	return nil, nil
}

// navPage is one static page in the site menu.
type navPage struct {
	Path  string
	Title string
	Lang  content.Language // set when the title is in another language than the page around it
}

// navEntry is what the menu needs of one language version of a page.
type navEntry struct {
	Slug  string
	Lang  content.Language
	Title string
}

// sitePagesTTL bounds how stale the menu may be after `kring page` (another
// process) changes pages; changes made through the web clear it at once.
const sitePagesTTL = 5 * time.Second

// sitePageCache keeps the menu's pages: every page shows them, and they
// change rarely. Its zero value is ready to use.
type sitePageCache struct {
	mu      sync.Mutex
	entries []navEntry // in menu order; shared, never modified
	at      time.Time
	loaded  bool
	gen     uint64 // bumped by invalidate, so that a read begun before a write cannot store what the write replaced
}

func (c *sitePageCache) get(ctx context.Context, s *Server) ([]navEntry, error) {
	now := s.now()
	c.mu.Lock()
	if c.loaded && now.Sub(c.at) < sitePagesTTL && !now.Before(c.at) {
		e := c.entries
		c.mu.Unlock()
		return e, nil
	}
	gen := c.gen
	c.mu.Unlock()
	pages, err := s.db.Pages(ctx)
	if err != nil {
		return nil, err
	}
	entries := make([]navEntry, 0, len(pages))
	for _, p := range pages {
		entries = append(entries, navEntry{Slug: p.Slug, Lang: p.Language, Title: p.Title})
	}
	c.mu.Lock()
	if c.gen == gen {
		c.entries, c.at, c.loaded = entries, now, true
	}
	c.mu.Unlock()
	return entries, nil
}

func (c *sitePageCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.loaded = false
	c.mu.Unlock()
}

// navPages lists each page once, in menu order (a page's place is that of
// its first language version in the list), titled in lang when it has
// that language.
func navPages(entries []navEntry, lang content.Language) []navPage {
	var out []navPage
	index := map[string]int{}
	for _, e := range entries {
		i, seen := index[e.Slug]
		if !seen {
			index[e.Slug] = len(out)
			np := navPage{Path: "/p/" + e.Slug, Title: e.Title}
			if e.Lang != lang {
				np.Lang = e.Lang
			}
			out = append(out, np)
			continue
		}
		if e.Lang == lang {
			out[i].Title, out[i].Lang = e.Title, ""
		}
	}
	return out
}

// fillNav adds the menu's pages and the viewer's unread count to a page.
// The menu is not worth failing a page for: a read that fails leaves it
// out and is logged.
func (s *Server) fillNav(ctx context.Context, v *view) {
	st := reqFrom(ctx)
	entries, err := s.sitePages.get(ctx, s)
	switch {
	case err == nil:
		v.NavPages = navPages(entries, v.Lang)
	case ctx.Err() == nil:
		s.log.Warn("load menu pages", "request_id", st.id, "err", err)
	}
	if st.member == nil {
		return
	}
	n, err := s.db.UnreadNotifications(ctx, st.member.ID)
	switch {
	case err == nil:
		v.Unread = n
	case ctx.Err() == nil:
		s.log.Warn("count unread notifications", "request_id", st.id, "member_id", st.member.ID, "err", err)
	}
}

// requireAdmin returns the logged-in member if they are an admin.
func requireAdmin(ctx context.Context) (*content.Member, error) {
	m, _, err := requireMember(ctx)
	if err != nil {
		return nil, err
	}
	if m.Role != content.RoleAdmin {
		return nil, &problem{status: http.StatusForbidden, key: "error.forbidden", detail: "member " + m.Username + " is not an admin"}
	}
	return m, nil
}

// adminPagesView is what admin_pages.html shows: the pages, and the form
// that creates or changes one language version of a page.
type adminPagesView struct {
	Pages       []adminPageGroup
	Form        pageForm
	Errors      map[string]string // field → message
	Problems    []fieldProblem    // the same, in form order, for the summary
	Saved       string            // the path of the page just saved
	Deleted     string            // the path of the page just deleted
	Languages   []langOption
	MaxSlug     int
	MaxTitle    int
	MaxBodyKiB  int
	MaxNavOrder int
}

// adminPageGroup is one page with its language versions.
type adminPageGroup struct {
	Slug     string
	Path     string
	Versions []adminPageVersion
	Missing  []langOption // languages the page has no version in yet
}

type adminPageVersion struct {
	Language     content.Language
	LanguageName string
	Title        string
	NavOrder     int
	Updated      time.Time
}

// pageForm is the page form's fields as typed.
type pageForm struct {
	Slug     string
	Language content.Language
	Title    string
	Body     string
	NavOrder string
	Editing  bool // the form holds a stored page
}

type fieldProblem struct {
	Field   string
	Message string
}

// contentLanguageKeys name each language in the visitor's language, for
// choosing the language of a text (the menu's switch names each language
// in itself).
var contentLanguageKeys = map[content.Language]string{
	content.LanguageDutch:   "admin_pages.language_nl",
	content.LanguageEnglish: "admin_pages.language_en",
}

func (s *Server) adminPagesPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/admin/pages"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	view := adminPagesView{Form: pageForm{Language: reqFrom(ctx).lang}}
	if slug := q.Get("saved"); pageSlugRE.MatchString(slug) {
		view.Saved = "/p/" + slug
	}
	if slug := q.Get("deleted"); pageSlugRE.MatchString(slug) {
		view.Deleted = "/p/" + slug
	}
	// ?slug=&lang= opens a version in the form: a stored one to change,
	// or a missing one to add.
	if slug, lang := q.Get("slug"), content.Language(q.Get("lang")); pageSlugRE.MatchString(slug) && slices.Contains(content.Languages, lang) {
		view.Form = pageForm{Slug: slug, Language: lang}
		p, err := s.pageIn(ctx, slug, lang)
		switch {
		case err != nil:
			return err
		case p != nil && p.Language == lang:
			view.Form = pageForm{Slug: p.Slug, Language: p.Language, Title: p.Title, Body: p.Body,
				NavOrder: strconv.Itoa(p.NavOrder), Editing: true}
		case p != nil:
			// A translation takes the page's place in the menu.
			view.Form.NavOrder = strconv.Itoa(p.NavOrder)
		}
	}
	return s.renderAdminPages(w, r, http.StatusOK, view)
}

// renderAdminPages fills the list of pages and renders the admin page.
func (s *Server) renderAdminPages(w http.ResponseWriter, r *http.Request, status int, view adminPagesView) error {
	cat := s.catalogs[reqFrom(r.Context()).lang]
	pages, err := s.db.Pages(r.Context())
	if err != nil {
		return err
	}
	index := map[string]int{}
	for _, p := range pages {
		i, ok := index[p.Slug]
		if !ok {
			i = len(view.Pages)
			index[p.Slug] = i
			view.Pages = append(view.Pages, adminPageGroup{Slug: p.Slug, Path: "/p/" + p.Slug})
		}
		view.Pages[i].Versions = append(view.Pages[i].Versions, adminPageVersion{Language: p.Language,
			LanguageName: cat.t(contentLanguageKeys[p.Language]), Title: p.Title, NavOrder: p.NavOrder, Updated: p.Updated})
	}
	for i := range view.Pages {
		g := &view.Pages[i]
		for _, l := range content.Languages {
			if !slices.ContainsFunc(g.Versions, func(v adminPageVersion) bool { return v.Language == l }) {
				g.Missing = append(g.Missing, langOption{Code: l, Name: cat.t(contentLanguageKeys[l])})
			}
		}
	}
	for _, l := range content.Languages {
		view.Languages = append(view.Languages, langOption{Code: l, Name: cat.t(contentLanguageKeys[l])})
	}
	view.MaxSlug, view.MaxTitle, view.MaxBodyKiB, view.MaxNavOrder = maxPageSlugLen, maxPageTitleLen, maxPageBodyBytes>>10, maxPageNavOrder
	return s.render(w, r, status, "admin_pages", view)
}

// savePage creates or changes one language version of a page.
func (s *Server) savePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	slug, title, body := cleanPageText(r.PostForm.Get("slug"), r.PostForm.Get("title"), r.PostForm.Get("body"))
	form := pageForm{Slug: slug, Language: content.Language(r.PostForm.Get("language")), Title: title, Body: body,
		NavOrder: strings.TrimSpace(r.PostForm.Get("nav_order")), Editing: r.PostForm.Get("editing") == "1"}
	navOrder, orderOK := 0, true
	if form.NavOrder != "" {
		navOrder, err = strconv.Atoi(form.NavOrder)
		orderOK = err == nil
	}
	errs := pageErrors(form.Slug, form.Language, form.Title, form.Body, navOrder)
	if !orderOK && !slices.ContainsFunc(errs, func(e *content.Error) bool { return e.Field == "nav_order" }) {
		errs = append(errs, content.Errorf(content.KindInvalid, "nav_order", "page_nav_order.invalid", "the menu position is not a whole number"))
		slices.SortStableFunc(errs, func(a, b *content.Error) int { return pageFieldOrder[a.Field] - pageFieldOrder[b.Field] })
	}
	if len(errs) > 0 {
		return s.pageRefused(w, r, form, errs)
	}
	p, err := NewPage(form.Slug, form.Language, form.Title, form.Body, navOrder)
	if err != nil {
		return err
	}
	if err := s.db.PutPage(ctx, p); err != nil {
		return fmt.Errorf("save page %s/%s: %w", p.Slug, p.Language, err)
	}
	s.sitePages.invalidate()
	s.log.Info("page saved", "request_id", reqFrom(ctx).id, "member_id", m.ID, "slug", p.Slug, "language", string(p.Language))
	return redirect(w, r, "/admin/pages?saved="+url.QueryEscape(p.Slug))
}

// pageFieldOrder is the order of the page form's fields.
var pageFieldOrder = map[string]int{"slug": 0, "language": 1, "title": 2, "nav_order": 3, "body": 4}

// pageRefused shows the form again, as typed, with a message at each
// field at fault and a summary linking to them. It answers 422.
func (s *Server) pageRefused(w http.ResponseWriter, r *http.Request, form pageForm, errs []*content.Error) error {
	cat := s.catalogs[reqFrom(r.Context()).lang]
	view := adminPagesView{Form: form, Errors: map[string]string{}}
	for _, e := range errs {
		key := kindKey[e.Kind]
		if k := "error.code." + e.Code; s.hasKey(k) {
			key = k
		}
		msg := cat.t(key, pageCodeArgs[e.Code]...)
		view.Errors[e.Field] = msg
		view.Problems = append(view.Problems, fieldProblem{Field: e.Field, Message: msg})
	}
	return s.renderAdminPages(w, r, http.StatusUnprocessableEntity, view)
}

// deletePage removes a page in every language.
func (s *Server) deletePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	slug := strings.TrimSpace(r.PostForm.Get("slug"))
	missing := &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no page " + slug}
	if !pageSlugRE.MatchString(slug) {
		return missing
	}
	n, err := s.db.DeletePage(ctx, slug)
	if err != nil {
		return fmt.Errorf("delete page %s: %w", slug, err)
	}
	if n == 0 {
		return missing
	}
	s.sitePages.invalidate()
	s.log.Info("page deleted", "request_id", reqFrom(ctx).id, "member_id", m.ID, "slug", slug, "versions", n)
	return redirect(w, r, "/admin/pages?deleted="+url.QueryEscape(slug))
}
