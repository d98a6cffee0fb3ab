package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func newForum(t *testing.T, db *storage.DB, name string) *content.Forum {
	t.Helper()
	f, err := content.NewForum(name, "", "", content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = "pub", "priv"
	if err := db.CreateForum(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func startThread(t *testing.T, db *storage.DB, forum *content.Forum, iri string, at time.Time) {
	t.Helper()
	o := &content.Object{IRI: iri, Type: "Page", AttributedTo: "https://b.test/u/bob", Name: "Thread " + iri, Public: true, Published: at}
	if started, err := db.StartThread(context.Background(), forum.ID, o); err != nil || !started {
		t.Fatalf("start %s: %v %v", iri, started, err)
	}
}

func TestForumThreads(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	forum := newForum(t, db, "opendata")
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		startThread(t, db, forum, fmt.Sprintf("https://kring.test/threads/%d", i), base.Add(time.Duration(i)*time.Hour))
	}
	if started, _ := db.StartThread(ctx, forum.ID, &content.Object{IRI: "https://kring.test/threads/0", Type: "Page", Published: base}); started {
		t.Error("a second copy of a thread started a second thread")
	}
	// A reply to thread 0 (then to that reply) moves it to the top.
	putObject(t, db, "https://c.test/n/1", "https://c.test/u/carol", "https://kring.test/threads/0")
	putObject(t, db, "https://c.test/n/2", "https://c.test/u/carol", "https://c.test/n/1")
	list, err := db.Threads(ctx, storage.ThreadFilter{ForumID: forum.ID, Limit: 3})
	if err != nil || len(list) != 3 {
		t.Fatalf("first page: %d, %v", len(list), err)
	}
	if list[0].IRI != "https://kring.test/threads/0" || list[0].ReplyCount != 2 || list[1].IRI != "https://kring.test/threads/4" {
		t.Fatalf("order: %s (%d replies), %s", list[0].IRI, list[0].ReplyCount, list[1].IRI)
	}
	last := list[2]
	next, err := db.Threads(ctx, storage.ThreadFilter{ForumID: forum.ID, Before: last.LastActivity, BeforeID: last.ID, Limit: 3})
	if err != nil || len(next) != 2 || next[0].IRI != "https://kring.test/threads/2" {
		t.Fatalf("second page: %+v, %v", next, err)
	}
	// The thread of a nested reply is found through its root.
	if th, err := db.ThreadOf(ctx, "https://c.test/n/2"); err != nil || th.IRI != "https://kring.test/threads/0" || th.Forum != "opendata" {
		t.Fatalf("thread of a reply: %+v, %v", th, err)
	}
	// Answer, lock, pin: each logged.
	answer, yes := "https://c.test/n/1", true
	mod := "https://kring.test/users/mod"
	for _, c := range []storage.ThreadChange{
		{AnswerIRI: &answer, Log: content.ModEntry{ForumID: forum.ID, Moderator: mod, Action: content.ModMarkAnswer, Target: answer}},
		{Locked: &yes, Log: content.ModEntry{ForumID: forum.ID, Moderator: mod, Action: content.ModLock, Target: "https://kring.test/threads/0", Reason: "klaar"}},
		{Pinned: &yes, Log: content.ModEntry{ForumID: forum.ID, Moderator: mod, Action: content.ModPin, Target: "https://kring.test/threads/0"}},
	} {
		if err := db.ChangeThread(ctx, "https://kring.test/threads/0", c); err != nil {
			t.Fatal(err)
		}
	}
	th, _ := db.ThreadByIRI(ctx, "https://kring.test/threads/0")
	if !th.Answered() || !th.Locked || !th.Pinned {
		t.Fatalf("after the changes: %+v", th)
	}
	// Pinned threads are listed apart, so the answered one (pinned) is in
	// neither filtered list; the other four are unanswered.
	answered, unanswered := true, false
	if got, _ := db.Threads(ctx, storage.ThreadFilter{ForumID: forum.ID, Answered: &answered}); len(got) != 0 {
		t.Errorf("answered unpinned threads: %d, want 0", len(got))
	}
	if got, _ := db.Threads(ctx, storage.ThreadFilter{ForumID: forum.ID, Answered: &unanswered}); len(got) != 4 {
		t.Errorf("unanswered threads: %d, want 4", len(got))
	}
	if pinned, _ := db.PinnedThreads(ctx, forum.ID); len(pinned) != 1 {
		t.Errorf("pinned threads: %d, want 1", len(pinned))
	}
	if log, _ := db.ModLog(ctx, forum.ID, 10); len(log) != 3 || log[1].Action != content.ModLock || log[1].Reason != "klaar" {
		t.Errorf("moderation log: %+v", log)
	}
	// Deleting the Page deletes the thread from the list; deleting a reply
	// uncounts it.
	db.DeleteObject(ctx, "https://c.test/n/2", "https://c.test/u/carol")
	if th, _ := db.ThreadByIRI(ctx, "https://kring.test/threads/0"); th.ReplyCount != 1 {
		t.Errorf("reply count after a delete: %d, want 1", th.ReplyCount)
	}
	db.DeleteObject(ctx, "https://kring.test/threads/1", "https://b.test/u/bob")
	if n, _ := db.CountThreads(ctx, forum.ID); n != 4 {
		t.Errorf("%d live threads, want 4", n)
	}
}

func TestForumBansModeratorsWatches(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	forum := newForum(t, db, "opendata")
	alice := storagetest.Member(t, db, "alice", content.RoleMember, "correct horse battery")
	mallory := "https://evil.test/u/mallory"
	if err := db.BanFromForum(ctx, forum.ID, mallory, "spam", "https://kring.test/users/alice"); err != nil {
		t.Fatal(err)
	}
	if banned, _ := db.IsBanned(ctx, forum.ID, mallory); !banned {
		t.Error("not banned")
	}
	if lifted, _ := db.UnbanFromForum(ctx, forum.ID, mallory, "https://kring.test/users/alice"); !lifted {
		t.Error("ban not lifted")
	}
	if banned, _ := db.IsBanned(ctx, forum.ID, mallory); banned {
		t.Error("still banned")
	}
	if log, _ := db.ModLog(ctx, 0, 10); len(log) != 2 || log[0].Action != content.ModUnban {
		t.Errorf("log: %+v", log)
	}
	db.SetModerator(ctx, forum.ID, alice.ID, true)
	if ok, _ := db.IsModerator(ctx, forum.ID, alice.ID); !ok {
		t.Error("alice is no moderator")
	}
	if mods, _ := db.Moderators(ctx, forum.ID); len(mods) != 1 || mods[0] != "alice" {
		t.Errorf("moderators: %v", mods)
	}
	db.Watch(ctx, alice.ID, "https://kring.test/threads/1", true)
	if w, _ := db.Watchers(ctx, "https://kring.test/threads/1"); len(w) != 1 || w[0] != alice.ID {
		t.Errorf("watchers: %v", w)
	}
}
