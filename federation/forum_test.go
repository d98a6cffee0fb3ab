package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

func createForum(t *testing.T, db *storage.DB, name, title string) *content.Forum {
	t.Helper()
	f, err := content.NewForum(name, title, "", content.LanguageDutch)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := db.CreateForum(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// followForum has member m of node n follow a forum on node at and waits
// until the forum counts want followers.
func followForum(t *testing.T, n *fedtest.Node, m *content.Member, at *fedtest.Node, forum string, want int) {
	t.Helper()
	ctx := context.Background()
	if g, err := n.Follow(ctx, m, forum+"@"+at.Host); err != nil || g.Type != "Group" {
		t.Fatalf("%s follows %s: %+v, %v", m.Username, forum, g, err)
	}
	waitFor(t, "the follow of "+forum, 10*time.Second, func() bool {
		total, _, _ := at.DB.Followers(ctx, at.IRIs().Group(forum), 0, 10)
		return total == want
	})
}

// forumPair is node a with a forum "opendata" and its member alice, and
// node b whose member bob follows the forum.
type forumPair struct {
	a, b       *fedtest.Node
	alice, bob *content.Member
	forum      *content.Forum
}

func newForumPair(t *testing.T) *forumPair {
	t.Helper()
	x := &forumPair{a: fedtest.NewNode(t, fedtest.NodeOptions{}), b: fedtest.NewNode(t, fedtest.NodeOptions{})}
	x.alice = storagetest.Member(t, x.a.DB, "alice", content.RoleMember, "correct horse battery")
	x.bob = storagetest.Member(t, x.b.DB, "bob", content.RoleMember, "correct horse battery")
	x.forum = createForum(t, x.a.DB, "opendata", "Open data")
	followForum(t, x.b, x.bob, x.a, "opendata", 1)
	return x
}

// TestForumAcrossThreeNodes: members of b and c follow a forum on a; a
// member of a starts a thread; b and c get it through the forum's Group;
// b's member replies; the reply lands in the thread on a and reaches c
// through the Group.
func TestForumAcrossThreeNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	c := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	carol := storagetest.Member(t, c.DB, "carol", content.RoleMember, "correct horse battery")
	forum := createForum(t, a.DB, "opendata", "Open data")
	group := a.IRIs().Group("opendata")
	for _, f := range []struct {
		node *fedtest.Node
		m    *content.Member
	}{{b, bob}, {c, carol}} {
		g, err := f.node.Follow(ctx, f.m, "opendata@"+a.Host)
		if err != nil || g.Type != "Group" {
			t.Fatalf("%s follows the forum: %+v, %v", f.m.Username, g, err)
		}
	}
	waitFor(t, "both follows to be accepted", 10*time.Second, func() bool {
		total, _, _ := a.DB.Followers(ctx, group, 0, 10)
		return total == 2
	})

	thread, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Wie publiceert vergaderdata?", Body: "Graag voorbeelden. #opendata"})
	if err != nil {
		t.Fatalf("start thread: %v", err)
	}
	for _, n := range []*fedtest.Node{b, c} {
		waitFor(t, "the thread to reach "+n.Host, 10*time.Second, func() bool {
			o, err := n.DB.ObjectByIRI(ctx, thread.IRI)
			return err == nil && o.Type == "Page" && o.Name == "Wie publiceert vergaderdata?"
		})
	}
	var page struct {
		Audience string   `json:"audience"`
		To       []string `json:"to"`
	}
	o, _ := b.DB.ObjectByIRI(ctx, thread.IRI)
	json.Unmarshal([]byte(o.Raw), &page)
	if page.Audience != group || !strings.Contains(strings.Join(page.To, " "), group) {
		t.Errorf("the Page's audience %q and to %v do not name the forum", page.Audience, page.To)
	}

	reply, err := b.Reply(ctx, bob, thread.IRI, "Wij doen het al, zie onze site.")
	if err != nil {
		t.Fatalf("bob replies: %v", err)
	}
	waitFor(t, "the reply in the thread on a", 10*time.Second, func() bool {
		th, err := a.DB.ThreadByIRI(ctx, thread.IRI)
		return err == nil && th.ReplyCount == 1
	})
	waitFor(t, "the reply to reach c through the Group", 10*time.Second, func() bool {
		o, err := c.DB.ObjectByIRI(ctx, reply.IRI)
		return err == nil && o.InReplyTo == thread.IRI && strings.Contains(o.Content, "Wij doen het al")
	})
	if n, _ := a.DB.UnreadNotifications(ctx, alice.ID); n != 1 {
		t.Errorf("alice has %d notifications, want 1 (the reply)", n)
	}
}

// TestForumInboxRules: a Mastodon-shaped post that mentions the forum
// starts a thread; a reply to a locked thread and anything from a banned
// actor are refused at the inbox with the reason.
func TestForumInboxRules(t *testing.T) {
	ctx := context.Background()
	key := fedtest.Key(t, 0)
	remote := fedtest.NewRemote(t)
	remote.ServeAnyActor(key)
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	env := &corpusEnv{node: node, remote: remote, alice: alice, key: key}
	forum := createForum(t, node.DB, "opendata", "Open data")
	group := node.IRIs().Group("opendata")
	masto, mallory := "https://masto.example/users/erik", "https://evil.example/users/mallory"
	env.storeActor(t, masto)
	env.storeActor(t, mallory)
	post := func(actor string, doc map[string]any) fedtest.Answer {
		t.Helper()
		doc["@context"], doc["actor"] = federation.ASContext, actor
		body, _ := json.Marshal(doc)
		return fedtest.Post(t, node.SharedInbox(), body, federation.Signer{KeyID: actor + "#main-key", Key: key}.SignPost)
	}
	// Mastodon: a Note with no name, the forum mentioned and in cc.
	note := map[string]any{"id": "https://masto.example/users/erik/statuses/1", "type": "Note", "attributedTo": masto,
		"content": `<p><span class="h-card"><a href="` + group + `" class="u-url mention">@<span>opendata</span></a></span> Wie heeft ervaring met de Woo?</p><p>Ik zoek voorbeelden.</p>`,
		"to":      []string{federation.Public}, "cc": []string{group},
		"tag": []map[string]string{{"type": "Mention", "href": group, "name": "@opendata@" + node.Host}}}
	if ans := post(masto, map[string]any{"id": "https://masto.example/users/erik/statuses/1/activity", "type": "Create", "object": note,
		"to": []string{federation.Public}, "cc": []string{group}}); ans.Status != http.StatusAccepted {
		t.Fatalf("Mastodon post: %d %s", ans.Status, ans.Body)
	}
	node.WaitProcessed(t, "https://masto.example/users/erik/statuses/1/activity", 10*time.Second)
	th, err := node.DB.ThreadByIRI(ctx, "https://masto.example/users/erik/statuses/1")
	if err != nil {
		t.Fatalf("no thread started: %v", err)
	}
	if th.ForumID != forum.ID || th.Title != "Wie heeft ervaring met de Woo?" || th.Author != masto {
		t.Errorf("thread: %+v", th)
	}

	// Locked: a reply is refused, with the reason.
	yes := true
	if err := node.DB.ChangeThread(ctx, th.IRI, storage.ThreadChange{Locked: &yes, Log: content.ModEntry{ForumID: forum.ID,
		Moderator: node.Actor("alice"), Action: content.ModLock, Target: th.IRI}}); err != nil {
		t.Fatal(err)
	}
	reply := map[string]any{"id": "https://masto.example/users/erik/statuses/2", "type": "Note", "attributedTo": masto,
		"inReplyTo": th.IRI, "content": "<p>Nog iets</p>", "to": []string{federation.Public}}
	ans := post(masto, map[string]any{"id": "https://masto.example/users/erik/statuses/2/activity", "type": "Create", "object": reply})
	if ans.Status != http.StatusForbidden || !strings.Contains(ans.Error, "locked") {
		t.Errorf("reply to a locked thread: %d %q", ans.Status, ans.Error)
	}
	// Banned: refused, whatever it is.
	if err := node.DB.BanFromForum(ctx, forum.ID, mallory, "spam", node.Actor("alice")); err != nil {
		t.Fatal(err)
	}
	spam := map[string]any{"id": "https://evil.example/notes/1", "type": "Note", "attributedTo": mallory,
		"content": "<p>Koop nu</p>", "to": []string{group, federation.Public}, "audience": group}
	ans = post(mallory, map[string]any{"id": "https://evil.example/activities/1", "type": "Create", "object": spam, "to": []string{group}})
	if ans.Status != http.StatusForbidden || !strings.Contains(ans.Error, "banned") {
		t.Errorf("banned actor's post: %d %q", ans.Status, ans.Error)
	}
	ans = post(mallory, map[string]any{"id": "https://evil.example/activities/2", "type": "Follow", "object": group})
	if ans.Status != http.StatusForbidden {
		t.Errorf("banned actor's follow: %d %q", ans.Status, ans.Error)
	}
	if n, _ := node.DB.CountThreads(ctx, forum.ID); n != 1 {
		t.Errorf("%d threads, want 1", n)
	}
}

// TestForumModeration: a moderator locks a thread (replies are refused
// from then on), deletes a reply (its copies elsewhere go too), bans an
// actor and marks an answer; a member who moderates nothing may not.
func TestForumModeration(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	forum := createForum(t, a.DB, "opendata", "Open data")
	if err := a.DB.SetModerator(ctx, forum.ID, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	followForum(t, b, bob, a, "opendata", 1)
	thread, err := a.StartThread(ctx, dave, forum, federation.ThreadInput{Title: "Vraag", Body: "Hoe doen jullie dat?"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the thread on b", 10*time.Second, func() bool { _, err := b.DB.ObjectByIRI(ctx, thread.IRI); return err == nil })
	reply, err := b.Reply(ctx, bob, thread.IRI, "Zo!")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply on a", 10*time.Second, func() bool { th, _ := a.DB.ThreadByIRI(ctx, thread.IRI); return th.ReplyCount == 1 })

	th, _ := a.DB.ThreadByIRI(ctx, thread.IRI)
	if err := a.ModerateThread(ctx, dave, th, content.ModLock, ""); content.KindOf(err) != content.KindForbidden {
		t.Fatalf("a member who moderates nothing locked a thread: %v", err)
	}
	if err := a.MarkAnswer(ctx, dave, th, reply.IRI); err != nil {
		t.Fatalf("the author marks the answer: %v", err)
	}
	if err := a.ModerateThread(ctx, alice, th, content.ModLock, "beantwoord"); err != nil {
		t.Fatal(err)
	}
	th, _ = a.DB.ThreadByIRI(ctx, thread.IRI)
	if !th.Locked || th.AnswerIRI != reply.IRI {
		t.Fatalf("thread after lock and answer: %+v", th)
	}
	if _, err := a.Reply(ctx, dave, thread.IRI, "nog één"); content.KindOf(err) != content.KindForbidden {
		t.Errorf("a reply to a locked thread from the web: %v", err)
	}
	// The moderator deletes bob's reply; b, following the forum, deletes
	// its copy on the Group's word.
	if err := a.DeleteInForum(ctx, alice, reply.IRI, "off-topic"); err != nil {
		t.Fatal(err)
	}
	if o, _ := a.DB.ObjectByIRI(ctx, reply.IRI); !o.Deleted {
		t.Error("the reply is not deleted on a")
	}
	waitFor(t, "a's deliveries to b and b's processing of them", 10*time.Second, func() bool {
		st, _ := a.DB.DeliveryStats(ctx)
		in, _ := b.DB.CountInbox(ctx)
		return st.Pending == 0 && in.Received == in.Processed
	})
	if o, _ := b.DB.ObjectByIRI(ctx, reply.IRI); o.Deleted {
		t.Error("a remote moderator deleted bob's own note on his own server")
	}
	if err := a.Ban(ctx, alice, forum, b.Actor("bob"), "spam", true); err != nil {
		t.Fatal(err)
	}
	if banned, _ := a.DB.IsBanned(ctx, forum.ID, b.Actor("bob")); !banned {
		t.Error("bob is not banned")
	}
	log, _ := a.DB.ModLog(ctx, forum.ID, 10)
	var actions []string
	for _, e := range log {
		actions = append(actions, string(e.Action))
	}
	if got := strings.Join(actions, ","); got != "ban,delete,lock,mark_answer" {
		t.Errorf("moderation log: %s", got)
	}
	// The Group announced the moderation: the lock, the delete and the ban
	// are queued for bob's server.
	st, _ := a.DB.DeliveryStats(ctx)
	if st.Pending+st.Done < 3 {
		t.Errorf("deliveries: %+v", st)
	}
}

// TestGroupCollections: the forum's Group lists its moderators, its pinned
// threads and its announces.
func TestGroupCollections(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	forum := createForum(t, a.DB, "opendata", "Open data")
	a.DB.SetModerator(ctx, forum.ID, alice.ID, true)
	followForum(t, b, bob, a, "opendata", 1)
	th, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Vastgezet", Body: "Lees dit eerst."})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ModerateThread(ctx, alice, th, content.ModPin, ""); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (total int, items []string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, a.IRIs().Group("opendata")+path+"?page=1", nil)
		req.Header.Set("Accept", "application/activity+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var doc struct {
			Total int               `json:"totalItems"`
			Items []json.RawMessage `json:"orderedItems"`
		}
		json.NewDecoder(res.Body).Decode(&doc)
		for _, it := range doc.Items {
			var s string
			if json.Unmarshal(it, &s) != nil {
				var o struct {
					Type string `json:"type"`
				}
				json.Unmarshal(it, &o)
				s = o.Type
			}
			items = append(items, s)
		}
		return doc.Total, items
	}
	if total, items := get("/moderators"); total != 1 || items[0] != a.Actor("alice") {
		t.Errorf("moderators: %d %v", total, items)
	}
	if total, items := get("/featured"); total != 1 || items[0] != th.IRI {
		t.Errorf("featured: %d %v", total, items)
	}
	if total, items := get("/outbox"); total < 3 || items[0] != "Announce" {
		t.Errorf("outbox: %d %v (want the Announces of the thread and of the pin)", total, items)
	}
}

// TestForumUpdateReachesFollowers: a changed forum title goes to the
// followers' servers as Update{Group}, which they apply.
func TestForumUpdateReachesFollowers(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	forum := createForum(t, a.DB, "opendata", "Open data")
	followForum(t, b, bob, a, "opendata", 1)
	group := a.IRIs().Group("opendata")
	forum.Title = "Open data en de Woo"
	if err := a.UpdateForum(ctx, forum); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to apply the Update", 10*time.Second, func() bool {
		g, err := b.DB.RemoteActor(ctx, group)
		return err == nil && g.Name == "Open data en de Woo" && g.PublicKeyPEM != ""
	})
}

// TestSetModeratorIsLoggedAndSent: making a moderator is logged and sent
// to the forum's followers as Add to the moderators collection.
func TestSetModeratorIsLoggedAndSent(t *testing.T) {
	ctx := context.Background()
	x := newForumPair(t)
	a, b, alice, forum := x.a, x.b, x.alice, x.forum
	if err := a.SetModerator(ctx, a.IRIs().InstanceActor(), forum, alice, true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.DB.IsModerator(ctx, forum.ID, alice.ID); !ok {
		t.Fatal("alice is no moderator")
	}
	log, _ := a.DB.ModLog(ctx, forum.ID, 5)
	if len(log) != 1 || log[0].Action != content.ModAddMod || log[0].Target != a.Actor("alice") {
		t.Errorf("moderation log: %+v", log)
	}
	waitFor(t, "b to receive the Add", 10*time.Second, func() bool {
		in, _ := b.DB.CountInbox(ctx)
		return in.Received >= 2 && in.Received == in.Processed // the Accept of the follow, and the Add
	})
}

// TestEditInForum: authors edit their question (title too) and replies;
// the followers' servers get the new version through the Group; nobody
// else may edit them.
func TestEditInForum(t *testing.T) {
	ctx := context.Background()
	x := newForumPair(t)
	a, b, alice, forum := x.a, x.b, x.alice, x.forum
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	th, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Eerste titel", Body: "Eerste tekst."})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := a.Reply(ctx, alice, th.IRI, "Aanvulling.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EditInForum(ctx, dave, th.IRI, "Gekaapt", "Niet van mij."); content.KindOf(err) != content.KindForbidden {
		t.Fatalf("another member edited the question: %v", err)
	}
	if _, err := a.EditInForum(ctx, alice, th.IRI, "Betere titel", "Betere tekst."); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EditInForum(ctx, alice, reply.IRI, "genegeerd", "Aanvulling, verbeterd."); err != nil {
		t.Fatal(err)
	}
	got, _ := a.DB.ThreadByIRI(ctx, th.IRI)
	if got.Title != "Betere titel" {
		t.Errorf("thread title on a: %q", got.Title)
	}
	if o, _ := a.DB.ObjectByIRI(ctx, reply.IRI); o.Name != "" || !strings.Contains(o.Content, "verbeterd") {
		t.Errorf("reply on a: name %q, %q", o.Name, o.Content)
	}
	waitFor(t, "b to have both edits", 10*time.Second, func() bool {
		q, err1 := b.DB.ObjectByIRI(ctx, th.IRI)
		r, err2 := b.DB.ObjectByIRI(ctx, reply.IRI)
		return err1 == nil && err2 == nil && q.Name == "Betere titel" && strings.Contains(q.Content, "Betere tekst") &&
			strings.Contains(r.Content, "verbeterd")
	})
}
