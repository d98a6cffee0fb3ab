package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kring/content"
	"kring/storage"
)

// Participation follows Mobilizon: Join{actor, object: event} goes to the
// organiser, who answers Accept{the Join} (Mobilizon counts a participant
// only then) or Reject; Leave{object: event} (or Undo{Join}) ends it. A
// full event keeps its Join unanswered on the waiting list and accepts it
// when a seat frees; an event that needs approval answers when the
// organiser decides.

// JoinEvent signs a member up for an event: here, directly; on another
// server, with a Join to its organiser (pending until it accepts).
func (n *Node) JoinEvent(ctx context.Context, m *content.Member, ev *content.Event, message string) (*content.Participant, error) {
	actor := n.iris.Actor(m.Username)
	p := content.Participant{Actor: actor, MemberID: m.ID, Name: m.Name(), Message: message}
	if ev.Local {
		stored, inserted, err := n.db.JoinEvent(ctx, ev.ID, p)
		if err != nil {
			return nil, err
		}
		if inserted {
			n.tellOrganizer(ctx, ev, &stored)
		}
		return &stored, nil
	}
	return n.joinRemote(ctx, m, ev, p)
}

func (n *Node) joinRemote(ctx context.Context, m *content.Member, ev *content.Event, p content.Participant) (*content.Participant, error) {
	switch {
	case ev.Deleted:
		return nil, content.Errorf(content.KindNotFound, "", "event.deleted", "this event was deleted")
	case ev.Cancelled():
		return nil, content.Errorf(content.KindConflict, "", "event.cancelled", "this event is cancelled")
	case ev.JoinMode == content.JoinExternal:
		return nil, content.Errorf(content.KindInvalid, "", "event.join_external", "people register for this event elsewhere")
	}
	organizer, err := n.remoteActor(ctx, ev.Organizer, false)
	if err != nil {
		return nil, fmt.Errorf("organiser of %s: %w", ev.IRI, err)
	}
	old, err := n.db.Participant(ctx, ev.ID, p.Actor)
	if err == nil && old.State != content.ParticipantRejected {
		return old, nil
	}
	p.State, p.JoinIRI = content.ParticipantPending, n.iris.Activity(newID())
	stored, _, err := n.db.JoinEvent(ctx, ev.ID, p)
	if err != nil {
		return nil, err
	}
	if stored.State == content.ParticipantRejected {
		// Asking again after a no: the organiser's server decides anew.
		if err := n.db.SetParticipantState(ctx, ev.ID, p.Actor, content.ParticipantPending); err != nil {
			return nil, err
		}
		stored.State = content.ParticipantPending
	}
	join := map[string]any{"@context": eventContext, "id": p.JoinIRI, "type": "Join", "actor": p.Actor, "object": ev.IRI,
		"to": []string{ev.Organizer}, "participationMessage": p.Message}
	if _, err := n.enqueue(ctx, p.Actor, join, nil, false, []storage.Target{{Inbox: organizer.Inbox, Host: hostOf(organizer.Inbox)}}); err != nil {
		// Without its Join the row would wait for an answer that never comes.
		if _, _, lerr := n.db.LeaveEvent(ctx, ev.ID, p.Actor); lerr != nil {
			n.log.Error("undo participation after a failed join", "event", ev.IRI, "err", lerr)
		}
		return nil, fmt.Errorf("send join of %s to %s: %w", ev.IRI, ev.Organizer, err)
	}
	return &stored, nil
}

// LeaveEvent takes a member off an event. Here, a freed seat goes to the
// first on the waiting list; elsewhere, a Leave tells the organiser.
func (n *Node) LeaveEvent(ctx context.Context, m *content.Member, ev *content.Event) error {
	actor := n.iris.Actor(m.Username)
	if !ev.Local {
		old, err := n.db.Participant(ctx, ev.ID, actor)
		if err != nil {
			return nil // not signed up: nothing to leave
		}
		if err := n.sendLeave(ctx, ev, old); err != nil {
			return err
		}
	}
	_, promoted, err := n.db.LeaveEvent(ctx, ev.ID, actor)
	if err != nil {
		return err
	}
	n.admit(ctx, ev, promoted)
	return nil
}

func (n *Node) sendLeave(ctx context.Context, ev *content.Event, p *content.Participant) error {
	organizer, err := n.remoteActor(ctx, ev.Organizer, false)
	if err != nil {
		return fmt.Errorf("organiser of %s: %w", ev.IRI, err)
	}
	leave := map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Leave", "actor": p.Actor,
		"object": ev.IRI, "to": []string{ev.Organizer}}
	_, err = n.enqueue(ctx, p.Actor, leave, nil, false, []storage.Target{{Inbox: organizer.Inbox, Host: hostOf(organizer.Inbox)}})
	return err
}

