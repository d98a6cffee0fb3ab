package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

// eventLanding is what an event payload of the corpus does on a node.
type eventLanding int

const (
	inAgenda     eventLanding = iota + 1 // an Event in the network agenda with its time, place and organiser
	notListed                            // kept as an object, not on public pages (not addressed to the public)
	joined                               // a participant of a local event, answered with Accept
	left                                 // the participation ended
	joinAnswered                         // our member's Join of a remote event, answered
	refused                              // answered 400 at the inbox: the activity's id is not on its actor's host
)

// eventRow is one Event-related payload of the corpus and where it lands.
type eventRow struct {
	file string
	wrap bool // an object: it arrives in a Create by its actor (Mobilizon's group events: the member named as actor)
	// newID gives the payload a fresh id (and its object a fresh one),
	// where the corpus reuses one across files.
	newID             bool
	land              eventLanding
	title, city, name string // the agenda row's title, place city and place name
	start             string // RFC 3339
	organizer         string
	cover             bool
	note              string
}

var eventRows = []eventRow{
	{file: "mobilizon/create_event.json", land: inAgenda, title: "My first event", start: "2018-02-12T14:08:20Z", name: "Locaux de Framasoft", city: "Lyon",
		organizer: "https://mobilizon.fr/@metacartes", note: "no endTime: the end is the start"},
	{file: "mobilizon/create_event_media.json", newID: true, land: inAgenda, title: "My first event", start: "2018-02-12T14:08:20Z", city: "Lyon",
		organizer: "https://mobilizon.fr/@metacartes", cover: true, note: "the cover as an attached Document"},
	{file: "mobilizon/create_event_media_1.json", newID: true, land: inAgenda, title: "My first event", start: "2018-02-12T14:08:20Z", city: "Lyon",
		organizer: "https://mobilizon.fr/@metacartes", cover: true, note: "a Link first, then the image"},
	{file: "mobilizon/create_event_media_2.json", newID: true, land: inAgenda, title: "My first event", start: "2018-02-12T14:08:20Z", city: "Lyon",
		organizer: "https://mobilizon.fr/@metacartes", cover: true, note: "two images: the first is the cover"},
	{file: "mobilizon/create_event_by_group.json", land: notListed, title: "My first event",
		note: "a group's event sent by a member, addressed to the group only: kept, but never on public pages"},
	{file: "mobilizon/event.json", wrap: true, land: inAgenda, title: "Caledonian scottish dance class", start: "2022-12-11T19:00:00Z", name: "The Kenn Centre",
		city: "Teignbridge", organizer: "https://rendezvous.nomagic.uk/@devon_caledonian_society", cover: true,
		note: "a group's event, sent by the member named as its actor; Europe/London"},
	{file: "mobilizon/event_mobilizon_org.json", wrap: true, land: inAgenda, title: "Mobilizon Launching Party", start: "2019-12-18T13:00:00Z",
		name: "Cour du Château des Ducs de Bretagne", city: "Nantes", organizer: "https://mobilizon.org/@tcit", note: "coordinates under geo"},
	{file: "gancio/create_event.json", land: inAgenda, title: "Demo event", start: "2021-07-14T15:30:57Z", name: "Colosseo",
		organizer: "https://demo.gancio.org/federation/u/gancio", note: "a location with a name only, times with an offset"},
	{file: "gancio/event_v1.22.json", wrap: true, land: inAgenda, title: "Picture Show", name: "Fediverse TV", organizer: "https://remote.example/@organizer",
		cover: true, note: "no start time in this Gancio version's fixture: see the row's check"},
	{file: "mobilizon/join_event.json", land: joined, note: "a Join of a local event: Accept from the organiser"},
	{file: "mobilizon/join_remote_event.json", land: refused, note: "a mock: the Join's id is on mobilizon.mkljczk.pl, its actor on mobilizon.org; Mastodon refuses that too"},
	{file: "mobilizon/leave_event.json", newID: true, land: left, note: "the corpus gives the Leave the Join's id; a real Leave has its own"},
	{file: "mobilizon/accept_join_event.json", land: joinAnswered, note: "the organiser accepts our member's Join of its event; a mock whose id is on another host than its actor: given one on the actor's"},
}

