package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kring/content"
	"kring/federation"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates under templates/, each rendered inside
// layout.html; the parts_*.html files hold blocks that several pages use.
var pageNames = []string{"home", "member", "login", "settings", "follows", "followers", "error",
	"page", "admin_pages", "notifications", "compose", "post", "tag",
	"forums", "forum", "thread", "thread_new", "admin_forums",
	"admin_federation", "moderated_servers"}

// pageTemplates holds each page's template per language, parsed on first
// use with t bound to that language's catalogue, so rendering never clones
// or re-escapes templates. Parsing all of them up front would keep some
// 3 MiB of templates no visitor of a small node may ever ask for (the
// node's idle memory is a target); they are all parsed once at start to
// fail fast on an error, and that copy is left to the collector.
type pageTemplates struct {
	s     *Server
	mu    sync.Mutex
	pages map[content.Language]map[string]*template.Template
}

func (p *pageTemplates) get(lang content.Language, name string) (*template.Template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.pages[lang][name]; ok {
		return t, nil
	}
	cat, ok := p.s.catalogs[lang]
	if !ok || !slices.Contains(pageNames, name) {
		return nil, fmt.Errorf("render %s: no such page in language %q", name, lang)
	}
	t, err := p.s.parseTemplate(cat, name)
	if err != nil {
		return nil, err
	}
	if p.pages[lang] == nil {
		p.pages[lang] = map[string]*template.Template{}
	}
	p.pages[lang][name] = t
	return t, nil
}

func (s *Server) parseTemplate(cat catalog, name string) (*template.Template, error) {
	t, err := template.New(name).Funcs(s.funcs(cat)).ParseFS(templateFS, "templates/layout.html", "templates/parts_*.html", "templates/"+name+".html")
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	return t, nil
}

// checkTemplates parses every page once, so that a broken template stops
// the start rather than a visitor's request. The templates are embedded
// and parse the same in every language (only the functions' results
// differ), so one parse per page and process tells it for every Server.
func (s *Server) checkTemplates() error {
	templatesChecked.Do(func() {
		var cat catalog
		for _, c := range s.catalogs {
			cat = c
			break
		}
		for _, name := range pageNames {
			if _, err := s.parseTemplate(cat, name); err != nil {
				templatesErr = err
				return
			}
		}
	})
	return templatesErr
}

var (
	templatesChecked sync.Once
	templatesErr     error
)

func (s *Server) funcs(cat catalog) template.FuncMap {
	return template.FuncMap{
		"t":       cat.t,
		"date":    func(t time.Time) string { return formatDate(cat, t) },
		"isodate": func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
		"lines":   lines,
		"static":  s.static.url,
		"list":    func(items ...string) []string { return items },
	}
}

// formatDate writes a date the way the language does, e.g. "3 maart 2026".
func formatDate(cat catalog, t time.Time) string {
	t = t.UTC()
	return cat.t("date.format", t.Day(), cat.t("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// lines splits text at line breaks, so that a template can put <br>
// between escaped lines without any HTML being built in Go.
func lines(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	return strings.Split(strings.TrimRight(text, "\n"), "\n")
}

// safeHTML is the one way HTML reaches a template unescaped. Everything
// it is given was sanitised when it was stored: every write path (Markdown
// rendered here, objects received or fetched) passes content.SanitizeHTML
// before storage, and the XSS corpus tests hold each path to it. Pages do
// not sanitise again: on a thread of 500 replies that would cost a third
// of the page's time. TestOnlySafeHTMLMarksHTML keeps this the only door.
func safeHTML(stored string) template.HTML {
	return template.HTML(stored)
}

// view is what every page template gets. It holds only what pages show:
// never the node's or a member's keys or password hash.
type view struct {
	Lang            content.Language
	NodeName        string
	NodeDescription string
	Host            string
	Viewer          *viewer
	CSRF            string
	Path            string // the path asked for, to mark the current page in the menu
	Back            string // where the language switch returns to
	Switch          []langOption
	Federated       bool       // the node federates: following pages and settings exist
	NavPages        []navPage  // the static pages in the menu (pages_site.go)
	Unread          int        // the viewer's unread notifications
	Feeds           []feedLink // <link rel="alternate"> feeds for this page
	Data            any
}

type viewer struct {
	Username  string
	Name      string
	Admin     bool
	Moderator bool // handles the node's reports: moderators and admins
}

type langOption struct {
	Code content.Language
	Name string
}

// render writes page name with status. The page is rendered into a buffer
// first, so a template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	st := reqFrom(r.Context())
	cat := s.catalogs[st.lang]
	v := view{
		Lang:      st.lang,
		Host:      s.cfg.Host,
		CSRF:      st.csrf,
		Path:      r.URL.Path,
		Back:      s.backPath(r),
		Data:      data,
		NodeName:  s.cfg.Host,
		Federated: s.cfg.Federation != nil,
	}
	if st.node != nil {
		v.NodeName, v.NodeDescription = st.node.Name, st.node.Description
	}
	if st.member != nil {
		v.Viewer = &viewer{Username: st.member.Username, Name: st.member.Name(), Admin: st.member.Role == content.RoleAdmin,
			Moderator: federation.IsReportModerator(st.member)}
	}
	s.fillNav(r.Context(), &v)
	v.Feeds = feedLinks(r.URL.Path, cat)
	for _, l := range content.Languages {
		if l != st.lang {
			v.Switch = append(v.Switch, langOption{Code: l, Name: cat.t("language.name." + string(l))})
		}
	}
	t, err := s.pages.get(st.lang, name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(st.lang))
	// Pages carry CSRF tokens and member names: no shared cache may keep them.
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // a failed write means the client left; there is no one to tell
	return nil
}

// redirect answers a form post with 303, so that reloading the next page
// does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
