package storage_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func actor(name string) string { return "https://b.example/users/" + name }

func (f *eventFixture) join(eventID int64, p content.Participant) content.Participant {
	f.t.Helper()
	got, _, err := f.db.JoinEvent(f.ctx, eventID, p)
	if err != nil {
		f.t.Fatalf("join %s: %v", p.Actor, err)
	}
	return got
}

func (f *eventFixture) wantCounts(id int64, accepted, waiting, pending int) {
	f.t.Helper()
	e := f.reload(id)
	if e.ParticipantCount != accepted || e.WaitingCount != waiting || e.PendingCount != pending {
		f.t.Errorf("counts accepted/waiting/pending %d/%d/%d, want %d/%d/%d",
			e.ParticipantCount, e.WaitingCount, e.PendingCount, accepted, waiting, pending)
	}
}

func TestEventWaitingList(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(24*time.Hour, func(e *content.Event) { e.Capacity = 1 })
	var got []content.ParticipationState
	for _, name := range []string{"ann", "ben", "cas"} {
		got = append(got, f.join(e.ID, content.Participant{Actor: actor(name)}).State)
	}
	want := []content.ParticipationState{content.ParticipantAccepted, content.ParticipantWaiting, content.ParticipantWaiting}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("states (-want +got):\n%s", diff)
	}
	f.wantCounts(e.ID, 1, 2, 0)

	left, promoted, err := f.db.LeaveEvent(f.ctx, e.ID, actor("ann"))
	if err != nil || left == nil || left.State != content.ParticipantAccepted {
		t.Fatalf("ann leaves: %+v %v", left, err)
	}
	if len(promoted) != 1 || promoted[0].Actor != actor("ben") || promoted[0].State != content.ParticipantAccepted {
		t.Fatalf("promoted %+v; want ben, accepted", promoted)
	}
	f.wantCounts(e.ID, 1, 1, 0)

	left, promoted, err = f.db.LeaveEvent(f.ctx, e.ID, actor("cas"))
	if err != nil || left == nil || len(promoted) != 0 {
		t.Fatalf("cas (waiting) leaves: %+v %+v %v; want nobody promoted", left, promoted, err)
	}
	f.wantCounts(e.ID, 1, 0, 0)

	left, promoted, err = f.db.LeaveEvent(f.ctx, e.ID, actor("nobody"))
	if left != nil || promoted != nil || err != nil {
		t.Errorf("a stranger leaves: %+v %+v %v; want nil, nil, nil", left, promoted, err)
	}
	_, _, err = f.db.LeaveEvent(f.ctx, e.ID+100, actor("ben"))
	wantCode(t, err, content.KindNotFound, "")

	t.Run("a larger capacity fills from the waiting list", func(t *testing.T) {
		for _, name := range []string{"dan", "eva", "fay"} {
			f.join(e.ID, content.Participant{Actor: actor(name)})
		}
		e = f.reload(e.ID)
		e.Capacity = 3
		if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
			t.Fatal(err)
		}
		promoted, err := f.db.PromoteWaiting(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(promoted) != 2 || promoted[0].Actor != actor("dan") || promoted[1].Actor != actor("eva") {
			t.Errorf("promoted %+v; want dan and eva", promoted)
		}
		f.wantCounts(e.ID, 3, 1, 0)
	})
}

