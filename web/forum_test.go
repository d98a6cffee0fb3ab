package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"kring/content"
	"kring/federation"
	"kring/storage/storagetest"
)

// forumFixture is a federated node with an admin, a moderator and two
// members, each with a logged-in browser.
type forumFixture struct {
	n                *testNode
	fed              *federation.Node
	admin, mod       *browser
	alice, bob       *browser
	aliceM, bobM     *content.Member
	modM             *content.Member
	anonymous        *browser
	aliceIRI, bobIRI string
}

func newForumFixture(t *testing.T) *forumFixture {
	t.Helper()
	n, fed := newFederatedNode(t)
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	x := &forumFixture{n: n, fed: fed, modM: n.member("mo", "Mo Derator"),
		aliceM: n.member("alice", "Alice de Vries"), bobM: n.member("bob", "Bob Jansen"), anonymous: n.browser()}
	x.admin, x.mod, x.alice, x.bob = n.browser(), n.browser(), n.browser(), n.browser()
	x.admin.login("beheer", testPassword)
	x.mod.login("mo", testPassword)
	x.alice.login("alice", testPassword)
	x.bob.login("bob", testPassword)
	x.aliceIRI, x.bobIRI = fed.IRIs().Actor("alice"), fed.IRIs().Actor("bob")
	return x
}

