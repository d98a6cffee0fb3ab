package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// reportFixture is the forum fixture with mo as a moderator of the node,
// a thread by bob with a reply by bob, and a remote troll's reply.
type reportFixture struct {
	*forumFixture
	thread     *content.Thread
	reply      *content.Object
	trollReply *content.Object
}

const trollActor = "https://troll.test/users/troll"

func newReportFixture(t *testing.T) *reportFixture {
	t.Helper()
	ctx := context.Background()
	x := &reportFixture{forumFixture: newForumFixture(t)}
	if err := x.n.db.SetMemberRole(ctx, "mo", content.RoleModerator); err != nil {
		t.Fatal(err)
	}
	f := x.createForum(t, "koffie", "Koffie en data")
	var err error
	if x.thread, err = x.fed.StartThread(ctx, x.bobM, f, federation.ThreadInput{Title: "Wie drinkt er koffie?", Body: "Ik zoek gezelschap."}); err != nil {
		t.Fatal(err)
	}
	if x.reply, err = x.fed.Reply(ctx, x.bobM, x.thread.IRI, "Jullie zijn allemaal dom."); err != nil {
		t.Fatal(err)
	}
	x.trollReply = &content.Object{IRI: "https://troll.test/notes/1", Type: "Note", AttributedTo: trollActor, InReplyTo: x.thread.IRI,
		Content: "<p>Koop <strong>nu</strong> bonen!</p>", Public: true, Published: time.Now().UTC(), AuthorName: "Troll",
		AuthorHandle: "troll@troll.test", AuthorURL: "https://troll.test/@troll"}
	if _, err := x.n.db.PutObject(ctx, x.trollReply); err != nil {
		t.Fatal(err)
	}
	if err := x.n.db.PutRemoteActor(ctx, &content.RemoteActor{IRI: trollActor, Type: "Person", Username: "troll", Host: "troll.test",
		Name: "Troll", Inbox: trollActor + "/inbox", SharedInbox: "https://troll.test/inbox", KeyID: trollActor + "#main-key",
		PublicKeyPEM: "-", Raw: "{}", FetchedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestReportPages: alice reports bob's reply from the thread page; the
// report lands in the queue, which only the node's moderators see, with
// a copy of the reply; mo deletes it through the queue; resolving again is
// refused on the page. Reports of a member come from the member's page.
func TestReportPages(t *testing.T) {
	x := newReportFixture(t)
	ctx := context.Background()
	path := threadPath(x.thread)

	links := reportLinks(x.alice.get(path).body)
	for _, want := range []string{x.thread.IRI, x.reply.IRI, x.trollReply.IRI} {
		if !links[want] {
			t.Errorf("the thread page lacks a report link for %s: %v", want, links)
		}
	}
	if own := reportLinks(x.bob.get(path).body); len(own) != 1 || !own[x.trollReply.IRI] {
		t.Errorf("bob's report links on his own thread: %v, want the troll's reply alone", own)
	}
	if res := x.anonymous.get("/report?object=" + url.QueryEscape(x.reply.IRI)); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("an anonymous visitor: %d %s, want the login page", res.StatusCode, res.Header.Get("Location"))
	}

	form := "/report?object=" + url.QueryEscape(x.reply.IRI)
	wantStatus(t, "the report form", x.alice.get(form), http.StatusOK, "Jullie zijn allemaal dom.", "Bob Jansen", "Wie drinkt er koffie?")
	long := x.alice.post("/report", url.Values{"csrf": {x.alice.csrf(form)}, "object": {x.reply.IRI},
		"comment": {strings.Repeat("x", content.MaxReportComment+1)}})
	wantStatus(t, "a comment too long", long, http.StatusUnprocessableEntity, `aria-invalid="true"`, `id="comment-error"`)
	res := x.alice.post("/report", url.Values{"csrf": {x.alice.csrf(form)}, "object": {x.reply.IRI}, "comment": {"Hij scheldt."},
		"back": {path}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/report?done=1") {
		t.Fatalf("filing: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "the thanks", x.alice.get(res.Header.Get("Location")), http.StatusOK, `href="`+path+`"`)
	reports, _ := x.n.db.Reports(ctx, storage.ReportFilter{})
	if len(reports) != 1 || reports[0].Target != x.bobIRI || reports[0].Comment != "Hij scheldt." || reports[0].ReporterID != x.aliceM.ID {
		t.Fatalf("the queue: %+v", reports)
	}
	id := reports[0].ID

	if res := x.alice.get("/admin/reports"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member opens the queue: %d, want 403", res.StatusCode)
	}
	queue := x.mod.get("/admin/reports")
	wantStatus(t, "the queue", queue, http.StatusOK, "Hij scheldt.", "Jullie zijn allemaal dom.", fmt.Sprintf(`id="report-%d"`, id),
		`value="delete"`, `value="suspend"`)
	if strings.Contains(queue.body, `value="block-domain"`) || strings.Contains(queue.body, `name="do" value="forward"`) {
		t.Error("the queue offers to block or forward a report about a member of this node")
	}

	act := fmt.Sprintf("/admin/reports/%d", id)
	if res := x.alice.post(act, url.Values{"csrf": {x.alice.csrf("/")}, "do": {"resolve"}, "action": {"dismiss"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member resolves: %d, want 403", res.StatusCode)
	}
	res = x.mod.post(act, url.Values{"csrf": {x.mod.csrf("/admin/reports")}, "do": {"resolve"}, "action": {"delete"}, "reason": {"schelden"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/admin/reports?done=resolved&report=%d", id) {
		t.Fatalf("resolving: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if o, _ := x.n.db.ObjectByIRI(ctx, x.reply.IRI); !o.Deleted {
		t.Error("bob's reply is not deleted")
	}
	wantStatus(t, "after resolving", x.mod.get(res.Header.Get("Location")), http.StatusOK, fmt.Sprintf("Rapportage %d is afgehandeld.", id))
	again := x.mod.post(act, url.Values{"csrf": {x.mod.csrf("/admin/reports")}, "do": {"resolve"}, "action": {"dismiss"}})
	wantStatus(t, "resolving twice", again, http.StatusConflict, "Deze rapportage was al gesloten.", `class="error-summary"`,
		"Jullie zijn allemaal dom.")

	// A blog post and an event have report links for others, not their author.
	post, err := x.fed.SavePost(ctx, x.bobM, nil, federation.PostInput{Title: "Mijn mening", Body: "Iedereen is dom.", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	ev, err := x.fed.SaveEvent(ctx, x.bobM, nil, federation.EventInput{Title: "Scheldavond", Start: start, End: start.Add(time.Hour),
		TimeZone: "Europe/Amsterdam", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ page, iri string }{{"/@bob/" + post.Slug, post.IRI}, {x.n.srv.eventPath(ev), ev.IRI}} {
		if links := reportLinks(x.alice.get(c.page).body); !links[c.iri] {
			t.Errorf("%s has no report link for alice: %v", c.page, links)
		}
		if links := reportLinks(x.bob.get(c.page).body); len(links) != 0 {
			t.Errorf("%s offers bob to report his own: %v", c.page, links)
		}
		res := x.alice.post("/report", url.Values{"csrf": {x.alice.csrf(c.page)}, "object": {c.iri}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("reporting %s: %d\n%s", c.iri, res.StatusCode, res.body)
		}
	}

	// A report about a member, from the member's page.
	if !strings.Contains(x.alice.get("/@bob").body, `href="/report?member=bob"`) {
		t.Error("bob's page has no report link for alice")
	}
	if strings.Contains(x.alice.get("/@alice").body, `href="/report?`) {
		t.Error("alice's own page offers to report her")
	}
	wantStatus(t, "the member form", x.alice.get("/report?member=bob"), http.StatusOK, `name="actor" value="`+x.bobIRI+`"`)
	res = x.alice.post("/report", url.Values{"csrf": {x.alice.csrf("/report?member=bob")}, "actor": {x.bobIRI}, "comment": {""}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reporting bob: %d\n%s", res.StatusCode, res.body)
	}
	if res := x.alice.post("/report", url.Values{"csrf": {x.alice.csrf("/")}, "actor": {x.aliceIRI}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("reporting herself: %d, want 400", res.StatusCode)
	}
}

// TestReportForwardFromQueue: a report about an actor elsewhere can be
// sent on to its server from the queue, once.
func TestReportForwardFromQueue(t *testing.T) {
	x := newReportFixture(t)
	ctx := context.Background()
	r, err := x.fed.ReportLocal(ctx, x.aliceM, "", []string{x.trollReply.IRI}, "Reclame")
	if err != nil {
		t.Fatal(err)
	}
	queue := x.mod.get("/admin/reports")
	wantStatus(t, "the queue", queue, http.StatusOK, "Koop <strong>nu</strong> bonen!", `value="block-domain"`, `name="do" value="forward"`,
		"troll.test")
	act := fmt.Sprintf("/admin/reports/%d", r.ID)
	res := x.mod.post(act, url.Values{"csrf": {x.mod.csrf("/admin/reports")}, "do": {"forward"}, "comment": {"Reclame van uw lid."}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=forwarded") {
		t.Fatalf("forwarding: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	got, _ := x.n.db.ReportByID(ctx, r.ID)
	if got.Forwarded == "" || got.State != content.ReportOpen {
		t.Errorf("after forwarding: %+v", got)
	}
	if strings.Contains(x.mod.get("/admin/reports").body, `name="do" value="forward"`) {
		t.Error("the queue offers to forward a forwarded report again")
	}
	again := x.mod.post(act, url.Values{"csrf": {x.mod.csrf("/admin/reports")}, "do": {"forward"}})
	wantStatus(t, "forwarding twice", again, http.StatusConflict, "Deze rapportage was al doorgestuurd.")
}

var reportLinkRE = regexp.MustCompile(`href="/report\?object=([^"]+)"`)

// reportLinks are the objects a page's report links name.
func reportLinks(page string) map[string]bool {
	out := map[string]bool{}
	for _, m := range reportLinkRE.FindAllStringSubmatch(page, -1) {
		if v, err := url.QueryUnescape(html.UnescapeString(m[1])); err == nil {
			out[v] = true
		}
	}
	return out
}
