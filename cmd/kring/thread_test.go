package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kring/storage"
)

// forumNode is a node with the forum opendata, its moderator mod, the
// members alice and bob, and the admin ada.
func forumNode(t *testing.T) (dir string, db *storage.DB) {
	t.Helper()
	dir = initNode(t)
	wantOK(t, kring(t, "forum", "add", "opendata", "--title", "Open data", "--data", dir))
	for _, name := range []string{"alice", "bob", "mod"} {
		wantOK(t, kring(t, "user", "add", name, "--data", dir))
	}
	wantOK(t, kring(t, "user", "add", "ada", "--role", "admin", "--data", dir))
	wantOK(t, kring(t, "forum", "moderator", "add", "opendata", "mod", "--data", dir))
	return dir, openStorage(t, filepath.Join(dir, storage.FileName))
}

var printedIDRE = regexp.MustCompile(`(?m)^id:\s+(\S+)$`)

// printedID is the id a command printed on its "id:" line.
func printedID(t *testing.T, stdout string) string {
	t.Helper()
	m := printedIDRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no id printed:\n%s", stdout)
	}
	return m[1]
}

// newThread starts a thread with `kring thread new` and returns its id.
func newThread(t *testing.T, dir, as, title, text string) string {
	t.Helper()
	r := kring(t, "thread", "new", "--as", as, "--forum", "opendata", "--title", title, "--text", text, "--data", dir)
	wantOK(t, r)
	return printedID(t, r.stdout)
}

// threadLine is the line of `kring thread list` that lists a thread,
// split into its columns (the title may hold spaces: it is first).
func threadLine(t *testing.T, dir, iri string) []string {
	t.Helper()
	r := kring(t, "thread", "list", "--forum", "opendata", "--data", dir)
	wantOK(t, r)
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasSuffix(line, " "+iri) {
			return regexp.MustCompile(` {2,}`).Split(line, -1)
		}
	}
	t.Fatalf("thread list does not show %s:\n%s", iri, r.stdout)
	return nil
}

