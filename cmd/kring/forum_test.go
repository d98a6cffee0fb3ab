package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kring/content"
	"kring/storage"
)

func TestForumCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)

	r := kring(t, "forum", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "No forums yet") {
		t.Errorf("empty list says %q", r.stdout)
	}
	r = kring(t, "forum", "add", "opendata", "--title", "Open data", "--data", dir)
	wantOK(t, r)
	if want := "Created forum \"Open data\" (@opendata@kring.test).\n"; r.stdout != want {
		t.Errorf("add = %q, want %q", r.stdout, want)
	}
	r = kring(t, "forum", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "@opendata@kring.test") || !strings.Contains(r.stdout, "Open data") {
		t.Errorf("list lacks the forum:\n%s", r.stdout)
	}

	// Persons and Groups share one namespace of handles, both ways.
	wantError(t, kring(t, "forum", "add", "opendata", "--data", dir), 1,
		`the name "opendata" is already taken by a member or a forum`,
		"choose another name; kring user list and kring forum list show the taken ones")
	wantError(t, kring(t, "user", "add", "opendata", "--data", dir), 1,
		`username "opendata" is already taken`,
		"choose another name; kring user list and kring forum list show the taken ones")
	wantOK(t, kring(t, "user", "add", "jdevries", "--data", dir))
	wantError(t, kring(t, "forum", "add", "jdevries", "--data", dir), 1,
		`the name "jdevries" is already taken by a member or a forum`,
		"choose another name; kring user list and kring forum list show the taken ones")
	wantErrorContains(t, kring(t, "forum", "add", "Open-Data", "--data", dir), 1, "forum name", "kring forum add opendata")
	wantErrorContains(t, kring(t, "forum", "add", "inbox", "--data", dir), 1, "reserved")
}

func TestForumSet(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "forum", "add", "opendata", "--title", "Open data", "--description", "Datasets", "--data", dir))
	db := openStorage(t, filepath.Join(dir, storage.FileName))

	r := kring(t, "forum", "set", "opendata", "--language", "en", "--members-only-threads=true", "--data", dir)
	wantOK(t, r)
	if want := "Updated forum \"Open data\" (@opendata@kring.test): language en, threads by members.\n"; r.stdout != want {
		t.Errorf("set = %q, want %q", r.stdout, want)
	}
	wantForum(t, db, content.Forum{Name: "opendata", Title: "Open data", Description: "Datasets", Language: "en", MembersOnlyThreads: true})

	// Only what is given changes, also when given as a variable.
	r = kringWith(t, runOpts{env: []string{"KRING_FORUM_DESCRIPTION=Open datasets van de gemeente"}},
		"forum", "set", "opendata", "--title", "Open data NL", "--members-only-threads=false", "--data", dir)
	wantOK(t, r)
	wantForum(t, db, content.Forum{Name: "opendata", Title: "Open data NL", Description: "Open datasets van de gemeente", Language: "en"})

	r = kring(t, "forum", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "THREADS BY") || !strings.Contains(r.stdout, "anyone") {
		t.Errorf("list does not say who starts threads:\n%s", r.stdout)
	}

	tests := []struct {
		name      string
		args      []string
		code      int
		fragments []string
	}{
		{"nothing to change", []string{"opendata"}, 2, []string{"nothing to change", "Try: kring forum set --help"}},
		{"no name", []string{"--title", "X"}, 2, []string{"missing NAME"}},
		{"unknown forum", []string{"nope", "--title", "X"}, 1, []string{`no forum named "nope"`, "Try: kring forum list shows the forums"}},
		{"unknown language", []string{"opendata", "--language", "de"}, 1, []string{`unsupported language "de"`, "Try: use --language nl or --language en"}},
		{"two-line title", []string{"opendata", "--title", "Open\ndata"}, 1, []string{"forum title must be one line", "Try: correct --title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErrorContains(t, kring(t, append(append([]string{"forum", "set"}, tt.args...), "--data", dir)...), tt.code, tt.fragments...)
		})
	}
	wantForum(t, db, content.Forum{Name: "opendata", Title: "Open data NL", Description: "Open datasets van de gemeente", Language: "en"})
}

// wantForum checks a forum's settings in the database.
func wantForum(t *testing.T, db *storage.DB, want content.Forum) {
	t.Helper()
	f, err := db.ForumByName(context.Background(), want.Name)
	if err != nil {
		t.Fatal(err)
	}
	got := content.Forum{Name: f.Name, Title: f.Title, Description: f.Description, Language: f.Language, MembersOnlyThreads: f.MembersOnlyThreads}
	if got != want {
		t.Errorf("forum = %+v, want %+v", got, want)
	}
}

