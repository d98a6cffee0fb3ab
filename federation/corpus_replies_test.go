package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// replyRows are the reply payloads of the corpus, each turned into a reply
// to something on the node: the post itself (parent "post") or the reply
// of an earlier row (parent names that row's file), so that the thread
// gets depth. replaces is the parent the payload names as published
// ({{LOCAL_POST_URL}} in the fixtures written for exactly this).
var replyRows = []struct {
	file     string
	replaces string // "" when the payload replies to nothing (Misskey's)
	parent   string
	depth    int
}{
	{file: "mastodon/create_note_unlisted_reply.json", replaces: "https://mamot.fr/users/retiolus/statuses/107224244380204526", parent: "post", depth: 1},
	{file: "gotosocial/create_note_reply.json", replaces: "{{LOCAL_POST_URL}}", parent: "post", depth: 1},
	{file: "akkoma/create_note_reply_edited.json", replaces: "{{LOCAL_POST_URL}}", parent: "mastodon/create_note_unlisted_reply.json", depth: 2},
	{file: "pleroma/create_note_reply_to_misskey_thread.json", replaces: "https://mk.absturztau.be/notes/93e7nm8wqg", parent: "akkoma/create_note_reply_edited.json", depth: 3},
	{file: "friendica/create_note.json", replaces: "https://lemmy.schuerz.at/post/25360", parent: "post", depth: 1},
	// The corpus has no Misskey reply: its Create{Note} gets an inReplyTo,
	// keeping Misskey's shape (_misskey_content, plain <p><span>).
	{file: "misskey/create_note_absturztau.json", parent: "gotosocial/create_note_reply.json", depth: 2},
}

// TestCorpusReplies feeds the reply payloads of Mastodon, GoToSocial,
// Akkoma, Pleroma, Friendica and Misskey to a node holding a post, each
// signed by a test key standing in for its origin, and checks that every
// one is stored as a comment on the post: its author, its (sanitised)
// text, and its place in the thread.
func TestCorpusReplies(t *testing.T) {
	fixtures, ok := fedtest.Corpus(t)
	if !ok {
		t.Log("shared fixture corpus not present (../shared/fixtures/activitypub): corpus replies test not run")
		return
	}
	byFile := map[string]fedtest.Fixture{}
	for _, f := range fixtures {
		byFile[f.File] = f
	}
	ctx := context.Background()
	key := fedtest.Key(t, 0)
	remote := fedtest.NewRemote(t)
	remote.ServeAnyActor(key)
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	env := &corpusEnv{node: node, remote: remote, alice: alice, key: key}
	post, err := node.SavePost(ctx, alice, nil, federation.PostInput{Title: "Een vraag over open data",
		Body: "Wie publiceert er al open data over vergaderingen?", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}

	ids := map[string]string{"post": post.IRI}
	for _, row := range replyRows {
		f, ok := byFile[row.file]
		if !ok {
			t.Fatalf("%s is not in the corpus", row.file)
		}
		body := f.Read(t)
		parent := ids[row.parent]
		if row.replaces != "" {
			if !bytes.Contains(body, []byte(row.replaces)) {
				t.Fatalf("%s does not reply to %s", row.file, row.replaces)
			}
			body = bytes.ReplaceAll(body, []byte(row.replaces), []byte(parent))
		} else {
			body = withInReplyTo(t, body, parent)
		}
		var p struct {
			ID     string          `json:"id"`
			Actor  json.RawMessage `json:"actor"`
			Object json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		actor, objID := soleID(p.Actor), idOf(p.Object)
		env.storeActor(t, actor)
		signer := federation.Signer{KeyID: actor + "#main-key", Key: key}
		if got := fedtest.Post(t, node.SharedInbox(), body, signer.SignPost); got.Status != 202 {
			t.Fatalf("%s: status %d %s", row.file, got.Status, got.Body)
		}
		it := node.WaitProcessed(t, p.ID, 10*time.Second)
		if !strings.HasPrefix(it.Outcome, "stored:") {
			t.Fatalf("%s: outcome %q, want stored", row.file, it.Outcome)
		}
		ids[row.file] = objID
	}

	comments, err := node.DB.Comments(ctx, post.IRI, 0)
	if err != nil {
		t.Fatal(err)
	}
	byIRI := map[string]content.Comment{}
	for _, c := range comments {
		byIRI[c.IRI] = c
	}
	for _, row := range replyRows {
		c, ok := byIRI[ids[row.file]]
		if !ok {
			t.Errorf("%s: not among the post's comments", row.file)
			continue
		}
		if c.InReplyTo != ids[row.parent] || c.Depth != row.depth || c.Root != post.IRI {
			t.Errorf("%s: in reply to %s at depth %d (root %s); want %s at depth %d", row.file, c.InReplyTo, c.Depth, c.Root, ids[row.parent], row.depth)
		}
		if c.Content == "" || strings.Contains(c.Content, "<script") {
			t.Errorf("%s: stored text %q", row.file, c.Content)
		}
		if c.AuthorHandle == "" || !strings.Contains(c.AttributedTo, strings.Split(c.AuthorHandle, "@")[1]) {
			t.Errorf("%s: author %s shown as %q", row.file, c.AttributedTo, c.AuthorHandle)
		}
	}
	// A depth-first walk: every comment comes after its parent.
	seen := map[string]bool{post.IRI: true}
	for _, c := range comments {
		if !seen[c.InReplyTo] {
			t.Errorf("comment %s comes before its parent %s", c.IRI, c.InReplyTo)
		}
		seen[c.IRI] = true
	}
	o, _ := node.DB.ObjectByIRI(ctx, post.IRI)
	if o.ReplyCount != len(replyRows) {
		t.Errorf("the post counts %d comments, want %d", o.ReplyCount, len(replyRows))
	}
	if len(comments) != len(replyRows) {
		t.Errorf("%d comments, want %d", len(comments), len(replyRows))
	}
}

// withInReplyTo sets the embedded object's inReplyTo, keeping the rest of
// the payload as it is.
func withInReplyTo(t *testing.T, body []byte, parent string) []byte {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc["object"], &obj); err != nil {
		t.Fatal(err)
	}
	obj["inReplyTo"], _ = json.Marshal(parent)
	doc["object"], _ = json.Marshal(obj)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
