package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kring/content"
	"kring/storage"
)

func TestPageCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	about := filepath.Join(t.TempDir(), "about.md")
	if err := os.WriteFile(about, []byte("# Wie wij zijn\n\nWij zijn **Kring**.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := kring(t, "page", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "No pages yet") {
		t.Errorf("empty list says %q", r.stdout)
	}

	r = kring(t, "page", "add", "--slug", "about", "--lang", "nl", "--title", "Over ons", "--file", about, "--nav-order", "2", "--data", dir)
	wantOK(t, r)
	if want := "Added page /p/about (nl): \"Over ons\".\n"; r.stdout != want {
		t.Errorf("add = %q, want %q", r.stdout, want)
	}
	r = kringWith(t, runOpts{env: []string{"KRING_PAGE_SLUG=about", "KRING_PAGE_LANG=en", "KRING_PAGE_TITLE=About us"}},
		"page", "add", "--text", "We are *Kring*.", "--data", dir)
	wantOK(t, r)
	r = kringWith(t, runOpts{stdin: "Mail ons.\n"}, "page", "add", "--slug", "contact", "--title", "Contact", "--file", "-", "--data", dir)
	wantOK(t, r)
	if want := "Added page /p/contact (nl): \"Contact\".\n"; r.stdout != want {
		t.Errorf("add from stdin with the default language = %q, want %q", r.stdout, want)
	}

	db := openStorage(t, filepath.Join(dir, storage.FileName))
	ctx := context.Background()
	p, err := db.PageBySlug(ctx, "about", content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Over ons" || p.NavOrder != 2 || !strings.Contains(p.Content, "<strong>Kring</strong>") || !strings.HasPrefix(p.Body, "# Wie wij zijn") {
		t.Errorf("stored page = %+v", p)
	}
	en, err := db.PageBySlug(ctx, "about", content.LanguageEnglish)
	if err != nil || en.Title != "About us" || !strings.Contains(en.Content, "<em>Kring</em>") {
		t.Errorf("English page from the KRING_PAGE_* variables = %+v, %v", en, err)
	}

	if en.NavOrder != 2 {
		t.Errorf("a new language version is at menu position %d, want the page's 2", en.NavOrder)
	}

	// Replacing the text keeps the page's place unless told otherwise.
	r = kring(t, "page", "add", "--slug", "about", "--lang", "nl", "--title", "Over Kring", "--text", "Nieuw.", "--data", dir)
	wantOK(t, r)
	if want := "Updated page /p/about (nl): \"Over Kring\".\n"; r.stdout != want {
		t.Errorf("replace = %q, want %q", r.stdout, want)
	}
	if p, err := db.PageBySlug(ctx, "about", content.LanguageDutch); err != nil || p.NavOrder != 2 || p.Title != "Over Kring" {
		t.Errorf("after replacing: %+v, %v; want the new title at position 2", p, err)
	}
	wantOK(t, kring(t, "page", "add", "--slug", "contact", "--title", "Contact", "--text", "Bel ons.", "--nav-order", "5", "--data", dir))

	r = kring(t, "page", "list", "--data", dir)
	wantOK(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PATH") {
		t.Fatalf("list:\n%s", r.stdout)
	}
	for i, want := range []string{"/p/about    en        About us    2", "/p/about    nl        Over Kring  2", "/p/contact  nl        Contact     5"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("list line %d = %q, want it to start with %q", i+1, lines[i+1], want)
		}
	}

	r = kring(t, "page", "remove", "--slug", "about", "--data", dir)
	wantOK(t, r)
	if want := "Removed page /p/about (2 languages).\n"; r.stdout != want {
		t.Errorf("remove = %q, want %q", r.stdout, want)
	}
	if _, err := db.PageBySlug(ctx, "about", content.LanguageEnglish); content.KindOf(err) != content.KindNotFound {
		t.Errorf("about/en after remove: %v, want not found", err)
	}
	wantError(t, kring(t, "page", "remove", "--slug", "about", "--data", dir), 1,
		`no page with slug "about"`, "kring page list shows the pages")
}

func TestPageCommandErrors(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	tests := []struct {
		name      string
		args      []string
		code      int
		msg, try  string // exact, when msg is set
		fragments []string
	}{
		{name: "no slug", args: []string{"page", "add", "--title", "T", "--text", "x"}, code: 2,
			msg: "--slug is missing: name the page's address, e.g. --slug about", try: "kring page add --help"},
		{name: "no text", args: []string{"page", "add", "--slug", "a", "--title", "T"}, code: 2,
			msg: "give the page's text as --text MARKDOWN or --file FILE, not both", try: "kring page add --help"},
		{name: "text and file", args: []string{"page", "add", "--slug", "a", "--title", "T", "--text", "x", "--file", "y"}, code: 2,
			msg: "give the page's text as --text MARKDOWN or --file FILE, not both", try: "kring page add --help"},
		{name: "bad slug", args: []string{"page", "add", "--slug", "Over Ons", "--title", "T", "--text", "x"}, code: 1,
			fragments: []string{`the slug "Over Ons" may only hold lowercase letters`, "Try: use lowercase letters, digits and single hyphens, e.g. --slug about-us"}},
		{name: "no title", args: []string{"page", "add", "--slug", "a", "--text", "x"}, code: 1,
			msg: "a page needs a title", try: `give a title of one line, e.g. --title "Over ons"`},
		{name: "bad language", args: []string{"page", "add", "--slug", "a", "--lang", "de", "--title", "T", "--text", "x"}, code: 1,
			msg: `unsupported language "de"`, try: "use --lang nl or --lang en"},
		{name: "menu position out of range", args: []string{"page", "add", "--slug", "a", "--title", "T", "--text", "x", "--nav-order", "1000"}, code: 1,
			msg: "the menu position must be a whole number from 0 to 999", try: "give --nav-order a whole number from 0 to 999"},
		{name: "menu position not a number", args: []string{"page", "add", "--slug", "a", "--title", "T", "--text", "x", "--nav-order", "first"}, code: 2,
			fragments: []string{"nav-order"}},
		{name: "missing file", args: []string{"page", "add", "--slug", "a", "--title", "T", "--file", "/no/such/file.md"}, code: 1,
			fragments: []string{"cannot read /no/such/file.md", "Try: check the file name"}},
		{name: "text too large", args: []string{"page", "add", "--slug", "a", "--title", "T", "--text", strings.Repeat("a", 20<<10+1)}, code: 1,
			msg: "the text is larger than 20 KiB", try: "write the page's Markdown in a file and give it as --file FILE (or --text MARKDOWN)"},
		{name: "remove without slug", args: []string{"page", "remove"}, code: 2,
			msg: "--slug is missing: name the page to remove; kring page list shows them", try: "kring page remove --help"},
		{name: "unknown subcommand", args: []string{"page", "edit"}, code: 2,
			msg: `unknown command "edit" for kring page`, try: "kring page --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kring(t, append(tt.args, "--data", dir)...)
			if tt.msg != "" {
				wantError(t, r, tt.code, tt.msg, tt.try)
				return
			}
			wantErrorContains(t, r, tt.code, tt.fragments...)
		})
	}
	r := kring(t, "page", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "No pages yet") {
		t.Errorf("refused commands stored pages:\n%s", r.stdout)
	}
}
