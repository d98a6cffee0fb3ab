package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// waitFor polls cond every 20 ms until it holds or the time is up.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBlogAcrossTwoNodes is the blog's round trip between two real nodes
// over loopback with real signatures: bob on b follows alice on a; alice
// publishes a post with a hashtag, a mention of bob and an image; b
// stores the Article with its tags and attachment; bob replies, likes
// and boosts; a shows the reply (sanitised) and the counts; alice edits
// and b has the new version; alice deletes and b has a tombstone.
func TestBlogAcrossTwoNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")

	if _, err := b.Follow(ctx, bob, "alice@"+a.Host); err != nil {
		t.Fatalf("bob follows alice: %v", err)
	}
	// carol follows the organisation, which boosts every public post.
	if err := a.EnsureOrganisation(ctx, "ministerie", "Ministerie van Koffie"); err != nil {
		t.Fatal(err)
	}
	carol := storagetest.Member(t, b.DB, "carol", content.RoleMember, "correct horse battery")
	if org, err := b.Follow(ctx, carol, "ministerie@"+a.Host); err != nil || org.Type != "Organization" || org.IRI != a.IRIs().Organisation() {
		t.Fatalf("carol follows the organisation: %+v, %v", org, err)
	}
	waitFor(t, "the follows to be accepted", 10*time.Second, func() bool {
		total, _, _ := a.DB.Followers(ctx, a.Actor("alice"), 0, 10)
		f, err := b.DB.FollowBetween(ctx, b.Actor("bob"), a.Actor("alice"))
		g, err2 := b.DB.FollowBetween(ctx, b.Actor("carol"), a.IRIs().Organisation())
		return total == 1 && err == nil && f.State == content.FollowAccepted && err2 == nil && g.State == content.FollowAccepted
	})

	img := &content.Media{Name: "0123456789abcdef0123456789abcdef.png", OwnerID: alice.ID, MediaType: "image/png",
		Width: 640, Height: 480, Size: 1234, Alt: "Koffie en koekjes op tafel"}
	if err := a.DB.CreateMedia(ctx, img); err != nil {
		t.Fatal(err)
	}
	body := "Welkom bij de **Open Koffie** over #OpenData, samen met @bob@" + b.Host + ".\n\n" +
		"<script>alert(1)</script>Tweede alinea met [een link](https://example.org/)."
	post, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Open Koffie in maart", Body: body,
		Language: content.LanguageDutch, MediaIDs: []int64{img.ID}})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}

	// b stores the Article with its tags and attachment.
	var got *content.Object
	waitFor(t, "b to store the Article", 10*time.Second, func() bool {
		got, err = b.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil
	})
	waitFor(t, "the organisation's boost to reach b", 10*time.Second, func() bool {
		o, err := b.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil && o.AnnounceCount == 1
	})
	if got.Type != "Article" || got.Name != "Open Koffie in maart" || got.AttributedTo != a.Actor("alice") {
		t.Errorf("stored %s %q by %s", got.Type, got.Name, got.AttributedTo)
	}
	if !strings.Contains(got.Content, `class="mention hashtag"`) || strings.Contains(got.Content, "<script") {
		t.Errorf("content not as published or unsafe: %s", got.Content)
	}
	tagged, _ := b.DB.TaggedObjects(ctx, "opendata", time.Time{}, 10)
	if len(tagged) != 1 || tagged[0].IRI != post.IRI {
		t.Errorf("b's tag page for #opendata has %d objects, want the post", len(tagged))
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Name != img.Alt || got.Attachments[0].MediaType != "image/png" ||
		!strings.HasSuffix(got.Attachments[0].URL, "/media/"+img.Name) {
		t.Errorf("attachments = %+v", got.Attachments)
	}
	if mentions, _ := b.DB.ObjectMentions(ctx, post.IRI); len(mentions) != 1 || mentions[0] != b.Actor("bob") {
		t.Errorf("mentions = %v, want bob", mentions)
	}
	var raw struct {
		Summary string            `json:"summary"`
		URL     string            `json:"url"`
		Map     map[string]string `json:"contentMap"`
		To      []string          `json:"to"`
	}
	json.Unmarshal([]byte(got.Raw), &raw)
	if !strings.HasPrefix(raw.Summary, "Welkom bij de Open Koffie") || raw.Map["nl"] == "" || raw.To[0] != federation.Public ||
		raw.URL != a.IRIs().PostURL("alice", post.Slug) {
		t.Errorf("Article fields: summary %q, url %q, contentMap %v, to %v", raw.Summary, raw.URL, raw.Map, raw.To)
	}

	// bob replies (with markup to strip), likes and boosts.
	if _, err := b.Reply(ctx, bob, post.IRI, "Goed idee! <img src=x onerror=alert(1)> Ik kom."); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if err := b.Like(ctx, bob, post.IRI); err != nil {
		t.Fatalf("like: %v", err)
	}
	if err := b.Boost(ctx, bob, post.IRI); err != nil {
		t.Fatalf("boost: %v", err)
	}
	waitFor(t, "a to count the reply, the like and the boost", 10*time.Second, func() bool {
		o, err := a.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil && o.ReplyCount == 1 && o.LikeCount == 1 && o.AnnounceCount == 1 // bob's; the organisation's boost is not counted on its own node
	})
	comments, err := a.DB.Comments(ctx, post.IRI, 0)
	if err != nil || len(comments) != 1 {
		t.Fatalf("comments on a: %d, %v", len(comments), err)
	}
	c := comments[0]
	if c.AttributedTo != b.Actor("bob") || c.Depth != 1 || !strings.Contains(c.Content, "Goed idee!") ||
		strings.Contains(c.Content, "onerror") || c.AuthorHandle != "bob@"+b.Host {
		t.Errorf("comment = by %s depth %d handle %q: %s", c.AttributedTo, c.Depth, c.AuthorHandle, c.Content)
	}

	// alice edits: b has the new version.
	if _, err := a.SavePost(ctx, alice, post, federation.PostInput{Title: "Open Koffie in april", Body: "Verzet naar april. #OpenData",
		Language: content.LanguageDutch}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	waitFor(t, "b to apply the Update", 10*time.Second, func() bool {
		o, err := b.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil && o.Name == "Open Koffie in april" && strings.Contains(o.Content, "Verzet naar april")
	})

	// alice deletes: b keeps a tombstone, and a's URL answers 410.
	stored, err := a.DB.PostByIRI(ctx, post.IRI)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DeletePost(ctx, alice, stored); err != nil {
		t.Fatalf("delete: %v", err)
	}
	waitFor(t, "b to apply the Delete", 10*time.Second, func() bool {
		o, err := b.DB.ObjectByIRI(ctx, post.IRI)
		return err == nil && o.Deleted && o.Content == ""
	})
	req, _ := http.NewRequest(http.MethodGet, post.IRI, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tomb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusGone || !strings.Contains(string(tomb), `"Tombstone"`) {
		t.Errorf("GET deleted post: %d %s", res.StatusCode, tomb)
	}
}

// TestOrganisationBoostBringsPosts: following only the organisation brings
// every public post: its boost makes the follower's node fetch the post
// from its origin (nobody there follows the author).
func TestOrganisationBoostBringsPosts(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	carol := storagetest.Member(t, b.DB, "carol", content.RoleMember, "correct horse battery")
	if err := a.EnsureOrganisation(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Follow(ctx, carol, federation.DefaultOrgHandle+"@"+a.Host); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the follow of the organisation to be accepted", 10*time.Second, func() bool {
		f, err := b.DB.FollowBetween(ctx, b.Actor("carol"), a.IRIs().Organisation())
		return err == nil && f.State == content.FollowAccepted
	})
	public, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Openbaar", Body: "Voor iedereen.", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	followersOnly, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Intern", Body: "Alleen volgers.",
		Language: content.LanguageDutch, Visibility: content.VisibilityFollowers})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to fetch the boosted post", 10*time.Second, func() bool {
		o, err := b.DB.ObjectByIRI(ctx, public.IRI)
		return err == nil && o.Name == "Openbaar" && o.AnnounceCount == 1 && o.AuthorHandle == "alice@"+a.Host
	})
	if _, err := b.DB.ObjectByIRI(ctx, followersOnly.IRI); err == nil {
		t.Error("a followers-only post reached a node that does not follow its author")
	}
}

// TestNotePagesForPeople: a person opening a reply's id lands on the reply
// in its thread or post; a plain note goes to its author's profile.
func TestNotePagesForPeople(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	post, err := a.SavePost(ctx, alice, nil, federation.PostInput{Title: "Vraag", Body: "Wat vindt u?", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := a.Reply(ctx, alice, post.IRI, "Zelf vind ik het goed.")
	if err != nil {
		t.Fatal(err)
	}
	forum := createForum(t, a.DB, "opendata", "Open data")
	th, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Draad", Body: "Eerste."})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Reply(ctx, alice, th.IRI, "Antwoord.")
	if err != nil {
		t.Fatal(err)
	}
	note, err := a.PublishNote(ctx, alice, "Gewoon een notitie.")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct{ iri, want string }{
		{reply.IRI, a.IRIs().PostURL("alice", post.Slug) + "#c"},
		{answer.IRI, a.IRIs().ThreadPage("opendata", th.ID) + "#c"},
		{note.IRI, a.IRIs().Profile("alice")},
	} {
		res, err := client.Get(tc.iri)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, tc.want) {
			t.Errorf("GET %s for people: %d to %q, want %s...", tc.iri, res.StatusCode, loc, tc.want)
		}
	}
}
