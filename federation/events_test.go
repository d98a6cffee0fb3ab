package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

// eventIn is an event input a day or more ahead of now, so that it can be
// joined.
func eventIn(days int, title string) federation.EventInput {
	start := time.Now().UTC().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Hour)
	return federation.EventInput{
		Title: title, Body: "Koffie en een spreker. #openkoffie", Start: start, End: start.Add(time.Hour),
		TimeZone: "Europe/Amsterdam",
		Place: content.Place{Name: "Ministerie van BZK", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag",
			Country: "Nederland", HasGeo: true, Lat: 52, Lon: 4.3167},
		Language: content.LanguageDutch,
	}
}

// followMember has member m of node n follow member target of node at.
func followMember(t *testing.T, n *fedtest.Node, m *content.Member, at *fedtest.Node, target string) {
	t.Helper()
	ctx := context.Background()
	if _, err := n.Follow(ctx, m, target+"@"+at.Host); err != nil {
		t.Fatalf("%s follows %s: %v", m.Username, target, err)
	}
	waitFor(t, m.Username+"'s follow of "+target, 10*time.Second, func() bool {
		f, err := n.DB.FollowBetween(ctx, n.Actor(m.Username), at.Actor(target))
		return err == nil && f.State == content.FollowAccepted
	})
}

func participantState(t *testing.T, db *storage.DB, eventID int64, actor string) content.ParticipationState {
	t.Helper()
	p, err := db.Participant(context.Background(), eventID, actor)
	if err != nil {
		return ""
	}
	return p.State
}

// TestEventJoinAcrossNodes: bob and carol on b follow alice on a; alice
// publishes an event for one person; b holds it in its network agenda.
// Bob joins from b (Join → Accept): a counts him, b sees him accepted.
// Carol joins: the waiting list; dave, a member of a, too. Bob leaves:
// carol moves up and b hears of it by an Accept.
func TestEventJoinAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	carol := storagetest.Member(t, b.DB, "carol", content.RoleMember, "correct horse battery")
	followMember(t, b, bob, a, "alice")
	followMember(t, b, carol, a, "alice")

	in := eventIn(3, "Open Koffie")
	in.Capacity = 1
	ev, err := a.SaveEvent(ctx, alice, nil, in)
	if err != nil {
		t.Fatalf("save event: %v", err)
	}
	var remote *content.Event
	waitFor(t, "the event in b's network agenda", 10*time.Second, func() bool {
		list, err := b.DB.Events(ctx, storage.EventFilter{Scope: "network"})
		if err != nil || len(list) != 1 {
			return false
		}
		remote = list[0]
		return true
	})
	if remote.IRI != ev.IRI || !remote.Start.Equal(ev.Start) || remote.Place.City != "Den Haag" || remote.Organizer != a.Actor("alice") ||
		remote.Capacity != 1 || remote.TimeZone != "Europe/Amsterdam" || !remote.Place.HasGeo || remote.Place.Lat != 52 {
		t.Fatalf("b's copy: %+v; want a's event with its time, place and organiser", remote)
	}

	if _, err := b.JoinEvent(ctx, bob, remote, ""); err != nil {
		t.Fatalf("bob joins: %v", err)
	}
	waitFor(t, "bob accepted on a and on b", 10*time.Second, func() bool {
		return participantState(t, a.DB, ev.ID, b.Actor("bob")) == content.ParticipantAccepted &&
			participantState(t, b.DB, remote.ID, b.Actor("bob")) == content.ParticipantAccepted
	})
	if got, _ := a.DB.EventByID(ctx, ev.ID); got.ParticipantCount != 1 {
		t.Errorf("a counts %d participants, want 1", got.ParticipantCount)
	}

	if _, err := b.JoinEvent(ctx, carol, remote, "Graag!"); err != nil {
		t.Fatalf("carol joins: %v", err)
	}
	waitFor(t, "carol on a's waiting list", 10*time.Second, func() bool {
		return participantState(t, a.DB, ev.ID, b.Actor("carol")) == content.ParticipantWaiting
	})
	if p, err := a.JoinEvent(ctx, dave, ev, ""); err != nil || p.State != content.ParticipantWaiting {
		t.Fatalf("dave joins: %+v, %v; want the waiting list", p, err)
	}
	if st := participantState(t, b.DB, remote.ID, b.Actor("carol")); st != content.ParticipantPending {
		t.Errorf("carol on b: %q, want pending while a holds her on the waiting list", st)
	}

	if err := b.LeaveEvent(ctx, bob, remote); err != nil {
		t.Fatalf("bob leaves: %v", err)
	}
	waitFor(t, "carol moved up on a and accepted on b", 10*time.Second, func() bool {
		return participantState(t, a.DB, ev.ID, b.Actor("bob")) == "" &&
			participantState(t, a.DB, ev.ID, b.Actor("carol")) == content.ParticipantAccepted &&
			participantState(t, b.DB, remote.ID, b.Actor("carol")) == content.ParticipantAccepted
	})
	got, _ := a.DB.EventByID(ctx, ev.ID)
	if got.ParticipantCount != 1 || got.WaitingCount != 1 {
		t.Errorf("a counts %d participants and %d waiting, want 1 and 1 (dave)", got.ParticipantCount, got.WaitingCount)
	}
	if st := participantState(t, a.DB, ev.ID, a.Actor("dave")); st != content.ParticipantWaiting {
		t.Errorf("dave: %q, want still waiting", st)
	}
	// The notification is written just after the participation.
	waitFor(t, "carol told she has a seat", 5*time.Second, func() bool {
		ns, _ := b.DB.Notifications(ctx, carol.ID, 0, 10)
		return hasNotification(ns, content.NotifyEventAccepted, ev.IRI)
	})
}

