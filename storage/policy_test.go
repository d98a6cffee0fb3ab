package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
)

// policyFixture is a node that has heard from two servers: b.test:8080
// (bob) and c.test (carol), with everything a suspension must drop.
type policyFixture struct {
	*eventFixture
	ann                  string // ada's actor id
	bob, carol           string
	local                *content.Object // ada's note, which bob likes and answers
	bobNote, bobReply    *content.Object
	carolNote            *content.Object
	localEvent, bobEvent *content.Event
	carolEvent           *content.Event
	bobInbox, carolInbox string
	pendingFromBob       *content.InboxItem
}

func newPolicyFixture(t *testing.T) *policyFixture {
	t.Helper()
	f := &policyFixture{eventFixture: newEventFixture(t), ann: organizer,
		bob: "http://b.test:8080/users/bob", carol: "https://c.test/users/carol",
		bobInbox: "http://b.test:8080/inbox", carolInbox: "https://c.test/inbox"}
	ctx, db := f.ctx, f.db
	for _, a := range []*content.RemoteActor{
		{IRI: f.bob, Type: "Person", Username: "bob", Host: "b.test:8080", Inbox: f.bob + "/inbox", SharedInbox: f.bobInbox, Raw: "{}", FetchedAt: eventNow},
		{IRI: f.carol, Type: "Person", Username: "carol", Host: "c.test", Inbox: f.carol + "/inbox", SharedInbox: f.carolInbox, Raw: "{}", FetchedAt: eventNow},
	} {
		if err := db.PutRemoteActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	f.local = f.object(&content.Object{IRI: "https://kring.test/notes/1", AttributedTo: f.ann, Local: true, Content: "<p>hi</p>"})
	f.bobNote = f.object(&content.Object{IRI: "http://b.test:8080/notes/1", AttributedTo: f.bob, Content: "<p>spam</p>",
		Tags: []string{"go"}, Attachments: []content.Attachment{{URL: "http://b.test:8080/media/1.png", MediaType: "image/png"}}})
	f.bobReply = f.object(&content.Object{IRI: "http://b.test:8080/notes/2", AttributedTo: f.bob, Content: "<p>re</p>", InReplyTo: f.local.IRI})
	f.carolNote = f.object(&content.Object{IRI: "https://c.test/notes/1", AttributedTo: f.carol, Content: "<p>fine</p>", Tags: []string{"go"},
		Attachments: []content.Attachment{{URL: "https://c.test/media/1.png", MediaType: "image/png"}}})
	if _, err := db.AddReaction(ctx, &content.Reaction{ActivityIRI: "http://b.test:8080/likes/1", Kind: content.ReactionLike, Actor: f.bob, ObjectIRI: f.local.IRI}); err != nil {
		t.Fatal(err)
	}
	for _, fl := range []content.Follow{
		{IRI: "http://b.test:8080/follows/1", Follower: f.bob, Followee: f.ann, State: content.FollowAccepted},
		{IRI: "https://kring.test/follows/1", Follower: f.ann, Followee: f.bob, State: content.FollowAccepted},
		{IRI: "https://c.test/follows/1", Follower: f.carol, Followee: f.ann, State: content.FollowAccepted},
	} {
		if err := db.PutFollow(ctx, &fl); err != nil {
			t.Fatal(err)
		}
	}
	f.localEvent = f.event(24*time.Hour, nil)
	for _, actor := range []string{f.bob, f.carol} {
		if _, _, err := db.JoinEvent(ctx, f.localEvent.ID, content.Participant{Actor: actor, JoinIRI: actor + "#join"}); err != nil {
			t.Fatal(err)
		}
	}
	f.bobEvent = f.remoteEvent("http://b.test:8080/events/1", f.bob)
	f.carolEvent = f.remoteEvent("https://c.test/events/1", f.carol)
	if _, err := db.AddNotification(ctx, &content.Notification{MemberID: f.ada.ID, Kind: content.NotifyFollow, Actor: f.bob}); err != nil {
		t.Fatal(err)
	}
	f.pendingFromBob = &content.InboxItem{ActivityIRI: "http://b.test:8080/activities/9", Actor: f.bob, Type: "Create", Body: []byte(`{}`)}
	if _, err := db.PutInbox(ctx, f.pendingFromBob); err != nil {
		t.Fatal(err)
	}
	act := &content.Activity{IRI: "https://kring.test/activities/1", Actor: f.ann, Type: "Create", Body: []byte(`{}`)}
	if err := db.Publish(ctx, act, nil, f.ann, []storage.Target{{Inbox: f.bobInbox, Host: "b.test:8080"}, {Inbox: f.carolInbox, Host: "c.test"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *policyFixture) object(o *content.Object) *content.Object {
	f.t.Helper()
	o.Type, o.Public, o.Published = "Note", true, eventNow
	if _, err := f.db.PutObject(f.ctx, o); err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *policyFixture) remoteEvent(iri, organizer string) *content.Event {
	f.t.Helper()
	e := &content.Event{IRI: iri, Title: "Remote " + iri, Start: eventNow.Add(5 * time.Hour), End: eventNow.Add(6 * time.Hour),
		Organizer: organizer, OrganizerName: "Remote", Tags: []string{"go"}, CoverURL: strings.TrimSuffix(iri, "/1") + "/cover.png", CoverAlt: "cover"}
	if _, err := f.db.PutRemoteEvent(f.ctx, e); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *policyFixture) taggedGo() []string {
	f.t.Helper()
	objs, err := f.db.TaggedObjects(f.ctx, "go", time.Time{}, 10)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.IRI)
	}
	return out
}

func (f *policyFixture) agenda(filter storage.EventFilter) []string {
	f.t.Helper()
	es, err := f.db.Events(f.ctx, filter)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.IRI)
	}
	return out
}