func TestThreadCommands(t *testing.T) {
	t.Parallel()
	dir, db := forumNode(t)
	ctx := context.Background()

	r := kring(t, "thread", "list", "--forum", "opendata", "--data", dir)
	wantOK(t, r)
	if want := "No threads in opendata yet: kring thread new --as NAME --forum opendata --title TITLE --text TEXT starts one.\n"; r.stdout != want {
		t.Errorf("empty list = %q, want %q", r.stdout, want)
	}

	r = kring(t, "thread", "new", "--as", "alice", "--forum", "opendata", "--title", "Welke datasets?", "--text", "Wat publiceert de **gemeente**?", "--data", dir)
	wantOK(t, r)
	thread := printedID(t, r.stdout)
	if !regexp.MustCompile(`^Started thread "Welke datasets\?" in opendata\.\nid:   \S+/threads/\S+\npage: \S+/f/opendata/1\n$`).MatchString(r.stdout) {
		t.Errorf("thread new printed:\n%s", r.stdout)
	}
	th, err := db.ThreadByIRI(ctx, thread)
	if err != nil {
		t.Fatal(err)
	}
	if th.Title != "Welke datasets?" || th.Forum != "opendata" || !strings.HasSuffix(th.Author, "/users/alice") {
		t.Errorf("stored thread = %+v", th)
	}

	// Text from standard input.
	r = kringWith(t, runOpts{stdin: "Parkeren en bomen.\n"}, "thread", "new", "--as", "bob", "--forum", "opendata", "--title", "Tweede", "--file", "-", "--data", dir)
	wantOK(t, r)
	second := printedID(t, r.stdout)
	if o, err := db.ObjectByIRI(ctx, second); err != nil {
		t.Error(err)
	} else if got := strings.TrimSpace(o.Content); got != "<p>Parkeren en bomen.</p>" {
		t.Errorf("thread from stdin has content %q", got)
	}

	r = kring(t, "thread", "reply", "--as", "bob", "--to", thread, "--text", "De bomenkaart.", "--data", dir)
	wantOK(t, r)
	reply := printedID(t, r.stdout)
	if want := "Replied to " + thread + ".\nid: " + reply + "\n"; r.stdout != want {
		t.Errorf("reply = %q, want %q", r.stdout, want)
	}
	if got := threadLine(t, dir, thread); len(got) != 5 || got[0] != "Welke datasets?" || got[1] != "1" || got[3] != "-" {
		t.Errorf("thread list line = %q, want the title, 1 reply, no flags", got)
	}

	modSteps := []struct {
		args []string
		want string
	}{
		{[]string{"pin", "--as", "mod", thread}, "Pinned thread \"Welke datasets?\" in opendata; the forum's followers are told.\n"},
		{[]string{"pin", "--as", "mod", thread}, "Thread \"Welke datasets?\" is already pinned.\n"},
		{[]string{"lock", "--as", "ada", thread, "--reason", "beantwoord"}, "Locked thread \"Welke datasets?\" in opendata; the forum's followers are told.\n"},
		{[]string{"answer", "--as", "alice", thread, reply}, "Marked " + reply + " as the answer to \"Welke datasets?\".\n"},
	}
	for _, st := range modSteps {
		r := kring(t, append(append([]string{"thread"}, st.args...), "--data", dir)...)
		wantOK(t, r)
		if r.stdout != st.want {
			t.Errorf("thread %s = %q, want %q", strings.Join(st.args, " "), r.stdout, st.want)
		}
	}
	r = kring(t, "thread", "list", "--forum", "opendata", "--data", dir)
	wantOK(t, r)
	if lines := strings.Split(r.stdout, "\n"); len(lines) < 3 || !strings.HasSuffix(lines[1], thread) {
		t.Errorf("the pinned thread is not listed first:\n%s", r.stdout)
	}
	if got := threadLine(t, dir, thread); got[3] != "pinned,locked,answered" {
		t.Errorf("flags = %q, want pinned,locked,answered", got[3])
	}

	// A locked thread takes no replies, also not to its replies.
	for _, to := range []string{thread, reply} {
		wantError(t, kring(t, "thread", "reply", "--as", "bob", "--to", to, "--text", "Nog iets.", "--data", dir), 1,
			"the thread "+thread+" is locked: it takes no new replies", "a moderator can reopen it: kring thread unlock --as MODERATOR "+thread)
	}
	wantError(t, kring(t, "thread", "answer", "--as", "bob", thread, reply, "--data", dir), 1,
		"only the thread's author or a moderator can mark the answer", "ask the thread's author or a moderator of opendata")
	wantErrorContains(t, kring(t, "thread", "answer", "--as", "alice", thread, second, "--data", dir), 1,
		"the answer must be a reply in this thread", "Try: give the id of a reply in "+thread)

	wantOK(t, kring(t, "thread", "unlock", "--as", "mod", thread, "--data", dir))
	wantOK(t, kring(t, "thread", "unpin", "--as", "mod", thread, "--data", dir))
	th, err = db.ThreadByIRI(ctx, thread)
	if err != nil {
		t.Fatal(err)
	}
	if th.Locked || th.Pinned || th.AnswerIRI != reply || th.ReplyCount != 1 {
		t.Errorf("thread after unlock and unpin = locked %v, pinned %v, answer %q, replies %d; want the answer %s and 1 reply",
			th.Locked, th.Pinned, th.AnswerIRI, th.ReplyCount, reply)
	}
	wantOK(t, kring(t, "thread", "reply", "--as", "bob", "--to", reply, "--text", "Dank!", "--data", dir))
	if got := threadLine(t, dir, thread); got[1] != "2" || got[3] != "answered" {
		t.Errorf("after the second reply: %q, want 2 replies, answered", got)
	}
}