func hasNotification(ns []content.Notification, kind content.NotificationKind, object string) bool {
	for _, n := range ns {
		if n.Kind == kind && n.ObjectIRI == object {
			return true
		}
	}
	return false
}

// TestEventSeriesAcrossNodes: a series "every second and fourth Monday,
// 9:00–10:00 Europe/Amsterdam" on a reaches bob on b occurrence by
// occurrence; moving one and cancelling another reach b as Updates, and
// bob, signed up for the cancelled one, is told.
func TestEventSeriesAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	followMember(t, b, bob, a, "alice")

	first := nextSecondMonday(time.Now().In(content.LoadZone(content.DefaultTimeZone)))
	in := eventIn(0, "Open Koffie")
	in.Start, in.End = first, first.Add(time.Hour)
	s, err := a.SaveSeries(ctx, alice, nil, federation.SeriesInput{EventInput: in, RRule: "FREQ=MONTHLY;BYDAY=2MO,4MO", HorizonWeeks: 8})
	if err != nil {
		t.Fatalf("save series: %v", err)
	}
	occ, err := a.DB.SeriesEvents(ctx, s.ID)
	if err != nil || len(occ) < 3 || len(occ) > 5 {
		t.Fatalf("%d occurrences (%v), want 3 to 5 in 8 weeks", len(occ), err)
	}
	for _, ev := range occ {
		local := ev.Start.In(content.LoadZone("Europe/Amsterdam"))
		if local.Weekday() != time.Monday || local.Hour() != 9 || local.Minute() != 0 || ((local.Day()-1)/7 != 1 && (local.Day()-1)/7 != 3) {
			t.Errorf("occurrence at %s: not a second or fourth Monday at 9:00 in Amsterdam", local)
		}
	}
	waitFor(t, "every occurrence on b", 10*time.Second, func() bool {
		list, _ := b.DB.Events(ctx, storage.EventFilter{Scope: "network"})
		return len(list) == len(occ)
	})

	moved, cancelled := occ[0], occ[1]
	remoteCancelled, _ := b.DB.EventByIRI(ctx, cancelled.IRI)
	if _, err := b.JoinEvent(ctx, bob, remoteCancelled, ""); err != nil {
		t.Fatalf("bob joins: %v", err)
	}
	waitFor(t, "bob accepted", 10*time.Second, func() bool {
		return participantState(t, b.DB, remoteCancelled.ID, b.Actor("bob")) == content.ParticipantAccepted
	})

	mv := inputOf(moved)
	mv.Start, mv.End = moved.Start.Add(30*time.Minute), moved.End.Add(30*time.Minute)
	mv.Place = content.Place{Name: "Ministerie van Financiën", City: "Den Haag"}
	if _, err := a.SaveEvent(ctx, alice, moved, mv); err != nil {
		t.Fatalf("move an occurrence: %v", err)
	}
	if _, err := a.CancelEvent(ctx, alice, cancelled); err != nil {
		t.Fatalf("cancel an occurrence: %v", err)
	}
	waitFor(t, "the move and the cancellation on b", 10*time.Second, func() bool {
		m, err1 := b.DB.EventByIRI(ctx, moved.IRI)
		c, err2 := b.DB.EventByIRI(ctx, cancelled.IRI)
		return err1 == nil && err2 == nil && m.Start.Equal(moved.Start.Add(30*time.Minute)) &&
			m.Place.Name == "Ministerie van Financiën" && c.Status == content.EventCancelled
	})
	// The notification is written just after the event.
	waitFor(t, "bob told of the cancellation", 5*time.Second, func() bool {
		ns, _ := b.DB.Notifications(ctx, bob.ID, 0, 10)
		return hasNotification(ns, content.NotifyEventCancelled, cancelled.IRI)
	})
	// The series leaves the occurrences edited by hand alone.
	in.Title = "Open Koffie (nieuw)"
	if _, err := a.SaveSeries(ctx, alice, s, federation.SeriesInput{EventInput: in, RRule: "FREQ=MONTHLY;BYDAY=2MO,4MO", HorizonWeeks: 8}); err != nil {
		t.Fatalf("edit series: %v", err)
	}
	after, _ := a.DB.SeriesEvents(ctx, s.ID)
	for _, ev := range after {
		switch {
		case ev.IRI == moved.IRI && (ev.Title != "Open Koffie" || !ev.Start.Equal(moved.Start.Add(30*time.Minute))):
			t.Errorf("the moved occurrence followed the series: %q at %s", ev.Title, ev.Start)
		case ev.IRI == cancelled.IRI && !ev.Cancelled():
			t.Errorf("the cancelled occurrence came back")
		case ev.IRI != moved.IRI && ev.IRI != cancelled.IRI && ev.Title != "Open Koffie (nieuw)":
			t.Errorf("occurrence %s kept title %q after the series' edit", ev.Start, ev.Title)
		}
	}
}