// DecideParticipant accepts or rejects a request to join an event that
// needs approval, and tells the person.
func (n *Node) DecideParticipant(ctx context.Context, by *content.Member, ev *content.Event, actor string, accept bool) (*content.Participant, error) {
	if err := n.requireEventManager(ctx, by, ev); err != nil {
		return nil, err
	}
	p, err := n.db.DecideParticipant(ctx, ev.ID, actor, accept)
	if err != nil {
		return nil, err
	}
	if p.State == content.ParticipantRejected {
		n.answerJoin(ctx, ev, p, "Reject")
	} else {
		n.admit(ctx, ev, []content.Participant{*p})
	}
	return p, nil
}

// admit tells people who now have a seat: members by a notification,
// remote participants by an Accept of their Join.
func (n *Node) admit(ctx context.Context, ev *content.Event, ps []content.Participant) {
	for i := range ps {
		if ps[i].State != content.ParticipantAccepted {
			continue
		}
		n.answerJoin(ctx, ev, &ps[i], "Accept")
	}
}

// answerJoin sends Accept or Reject for a participation: an activity to a
// remote participant, a notification to a member.
func (n *Node) answerJoin(ctx context.Context, ev *content.Event, p *content.Participant, kind string) {
	if p.MemberID != 0 {
		nk := content.NotifyEventAccepted
		if kind == "Reject" {
			nk = content.NotifyEventRejected
		}
		n.notifyMember(ctx, p.MemberID, nk, ev)
		return
	}
	if err := n.sendJoinAnswer(ctx, ev, p, kind); err != nil {
		// The participation is stored; the answer is retried from the
		// queue once enqueued, so only a failure to enqueue lands here.
		n.log.Error("answer join", "event", ev.IRI, "actor", p.Actor, "kind", kind, "err", err)
	}
}

// sendJoinAnswer sends Accept or Reject of a Join, the Join embedded (as
// Mobilizon does), from the organiser to the participant's own inbox.
func (n *Node) sendJoinAnswer(ctx context.Context, ev *content.Event, p *content.Participant, kind string) error {
	a, err := n.remoteActor(ctx, p.Actor, false)
	if err != nil {
		return fmt.Errorf("participant %s: %w", p.Actor, err)
	}
	join := map[string]any{"id": p.JoinIRI, "type": "Join", "actor": p.Actor, "object": ev.IRI}
	doc := map[string]any{"@context": eventContext, "id": n.iris.Activity(newID()), "type": kind, "actor": ev.Organizer,
		"object": join, "to": []string{p.Actor}}
	_, err = n.enqueue(ctx, ev.Organizer, doc, nil, false, []storage.Target{{Inbox: a.Inbox, Host: hostOf(a.Inbox)}})
	return err
}

// tellOrganizer notifies the organising member (or, for a forum's or the
// organisation's event, the member who made it) of a new participant.
func (n *Node) tellOrganizer(ctx context.Context, ev *content.Event, p *content.Participant) {
	memberID := ev.CreatorID
	if m, ok := n.localActor(ctx, ev.Organizer); ok {
		memberID = m.ID
	}
	if memberID == 0 || memberID == p.MemberID {
		return
	}
	kind := content.NotifyEventJoin
	if p.State == content.ParticipantPending {
		kind = content.NotifyEventRequest
	}
	nt := &content.Notification{MemberID: memberID, Kind: kind, Actor: p.Actor, ActorName: p.Name, ObjectIRI: ev.IRI}
	if _, err := n.db.AddNotification(ctx, nt); err != nil {
		n.log.Error("add notification", "member_id", memberID, "kind", kind, "err", err)
	}
}

func (n *Node) notifyMember(ctx context.Context, memberID int64, kind content.NotificationKind, ev *content.Event) {
	nt := &content.Notification{MemberID: memberID, Kind: kind, Actor: ev.Organizer, ActorName: orText(ev.OrganizerName, ev.Organizer), ObjectIRI: ev.IRI}
	if _, err := n.db.AddNotification(ctx, nt); err != nil {
		n.log.Error("add notification", "member_id", memberID, "kind", kind, "err", err)
	}
}

