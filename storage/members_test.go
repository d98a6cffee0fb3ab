package storage_test

import (
	"context"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

func TestMembers(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")

	t.Run("duplicate username is a conflict", func(t *testing.T) {
		dup := &content.Member{Username: "ada", Language: "nl", Role: content.RoleMember, PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}
		err := db.CreateMember(ctx, dup)
		if content.KindOf(err) != content.KindConflict {
			t.Fatalf("err = %v (kind %v), want conflict", err, content.KindOf(err))
		}
	})
	t.Run("lookup by name and id", func(t *testing.T) {
		got, err := db.MemberByUsername(ctx, "ada")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != ada.ID || got.PublicKeyPEM == "" || got.CreatedAt.IsZero() {
			t.Errorf("got %+v", got)
		}
		if _, err := db.MemberByID(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MemberByUsername(ctx, "nobody"); content.KindOf(err) != content.KindNotFound {
			t.Errorf("unknown member: err = %v, want not found", err)
		}
	})
	t.Run("role and profile", func(t *testing.T) {
		if err := db.SetMemberRole(ctx, "ada", content.RoleModerator); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateProfile(ctx, ada.ID, "Ada L.", "Bio", content.LanguageEnglish); err != nil {
			t.Fatal(err)
		}
		got, _ := db.MemberByUsername(ctx, "ada")
		if got.Role != content.RoleModerator || got.DisplayName != "Ada L." || got.Bio != "Bio" || got.Language != "en" {
			t.Errorf("after update: %+v", got)
		}
		if err := db.SetMemberRole(ctx, "ghost", content.RoleAdmin); content.KindOf(err) != content.KindNotFound {
			t.Errorf("set role of unknown: %v", err)
		}
	})
	t.Run("suspending ends sessions", func(t *testing.T) {
		s := content.Session{TokenHash: "h1", MemberID: ada.ID, CSRFToken: "c", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, m, err := db.SessionMember(ctx, "h1"); err != nil || m.Username != "ada" {
			t.Fatalf("session lookup: %v %v", m, err)
		}
		if err := db.SetMemberSuspended(ctx, "ada", true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionMember(ctx, "h1"); content.KindOf(err) != content.KindNotFound {
			t.Fatalf("session of suspended member still live: %v", err)
		}
		if err := db.SetMemberSuspended(ctx, "ada", false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("password change keeps only the current session", func(t *testing.T) {
		now := time.Now()
		for _, h := range []string{"keep", "drop"} {
			if err := db.CreateSession(ctx, content.Session{TokenHash: h, MemberID: ada.ID, CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetMemberPassword(ctx, ada.ID, "newhash", "keep"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionMember(ctx, "keep"); err != nil {
			t.Errorf("current session ended: %v", err)
		}
		if _, _, err := db.SessionMember(ctx, "drop"); err == nil {
			t.Errorf("other session survived a password change")
		}
	})
	t.Run("expired sessions are not found and are swept", func(t *testing.T) {
		past := time.Now().Add(-time.Hour)
		if err := db.CreateSession(ctx, content.Session{TokenHash: "old", MemberID: ada.ID, CSRFToken: "c", CreatedAt: past, ExpiresAt: past}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionMember(ctx, "old"); err == nil {
			t.Error("expired session found")
		}
		n, err := db.DeleteExpiredSessions(ctx, time.Now())
		if err != nil || n != 1 {
			t.Errorf("swept %d, %v; want 1", n, err)
		}
	})
}

func TestFirstAdminOnlyOnce(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	mk := func(name string) *content.Member {
		return &content.Member{Username: name, Language: "nl", Role: content.RoleAdmin, PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}
	}
	created, err := db.CreateFirstAdmin(ctx, mk("beheerder"))
	if err != nil || !created {
		t.Fatalf("first: created=%v err=%v", created, err)
	}
	created, err = db.CreateFirstAdmin(ctx, mk("tweede"))
	if err != nil || created {
		t.Fatalf("second: created=%v err=%v, want not created", created, err)
	}
	if n, _ := db.CountMembers(ctx); n != 1 {
		t.Errorf("members = %d, want 1", n)
	}
}

func TestInitNodeRefusesHostChange(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t) // initialised for kring.test
	created, err := db.InitNode(ctx, content.Node{Host: "kring.test", Name: "Other name", DefaultLanguage: "nl", PublicKeyPEM: "p", PrivateKeyPEM: "q"})
	if err != nil || created {
		t.Fatalf("same host again: created=%v err=%v", created, err)
	}
	_, err = db.InitNode(ctx, content.Node{Host: "elsewhere.test", Name: "x", DefaultLanguage: "nl", PublicKeyPEM: "p", PrivateKeyPEM: "q"})
	if content.KindOf(err) != content.KindConflict {
		t.Fatalf("host change: err = %v, want conflict", err)
	}
	n, err := db.Node(ctx)
	if err != nil || n.Host != "kring.test" || n.Name != "Kring test" {
		t.Errorf("node after refused change: %+v %v", n, err)
	}
}
