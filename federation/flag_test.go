package federation_test

import (
	"bytes"
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

// note is a Create{Note} by actor on a Remote, public, in reply to
// inReplyTo and addressed to cc.
func note(actor *fedtest.Actor, id, inReplyTo, text string, cc ...string) []byte {
	obj := map[string]any{"id": id, "type": "Note", "attributedTo": actor.ID, "inReplyTo": inReplyTo, "content": text,
		"published": time.Now().UTC().Format(time.RFC3339), "to": []string{federation.Public}, "cc": cc}
	b, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": id + "/activity", "type": "Create",
		"actor": actor.ID, "to": []string{federation.Public}, "cc": cc, "object": obj})
	return b
}

// flag is a Flag as Mastodon sends it: from its instance actor, naming the
// reported actor and its statuses.
func flag(from *fedtest.Actor, id, comment string, object ...string) []byte {
	b, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": id, "type": "Flag", "actor": from.ID,
		"content": comment, "object": object})
	return b
}

func onlyReport(t *testing.T, db *storage.DB) content.Report {
	t.Helper()
	list, err := db.Reports(context.Background(), storage.ReportFilter{All: true})
	if err != nil || len(list) != 1 {
		t.Fatalf("reports: %+v, %v; want one", list, err)
	}
	return list[0]
}

