package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage/storagetest"
)

func TestNotifications(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	clock := now
	db.SetClock(func() time.Time { return clock })
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, db, "bob", content.RoleMember, "correct horse battery")

	add := func(n content.Notification) (bool, *content.Notification) {
		t.Helper()
		added, err := db.AddNotification(ctx, &n)
		if err != nil {
			t.Fatalf("add %+v: %v", n, err)
		}
		return added, &n
	}
	ids := func(ns []content.Notification) []int64 {
		var out []int64
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}

	like := content.Notification{MemberID: ada.ID, Kind: content.NotifyLike, Actor: "https://social.example/users/erik",
		ActorName: "Erik", ObjectIRI: "https://kring.test/@ada/posts/1"}
	added, first := add(like)
	if !added || first.ID == 0 || !first.CreatedAt.Equal(now) {
		t.Fatalf("first add: added %v, ID %d, CreatedAt %v; want true, an ID and %v", added, first.ID, first.CreatedAt, now)
	}

	t.Run("a repeat is a no-op", func(t *testing.T) {
		clock = now.Add(time.Minute)
		defer func() { clock = now }()
		again := like
		again.ActorName = "Erik renamed"
		added, n := add(again)
		if added || n.ID != 0 {
			t.Errorf("repeat: added %v, ID %d; want false, 0", added, n.ID)
		}
		got, err := db.Notifications(ctx, ada.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []content.Notification{{ID: first.ID, MemberID: ada.ID, Kind: content.NotifyLike, Actor: like.Actor,
			ActorName: "Erik", ObjectIRI: like.ObjectIRI, CreatedAt: now}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after a repeat (-want +got):\n%s", diff)
		}
	})
	t.Run("another kind, actor or object is a new one", func(t *testing.T) {
		for _, n := range []content.Notification{
			{MemberID: ada.ID, Kind: content.NotifyAnnounce, Actor: like.Actor, ObjectIRI: like.ObjectIRI},
			{MemberID: ada.ID, Kind: content.NotifyLike, Actor: "https://other.example/users/fien", ObjectIRI: like.ObjectIRI},
			{MemberID: ada.ID, Kind: content.NotifyLike, Actor: like.Actor, ObjectIRI: "https://kring.test/@ada/posts/2"},
			{MemberID: bob.ID, Kind: content.NotifyLike, Actor: like.Actor, ObjectIRI: like.ObjectIRI},
		} {
			if added, _ := add(n); !added {
				t.Errorf("%+v was not added", n)
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		tests := []struct {
			name string
			n    content.Notification
			want content.Kind
		}{
			{"unknown kind", content.Notification{MemberID: ada.ID, Kind: "poke", Actor: like.Actor}, content.KindInvalid},
			{"no actor", content.Notification{MemberID: ada.ID, Kind: content.NotifyFollow}, content.KindInvalid},
			{"unknown member", content.Notification{MemberID: 9999, Kind: content.NotifyFollow, Actor: like.Actor}, content.KindNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				added, err := db.AddNotification(ctx, &tt.n)
				if added || content.KindOf(err) != tt.want {
					t.Errorf("added %v, err %v (kind %v); want false and %v", added, err, content.KindOf(err), tt.want)
				}
			})
		}
	})

	t.Run("newest first, in pages, per member", func(t *testing.T) {
		all, err := db.Notifications(ctx, ada.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 4 {
			t.Fatalf("ada has %d notifications, want 4", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Fatalf("not newest first: %v", ids(all))
			}
		}
		page1, err := db.Notifications(ctx, ada.ID, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		page2, err := db.Notifications(ctx, ada.ID, page1[len(page1)-1].ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(all), append(ids(page1), ids(page2)...)); diff != "" {
			t.Errorf("two pages differ from the whole list (-all +pages):\n%s", diff)
		}
		if none, err := db.Notifications(ctx, ada.ID, all[len(all)-1].ID, 3); err != nil || len(none) != 0 {
			t.Errorf("before the oldest: %v, %v; want none", ids(none), err)
		}
		bobs, err := db.Notifications(ctx, bob.ID, 0, 100)
		if err != nil || len(bobs) != 1 || bobs[0].MemberID != bob.ID {
			t.Errorf("bob's notifications = %+v, %v; want his one", bobs, err)
		}
	})

	t.Run("unread count and marking read", func(t *testing.T) {
		unread := func(memberID int64) int {
			t.Helper()
			n, err := db.UnreadNotifications(ctx, memberID)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := unread(ada.ID); got != 4 {
			t.Fatalf("ada unread = %d, want 4", got)
		}
		all, _ := db.Notifications(ctx, ada.ID, 0, 100)
		// Mark what a page showing the older two would mark.
		if err := db.MarkNotificationsRead(ctx, ada.ID, all[2].ID); err != nil {
			t.Fatal(err)
		}
		if got := unread(ada.ID); got != 2 {
			t.Errorf("after marking up to the third newest: unread = %d, want 2", got)
		}
		if got := unread(bob.ID); got != 1 {
			t.Errorf("bob's unread changed with ada's: %d, want 1", got)
		}
		after, _ := db.Notifications(ctx, ada.ID, 0, 100)
		var read []bool
		for _, n := range after {
			read = append(read, n.Read)
		}
		if diff := cmp.Diff([]bool{false, false, true, true}, read); diff != "" {
			t.Errorf("read flags, newest first (-want +got):\n%s", diff)
		}
		if err := db.MarkNotificationsRead(ctx, ada.ID, all[0].ID); err != nil {
			t.Fatal(err)
		}
		if got := unread(ada.ID); got != 0 {
			t.Errorf("after marking all: unread = %d, want 0", got)
		}
		// A notification that arrives later is unread again.
		if added, _ := add(content.Notification{MemberID: ada.ID, Kind: content.NotifyFollow, Actor: "https://social.example/users/gert"}); !added {
			t.Fatal("follow not added")
		}
		if got := unread(ada.ID); got != 1 {
			t.Errorf("after a new one: unread = %d, want 1", got)
		}
		if got := unread(9999); got != 0 {
			t.Errorf("unread of an unknown member = %d, want 0", got)
		}
	})
}
