package main

import (
	"context"
	"path/filepath"
	"testing"

	"kring/storage"
)

func TestFollowerCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))

	r := kring(t, "follower", "approval", "--as", "alice", "manual", "--data", dir)
	wantOK(t, r)
	if want := "Follow requests for alice are now approved by hand.\n"; r.stdout != want {
		t.Errorf("approval manual = %q, want %q", r.stdout, want)
	}
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	m, err := db.MemberByUsername(context.Background(), "alice")
	if err != nil || !m.ManuallyApprovesFollowers {
		t.Fatalf("after approval manual: %+v, %v", m, err)
	}
	wantOK(t, kring(t, "follower", "approval", "--as", "alice", "auto", "--data", dir))
	if m, _ := db.MemberByUsername(context.Background(), "alice"); m.ManuallyApprovesFollowers {
		t.Error("approval auto did not switch manual approval off")
	}

	r = kring(t, "follower", "requests", "--as", "alice", "--data", dir)
	wantOK(t, r)
	if want := "No follow requests for alice.\n"; r.stdout != want {
		t.Errorf("requests = %q, want %q", r.stdout, want)
	}

	wantErrorContains(t, kring(t, "follower", "approval", "--as", "alice", "sometimes", "--data", dir), 1, `unknown approval mode "sometimes"`)
	wantErrorContains(t, kring(t, "follower", "approve", "--as", "alice", "https://elsewhere.test/users/bob", "--data", dir), 1,
		"has not asked to follow alice")
	wantErrorContains(t, kring(t, "follower", "requests", "--as", "nobody", "--data", dir), 1, `no member named "nobody"`)
	wantErrorContains(t, kring(t, "follower", "requests", "--data", dir), 2, "--as is missing")
	wantErrorContains(t, kring(t, "unfollow", "--as", "alice", "https://elsewhere.test/users/bob", "--data", dir), 1, "alice does not follow https://elsewhere.test/users/bob")
	wantErrorContains(t, kring(t, "follow", "--as", "alice", "not a handle", "--data", dir), 1, "neither a handle")
}