// nextSecondMonday is the second Monday of next month, 9:00 in loc.
func nextSecondMonday(now time.Time) time.Time {
	d := time.Date(now.Year(), now.Month()+1, 1, 9, 0, 0, 0, now.Location())
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7).UTC()
}

func inputOf(ev *content.Event) federation.EventInput {
	return federation.EventInput{Title: ev.Title, Body: ev.Body, Start: ev.Start, End: ev.End, TimeZone: ev.TimeZone, Place: ev.Place,
		OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, JoinMode: ev.JoinMode, Status: ev.Status, Tags: ev.Tags, Language: ev.Language}
}

// TestEventDocument checks the Event as servers fetch it: Mobilizon's
// fields, coordinates as floats with a decimal point, a summary that says
// when and where, today's participant count; and a Tombstone with 410
// once deleted.
func TestEventDocument(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	in := eventIn(5, "Open Koffie: open data")
	in.Capacity = 20
	in.Speakers = []string{"@dave", "Jan Jansen"}
	ev, err := a.SaveEvent(ctx, alice, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.JoinEvent(ctx, dave, ev, ""); err != nil {
		t.Fatal(err)
	}
	raw, status := getAS(t, ev.IRI)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", ev.IRI, status)
	}
	var doc struct {
		Type, Name, Summary, StartTime, EndTime, Timezone, JoinMode string
		ICalStatus                                                  string `json:"ical:status"`
		ParticipantCount, MaximumAttendeeCapacity                   int
		Remaining                                                   int `json:"remainingAttendeeCapacity"`
		IsOnline, AnonymousParticipationEnabled                     bool
		AttributedTo                                                string
		Location                                                    struct {
			Type, Name string
			Address    struct{ Type, StreetAddress, PostalCode, AddressLocality, AddressCountry string }
		}
		Tag []struct{ Type, Name, Href string }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Type != "Event" || doc.AttributedTo != a.Actor("alice") || doc.Timezone != "Europe/Amsterdam" || doc.JoinMode != "free" ||
		doc.ICalStatus != "CONFIRMED" || doc.ParticipantCount != 1 || doc.MaximumAttendeeCapacity != 20 || doc.Remaining != 19 || doc.IsOnline ||
		doc.AnonymousParticipationEnabled || doc.Location.Type != "Place" || doc.Location.Address.Type != "PostalAddress" ||
		doc.Location.Address.AddressLocality != "Den Haag" || doc.Location.Address.PostalCode != "2511 DP" {
		t.Errorf("event document: %s", raw)
	}
	start, err := time.Parse(time.RFC3339, doc.StartTime)
	if err != nil || !start.Equal(ev.Start) || !strings.HasSuffix(doc.StartTime, "+01:00") && !strings.HasSuffix(doc.StartTime, "+02:00") {
		t.Errorf("startTime %q: want the event's start in its own offset", doc.StartTime)
	}
	if !regexp.MustCompile(`"latitude":\s*52\.0\b`).Match(raw) || !regexp.MustCompile(`"longitude":\s*4\.3167\b`).Match(raw) {
		t.Errorf("coordinates are not floats with a decimal point: %s", raw)
	}
	if !strings.Contains(doc.Summary, "Den Haag") || !strings.Contains(doc.Summary, ev.Start.In(ev.Zone()).Format("15:04")) {
		t.Errorf("summary %q does not say when and where", doc.Summary)
	}
	var mentionsDave, hashtag bool
	for _, tg := range doc.Tag {
		mentionsDave = mentionsDave || (tg.Type == "Mention" && tg.Href == a.Actor("dave"))
		hashtag = hashtag || (tg.Type == "Hashtag" && tg.Name == "#openkoffie")
	}
	if !mentionsDave || !hashtag {
		t.Errorf("tags %+v: want the speaker dave as a Mention and #openkoffie", doc.Tag)
	}
	if err := a.DeleteEvent(ctx, alice, ev); err != nil {
		t.Fatal(err)
	}
	if raw, status := getAS(t, ev.IRI); status != http.StatusGone || !strings.Contains(string(raw), `"Tombstone"`) {
		t.Errorf("deleted event: %d %s; want 410 with a Tombstone", status, raw)
	}
}

func getAS(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body, resp.StatusCode
}

// TestEventApprovalAndRights: a restricted event holds a remote Join until
// the organiser decides; only organisers decide.
func TestEventApprovalAndRights(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")
	followMember(t, b, bob, a, "alice")
	in := eventIn(2, "Besloten sessie")
	in.JoinMode = content.JoinApproval
	ev, err := a.SaveEvent(ctx, alice, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	var remote *content.Event
	waitFor(t, "the event on b", 10*time.Second, func() bool {
		remote, err = b.DB.EventByIRI(ctx, ev.IRI)
		return err == nil
	})
	if _, err := b.JoinEvent(ctx, bob, remote, "Mag ik erbij?"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob's request on a", 10*time.Second, func() bool {
		return participantState(t, a.DB, ev.ID, b.Actor("bob")) == content.ParticipantPending
	})
	if _, err := a.DecideParticipant(ctx, dave, ev, b.Actor("bob"), true); content.KindOf(err) != content.KindForbidden {
		t.Errorf("dave, not an organiser, decides: %v; want forbidden", err)
	}
	waitFor(t, "alice told of the request", 5*time.Second, func() bool {
		ns, _ := a.DB.Notifications(ctx, alice.ID, 0, 10)
		return hasNotification(ns, content.NotifyEventRequest, ev.IRI)
	})
	if _, err := a.DecideParticipant(ctx, alice, ev, b.Actor("bob"), false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Reject on b", 10*time.Second, func() bool {
		return participantState(t, b.DB, remote.ID, b.Actor("bob")) == content.ParticipantRejected
	})
	if _, err := a.SaveEvent(ctx, dave, ev, inputOf(ev)); content.KindOf(err) != content.KindForbidden {
		t.Errorf("dave edits alice's event: %v; want forbidden", err)
	}
}

