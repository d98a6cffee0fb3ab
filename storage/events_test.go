package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// eventNow is the fixed clock of the event tests.
var eventNow = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

const organizer = "https://kring.test/users/ada"

type eventFixture struct {
	t   *testing.T
	ctx context.Context
	db  *storage.DB
	raw *sql.DB
	ada *content.Member
	n   int
}

func newEventFixture(t *testing.T) *eventFixture {
	t.Helper()
	db := storagetest.Open(t)
	db.SetClock(func() time.Time { return eventNow })
	f := &eventFixture{t: t, ctx: context.Background(), db: db}
	f.ada = storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	// A second connection reads the rows themselves: what the API does
	// not show (event_tags, reminded_at, deliveries) is what some tests check.
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f.raw = raw
	return f
}

// event stores a local event starting in `in` from now, lasting two hours.
func (f *eventFixture) event(in time.Duration, change func(*content.Event)) *content.Event {
	f.t.Helper()
	f.n++
	e := &content.Event{
		IRI: fmt.Sprintf("https://kring.test/events/%d", f.n), Title: fmt.Sprintf("Event %d", f.n),
		Start: eventNow.Add(in), End: eventNow.Add(in + 2*time.Hour), TimeZone: "Europe/Amsterdam",
		Organizer: organizer, OrganizerKind: content.OrganizerMember, OrganizerName: "Ada", CreatorID: f.ada.ID,
		JoinMode: content.JoinOpen, Status: content.EventConfirmed,
	}
	if change != nil {
		change(e)
	}
	if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
		f.t.Fatalf("save event %s: %v", e.IRI, err)
	}
	return e
}

func (f *eventFixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.raw.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *eventFixture) reload(id int64) *content.Event {
	f.t.Helper()
	e, err := f.db.EventByID(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read event %d: %v", id, err)
	}
	return e
}

func wantCode(t *testing.T, err error, kind content.Kind, code string) {
	t.Helper()
	e, ok := content.AsError(err)
	if !ok || e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("error %v; want %v %q", err, kind, code)
	}
}