// onJoin handles a remote actor's Join of a local event.
func (n *Node) onJoin(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	ev, err := n.db.EventByIRI(ctx, idOf(act.Object))
	if err != nil || !ev.Local {
		return "ignored: join of " + idOf(act.Object) + ", not an event here", nil
	}
	a, err := n.remoteActor(ctx, it.Actor, false)
	if err != nil {
		return "", fmt.Errorf("fetch participant %s: %w", it.Actor, err)
	}
	var extra struct {
		Message string `json:"participationMessage"`
	}
	_ = json.Unmarshal(it.Body, &extra)
	p := content.Participant{Actor: it.Actor, Name: orText(a.Name, a.Username), JoinIRI: act.ID, Message: extra.Message}
	stored, inserted, err := n.db.JoinEvent(ctx, ev.ID, p)
	if err != nil {
		if _, ok := content.AsError(err); !ok {
			return "", err
		}
		p.State = content.ParticipantRejected
		if serr := n.sendJoinAnswer(ctx, ev, &p, "Reject"); serr != nil {
			return "", serr
		}
		return "rejected: join of " + ev.IRI + ": " + err.Error(), nil
	}
	if inserted {
		n.tellOrganizer(ctx, ev, &stored)
	}
	switch stored.State {
	case content.ParticipantAccepted:
		// Answered also when repeated: the sender may have lost our Accept.
		if err := n.sendJoinAnswer(ctx, ev, &stored, "Accept"); err != nil {
			return "", err
		}
	case content.ParticipantRejected:
		if err := n.sendJoinAnswer(ctx, ev, &stored, "Reject"); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%s: %s joins %s", stored.State, it.Actor, ev.IRI), nil
}

// onLeave handles Leave{event} and Undo{Join}: the participation ends and
// a freed seat goes to the first on the waiting list.
func (n *Node) onLeave(ctx context.Context, it *content.InboxItem, eventIRI string) (string, error) {
	ev, err := n.db.EventByIRI(ctx, eventIRI)
	if err != nil || !ev.Local {
		return "ignored: leave of " + eventIRI + ", not an event here", nil
	}
	left, promoted, err := n.db.LeaveEvent(ctx, ev.ID, it.Actor)
	if err != nil {
		return "", err
	}
	if left == nil {
		return "ignored: " + it.Actor + " was not signed up for " + ev.IRI, nil
	}
	n.admit(ctx, ev, promoted)
	return fmt.Sprintf("left: %s leaves %s (%d moved up)", it.Actor, ev.IRI, len(promoted)), nil
}

// undoneJoin finds the event of an Undo{Join}: the Join embedded, or by
// its id among the participations here.
func (n *Node) undoneJoin(ctx context.Context, objID string, inner *activity) string {
	if ev := idOf(inner.Object); ev != "" {
		return ev
	}
	if p, err := n.db.ParticipantByJoinIRI(ctx, objID); err == nil {
		if ev, err := n.db.EventByID(ctx, p.EventID); err == nil {
			return ev.IRI
		}
	}
	return ""
}

// onJoinAnswer applies an organiser's Accept or Reject of a member's Join
// of an event elsewhere. It reports false when the activity answers no
// Join of ours.
func (n *Node) onJoinAnswer(ctx context.Context, it *content.InboxItem, act *activity, accept bool) (string, bool, error) {
	joinID := idOf(act.Object)
	p, err := n.db.ParticipantByJoinIRI(ctx, joinID)
	if err != nil || p.MemberID == 0 {
		return "", false, nil
	}
	ev, err := n.db.EventByID(ctx, p.EventID)
	if err != nil || ev.Local || (it.Actor != ev.Organizer && hostOf(ev.IRI) != hostOf(it.Actor)) {
		return "ignored: answer to a join from a server other than the event's", true, nil
	}
	state, kind := content.ParticipantAccepted, content.NotifyEventAccepted
	if !accept {
		state, kind = content.ParticipantRejected, content.NotifyEventRejected
	}
	if p.State == state {
		return "ignored: participation already " + string(state), true, nil
	}
	if err := n.db.SetParticipantState(ctx, ev.ID, p.Actor, state); err != nil {
		return "", true, err
	}
	n.notifyMember(ctx, p.MemberID, kind, ev)
	return fmt.Sprintf("%s: %s in %s", state, p.Actor, ev.IRI), true, nil
}

// EventReminders tells participants about events starting within a day.
func (n *Node) EventReminders(ctx context.Context, now time.Time) (int, error) {
	return n.db.SendEventReminders(ctx, now, 24*time.Hour)
}

// eventHousekeeping extends series and sends reminders now and then.
const eventHousekeeping = 10 * time.Minute

func (n *Node) eventLoop(ctx context.Context) {
	for {
		now := n.now()
		if err := n.ExtendSeries(ctx, now); err != nil && ctx.Err() == nil {
			n.log.Error("extend series", "err", err)
		}
		if _, err := n.EventReminders(ctx, now); err != nil && ctx.Err() == nil {
			n.log.Error("event reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(eventHousekeeping):
		}
	}
}
