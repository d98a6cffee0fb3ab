package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// landing is where a reader expects a community payload to land.
type landing int

const (
	landThread   landing = iota + 1 // a new thread in the forum: title, author, text
	landComment                     // a comment in the parent's thread, at depth
	landFollower                    // a follower of the forum's Group, sent an Accept
	landRemote                      // content of a community elsewhere, under its parent if any
	landIgnored                     // nothing stored: the outcome gives why
)

// forumRow is one community payload of the corpus, retargeted at the
// forum "tenforward" of a Kring node, and where it should land there.
type forumRow struct {
	file string
	// community are the IRIs of the payload that name the community (or
	// the addressee standing in for it): each value that is one of them
	// becomes the forum's Group.
	community []string
	// scrubbed fills Mbin's "SCRUBBED_ID" placeholders in order: "act" a
	// new activity id, "obj" the object's id, "parent" the parent's id,
	// "group" the forum's Group.
	scrubbed []string
	// wrap: the fixture is an object; it arrives in a Create by its
	// author to the public, with the object's addressees in cc and its
	// audience, as Lemmy sends a post.
	wrap bool
	// parent is the row (file) whose object a comment answers, or "local"
	// for a thread a member started here; replaces is the parent the
	// payload names, when not already that row's object.
	parent, replaces string
	via              string // an Announce: the Group elsewhere that passes it on, which alice follows (ignored before she does)
	land             landing
	title            string // a thread's title
	text             string // what the object's name, summary or content holds
	depth            int    // a comment's depth
	why              string // ignored: what the outcome says
	note             string // what the payload is, and why it lands so
}

const (
	lemmyMain  = "http://enterprise.lemmy.ml/c/main"
	kbinTest   = "https://kbin.test/m/test"
	readerIRI  = "https://lemmy.reader.example/u/reader"
	notPublic  = "not public: the forum tenforward shows only public posts"
	privateMsg = "a private message; Kring has no direct messages, and a forum never shows one"
)

