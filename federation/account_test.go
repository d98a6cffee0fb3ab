package federation_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

// fastRetries shortens the delivery backoff: a request refused while a
// peer cannot refetch a key yet is retried within the test's time.
func fastRetries(c *federation.Config) { c.DeliveryBackoff = 200 * time.Millisecond }

// getActivityJSON fetches an ActivityStreams document and decodes it.
func getActivityJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &doc)
	return res.StatusCode, doc
}

func publicKeyPEM(doc map[string]any) string {
	k, _ := doc["publicKey"].(map[string]any)
	s, _ := k["publicKeyPem"].(string)
	return s
}

// waitAccepted waits until follower's follow of followee is accepted on
// the follower's node.
func waitAccepted(t *testing.T, n *fedtest.Node, follower, followee string) {
	t.Helper()
	waitFor(t, follower+" to follow "+followee, 10*time.Second, func() bool {
		f, err := n.DB.FollowBetween(context.Background(), follower, followee)
		return err == nil && f.State == content.FollowAccepted
	})
}

// TestRotateKeyAcrossNodes is the key rotation's acceptance test on two
// real nodes: after a rotation, b accepts the next signed activity of the
// actor, whether the Update of the actor reached it (alice, and the
// organisation) or was lost (amy: b holds the old key and refetches on
// failure). a serves the new key, and a request signed with the retired
// key is refused.
func TestRotateKeyAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{Adjust: fastRetries})
	b := fedtest.NewNode(t, fedtest.NodeOptions{Adjust: fastRetries})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	amy := storagetest.Member(t, a.DB, "amy", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	if err := a.EnsureOrganisation(ctx, "ministerie", "Ministerie"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "amy", "ministerie", "speakers"} {
		if _, err := b.Follow(ctx, bob, who+"@"+a.Host); err != nil {
			t.Fatalf("bob follows %s: %v", who, err)
		}
	}
	for _, followee := range []string{a.Actor("alice"), a.Actor("amy"), a.IRIs().Organisation(), a.IRIs().SpeakersGroup()} {
		waitAccepted(t, b, b.Actor("bob"), followee)
	}
	// b verifies their signatures with the keys it holds now.
	storedNote := func(m *content.Member, text string) {
		t.Helper()
		note, err := a.PublishNote(ctx, m, text)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b to store "+m.Username+"'s note "+text, 15*time.Second, func() bool {
			_, err := b.DB.ObjectByIRI(ctx, note.IRI)
			return err == nil
		})
	}
	storedNote(alice, "voor de wissel")
	storedNote(amy, "voor de wissel")
	oldAlicePEM := alice.PrivateKeyPEM

	rot, err := a.RotateKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if rot.Actor != a.Actor("alice") || rot.Kind != storage.KeyOfMember || rot.Notified != 1 ||
		rot.OldFingerprint == rot.NewFingerprint || !strings.HasPrefix(rot.NewFingerprint, "SHA256:") {
		t.Errorf("rotation = %+v; want alice's, one inbox (b's) told, a new fingerprint", rot)
	}
	newAlice, _ := a.DB.MemberByUsername(ctx, "alice")
	waitFor(t, "b to store alice's new key from the Update", 15*time.Second, func() bool {
		ra, err := b.DB.RemoteActor(ctx, a.Actor("alice"))
		return err == nil && ra.PublicKeyPEM == newAlice.PublicKeyPEM
	})

	// amy's Update is lost: the key changes and nobody is told.
	keys, err := content.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.RotateKey(ctx, storage.KeyOwner{Kind: storage.KeyOfMember, Name: "amy", IRI: a.Actor("amy")}, keys, nil); err != nil {
		t.Fatal(err)
	}
	if ra, _ := b.DB.RemoteActor(ctx, a.Actor("amy")); ra.PublicKeyPEM == keys.PublicPEM {
		t.Fatal("b knows amy's new key before any request: the test proves nothing")
	}

	orgRot, err := a.RotateKey(ctx, "ministerie")
	if err != nil || orgRot.Kind != storage.KeyOfOrganisation || orgRot.Notified != 1 {
		t.Fatalf("organisation rotation = %+v, %v", orgRot, err)
	}

	spkRot, err := a.RotateKey(ctx, "speakers")
	if err != nil || spkRot.Kind != storage.KeyOfSpeakers || spkRot.Actor != a.IRIs().SpeakersGroup() || spkRot.Notified != 1 ||
		spkRot.OldFingerprint == spkRot.NewFingerprint {
		t.Fatalf("Speakers group rotation = %+v, %v", spkRot, err)
	}
	if keys, err := a.LocalKeys(ctx); err != nil || !slices.ContainsFunc(keys, func(k federation.LocalKey) bool {
		return k.Kind == storage.KeyOfSpeakers && k.Fingerprint == spkRot.NewFingerprint && len(k.Rotations) == 1
	}) {
		t.Errorf("LocalKeys = %+v, %v; want the Speakers group with its new key and one rotation", keys, err)
	}

	// The next activities are signed with the new keys, and b accepts them.
	storedNote(alice, "na de wissel")
	storedNote(amy, "na de wissel")
	node, _ := a.DB.Node(ctx)
	waitFor(t, "b to hold the organisation's new key", 15*time.Second, func() bool {
		ra, err := b.DB.RemoteActor(ctx, a.IRIs().Organisation())
		return err == nil && ra.PublicKeyPEM == node.OrgPublicKeyPEM
	})

	waitFor(t, "b to hold the Speakers group's new key", 15*time.Second, func() bool {
		ra, err := b.DB.RemoteActor(ctx, a.IRIs().SpeakersGroup())
		return err == nil && ra.PublicKeyPEM == node.SpeakersPublicKeyPEM
	})
	// a serves the new keys.
	for who, want := range map[string]string{a.Actor("alice"): newAlice.PublicKeyPEM, a.Actor("amy"): keys.PublicPEM, a.IRIs().Organisation(): node.OrgPublicKeyPEM,
		a.IRIs().SpeakersGroup(): node.SpeakersPublicKeyPEM} {
		if status, doc := getActivityJSON(t, who); status != http.StatusOK || publicKeyPEM(doc) != want {
			t.Errorf("GET %s: %d, publicKey %.60q; want the new key", who, status, publicKeyPEM(doc))
		}
	}
	rotations, err := a.DB.KeyRotations(ctx, a.Actor("alice"))
	if err != nil || len(rotations) != 1 || rotations[0].OldPublicPEM != alice.PublicKeyPEM {
		t.Errorf("alice's recorded rotations = %d, %v; want the retired key", len(rotations), err)
	}

	// The retired key no longer signs for alice: b refuses it.
	oldKey, err := content.ParsePrivateKey(oldAlicePEM)
	if err != nil {
		t.Fatal(err)
	}
	forged := fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Create","actor":%q,"to":[%q],"object":{"id":%q,"type":"Note","attributedTo":%q,"content":"oud","to":[%q]}}`,
		federation.ASContext, a.IRIs().Activity("retired-key"), a.Actor("alice"), federation.Public, a.IRIs().Note("retired-key"), a.Actor("alice"), federation.Public)
	signer := federation.Signer{KeyID: a.IRIs().KeyID(a.Actor("alice")), Key: oldKey}
	if ans := fedtest.Post(t, b.SharedInbox(), []byte(forged), signer.SignPost); ans.Status != http.StatusUnauthorized {
		t.Errorf("POST signed with the retired key: %d %s, want 401", ans.Status, ans.Body)
	}

	// The instance actor rotates too, and tells nobody.
	inst, err := a.RotateKey(ctx, "instance")
	if err != nil || inst.Kind != storage.KeyOfInstance || inst.Notified != 0 {
		t.Errorf("instance rotation = %+v, %v", inst, err)
	}
	node, _ = a.DB.Node(ctx)
	if _, doc := getActivityJSON(t, a.IRIs().InstanceActor()); publicKeyPEM(doc) != node.PublicKeyPEM {
		t.Error("the instance actor does not serve its new key")
	}
	if _, err := a.RotateKey(ctx, "nobody"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("rotating an unknown actor: %v, want not found", err)
	}
	keysList, err := a.LocalKeys(ctx)
	if err != nil || len(keysList) != 5 { // instance, organisation, speakers, alice, amy
		t.Fatalf("local keys = %+v, %v", keysList, err)
	}
}