func TestEventParticipantsOrder(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(24*time.Hour, func(e *content.Event) { e.Capacity = 1; e.JoinMode = content.JoinApproval })
	for _, name := range []string{"ann", "ben", "cas", "dan"} {
		f.join(e.ID, content.Participant{Actor: actor(name), Name: name})
	}
	if _, err := f.db.DecideParticipant(f.ctx, e.ID, actor("ben"), false); err != nil { // rejected
		t.Fatal(err)
	}
	if _, err := f.db.DecideParticipant(f.ctx, e.ID, actor("dan"), true); err != nil { // accepted
		t.Fatal(err)
	}
	if _, err := f.db.DecideParticipant(f.ctx, e.ID, actor("ann"), true); err != nil { // waiting: full
		t.Fatal(err)
	}
	ps, err := f.db.Participants(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+":"+string(p.State))
	}
	want := []string{"dan:accepted", "cas:pending", "ann:waiting", "ben:rejected"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestEventApproval(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(24*time.Hour, func(e *content.Event) { e.JoinMode = content.JoinApproval; e.Capacity = 1 })
	for _, name := range []string{"ann", "ben", "cas"} {
		if p := f.join(e.ID, content.Participant{Actor: actor(name)}); p.State != content.ParticipantPending {
			t.Fatalf("%s: %s, want pending", name, p.State)
		}
	}
	f.wantCounts(e.ID, 0, 0, 3)
	decide := func(name string, accept bool, want content.ParticipationState) {
		t.Helper()
		p, err := f.db.DecideParticipant(f.ctx, e.ID, actor(name), accept)
		if err != nil || p.State != want {
			t.Fatalf("decide %s %v: %+v %v; want %s", name, accept, p, err, want)
		}
	}
	decide("ann", true, content.ParticipantAccepted)
	f.wantCounts(e.ID, 1, 0, 2)
	decide("ben", true, content.ParticipantWaiting)
	f.wantCounts(e.ID, 1, 1, 1)
	decide("cas", false, content.ParticipantRejected)
	f.wantCounts(e.ID, 1, 1, 0)

	_, err := f.db.DecideParticipant(f.ctx, e.ID, actor("ann"), false)
	wantCode(t, err, content.KindConflict, "event.not_pending")
	_, err = f.db.DecideParticipant(f.ctx, e.ID, actor("cas"), true)
	wantCode(t, err, content.KindConflict, "event.not_pending")
	_, err = f.db.DecideParticipant(f.ctx, e.ID, actor("nobody"), true)
	wantCode(t, err, content.KindNotFound, "")
	f.wantCounts(e.ID, 1, 1, 0)

	// A rejected person joining again is told where they stand, not
	// put back in the queue.
	if p, inserted, err := f.db.JoinEvent(f.ctx, e.ID, content.Participant{Actor: actor("cas")}); err != nil || inserted || p.State != content.ParticipantRejected {
		t.Errorf("rejected joins again: %+v %v %v", p, inserted, err)
	}
}

func TestJoinIdempotent(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(24*time.Hour, nil)
	first, inserted, err := f.db.JoinEvent(f.ctx, e.ID, content.Participant{Actor: actor("ann"), JoinIRI: actor("ann") + "#join-1", Message: "hi"})
	if err != nil || !inserted || first.ID == 0 || first.EventID != e.ID || !first.CreatedAt.Equal(eventNow) {
		t.Fatalf("first join: %+v %v %v", first, inserted, err)
	}
	again, inserted, err := f.db.JoinEvent(f.ctx, e.ID, content.Participant{Actor: actor("ann"), JoinIRI: actor("ann") + "#join-2"})
	if err != nil || inserted {
		t.Fatalf("second join: %v %v; want not inserted", inserted, err)
	}
	want := first
	want.JoinIRI = actor("ann") + "#join-2"
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("second join returns (-want +got):\n%s", diff)
	}
	// No new id: the stored one stays.
	if again, _, _ := f.db.JoinEvent(f.ctx, e.ID, content.Participant{Actor: actor("ann")}); again.JoinIRI != want.JoinIRI {
		t.Errorf("an empty JoinIRI replaced %q with %q", want.JoinIRI, again.JoinIRI)
	}
	if n := f.count("SELECT COUNT(*) FROM event_participants WHERE event_id = ?", e.ID); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	f.wantCounts(e.ID, 1, 0, 0)
	if _, err := f.db.ParticipantByJoinIRI(f.ctx, actor("ann")+"#join-1"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("the replaced join IRI still finds the row: %v", err)
	}
	if p, err := f.db.ParticipantByJoinIRI(f.ctx, want.JoinIRI); err != nil || p.ID != first.ID {
		t.Errorf("by the new join IRI: %+v %v", p, err)
	}
	if _, err := f.db.ParticipantByJoinIRI(f.ctx, ""); content.KindOf(err) != content.KindNotFound {
		t.Errorf("empty join IRI: %v", err)
	}
}

func TestJoinRefused(t *testing.T) {
	f := newEventFixture(t)
	tests := []struct {
		name   string
		event  func() int64
		kind   content.Kind
		code   string
		actor  string
		member bool
	}{
		{"cancelled", func() int64 {
			return f.event(time.Hour, func(e *content.Event) { e.Status = content.EventCancelled }).ID
		}, content.KindConflict, "event.cancelled", "", false},
		{"ended", func() int64 { return f.event(-3*time.Hour, nil).ID }, content.KindConflict, "event.past", "", false},
		{"external", func() int64 {
			return f.event(time.Hour, func(e *content.Event) {
				e.JoinMode, e.RegistrationURL = content.JoinExternal, "https://tickets.example/x"
			}).ID
		}, content.KindInvalid, "event.join_external", "", false},
		{"invite only", func() int64 {
			return f.event(time.Hour, func(e *content.Event) { e.JoinMode = content.JoinInvite }).ID
		}, content.KindForbidden, "event.invite_only", "", false},
		{"deleted", func() int64 {
			return f.event(time.Hour, func(e *content.Event) { e.Deleted = true }).ID
		}, content.KindNotFound, "", "", false},
		{"unknown", func() int64 { return 4242 }, content.KindNotFound, "", "", false},
		{"no actor", func() int64 { return f.event(time.Hour, nil).ID }, content.KindInvalid, "event.participant_actor", "-", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.event()
			a := actor("ann")
			if tt.actor == "-" {
				a = ""
			}
			_, inserted, err := f.db.JoinEvent(f.ctx, id, content.Participant{Actor: a, MemberID: f.ada.ID})
			wantCode(t, err, tt.kind, tt.code)
			if inserted {
				t.Error("inserted")
			}
			if n := f.count("SELECT COUNT(*) FROM event_participants"); n != 0 {
				t.Errorf("%d participant rows written", n)
			}
			if n := f.count("SELECT COUNT(*) FROM events WHERE participant_count + waiting_count + pending_count <> 0"); n != 0 {
				t.Errorf("%d events counted someone", n)
			}
		})
	}
}

