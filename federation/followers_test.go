package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

func followFrom(a *fedtest.Actor, target, id string) []byte {
	return []byte(fmt.Sprintf(`{"@context":%q,"id":%q,"type":"Follow","actor":%q,"object":%q}`, federation.ASContext, id, a.ID, target))
}

// TestManualApproval: a member who approves followers by hand gets a
// request, not a follower, until she approves; rejecting tells the
// follower and removes the follow.
func TestManualApproval(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery")
	if err := node.DB.SetManuallyApprovesFollowers(ctx, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	alice.ManuallyApprovesFollowers = true
	remote := fedtest.NewRemote(t)
	bob := remote.AddActor("bob", fedtest.Key(t, 1))

	// The actor document says so.
	req, _ := http.NewRequest(http.MethodGet, node.Actor("alice"), nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Manual bool `json:"manuallyApprovesFollowers"`
	}
	json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if !doc.Manual {
		t.Error("actor document does not say manuallyApprovesFollowers: true")
	}

	followID := remote.Base + "/follows/1"
	ans := fedtest.Post(t, node.Inbox("alice"), followFrom(bob, node.Actor("alice"), followID), bob.Signer().SignPost)
	if ans.Status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", ans.Status, ans.Body)
	}
	it := node.WaitProcessed(t, followID, 10*time.Second)
	if !strings.HasPrefix(it.Outcome, "pending:") {
		t.Fatalf("outcome %q, want pending", it.Outcome)
	}
	if st, _ := node.DB.DeliveryStats(ctx); st.Pending+st.Done != 0 {
		t.Fatalf("an answer was queued for a request that waits for approval: %+v", st)
	}
	if total, _, _ := node.DB.Followers(ctx, node.Actor("alice"), 0, 10); total != 0 {
		t.Fatalf("followers = %d before approval, want 0", total)
	}
	reqs, err := node.PendingFollowers(ctx, alice)
	if err != nil || len(reqs) != 1 || reqs[0].Follower != bob.ID {
		t.Fatalf("pending followers = %+v, %v", reqs, err)
	}

	if err := node.ApproveFollower(ctx, alice, bob.ID); err != nil {
		t.Fatal(err)
	}
	accept := remote.WaitFor(t, 10*time.Second, "Accept of the follow", func(r fedtest.Received) bool {
		_, typ, obj := r.Activity()
		return typ == "Accept" && obj == followID && r.Err == nil
	})
	if accept.Signer != node.Actor("alice") {
		t.Errorf("Accept signed by %q", accept.Signer)
	}
	if total, iris, _ := node.DB.Followers(ctx, node.Actor("alice"), 0, 10); total != 1 || iris[0] != bob.ID {
		t.Fatalf("followers after approval = %d %v", total, iris)
	}
	if err := node.ApproveFollower(ctx, alice, bob.ID); content.KindOf(err) != content.KindConflict {
		t.Errorf("approving twice: %v, want conflict", err)
	}

	if err := node.RejectFollower(ctx, alice, bob.ID); err != nil {
		t.Fatal(err)
	}
	remote.WaitFor(t, 10*time.Second, "Reject of the follow", func(r fedtest.Received) bool {
		_, typ, obj := r.Activity()
		return typ == "Reject" && obj == followID && r.Err == nil
	})
	if total, _, _ := node.DB.Followers(ctx, node.Actor("alice"), 0, 10); total != 0 {
		t.Errorf("followers after reject = %d, want 0", total)
	}
	if err := node.RejectFollower(ctx, alice, bob.ID); content.KindOf(err) != content.KindNotFound {
		t.Errorf("rejecting a follower that is gone: %v, want not found", err)
	}
}