// TestCorpusEvents feeds the Event payloads of Mobilizon and Gancio in
// ../shared/fixtures/activitypub to a Kring node, signed by a test key
// standing in for their origin, with a member following the organisers:
// Events land in the network agenda with the right time, place and
// organiser; Join and Leave of a local event are answered and counted;
// an Accept of a member's Join makes them a participant.
func TestCorpusEvents(t *testing.T) {
	fixtures, ok := fedtest.Corpus(t)
	if !ok {
		t.Log("shared fixture corpus not present (../shared/fixtures/activitypub): corpus events test not run")
		return
	}
	byFile := map[string]fedtest.Fixture{}
	for _, f := range fixtures {
		byFile[f.File] = f
	}
	rows := map[string]bool{}
	for _, r := range eventRows {
		rows[r.file] = true
	}
	for _, f := range fixtures {
		if (strings.Contains(f.What, "Event") || strings.HasPrefix(f.What, "Join") || strings.HasPrefix(f.What, "Leave") ||
			strings.HasPrefix(f.What, "Accept(Join")) && !rows[f.File] {
			t.Errorf("corpus file %s (%s) has no row in eventRows", f.File, f.What)
		}
	}
	key := fedtest.Key(t, 0)
	rem := fedtest.NewRemote(t)
	rem.ServeAnyActor(key)
	resolve := map[string]string{}
	raws := map[string][]byte{}
	for _, r := range eventRows {
		raws[r.file] = byFile[r.file].Read(t)
		for _, m := range hostRE.FindAllSubmatch(raws[r.file], -1) {
			resolve[strings.ToLower(string(m[1]))] = rem.Host
		}
	}
	node := fedtest.NewNode(t, fedtest.NodeOptions{Client: federation.ClientConfig{Resolve: resolve}})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	e := &eventEnv{corpusEnv: corpusEnv{node: node, remote: rem, alice: alice, key: key}}
	in := eventIn(4, "Open Koffie")
	in.Capacity = 10
	var err error
	if e.local, err = node.SaveEvent(context.Background(), alice, nil, in); err != nil {
		t.Fatal(err)
	}
	for i, r := range eventRows {
		t.Run(r.file, func(t *testing.T) { e.run(t, i, r, raws[r.file]) })
	}
}

type eventEnv struct {
	corpusEnv
	local *content.Event
	// joinID is the id the last Join row sent, which the Leave row names.
	joinActor string
}