func TestParticipantMemberIDs(t *testing.T) {
	f := newEventFixture(t)
	bob := storagetest.Member(t, f.db, "bob", content.RoleMember, "correct horse battery")
	e := f.event(24*time.Hour, func(e *content.Event) { e.Capacity = 1 })
	f.join(e.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})
	f.join(e.ID, content.Participant{Actor: actor("remote")})
	f.join(e.ID, content.Participant{Actor: "https://kring.test/users/bob", MemberID: bob.ID})
	for _, tt := range []struct {
		states []content.ParticipationState
		want   []int64
	}{
		{nil, []int64{f.ada.ID, bob.ID}},
		{[]content.ParticipationState{content.ParticipantAccepted}, []int64{f.ada.ID}},
		{[]content.ParticipationState{content.ParticipantWaiting, content.ParticipantPending}, []int64{bob.ID}},
		{[]content.ParticipationState{content.ParticipantRejected}, nil},
	} {
		got, err := f.db.ParticipantMemberIDs(f.ctx, e.ID, tt.states...)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("states %v (-want +got):\n%s", tt.states, diff)
		}
	}
}

func TestSendEventReminders(t *testing.T) {
	f := newEventFixture(t)
	ctx, db := f.ctx, f.db
	bob := storagetest.Member(t, db, "bob", content.RoleMember, "correct horse battery")
	cas := storagetest.Member(t, db, "cas", content.RoleMember, "correct horse battery")
	h := time.Hour
	soon := f.event(2*h, func(e *content.Event) { e.Capacity = 1 })
	later := f.event(30*h, nil)                                                                   // outside the window
	off := f.event(3*h, nil)                                                                      // cancelled below
	gone := f.event(4*h, nil)                                                                     // deleted below
	asked := f.event(5*h, func(e *content.Event) { e.JoinMode = content.JoinApproval })           // pending only
	running := f.event(-h, nil)                                                                   // started already
	f.join(soon.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})                    // accepted: reminded
	f.join(soon.ID, content.Participant{Actor: "https://kring.test/users/bob", MemberID: bob.ID}) // waiting: not
	f.join(soon.ID, content.Participant{Actor: actor("remote")})                                  // waiting, remote
	f.join(later.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})
	f.join(asked.ID, content.Participant{Actor: "https://kring.test/users/cas", MemberID: cas.ID})
	f.join(running.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})
	f.join(gone.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})
	gone.Deleted = true
	if err := db.SaveEvent(ctx, storage.EventChange{Event: gone}); err != nil {
		t.Fatal(err)
	}
	f.join(off.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID}) // joined before the cancellation
	off.Status = content.EventCancelled
	if err := db.SaveEvent(ctx, storage.EventChange{Event: off}); err != nil {
		t.Fatal(err)
	}

	n, err := db.SendEventReminders(ctx, eventNow, 24*h)
	if err != nil || n != 1 {
		t.Fatalf("sent %d, %v; want 1", n, err)
	}
	ns, err := db.Notifications(ctx, f.ada.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []content.Notification{{ID: ns[0].ID, MemberID: f.ada.ID, Kind: content.NotifyEventReminder, Actor: organizer,
		ActorName: "Ada", ObjectIRI: soon.IRI, CreatedAt: eventNow}}
	if diff := cmp.Diff(want, ns); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	for _, m := range []*content.Member{bob, cas} {
		if unread, _ := db.UnreadNotifications(ctx, m.ID); unread != 0 {
			t.Errorf("%s got %d reminders", m.Username, unread)
		}
	}
	if n, err := db.SendEventReminders(ctx, eventNow.Add(time.Minute), 24*h); err != nil || n != 0 {
		t.Errorf("second run sent %d, %v; want 0", n, err)
	}
	// The window moves on: the later event is reminded once it is in it.
	if n, err := db.SendEventReminders(ctx, eventNow.Add(7*h), 24*h); err != nil || n != 1 {
		t.Errorf("run at +7h sent %d, %v; want 1 (the later event)", n, err)
	}
}

// TestRemindCancelledJoiners: people who joined before an event was
// cancelled get no reminder of it.
func TestRemindCancelledJoiners(t *testing.T) {
	f := newEventFixture(t)
	e := f.event(2*time.Hour, nil)
	f.join(e.ID, content.Participant{Actor: organizer, MemberID: f.ada.ID})
	e.Status = content.EventCancelled
	if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.db.SendEventReminders(f.ctx, eventNow, 24*time.Hour); err != nil || n != 0 {
		t.Errorf("sent %d, %v; want 0", n, err)
	}
	// And nobody moves up into it.
	e.Status, e.Capacity = content.EventCancelled, 1
	if err := f.db.SaveEvent(f.ctx, storage.EventChange{Event: e}); err != nil {
		t.Fatal(err)
	}
	if p, err := f.db.PromoteWaiting(f.ctx, e.ID); err != nil || len(p) != 0 {
		t.Errorf("promoted into a cancelled event: %+v %v", p, err)
	}
}
