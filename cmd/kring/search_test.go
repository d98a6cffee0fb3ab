package main

import (
	"strings"
	"testing"
)

// TestSearchCommand searches posts and threads written with the CLI, with
// and without filters, and refuses what makes no sense.
func TestSearchCommand(t *testing.T) {
	t.Parallel()
	dir, _ := forumNode(t)
	wantOK(t, kring(t, "post", "--as", "alice", "--title", "Fietstocht langs de coöperatie", "--text", "Zondag fietsen we naar het café.", "--data", dir))
	wantOK(t, kring(t, "post", "--as", "bob", "--title", "Alleen voor volgers", "--text", "De fietstocht gaat niet door.",
		"--visibility", "followers", "--data", dir))
	wantOK(t, kring(t, "post", "--as", "bob", "--title", "Concept fietstocht", "--text", "Nog niet af.", "--draft", "--data", dir))
	newThread(t, dir, "bob", "Wie heeft er een fietspomp?", "Voor de fietstocht van zondag.")

	r := kring(t, "search", "cooperatie", "--data", dir)
	wantOK(t, r)
	want := "post    " // kind, date, title with the match marked
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "Fietstocht langs de **coöperatie**") ||
		!strings.Contains(r.stdout, "https://kring.test/@alice/fietstocht-langs-de-cooperatie") {
		t.Errorf("search cooperatie printed:\n%s", r.stdout)
	}

	r = kring(t, "search", "fietstocht", "--data", dir)
	wantOK(t, r)
	if strings.Contains(r.stdout, "volgers") || strings.Contains(r.stdout, "Concept") {
		t.Errorf("search shows a followers-only post or a draft:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "thread") || !strings.Contains(r.stdout, "https://kring.test/f/opendata/1") {
		t.Errorf("search fietstocht lacks the thread:\n%s", r.stdout)
	}

	r = kring(t, "search", "--type", "thread", "--forum", "opendata", "fietstocht", "--data", dir)
	wantOK(t, r)
	if strings.Contains(r.stdout, "@alice") || !strings.Contains(r.stdout, "fietspomp") {
		t.Errorf("--type thread printed:\n%s", r.stdout)
	}
	r = kring(t, "search", "--author", "@alice", "--limit", "1", "fiets*", "--data", dir)
	wantOK(t, r)
	if strings.Contains(r.stdout, "fietspomp") || !strings.Contains(r.stdout, "coöperatie") {
		t.Errorf("--author alice printed:\n%s", r.stdout)
	}
	r = kring(t, "search", "--limit", "1", "fietstocht", "--data", dir)
	wantOK(t, r)
	if !strings.HasSuffix(r.stdout, "More results: add --page 2.\n") {
		t.Errorf("--limit 1 printed:\n%s", r.stdout)
	}
	r = kring(t, "search", "--since", "2000-01-01", "--until", "2000-12-31", "fietstocht", "--data", dir)
	wantOK(t, r)
	if r.stdout != "Nothing found for \"fietstocht\".\n" {
		t.Errorf("an empty date range printed:\n%s", r.stdout)
	}
	r = kring(t, "search", `"`, "--data", dir)
	wantErrorContains(t, r, 2, "give words to search for")
	wantOK(t, kring(t, "search", `NEAR(fietstocht`, "--data", dir))
	wantErrorContains(t, kring(t, "search", "--type", "boek", "x", "--data", dir), 2, `unknown --type "boek"`)
	wantErrorContains(t, kring(t, "search", "--since", "gisteren", "x", "--data", dir), 2, "not a date")
	wantErrorContains(t, kring(t, "search", "--author", "niemand", "x", "--data", dir), 1, `no author "niemand"`)
	wantErrorContains(t, kring(t, "search", "--forum", "nergens", "x", "--data", dir), 1, `no forum "nergens"`)
}