func (e *eventEnv) run(t *testing.T, i int, r eventRow, raw []byte) {
	ctx := context.Background()
	if r.wrap {
		raw = wrapEvent(t, raw)
	}
	body := e.retarget(t, i, r, raw)
	var p struct {
		ID     string          `json:"id"`
		Actor  json.RawMessage `json:"actor"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	actor := idOf(p.Actor)
	e.storeActor(t, actor)
	var attributed struct {
		AttributedTo string `json:"attributedTo"`
	}
	json.Unmarshal(p.Object, &attributed)
	for _, who := range []string{actor, attributed.AttributedTo} {
		if who != "" {
			e.storeActor(t, who)
			e.putFollow(t, e.node.IRIs().Activity("follow-"+strconv.Itoa(i)+"-"+who), e.node.Actor("alice"), who, content.FollowAccepted)
		}
	}
	signer := federation.Signer{KeyID: actor + "#main-key", Key: e.key}
	got := fedtest.Post(t, e.node.SharedInbox(), body, signer.SignPost)
	if r.land == refused {
		if got.Status != 400 || !strings.Contains(string(got.Body), "not on the actor's host") {
			t.Errorf("status %d %s, want 400 naming the foreign id", got.Status, got.Body)
		}
		return
	}
	if got.Status != 202 {
		t.Fatalf("status %d %s, want 202", got.Status, got.Body)
	}
	it := e.node.WaitProcessed(t, p.ID, 10*time.Second)
	switch r.land {
	case inAgenda:
		e.wantInAgenda(t, r, idOf(p.Object), it.Outcome)
	case notListed:
		if o, err := e.node.DB.ObjectByIRI(ctx, idOf(p.Object)); err != nil || o.Public {
			t.Errorf("object %+v, %v; want it kept, not public (outcome %q)", o, err, it.Outcome)
		}
		if _, err := e.node.DB.EventByIRI(ctx, idOf(p.Object)); content.KindOf(err) != content.KindNotFound {
			t.Errorf("an event for the group's members only is in the agenda: %v", err)
		}
	case joined:
		e.joinActor = actor
		if st := participantState(t, e.node.DB, e.local.ID, actor); st != content.ParticipantAccepted {
			t.Fatalf("participation %q (outcome %q), want accepted", st, it.Outcome)
		}
		rec := e.remote.WaitFor(t, 10*time.Second, "the Accept of "+p.ID, func(rec fedtest.Received) bool {
			_, typ, obj := rec.Activity()
			return typ == "Accept" && obj == p.ID
		})
		if rec.Signer != e.local.Organizer {
			t.Errorf("Accept signed by %q, want the organiser", rec.Signer)
		}
	case left:
		if st := participantState(t, e.node.DB, e.local.ID, actor); st != "" {
			t.Errorf("participation %q after the Leave (outcome %q)", st, it.Outcome)
		}
	case joinAnswered:
		ev, _ := e.node.DB.EventByIRI(ctx, "https://mobilizon.mkljczk.pl/events/d9d08e46-81af-4ee9-91e5-1298f49beea9")
		if st := participantState(t, e.node.DB, ev.ID, e.node.Actor("alice")); st != content.ParticipantAccepted {
			t.Errorf("alice's participation %q (outcome %q), want accepted", st, it.Outcome)
		}
	}
}

// retarget points a payload at this node: Joins and Leaves at the local
// event; the Accept at alice's Join of the Mobilizon event, which she
// made here first.
func (e *eventEnv) retarget(t *testing.T, i int, r eventRow, raw []byte) []byte {
	t.Helper()
	replace := func(old, repl string) {
		if !bytes.Contains(raw, []byte(strconv.Quote(old))) {
			t.Fatalf("the payload does not name %s", old)
		}
		raw = bytes.ReplaceAll(raw, []byte(strconv.Quote(old)), []byte(strconv.Quote(repl)))
	}
	var p struct {
		ID     string          `json:"id"`
		Object json.RawMessage `json:"object"`
	}
	json.Unmarshal(raw, &p)
	if r.newID {
		replace(p.ID, p.ID+"-"+strconv.Itoa(i))
		if obj := idOf(p.Object); obj != "" && r.land == inAgenda {
			replace(obj, obj+"-"+strconv.Itoa(i))
		}
	}
	switch r.land {
	case joined, left:
		replace(idOf(p.Object), e.local.IRI)
	case joinAnswered:
		replace(p.ID, "https://mobilizon.org/accept/join/"+strconv.Itoa(i))
		e.memberJoined(t, raw)
		replace("https://pleroma.mkljczk.pl/users/mkljczk", e.node.Actor("alice"))
		replace("https://pleroma.mkljczk.pl/activities/7d1f3986-8b2c-48c2-b89e-d27ba8459777", e.aliceJoin(t))
	}
	return raw
}

// memberJoined stores the Mobilizon event the Accept is about and has
// alice join it (a Join is queued to its organiser, pending its answer).
func (e *eventEnv) memberJoined(t *testing.T, raw []byte) {
	t.Helper()
	ctx := context.Background()
	ev := &content.Event{IRI: "https://mobilizon.mkljczk.pl/events/d9d08e46-81af-4ee9-91e5-1298f49beea9", Title: "Mobilizon event",
		Start: time.Now().Add(48 * time.Hour).UTC(), End: time.Now().Add(50 * time.Hour).UTC(), TimeZone: "Europe/Warsaw",
		Organizer: "https://mobilizon.org/@tcit", OrganizerKind: content.OrganizerRemote, JoinMode: content.JoinOpen, Status: content.EventConfirmed,
		Published: time.Now().UTC()}
	if _, err := e.node.DB.PutRemoteEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	e.storeActor(t, ev.Organizer)
	if _, err := e.node.JoinEvent(ctx, e.alice, ev, ""); err != nil {
		t.Fatalf("alice joins the Mobilizon event: %v", err)
	}
}

func (e *eventEnv) aliceJoin(t *testing.T) string {
	t.Helper()
	ev, err := e.node.DB.EventByIRI(context.Background(), "https://mobilizon.mkljczk.pl/events/d9d08e46-81af-4ee9-91e5-1298f49beea9")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.node.DB.Participant(context.Background(), ev.ID, e.node.Actor("alice"))
	if err != nil || p.JoinIRI == "" || p.State != content.ParticipantPending {
		t.Fatalf("alice's participation %+v, %v: want pending with its Join's id", p, err)
	}
	return p.JoinIRI
}

// wantInAgenda checks the agenda row of a received Event.
func (e *eventEnv) wantInAgenda(t *testing.T, r eventRow, iri, outcome string) {
	t.Helper()
	// The agenda row is written just after the inbox row is marked
	// processed.
	var ev *content.Event
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for ev, err = e.node.DB.EventByIRI(context.Background(), iri); err != nil && r.start != "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		ev, err = e.node.DB.EventByIRI(context.Background(), iri)
	}
	if r.start == "" {
		// Gancio 1.22's fixture has no startTime: an event without a time
		// has no place in an agenda; the object is kept.
		if content.KindOf(err) != content.KindNotFound {
			t.Errorf("an Event without a start is in the agenda: %+v, %v", ev, err)
		}
		if _, err := e.node.DB.ObjectByIRI(context.Background(), iri); err != nil {
			t.Errorf("object not kept (outcome %q): %v", outcome, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("not in the agenda (outcome %q): %v", outcome, err)
	}
	start, _ := time.Parse(time.RFC3339, r.start)
	if ev.Title != r.title || !ev.Start.Equal(start) || ev.Organizer != r.organizer || (r.city != "" && ev.Place.City != r.city) ||
		(r.name != "" && ev.Place.Name != r.name) || ev.Local || (r.cover && ev.CoverURL == "") {
		t.Errorf("agenda row %q at %s by %s in %q/%q, cover %q; want %q at %s by %s in %q/%q", ev.Title, ev.Start, ev.Organizer, ev.Place.Name, ev.Place.City,
			ev.CoverURL, r.title, start, r.organizer, r.name, r.city)
	}
	list, err := e.node.DB.Events(context.Background(), storage.EventFilter{Scope: "network", From: start.Add(-time.Hour), To: start.Add(time.Hour), Limit: 100})
	if err != nil || !containsEvent(list, iri) {
		t.Errorf("not listed in the network agenda around its start (%v)", err)
	}
}

func containsEvent(list []*content.Event, iri string) bool {
	for _, ev := range list {
		if ev.IRI == iri {
			return true
		}
	}
	return false
}

// wrapEvent sends an Event object in a Create by its actor: the member
// named as the object's actor (Mobilizon's group events), else its
// attributedTo.
func wrapEvent(t *testing.T, obj []byte) []byte {
	t.Helper()
	var o struct {
		ID           string          `json:"id"`
		Actor        json.RawMessage `json:"actor"`
		AttributedTo json.RawMessage `json:"attributedTo"`
	}
	if err := json.Unmarshal(obj, &o); err != nil {
		t.Fatal(err)
	}
	actor := idOf(o.Actor)
	if actor == "" {
		actor = soleID(o.AttributedTo)
	}
	create := map[string]any{"@context": federation.ASContext, "id": o.ID + "#create", "type": "Create", "actor": actor,
		"to": []string{federation.Public}, "object": json.RawMessage(obj)}
	body, err := json.Marshal(create)
	if err != nil {
		t.Fatal(err)
	}
	return body
}
