package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

const acctBase = "https://kring.test"

func acctPub(iri, actor, typ string, inboxes ...string) *storage.Publication {
	var targets []storage.Target
	for _, in := range inboxes {
		targets = append(targets, storage.Target{Inbox: in, Host: "remote.test"})
	}
	return &storage.Publication{
		Activity: &content.Activity{IRI: iri, Actor: actor, Type: typ, Body: []byte(`{"type":"` + typ + `"}`)},
		Signer:   actor, Targets: targets,
	}
}

func pendingDeliveries(t *testing.T, db *storage.DB) int {
	t.Helper()
	st, err := db.DeliveryStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Pending
}

// TestMoveAliasesAndMovedTo: alsoKnownAs is a clean list, movedTo is
// stored, and both commit with their activities.
func TestMoveAliasesAndMovedTo(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")

	acct, err := db.Account(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acct.MovedTo != "" || len(acct.AlsoKnownAs) != 0 || acct.Deleted() {
		t.Fatalf("new account = %+v, want empty", acct)
	}
	aliases := []string{"https://old.test/users/ada", "", "https://old.test/users/ada", "https://other.test/@ada"}
	if err := db.SetAlsoKnownAs(ctx, ada.ID, aliases, acctPub(acctBase+"/activities/1", acctBase+"/users/ada", "Update", "https://old.test/inbox")); err != nil {
		t.Fatal(err)
	}
	acct, _ = db.Account(ctx, ada.ID)
	if diff := cmp.Diff([]string{"https://old.test/users/ada", "https://other.test/@ada"}, acct.AlsoKnownAs); diff != "" {
		t.Errorf("alsoKnownAs (-want +got):\n%s", diff)
	}
	if got := pendingDeliveries(t, db); got != 1 {
		t.Errorf("pending deliveries = %d, want the Update's 1", got)
	}
	if err := db.SetAlsoKnownAs(ctx, ada.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if acct, _ = db.Account(ctx, ada.ID); acct.AlsoKnownAs == nil || len(acct.AlsoKnownAs) != 0 {
		t.Errorf("cleared alsoKnownAs = %#v, want an empty list", acct.AlsoKnownAs)
	}

	update := acctPub(acctBase+"/activities/2", acctBase+"/users/ada", "Update", "https://a.test/inbox")
	move := acctPub(acctBase+"/activities/3", acctBase+"/users/ada", "Move", "https://a.test/inbox", "https://b.test/inbox")
	if err := db.SetMovedTo(ctx, ada.ID, "https://new.test/users/ada", update, move); err != nil {
		t.Fatal(err)
	}
	if acct, _ = db.Account(ctx, ada.ID); acct.MovedTo != "https://new.test/users/ada" {
		t.Errorf("movedTo = %q", acct.MovedTo)
	}
	if got := pendingDeliveries(t, db); got != 4 {
		t.Errorf("pending deliveries = %d, want 4", got)
	}
	// A failed publication leaves the change undone: the activity id is taken.
	if err := db.SetMovedTo(ctx, ada.ID, "https://elsewhere.test/users/ada", acctPub(acctBase+"/activities/3", acctBase+"/users/ada", "Move")); err == nil {
		t.Fatal("a duplicate activity id was accepted")
	}
	if acct, _ = db.Account(ctx, ada.ID); acct.MovedTo != "https://new.test/users/ada" {
		t.Errorf("movedTo after a failed move = %q, want unchanged", acct.MovedTo)
	}
	if err := db.SetMovedTo(ctx, 9999, "https://x.test/u", nil); content.KindOf(err) != content.KindNotFound {
		t.Errorf("unknown member: %v, want not found", err)
	}
}

// TestDeleteMember: the row stays as a suspended tombstone that cannot be
// reinstated; sessions, follows and uploads go; posts, objects and events
// become deleted; the Delete is queued in the same transaction.
func TestDeleteMember(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, db, "bob", content.RoleMember, "correct horse battery")
	actor := acctBase + "/users/ada"
	if err := db.UpdateProfile(ctx, ada.ID, "Ada L.", "Bio", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveProfile(ctx, &content.Profile{MemberID: ada.ID, Organisation: "Gemeente", Topics: []string{"open data"}, Listed: true,
		Speaker: true, SpeakerTopics: []string{"privacy"}, Pitch: "pitch"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, content.Session{TokenHash: "h", MemberID: ada.ID, CSRFToken: "c", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []content.Follow{
		{IRI: "https://r.test/f1", Follower: "https://r.test/users/x", Followee: actor, State: content.FollowAccepted},
		{IRI: acctBase + "/activities/f2", Follower: actor, Followee: "https://r.test/users/y", State: content.FollowPending},
		{IRI: acctBase + "/activities/f3", Follower: acctBase + "/users/bob", Followee: "https://r.test/users/y", State: content.FollowAccepted},
	} {
		if err := db.PutFollow(ctx, &f); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, o := range []content.Object{
		{IRI: acctBase + "/notes/1", Type: "Note", AttributedTo: actor, Local: true, Content: "<p>mine</p>", Public: true, Published: now, Raw: `{"id":"n1"}`},
		{IRI: acctBase + "/notes/2", Type: "Note", AttributedTo: acctBase + "/users/bob", Local: true, Content: "<p>bob's</p>", Public: true, Published: now},
	} {
		if _, err := db.PutObject(ctx, &o); err != nil {
			t.Fatalf("object %d: %v", i, err)
		}
	}
	img := &content.Media{Name: "0123456789abcdef0123456789abcdef.png", OwnerID: ada.ID, MediaType: "image/png", Width: 1, Height: 1, Size: 1, Alt: "x"}
	if err := db.CreateMedia(ctx, img); err != nil {
		t.Fatal(err)
	}

	gone, err := db.DeleteMember(ctx, ada.ID, actor, acctPub(acctBase+"/activities/del", actor, "Delete", "https://r.test/inbox"))
	if err != nil {
		t.Fatal(err)
	}
	want := &storage.MemberDeletion{Objects: 1, Follows: 2, Media: 1, MediaFiles: []string{img.Name}}
	if diff := cmp.Diff(want, gone); diff != "" {
		t.Errorf("deletion (-want +got):\n%s", diff)
	}
	m, err := db.MemberByUsername(ctx, "ada")
	if err != nil {
		t.Fatalf("the row must stay: %v", err)
	}
	if !m.Suspended || m.DisplayName != "" || m.Bio != "" || m.PasswordHash == ada.PasswordHash || m.PrivateKeyPEM == "" {
		t.Errorf("deleted member = suspended %v, name %q, bio %q, old hash kept %v, key kept %v", m.Suspended, m.DisplayName, m.Bio, m.PasswordHash == ada.PasswordHash, m.PrivateKeyPEM != "")
	}
	if ok, err := content.CheckPassword(m.PasswordHash, "correct horse battery"); ok || err != nil {
		t.Errorf("the old password against the deleted account: %v, %v; want a plain refusal", ok, err)
	}
	if acct, _ := db.Account(ctx, ada.ID); !acct.Deleted() {
		t.Error("account not marked deleted")
	}
	if p, err := db.Profile(ctx, ada.ID); err != nil || p.Organisation != "" || p.Listed || p.Speaker || len(p.Topics)+len(p.SpeakerTopics) != 0 || p.Pitch != "" {
		t.Errorf("profile after deletion = %+v, %v; want it gone", p, err)
	}
	if _, _, err := db.SessionMember(ctx, "h"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("session survived: %v", err)
	}
	if o, _ := db.ObjectByIRI(ctx, acctBase+"/notes/1"); !o.Deleted || o.Content != "" {
		t.Errorf("own note = deleted %v, content %q", o.Deleted, o.Content)
	}
	if o, _ := db.ObjectByIRI(ctx, acctBase+"/notes/2"); o.Deleted {
		t.Error("another member's note was deleted")
	}
	if _, err := db.FollowBetween(ctx, acctBase+"/users/bob", "https://r.test/users/y"); err != nil {
		t.Errorf("another member's follow went: %v", err)
	}
	if _, err := db.MediaByName(ctx, img.Name); content.KindOf(err) != content.KindNotFound {
		t.Errorf("upload row survived: %v", err)
	}
	if got := pendingDeliveries(t, db); got != 1 {
		t.Errorf("pending deliveries = %d, want the Delete's 1", got)
	}
	if err := db.SetMemberSuspended(ctx, "ada", false); err == nil {
		t.Error("a deleted member was reinstated")
	}
	if _, err := db.DeleteMember(ctx, ada.ID, actor, nil); content.KindOf(err) != content.KindConflict {
		t.Errorf("deleting twice: %v, want conflict", err)
	}
	if err := db.SetAlsoKnownAs(ctx, ada.ID, []string{"https://x.test/u"}, nil); content.KindOf(err) != content.KindConflict {
		t.Errorf("alias on a deleted account: %v, want conflict", err)
	}
	if err := db.CreateMember(ctx, &content.Member{Username: "ada", Language: "nl", Role: content.RoleMember, PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}); content.KindOf(err) != content.KindConflict {
		t.Errorf("the deleted username was given again: %v", err)
	}
	_ = bob
}

// TestRotateKey: each kind of local actor gets its new pair, the retired
// public key is recorded, and the Update commits with it.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	forum := &content.Forum{Name: "koffie", Title: "Koffie", Language: content.LanguageDutch, PublicKeyPEM: "forum-pub", PrivateKeyPEM: "forum-priv"}
	if err := db.CreateForum(ctx, forum); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOrganisation(ctx, "ministerie", "Ministerie", "org-pub", "org-priv"); err != nil {
		t.Fatal(err)
	}
	node, _ := db.Node(ctx)

	tests := []struct {
		owner   storage.KeyOwner
		oldPub  string
		current func() (pub, priv string)
	}{
		{storage.KeyOwner{Kind: storage.KeyOfMember, Name: "ada", IRI: acctBase + "/users/ada"}, ada.PublicKeyPEM, func() (string, string) {
			m, _ := db.MemberByUsername(ctx, "ada")
			return m.PublicKeyPEM, m.PrivateKeyPEM
		}},
		{storage.KeyOwner{Kind: storage.KeyOfForum, Name: "koffie", IRI: acctBase + "/groups/koffie"}, "forum-pub", func() (string, string) {
			f, _ := db.ForumByName(ctx, "koffie")
			return f.PublicKeyPEM, f.PrivateKeyPEM
		}},
		{storage.KeyOwner{Kind: storage.KeyOfOrganisation, Name: "ministerie", IRI: acctBase + "/organisation"}, "org-pub", func() (string, string) {
			n, _ := db.Node(ctx)
			return n.OrgPublicKeyPEM, n.OrgPrivateKeyPEM
		}},
		{storage.KeyOwner{Kind: storage.KeyOfInstance, IRI: acctBase + "/actor"}, node.PublicKeyPEM, func() (string, string) {
			n, _ := db.Node(ctx)
			return n.PublicKeyPEM, n.PrivateKeyPEM
		}},
	}
	for i, tt := range tests {
		t.Run(string(tt.owner.Kind), func(t *testing.T) {
			keys := content.KeyPair{PublicPEM: "new-pub-" + tt.owner.IRI, PrivatePEM: "new-priv-" + tt.owner.IRI}
			var pub *storage.Publication
			if tt.owner.Kind != storage.KeyOfInstance {
				pub = acctPub(acctBase+"/activities/rot"+string(rune('a'+i)), tt.owner.IRI, "Update", "https://r.test/inbox")
			}
			before := pendingDeliveries(t, db)
			if err := db.RotateKey(ctx, tt.owner, keys, pub); err != nil {
				t.Fatal(err)
			}
			if gotPub, gotPriv := tt.current(); gotPub != keys.PublicPEM || gotPriv != keys.PrivatePEM {
				t.Errorf("keys after rotation = %q, %q", gotPub, gotPriv)
			}
			rot, err := db.KeyRotations(ctx, tt.owner.IRI)
			if err != nil || len(rot) != 1 || rot[0].OldPublicPEM != tt.oldPub || rot[0].RotatedAt.IsZero() {
				t.Errorf("rotations = %+v, %v; want the old key %q", rot, err, tt.oldPub)
			}
			want := before
			if pub != nil {
				want += len(pub.Targets)
			}
			if pendingDeliveries(t, db) != want {
				t.Errorf("pending deliveries = %d, want %d", pendingDeliveries(t, db), want)
			}
		})
	}
	t.Run("unknown owner", func(t *testing.T) {
		err := db.RotateKey(ctx, storage.KeyOwner{Kind: storage.KeyOfMember, Name: "ghost", IRI: acctBase + "/users/ghost"}, content.KeyPair{PublicPEM: "a", PrivatePEM: "b"}, nil)
		if content.KindOf(err) != content.KindNotFound {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("newest rotation first", func(t *testing.T) {
		owner := storage.KeyOwner{Kind: storage.KeyOfMember, Name: "ada", IRI: acctBase + "/users/ada"}
		if err := db.RotateKey(ctx, owner, content.KeyPair{PublicPEM: "third", PrivatePEM: "third-priv"}, nil); err != nil {
			t.Fatal(err)
		}
		rot, _ := db.KeyRotations(ctx, owner.IRI)
		if len(rot) != 2 || rot[0].OldPublicPEM != "new-pub-"+owner.IRI || rot[1].OldPublicPEM != ada.PublicKeyPEM {
			t.Errorf("rotations = %+v", rot)
		}
	})
}

// TestMoveFollow: the old follow goes and the new one is pending, with
// Undo and Follow queued; a follower already following the target only
// unfollows.
func TestMoveFollow(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	carol, dave := acctBase+"/users/carol", acctBase+"/users/dave"
	oldIRI, newIRI := "https://a.test/users/alice", "https://b.test/users/alice2"
	old1 := &content.Follow{IRI: acctBase + "/activities/f1", Follower: carol, Followee: oldIRI, State: content.FollowAccepted}
	old2 := &content.Follow{IRI: acctBase + "/activities/f2", Follower: dave, Followee: oldIRI, State: content.FollowAccepted}
	had := &content.Follow{IRI: acctBase + "/activities/f3", Follower: dave, Followee: newIRI, State: content.FollowAccepted}
	for _, f := range []*content.Follow{old1, old2, had} {
		if err := db.PutFollow(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	follows, err := db.FollowsOf(ctx, oldIRI)
	if err != nil || len(follows) != 2 {
		t.Fatalf("follows of the old actor = %+v, %v", follows, err)
	}

	added, err := db.MoveFollow(ctx, old1, &content.Follow{IRI: acctBase + "/activities/f4", Follower: carol, Followee: newIRI, State: content.FollowPending},
		acctPub(acctBase+"/activities/u1", carol, "Undo", "https://a.test/inbox"), acctPub(acctBase+"/activities/f4", carol, "Follow", "https://b.test/users/alice2/inbox"))
	if err != nil || !added {
		t.Fatalf("move carol: %v, %v", added, err)
	}
	if f, err := db.FollowBetween(ctx, carol, newIRI); err != nil || f.State != content.FollowPending || f.IRI != acctBase+"/activities/f4" {
		t.Errorf("carol's new follow = %+v, %v", f, err)
	}
	if _, err := db.FollowBetween(ctx, carol, oldIRI); content.KindOf(err) != content.KindNotFound {
		t.Errorf("carol's old follow: %v, want gone", err)
	}
	added, err = db.MoveFollow(ctx, old2, &content.Follow{IRI: acctBase + "/activities/f5", Follower: dave, Followee: newIRI, State: content.FollowPending},
		acctPub(acctBase+"/activities/u2", dave, "Undo", "https://a.test/inbox"), acctPub(acctBase+"/activities/f5", dave, "Follow", "https://b.test/users/alice2/inbox"))
	if err != nil || added {
		t.Fatalf("move dave, who follows the target already: added %v, %v", added, err)
	}
	if f, _ := db.FollowBetween(ctx, dave, newIRI); f.State != content.FollowAccepted {
		t.Errorf("dave's follow of the target became %s", f.State)
	}
	if got := pendingDeliveries(t, db); got != 3 {
		t.Errorf("pending deliveries = %d, want Undo+Follow for carol and Undo for dave", got)
	}
	if follows, _ := db.FollowsOf(ctx, oldIRI); len(follows) != 0 {
		t.Errorf("follows of the old actor left: %+v", follows)
	}
}

// TestFollowsAndObjectsForExport: what the account export reads.
func TestFollowsAndObjectsForExport(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	actor := acctBase + "/users/ada"
	if err := db.PutRemoteActor(ctx, &content.RemoteActor{IRI: "https://m.test/users/Bob", Type: "Person", Username: "Bob", Host: "m.test",
		Inbox: "https://m.test/users/Bob/inbox", Raw: "{}", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []content.Follow{
		{IRI: acctBase + "/activities/1", Follower: actor, Followee: "https://m.test/users/Bob", State: content.FollowAccepted},
		{IRI: acctBase + "/activities/2", Follower: actor, Followee: "https://x.test/u/unknown", State: content.FollowPending},
		{IRI: acctBase + "/activities/3", Follower: "https://m.test/users/Bob", Followee: actor, State: content.FollowAccepted},
	} {
		if err := db.PutFollow(ctx, &f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.FollowedAccounts(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.FollowedAccount{
		{IRI: "https://m.test/users/Bob", Username: "Bob", Host: "m.test", State: content.FollowAccepted},
		{IRI: "https://x.test/u/unknown", State: content.FollowPending},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("followed accounts (-want +got):\n%s", diff)
	}

	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, o := range []content.Object{
		{IRI: acctBase + "/notes/2", Type: "Note", AttributedTo: actor, Local: true, Public: true, Published: now, Raw: `{"id":"2"}`},
		{IRI: acctBase + "/notes/1", Type: "Note", AttributedTo: actor, Local: true, Public: true, Published: now.Add(-time.Hour), Raw: `{"id":"1"}`},
		{IRI: acctBase + "/notes/3", Type: "Note", AttributedTo: actor, Local: true, Public: true, Published: now, Raw: `{"id":"3"}`},
		{IRI: "https://m.test/notes/9", Type: "Note", AttributedTo: actor, Local: false, Public: true, Published: now},
	} {
		if _, err := db.PutObject(ctx, &o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DeleteObject(ctx, acctBase+"/notes/3", actor); err != nil {
		t.Fatal(err)
	}
	objs, err := db.AuthoredObjects(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	var iris []string
	for _, o := range objs {
		iris = append(iris, o.IRI)
	}
	if !slices.Equal(iris, []string{acctBase + "/notes/1", acctBase + "/notes/2"}) {
		t.Errorf("authored objects = %v, want notes 1 and 2 (oldest first, no tombstone, nothing remote)", iris)
	}
}

func inviteMember(t *testing.T, name string) *content.Member {
	t.Helper()
	m, err := content.NewMember(name, "", "", content.RoleMember, content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	m.PasswordHash, m.PublicKeyPEM, m.PrivateKeyPEM = "hash", "pub", "priv"
	return m
}

// TestInvites: an invite registers members up to its uses, until it
// expires or is revoked; a taken name uses nothing; only the hash of the
// code is stored.
func TestInvites(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	clock := time.Now().UTC()
	db.SetClock(func() time.Time { return clock })
	code := content.NewToken()
	inv := &storage.Invite{CreatedBy: "beheerder", MaxUses: 2, ExpiresAt: clock.Add(time.Hour)}
	if err := db.CreateInvite(ctx, code, inv); err != nil {
		t.Fatal(err)
	}
	if inv.ID == 0 || inv.Prefix != code[:8] {
		t.Errorf("created invite = %+v", inv)
	}
	got, err := db.InviteByCode(ctx, code)
	if err != nil || got.State(clock) != storage.InviteActive || got.MaxUses != 2 || got.CreatedBy != "beheerder" {
		t.Fatalf("invite by code = %+v, %v", got, err)
	}
	if _, err := db.InviteByCode(ctx, content.NewToken()); content.KindOf(err) != content.KindNotFound {
		t.Errorf("unknown code: %v", err)
	}
	if err := db.CreateInvite(ctx, "short", &storage.Invite{}); content.KindOf(err) != content.KindInvalid {
		t.Errorf("short code: %v", err)
	}

	if err := db.RegisterWithInvite(ctx, code, inviteMember(t, "eerste")); err != nil {
		t.Fatal(err)
	}
	if err := db.RegisterWithInvite(ctx, code, inviteMember(t, "eerste")); content.KindOf(err) != content.KindConflict {
		t.Errorf("taken name: %v, want conflict", err)
	}
	if got, _ := db.InviteByCode(ctx, code); got.Uses != 1 {
		t.Errorf("uses after a refused name = %d, want 1", got.Uses)
	}
	if err := db.RegisterWithInvite(ctx, code, inviteMember(t, "tweede")); err != nil {
		t.Fatal(err)
	}
	err = db.RegisterWithInvite(ctx, code, inviteMember(t, "derde"))
	if e, ok := content.AsError(err); !ok || e.Code != "invite.unusable" || e.Kind != content.KindForbidden {
		t.Errorf("third use of a two-use invite: %v", err)
	}
	if got, _ := db.InviteByCode(ctx, code); got.State(clock) != storage.InviteUsedUp {
		t.Errorf("state = %s, want used up", got.State(clock))
	}
	if _, err := db.MemberByUsername(ctx, "derde"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("the refused member exists: %v", err)
	}

	timed := content.NewToken()
	if err := db.CreateInvite(ctx, timed, &storage.Invite{ExpiresAt: clock.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * time.Minute)
	if err := db.RegisterWithInvite(ctx, timed, inviteMember(t, "laat")); content.KindOf(err) != content.KindForbidden {
		t.Errorf("expired invite: %v, want forbidden", err)
	}

	open := content.NewToken()
	openInv := &storage.Invite{} // unlimited, never expires
	if err := db.CreateInvite(ctx, open, openInv); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"een", "twee", "drie"} {
		if err := db.RegisterWithInvite(ctx, open, inviteMember(t, name)); err != nil {
			t.Fatalf("unlimited invite, %s: %v", name, err)
		}
	}
	if err := db.RevokeInvite(ctx, openInv.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeInvite(ctx, openInv.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := db.RegisterWithInvite(ctx, open, inviteMember(t, "vier")); content.KindOf(err) != content.KindForbidden {
		t.Errorf("revoked invite: %v, want forbidden", err)
	}
	if err := db.RevokeInvite(ctx, 999); content.KindOf(err) != content.KindNotFound {
		t.Errorf("revoking an unknown invite: %v", err)
	}
	list, err := db.Invites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, i := range list {
		states = append(states, i.State(clock))
	}
	if diff := cmp.Diff([]string{storage.InviteRevoked, storage.InviteExpired, storage.InviteUsedUp}, states); diff != "" {
		t.Errorf("invite states, newest first (-want +got):\n%s", diff)
	}
}