var forumRows = []forumRow{
	// Follows of the community.
	{file: "lemmy/follow_group.json", community: []string{lemmyMain}, land: landFollower, note: "Lemmy user follows c/main → the forum"},
	{file: "mbin/follow_magazine.json", scrubbed: []string{"act", "group"}, land: landFollower, note: "the magazine (a SCRUBBED_ID) → the forum"},
	{file: "mastodon/follow_group.json", community: []string{"https://ds9.lemmy.ml/c/testcom"}, land: landFollower, note: "a Mastodon user follows a Lemmy community → the forum"},
	{file: "lotide/follow.json", community: []string{"https://beehaw.org/c/foss"}, land: landFollower, note: "lotide; to is a string"},

	// Lemmy: posts and comments, as sent and as objects.
	{file: "lemmy/create_page.json", community: []string{lemmyMain, "https://enterprise.lemmy.ml/c/main"}, land: landThread, title: "test post", text: "test body",
		note: "to and cc name c/main over http, audience over https"},
	{file: "lemmy/create_note_comment.json", community: []string{lemmyMain, "https://enterprise.lemmy.ml/c/main"}, parent: "lemmy/create_page.json", land: landComment, depth: 1, text: "hello"},
	{file: "mastodon/create_note_unlisted_reply.json", parent: "lemmy/create_note_comment.json", replaces: "https://mamot.fr/users/retiolus/statuses/107224244380204526",
		land: landComment, depth: 2, text: "thinkpad", note: "a Mastodon reply to the Lemmy comment; unlisted (Public in cc)"},
	{file: "lemmy/page.json", wrap: true, community: []string{"https://enterprise.lemmy.ml/c/tenforward"}, land: landThread, title: "Post title", text: "tenforward community"},
	{file: "lemmy/note_comment.json", wrap: true, community: []string{"https://enterprise.lemmy.ml/c/tenforward"}, parent: "lemmy/page.json", land: landComment, depth: 1, text: "first comment!"},
	{file: "lemmy/page_image_and_link.json", wrap: true, community: []string{"https://enterprise.lemmy.ml/c/tenforward"}, land: landThread, title: "Post with image and link", text: "image and a link"},
	{file: "lemmy/page_2020.json", wrap: true, community: []string{"https://enterprise.lemmy.ml/c/main"}, land: landThread, title: "Hello Federation!",
		note: "Lemmy 0.8: the title in summary, no name; the Page to the community only, its Create to the public"},
	{file: "lemmy/announce_create_page.json", via: lemmyMain, land: landRemote, text: "post 4", note: "c/main on another server passes on a post; its audience names /u/main (a fixture slip), its to c/main"},
	{file: "lemmy/create_note_private_message.json", community: []string{"http://ds9.lemmy.ml/u/lemmy_alpha"}, land: landIgnored, why: notPublic, note: privateMsg},
	{file: "lemmy/create_chatmessage_0.19.json", community: []string{"https://voyager.lemmy.ml/u/nutomic"}, land: landIgnored, why: "create of unsupported type ChatMessage", note: privateMsg},

	// Mbin: the magazine's SCRUBBED_IDs filled in.
	{file: "mbin/create_entry_page.json", community: []string{kbinTest}, scrubbed: []string{"act", "obj"}, land: landThread, title: "test", text: "test #test",
		note: "content and contentMap null: the summary holds the text"},
	{file: "mbin/create_entry_page_url_image.json", community: []string{kbinTest}, scrubbed: []string{"act", "obj"}, land: landThread, title: "test", text: "test #test"},
	{file: "mbin/create_entry_comment.json", community: []string{kbinTest}, scrubbed: []string{"act", "obj", "parent", "obj"}, parent: "mbin/create_entry_page.json",
		land: landComment, depth: 1, text: "test", note: "the magazine in cc only"},
	{file: "mbin/create_post_microblog.json", community: []string{kbinTest}, scrubbed: []string{"act", "obj", "obj"}, land: landThread, title: "test", text: "#test",
		note: "a microblog post in the magazine: a thread, titled by its first line"},
	{file: "mbin/announce_create_entry_page.json", via: kbinTest, scrubbed: []string{"act", "act", "obj"}, land: landRemote, text: "test #test"},
	{file: "mbin/announce_create_entry_comment.json", via: kbinTest, scrubbed: []string{"act", "act", "obj", "parent", "obj"}, parent: "mbin/announce_create_entry_page.json",
		land: landRemote, depth: 1, text: "test"},
	{file: "mbin/announce_create_post_microblog.json", via: kbinTest, scrubbed: []string{"act", "act", "obj", "obj"}, land: landRemote, text: "#test"},
	{file: "mbin/create_direct_message.json", community: []string{"https://kbin.test/u/user2"}, scrubbed: []string{"act", "obj"}, land: landIgnored,
		why: "create of unsupported type ChatMessage", note: privateMsg},

	// PieFed, NodeBB, Discourse: objects only in the corpus, sent in a Create.
	{file: "piefed/page.json", wrap: true, community: []string{"https://piefed.social/c/historyruins"}, land: landThread, title: "The Belovo Basilica in Bulgaria",
		note: "an image post: empty content, the image attached"},
	{file: "nodebb/article_topic.json", wrap: true, community: []string{"https://bb.devnull.land/category/2"}, land: landThread, title: "Welcome to your NodeBB!", text: "Administrator Control Panel",
		note: "a category's topic as Article"},
	{file: "discourse/note_topic.json", wrap: true, community: []string{"https://socialhub.activitypub.rocks/ap/actor/797217cf18c0e819dfafc52425590146"}, land: landThread,
		title: "Our next meeting", text: "Last Meeting", note: "a topic's Note with a name and an audience, no to or cc"},

	// Mastodon (and others) posting into a community.
	{file: "mastodon/note_to_lemmy_group.json", wrap: true, community: []string{"https://enterprise.lemmy.ml/c/tenforward"}, land: landThread,
		title: "Variable never resetting at refresh", text: "reset it", note: "the group mentioned and in cc; the title is the first line without the mention"},
	{file: "friendica/create_note_to_group.json", community: []string{"https://lemmy.qa.urbanwildlife.biz/c/lemmy_community"}, land: landThread,
		title: "Test post to community", note: "a Mastodon payload (masto.qa.urbanwildlife.biz) despite the folder"},
	{file: "mastodon/create_note_followers_only_framapiaf.json", community: []string{"https://framapiaf.org/users/tcit"}, land: landIgnored, why: notPublic,
		note: "a direct message (to tcit → the forum)"},
	{file: "mastodon/create_question_poll.json", community: []string{"https://mastodon.sdf.org/users/rinpatch/followers"}, land: landIgnored,
		why: "a Question has no place in the forum tenforward", note: "a poll, its followers collection standing in for the forum: no options or votes in a forum (Lemmy takes none either)"},
	{file: "friendica/create_article_to_group.json", community: []string{"https://ds9.lemmy.ml/c/testcom"}, land: landThread, title: "From Friendica to Lemmy", text: "Hello Lemmy!"},
	{file: "lotide/create_page.json", community: []string{"https://c.tide.tk/communities/1"}, land: landThread, title: "test post from b", note: "to and cc are strings"},
	{file: "gotosocial/create_note_reply.json", replaces: "{{LOCAL_POST_URL}}", parent: "local", land: landComment, depth: 1, text: "Lorem ipsum",
		note: "a reply to a thread a member started here"},
}