func TestThreadErrors(t *testing.T) {
	t.Parallel()
	dir, _ := forumNode(t)
	thread := newThread(t, dir, "alice", "Welke datasets?", "Wat is er?")
	wantOK(t, kring(t, "user", "add", "sleeper", "--data", dir))
	wantOK(t, kring(t, "user", "suspend", "sleeper", "--data", dir))
	wantOK(t, kring(t, "forum", "ban", "opendata", "bob", "--as", "mod", "--data", dir))
	missing := "http://kring.test/threads/none"
	text := filepath.Join(t.TempDir(), "text.md")
	if err := os.WriteFile(text, []byte("Uit een bestand."), 0o600); err != nil {
		t.Fatal(err)
	}

	newArgs := func(extra ...string) []string {
		return append([]string{"thread", "new", "--forum", "opendata", "--title", "T"}, extra...)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		msg, try string // exact, when try is given
		fragment string // else a part of the message
	}{
		{name: "new without --as", args: newArgs("--text", "x"), code: 2, fragment: "--as is missing"},
		{name: "new without --forum", args: []string{"thread", "new", "--as", "alice", "--title", "T", "--text", "x"}, code: 2,
			msg: "--forum is missing: name the forum to start the thread in", try: "kring thread new --help"},
		{name: "new without --title", args: []string{"thread", "new", "--as", "alice", "--forum", "opendata", "--text", "x"}, code: 2,
			msg: "--title is missing: a thread needs its title", try: "kring thread new --help"},
		{name: "new with text and file", args: newArgs("--as", "alice", "--text", "x", "--file", text), code: 2,
			msg: "give the text as --text TEXT or --file FILE, not both", try: "kring thread new --help"},
		{name: "new without text", args: newArgs("--as", "alice"), code: 2, fragment: "give the text as --text TEXT or --file FILE"},
		{name: "new with empty text", args: newArgs("--as", "alice", "--text", "  "), code: 1,
			msg: "the post has no text", try: "give the text as --text TEXT or --file FILE"},
		{name: "new from a missing file", args: newArgs("--as", "alice", "--file", text+".gone"), code: 1, fragment: "cannot read " + text + ".gone"},
		{name: "new in an unknown forum", args: []string{"thread", "new", "--as", "alice", "--forum", "nope", "--title", "T", "--text", "x"}, code: 1,
			msg: `no forum named "nope"`, try: "kring forum list shows the forums"},
		{name: "new by an unknown member", args: newArgs("--as", "nobody", "--text", "x"), code: 1,
			msg: `no member named "nobody"`, try: "kring user list shows the members"},
		{name: "new by a suspended member", args: newArgs("--as", "sleeper", "--text", "x"), code: 1,
			msg: `member "sleeper" is suspended and cannot act in the forums`, try: "kring user unsuspend sleeper first"},
		{name: "new by a banned member", args: newArgs("--as", "bob", "--text", "x"), code: 1,
			msg: "bob is banned from the forum opendata", try: "a moderator can lift the ban: kring forum unban opendata bob --as MODERATOR"},
		{name: "reply by a banned member", args: []string{"thread", "reply", "--as", "bob", "--to", thread, "--text", "x"}, code: 1,
			msg: "bob is banned from the forum opendata", try: "a moderator can lift the ban: kring forum unban opendata bob --as MODERATOR"},
		{name: "reply without --to", args: []string{"thread", "reply", "--as", "alice", "--text", "x"}, code: 2,
			msg: "--to is missing: give the id of the thread or reply to answer", try: "kring thread reply --help"},
		{name: "reply to nothing", args: []string{"thread", "reply", "--as", "alice", "--to", missing, "--text", "x"}, code: 1,
			msg: "there is nothing to reply to at " + missing,
			try: "give the id of a thread or reply this node holds; a thread elsewhere arrives once a member follows its forum"},
		{name: "lock an unknown thread", args: []string{"thread", "lock", "--as", "mod", missing}, code: 1,
			msg: "no thread " + missing + " in a forum of this node", try: "kring thread list --forum FORUM shows the threads and their ids"},
		{name: "lock by a member", args: []string{"thread", "lock", "--as", "alice", thread}, code: 1,
			msg: "alice does not moderate the forum opendata", try: "an admin can make alice one: kring forum moderator add opendata alice"},
		{name: "lock without a thread", args: []string{"thread", "lock", "--as", "mod"}, code: 2,
			msg: "missing THREAD_IRI", try: "kring thread lock THREAD_IRI (see kring thread lock --help)"},
		{name: "answer without the reply", args: []string{"thread", "answer", "--as", "alice", thread}, code: 2,
			msg: "missing REPLY_IRI", try: "kring thread answer THREAD_IRI REPLY_IRI (see kring thread answer --help)"},
		{name: "list without --forum", args: []string{"thread", "list"}, code: 2,
			msg: "--forum is missing: name the forum whose threads to list", try: "kring thread list --help"},
		{name: "list of an unknown forum", args: []string{"thread", "list", "--forum", "nope"}, code: 1,
			msg: `no forum named "nope"`, try: "kring forum list shows the forums"},
		{name: "unknown subcommand", args: []string{"thread", "close", thread}, code: 2, fragment: `unknown command "close" for kring thread`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := kring(t, append(tt.args, "--data", dir)...)
			if tt.try != "" {
				wantError(t, r, tt.code, tt.msg, tt.try)
			} else {
				wantErrorContains(t, r, tt.code, tt.fragment)
			}
		})
	}

	t.Run("new from a file", func(t *testing.T) {
		r := kring(t, "thread", "new", "--as", "alice", "--forum", "opendata", "--title", "Uit een bestand", "--file", text, "--data", dir)
		wantOK(t, r)
		printedID(t, r.stdout)
	})
}

