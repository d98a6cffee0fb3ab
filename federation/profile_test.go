package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"kring/content"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// TestPublishProfile: after a member saves their profile, a signed Update
// of their Person, with the profile fields as PropertyValue and the topics
// as hashtags, reaches their follower and the group they follow (a remote
// Speakers group learns their speaker topics so), each inbox once, and
// nobody else.
func TestPublishProfile(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery")
	storagetest.Member(t, node.DB, "bert", content.RoleMember, "correct horse battery")
	remote := fedtest.NewRemote(t)
	fan := remote.AddActor("fan", fedtest.Key(t, 1))
	group := remote.AddActor("speakers", fedtest.Key(t, 2))

	// fan follows alice, and alice follows fan back, the group and a
	// local member: fan's inbox is on both lists.
	followID := remote.Base + "/follows/1"
	if ans := fedtest.Post(t, node.Inbox("alice"), followFrom(fan, node.Actor("alice"), followID), fan.Signer().SignPost); ans.Status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", ans.Status, ans.Body)
	}
	node.WaitProcessed(t, followID, 10*time.Second)
	for _, a := range []*fedtest.Actor{fan, group} {
		if _, err := node.Follow(ctx, alice, a.ID); err != nil {
			t.Fatalf("alice follows %s: %v", a.ID, err)
		}
		f, err := node.DB.FollowBetween(ctx, node.Actor("alice"), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := node.DB.SetFollowState(ctx, f.IRI, content.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	if err := node.DB.PutFollow(ctx, &content.Follow{IRI: node.IRIs().Activity("local-follow"), Follower: node.Actor("alice"),
		Followee: node.Actor("bert"), State: content.FollowAccepted}); err != nil {
		t.Fatal(err)
	}

	p := &content.Profile{MemberID: alice.ID, Organisation: "Gemeente Utrecht", JobTitle: "Data-adviseur", Region: "Utrecht",
		Topics: []string{"open data"}, Languages: []string{"nl", "en"}, Links: []content.ProfileLink{{Name: "Website", URL: "https://example.org/alice"}},
		Listed: true, Speaker: true, SpeakerTopics: []string{"Toegankelijkheid"}}
	if err := node.DB.SaveProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := node.PublishProfile(ctx, alice); err != nil {
		t.Fatal(err)
	}

	isUpdate := func(inbox string) func(fedtest.Received) bool {
		return func(r fedtest.Received) bool {
			_, typ, obj := r.Activity()
			return r.Path == inbox && typ == "Update" && obj == node.Actor("alice")
		}
	}
	for _, to := range []*fedtest.Actor{fan, group} {
		got := remote.WaitFor(t, 15*time.Second, "Update of alice at "+to.Username, isUpdate(pathOf(t, to.Inbox)))
		if got.Err != nil || got.Signer != node.Actor("alice") {
			t.Errorf("Update at %s: signer %q, err %v; want signed by alice", to.Username, got.Signer, got.Err)
		}
		checkProfileUpdate(t, got.Body)
	}
	waitFor(t, "the delivery queue to empty", 15*time.Second, func() bool {
		st, err := node.DB.DeliveryStats(ctx)
		return err == nil && st.Pending == 0
	})
	counts := map[string]int{}
	for _, r := range remote.Received() {
		if _, typ, _ := r.Activity(); typ == "Update" {
			counts[r.Path]++
		}
	}
	want := map[string]int{pathOf(t, fan.Inbox): 1, pathOf(t, group.Inbox): 1}
	if len(counts) != len(want) || counts[pathOf(t, fan.Inbox)] != 1 || counts[pathOf(t, group.Inbox)] != 1 {
		t.Errorf("Updates received per inbox = %v, want %v (each inbox once, nobody else)", counts, want)
	}
}

func pathOf(t *testing.T, u string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req.URL.Path
}

// checkProfileUpdate checks the Person inside an Update: the fields as
// PropertyValue, topics and speaker topics as Hashtag tags, discoverable.
func checkProfileUpdate(t *testing.T, body []byte) {
	t.Helper()
	var u struct {
		Object struct {
			Type         string `json:"type"`
			Discoverable bool   `json:"discoverable"`
			Attachment   []struct {
				Type, Name, Value string
			} `json:"attachment"`
			Tag []struct {
				Type, Name string
			} `json:"tag"`
		} `json:"object"`
	}
	if err := json.Unmarshal(body, &u); err != nil {
		t.Fatalf("decode Update: %v", err)
	}
	o := u.Object
	if o.Type != "Person" || !o.Discoverable {
		t.Errorf("object type %q, discoverable %v; want a discoverable Person", o.Type, o.Discoverable)
	}
	fields := map[string]string{}
	for _, a := range o.Attachment {
		if a.Type == "PropertyValue" {
			fields[a.Name] = a.Value
		}
	}
	if fields["Organisatie"] != "Gemeente Utrecht" || fields["Functie"] != "Data-adviseur" || fields["Regio"] != "Utrecht" {
		t.Errorf("PropertyValues = %v; want organisation, role and region", fields)
	}
	if _, ok := fields["Website"]; !ok {
		t.Errorf("PropertyValues = %v; want the Website link", fields)
	}
	var tags []string
	for _, tag := range o.Tag {
		if tag.Type == "Hashtag" {
			tags = append(tags, tag.Name)
		}
	}
	if !slices.Contains(tags, "#OpenData") || !slices.Contains(tags, "#Toegankelijkheid") {
		t.Errorf("hashtags = %v; want #OpenData and #Toegankelijkheid", tags)
	}
}
