package main

import (
	"strings"
	"testing"
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