func TestModlogCommand(t *testing.T) {
	t.Parallel()
	dir, _ := forumNode(t)
	wantOK(t, kring(t, "forum", "add", "verkeer", "--data", dir))

	r := kring(t, "modlog", "--forum", "verkeer", "--data", dir)
	wantOK(t, r)
	if want := "The moderation log is empty.\n"; r.stdout != want {
		t.Errorf("empty modlog = %q, want %q", r.stdout, want)
	}

	thread := newThread(t, dir, "alice", "Welke datasets?", "Wat is er?")
	wantOK(t, kring(t, "forum", "ban", "opendata", "bob", "--as", "mod", "--reason", "spam\nen meer", "--data", dir))
	wantOK(t, kring(t, "thread", "lock", "--as", "ada", thread, "--reason", "klaar", "--data", dir))
	wantOK(t, kring(t, "forum", "ban", "verkeer", "https://elsewhere.test/users/troll", "--as", "ada", "--data", dir))

	r = kring(t, "modlog", "--data", dir)
	wantOK(t, r)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 5 || !regexp.MustCompile(`^TIME +FORUM +MODERATOR +ACTION +TARGET +REASON$`).MatchString(lines[0]) {
		t.Fatalf("modlog:\n%s", r.stdout)
	}
	// Newest first; moderators of this node by username.
	want := []string{
		`^\d{4}-\d\d-\d\d \d\d:\d\d +verkeer +ada +ban +https://elsewhere\.test/users/troll +-$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d +opendata +ada +lock +` + regexp.QuoteMeta(thread) + ` +klaar$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d +opendata +mod +ban +\S+/users/bob +spam en meer$`,
		`^\d{4}-\d\d-\d\d \d\d:\d\d +opendata +\(command line\) +add_moderator +\S+/users/mod +-$`,
	}
	for i, w := range want {
		if !regexp.MustCompile(w).MatchString(lines[i+1]) {
			t.Errorf("modlog line %d = %q, want it to match %s", i+1, lines[i+1], w)
		}
	}

	r = kring(t, "modlog", "--forum", "opendata", "--limit", "1", "--data", dir)
	wantOK(t, r)
	if lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); len(lines) != 2 || !strings.Contains(lines[1], " lock ") {
		t.Errorf("modlog --forum opendata --limit 1:\n%s", r.stdout)
	}
	r = kringWith(t, runOpts{env: []string{"KRING_FORUM=verkeer"}}, "modlog", "--data", dir)
	wantOK(t, r)
	if strings.Contains(r.stdout, "opendata") || !strings.Contains(r.stdout, "verkeer") {
		t.Errorf("KRING_FORUM=verkeer kring modlog:\n%s", r.stdout)
	}

	wantError(t, kring(t, "modlog", "--forum", "nope", "--data", dir), 1, `no forum named "nope"`, "kring forum list shows the forums")
	wantError(t, kring(t, "modlog", "--limit", "0", "--data", dir), 2, "--limit 0: give a number from 1 to 1000", "kring modlog --help")
	wantErrorContains(t, kring(t, "modlog", "opendata", "--data", dir), 2, `unexpected argument "opendata"`)
}

// TestThreadEditCommand: a member edits their own question and its
// title; someone else's is refused with the reason.
func TestThreadEditCommand(t *testing.T) {
	t.Parallel()
	dir, db := forumNode(t)
	ctx := context.Background()
	thread := newThread(t, dir, "alice", "Welke datasets?", "Wat is er?")
	r := kring(t, "thread", "edit", "--as", "alice", thread, "--title", "Welke open datasets?", "--text", "Wat publiceert u al?", "--data", dir)
	wantOK(t, r)
	if r.stdout != "Edited "+thread+".\n" {
		t.Errorf("edit printed %q", r.stdout)
	}
	th, err := db.ThreadByIRI(ctx, thread)
	if err != nil || th.Title != "Welke open datasets?" {
		t.Fatalf("thread after the edit: %+v, %v", th, err)
	}
	if o, _ := db.ObjectByIRI(ctx, thread); !strings.Contains(o.Content, "Wat publiceert u al?") {
		t.Errorf("question after the edit: %q", o.Content)
	}
	wantErrorContains(t, kring(t, "thread", "edit", "--as", "bob", thread, "--text", "Van mij", "--data", dir), 1, "only its author can edit this")
	wantErrorContains(t, kring(t, "thread", "edit", "--as", "alice", thread, "--data", dir), 2, "--text TEXT or --file FILE")
}