// TestAuthorizedFetch: in secure mode collections and objects answer only
// signed GETs, while actor documents stay open for key fetches.
func TestAuthorizedFetch(t *testing.T) {
	db := storagetest.Open(t)
	storagetest.Member(t, db, "alice", content.RoleMember, "correct horse battery")
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	host := srv.Listener.Addr().String()
	node, err := federation.New(db, federation.Config{Host: host, Dev: true, AuthorizedFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range node.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	srv.Start()
	defer srv.Close()
	remote := fedtest.NewRemote(t)
	bob := remote.AddActor("bob", fedtest.Key(t, 1))
	actor := node.IRIs().Actor("alice")

	get := func(url string, sign bool) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", "application/activity+json")
		if sign {
			if err := bob.Signer().SignGet(req); err != nil {
				t.Fatal(err)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	if err := node.EnsureOrganisation(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	org, speakers := node.IRIs().Organisation(), node.IRIs().SpeakersGroup()
	for _, url := range []string{actor + "/outbox", actor + "/followers", actor + "/following",
		org + "/outbox", org + "/followers", org + "/following", speakers + "/outbox", speakers + "/followers"} {
		status, h, body := get(url, false)
		if status != http.StatusUnauthorized || !strings.Contains(h.Get("Vary"), "Signature") || !strings.Contains(body, "signed") {
			t.Errorf("unsigned GET %s: %d, Vary %q, %s; want 401 with Vary: Signature", url, status, h.Get("Vary"), body)
		}
		if status, _, body := get(url, true); status != http.StatusOK {
			t.Errorf("signed GET %s: %d %s, want 200", url, status, body)
		}
	}
	for _, a := range []string{actor, org, speakers} {
		if status, _, body := get(a, false); status != http.StatusOK {
			t.Errorf("unsigned GET of the actor %s (key fetch): %d %s, want 200", a, status, body)
		}
	}
}

// TestForumGroup: a forum is a Group actor found by WebFinger, with a key
// of its own, that accepts follows by itself and lists its followers.
func TestForumGroup(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	f, err := content.NewForum("opendata", "Open data", "Over open data", content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := node.DB.CreateForum(ctx, f); err != nil {
		t.Fatal(err)
	}
	group := node.IRIs().Group("opendata")

	res, err := http.Get(node.Server.URL + "/.well-known/webfinger?resource=acct:opendata@" + node.Host)
	if err != nil {
		t.Fatal(err)
	}
	var jrd struct {
		Links []struct{ Rel, Type, Href string } `json:"links"`
	}
	json.NewDecoder(res.Body).Decode(&jrd)
	res.Body.Close()
	if len(jrd.Links) == 0 || jrd.Links[0].Rel != "self" || jrd.Links[0].Href != group {
		t.Fatalf("webfinger of the forum: %+v, want self link to %s", jrd.Links, group)
	}

	req, _ := http.NewRequest(http.MethodGet, group, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type, Name, PreferredUsername, Inbox, Followers, AttributedTo string
		PublicKey                                                     struct{ ID, Owner, PublicKeyPem string }
	}
	json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if doc.Type != "Group" || doc.PreferredUsername != "opendata" || doc.Name != "Open data" ||
		doc.PublicKey.Owner != group || doc.PublicKey.PublicKeyPem != keys.PublicPEM || doc.AttributedTo != group+"/moderators" {
		t.Fatalf("group document: %+v", doc)
	}

	remote := fedtest.NewRemote(t)
	bob := remote.AddActor("bob", fedtest.Key(t, 1))
	followID := remote.Base + "/follows/forum"
	if ans := fedtest.Post(t, doc.Inbox, followFrom(bob, group, followID), bob.Signer().SignPost); ans.Status != http.StatusAccepted {
		t.Fatalf("follow of the forum: %d %s", ans.Status, ans.Body)
	}
	accept := remote.WaitFor(t, 10*time.Second, "Accept from the forum", func(r fedtest.Received) bool {
		_, typ, obj := r.Activity()
		return typ == "Accept" && obj == followID && r.Err == nil
	})
	if accept.Signer != group {
		t.Errorf("Accept signed by %q, want the forum's own key", accept.Signer)
	}
	if total, iris, _ := node.DB.Followers(ctx, group, 0, 10); total != 1 || iris[0] != bob.ID {
		t.Errorf("forum followers = %d %v", total, iris)
	}
}
