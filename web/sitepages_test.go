package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kring/content"
)

// admin creates a member with the admin role.
func (n *testNode) admin(username string) *content.Member {
	n.t.Helper()
	m := n.member(username, "")
	if err := n.db.SetMemberRole(context.Background(), username, content.RoleAdmin); err != nil {
		n.t.Fatalf("make %s admin: %v", username, err)
	}
	m.Role = content.RoleAdmin
	return m
}

// pageFormValues is a filled-in admin page form.
func pageFormValues(csrf, slug, lang, title, body, navOrder string) url.Values {
	return url.Values{"csrf": {csrf}, "slug": {slug}, "language": {lang}, "title": {title}, "body": {body}, "nav_order": {navOrder}}
}

// savePageOK posts the admin form and fails unless the page was saved.
func (b *browser) savePageOK(slug, lang, title, body, navOrder string) {
	b.t.Helper()
	res := b.post("/admin/pages", pageFormValues(b.csrf("/admin/pages"), slug, lang, title, body, navOrder))
	if want := "/admin/pages?saved=" + slug; res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		b.t.Fatalf("save page %s/%s: %d to %q, want 303 to %q\n%s", slug, lang, res.StatusCode, res.Header.Get("Location"), want, res.body)
	}
}

// visitor is an anonymous browser asking for lang.
func (n *testNode) visitor(lang string) *browser {
	b := n.browser()
	b.header.Set("Accept-Language", lang)
	return b
}

var navRE = regexp.MustCompile(`(?s)<nav aria-label="[^"]*">.*?</nav>`)

// navOf returns the site menu of a page.
func navOf(body string) string { return navRE.FindString(body) }