// TestEventToAMastodonLikePeer: mia, on a strict Mastodon-like server,
// follows only the organisation actor of a. An event by alice reaches her
// as a Create and the organisation's boost; her reply (Mastodon has no
// Join) is stored as a comment under the event; moving the event, calling
// it off and deleting it reach her as Update, Update and Delete, each
// signed by the organiser.
func TestEventToAMastodonLikePeer(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	if err := a.EnsureOrganisation(ctx, "ministerie", "Ministerie van Voorbeelden"); err != nil {
		t.Fatal(err)
	}
	rem := fedtest.NewRemote(t)
	mia := rem.AddActor("mia", fedtest.Key(t, 1))
	follow, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": rem.Base + "/follows/1", "type": "Follow",
		"actor": mia.ID, "object": a.IRIs().Organisation()})
	if got := fedtest.Post(t, a.IRIs().Organisation()+"/inbox", follow, mia.Signer().SignPost); got.Status != 202 {
		t.Fatalf("follow: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, rem.Base+"/follows/1", 10*time.Second)

	ev, err := a.SaveEvent(ctx, alice, nil, eventIn(6, "Open Koffie"))
	if err != nil {
		t.Fatal(err)
	}
	received := func(typ string, check func(body []byte) bool) fedtest.Received {
		return rem.WaitFor(t, 10*time.Second, typ+" of the event", func(r fedtest.Received) bool {
			_, got, obj := r.Activity()
			return got == typ && obj == ev.IRI && (check == nil || check(r.Body))
		})
	}
	if r := received("Create", nil); r.Err != nil || r.Signer != a.Actor("alice") {
		t.Errorf("Create signed by %q (%v), want alice", r.Signer, r.Err)
	}
	if r := received("Announce", nil); r.Signer != a.IRIs().Organisation() {
		t.Errorf("boost signed by %q, want the organisation", r.Signer)
	}

	reply, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": rem.Base + "/statuses/1/activity", "type": "Create",
		"actor": mia.ID, "to": []string{federation.Public}, "cc": []string{mia.ID + "/followers"},
		"object": map[string]any{"id": rem.Base + "/statuses/1", "type": "Note", "attributedTo": mia.ID, "inReplyTo": ev.IRI,
			"content": "<p>Ik kom! <script>alert(1)</script></p>", "published": time.Now().UTC().Format(time.RFC3339),
			"to": []string{federation.Public}, "cc": []string{mia.ID + "/followers"}}})
	if got := fedtest.Post(t, a.SharedInbox(), reply, mia.Signer().SignPost); got.Status != 202 {
		t.Fatalf("reply: %d %s", got.Status, got.Body)
	}
	a.WaitProcessed(t, rem.Base+"/statuses/1/activity", 10*time.Second)
	comments, err := a.DB.Comments(ctx, ev.IRI, 0)
	if err != nil || len(comments) != 1 || !strings.Contains(comments[0].Content, "Ik kom!") || strings.Contains(comments[0].Content, "script") {
		t.Fatalf("comments under the event: %+v, %v; want mia's reply, sanitised", comments, err)
	}

	moved := inputOf(ev)
	moved.Start, moved.End = ev.Start.Add(24*time.Hour), ev.End.Add(24*time.Hour)
	ev2, err := a.SaveEvent(ctx, alice, ev, moved)
	if err != nil {
		t.Fatal(err)
	}
	newStart := ev2.Start.In(ev2.Zone()).Format(time.RFC3339)
	received("Update", func(b []byte) bool { return strings.Contains(string(b), newStart) })
	if _, err := a.CancelEvent(ctx, alice, ev2); err != nil {
		t.Fatal(err)
	}
	received("Update", func(b []byte) bool { return strings.Contains(string(b), `"ical:status":"CANCELLED"`) })
	ev3, _ := a.DB.EventByID(ctx, ev.ID)
	if ev3.Sequence != 2 {
		t.Errorf("sequence %d after two changes, want 2", ev3.Sequence)
	}
	if err := a.DeleteEvent(ctx, alice, ev3); err != nil {
		t.Fatal(err)
	}
	if r := received("Delete", nil); r.Signer != a.Actor("alice") {
		t.Errorf("Delete signed by %q, want alice", r.Signer)
	}
}