// TestFlagSuspendStopsActor is the acceptance test of reports across
// servers: a spammer elsewhere replies in a forum thread here; another
// server's instance actor reports the spammer and the reply with a signed
// Flag, which lands in the queue with a copy of the reply; a moderator
// resolves it with "suspend"; the spammer's next activity is refused and
// the moderation log says who did what, and why.
func TestFlagSuspendStopsActor(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	mo := storagetest.Member(t, a.DB, "mo", content.RoleModerator, "correct horse battery")
	forum := createForum(t, a.DB, "koffie", "Koffie")
	thread, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Beste bonen?", Body: "Tips welkom."})
	if err != nil {
		t.Fatal(err)
	}
	group := a.IRIs().Group("koffie")

	spamHost := fedtest.NewRemote(t)
	spammer := spamHost.AddActor("spam", fedtest.Key(t, 1))
	reporter := fedtest.NewRemote(t)
	instance := reporter.AddActor("actor", fedtest.Key(t, 2))

	post := func(body []byte) fedtest.Answer {
		t.Helper()
		return fedtest.Post(t, a.SharedInbox(), body, spammer.Signer().SignPost)
	}
	replyID := spamHost.Base + "/notes/1"
	if got := post(note(spammer, replyID, thread.IRI, "<p>Koop nu goedkope bonen!</p>", group)); got.Status != http.StatusAccepted {
		t.Fatalf("the spam reply: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, replyID+"/activity", 10*time.Second)
	if o, err := a.DB.ObjectByIRI(ctx, replyID); err != nil || o.Deleted {
		t.Fatalf("the spam reply is not in the thread: %+v, %v", o, err)
	}

	flagID := reporter.Base + "/flags/1"
	got := fedtest.Post(t, a.SharedInbox(), flag(instance, flagID, "Spam in jullie forum", spammer.ID, replyID), instance.Signer().SignPost)
	if got.Status != http.StatusAccepted {
		t.Fatalf("the Flag: %d %s", got.Status, got.Body)
	}
	if it := a.WaitProcessed(t, flagID, 10*time.Second); !strings.HasPrefix(it.Outcome, "queued: report ") {
		t.Fatalf("the Flag's outcome: %q", it.Outcome)
	}
	r := onlyReport(t, a.DB)
	if r.State != content.ReportOpen || r.Origin != content.ReportRemote || r.Target != spammer.ID || r.Reporter != instance.ID ||
		r.Comment != "Spam in jullie forum" || r.FlagIRI != flagID {
		t.Errorf("the report: %+v", r)
	}
	if len(r.Snapshot) != 1 || !r.Snapshot[0].Held || !strings.Contains(r.Snapshot[0].Content, "goedkope bonen") ||
		r.Snapshot[0].InReplyTo != thread.IRI {
		t.Errorf("the report's copy of the reply: %+v", r.Snapshot)
	}

	// Only the node's moderators resolve reports.
	if _, err := a.ResolveReport(ctx, alice, r.ID, content.ReportSuspend, "spam"); content.KindOf(err) != content.KindForbidden {
		t.Errorf("a member resolves a report: %v, want forbidden", err)
	}
	resolved, err := a.ResolveReport(ctx, mo, r.ID, content.ReportSuspend, "spam, meerdere keren")
	if err != nil {
		t.Fatalf("resolve with suspend: %v", err)
	}
	if resolved.State != content.ReportResolved || resolved.Resolution != content.ReportSuspend || resolved.Moderator != a.Actor("mo") {
		t.Errorf("the resolved report: %+v", resolved)
	}
	if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportDismiss, ""); content.KindOf(err) != content.KindConflict {
		t.Errorf("resolving it again: %v, want a conflict", err)
	}

	// The spammer's next activity is refused, and nothing of it is stored.
	nextID := spamHost.Base + "/notes/2"
	if got := post(note(spammer, nextID, thread.IRI, "<p>Nog meer bonen!</p>", group)); got.Status < 400 {
		t.Errorf("the suspended actor's next Create: %d %s; want it refused", got.Status, got.Body)
		a.WaitProcessed(t, nextID+"/activity", 10*time.Second)
	}
	if o, err := a.DB.ObjectByIRI(ctx, nextID); content.KindOf(err) != content.KindNotFound {
		t.Errorf("the suspended actor's next note was stored: %+v, %v", o, err)
	}
	log, err := a.DB.ModLog(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		if e.Target == spammer.ID && e.Moderator == a.Actor("mo") && e.Action == storage.ModActorSuspend && strings.Contains(e.Reason, "report 1: spam") {
			found = true
		}
	}
	if !found {
		t.Errorf("no line in the moderation log says mo suspended %s for report 1: %+v", spammer.ID, log)
	}
}

// TestReportLocalForwardAndDelete: a member reports a remote actor's
// reply; the moderator forwards the report to the actor's server (a Flag
// from the instance actor, without the member's name), then deletes the
// reply. A member's own report of herself, of someone else's post under
// another name, and of nothing held are refused.
func TestReportLocalForwardAndDelete(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	mo := storagetest.Member(t, a.DB, "mo", content.RoleModerator, "correct horse battery")
	rem := fedtest.NewRemote(t)
	troll := rem.AddActor("troll", fedtest.Key(t, 1))

	own, err := a.PublishNote(ctx, alice, "Mijn eerste bericht.")
	if err != nil {
		t.Fatal(err)
	}
	replyID := rem.Base + "/notes/7"
	if got := fedtest.Post(t, a.SharedInbox(), note(troll, replyID, own.IRI, "<p>Wat een onzin, sukkel.</p>"), troll.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("the troll's reply: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, replyID+"/activity", 10*time.Second)

	for name, c := range map[string]struct {
		target  string
		objects []string
		code    string
	}{
		"herself":            {a.Actor("alice"), nil, "report.self"},
		"another's post":     {troll.ID, []string{own.IRI}, "report.not_by_target"},
		"a post not held":    {"", []string{rem.Base + "/notes/404"}, "report.unknown_object"},
		"an unknown actor":   {"https://nowhere.test/users/x", nil, "report.unknown_actor"},
		"a comment too long": {troll.ID, nil, "report.comment_too_long"},
	} {
		comment := ""
		if c.code == "report.comment_too_long" {
			comment = strings.Repeat("a", content.MaxReportComment+1)
		}
		_, err := a.ReportLocal(ctx, alice, c.target, c.objects, comment)
		if e, ok := content.AsError(err); !ok || e.Code != c.code {
			t.Errorf("report %s: %v, want %s", name, err, c.code)
		}
	}

	r, err := a.ReportLocal(ctx, alice, "", []string{replyID}, "Scheldt mij uit.")
	if err != nil {
		t.Fatal(err)
	}
	if r.Target != troll.ID || r.Origin != content.ReportLocal || r.Reporter != a.Actor("alice") || len(r.Snapshot) != 1 {
		t.Errorf("alice's report: %+v", r)
	}
	if again, err := a.ReportLocal(ctx, alice, troll.ID, []string{replyID}, "nogmaals"); err != nil || again.ID != r.ID {
		t.Errorf("the same report again: %+v, %v; want report %d", again, err, r.ID)
	}

	if _, err := a.ForwardReport(ctx, alice, r.ID, ""); content.KindOf(err) != content.KindForbidden {
		t.Errorf("a member forwards: %v, want forbidden", err)
	}
	if _, err := a.ForwardReport(ctx, mo, r.ID, "Een van uw leden scheldt onze leden uit."); err != nil {
		t.Fatalf("forward: %v", err)
	}
	rec := rem.WaitFor(t, 10*time.Second, "the forwarded Flag", func(rec fedtest.Received) bool {
		_, typ, _ := rec.Activity()
		return typ == "Flag"
	})
	var sent struct {
		Actor   string   `json:"actor"`
		Content string   `json:"content"`
		Object  []string `json:"object"`
	}
	if err := json.Unmarshal(rec.Body, &sent); err != nil {
		t.Fatal(err)
	}
	if rec.Err != nil || rec.Signer != a.IRIs().InstanceActor() || rec.Path != "/users/troll/inbox" {
		t.Errorf("the Flag reached %s signed by %q (%v); want the troll's inbox, signed by the instance actor", rec.Path, rec.Signer, rec.Err)
	}
	if sent.Actor != a.IRIs().InstanceActor() || sent.Content != "Een van uw leden scheldt onze leden uit." ||
		len(sent.Object) != 2 || sent.Object[0] != troll.ID || sent.Object[1] != replyID {
		t.Errorf("the Flag: %s", rec.Body)
	}
	if bytes.Contains(rec.Body, []byte("alice")) {
		t.Errorf("the forwarded Flag names the reporter: %s", rec.Body)
	}
	if _, err := a.ForwardReport(ctx, mo, r.ID, ""); content.KindOf(err) != content.KindConflict {
		t.Errorf("forwarding twice: %v, want a conflict", err)
	}

	if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportDelete, "schelden"); err != nil {
		t.Fatalf("resolve with delete: %v", err)
	}
	if o, err := a.DB.ObjectByIRI(ctx, replyID); err != nil || !o.Deleted {
		t.Errorf("the troll's reply after deleting: %+v, %v", o, err)
	}
	got, _ := a.DB.ReportByID(ctx, r.ID)
	if got.State != content.ReportResolved || got.Forwarded == "" || !strings.Contains(got.Snapshot[0].Content, "sukkel") {
		t.Errorf("the report after resolving: %+v", got)
	}
	log, _ := a.DB.ModLog(ctx, 0, 10)
	actions := map[content.ModAction]string{}
	for _, e := range log {
		actions[e.Action] = e.Target + " " + e.Reason
	}
	if actions[content.ModForwardReport] != troll.ID+" report 1: Een van uw leden scheldt onze leden uit." ||
		actions[content.ModDelete] != replyID+" report 1: schelden" {
		t.Errorf("moderation log: %v", actions)
	}
}

// TestResolveLocalMember: reports about members of this node. Deleting a
// member's note sends its Delete from the member to her followers
// elsewhere; a thread reply is deleted as a moderator's deletion in its
// forum; suspending suspends the member (not an admin, by a moderator);
// blocking a domain needs a server elsewhere.
func TestResolveLocalMember(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, a.DB, "bob", content.RoleMember, "correct horse battery")
	mo := storagetest.Member(t, a.DB, "mo", content.RoleModerator, "correct horse battery")
	root := storagetest.Member(t, a.DB, "beheer", content.RoleAdmin, "correct horse battery")
	rem := fedtest.NewRemote(t)
	fan := rem.AddActor("fan", fedtest.Key(t, 1))
	follow, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": rem.Base + "/follows/1", "type": "Follow",
		"actor": fan.ID, "object": a.Actor("bob")})
	if got := fedtest.Post(t, a.Inbox("bob"), follow, fan.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, rem.Base+"/follows/1", 10*time.Second)

	rude, err := a.PublishNote(ctx, bob, "Iedereen hier is dom.")
	if err != nil {
		t.Fatal(err)
	}
	forum := createForum(t, a.DB, "koffie", "Koffie")
	thread, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Beste bonen?", Body: "Tips welkom."})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := a.Reply(ctx, bob, thread.IRI, "Jouw bonen zijn dom.")
	if err != nil {
		t.Fatal(err)
	}

	r, err := a.ReportLocal(ctx, alice, a.Actor("bob"), []string{rude.IRI, reply.IRI}, "Bob is onaardig.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ForwardReport(ctx, mo, r.ID, ""); content.KindOf(err) != content.KindInvalid {
		t.Errorf("forwarding a report about a member: %v, want invalid", err)
	}
	if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportBlockDomain, ""); content.KindOf(err) != content.KindInvalid {
		t.Errorf("blocking this node's own domain: %v, want invalid", err)
	}
	if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportDelete, "onaardig"); err != nil {
		t.Fatalf("resolve with delete: %v", err)
	}
	for _, iri := range []string{rude.IRI, reply.IRI} {
		if o, err := a.DB.ObjectByIRI(ctx, iri); err != nil || !o.Deleted {
			t.Errorf("%s after deleting: %+v, %v", iri, o, err)
		}
	}
	rec := rem.WaitFor(t, 10*time.Second, "the Delete of bob's note", func(rec fedtest.Received) bool {
		_, typ, obj := rec.Activity()
		return typ == "Delete" && obj == rude.IRI
	})
	if rec.Signer != a.Actor("bob") {
		t.Errorf("the Delete is signed by %q, want bob", rec.Signer)
	}
	log, _ := a.DB.ModLog(ctx, 0, 10)
	forumLine := false
	for _, e := range log {
		if e.Target == reply.IRI && e.Action == content.ModDelete && e.ForumID == forum.ID && e.Moderator == a.Actor("mo") {
			forumLine = true
		}
	}
	if !forumLine {
		t.Errorf("the reply's deletion is not logged in its forum: %+v", log)
	}

	// A report about the admin cannot suspend her; one about bob can.
	aboutRoot, err := a.ReportLocal(ctx, alice, a.Actor("beheer"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResolveReport(ctx, mo, aboutRoot.ID, content.ReportSuspend, ""); content.KindOf(err) != content.KindForbidden {
		t.Errorf("a moderator suspends an admin: %v, want forbidden", err)
	}
	if _, err := a.ResolveReport(ctx, root, aboutRoot.ID, content.ReportDismiss, "niets aan de hand"); err != nil {
		t.Fatal(err)
	}
	aboutBob, err := a.ReportLocal(ctx, alice, a.Actor("bob"), nil, "Weer bob.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResolveReport(ctx, mo, aboutBob.ID, content.ReportDelete, ""); content.KindOf(err) != content.KindInvalid {
		t.Errorf("deleting the posts of a report that names none: %v, want invalid", err)
	}
	if _, err := a.ResolveReport(ctx, mo, aboutBob.ID, content.ReportSuspend, "herhaaldelijk"); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.DB.MemberByUsername(ctx, "bob"); !m.Suspended {
		t.Error("bob is not suspended")
	}
	bob, _ = a.DB.MemberByUsername(ctx, "bob")
	if _, err := a.ReportLocal(ctx, bob, a.Actor("alice"), nil, ""); content.KindOf(err) != content.KindForbidden {
		t.Errorf("a suspended member reports: %v, want forbidden", err)
	}
}

// TestResolveBlockDomain: blocking the reported actor's server refuses
// every actor there.
func TestResolveBlockDomain(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	mo := storagetest.Member(t, a.DB, "mo", content.RoleModerator, "correct horse battery")
	rem := fedtest.NewRemote(t)
	spam, other := rem.AddActor("spam", fedtest.Key(t, 1)), rem.AddActor("other", fedtest.Key(t, 2))
	own, err := a.PublishNote(ctx, alice, "Hallo.")
	if err != nil {
		t.Fatal(err)
	}
	id := rem.Base + "/notes/1"
	if got := fedtest.Post(t, a.SharedInbox(), note(spam, id, own.IRI, "<p>Spam</p>"), spam.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("spam: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, id+"/activity", 10*time.Second)
	r, err := a.ReportLocal(ctx, alice, "", []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportBlockDomain, "spamserver"); err != nil {
		t.Fatal(err)
	}
	b, err := a.DB.DomainBlock(ctx, rem.Host)
	if err != nil || b.Severity != content.SeveritySuspend || !strings.Contains(b.PrivateComment, "report 1: spamserver") {
		t.Errorf("the domain block: %+v, %v", b, err)
	}
	id2 := rem.Base + "/notes/2"
	if got := fedtest.Post(t, a.SharedInbox(), note(other, id2, own.IRI, "<p>Hoi</p>"), other.Signer().SignPost); got.Status < 400 {
		t.Errorf("another actor of the blocked server: %d %s; want it refused", got.Status, got.Body)
		a.WaitProcessed(t, id2+"/activity", 10*time.Second)
	}
	if o, err := a.DB.ObjectByIRI(ctx, id2); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a note from the blocked server was stored: %+v, %v", o, err)
	}
}

// flagRow is the stated outcome of one Flag payload of the corpus.
type flagRow struct {
	file  string
	subst map[string]string // replaced in the payload; values: {remote}, {alice}, {note1}, {note2}, {thread}, {group}
	inbox string            // "group" posts to the forum's inbox, else the shared inbox
	// status is the inbox's answer; outcome the prefix of the processed
	// activity's outcome (status 202) or a part of the refusal.
	status  int
	outcome string
	objects []string // the report's objects, as placeholders
	comment string
	note    string
}

// flagRows covers every Flag (and Resolve of a Flag) in the corpus.
var flagRows = []flagRow{
	{file: "mastodon/flag_object_array.json", status: 202, outcome: "queued: report ", objects: []string{"{note1}", "{note2}"},
		subst: map[string]string{"https://mastodon.example": "{remote}", "https://example.com/users/1": "{alice}",
			"https://example.com/posts/380590": "{note1}", "https://example.com/posts/380591": "{note2}"},
		comment: "Please take a look at this user and their posts",
		note:    "Mastodon's instance actor reports example.com/users/1 (→ alice) and two statuses (→ her notes): the actor comes first"},
	{file: "lemmy/flag_page.json", inbox: "group", status: 202, outcome: "queued: report ", objects: []string{"{thread}"},
		subst: map[string]string{"http://ds9.lemmy.ml": "{remote}", "http://enterprise.lemmy.ml/post/7": "{thread}",
			"http://enterprise.lemmy.ml/c/main": "{group}", "http://enterprise.lemmy.ml/u/main": "{group}"},
		comment: "report this post",
		note:    "a Lemmy user reports a post (→ alice's thread) to its community (→ the forum): the author is the reported actor, the reason is in summary"},
	{file: "lemmy/resolve_flag_page.json", inbox: "group", status: 202, outcome: "ignored: unsupported activity type Resolve",
		subst: map[string]string{"http://ds9.lemmy.ml": "{remote}", "http://enterprise.lemmy.ml/post/7": "{thread}",
			"http://enterprise.lemmy.ml/c/main": "{group}"},
		note: "a community's moderator closes a report elsewhere: Kring keeps its own queue"},
	{file: "mbin/flag_entry.json", status: 400, outcome: "not on the actor's host", subst: map[string]string{"https://kbin.test": "{remote}"},
		note: "Mbin snapshot with SCRUBBED_ID ids: refused as sent"},
	{file: "mbin/flag_object_array.json", status: 202, outcome: "queued: report ", objects: []string{"{note1}"},
		subst: map[string]string{"https://mbin-test1": "{remote}", "https://lemmy-test/post/4": "{note1}",
			"https://lemmy-test/u/BentiGorlich": "{alice}", "https://lemmy-test/c/test_mag": "{group}"},
		comment: "dikjhgasdpas dsaü",
		note:    "Mbin names the entry (→ alice's note) first and its author (→ alice) last"},
}

// TestFlagCorpus feeds the corpus's Flag payloads, made to name a member,
// her notes, a thread and a forum of a node, signed by a test key for the
// sender (served by a fake remote), and holds each to its row. The
// Mastodon report is then resolved by suspending the member: her inbox is
// gone.
func TestFlagCorpus(t *testing.T) {
	fixtures, ok := fedtest.Corpus(t)
	if !ok {
		t.Log("shared fixture corpus not present (../shared/fixtures/activitypub): Flag corpus test not run")
		return
	}
	byFile := map[string]fedtest.Fixture{}
	for _, f := range fixtures {
		if strings.HasPrefix(f.What, "Flag") || strings.HasPrefix(f.What, "Resolve(Flag") {
			byFile[f.File] = f
		}
	}
	rows := map[string]bool{}
	for _, r := range flagRows {
		rows[r.file] = true
		if _, ok := byFile[r.file]; !ok {
			t.Errorf("flagRows: %s is not a Flag payload of the corpus", r.file)
		}
	}
	for file, f := range byFile {
		if !rows[file] {
			t.Errorf("corpus file %s (%s) has no row in flagRows: read it and state its outcome", file, f.What)
		}
	}
	key := fedtest.Key(t, 0)
	remote := fedtest.NewRemote(t)
	remote.ServeAnyActor(key)
	for _, row := range flagRows {
		t.Run(row.file, func(t *testing.T) {
			ctx := context.Background()
			a := fedtest.NewNode(t, fedtest.NodeOptions{})
			alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
			mo := storagetest.Member(t, a.DB, "mo", content.RoleModerator, "correct horse battery")
			forum := createForum(t, a.DB, "koffie", "Koffie")
			thread, err := a.StartThread(ctx, alice, forum, federation.ThreadInput{Title: "Beste bonen?", Body: "Tips welkom."})
			if err != nil {
				t.Fatal(err)
			}
			note1, _ := a.PublishNote(ctx, alice, "Eerste.")
			note2, _ := a.PublishNote(ctx, alice, "Tweede.")
			values := map[string]string{"{remote}": remote.Base, "{alice}": a.Actor("alice"), "{note1}": note1.IRI, "{note2}": note2.IRI,
				"{thread}": thread.IRI, "{group}": a.IRIs().Group("koffie")}
			body := byFile[row.file].Read(t)
			for old, placeholder := range row.subst {
				if !bytes.Contains(body, []byte(old)) {
					t.Fatalf("%s does not occur in the payload", old)
				}
				body = bytes.ReplaceAll(body, []byte(old), []byte(values[placeholder]))
			}
			var p struct {
				ID    string          `json:"id"`
				Actor json.RawMessage `json:"actor"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			actor := soleID(p.Actor)
			to := a.SharedInbox()
			if row.inbox == "group" {
				to = a.IRIs().Inbox(a.IRIs().Group("koffie"))
			}
			got := fedtest.Post(t, to, body, federation.Signer{KeyID: actor + "#main-key", Key: key}.SignPost)
			if got.Status != row.status {
				t.Fatalf("status %d (%s), want %d", got.Status, got.Body, row.status)
			}
			reports, err := a.DB.Reports(ctx, storage.ReportFilter{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if row.status != http.StatusAccepted {
				if !strings.Contains(got.Error, row.outcome) || len(reports) != 0 {
					t.Errorf("refusal %q (want %q), %d reports filed", got.Error, row.outcome, len(reports))
				}
				return
			}
			it := a.WaitProcessed(t, p.ID, 10*time.Second)
			if !strings.HasPrefix(it.Outcome, row.outcome) {
				t.Fatalf("outcome %q, want %q...", it.Outcome, row.outcome)
			}
			reports, _ = a.DB.Reports(ctx, storage.ReportFilter{All: true})
			if row.objects == nil {
				if len(reports) != 0 {
					t.Errorf("%d reports filed, want none", len(reports))
				}
				return
			}
			if len(reports) != 1 {
				t.Fatalf("%d reports, want 1", len(reports))
			}
			r := reports[0]
			var want []string
			for _, o := range row.objects {
				want = append(want, values[o])
			}
			if r.Target != a.Actor("alice") || r.Reporter != actor || r.Comment != row.comment || strings.Join(r.Objects, " ") != strings.Join(want, " ") {
				t.Errorf("report: target %s, reporter %s, comment %q, objects %v; want alice, %s, %q, %v", r.Target, r.Reporter, r.Comment, r.Objects, actor, row.comment, want)
			}
			for _, o := range r.Snapshot {
				if !o.Held || o.Content == "" {
					t.Errorf("snapshot of %s: %+v", o.IRI, o)
				}
			}
			if row.file != "mastodon/flag_object_array.json" {
				return
			}
			if _, err := a.ResolveReport(ctx, mo, r.ID, content.ReportSuspend, "na onderzoek"); err != nil {
				t.Fatal(err)
			}
			if m, _ := a.DB.MemberByUsername(ctx, "alice"); !m.Suspended {
				t.Error("alice is not suspended")
			}
			follow, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": remote.Base + "/follows/9", "type": "Follow",
				"actor": actor, "object": a.Actor("alice")})
			if got := fedtest.Post(t, a.Inbox("alice"), follow, federation.Signer{KeyID: actor + "#main-key", Key: key}.SignPost); got.Status != http.StatusNotFound {
				t.Errorf("a Follow of the suspended member: %d, want 404", got.Status)
			}
		})
	}
}

// TestFlagRejectReports: a server whose reports the policy rejects files
// none.
func TestFlagRejectReports(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	own, err := a.PublishNote(ctx, alice, "Hallo.")
	if err != nil {
		t.Fatal(err)
	}
	rem := fedtest.NewRemote(t)
	instance := rem.AddActor("actor", fedtest.Key(t, 1))
	block := content.DomainBlock{Domain: rem.Host, Severity: content.SeverityNoop, RejectReports: true}
	if _, err := a.DB.BlockDomain(ctx, block, a.IRIs().InstanceActor()); err != nil {
		t.Fatal(err)
	}
	id := rem.Base + "/flags/1"
	if got := fedtest.Post(t, a.SharedInbox(), flag(instance, id, "Weg ermee", a.Actor("alice"), own.IRI), instance.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("the Flag: %d %s", got.Status, got.Body)
	}
	if it := a.WaitProcessed(t, id, 10*time.Second); !strings.HasPrefix(it.Outcome, "ignored: reports from "+rem.Host) {
		t.Errorf("outcome %q, want the reports rejected", it.Outcome)
	}
	if list, _ := a.DB.Reports(ctx, storage.ReportFilter{All: true}); len(list) != 0 {
		t.Errorf("%d reports filed, want none", len(list))
	}
}