func TestSitePages(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.admin("beheer")
	admin := n.browser()
	admin.login("beheer", testPassword)

	admin.savePageOK("about", "nl", "Over ons", "Wij zijn **Kring**.\r\n\r\nEen netwerk.", "2")
	admin.savePageOK("about", "en", "About us", "We are **Kring**.", "2")
	admin.savePageOK("contact", "nl", "Contact", "Mail ons.", "1")

	t.Run("each language", func(t *testing.T) {
		tests := []struct {
			lang, path   string
			wantTitle    string
			wantContent  string
			wantFallback string // the note, when the page is in the other language
			contentLang  string
		}{
			{lang: "nl", path: "/p/about", wantTitle: "<h1>Over ons</h1>", wantContent: "<strong>Kring</strong>"},
			{lang: "en", path: "/p/about", wantTitle: "<h1>About us</h1>", wantContent: "We are <strong>Kring</strong>."},
			{lang: "nl", path: "/p/contact", wantTitle: "<h1>Contact</h1>", wantContent: "Mail ons."},
			{lang: "en", path: "/p/contact", wantTitle: "<h1>Contact</h1>", wantContent: "Mail ons.",
				wantFallback: "This page is only available in Dutch.", contentLang: "nl"},
		}
		for _, tt := range tests {
			t.Run(tt.lang+tt.path, func(t *testing.T) {
				res := n.visitor(tt.lang).get(tt.path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", res.StatusCode)
				}
				if htmlLang(res.body) != tt.lang {
					t.Errorf("<html lang> = %q, want %q", htmlLang(res.body), tt.lang)
				}
				for _, want := range []string{tt.wantTitle, tt.wantContent} {
					if !strings.Contains(res.body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				article := `<article class="site-page">`
				if tt.contentLang != "" {
					article = `<article class="site-page" lang="` + tt.contentLang + `">`
				}
				if !strings.Contains(res.body, article) {
					t.Errorf("page lacks %s", article)
				}
				switch {
				case tt.wantFallback != "":
					if !strings.Contains(res.body, `<p class="notice">`+tt.wantFallback+`</p>`) {
						t.Errorf("page lacks the note %q", tt.wantFallback)
					}
				case strings.Contains(res.body, "only available in") || strings.Contains(res.body, "alleen in het"):
					t.Error("a page in the visitor's language has the other-language note")
				}
			})
		}
	})
	t.Run("Markdown paragraphs", func(t *testing.T) {
		body := n.visitor("nl").get("/p/about").body
		if !strings.Contains(body, "<p>Een netwerk.</p>") {
			t.Errorf("the second paragraph is not its own <p>:\n%s", body)
		}
	})
	t.Run("missing pages are 404", func(t *testing.T) {
		for _, path := range []string{"/p/nothing", "/p/Over_Ons", "/p/" + strings.Repeat("a", 61)} {
			if res := n.visitor("nl").get(path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
			}
		}
	})
	t.Run("menu in the visitor's language, by position", func(t *testing.T) {
		nl := navOf(n.visitor("nl").get("/").body)
		wantNL := `<a href="/p/contact">Contact</a></li>` + "\n" + `<li><a href="/p/about">Over ons</a>`
		if !strings.Contains(nl, wantNL) {
			t.Errorf("Dutch menu lacks %q in order:\n%s", wantNL, nl)
		}
		en := navOf(n.visitor("en").get("/").body)
		wantEN := `<a href="/p/contact" lang="nl">Contact</a></li>` + "\n" + `<li><a href="/p/about">About us</a>`
		if !strings.Contains(en, wantEN) {
			t.Errorf("English menu lacks %q in order:\n%s", wantEN, en)
		}
		if page := navOf(n.visitor("en").get("/p/about").body); !strings.Contains(page, `<a href="/p/about" aria-current="page">About us</a>`) {
			t.Errorf("the menu does not mark the page shown:\n%s", page)
		}
		if strings.Contains(nl, "/write") || strings.Contains(nl, "/notifications") || strings.Contains(nl, "/admin/pages") {
			t.Errorf("anonymous menu links member pages:\n%s", nl)
		}
	})
	t.Run("edit changes the page and the menu at once", func(t *testing.T) {
		form := admin.get("/admin/pages?slug=about&lang=nl")
		for _, want := range []string{`value="about"`, `value="Over ons"`, "Wij zijn **Kring**.", `<option value="nl" selected>`} {
			if !strings.Contains(form.body, want) {
				t.Errorf("edit form lacks %q", want)
			}
		}
		admin.savePageOK("about", "nl", "Over Kring", "Nieuw.", "0")
		if body := n.visitor("nl").get("/p/about").body; !strings.Contains(body, "<h1>Over Kring</h1>") || !strings.Contains(body, "Nieuw.") {
			t.Errorf("the page does not show the change")
		}
		nl := navOf(n.visitor("nl").get("/").body)
		if want := `<a href="/p/about">Over Kring</a></li>` + "\n" + `<li><a href="/p/contact">Contact</a>`; !strings.Contains(nl, want) {
			t.Errorf("menu after the change lacks %q:\n%s", want, nl)
		}
		pages, err := n.db.Pages(context.Background())
		if err != nil || len(pages) != 3 {
			t.Errorf("%d pages stored (%v), want 3: an edit must not add one", len(pages), err)
		}
	})
	t.Run("admin list", func(t *testing.T) {
		body := admin.get("/admin/pages?saved=contact").body
		if want := `<p class="notice" role="status">De pagina is opgeslagen: <a href="/p/contact">/p/contact</a></p>`; !strings.Contains(body, want) {
			t.Errorf("no confirmation %q", want)
		}
		for _, want := range []string{`<a href="/p/about">/p/about</a>`, `<a href="/p/contact">/p/contact</a>`,
			`href="/admin/pages?slug=contact&amp;lang=en#page-form-heading"`, "Versie in het Engels toevoegen"} {
			if !strings.Contains(body, want) {
				t.Errorf("admin list lacks %q", want)
			}
		}
		// Adding the missing translation starts from the page's address,
		// the language asked for and the page's place in the menu.
		form := admin.get("/admin/pages?slug=contact&lang=en").body
		for _, want := range []string{`id="slug" name="slug" type="text" required maxlength="60" autocomplete="off" spellcheck="false" value="contact"`,
			`<option value="en" selected>`, `id="nav_order" name="nav_order" type="text" inputmode="numeric" maxlength="4" value="1"`,
			`<h2 id="page-form-heading">Nieuwe pagina</h2>`} {
			if !strings.Contains(form, want) {
				t.Errorf("translation form lacks %q", want)
			}
		}
	})
	t.Run("delete removes every language", func(t *testing.T) {
		res := admin.post("/admin/pages/delete", url.Values{"csrf": {admin.csrf("/admin/pages")}, "slug": {"about"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/pages?deleted=about" {
			t.Fatalf("delete: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		for _, lang := range []string{"nl", "en"} {
			v := n.visitor(lang)
			if res := v.get("/p/about"); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: /p/about after delete: %d, want 404", lang, res.StatusCode)
			}
			if nav := navOf(v.get("/").body); strings.Contains(nav, "/p/about") {
				t.Errorf("%s menu still links the deleted page", lang)
			}
		}
		if body := admin.get("/admin/pages?deleted=about").body; !strings.Contains(body, "De pagina /p/about is verwijderd, in alle talen.") {
			t.Error("no confirmation of the delete")
		}
		res = admin.post("/admin/pages/delete", url.Values{"csrf": {admin.csrf("/admin/pages")}, "slug": {"about"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("deleting again: %d, want 404", res.StatusCode)
		}
	})
}

func TestSitePagesNeedAnAdmin(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "")
	n.admin("beheer")
	admin := n.browser()
	admin.login("beheer", testPassword)
	admin.savePageOK("about", "nl", "Over ons", "Tekst.", "")

	anon := n.browser()
	res := anon.get("/admin/pages")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fadmin%2Fpages" {
		t.Errorf("anonymous GET: %d to %q, want 303 to /login?next=%%2Fadmin%%2Fpages", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/admin/pages", "/admin/pages/delete"} {
		if res := anon.post(path, pageFormValues(anon.csrf("/"), "about", "nl", "Weg", "Weg", "")); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: %d, want 401", path, res.StatusCode)
		}
	}

	member := n.browser()
	member.login("alice", testPassword)
	if res := member.get("/admin/pages"); res.StatusCode != http.StatusForbidden {
		t.Errorf("member GET /admin/pages: %d, want 403", res.StatusCode)
	}
	for _, path := range []string{"/admin/pages", "/admin/pages/delete"} {
		if res := member.post(path, pageFormValues(member.csrf("/"), "about", "nl", "Gekaapt", "Gekaapt", "")); res.StatusCode != http.StatusForbidden {
			t.Errorf("member POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	if nav := navOf(member.get("/").body); strings.Contains(nav, "/admin/pages") {
		t.Errorf("a member's menu links the admin page:\n%s", nav)
	}
	if nav := navOf(admin.get("/").body); !strings.Contains(nav, `<a href="/admin/pages">Pagina&#39;s beheren</a>`) {
		t.Errorf("the admin's menu lacks the admin page:\n%s", nav)
	}

	// Without the form's token nothing changes either.
	if res := admin.post("/admin/pages", pageFormValues("", "about", "nl", "Zonder token", "x", "")); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d, want 403", res.StatusCode)
	}
	p, err := n.db.PageBySlug(context.Background(), "about", "nl")
	if err != nil || p.Title != "Over ons" {
		t.Errorf("page after refused posts = %+v, %v; want it unchanged", p, err)
	}
}

func TestSitePageValidation(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.admin("beheer")
	b := n.browser()
	b.login("beheer", testPassword)

	tests := []struct {
		name                           string
		slug, lang, title, body, order string
		wantFields                     []string // fields marked invalid, in form order
		wantMessage                    string
	}{
		{name: "empty slug", lang: "nl", title: "T", body: "B", wantFields: []string{"slug"}, wantMessage: "Vul een adres in"},
		{name: "slug with capitals and space", slug: "Over Ons", lang: "nl", title: "T", body: "B", wantFields: []string{"slug"},
			wantMessage: "Gebruik in het adres alleen kleine letters"},
		{name: "slug too long", slug: strings.Repeat("a", 61), lang: "nl", title: "T", body: "B", wantFields: []string{"slug"},
			wantMessage: "hoogstens 60 tekens"},
		{name: "unknown language", slug: "x", lang: "de", title: "T", body: "B", wantFields: []string{"language"},
			wantMessage: "Kies Nederlands of Engels als taal van de tekst."},
		{name: "empty title", slug: "x", lang: "nl", title: "  ", body: "B", wantFields: []string{"title"}, wantMessage: "Vul een titel in."},
		{name: "long title", slug: "x", lang: "nl", title: strings.Repeat("é", 101), body: "B", wantFields: []string{"title"},
			wantMessage: "hoogstens 100 tekens"},
		{name: "menu position not a number", slug: "x", lang: "nl", title: "T", body: "B", order: "eerst", wantFields: []string{"nav_order"},
			wantMessage: "heel getal van 0 tot 999"},
		{name: "menu position too high", slug: "x", lang: "nl", title: "T", body: "B", order: "1000", wantFields: []string{"nav_order"}},
		{name: "empty body", slug: "x", lang: "nl", title: "T", body: "\r\n  \r\n", wantFields: []string{"body"}, wantMessage: "Vul de tekst van de pagina in."},
		{name: "body too large", slug: "x", lang: "nl", title: "T", body: strings.Repeat("a", 20<<10+1), wantFields: []string{"body"},
			wantMessage: "hoogstens 20 KiB"},
		{name: "everything wrong at once", slug: "-", lang: "nl", order: "-1", wantFields: []string{"slug", "title", "nav_order", "body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.post("/admin/pages", pageFormValues(b.csrf("/admin/pages"), tt.slug, tt.lang, tt.title, tt.body, tt.order))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.body, "<title>Fout: Pagina&#39;s beheren") {
				t.Error("the page title does not say there is an error")
			}
			if got := regexp.MustCompile(`<div class="error-summary" role="alert">`).FindAllString(res.body, -1); len(got) != 1 {
				t.Errorf("%d error summaries, want 1", len(got))
			}
			var linked []string
			for _, m := range regexp.MustCompile(`<li><a href="#([a-z_]+)">`).FindAllStringSubmatch(res.body, -1) {
				linked = append(linked, m[1])
			}
			if strings.Join(linked, ",") != strings.Join(tt.wantFields, ",") {
				t.Errorf("summary links to %v, want %v", linked, tt.wantFields)
			}
			for _, f := range tt.wantFields {
				if !strings.Contains(res.body, `<p class="field-error" id="`+f+`-error">`) {
					t.Errorf("no error message with id %s-error", f)
				}
				field := regexp.MustCompile(`<(input|select|textarea) id="` + f + `"[^>]*>`).FindString(res.body)
				if !strings.Contains(field, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*\b`+f+`-error\b`).MatchString(field) {
					t.Errorf("field %s is not marked invalid and linked to its message: %s", f, field)
				}
			}
			if tt.wantMessage != "" && !strings.Contains(res.body, tt.wantMessage) {
				t.Errorf("page lacks the message %q", tt.wantMessage)
			}
			if tt.title != "" && len(tt.title) < 50 && strings.TrimSpace(tt.title) != "" && !strings.Contains(res.body, `value="`+tt.title+`"`) {
				t.Errorf("the form lost the title typed")
			}
			if strings.Contains(res.body, "[[") {
				t.Error("a message key is missing from the catalogue")
			}
		})
	}
	pages, err := n.db.Pages(context.Background())
	if err != nil || len(pages) != 0 {
		t.Errorf("refused forms stored %d pages (%v)", len(pages), err)
	}
}

func TestNewPage(t *testing.T) {
	p, err := NewPage(" about-us ", content.LanguageEnglish, " About ", "Hello *there*\r\n\r\n", 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Slug != "about-us" || p.Title != "About" || p.Body != "Hello *there*" || p.NavOrder != 3 || p.Language != "en" {
		t.Errorf("NewPage = %+v", p)
	}
	if !strings.Contains(p.Content, "<em>there</em>") {
		t.Errorf("Content = %q, want rendered Markdown", p.Content)
	}
	if p, err := NewPage("x", "nl", "X", `<script>alert(1)</script>[a](javascript:alert(1))`, 0); err != nil || strings.Contains(p.Content, "<script") || strings.Contains(p.Content, "javascript:") {
		t.Errorf("unsafe Markdown kept: %q, %v", p.Content, err)
	}
	_, err = NewPage("Bad Slug", "nl", "", "", 0)
	if e, ok := content.AsError(err); !ok || e.Field != "slug" || e.Code != "page_slug.invalid" {
		t.Errorf("first error = %v, want the slug's", err)
	}
}