// TestEventSeriesEditsAndLookup: moving a series to another time of day
// moves its occurrences with their participants (nothing is cancelled);
// an admin's edit keeps the series' organiser; raising an event's
// capacity moves its waiting list up; a member on b finds an event of a
// by its id and joins it.
func TestEventSeriesEditsAndLookup(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, a.DB, "alice", content.RoleMember, "correct horse battery")
	root := storagetest.Member(t, a.DB, "beheer", content.RoleAdmin, "correct horse battery")
	dave := storagetest.Member(t, a.DB, "dave", content.RoleMember, "correct horse battery")
	erin := storagetest.Member(t, a.DB, "erin", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, b.DB, "bob", content.RoleMember, "correct horse battery")

	first := nextSecondMonday(time.Now().In(content.LoadZone(content.DefaultTimeZone)))
	in := eventIn(0, "Open Koffie")
	in.Start, in.End, in.Capacity = first, first.Add(time.Hour), 1
	s, err := a.SaveSeries(ctx, alice, nil, federation.SeriesInput{EventInput: in, RRule: "FREQ=MONTHLY;BYDAY=2MO,4MO", HorizonWeeks: 6})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := a.DB.SeriesEvents(ctx, s.ID)
	if _, err := a.JoinEvent(ctx, dave, before[0], ""); err != nil {
		t.Fatal(err)
	}
	if p, err := a.JoinEvent(ctx, erin, before[0], ""); err != nil || p.State != content.ParticipantWaiting {
		t.Fatalf("erin: %+v, %v; want the waiting list", p, err)
	}
	later := in
	later.Start, later.End = first.Add(30*time.Minute), first.Add(90*time.Minute)
	if _, err := a.SaveSeries(ctx, root, s, federation.SeriesInput{EventInput: later, RRule: "FREQ=MONTHLY;BYDAY=2MO,4MO", HorizonWeeks: 6}); err != nil {
		t.Fatalf("admin edits the series: %v", err)
	}
	after, _ := a.DB.SeriesEvents(ctx, s.ID)
	if len(after) != len(before) {
		t.Fatalf("%d occurrences after the move, %d before: want the same ones moved", len(after), len(before))
	}
	for i, ev := range after {
		local := ev.Start.In(ev.Zone())
		if ev.IRI != before[i].IRI || ev.Cancelled() || local.Hour() != 9 || local.Minute() != 30 || ev.Organizer != a.Actor("alice") {
			t.Errorf("occurrence %d: %s at %s, cancelled %v, organiser %s; want %s moved to 9:30, alice's", i, ev.IRI, local, ev.Cancelled(), ev.Organizer, before[i].IRI)
		}
	}
	if st := participantState(t, a.DB, after[0].ID, a.Actor("dave")); st != content.ParticipantAccepted {
		t.Errorf("dave lost his seat in the moved occurrence: %q", st)
	}

	more := inputOf(after[0])
	more.Capacity = 2
	if _, err := a.SaveEvent(ctx, alice, after[0], more); err != nil {
		t.Fatal(err)
	}
	if st := participantState(t, a.DB, after[0].ID, a.Actor("erin")); st != content.ParticipantAccepted {
		t.Errorf("erin after the capacity rose: %q, want accepted", st)
	}

	// (By its page address in cmd/kring's real-process test: the page
	// is the web package's.)
	ev, err := b.LookupEvent(ctx, after[1].IRI)
	if err != nil || ev.IRI != after[1].IRI || ev.Local {
		t.Fatalf("b looks up %s: %+v, %v; want a's event, held as received", after[1].IRI, ev, err)
	}
	if _, err := b.JoinEvent(ctx, bob, ev, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob accepted on a", 10*time.Second, func() bool {
		return participantState(t, a.DB, after[1].ID, b.Actor("bob")) == content.ParticipantAccepted
	})
	if _, err := b.LookupEvent(ctx, "http://"+a.Host+"/events/nothing-here"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("lookup of a page that is no event: %v; want not found", err)
	}
}