// createForum makes a forum through the admin page.
func (x *forumFixture) createForum(t *testing.T, name, title string) *content.Forum {
	t.Helper()
	res := x.admin.post("/admin/forums", url.Values{"csrf": {x.admin.csrf("/admin/forums")}, "action": {"create"},
		"name": {name}, "title": {title}, "description": {"Vragen over " + title}, "language": {"nl"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/forums?done=created") {
		t.Fatalf("create forum %s: %d %s\n%s", name, res.StatusCode, res.Header.Get("Location"), res.body)
	}
	f, err := x.n.db.ForumByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ask starts a thread through the form and returns its page.
func ask(t *testing.T, b *browser, forum, title, body string) string {
	t.Helper()
	res := b.post("/f/"+forum+"/new", url.Values{"csrf": {b.csrf("/f/" + forum + "/new")}, "title": {title}, "body": {body}, "tags": {"koffie"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask %q: %d\n%s", title, res.StatusCode, res.body)
	}
	return res.Header.Get("Location")
}

// act presses a button of a thread page.
func act(t *testing.T, b *browser, path, action string, form url.Values) result {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(path))
	return b.post(path+"/"+action, form)
}

func wantStatus(t *testing.T, what string, res result, status int, texts ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, status, res.body)
	}
	for _, s := range texts {
		if !strings.Contains(res.body, s) {
			t.Errorf("%s: the page lacks %q", what, s)
		}
	}
}

// comments reads a thread's replies from storage.
func (x *forumFixture) comments(t *testing.T, threadIRI string) []content.Comment {
	t.Helper()
	cs, err := x.n.db.Comments(context.Background(), threadIRI, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (x *forumFixture) threadAtPath(t *testing.T, path string) *content.Thread {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "%d", &id); err != nil {
		t.Fatalf("no thread id in %q", path)
	}
	t2, err := x.n.db.ThreadByID(context.Background(), id)
	if err != nil {
		t.Fatalf("thread %s: %v", path, err)
	}
	return t2
}

func TestForumAdmin(t *testing.T) {
	x := newForumFixture(t)
	wantStatus(t, "admin page", x.admin.get("/admin/forums"), http.StatusOK, "Forums beheren", "Er is nog niets gemodereerd.")
	if res := x.alice.get("/admin/forums"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member's admin page: %d, want 403", res.StatusCode)
	}
	if res := x.anonymous.get("/admin/forums"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous admin page: %d, want a redirect to login", res.StatusCode)
	}
	f := x.createForum(t, "koffie", "Koffie en data")
	if f.PublicKeyPEM == "" || f.PrivateKeyPEM == "" {
		t.Error("the forum has no key pair")
	}
	form := func(fields ...string) url.Values {
		v := url.Values{"csrf": {x.admin.csrf("/admin/forums")}}
		for i := 0; i < len(fields); i += 2 {
			v.Set(fields[i], fields[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"bad name", form("action", "create", "name", "Koffie!", "title", "x", "language", "nl"), 422, `id="name-error"`},
		{"taken name", form("action", "create", "name", "alice", "title", "x", "language", "nl"), 422, "al in gebruik"},
		{"two-line title", form("action", "create", "name", "thee", "title", "a\nb", "language", "nl"), 422, `id="title-error"`},
		{"unknown moderator", form("action", "add_moderator", "forum", "koffie", "username", "niemand"), 422, "Er is geen lid met de gebruikersnaam niemand."},
		{"add moderator", form("action", "add_moderator", "forum", "koffie", "username", "mo"), 303, ""},
		{"edit", form("action", "update", "name", "koffie", "title", "Koffie & data", "description", "Nieuw", "language", "en", "members_only", "on"), 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := x.admin.post("/admin/forums", tt.form)
			wantStatus(t, tt.name, res, tt.status, tt.want)
		})
	}
	f, _ = x.n.db.ForumByName(context.Background(), "koffie")
	if f.Title != "Koffie & data" || f.Language != content.LanguageEnglish || !f.MembersOnlyThreads {
		t.Errorf("after editing: %+v", f)
	}
	page := x.admin.get("/admin/forums?edit=koffie")
	wantStatus(t, "edit form", page, http.StatusOK, `value="Koffie &amp; data"`, "readonly", "@mo")
	if mods, _ := x.n.db.Moderators(context.Background(), f.ID); len(mods) != 1 || mods[0] != "mo" {
		t.Errorf("moderators: %v", mods)
	}
	res := x.admin.post("/admin/forums", form("action", "remove_moderator", "forum", "koffie", "username", "mo"))
	wantStatus(t, "remove moderator", res, http.StatusSeeOther)
	if mods, _ := x.n.db.Moderators(context.Background(), f.ID); len(mods) != 0 {
		t.Errorf("moderators after removing: %v", mods)
	}
}

// TestForumFlow: a member asks, others reply (nested), the asker marks the
// answer, a moderator locks, pins, deletes, bans and moves; the pages and
// the permissions follow.
func TestForumFlow(t *testing.T) {
	x := newForumFixture(t)
	ctx := context.Background()
	f := x.createForum(t, "koffie", "Koffie en data")
	x.createForum(t, "archief", "Archief")
	x.admin.post("/admin/forums", url.Values{"csrf": {x.admin.csrf("/admin/forums")}, "action": {"add_moderator"},
		"forum": {"koffie"}, "username": {"mo"}})
	x.admin.post("/admin/forums", url.Values{"csrf": {x.admin.csrf("/admin/forums")}, "action": {"add_moderator"},
		"forum": {"archief"}, "username": {"mo"}})

	host := x.fed.IRIs().Host()
	wantStatus(t, "forums", x.anonymous.get("/f"), http.StatusOK, `href="/f/koffie"`, "Koffie en data", "@koffie@"+host, "0 vragen")
	wantStatus(t, "unknown forum", x.anonymous.get("/f/thee"), http.StatusNotFound, "Dit forum bestaat niet.")
	forum := x.anonymous.get("/f/koffie")
	wantStatus(t, "empty forum", forum, http.StatusOK, "Er zijn nog geen vragen", `href="/f/koffie/feed.rss"`, `href="/login?next=%2Ff%2Fkoffie%2Fnew"`)
	if strings.Contains(forum.body, `href="/f/koffie/new"`) {
		t.Error("an anonymous visitor is offered the new-question link")
	}

	// Asking: errors at the field, then the thread.
	res := x.alice.post("/f/koffie/new", url.Values{"csrf": {x.alice.csrf("/f/koffie/new")}, "body": {"Zonder titel"}})
	wantStatus(t, "no title", res, http.StatusUnprocessableEntity, `id="title-error"`, "Vul uw vraag in.", `aria-invalid="true"`, "Zonder titel")
	if res := x.anonymous.get("/f/koffie/new"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous new-question page: %d, want a redirect to login", res.StatusCode)
	}
	path := ask(t, x.alice, "koffie", "Hoe delen we open data?", "Wie heeft **ervaring** met CKAN?")
	thread := x.threadAtPath(t, path)
	if path != fmt.Sprintf("/f/koffie/%d", thread.ID) {
		t.Fatalf("the thread is at %q", path)
	}
	wantStatus(t, "thread", x.anonymous.get(path), http.StatusOK, "<h1 lang=\"nl\">Hoe delen we open data?</h1>",
		"<strong>ervaring</strong>", "Alice de Vries", "Reacties (0)", `href="/login?next=`+url.QueryEscape(path)+`"`)

	// Replies, one nested under another.
	wantStatus(t, "reply", act(t, x.bob, path, "reply", url.Values{"text": {"Wij gebruiken CKAN al jaren."}}), http.StatusSeeOther)
	bobReply := x.comments(t, thread.IRI)[0]
	wantStatus(t, "nested reply", act(t, x.alice, path, "reply", url.Values{"text": {"Hoe bevalt het?"}, "in_reply_to": {bobReply.IRI}}), http.StatusSeeOther)
	if res := act(t, x.alice, path, "reply", url.Values{"text": {"x"}, "in_reply_to": {"https://elders.test/x"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a reply to something outside the thread: %d, want 404", res.StatusCode)
	}
	cs := x.comments(t, thread.IRI)
	if len(cs) != 2 || cs[1].Depth != 2 {
		t.Fatalf("replies: %+v", cs)
	}
	page := x.anonymous.get(path)
	wantStatus(t, "thread with replies", page, http.StatusOK, "Reacties (2)", "Wij gebruiken CKAN al jaren.", "Hoe bevalt het?")
	if !regexp.MustCompile(`(?s)id="c` + fmt.Sprint(bobReply.ID) + `".*?<ol class="reply-list">\s*<li class="reply" id="c` + fmt.Sprint(cs[1].ID) + `"`).MatchString(page.body) {
		t.Error("the nested reply is not in a list inside its parent's item")
	}

	// Answered filter.
	if res := x.anonymous.get("/f/koffie?answered=yes"); strings.Contains(res.body, "Hoe delen we open data?") {
		t.Error("an unanswered question is listed as answered")
	}
	wantStatus(t, "unanswered filter", x.anonymous.get("/f/koffie?answered=no"), http.StatusOK, "Hoe delen we open data?",
		`<a href="/f/koffie?answered=no" aria-current="page">`)

	// Only the asker (or a moderator) marks the answer; it shows under the question.
	if res := act(t, x.bob, path, "answer", url.Values{"reply": {bobReply.IRI}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob marks his own reply as the answer: %d, want 403", res.StatusCode)
	}
	wantStatus(t, "mark answer", act(t, x.alice, path, "answer", url.Values{"reply": {bobReply.IRI}}), http.StatusSeeOther)
	page = x.anonymous.get(path)
	answer := strings.Index(page.body, `id="answer"`)
	if answer < 0 || answer > strings.Index(page.body, `id="replies"`) ||
		!strings.Contains(page.body[answer:strings.Index(page.body, `id="replies"`)], "Wij gebruiken CKAN al jaren.") ||
		!strings.Contains(page.body, fmt.Sprintf(`href="#c%d"`, bobReply.ID)) {
		t.Errorf("the answer is not shown under the question with a link to it")
	}
	wantStatus(t, "answered filter", x.anonymous.get("/f/koffie?answered=yes"), http.StatusOK, "Hoe delen we open data?", "Beantwoord")

	// Permissions: members are not moderators; anonymous visitors post nothing.
	wantStatus(t, "bob locks", act(t, x.bob, path, "lock", nil), http.StatusForbidden, "Alleen de moderatoren van dit forum kunnen dat doen.")
	wantStatus(t, "anonymous reply", act(t, x.anonymous, path, "reply", url.Values{"text": {"Hallo"}}), http.StatusUnauthorized)
	if strings.Contains(x.alice.get(path).body, `id="moderation-heading"`) {
		t.Error("a member sees the moderation buttons")
	}
	wantStatus(t, "moderator's view", x.mod.get(path), http.StatusOK, `id="moderation-heading"`, "Vraag sluiten", "Auteur uitsluiten")

	// Lock: no reply form, replies refused.
	wantStatus(t, "lock", act(t, x.mod, path, "lock", url.Values{"reason": {"Klaar"}}), http.StatusSeeOther)
	page = x.bob.get(path)
	wantStatus(t, "locked thread", page, http.StatusOK, "Gesloten", "Deze vraag is gesloten")
	if strings.Contains(page.body, `id="reply-text"`) || strings.Contains(page.body, `name="in_reply_to"`) {
		t.Error("a locked thread still offers reply forms")
	}
	wantStatus(t, "reply to a locked thread", act(t, x.bob, path, "reply", url.Values{"text": {"Toch nog iets"}}), http.StatusForbidden, "gesloten")
	wantStatus(t, "unlock", act(t, x.mod, path, "unlock", nil), http.StatusSeeOther)

	// Pin an older thread: it is listed first.
	older, err := x.fed.StartThread(ctx, x.bobM, f, federation.ThreadInput{Title: "Huisregels", Body: "Lees dit eerst."})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "reply to bump", act(t, x.alice, path, "reply", url.Values{"text": {"Nog een vraag"}}), http.StatusSeeOther)
	olderPath := threadPath(older)
	wantStatus(t, "pin", act(t, x.mod, olderPath, "pin", nil), http.StatusSeeOther)
	list := x.anonymous.get("/f/koffie")
	if i, j := strings.Index(list.body, "Huisregels"), strings.Index(list.body, "Hoe delen we open data?"); i < 0 || j < 0 || i > j ||
		strings.Count(list.body, "Huisregels") != 1 || !strings.Contains(list.body, "Vastgezet") {
		t.Errorf("the pinned thread is not listed first, once, marked Vastgezet")
	}

	// Delete a reply.
	nested := x.comments(t, thread.IRI)[1]
	wantStatus(t, "bob deletes alice's reply", act(t, x.bob, path, "delete-reply", url.Values{"object": {nested.IRI}}), http.StatusForbidden)
	wantStatus(t, "delete reply", act(t, x.mod, path, "delete-reply", url.Values{"object": {nested.IRI}, "reason": {"Dubbel"}}), http.StatusSeeOther)
	wantStatus(t, "thread after deleting", x.anonymous.get(path), http.StatusOK, "Deze reactie is verwijderd.")

	// Ban bob: he gets the reason.
	wantStatus(t, "ban", act(t, x.mod, path, "ban", url.Values{"actor": {x.bobIRI}, "reason": {"Herhaaldelijk reclame"}}), http.StatusSeeOther)
	wantStatus(t, "banned member's form", x.bob.get("/f/koffie/new"), http.StatusOK, "U bent uitgesloten", "Herhaaldelijk reclame")
	res = x.bob.post("/f/koffie/new", url.Values{"csrf": {x.bob.csrf("/f/koffie")}, "title": {"Koop nu"}, "body": {"Aanbieding"}})
	wantStatus(t, "banned member asks", res, http.StatusForbidden, "U bent uitgesloten van dit forum.", "Herhaaldelijk reclame")

	// Move: the old address follows the thread.
	wantStatus(t, "move", act(t, x.mod, path, "move", url.Values{"to": {"archief"}}), http.StatusSeeOther)
	res = x.anonymous.get(path)
	moved := strings.Replace(path, "/f/koffie/", "/f/archief/", 1)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != moved {
		t.Errorf("old address of a moved thread: %d to %q, want 301 to %q", res.StatusCode, res.Header.Get("Location"), moved)
	}
	wantStatus(t, "moved thread", x.anonymous.get(moved), http.StatusOK, "Hoe delen we open data?")

	// Delete the thread: 410.
	wantStatus(t, "delete thread", act(t, x.mod, moved, "delete", url.Values{"reason": {"Opgeruimd"}}), http.StatusSeeOther)
	wantStatus(t, "deleted thread", x.anonymous.get(moved), http.StatusGone, "Deze vraag is verwijderd.")

	// The moderation log shows it all.
	log := x.admin.get("/admin/forums")
	for _, want := range []string{"gesloten", "vastgezet", "uitgesloten", "Herhaaldelijk reclame", "verplaatst", "verwijderd", "Opgeruimd", "@mo"} {
		if !strings.Contains(log.body, want) {
			t.Errorf("the moderation log lacks %q", want)
		}
	}
}

func TestForumWatch(t *testing.T) {
	x := newForumFixture(t)
	x.createForum(t, "koffie", "Koffie")
	path := ask(t, x.alice, "koffie", "Vraag", "Tekst")
	wantStatus(t, "watch", act(t, x.bob, path, "watch", nil), http.StatusSeeOther)
	wantStatus(t, "watching", x.bob.get(path), http.StatusOK, "Niet meer volgen")
	wantStatus(t, "reply", act(t, x.alice, path, "reply", url.Values{"text": {"Aanvulling"}}), http.StatusSeeOther)
	if n, _ := x.n.db.UnreadNotifications(context.Background(), x.bobM.ID); n != 1 {
		t.Errorf("bob watches the thread and has %d notifications, want 1", n)
	}
	wantStatus(t, "unwatch", act(t, x.bob, path, "unwatch", nil), http.StatusSeeOther)
	wantStatus(t, "not watching", x.bob.get(path), http.StatusOK, ">Volgen<")
	wantStatus(t, "unknown action", act(t, x.bob, path, "explode", nil), http.StatusNotFound)
	wantStatus(t, "unknown thread", x.bob.get("/f/koffie/999999"), http.StatusNotFound, "Deze vraag bestaat niet")
}

// TestForumPaging: 35 threads make two pages, keyset paged, each thread
// on exactly one of them.
func TestForumPaging(t *testing.T) {
	x := newForumFixture(t)
	f := x.createForum(t, "koffie", "Koffie")
	ctx := context.Background()
	for i := range 35 {
		if _, err := x.fed.StartThread(ctx, x.aliceM, f, federation.ThreadInput{Title: fmt.Sprintf("Vraag nummer %02d", i), Body: "Tekst"}); err != nil {
			t.Fatal(err)
		}
	}
	titleRE := regexp.MustCompile(`Vraag nummer (\d\d)`)
	first := x.anonymous.get("/f/koffie")
	wantStatus(t, "first page", first, http.StatusOK, "Oudere")
	seen := map[string]int{}
	for _, m := range titleRE.FindAllStringSubmatch(first.body, -1) {
		seen[m[1]]++
	}
	if len(seen) != threadsPerPage {
		t.Fatalf("the first page lists %d threads, want %d", len(seen), threadsPerPage)
	}
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first.body)
	if older == nil || !strings.Contains(older[1], "before=") || !strings.Contains(older[1], "id=") {
		t.Fatalf("no Oudere link with before= and id=: %v", older)
	}
	second := x.anonymous.get(strings.ReplaceAll(older[1], "&amp;", "&"))
	wantStatus(t, "second page", second, http.StatusOK, "Nieuwste")
	if strings.Contains(second.body, `rel="next"`) {
		t.Error("the last page links to an older one")
	}
	for _, m := range titleRE.FindAllStringSubmatch(second.body, -1) {
		seen[m[1]]++
	}
	if len(seen) != 35 {
		t.Errorf("the two pages list %d distinct threads, want 35", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("thread %s listed %d times", k, n)
		}
	}
	if newest := x.anonymous.get("/f/koffie").body; !strings.Contains(newest, "Vraag nummer 34") {
		t.Error("the newest thread is not on the first page")
	}
}

func TestForumFeeds(t *testing.T) {
	x := newForumFixture(t)
	x.createForum(t, "koffie", "Koffie en data")
	ask(t, x.alice, "koffie", "Eerste vraag", "Wat is **open** data?")
	ask(t, x.alice, "koffie", "Tweede vraag", "En gesloten data?")
	page := x.anonymous.get("/f/koffie")
	wantStatus(t, "forum page", page, http.StatusOK, `title="RSS-feed koffie" href="/f/koffie/feed.rss"`)
	for _, feed := range []string{"/f/koffie/feed.rss", "/f/koffie/feed.atom"} {
		res := x.anonymous.get(feed)
		parsed, err := gofeed.NewParser().ParseString(res.body)
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", feed, err, res.body)
		}
		if len(parsed.Items) != 2 || parsed.Title != "Koffie en data" || !strings.Contains(parsed.Items[1].Content+parsed.Items[1].Description, "<strong>open</strong>") ||
			!strings.Contains(parsed.Items[0].Link, "/f/koffie/") {
			t.Errorf("%s: %q with %d items %+v", feed, parsed.Title, len(parsed.Items), parsed.Items)
		}
	}
	if res := x.anonymous.get("/f/thee/feed.rss"); res.StatusCode != http.StatusNotFound {
		t.Errorf("feed of an unknown forum: %d", res.StatusCode)
	}
}

// TestForumPagesHaveNoMissingKeys renders the forum pages in English,
// where a key missing from the catalogue shows as [[key]].
func TestForumPagesHaveNoMissingKeys(t *testing.T) {
	x := newForumFixture(t)
	x.createForum(t, "koffie", "Koffie")
	path := ask(t, x.alice, "koffie", "Vraag", "Tekst")
	act(t, x.bob, path, "reply", url.Values{"text": {"Antwoord"}})
	act(t, x.admin, path, "lock", nil)
	for _, b := range []*browser{x.admin, x.anonymous} {
		b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"en"}})
		for _, p := range []string{"/f", "/f/koffie", "/f/koffie?answered=yes", path, "/f/koffie/new", "/admin/forums", "/f/nope", path + "9"} {
			res := b.get(p)
			if res.StatusCode == http.StatusSeeOther {
				continue // to the login page
			}
			if i := strings.Index(res.body, "[["); i >= 0 {
				t.Errorf("%s: missing translation near %q", p, res.body[i:min(len(res.body), i+60)])
			}
			if htmlLang(res.body) != "en" {
				t.Errorf("%s: not in English", p)
			}
		}
	}
}

// TestFollowForum: a member follows a forum from its page and is told of
// each new question in it; after unfollowing, no more.
func TestFollowForum(t *testing.T) {
	x := newForumFixture(t)
	ctx := context.Background()
	f := []content.Forum{*x.createForum(t, "opendata", "Open data")}
	path := "/f/" + f[0].Name
	if res := x.bob.post(path+"/follow", url.Values{"csrf": {x.bob.csrf(path)}, "follow": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", res.StatusCode)
	}
	if res := x.bob.get(path); !strings.Contains(res.body, `value="off"`) {
		t.Error("the forum page does not offer to unfollow")
	}
	bob, alice := x.bobM, x.aliceM
	before, _ := x.n.db.UnreadNotifications(ctx, bob.ID)
	if _, err := x.fed.StartThread(ctx, alice, &f[0], federation.ThreadInput{Title: "Nieuw", Body: "Een vraag."}); err != nil {
		t.Fatal(err)
	}
	if after, _ := x.n.db.UnreadNotifications(ctx, bob.ID); after != before+1 {
		t.Errorf("bob's notifications went from %d to %d, want one more", before, after)
	}
	if res := x.bob.get("/notifications"); !strings.Contains(res.body, "een nieuwe vraag in een forum dat u volgt") {
		t.Error("the notification does not say what it is")
	}
	x.bob.post(path+"/follow", url.Values{"csrf": {x.bob.csrf(path)}, "follow": {"off"}})
	if _, err := x.fed.StartThread(ctx, alice, &f[0], federation.ThreadInput{Title: "Nog een", Body: "Vraag twee."}); err != nil {
		t.Fatal(err)
	}
	if after, _ := x.n.db.UnreadNotifications(ctx, bob.ID); after != before+1 {
		t.Errorf("after unfollowing bob still got a notification (%d)", after)
	}
}

// TestEditOwnForumPosts: the author finds edit forms for their question
// and reply, and saving changes them; another member cannot.
func TestEditOwnForumPosts(t *testing.T) {
	x := newForumFixture(t)
	ctx := context.Background()
	f := x.createForum(t, "opendata", "Open data")
	th, err := x.fed.StartThread(ctx, x.aliceM, f, federation.ThreadInput{Title: "Eerste titel", Body: "Eerste **tekst**."})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := x.fed.Reply(ctx, x.aliceM, th.IRI, "Mijn aanvulling.")
	if err != nil {
		t.Fatal(err)
	}
	path := threadPath(th)
	page := x.alice.get(path)
	for _, want := range []string{`id="edit-question"`, "Eerste **tekst**.", "Mijn aanvulling.</textarea>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("alice's thread page lacks %q", want)
		}
	}
	if strings.Contains(x.bob.get(path).body, `id="edit-question"`) {
		t.Error("bob is offered to edit alice's question")
	}
	res := x.alice.post(path+"/edit", url.Values{"csrf": {x.alice.csrf(path)}, "title": {"Betere titel"}, "text": {"Betere tekst."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit question: %d\n%s", res.StatusCode, res.body)
	}
	res = x.alice.post(path+"/edit", url.Values{"csrf": {x.alice.csrf(path)}, "object": {reply.IRI}, "text": {"Verbeterde aanvulling."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit reply: %d\n%s", res.StatusCode, res.body)
	}
	page = x.anonymous.get(path)
	for _, want := range []string{"Betere titel", "Betere tekst.", "Verbeterde aanvulling."} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the thread page lacks %q after the edits", want)
		}
	}
	if res := x.bob.post(path+"/edit", url.Values{"csrf": {x.bob.csrf(path)}, "object": {reply.IRI}, "text": {"Van bob"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob edits alice's reply: %d, want 403", res.StatusCode)
	}
}

// TestForumFeedHasPinnedThreads: pinning a thread keeps it in the feed.
func TestForumFeedHasPinnedThreads(t *testing.T) {
	x := newForumFixture(t)
	ctx := context.Background()
	f := x.createForum(t, "opendata", "Open data")
	th, err := x.fed.StartThread(ctx, x.aliceM, f, federation.ThreadInput{Title: "Huisregels", Body: "Lees dit."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.StartThread(ctx, x.aliceM, f, federation.ThreadInput{Title: "Gewone vraag", Body: "Hoe?"}); err != nil {
		t.Fatal(err)
	}
	admin, _ := x.n.db.MemberByUsername(ctx, "beheer")
	if err := x.fed.ModerateThread(ctx, admin, th, content.ModPin, ""); err != nil {
		t.Fatal(err)
	}
	feed, err := gofeed.NewParser().ParseString(x.anonymous.get("/f/opendata/feed.rss").body)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range feed.Items {
		titles = append(titles, it.Title)
	}
	if len(titles) != 2 || !slices.Contains(titles, "Huisregels") {
		t.Errorf("feed items: %v, want both threads", titles)
	}
}
