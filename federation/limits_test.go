package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// TestInboxRefusesOversizedBody: over MaxInboxBody is 413 with a JSON
// reason, whether or not Content-Length says so up front.
func TestInboxRefusesOversizedBody(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{NoStart: true})
	big := bytes.Repeat([]byte(" "), federation.MaxInboxBody+1)
	for _, chunked := range []bool{false, true} {
		req, err := http.NewRequest(http.MethodPost, node.SharedInbox(), bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		if chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/activity+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Error == "" {
			t.Errorf("chunked %v: body of %d bytes: status %d, error %q; want 413 with a reason", chunked, len(big), resp.StatusCode, e.Error)
		}
	}
}

// TestReceivedCapsDropExcess: a received note with more hashtags,
// mentions and attachments than the caps is stored with the first of
// each, never refused.
func TestReceivedCapsDropExcess(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	remote := fedtest.NewRemote(t)
	bob := remote.AddActor("bob", fedtest.Key(t, 0))
	alice := node.Actor("alice")

	tags := []any{map[string]string{"type": "Mention", "href": alice, "name": "@alice"}}
	for i := range 150 {
		tags = append(tags, map[string]string{"type": "Hashtag", "name": "#tag" + strconv.Itoa(i), "href": remote.Base + "/tags/tag" + strconv.Itoa(i)})
		tags = append(tags, map[string]string{"type": "Mention", "href": remote.Base + "/users/u" + strconv.Itoa(i), "name": "@u" + strconv.Itoa(i)})
	}
	var attachments []any
	for i := range 40 {
		attachments = append(attachments, map[string]any{"type": "Document", "mediaType": "image/png",
			"url": remote.Base + "/media/" + strconv.Itoa(i) + ".png", "name": "beeld " + strconv.Itoa(i)})
	}
	note := bob.ID + "/statuses/many"
	body, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create", "actor": bob.ID,
		"to": []string{federation.Public}, "cc": []string{alice},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": bob.ID, "content": "<p>veel</p>",
			"to": []string{federation.Public}, "cc": []string{alice}, "tag": tags, "attachment": attachments},
	})
	if a := fedtest.Post(t, node.SharedInbox(), body, bob.Signer().SignPost); a.Status != http.StatusAccepted {
		t.Fatalf("status %d (%s), want 202: a post is never refused for its tags", a.Status, a.Error)
	}
	it := node.WaitProcessed(t, note+"/activity", 10*time.Second)
	if !strings.HasPrefix(it.Outcome, "stored: Note") {
		t.Fatalf("outcome %q, want stored", it.Outcome)
	}
	o, err := node.DB.ObjectByIRI(context.Background(), note)
	if err != nil {
		t.Fatal(err)
	}
	tagged := func(tag string) bool {
		objs, err := node.DB.TaggedObjects(context.Background(), tag, time.Now().Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(objs) == 1
	}
	last, over := "tag"+strconv.Itoa(content.MaxReceivedTags-1), "tag"+strconv.Itoa(content.MaxReceivedTags)
	if !tagged("tag0") || !tagged(last) || tagged(over) {
		t.Errorf("tagged tag0 %v, %s %v, %s %v; want the first %d hashtags kept, the rest dropped",
			tagged("tag0"), last, tagged(last), over, tagged(over), content.MaxReceivedTags)
	}
	mentions, err := node.DB.ObjectMentions(context.Background(), note)
	if err != nil {
		t.Fatal(err)
	}
	if len(mentions) != content.MaxReceivedMentions || !slices.Contains(mentions, alice) {
		t.Errorf("%d mentions stored, want the first %d, alice's among them", len(mentions), content.MaxReceivedMentions)
	}
	if len(o.Attachments) != content.MaxReceivedAttachments {
		t.Errorf("%d attachments stored, want %d", len(o.Attachments), content.MaxReceivedAttachments)
	}
}

// TestReceivedReplyDepthCapped: a reply to a reply that is already
// MaxReplyDepth deep is not stored; one level less is.
func TestReceivedReplyDepthCapped(t *testing.T) {
	ctx := context.Background()
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	remote := fedtest.NewRemote(t)
	bob := remote.AddActor("bob", fedtest.Key(t, 0))
	alice := node.Actor("alice")

	// A chain stored here: alice's note, then replies down to depth
	// MaxReplyDepth-1.
	parent := node.IRIs().Note("root")
	chain := []string{parent}
	if _, err := node.DB.PutObject(ctx, &content.Object{IRI: parent, Type: "Note", AttributedTo: alice, Local: true,
		Content: "<p>begin</p>", Public: true, Published: time.Now().UTC(), Raw: "{}"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < content.MaxReplyDepth; i++ {
		iri := bob.ID + "/statuses/chain" + strconv.Itoa(i)
		if _, err := node.DB.PutObject(ctx, &content.Object{IRI: iri, Type: "Note", AttributedTo: bob.ID, InReplyTo: chain[len(chain)-1],
			Content: "<p>en</p>", Public: true, Published: time.Now().UTC(), Raw: "{}"}); err != nil {
			t.Fatal(err)
		}
		chain = append(chain, iri)
	}
	reply := func(id, to string) *content.InboxItem {
		t.Helper()
		body, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create", "actor": bob.ID,
			"to": []string{federation.Public},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": bob.ID, "content": "<p>dieper</p>",
				"inReplyTo": to, "to": []string{federation.Public}},
		})
		if a := fedtest.Post(t, node.SharedInbox(), body, bob.Signer().SignPost); a.Status != http.StatusAccepted {
			t.Fatalf("status %d (%s), want 202", a.Status, a.Error)
		}
		return node.WaitProcessed(t, id+"/activity", 10*time.Second)
	}
	deepest := chain[len(chain)-1] // depth MaxReplyDepth-1
	if it := reply(bob.ID+"/statuses/last-allowed", deepest); !strings.HasPrefix(it.Outcome, "stored: ") {
		t.Fatalf("a reply at depth %d: outcome %q, want stored", content.MaxReplyDepth, it.Outcome)
	}
	it := reply(bob.ID+"/statuses/too-deep", bob.ID+"/statuses/last-allowed")
	if want := fmt.Sprintf("ignored: reply chain deeper than %d", content.MaxReplyDepth); it.Outcome != want {
		t.Errorf("a reply at depth %d: outcome %q, want %q", content.MaxReplyDepth+1, it.Outcome, want)
	}
}

// TestCollectionPagesCapped: ?limit= never raises a page above its size,
// and page numbers are bounded, on every collection.
func TestCollectionPagesCapped(t *testing.T) {
	node := fedtest.NewNode(t, fedtest.NodeOptions{NoStart: true})
	storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	base := node.Server.URL + "/users/alice/"
	for _, coll := range []string{"outbox", "followers", "following"} {
		get := func(query string) (int, map[string]any) {
			resp, err := http.Get(base + coll + query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc map[string]any
			json.NewDecoder(resp.Body).Decode(&doc)
			return resp.StatusCode, doc
		}
		if status, doc := get("?page=1&limit=100000"); status != http.StatusOK || strings.Contains(fmt.Sprint(doc["id"]), "limit=100000") {
			t.Errorf("%s ?limit=100000: status %d, id %v; want 200 and the limit capped", coll, status, doc["id"])
		}
		for _, q := range []string{"?page=99999999999", "?page=-1", "?limit=0&page=1"} {
			if status, _ := get(q); status != http.StatusBadRequest {
				t.Errorf("%s %s: status %d, want 400", coll, q, status)
			}
		}
	}
}
