package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// TestReplyToFollowersOnlyIsNotPublic: bob on b follows alice on a and
// answers her followers-only post. His reply is not public on either
// node, is addressed to his followers and alice only, and reaches her.
func TestReplyToFollowersOnlyIsNotPublic(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	if _, err := b.Follow(ctx, bob, "alice@"+a.Host); err != nil {
		t.Fatalf("bob follows alice: %v", err)
	}
	waitFor(t, "the follow to be accepted", 10*time.Second, func() bool {
		f, err := b.DB.FollowBetween(ctx, b.Actor("bob"), a.Actor("alice"))
		return err == nil && f.State == content.FollowAccepted
	})
	post, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Alleen voor volgers", Body: "Binnenkort meer.",
		Language: content.LanguageDutch, Visibility: content.VisibilityFollowers})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to store the post", 10*time.Second, func() bool {
		_, err := b.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil
	})
	reply, err := b.Reply(ctx, bob, post.IRI, "Ik kijk ernaar uit.")
	if err != nil {
		t.Fatal(err)
	}
	if reply.Public || strings.Contains(reply.Raw, federation.Public) {
		t.Errorf("bob's reply to a followers-only post is public: %s", reply.Raw)
	}
	for _, want := range []string{b.Actor("bob") + "/followers", a.Actor("alice")} {
		if !strings.Contains(reply.Raw, want) {
			t.Errorf("the reply is not addressed to %s: %s", want, reply.Raw)
		}
	}
	var got *content.Object
	waitFor(t, "a to store bob's reply", 10*time.Second, func() bool {
		got, err = a.DB.ObjectByIRI(ctx, reply.IRI)
		return err == nil
	})
	if got.Public {
		t.Error("a stored bob's reply as public")
	}
}