// TestPolicySuspendDomain suspends b.test: everything of bob's goes in
// one transaction, carol's stays, deliveries to b are cancelled and none
// are queued any more, and what arrives late is not stored.
func TestPolicySuspendDomain(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	eff, err := db.BlockDomain(ctx, content.DomainBlock{Domain: "b.test", Severity: content.SeveritySuspend,
		PublicComment: "spam", PrivateComment: "ticket 42"}, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.PolicyEffect{Objects: 2, Events: 1, Actors: 1, Follows: 2, Participations: 1, Reactions: 1,
		Notifications: 1, Inbox: 1, Deliveries: 1}
	if diff := cmp.Diff(want, eff); diff != "" {
		t.Errorf("effect of the suspension (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		what  string
		query string
		args  []any
		want  int
	}{
		{"bob's objects", "SELECT COUNT(*) FROM objects WHERE attributed_to = ?", []any{f.bob}, 0},
		{"carol's objects", "SELECT COUNT(*) FROM objects WHERE attributed_to = ? AND deleted = 0", []any{f.carol}, 1},
		{"bob's tags", "SELECT COUNT(*) FROM object_tags WHERE object_iri = ?", []any{f.bobNote.IRI}, 0},
		{"bob's events", "SELECT COUNT(*) FROM events WHERE organizer = ?", []any{f.bob}, 0},
		{"carol's events", "SELECT COUNT(*) FROM events WHERE organizer = ?", []any{f.carol}, 1},
		{"bob's actor", "SELECT COUNT(*) FROM remote_actors WHERE iri = ?", []any{f.bob}, 0},
		{"carol's actor", "SELECT COUNT(*) FROM remote_actors WHERE iri = ?", []any{f.carol}, 1},
		{"bob's follows", "SELECT COUNT(*) FROM follows WHERE follower = ? OR followee = ?", []any{f.bob, f.bob}, 0},
		{"carol's follows", "SELECT COUNT(*) FROM follows WHERE follower = ?", []any{f.carol}, 1},
		{"bob's participation", "SELECT COUNT(*) FROM event_participants WHERE actor = ?", []any{f.bob}, 0},
		{"participant count", "SELECT participant_count FROM events WHERE id = ?", []any{f.localEvent.ID}, 1},
		{"bob's like", "SELECT COUNT(*) FROM reactions WHERE actor = ?", []any{f.bob}, 0},
		{"like count", "SELECT like_count FROM objects WHERE iri = ?", []any{f.local.IRI}, 0},
		{"reply count", "SELECT reply_count FROM objects WHERE iri = ?", []any{f.local.IRI}, 0},
		{"bob's notification", "SELECT COUNT(*) FROM notifications WHERE actor = ?", []any{f.bob}, 0},
		{"deliveries to b", "SELECT COUNT(*) FROM deliveries WHERE host = 'b.test:8080' AND state = 'failed' AND last_error LIKE '%suspended%'", nil, 1},
		{"deliveries to c", "SELECT COUNT(*) FROM deliveries WHERE host = 'c.test' AND state = 'pending'", nil, 1},
	} {
		if got := f.count(c.query, c.args...); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	it, err := db.InboxItemByIRI(ctx, f.pendingFromBob.ActivityIRI)
	if err != nil {
		t.Fatal(err)
	}
	if it.ProcessedAt.IsZero() || !strings.Contains(it.Outcome, "suspended") {
		t.Errorf("bob's unprocessed activity: processed %v, outcome %q; want dropped", it.ProcessedAt, it.Outcome)
	}
	log, err := db.ModLog(ctx, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Action != storage.ModDomainBlock || log[0].Target != "b.test" ||
		!strings.Contains(log[0].Reason, "ticket 42") || !strings.Contains(log[0].Reason, "2 objects dropped") {
		t.Errorf("moderation log: %+v; want the block of b.test with its private reason and counts", log)
	}

	// After: nothing is queued for b, and late content is not stored.
	act := &content.Activity{IRI: "https://kring.test/activities/2", Actor: f.ann, Type: "Create", Body: []byte(`{}`)}
	if err := db.Publish(ctx, act, nil, f.ann, []storage.Target{{Inbox: f.bobInbox, Host: "b.test:8080"},
		{Inbox: "https://sub.b.test/inbox", Host: "sub.b.test"}, {Inbox: f.carolInbox, Host: "c.test"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.count("SELECT COUNT(*) FROM deliveries WHERE activity_id = ?", act.ID); got != 1 {
		t.Errorf("a new activity queued %d deliveries, want 1 (c only)", got)
	}
	late := &content.Object{IRI: "http://b.test:8080/notes/3", Type: "Note", AttributedTo: f.bob, Public: true, Published: eventNow}
	if inserted, err := db.PutObject(ctx, late); err != nil || inserted {
		t.Errorf("late object from b: inserted %v, err %v; want silently not stored", inserted, err)
	}
	if _, err := db.ObjectByIRI(ctx, late.IRI); content.KindOf(err) != content.KindNotFound {
		t.Errorf("late object from b is stored: %v", err)
	}
	lateEvent := &content.Event{IRI: "http://sub.b.test/events/2", Title: "late", Start: eventNow, End: eventNow.Add(time.Hour),
		Organizer: "http://sub.b.test/users/x"}
	if _, err := db.PutRemoteEvent(ctx, lateEvent); err == nil {
		t.Errorf("late event from a subdomain of b was stored")
	}
	// Unblocking does not bring anything back, and lets new content in.
	if _, err := db.UnblockDomain(ctx, "b.test", f.ann); err != nil {
		t.Fatal(err)
	}
	if inserted, err := db.PutObject(ctx, late); err != nil || !inserted {
		t.Errorf("object from b after the unblock: inserted %v, err %v", inserted, err)
	}
	if _, err := db.UnblockDomain(ctx, "b.test", f.ann); content.KindOf(err) != content.KindNotFound {
		t.Errorf("second unblock: %v, want not found", err)
	}
}

// TestPolicyLimitDomain limits c.test: its objects and events stay
// stored but leave tag pages and agendas, old and new alike, until the
// limit is lifted. A member's own agenda still lists what they joined.
func TestPolicyLimitDomain(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	if _, _, err := db.JoinEvent(ctx, f.carolEvent.ID, content.Participant{Actor: f.ann, MemberID: f.ada.ID}); err != nil {
		t.Fatal(err)
	}
	before := f.taggedGo()
	if len(before) != 2 {
		t.Fatalf("tag go lists %v before the limit, want bob's and carol's notes", before)
	}
	eff, err := db.BlockDomain(ctx, content.DomainBlock{Domain: "c.test", Severity: content.SeverityLimit}, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Limited != 2 || eff.Objects != 0 || eff.Actors != 0 {
		t.Errorf("effect of the limit: %+v; want 2 rows hidden and nothing dropped", eff)
	}
	if got, want := f.taggedGo(), []string{f.bobNote.IRI}; !cmp.Equal(got, want) {
		t.Errorf("tag go lists %v under the limit, want %v", got, want)
	}
	if got, want := f.agenda(storage.EventFilter{Scope: "network"}), []string{f.bobEvent.IRI}; !cmp.Equal(got, want) {
		t.Errorf("network agenda %v under the limit, want %v", got, want)
	}
	if got, want := f.agenda(storage.EventFilter{Tag: "go"}), []string{f.bobEvent.IRI}; !cmp.Equal(got, want) {
		t.Errorf("tag agenda %v under the limit, want %v", got, want)
	}
	if got, want := f.agenda(storage.EventFilter{MemberID: f.ada.ID}), []string{f.carolEvent.IRI}; !cmp.Equal(got, want) {
		t.Errorf("ada's own agenda %v under the limit, want %v (she joined it)", got, want)
	}
	if _, err := db.ObjectByIRI(ctx, f.carolNote.IRI); err != nil {
		t.Errorf("carol's note is not stored under a limit: %v", err)
	}
	// New content from c and its subdomains on any port is marked too.
	fresh := f.object(&content.Object{IRI: "https://social.c.test:8443/notes/1", AttributedTo: "https://social.c.test:8443/users/dan",
		Content: "<p>new</p>", Tags: []string{"go"}})
	if got, want := f.taggedGo(), []string{f.bobNote.IRI}; !cmp.Equal(got, want) {
		t.Errorf("tag go lists %v after %s arrived, want %v", got, fresh.IRI, want)
	}
	eff, err = db.UnblockDomain(ctx, "c.test", f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Limited != 3 {
		t.Errorf("the unblock showed %d rows again, want 3", eff.Limited)
	}
	if got := f.taggedGo(); len(got) != 3 {
		t.Errorf("tag go lists %v after the unblock, want all three notes", got)
	}
	// A block of the host with another port is another host.
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: "b.test:9999", Severity: content.SeverityLimit}, f.ann); err != nil {
		t.Fatal(err)
	}
	if got := f.taggedGo(); len(got) != 3 {
		t.Errorf("a limit on b.test:9999 hid %v's peers: tag go lists %v", f.bob, got)
	}
}

// TestPolicyRejectMedia drops attachments and event covers from a domain
// that rejects media, stored before and received after.
func TestPolicyRejectMedia(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	eff, err := db.BlockDomain(ctx, content.DomainBlock{Domain: "c.test", Severity: content.SeverityNoop, RejectMedia: true}, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Media != 2 || eff.Limited != 0 {
		t.Errorf("effect of reject_media: %+v; want media dropped from 2 rows, none hidden", eff)
	}
	o, err := db.ObjectByIRI(ctx, f.carolNote.IRI)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Attachments) != 0 {
		t.Errorf("carol's note keeps %d attachments", len(o.Attachments))
	}
	if e := f.reload(f.carolEvent.ID); e.CoverURL != "" {
		t.Errorf("carol's event keeps its cover %q", e.CoverURL)
	}
	if o, _ := db.ObjectByIRI(ctx, f.bobNote.IRI); len(o.Attachments) != 1 {
		t.Errorf("bob's note lost its attachment")
	}
	// Received later, and edited later.
	fresh := f.object(&content.Object{IRI: "https://c.test/notes/2", AttributedTo: f.carol, Content: "<p>pic</p>",
		Attachments: []content.Attachment{{URL: "https://c.test/media/2.png"}}})
	if o, _ := db.ObjectByIRI(ctx, fresh.IRI); len(o.Attachments) != 0 {
		t.Errorf("a new note from c keeps its attachment")
	}
	fresh.Attachments, fresh.Updated = []content.Attachment{{URL: "https://c.test/media/3.png"}}, eventNow
	if err := db.UpdateObject(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.ObjectByIRI(ctx, fresh.IRI); len(o.Attachments) != 0 {
		t.Errorf("an edited note from c keeps its attachment")
	}
	ev := f.remoteEvent("https://c.test/events/2", f.carol)
	if e := f.reload(ev.ID); e.CoverURL != "" {
		t.Errorf("a new event from c keeps its cover %q", e.CoverURL)
	}
}

// TestPolicyAllowlist federates with c only: pending deliveries to b are
// cancelled, new ones not queued, b's content not stored.
func TestPolicyAllowlist(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	if err := db.AllowDomain(ctx, content.DomainAllow{Domain: "c.test", Comment: "ministry"}, f.ann); err != nil {
		t.Fatal(err)
	}
	if got := f.count("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"); got != 2 {
		t.Errorf("allowing c in open mode changed the queue: %d pending, want 2", got)
	}
	eff, err := db.SetFederationMode(ctx, content.FederateAllowlist, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Deliveries != 1 {
		t.Errorf("switching to the allowlist cancelled %d deliveries, want 1 (to b)", eff.Deliveries)
	}
	p, err := db.FederationPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != content.FederateAllowlist || len(p.Allows) != 1 || p.Allows[0].Comment != "ministry" {
		t.Errorf("policy %+v; want allowlist mode with c.test", p)
	}
	act := &content.Activity{IRI: "https://kring.test/activities/2", Actor: f.ann, Type: "Create", Body: []byte(`{}`)}
	if err := db.Publish(ctx, act, nil, f.ann, []storage.Target{{Inbox: f.bobInbox, Host: "b.test:8080"},
		{Inbox: "https://social.c.test/inbox", Host: "social.c.test"}, {Inbox: f.carolInbox, Host: "c.test"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.count("SELECT COUNT(*) FROM deliveries WHERE activity_id = ? AND host <> 'b.test:8080'", act.ID); got != 2 {
		t.Errorf("queued %d deliveries to c and its subdomain, want 2", got)
	}
	if got := f.count("SELECT COUNT(*) FROM deliveries WHERE activity_id = ? AND host = 'b.test:8080'", act.ID); got != 0 {
		t.Errorf("queued %d deliveries to the unlisted b", got)
	}
	late := &content.Object{IRI: "http://b.test:8080/notes/3", Type: "Note", AttributedTo: f.bob, Public: true, Published: eventNow}
	if inserted, err := db.PutObject(ctx, late); err != nil || inserted {
		t.Errorf("object from the unlisted b: inserted %v, err %v", inserted, err)
	}
	v1, _ := db.PolicyVersion(ctx)
	eff, err = db.DisallowDomain(ctx, "c.test", f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Deliveries != 3 {
		t.Errorf("disallowing c cancelled %d deliveries, want 3 (the first note's and the second's two)", eff.Deliveries)
	}
	if v2, _ := db.PolicyVersion(ctx); v2 <= v1 {
		t.Errorf("policy version %d after a change, was %d", v2, v1)
	}
}

// TestPolicyActor suspends bob alone and limits carol alone.
func TestPolicyActor(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	other := f.object(&content.Object{IRI: "http://b.test:8080/notes/9", AttributedTo: "http://b.test:8080/users/eve", Content: "<p>eve</p>"})
	eff, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: f.bob, Severity: content.SeveritySuspend, Reason: "abuse"}, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Objects != 2 || eff.Actors != 1 || eff.Follows != 2 || eff.Events != 1 {
		t.Errorf("effect of suspending bob: %+v", eff)
	}
	if _, err := db.ObjectByIRI(ctx, other.IRI); err != nil {
		t.Errorf("eve's note on bob's server went with bob's suspension: %v", err)
	}
	if got := f.count("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"); got != 2 {
		t.Errorf("%d deliveries pending; bob's suspension must not cancel b's shared inbox", got)
	}
	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: f.carol, Severity: content.SeverityLimit}, f.ann); err != nil {
		t.Fatal(err)
	}
	if got := f.taggedGo(); len(got) != 0 {
		t.Errorf("tag go lists %v; carol is limited and bob suspended", got)
	}
	p, err := db.FederationPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actors) != 2 {
		t.Errorf("actor policies %+v, want bob and carol", p.Actors)
	}
	if _, err := db.LiftActorPolicy(ctx, f.carol, f.ann); err != nil {
		t.Fatal(err)
	}
	if got := f.taggedGo(); len(got) != 1 {
		t.Errorf("tag go lists %v after lifting carol's limit, want her note", got)
	}
	if _, err := db.SetActorPolicy(ctx, content.ActorPolicy{Actor: "bob@b.test", Severity: content.SeveritySuspend}, f.ann); content.KindOf(err) != content.KindInvalid {
		t.Errorf("a handle as actor id: %v, want invalid", err)
	}
}

// TestPolicyImportAndServers imports a block list in one transaction and
// reads the servers the node knows.
func TestPolicyImportAndServers(t *testing.T) {
	f := newPolicyFixture(t)
	ctx, db := f.ctx, f.db
	if _, err := db.BlockDomain(ctx, content.DomainBlock{Domain: "c.test", Severity: content.SeverityLimit, PrivateComment: "ours"}, f.ann); err != nil {
		t.Fatal(err)
	}
	added, skipped, eff, err := db.ImportDomainBlocks(ctx, []content.DomainBlock{
		{Domain: "b.test", Severity: content.SeveritySuspend},
		{Domain: "c.test", Severity: content.SeveritySuspend},
		{Domain: "d.test", Severity: content.SeverityNoop, RejectReports: true},
	}, true, f.ann)
	if err != nil {
		t.Fatal(err)
	}
	if added != 2 || skipped != 1 || eff.Objects != 2 {
		t.Errorf("import: added %d, skipped %d, effect %+v; want 2, 1 and bob's objects dropped", added, skipped, eff)
	}
	if b, err := db.DomainBlock(ctx, "c.test"); err != nil || b.Severity != content.SeverityLimit || b.PrivateComment != "ours" {
		t.Errorf("c.test after an import that keeps blocks: %+v, %v", b, err)
	}
	// A bad row rolls the whole import back.
	if _, _, _, err := db.ImportDomainBlocks(ctx, []content.DomainBlock{{Domain: "e.test", Severity: content.SeveritySuspend},
		{Domain: "Bad Domain", Severity: content.SeveritySuspend}}, false, f.ann); err == nil {
		t.Fatal("import with a bad domain succeeded")
	}
	if _, err := db.DomainBlock(ctx, "e.test"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("e.test blocked by a failed import: %v", err)
	}
	servers, err := db.KnownServers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byHost := map[string]storage.ServerStatus{}
	for _, s := range servers {
		byHost[s.Host] = s
	}
	if s := byHost["c.test"]; s.Actors != 1 || s.Pending != 1 {
		t.Errorf("c.test: %+v; want 1 actor and 1 pending delivery", s)
	}
	if s := byHost["b.test:8080"]; s.Failed != 1 || !strings.Contains(s.LastError, "suspended") || s.LastReceived.IsZero() {
		t.Errorf("b.test:8080: %+v; want its cancelled delivery and its last activity", s)
	}
}

// TestPolicyEffectString names only what changed.
func TestPolicyEffectString(t *testing.T) {
	for _, c := range []struct {
		eff  storage.PolicyEffect
		want string
	}{
		{storage.PolicyEffect{}, "nothing stored changed"},
		{storage.PolicyEffect{Objects: 1, Follows: 2}, "1 object dropped, 2 follows removed"},
	} {
		if got := c.eff.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.eff, got, c.want)
		}
	}
}