// TestEventByAForum: an admin publishes an event in a forum's name, with
// a cover image, a speaker on another node and a plain-named one. The
// forum's follower on b gets it from the Group, with the cover and its
// alt text; the remote speaker is mentioned, so b tells bob.
func TestEventByAForum(t *testing.T) {
	ctx := context.Background()
	x := newForumPair(t) // alice on a, bob on b following a's forum "opendata"
	admin := storagetest.Member(t, x.a.DB, "beheer", content.RoleAdmin, "correct horse battery")
	img := &content.Media{Name: "0123456789abcdef0123456789abcdef.png", OwnerID: admin.ID, MediaType: "image/png",
		Width: 800, Height: 400, Size: 1234, Alt: "Koffiekopjes op een vergadertafel"}
	if err := x.a.DB.CreateMedia(ctx, img); err != nil {
		t.Fatal(err)
	}
	in := eventIn(3, "Open data-café")
	in.Organizer, in.CoverID = "forum:opendata", img.ID
	in.Speakers = []string{"@bob@" + x.b.Host, "Jan Jansen"}
	ev, err := x.a.SaveEvent(ctx, admin, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	group := x.a.IRIs().Group("opendata")
	if ev.Organizer != group || ev.OrganizerKind != content.OrganizerForum || len(ev.Speakers) != 2 || ev.Speakers[0].Actor != x.b.Actor("bob") {
		t.Fatalf("event by %s (%s), speakers %+v; want the forum's Group and bob found by WebFinger", ev.Organizer, ev.OrganizerKind, ev.Speakers)
	}
	var got *content.Event
	waitFor(t, "the event on b", 10*time.Second, func() bool {
		got, err = x.b.DB.EventByIRI(ctx, ev.IRI)
		return err == nil
	})
	if got.Organizer != group || got.CoverURL != ev.CoverURL || got.CoverAlt != img.Alt {
		t.Errorf("b's copy by %s, cover %q (%q); want the Group, %q (%q)", got.Organizer, got.CoverURL, got.CoverAlt, ev.CoverURL, img.Alt)
	}
	waitFor(t, "bob told he is mentioned", 10*time.Second, func() bool {
		ns, _ := x.b.DB.Notifications(ctx, x.bob.ID, 0, 10)
		return hasNotification(ns, content.NotifyMention, ev.IRI)
	})
	if _, err := x.a.SaveEvent(ctx, x.alice, nil, func() federation.EventInput { i := in; i.CoverID = 0; return i }()); content.KindOf(err) != content.KindForbidden {
		t.Errorf("alice, no moderator of the forum, organises in its name: %v; want forbidden", err)
	}
}