// TestFollowsExportImport: a member's follows export as Mastodon's CSV,
// and an import follows each account once, naming bad lines; run again,
// it sends nothing new.
func TestFollowsExportImport(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	ann := storagetest.Member(t, a.DB, "ann", content.RoleMember, "correct horse battery")
	storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	storagetest.Member(t, b.DB, "bo", content.RoleMember, "correct horse battery")
	if _, err := a.Follow(ctx, alice, "bob@"+b.Host); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, a, a.Actor("alice"), b.Actor("bob"))

	var out bytes.Buffer
	n, err := a.ExportFollows(ctx, alice, &out)
	if err != nil || n != 1 {
		t.Fatalf("export: %d rows, %v", n, err)
	}
	if want := "Account address,Show boosts,Notify on new posts,Languages\nbob@" + b.Host + ",true,false,\n"; out.String() != want {
		t.Errorf("export =\n%s\nwant\n%s", out.String(), want)
	}
	// Mastodon's own reader sees the same columns.
	recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil || len(recs) != 2 || len(recs[1]) != 4 {
		t.Errorf("export does not read back as a 4-column CSV: %v, %v", recs, err)
	}

	list := strings.Join([]string{
		"Account address,Show boosts,Notify on new posts,Languages",
		"bob@" + b.Host + ",true,false,",
		"bo@" + b.Host + ",true,false,nl",
		"not an address,true,false,",
		"ghost@" + b.Host + ",true,false,",
		"",
		"@bob@" + b.Host,
		`"unterminated,true`,
		"ann@" + a.Host,
	}, "\n")
	type line struct {
		N       int
		Outcome string
		Failed  bool
	}
	importList := func() ([]line, int) {
		var got []line
		failed, err := a.ImportFollows(ctx, ann, strings.NewReader(list), func(r federation.ImportedFollow) {
			got = append(got, line{r.Line, r.Outcome, r.Err != nil})
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, failed
	}
	got, failed := importList()
	if len(got) > 4 && got[4].Outcome == "already following" {
		// Line 7 names bob again: b's Accept of line 2's Follow may
		// already be back by then.
		got[4].Outcome = "already requested"
	}
	want := []line{
		{2, "requested", false},
		{3, "requested", false},
		{4, "not an account address", true},
		{5, "not found", true},
		{7, "already requested", false},
		{8, "not a CSV line", true},
		{9, "skipped: that is this account", false},
	}
	if diff := cmp.Diff(want, got); diff != "" || failed != 3 {
		t.Errorf("first import: %d failed (want 3); outcomes (-want +got):\n%s", failed, diff)
	}
	waitAccepted(t, a, a.Actor("ann"), b.Actor("bob"))
	waitAccepted(t, a, a.Actor("ann"), b.Actor("bo"))
	before, _ := a.DB.DeliveryStats(ctx)

	got, failed = importList()
	want[0].Outcome, want[1].Outcome, want[4].Outcome = "already following", "already following", "already following"
	if diff := cmp.Diff(want, got); diff != "" || failed != 3 {
		t.Errorf("second import: %d failed (want 3); outcomes (-want +got):\n%s", failed, diff)
	}
	after, _ := a.DB.DeliveryStats(ctx)
	if after.Pending+after.Done+after.Failed != before.Pending+before.Done+before.Failed {
		t.Errorf("the second import queued deliveries: before %+v, after %+v", before, after)
	}

	// The export taken to another node: cara on c follows what alice
	// follows on a.
	c := fedtest.NewNode(t, fedtest.NodeOptions{})
	cara := storagetest.Member(t, c.DB, "cara", content.RoleMember, "correct horse battery")
	failed, err = c.ImportFollows(ctx, cara, strings.NewReader(out.String()), func(federation.ImportedFollow) {})
	if err != nil || failed != 0 {
		t.Fatalf("import on c: %d failed, %v", failed, err)
	}
	waitAccepted(t, c, c.Actor("cara"), b.Actor("bob"))
}

// TestExportAccount: the archive holds the actor, an outbox of what the
// member wrote and the follows list.
func TestExportAccount(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	if _, err := a.Follow(ctx, alice, "bob@"+b.Host); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, a, a.Actor("alice"), b.Actor("bob"))
	note, err := a.PublishNote(ctx, alice, "Eerste notitie")
	if err != nil {
		t.Fatal(err)
	}
	post, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Een blog", Body: "Tekst van de blog.", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}

	arc, err := a.ExportAccount(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	var actor struct {
		Context   any    `json:"@context"`
		ID        string `json:"id"`
		Type      string `json:"type"`
		PublicKey struct {
			PEM string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(arc.Actor, &actor); err != nil || actor.ID != a.Actor("alice") || actor.Type != "Person" || actor.PublicKey.PEM == "" || actor.Context == nil {
		t.Errorf("actor.json = %+v, %v", actor, err)
	}
	var outbox struct {
		Type  string `json:"type"`
		Total int    `json:"totalItems"`
		Items []struct {
			Type   string `json:"type"`
			Actor  string `json:"actor"`
			Object struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"object"`
		} `json:"orderedItems"`
	}
	if err := json.Unmarshal(arc.Outbox, &outbox); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range outbox.Items {
		if it.Type != "Create" || it.Actor != a.Actor("alice") {
			t.Errorf("outbox item %s %s by %s", it.Type, it.Object.ID, it.Actor)
		}
		got = append(got, it.Object.Type+" "+it.Object.ID)
	}
	if diff := cmp.Diff([]string{"Note " + note.IRI, "Article " + post.IRI}, got); diff != "" || outbox.Type != "OrderedCollection" || outbox.Total != 2 {
		t.Errorf("outbox.json: %s of %d; items (-want +got):\n%s", outbox.Type, outbox.Total, diff)
	}
	if arc.FollowCount != 1 || !strings.Contains(string(arc.Follows), "bob@"+b.Host+",true,false,") {
		t.Errorf("follows: %d\n%s", arc.FollowCount, arc.Follows)
	}
}

// TestDeleteAccountAcrossNodes: deleting a member sends Delete{actor} to
// the servers that know it, which drop it and its follows both ways; the
// actor id then answers 410 with a Tombstone and the member's note too.
func TestDeleteAccountAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	if _, err := b.Follow(ctx, bob, "alice@"+a.Host); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Follow(ctx, alice, "bob@"+b.Host); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, b, b.Actor("bob"), a.Actor("alice"))
	waitAccepted(t, a, a.Actor("alice"), b.Actor("bob"))
	note, err := a.PublishNote(ctx, alice, "Tot ziens")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to store the note", 10*time.Second, func() bool {
		_, err := b.DB.ObjectByIRI(ctx, note.IRI)
		return err == nil
	})

	gone, notified, err := a.DeleteAccount(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if notified != 1 || gone.Objects != 1 || gone.Follows != 2 {
		t.Errorf("deletion = %+v, %d inboxes; want the note, both follows, b's shared inbox once", gone, notified)
	}
	waitFor(t, "b to forget alice", 10*time.Second, func() bool {
		_, err := b.DB.RemoteActor(ctx, a.Actor("alice"))
		return content.KindOf(err) == content.KindNotFound
	})
	if _, err := b.DB.FollowBetween(ctx, b.Actor("bob"), a.Actor("alice")); content.KindOf(err) != content.KindNotFound {
		t.Errorf("b still has bob following alice: %v", err)
	}
	if _, err := b.DB.FollowBetween(ctx, a.Actor("alice"), b.Actor("bob")); content.KindOf(err) != content.KindNotFound {
		t.Errorf("b still has alice following bob: %v", err)
	}
	status, doc := getActivityJSON(t, a.Actor("alice"))
	if status != http.StatusGone || doc["type"] != "Tombstone" || doc["id"] != a.Actor("alice") || doc["deleted"] == nil {
		t.Errorf("GET alice after deletion: %d %v", status, doc)
	}
	if status, doc := getActivityJSON(t, note.IRI); status != http.StatusGone || doc["type"] != "Tombstone" {
		t.Errorf("GET alice's note after deletion: %d %v", status, doc)
	}
	if _, _, err := a.DeleteAccount(ctx, alice); content.KindOf(err) != content.KindConflict {
		t.Errorf("deleting twice: %v, want conflict", err)
	}
	if _, err := a.RotateKey(ctx, "alice"); content.KindOf(err) != content.KindConflict {
		t.Errorf("rotating a deleted account's key: %v, want conflict", err)
	}
}