// forumSoftware are the community servers whose every Create, Follow and
// Announce(Create) payload, and every post object, needs a row.
var forumSoftware = []string{"lemmy", "mbin", "piefed", "nodebb", "discourse"}

// TestCorpusForum feeds the community payloads of Lemmy, Mbin, PieFed,
// NodeBB, Discourse and Mastodon in ../shared/fixtures/activitypub to a
// forum of a Kring node, each retargeted at the forum and signed by a test
// key standing in for its origin, and checks that each lands where a
// reader expects: a thread with its title, author and text; a comment in
// its thread at its depth; a follower of the Group; content of a followed
// community elsewhere; or nothing, for the stated reason. Every thread and
// comment is passed on by the Group to its followers.
func TestCorpusForum(t *testing.T) {
	fixtures, ok := fedtest.Corpus(t)
	if !ok {
		t.Log("shared fixture corpus not present (../shared/fixtures/activitypub): corpus forum test not run")
		return
	}
	byFile := map[string]fedtest.Fixture{}
	for _, f := range fixtures {
		byFile[f.File] = f
	}
	wantRows(t, fixtures, byFile)

	key := fedtest.Key(t, 0)
	rem := fedtest.NewRemote(t)
	rem.ServeAnyActor(key)
	resolve := map[string]string{"lemmy.reader.example": rem.Host}
	raws := map[string][]byte{}
	for _, r := range forumRows {
		raws[r.file] = byFile[r.file].Read(t)
		for _, m := range hostRE.FindAllSubmatch(raws[r.file], -1) {
			resolve[strings.ToLower(string(m[1]))] = rem.Host
		}
	}
	node := fedtest.NewNode(t, fedtest.NodeOptions{Client: federation.ClientConfig{Resolve: resolve}})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	e := &forumEnv{corpusEnv: corpusEnv{node: node, remote: rem, alice: alice, key: key},
		forum: createForum(t, node.DB, "tenforward", "Ten Forward"), group: node.IRIs().Group("tenforward"), objects: map[string]string{}}
	local, err := node.StartThread(context.Background(), alice, e.forum, federation.ThreadInput{Title: "Welkom", Body: "Stel je voor."})
	if err != nil {
		t.Fatal(err)
	}
	e.objects["local"] = local.IRI
	// A reader on another server follows the forum: the Group passes on
	// what lands in it.
	e.readerInbox = e.storeActor(t, readerIRI)
	e.putFollow(t, "https://lemmy.reader.example/activities/follow/1", readerIRI, e.group, content.FollowAccepted)

	threads := 1
	for _, r := range forumRows {
		t.Run(r.file, func(t *testing.T) { e.run(t, r, raws[r.file]) })
		if r.land == landThread {
			threads++
		}
	}
	if n, err := node.DB.CountThreads(context.Background(), e.forum.ID); n != threads || err != nil {
		t.Errorf("the forum has %d threads (%v), want %d", n, err, threads)
	}
}