func TestForumModerators(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "forum", "add", "opendata", "--data", dir))
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	wantOK(t, kring(t, "user", "add", "bob", "--data", dir))

	steps := []struct {
		args []string
		want string
	}{
		{[]string{"add", "opendata", "alice"}, "alice now moderates opendata.\n"},
		{[]string{"add", "opendata", "alice"}, "alice already moderates opendata.\n"},
		{[]string{"add", "opendata", "bob"}, "bob now moderates opendata.\n"},
		{[]string{"remove", "opendata", "bob"}, "bob no longer moderates opendata.\n"},
		{[]string{"remove", "opendata", "bob"}, "bob does not moderate opendata.\n"},
	}
	for _, st := range steps {
		r := kring(t, append(append([]string{"forum", "moderator"}, st.args...), "--data", dir)...)
		wantOK(t, r)
		if r.stdout != st.want {
			t.Errorf("forum moderator %s = %q, want %q", strings.Join(st.args, " "), r.stdout, st.want)
		}
	}
	r := kring(t, "forum", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "MODERATORS") || !regexp.MustCompile(`(?m)^@opendata@kring\.test .* alice +\S`).MatchString(r.stdout) {
		t.Errorf("list does not show alice as the moderator:\n%s", r.stdout)
	}

	wantError(t, kring(t, "forum", "moderator", "add", "opendata", "nobody", "--data", dir), 1,
		`no member named "nobody"`, "kring user list shows the members")
	wantError(t, kring(t, "forum", "moderator", "add", "nope", "alice", "--data", dir), 1,
		`no forum named "nope"`, "kring forum list shows the forums")
	wantError(t, kring(t, "forum", "moderator", "add", "opendata", "--data", dir), 2,
		"missing USERNAME", "kring forum moderator add NAME USERNAME (see kring forum moderator add --help)")
	wantErrorContains(t, kring(t, "forum", "moderator", "promote", "opendata", "alice", "--data", dir), 2, `unknown command "promote"`)
}

func TestForumBan(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	ctx := context.Background()
	wantOK(t, kring(t, "forum", "add", "opendata", "--data", dir))
	for _, name := range []string{"alice", "bob"} {
		wantOK(t, kring(t, "user", "add", name, "--data", dir))
	}
	wantOK(t, kring(t, "user", "add", "ada", "--role", "admin", "--data", dir))
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	f, err := db.ForumByName(ctx, "opendata")
	if err != nil {
		t.Fatal(err)
	}
	node, err := db.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bob := node.Scheme + "://kring.test/users/bob"
	const troll = "https://elsewhere.test/users/troll"

	// Only the forum's moderators and the admins may ban.
	wantError(t, kring(t, "forum", "ban", "opendata", "bob", "--as", "alice", "--data", dir), 1,
		"alice does not moderate the forum opendata", "an admin can make alice one: kring forum moderator add opendata alice")
	wantOK(t, kring(t, "forum", "moderator", "add", "opendata", "alice", "--data", dir))

	steps := []struct {
		args []string
		want string
	}{
		{[]string{"ban", "opendata", "bob", "--as", "alice", "--reason", "spam"}, "Banned " + bob + " from opendata; the forum's followers are told.\n"},
		{[]string{"ban", "opendata", "@bob@kring.test", "--as", "alice"}, "Banned " + bob + " from opendata; the forum's followers are told.\n"},
		{[]string{"ban", "opendata", troll, "--as", "ada"}, "Banned " + troll + " from opendata; the forum's followers are told.\n"},
		{[]string{"unban", "opendata", troll, "--as", "alice"}, "Lifted the ban of " + troll + " from opendata; the forum's followers are told.\n"},
		{[]string{"unban", "opendata", troll, "--as", "alice"}, troll + " is not banned from opendata.\n"},
	}
	for _, st := range steps {
		r := kring(t, append(append([]string{"forum"}, st.args...), "--data", dir)...)
		wantOK(t, r)
		if r.stdout != st.want {
			t.Errorf("forum %s = %q, want %q", strings.Join(st.args, " "), r.stdout, st.want)
		}
	}
	for actor, want := range map[string]bool{bob: true, troll: false} {
		if got, err := db.IsBanned(ctx, f.ID, actor); err != nil || got != want {
			t.Errorf("IsBanned(%s) = %v, %v; want %v", actor, got, err, want)
		}
	}

	wantError(t, kring(t, "forum", "ban", "opendata", "alice", "--as", "alice", "--data", dir), 1,
		"moderators cannot ban themselves", "give another ACTOR; kring forum moderator remove takes a moderator off the forum")
	wantError(t, kring(t, "forum", "ban", "opendata", "nobody", "--as", "alice", "--data", dir), 1,
		`no member named "nobody"`, "kring user list shows the members; someone elsewhere is user@host or an actor URL")
	wantError(t, kring(t, "forum", "ban", "nope", "bob", "--as", "alice", "--data", dir), 1,
		`no forum named "nope"`, "kring forum list shows the forums")
	wantError(t, kring(t, "forum", "ban", "opendata", "bob", "--as", "nobody", "--data", dir), 1,
		`no member named "nobody"`, "kring user list shows the members")
	wantErrorContains(t, kring(t, "forum", "ban", "opendata", "bob", "--data", dir), 2, "--as is missing")
	wantErrorContains(t, kring(t, "forum", "ban", "opendata", "--as", "alice", "--data", dir), 2, "missing ACTOR")
	wantErrorContains(t, kring(t, "forum", "unban", "opendata", "bob", "--as", "alice", "--reason", "x", "--data", dir), 2,
		"flag provided but not defined: -reason")
}