func TestSaveEvent(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	e := &content.Event{
		IRI: "https://kring.test/events/meetup", Title: "Meetup", Body: "Come *along*", Content: "<p>Come <em>along</em></p>",
		Summary: "Monday evening in Utrecht", Start: eventNow.Add(48 * time.Hour), End: eventNow.Add(50 * time.Hour),
		TimeZone: "Europe/Amsterdam", Place: content.Place{Name: "Hall", City: "Utrecht", HasGeo: true, Lat: 52.09, Lon: 5.12},
		OnlineURL: "https://meet.example/x", Organizer: organizer, OrganizerKind: content.OrganizerMember, OrganizerName: "Ada",
		CreatorID: f.ada.ID, Speakers: []content.Speaker{{Name: "Bob", Actor: "https://b.example/users/bob"}}, Capacity: 20,
		JoinMode: content.JoinApproval, Status: content.EventConfirmed, Tags: []string{"go", "meetup"},
		Language: content.LanguageDutch, URL: "https://kring.test/events/meetup", Published: eventNow,
	}
	obj := &content.Object{IRI: e.IRI, Type: "Event", AttributedTo: organizer, Local: true, Name: e.Title, Content: e.Content,
		Public: true, Published: eventNow, Tags: e.Tags}
	act := &content.Activity{IRI: e.IRI + "#create", Actor: organizer, Type: "Create", ObjectIRI: e.IRI, Public: true, Body: []byte(`{}`)}
	targets := []storage.Target{{Inbox: "https://a.example/inbox", Host: "a.example"}, {Inbox: "https://b.example/inbox", Host: "b.example"}}
	if err := db.SaveEvent(ctx, storage.EventChange{Event: e, Obj: obj, Activity: act, Signer: organizer, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || !e.Local {
		t.Fatalf("after insert: ID %d, Local %v; want an ID and true", e.ID, e.Local)
	}

	t.Run("read back", func(t *testing.T) {
		for name, get := range map[string]func() (*content.Event, error){
			"by id":  func() (*content.Event, error) { return db.EventByID(ctx, e.ID) },
			"by iri": func() (*content.Event, error) { return db.EventByIRI(ctx, e.IRI) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(e, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
		_, err := db.EventByID(ctx, e.ID+100)
		wantCode(t, err, content.KindNotFound, "")
	})
	t.Run("rows written together", func(t *testing.T) {
		if n := f.count("SELECT COUNT(*) FROM objects WHERE iri = ? AND type = 'Event' AND deleted = 0", e.IRI); n != 1 {
			t.Errorf("objects rows %d, want 1", n)
		}
		if n := f.count("SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.id = d.activity_id WHERE a.iri = ?", act.IRI); n != 2 {
			t.Errorf("deliveries %d, want 2", n)
		}
		if n := f.count("SELECT COUNT(*) FROM event_tags WHERE event_id = ? AND start_at = ?", e.ID, e.Start.UnixMilli()); n != 2 {
			t.Errorf("event_tags %d, want 2", n)
		}
	})

	// Someone joins while the organiser edits: the edit must not undo it.
	if _, _, err := db.JoinEvent(ctx, e.ID, content.Participant{Actor: "https://b.example/users/bob", MemberID: 0}); err != nil {
		t.Fatal(err)
	}
	t.Run("update", func(t *testing.T) {
		e.Title, e.Tags, e.Sequence, e.Updated = "Meetup (moved)", []string{"golang"}, 1, eventNow
		e.PendingCount = 0 // stale, as the form had it
		obj.Name, obj.Tags, obj.Updated = e.Title, e.Tags, eventNow
		upd := &content.Activity{IRI: e.IRI + "#update-1", Actor: organizer, Type: "Update", ObjectIRI: e.IRI, Public: true, Body: []byte(`{}`)}
		n := []content.Notification{{MemberID: f.ada.ID, Kind: content.NotifyEventChanged, Actor: organizer, ObjectIRI: e.IRI}}
		if err := db.SaveEvent(ctx, storage.EventChange{Event: e, Obj: obj, Activity: upd, Signer: organizer,
			Targets: targets[:1], Notifications: n}); err != nil {
			t.Fatal(err)
		}
		if e.PendingCount != 1 {
			t.Errorf("PendingCount after the edit %d, want 1 (read back)", e.PendingCount)
		}
		got := f.reload(e.ID)
		if got.Title != "Meetup (moved)" || got.PendingCount != 1 || !cmp.Equal(got.Tags, []string{"golang"}) || got.Sequence != 1 {
			t.Errorf("after update: %q pending %d tags %v sequence %d", got.Title, got.PendingCount, got.Tags, got.Sequence)
		}
		if n := f.count("SELECT COUNT(*) FROM event_tags WHERE event_id = ?", e.ID); n != 1 {
			t.Errorf("event_tags after update %d, want 1", n)
		}
		if n := f.count("SELECT COUNT(*) FROM objects WHERE iri = ? AND name = ?", e.IRI, e.Title); n != 1 {
			t.Errorf("object not updated")
		}
		if n := f.count("SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.id = d.activity_id WHERE a.iri = ?", upd.IRI); n != 1 {
			t.Errorf("update deliveries %d, want 1", n)
		}
		if n := f.count("SELECT COUNT(*) FROM notifications WHERE member_id = ? AND kind = 'event_changed'", f.ada.ID); n != 1 {
			t.Errorf("event_changed notifications %d, want 1", n)
		}
	})
	t.Run("a failing part stores nothing", func(t *testing.T) {
		before := f.reload(e.ID)
		e2 := *e
		e2.Title = "Never stored"
		dup := &content.Activity{IRI: act.IRI, Actor: organizer, Type: "Update", ObjectIRI: e.IRI, Body: []byte(`{}`)} // IRI taken
		if err := db.SaveEvent(ctx, storage.EventChange{Event: &e2, Activity: dup, Signer: organizer}); err == nil {
			t.Fatal("saved with a duplicate activity")
		}
		if diff := cmp.Diff(before, f.reload(e.ID)); diff != "" {
			t.Errorf("event changed by a failed save (-want +got):\n%s", diff)
		}
		fresh := &content.Event{IRI: "https://kring.test/events/rolled-back", Title: "x", Start: eventNow, End: eventNow.Add(time.Hour),
			Organizer: organizer, OrganizerKind: content.OrganizerMember}
		if err := db.SaveEvent(ctx, storage.EventChange{Event: fresh, Activity: dup, Signer: organizer}); err == nil || fresh.ID != 0 {
			t.Errorf("failed insert: %v, ID %d; want an error and ID 0 again", err, fresh.ID)
		}
		if _, err := db.EventByIRI(ctx, fresh.IRI); content.KindOf(err) != content.KindNotFound {
			t.Errorf("rolled-back event stored: %v", err)
		}
	})
	t.Run("same IRI is a conflict", func(t *testing.T) {
		again := *e
		again.ID = 0
		wantCode(t, db.SaveEvent(ctx, storage.EventChange{Event: &again}), content.KindConflict, "event.exists")
	})
	t.Run("delete", func(t *testing.T) {
		e.Deleted = true
		if err := db.SaveEvent(ctx, storage.EventChange{Event: e, Obj: obj}); err != nil {
			t.Fatal(err)
		}
		if n := f.count("SELECT COUNT(*) FROM objects WHERE iri = ? AND deleted = 1 AND content = ''", e.IRI); n != 1 {
			t.Errorf("object is not a tombstone")
		}
		if n := f.count("SELECT COUNT(*) FROM event_tags WHERE event_id = ?", e.ID); n != 0 {
			t.Errorf("a deleted event keeps %d tags", n)
		}
		if got := f.reload(e.ID); !got.Deleted {
			t.Errorf("EventByID of a deleted event: Deleted false")
		}
	})
}

func TestSaveEventMovesReminders(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(time.Hour, nil)
	if _, _, err := f.db.JoinEvent(f.ctx, e.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.db.SendEventReminders(f.ctx, eventNow, 24*time.Hour); err != nil || n != 1 {
		t.Fatalf("reminders %d, %v; want 1", n, err)
	}
	e.Title = "Same time, new title"
	if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
		t.Fatal(err)
	}
	if n := f.count("SELECT COUNT(*) FROM event_participants WHERE reminded_at = 0"); n != 0 {
		t.Errorf("an edit that keeps the start reset %d reminders", n)
	}
	e.Start, e.End = e.Start.Add(2*time.Hour), e.End.Add(2*time.Hour)
	if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
		t.Fatal(err)
	}
	if n := f.count("SELECT COUNT(*) FROM event_participants WHERE reminded_at = 0"); n != 1 {
		t.Errorf("moving the start reset %d reminders, want 1", n)
	}
	if n := f.count("SELECT COUNT(*) FROM event_tags WHERE event_id = ? AND start_at <> ?", e.ID, e.Start.UnixMilli()); n != 0 {
		t.Errorf("event_tags keep the old start")
	}
}

func TestEventsFilter(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	h := time.Hour
	past2 := f.event(-72*h, func(e *content.Event) { e.Tags = []string{"go"} })
	past1 := f.event(-24*h, nil)
	running := f.event(-h, nil) // started an hour ago, ends in one: still upcoming
	soon := f.event(2*h, func(e *content.Event) { e.Tags = []string{"go", "fun"} })
	cancelled := f.event(3*h, func(e *content.Event) { e.Status = content.EventCancelled })
	gone := f.event(4*h, func(e *content.Event) { e.Tags = []string{"go"} })
	gone.Deleted = true
	if err := db.SaveEvent(ctx, storage.EventChange{Event: gone}); err != nil {
		t.Fatal(err)
	}
	// Two events at the same start: the id breaks the tie.
	same1 := f.event(48*h, func(e *content.Event) { e.Tags = []string{"go"} })
	same2 := f.event(48*h, nil)
	remote := &content.Event{IRI: "https://mobilizon.example/events/1", Title: "Remote", Start: eventNow.Add(5 * h),
		End: eventNow.Add(6 * h), Organizer: "https://mobilizon.example/@club", OrganizerName: "Club", Tags: []string{"go"}}
	if _, err := db.PutRemoteEvent(ctx, remote); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.JoinEvent(ctx, soon.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.JoinEvent(ctx, remote.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID}); err != nil {
		t.Fatal(err)
	}

	ids := func(es []*content.Event) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    storage.EventFilter
		want []*content.Event
	}{
		{"everything by start", storage.EventFilter{}, []*content.Event{past2, past1, running, soon, cancelled, remote, same1, same2}},
		{"upcoming", storage.EventFilter{From: eventNow}, []*content.Event{running, soon, cancelled, remote, same1, same2}},
		{"upcoming before a day", storage.EventFilter{From: eventNow, To: eventNow.Add(24 * h)}, []*content.Event{running, soon, cancelled, remote}},
		{"past, newest first", storage.EventFilter{From: eventNow, Past: true}, []*content.Event{past1, past2}},
		{"past from the clock", storage.EventFilter{Past: true}, []*content.Event{past1, past2}},
		{"local", storage.EventFilter{From: eventNow, Scope: "local"}, []*content.Event{running, soon, cancelled, same1, same2}},
		{"network", storage.EventFilter{Scope: "network"}, []*content.Event{remote}},
		{"organizer", storage.EventFilter{Organizer: remote.Organizer}, []*content.Event{remote}},
		{"tag", storage.EventFilter{Tag: "go"}, []*content.Event{past2, soon, remote, same1}},
		{"tag upcoming", storage.EventFilter{Tag: "go", From: eventNow}, []*content.Event{soon, remote, same1}},
		{"tag past", storage.EventFilter{Tag: "go", From: eventNow, Past: true}, []*content.Event{past2}},
		{"member", storage.EventFilter{MemberID: f.ada.ID}, []*content.Event{soon, remote}},
		{"limit", storage.EventFilter{From: eventNow, Limit: 2}, []*content.Event{running, soon}},
		{"after a tie", storage.EventFilter{AfterStart: same1.Start, AfterID: same1.ID}, []*content.Event{same2}},
		{"past before", storage.EventFilter{Past: true, AfterStart: past1.Start, AfterID: past1.ID}, []*content.Event{past2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Events(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(tt.want), ids(got)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown scope", func(t *testing.T) {
		_, err := db.Events(ctx, storage.EventFilter{Scope: "moon"})
		wantCode(t, err, content.KindInvalid, "event.scope")
	})
	t.Run("the listing reads the whole event", func(t *testing.T) {
		got, err := db.Events(ctx, storage.EventFilter{Scope: "network"})
		if err != nil {
			t.Fatal(err)
		}
		want := f.reload(remote.ID)
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("(-EventByID +Events):\n%s", diff)
		}
	})
}

// TestEventsPaging walks the agenda page by page, upcoming and past, with
// many events at the same start: every event once, in order.
func TestEventsPaging(t *testing.T) {
	f := newEventFixture(t)
	var all []*content.Event
	for i := range 23 {
		// Starts from 3 days ago to 3 days ahead, several on the same hour.
		all = append(all, f.event(time.Duration(i/3-4)*24*time.Hour, func(e *content.Event) { e.Tags = []string{"walk"} }))
	}
	for _, tag := range []string{"", "walk"} {
		for _, past := range []bool{false, true} {
			t.Run(fmt.Sprintf("tag %q past %v", tag, past), func(t *testing.T) {
				var seen []int64
				filter := storage.EventFilter{From: eventNow, Past: past, Tag: tag, Limit: 4}
				for range 20 {
					page, err := f.db.Events(f.ctx, filter)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page {
						seen = append(seen, e.ID)
					}
					if len(page) < filter.Limit {
						break
					}
					last := page[len(page)-1]
					filter.AfterStart, filter.AfterID = last.Start, last.ID
				}
				var want []int64
				for _, e := range all {
					if e.Past(eventNow) == past {
						want = append(want, e.ID)
					}
				}
				if past {
					for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
						want[i], want[j] = want[j], want[i]
					}
				}
				if diff := cmp.Diff(want, seen); diff != "" {
					t.Errorf("pages (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestRemoteEvent(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	ev := &content.Event{IRI: "https://mobilizon.example/events/7", Title: "Picnic", Start: eventNow.Add(24 * time.Hour),
		End: eventNow.Add(27 * time.Hour), TimeZone: "Europe/Paris", Organizer: "https://mobilizon.example/@club",
		OrganizerKind: content.OrganizerRemote, JoinMode: content.JoinOpen, Status: content.EventConfirmed,
		ParticipantCount: 40, Capacity: 50, Tags: []string{"picnic"}, Published: eventNow}
	inserted, err := db.PutRemoteEvent(ctx, ev)
	if err != nil || !inserted || ev.ID == 0 {
		t.Fatalf("first put: %v %v id %d; want inserted", inserted, err, ev.ID)
	}
	id := ev.ID
	got := f.reload(id)
	if got.Local || got.ParticipantCount != 40 || got.CreatorID != 0 {
		t.Errorf("stored: local %v count %d creator %d", got.Local, got.ParticipantCount, got.CreatorID)
	}

	upd := *ev
	upd.ID, upd.Title, upd.ParticipantCount, upd.Tags = 0, "Picnic in the park", 41, []string{"park"}
	inserted, err = db.PutRemoteEvent(ctx, &upd)
	if err != nil || inserted || upd.ID != id {
		t.Fatalf("second put: %v %v id %d; want an update of %d", inserted, err, upd.ID, id)
	}
	got = f.reload(id)
	if got.Title != "Picnic in the park" || got.ParticipantCount != 41 || !cmp.Equal(got.Tags, []string{"park"}) {
		t.Errorf("updated: %q count %d tags %v", got.Title, got.ParticipantCount, got.Tags)
	}
	if n := f.count("SELECT COUNT(*) FROM event_tags WHERE event_id = ? AND tag = 'park'", id); n != 1 {
		t.Errorf("event_tags not replaced")
	}

	t.Run("our member joins, the organiser's server answers", func(t *testing.T) {
		join := content.Participant{Actor: organizer, MemberID: f.ada.ID, State: content.ParticipantPending,
			JoinIRI: "https://kring.test/users/ada#join-1"}
		p, inserted, err := db.JoinEvent(ctx, id, join)
		if err != nil || !inserted || p.State != content.ParticipantPending {
			t.Fatalf("join: %+v %v %v", p, inserted, err)
		}
		if got := f.reload(id); got.PendingCount != 1 || got.ParticipantCount != 41 {
			t.Errorf("after join: pending %d accepted %d; want 1 and 41", got.PendingCount, got.ParticipantCount)
		}
		byJoin, err := db.ParticipantByJoinIRI(ctx, join.JoinIRI)
		if err != nil || byJoin.ID != p.ID {
			t.Fatalf("by join IRI: %+v %v", byJoin, err)
		}
		if err := db.SetParticipantState(ctx, id, organizer, content.ParticipantAccepted); err != nil {
			t.Fatal(err)
		}
		if got := f.reload(id); got.PendingCount != 0 || got.ParticipantCount != 42 {
			t.Errorf("after accept: pending %d accepted %d; want 0 and 42", got.PendingCount, got.ParticipantCount)
		}
		if p, err := db.Participant(ctx, id, organizer); err != nil || p.State != content.ParticipantAccepted {
			t.Errorf("participant: %+v %v", p, err)
		}
		wantCode(t, db.SetParticipantState(ctx, id, "https://x.example/nobody", content.ParticipantAccepted), content.KindNotFound, "")
		wantCode(t, db.SetParticipantState(ctx, id, organizer, "maybe"), content.KindInvalid, "event.participant_state")
		_, err = db.DecideParticipant(ctx, id, organizer, true)
		wantCode(t, err, content.KindForbidden, "event.not_local")
	})
	t.Run("a remote join keeps the given state", func(t *testing.T) {
		p, _, err := db.JoinEvent(ctx, id, content.Participant{Actor: "https://kring.test/users/zed", State: content.ParticipantAccepted})
		if err != nil || p.State != content.ParticipantAccepted {
			t.Fatalf("join: %+v %v", p, err)
		}
	})
	t.Run("no server overwrites our events", func(t *testing.T) {
		ours := f.event(time.Hour, nil)
		fake := *ev
		fake.ID, fake.IRI = 0, ours.IRI
		_, err := db.PutRemoteEvent(ctx, &fake)
		wantCode(t, err, content.KindForbidden, "event.not_remote")
		if ok, err := db.DeleteRemoteEvent(ctx, ours.IRI); ok || err != nil {
			t.Errorf("DeleteRemoteEvent of ours: %v %v; want false", ok, err)
		}
		if f.reload(ours.ID).Deleted {
			t.Error("our event was deleted")
		}
	})
	t.Run("delete", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			if ok, err := db.DeleteRemoteEvent(ctx, ev.IRI); ok != want || err != nil {
				t.Errorf("delete %d: %v %v; want %v", i+1, ok, err, want)
			}
		}
		if ok, err := db.DeleteRemoteEvent(ctx, "https://nowhere.example/e"); ok || err != nil {
			t.Errorf("delete unknown: %v %v", ok, err)
		}
		if !f.reload(id).Deleted {
			t.Error("not marked deleted")
		}
		late := *ev
		late.ID, late.Title, late.Deleted = 0, "Revived?", false
		if inserted, err := db.PutRemoteEvent(ctx, &late); err != nil || inserted || late.ID != id || !late.Deleted {
			t.Errorf("a late update: %v %v id %d deleted %v; want nothing written", inserted, err, late.ID, late.Deleted)
		}
		if got := f.reload(id); !got.Deleted || got.Title == "Revived?" {
			t.Errorf("a late update revived the event: deleted %v, %q", got.Deleted, got.Title)
		}
		list, err := db.Events(ctx, storage.EventFilter{Scope: "network"})
		if err != nil || len(list) != 0 {
			t.Errorf("deleted event listed: %d %v", len(list), err)
		}
	})
}

func TestSeries(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	s := &content.Series{RRule: "FREQ=MONTHLY;BYDAY=2MO", TimeZone: "Europe/Amsterdam", FirstStart: eventNow.Add(24 * time.Hour),
		Duration: 90 * time.Minute, HorizonWeeks: 8, CreatorID: f.ada.ID,
		Template: content.Event{Title: "Monthly", Body: "b", Content: "<p>b</p>", TimeZone: "Europe/Amsterdam",
			Place: content.Place{Name: "Library", City: "Delft"}, OnlineURL: "https://meet.example/m", Organizer: organizer,
			OrganizerKind: content.OrganizerMember, OrganizerName: "Ada", CreatorID: f.ada.ID,
			Speakers: []content.Speaker{{Name: "Cas"}}, Capacity: 12, JoinMode: content.JoinApproval,
			Status: content.EventConfirmed, Tags: []string{"book"}, CoverMediaID: 3, CoverURL: "https://kring.test/m/3",
			CoverAlt: "books", Language: content.LanguageDutch}}
	if err := db.SaveSeries(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || !s.Created.Equal(eventNow) {
		t.Fatalf("after insert: ID %d Created %v", s.ID, s.Created)
	}
	got, err := db.SeriesByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	s.RRule, s.Template.Title = "FREQ=WEEKLY", "Weekly"
	if err := db.SaveSeries(ctx, s); err != nil {
		t.Fatal(err)
	}
	all, err := db.AllSeries(ctx)
	if err != nil || len(all) != 1 || all[0].RRule != "FREQ=WEEKLY" || all[0].Template.Title != "Weekly" {
		t.Fatalf("all series after update: %+v %v", all, err)
	}
	_, err = db.SeriesByID(ctx, s.ID+1)
	wantCode(t, err, content.KindNotFound, "")
	wantCode(t, db.SaveSeries(ctx, &content.Series{RRule: "FREQ=DAILY", CreatorID: f.ada.ID}), content.KindInvalid, "series.duration")

	t.Run("occurrences", func(t *testing.T) {
		var occ []*content.Event
		for i := 2; i >= 0; i-- { // made out of order: listed by occurrence start
			at := eventNow.Add(time.Duration(i+1) * 7 * 24 * time.Hour)
			occ = append(occ, f.event(at.Sub(eventNow), func(e *content.Event) { e.SeriesID, e.OccurrenceStart = s.ID, at }))
		}
		occ[0].Deleted = true
		if err := db.SaveEvent(ctx, storage.EventChange{Event: occ[0]}); err != nil {
			t.Fatal(err)
		}
		got, err := db.SeriesEvents(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != occ[2].ID || got[1].ID != occ[1].ID || !got[0].OccurrenceStart.Equal(occ[2].OccurrenceStart) {
			t.Errorf("SeriesEvents: %d events", len(got))
		}
		listed, err := db.Events(ctx, storage.EventFilter{SeriesID: s.ID})
		if err != nil || len(listed) != 2 {
			t.Errorf("Events by series: %d %v", len(listed), err)
		}
		dup := *occ[1]
		dup.ID, dup.IRI = 0, dup.IRI+"-again"
		wantCode(t, db.SaveEvent(ctx, storage.EventChange{Event: &dup}), content.KindConflict, "event.exists")
	})
}

func TestCalendarTokens(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	tok, err := db.CalendarToken(ctx, f.ada.ID)
	if err != nil || len(tok) != 43 {
		t.Fatalf("token %q %v; want 43 base64url characters", tok, err)
	}
	if again, err := db.CalendarToken(ctx, f.ada.ID); err != nil || again != tok {
		t.Errorf("second CalendarToken %q %v; want the same", again, err)
	}
	m, err := db.MemberByCalendarToken(ctx, tok)
	if err != nil || m.ID != f.ada.ID {
		t.Fatalf("member by token: %+v %v", m, err)
	}
	rotated, err := db.RotateCalendarToken(ctx, f.ada.ID)
	if err != nil || rotated == tok || len(rotated) != 43 {
		t.Fatalf("rotated %q %v", rotated, err)
	}
	_, err = db.MemberByCalendarToken(ctx, tok)
	wantCode(t, err, content.KindNotFound, "")
	if m, err := db.MemberByCalendarToken(ctx, rotated); err != nil || m.ID != f.ada.ID {
		t.Errorf("member by the new token: %+v %v", m, err)
	}
	if got, err := db.CalendarToken(ctx, f.ada.ID); err != nil || got != rotated {
		t.Errorf("CalendarToken after rotation %q %v; want %q", got, err, rotated)
	}
	_, err = db.MemberByCalendarToken(ctx, "")
	wantCode(t, err, content.KindNotFound, "")
	_, err = db.CalendarToken(ctx, 999)
	wantCode(t, err, content.KindNotFound, "")
	_, err = db.RotateCalendarToken(ctx, 999)
	wantCode(t, err, content.KindNotFound, "")
}

// TestEventNotificationRepeat: a second change to an event is news; a
// second like is not.
func TestEventNotificationRepeat(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	clock := eventNow
	db.SetClock(func() time.Time { return clock })
	const iri = "https://kring.test/events/1"
	list := func() []content.Notification {
		t.Helper()
		ns, err := db.Notifications(ctx, f.ada.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	for _, kind := range []content.NotificationKind{content.NotifyEventChanged, content.NotifyEventReminder} {
		t.Run(string(kind)+" through AddNotification", func(t *testing.T) {
			first := content.Notification{MemberID: f.ada.ID, Kind: kind, Actor: organizer, ObjectIRI: iri}
			if added, err := db.AddNotification(ctx, &first); err != nil || !added {
				t.Fatalf("first: %v %v", added, err)
			}
			if err := db.MarkNotificationsRead(ctx, f.ada.ID, first.ID); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Hour)
			second := content.Notification{MemberID: f.ada.ID, Kind: kind, Actor: organizer, ObjectIRI: iri}
			if added, err := db.AddNotification(ctx, &second); err != nil || !added || second.ID <= first.ID {
				t.Fatalf("second: %v %v id %d after %d; want a new one", added, err, second.ID, first.ID)
			}
			var mine []content.Notification
			for _, n := range list() {
				if n.Kind == kind {
					mine = append(mine, n)
				}
			}
			want := []content.Notification{{ID: second.ID, MemberID: f.ada.ID, Kind: kind, Actor: organizer, ObjectIRI: iri, CreatedAt: clock}}
			if diff := cmp.Diff(want, mine); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("through a saved change", func(t *testing.T) {
		e := f.event(time.Hour, nil)
		n := []content.Notification{{MemberID: f.ada.ID, Kind: content.NotifyEventChanged, Actor: organizer, ObjectIRI: e.IRI}}
		var ids []int64
		for range 2 {
			clock = clock.Add(time.Minute)
			if err := db.SaveEvent(ctx, storage.EventChange{Event: e, Notifications: n}); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkNotificationsRead(ctx, f.ada.ID, 1<<40); err != nil {
				t.Fatal(err)
			}
			for _, got := range list() {
				if got.ObjectIRI == e.IRI && got.Kind == content.NotifyEventChanged {
					ids = append(ids, got.ID)
				}
			}
		}
		if len(ids) != 2 || ids[1] <= ids[0] {
			t.Errorf("ids after two changes %v; want one row each time, the second newer", ids)
		}
	})
	t.Run("other kinds stay once", func(t *testing.T) {
		for i := range 2 {
			n := content.Notification{MemberID: f.ada.ID, Kind: content.NotifyEventJoin, Actor: "https://b.example/users/bob", ObjectIRI: iri}
			added, err := db.AddNotification(ctx, &n)
			if err != nil || added != (i == 0) {
				t.Errorf("join notification %d: added %v %v", i+1, added, err)
			}
		}
	})
}