// wantRows fails the test unless every row names a corpus file and every
// community payload of forumSoftware has a row.
func wantRows(t *testing.T, fixtures []fedtest.Fixture, byFile map[string]fedtest.Fixture) {
	rows := map[string]bool{}
	for _, r := range forumRows {
		if rows[r.file] {
			t.Errorf("forumRows: %s has two rows", r.file)
		}
		rows[r.file] = true
		if _, ok := byFile[r.file]; !ok {
			t.Errorf("forumRows: %s is not in the corpus", r.file)
		}
	}
	for _, f := range fixtures {
		payload := strings.HasPrefix(f.What, "Create(") || strings.HasPrefix(f.What, "Follow(") || strings.HasPrefix(f.What, "Announce(Create(")
		// PieFed, NodeBB and Discourse have only objects in the corpus;
		// Lemmy's Pages are posts, its Notes comments and messages.
		post := slices.Contains([]string{"Page", "Article", "Note"}, f.What) && (f.What == "Page" || !slices.Contains([]string{"lemmy", "mbin"}, f.Software))
		if slices.Contains(forumSoftware, f.Software) && (payload || post) && !rows[f.File] {
			t.Errorf("corpus file %s (%s) has no row in forumRows: read it and state where it lands", f.File, f.What)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// forumEnv is the node with its forum, and what the rows so far stored.
type forumEnv struct {
	corpusEnv
	forum       *content.Forum
	group       string
	readerInbox string
	objects     map[string]string // row file → the id of the object it sent
}

// sent is what the test reads of a payload as sent.
type sent struct {
	id, actor, object, author string
	typ                       string
}

func (e *forumEnv) run(t *testing.T, r forumRow, raw []byte) {
	body := e.payload(t, r, raw)
	s := readSent(t, body)
	e.objects[r.file] = s.object
	inbox := e.storeActor(t, s.actor)
	if s.author != s.actor {
		e.storeActor(t, s.author)
	}
	if r.via != "" {
		e.followVia(t, r.via, body, s)
	}
	to := e.node.SharedInbox()
	if bytes.Contains(body, []byte(e.group)) {
		to = e.group + "/inbox" // Lemmy and Mbin deliver to the community's inbox
	}
	it := e.send(t, to, body, s)
	want := map[landing]string{landThread: "stored: ", landComment: "stored: ", landRemote: "stored: ", landFollower: "accepted: ", landIgnored: "ignored: " + r.why}[r.land]
	if !strings.HasPrefix(it.Outcome, want) {
		t.Fatalf("outcome %q, want %q…", it.Outcome, want)
	}
	switch r.land {
	case landThread:
		e.wantThread(t, r, s)
		e.wantText(t, r, s)
		e.wantPassedOn(t, s.id)
	case landComment:
		e.wantComment(t, r, s)
		e.wantText(t, r, s)
		e.wantPassedOn(t, s.id)
	case landRemote:
		e.wantRemote(t, r, s)
		e.wantText(t, r, s)
	case landFollower:
		e.wantFollower(t, s, inbox)
	case landIgnored:
		if o, err := e.node.DB.ObjectByIRI(context.Background(), s.object); content.KindOf(err) != content.KindNotFound {
			t.Errorf("ignored object stored: %+v, %v", o, err)
		}
	}
}

// send posts a payload signed for its actor and waits for its outcome.
func (e *forumEnv) send(t *testing.T, to string, body []byte, s sent) *content.InboxItem {
	t.Helper()
	signer := federation.Signer{KeyID: s.actor + "#main-key", Key: e.key}
	if got := fedtest.Post(t, to, body, signer.SignPost); got.Status != 202 {
		t.Fatalf("status %d %s, want 202", got.Status, got.Body)
	}
	return e.node.WaitProcessed(t, s.id, 10*time.Second)
}

// followVia has alice follow the Group that passes a payload on, once
// the Group's Announce, sent before she does, was ignored.
func (e *forumEnv) followVia(t *testing.T, group string, body []byte, s sent) {
	t.Helper()
	alice := e.node.Actor("alice")
	if _, err := e.node.DB.FollowBetween(context.Background(), alice, group); err == nil {
		return
	}
	early := s
	early.id += "-before-alice-follows"
	body = bytes.ReplaceAll(body, []byte(strconv.Quote(s.id)), []byte(strconv.Quote(early.id)))
	if it := e.send(t, e.node.SharedInbox(), body, early); !strings.HasPrefix(it.Outcome, "ignored: announce of Create by an actor no member follows") {
		t.Errorf("the Announce of a Group no one follows: outcome %q, want it ignored", it.Outcome)
	}
	if _, err := e.node.DB.ObjectByIRI(context.Background(), s.object); content.KindOf(err) != content.KindNotFound {
		t.Errorf("the Announce of a Group no one follows stored %s: %v", s.object, err)
	}
	e.putFollow(t, e.node.IRIs().Activity("alice-follows-"+strconv.Itoa(len(e.objects))), alice, group, content.FollowAccepted)
}

// payload is the row's fixture as sent to the forum: wrapped in a Create
// if it is an object, the community retargeted, placeholders filled in.
func (e *forumEnv) payload(t *testing.T, r forumRow, raw []byte) []byte {
	t.Helper()
	if r.wrap {
		raw = wrapInCreate(t, raw)
	}
	for _, c := range r.community {
		// Whole values only: PieFed's post ids start with the community's.
		c := strconv.Quote(c)
		if !bytes.Contains(raw, []byte(c)) {
			t.Fatalf("the payload does not name %s", c)
		}
		raw = bytes.ReplaceAll(raw, []byte(c), []byte(strconv.Quote(e.group)))
	}
	const placeholder = `"SCRUBBED_ID"`
	if n := bytes.Count(raw, []byte(placeholder)); n != len(r.scrubbed) {
		t.Fatalf("%d SCRUBBED_IDs, the row fills %d", n, len(r.scrubbed))
	}
	slug := strings.NewReplacer("/", "-", ".", "-").Replace(r.file)
	for i, tok := range r.scrubbed {
		id := map[string]string{"act": fmt.Sprintf("https://kbin.test/activities/%s-%d", slug, i), "obj": "https://kbin.test/objects/" + slug,
			"parent": e.objects[r.parent], "group": e.group}[tok]
		raw = bytes.Replace(raw, []byte(placeholder), []byte(strconv.Quote(id)), 1)
	}
	if r.replaces != "" {
		if !bytes.Contains(raw, []byte(r.replaces)) {
			t.Fatalf("the payload does not name %s", r.replaces)
		}
		raw = bytes.ReplaceAll(raw, []byte(r.replaces), []byte(e.objects[r.parent]))
	}
	return raw
}

// wrapInCreate sends an object as Lemmy sends a post: a Create by its
// author to the public, with the object's addressees in cc and its
// audience.
func wrapInCreate(t *testing.T, obj []byte) []byte {
	t.Helper()
	var o struct {
		ID           string          `json:"id"`
		AttributedTo json.RawMessage `json:"attributedTo"`
		To           json.RawMessage `json:"to"`
		CC           json.RawMessage `json:"cc"`
		Audience     json.RawMessage `json:"audience"`
	}
	if err := json.Unmarshal(obj, &o); err != nil {
		t.Fatal(err)
	}
	cc := slices.DeleteFunc(append(iris(o.To), iris(o.CC)...), func(s string) bool { return s == federation.Public })
	create := map[string]any{"@context": federation.ASContext, "id": o.ID + "#create", "type": "Create", "actor": soleID(o.AttributedTo),
		"to": []string{federation.Public}, "cc": cc, "object": json.RawMessage(obj)}
	if len(o.Audience) > 0 {
		create["audience"] = o.Audience
	}
	body, err := json.Marshal(create)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// iris reads an addressing field: one IRI or an array of them.
func iris(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	if s := idOf(raw); s != "" {
		return []string{s}
	}
	return nil
}

func readSent(t *testing.T, body []byte) sent {
	t.Helper()
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("payload: %v", err)
	}
	s := sent{id: p.ID, actor: soleID(p.Actor), object: idOf(p.Object), typ: typeOf(body)}
	s.author = s.actor
	if s.typ == "Announce" {
		var inner payload
		if err := json.Unmarshal(p.Object, &inner); err != nil {
			t.Fatalf("announced activity: %v", err)
		}
		s.object, s.author = idOf(inner.Object), soleID(inner.Actor)
	}
	return s
}

// wantThread checks that the object started a thread in the forum, with
// the row's title and its author.
func (e *forumEnv) wantThread(t *testing.T, r forumRow, s sent) {
	t.Helper()
	th, err := e.node.DB.ThreadByIRI(context.Background(), s.object)
	if err != nil {
		t.Fatalf("no thread %s: %v", s.object, err)
	}
	if th.ForumID != e.forum.ID || th.Title != r.title || th.Author != s.author || th.AuthorHandle == "" {
		t.Errorf("thread in forum %d titled %q by %s (%q); want in %d titled %q by %s", th.ForumID, th.Title, th.Author, th.AuthorHandle, e.forum.ID, r.title, s.author)
	}
}

// wantRemote checks that announced content is held as content of its
// community elsewhere (under its parent, for a comment), in no forum here.
func (e *forumEnv) wantRemote(t *testing.T, r forumRow, s sent) {
	t.Helper()
	if r.parent != "" {
		e.wantComment(t, r, s)
	}
	if o, _ := e.node.DB.ObjectByIRI(context.Background(), s.object); !strings.Contains(o.Raw, strconv.Quote(r.via)) {
		t.Errorf("the stored object does not name its community %s: %.300s", r.via, o.Raw)
	}
	if _, err := e.node.DB.ThreadOf(context.Background(), s.object); content.KindOf(err) != content.KindNotFound {
		t.Errorf("content of %s is in a thread here: %v", r.via, err)
	}
}

// wantFollower checks that the actor follows the Group, which sent the
// Accept to the actor's inbox.
func (e *forumEnv) wantFollower(t *testing.T, s sent, inbox string) {
	t.Helper()
	e.wantFollow(t, t.Errorf, s.actor, e.group, content.FollowAccepted)
	rec := e.remote.WaitFor(t, 10*time.Second, "the Group's Accept of "+s.id, func(rec fedtest.Received) bool {
		_, typ, obj := rec.Activity()
		return strings.HasSuffix(inbox, rec.Path) && typ == "Accept" && obj == s.id
	})
	if rec.Err != nil || rec.Signer != e.group {
		t.Errorf("the Accept is signed by %q (%v); want the Group", rec.Signer, rec.Err)
	}
}

// wantText checks the stored object: public, by its author, with the
// row's text.
func (e *forumEnv) wantText(t *testing.T, r forumRow, s sent) {
	t.Helper()
	o, err := e.node.DB.ObjectByIRI(context.Background(), s.object)
	if err != nil {
		t.Fatalf("object %s: %v", s.object, err)
	}
	if !o.Public || o.AttributedTo != s.author || !strings.Contains(o.Name+"\n"+o.Summary+"\n"+o.Content, r.text) {
		t.Errorf("object public %v by %s: name %q, summary %q, content %.200q; want public, by %s, holding %q",
			o.Public, o.AttributedTo, o.Name, o.Summary, o.Content, s.author, r.text)
	}
}

// wantComment checks that the object is a comment under its parent, at
// the row's depth, in the conversation the parent belongs to (a thread of
// the forum, for landComment).
func (e *forumEnv) wantComment(t *testing.T, r forumRow, s sent) {
	t.Helper()
	ctx := context.Background()
	parent := e.objects[r.parent]
	root := parent
	if p, err := e.node.DB.ObjectByIRI(ctx, parent); err == nil && p.Root != "" {
		root = p.Root
	}
	comments, err := e.node.DB.Comments(ctx, root, 0)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(comments, func(c content.Comment) bool { return c.IRI == s.object })
	if i < 0 {
		t.Fatalf("not among the comments of %s", root)
	}
	if c := comments[i]; c.InReplyTo != parent || c.Depth != r.depth {
		t.Errorf("in reply to %s at depth %d; want %s at depth %d", c.InReplyTo, c.Depth, parent, r.depth)
	}
	if th, err := e.node.DB.ThreadOf(ctx, s.object); r.land == landComment && (err != nil || th.ForumID != e.forum.ID) {
		t.Errorf("the comment's thread: %+v, %v; want one in the forum", th, err)
	}
}

// wantPassedOn waits for the Group to pass the activity on to the reader
// who follows the forum, signed as the Group.
func (e *forumEnv) wantPassedOn(t *testing.T, activity string) {
	t.Helper()
	rec := e.remote.WaitFor(t, 10*time.Second, "the Group's Announce of "+activity, func(rec fedtest.Received) bool {
		_, typ, obj := rec.Activity()
		return strings.HasSuffix(e.readerInbox, rec.Path) && typ == "Announce" && obj == activity
	})
	if rec.Err != nil || rec.Signer != e.group {
		t.Errorf("the Announce is signed by %q (%v); want the Group", rec.Signer, rec.Err)
	}
}
