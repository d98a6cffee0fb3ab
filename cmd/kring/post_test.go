package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostCommands writes, lists, edits and deletes a blog post from the
// command line, and refuses what makes no sense with a clear message.
func TestPostCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	md := filepath.Join(t.TempDir(), "post.md")
	if err := os.WriteFile(md, []byte("Eerste alinea over #OpenData.\n\nMeer tekst."), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kring(t, "post", "--as", "alice", "--title", "Open Koffie", "--file", md, "--tags", "koffie", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "Published https://kring.test/@alice/open-koffie") {
		t.Errorf("post says %q", r.stdout)
	}
	wantOK(t, kring(t, "post", "--as", "alice", "--title", "Nog niet af", "--text", "Concept.", "--draft", "--data", dir))
	r = kring(t, "posts", "list", "--as", "alice", "--data", dir)
	wantOK(t, r)
	for _, want := range []string{"open-koffie", "published", "nog-niet-af", "draft"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = kring(t, "posts", "edit", "--as", "alice", "--slug", "open-koffie", "--title", "Open Koffie (verzet)", "--text", "Nu in april.", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "@alice/open-koffie") {
		t.Errorf("a published post keeps its address; edit says %q", r.stdout)
	}
	wantErrorContains(t, kring(t, "posts", "edit", "--as", "alice", "--slug", "nope", "--title", "X", "--text", "Y", "--data", dir), 1, `alice has no post "nope"`)
	wantErrorContains(t, kring(t, "post", "--as", "alice", "--text", "x", "--tags", "a", "--data", dir), 2, "add --title")
	wantErrorContains(t, kring(t, "post", "--as", "alice", "--title", "T", "--text", "x", "--visibility", "secret", "--data", dir), 2, "unknown visibility")
	wantErrorContains(t, kring(t, "post", "--as", "alice", "--title", "", "--text", "", "--data", dir), 2, "--text")
	// An edit keeps what its flags do not name.
	wantOK(t, kring(t, "post", "--as", "alice", "--title", "Voor volgers", "--text", "Intern.", "--visibility", "followers", "--data", dir))
	wantOK(t, kring(t, "posts", "edit", "--as", "alice", "--slug", "voor-volgers", "--title", "Voor volgers", "--text", "Nog steeds intern.", "--data", dir))
	if r := kring(t, "posts", "list", "--as", "alice", "--data", dir); !strings.Contains(r.stdout, "followers") {
		t.Errorf("the edit made a followers-only post public:\n%s", r.stdout)
	}
	wantOK(t, kring(t, "posts", "delete", "--as", "alice", "--slug", "open-koffie", "--data", dir))
	wantErrorContains(t, kring(t, "posts", "delete", "--as", "alice", "--slug", "open-koffie", "--data", dir), 1, "no post")
	// The short note still works as before (the prober's trigger).
	r = kring(t, "post", "--as", "alice", "--text", "Hallo!", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "Published https://kring.test/notes/") {
		t.Errorf("note says %q", r.stdout)
	}
}
