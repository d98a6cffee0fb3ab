package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

const participantColumns = `id, event_id, actor, COALESCE(member_id, 0), name, state, join_iri, message, created_at`

func scanParticipant(row rowScanner) (*content.Participant, error) {
	var p content.Participant
	var state string
	var created int64
	if err := row.Scan(&p.ID, &p.EventID, &p.Actor, &p.MemberID, &p.Name, &state, &p.JoinIRI, &p.Message, &created); err != nil {
		return nil, err
	}
	p.State, p.CreatedAt = content.ParticipationState(state), fromMillis(created)
	return &p, nil
}

// seatInfo is what participation needs to know of an event, read inside
// the transaction that changes it.
type seatInfo struct {
	id       int64
	local    bool
	deleted  bool
	joinMode content.JoinMode
	status   content.EventStatus
	end      time.Time
	capacity int
}

func readSeatInfo(ctx context.Context, tx *sql.Tx, eventID int64) (*seatInfo, error) {
	s := seatInfo{id: eventID}
	var joinMode, status string
	var end int64
	err := tx.QueryRowContext(ctx, "SELECT local, deleted, join_mode, status, end_at, capacity FROM events WHERE id = ?", eventID).
		Scan(&s.local, &s.deleted, &joinMode, &status, &end, &s.capacity)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event")
	}
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", eventID, err)
	}
	s.joinMode, s.status, s.end = content.JoinMode(joinMode), content.EventStatus(status), fromMillis(end)
	return &s, nil
}

// joinable says why a new participant may not join, if they may not.
func (s *seatInfo) joinable(now time.Time) error {
	switch {
	case s.joinMode == content.JoinExternal:
		return content.Errorf(content.KindInvalid, "", "event.join_external", "people register for this event on another site")
	case s.status == content.EventCancelled:
		return content.Errorf(content.KindConflict, "", "event.cancelled", "this event is cancelled")
	case !s.end.After(now):
		return content.Errorf(content.KindConflict, "", "event.past", "this event is over")
	case s.joinMode == content.JoinInvite:
		return content.Errorf(content.KindForbidden, "", "event.invite_only", "only invited people take part in this event")
	}
	return nil
}

// full reports whether every seat of a local event is taken. It counts
// the rows rather than trusting participant_count, which a member's
// deletion (ON DELETE CASCADE) leaves behind until the next change.
func (s *seatInfo) full(ctx context.Context, tx *sql.Tx) (bool, error) {
	if s.capacity == 0 {
		return false, nil
	}
	n, err := countState(ctx, tx, s.id, content.ParticipantAccepted)
	return n >= s.capacity, err
}

func countState(ctx context.Context, tx *sql.Tx, eventID int64, state content.ParticipationState) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM event_participants WHERE event_id = ? AND state = ?", eventID, string(state)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s participants of event %d: %w", state, eventID, err)
	}
	return n, nil
}

// stateCountColumn is the events column that counts a state; rejected people
// are not counted.
func stateCountColumn(state content.ParticipationState) string {
	switch state {
	case content.ParticipantAccepted:
		return "participant_count"
	case content.ParticipantWaiting:
		return "waiting_count"
	case content.ParticipantPending:
		return "pending_count"
	}
	return ""
}

// moveCount keeps the counts in step with a participant moving from one
// state to another ("" for none: a join or a leave). A local event's
// counts are recounted from its rows, which also heals any drift. A
// received event's counts are its server's; our member's change is added
// to them so the page shows it at once, until the server's next Update
// brings its own numbers.
func moveCount(ctx context.Context, tx *sql.Tx, s *seatInfo, from, to content.ParticipationState) error {
	if s.local {
		_, err := tx.ExecContext(ctx, `UPDATE events SET
			participant_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'accepted'),
			waiting_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'waiting'),
			pending_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'pending')
			WHERE id = ?1`, s.id)
		if err != nil {
			return fmt.Errorf("count participants of event %d: %w", s.id, err)
		}
		return nil
	}
	if from == to {
		return nil
	}
	for _, c := range []struct {
		col   string
		delta int
	}{{stateCountColumn(from), -1}, {stateCountColumn(to), 1}} {
		col, delta := c.col, c.delta
		if col == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE events SET "+col+" = MAX("+col+" + ?, 0) WHERE id = ?", delta, s.id); err != nil {
			return fmt.Errorf("count participants of event %d: %w", s.id, err)
		}
	}
	return nil
}

func participantTx(ctx context.Context, tx *sql.Tx, eventID int64, actor string) (*content.Participant, error) {
	p, err := scanParticipant(tx.QueryRowContext(ctx, "SELECT "+participantColumns+" FROM event_participants WHERE event_id = ? AND actor = ?",
		eventID, actor))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read participant %s of event %d: %w", actor, eventID, err)
	}
	return p, nil
}

func setState(ctx context.Context, tx *sql.Tx, id int64, state content.ParticipationState, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "UPDATE event_participants SET state = ?, updated_at = ? WHERE id = ?", string(state), millis(now), id); err != nil {
		return fmt.Errorf("set participant %d %s: %w", id, state, err)
	}
	return nil
}

func validState(state content.ParticipationState) bool {
	return stateCountColumn(state) != "" || state == content.ParticipantRejected
}

// JoinEvent adds an actor to an event. An existing row for the actor is
// returned as it is (inserted false), so a re-sent Join is answered the
// same way; a new non-empty JoinIRI replaces the stored one, since a
// server that lost our Accept re-sends Join with a new id. A new row of a
// local event is pending when the organiser approves each request, else
// waiting when every seat is taken, else accepted. A new row of a received
// event takes p.State (pending when empty) until the organiser's server
// answers. A new row is refused for an external, cancelled, ended or
// invite-only event; a deleted event is not found.
func (db *DB) JoinEvent(ctx context.Context, eventID int64, p content.Participant) (content.Participant, bool, error) {
	if p.Actor == "" {
		return p, false, content.Errorf(content.KindInvalid, "actor", "event.participant_actor", "a participant needs an actor")
	}
	if p.State != "" && !validState(p.State) {
		return p, false, content.Errorf(content.KindInvalid, "state", "event.participant_state", "unknown participation state %q", p.State)
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	var out content.Participant
	var inserted bool
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		s, err := readSeatInfo(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if s.deleted {
			return notFound("event")
		}
		old, err := participantTx(ctx, tx, eventID, p.Actor)
		if err != nil {
			return err
		}
		if old != nil {
			out = *old
			return replaceJoinIRI(ctx, tx, &out, p.JoinIRI, now)
		}
		if err := s.joinable(now); err != nil {
			return err
		}
		if p.State, err = newState(ctx, tx, s, p.State); err != nil {
			return err
		}
		p.EventID, p.CreatedAt = eventID, now
		err = tx.QueryRowContext(ctx, `INSERT INTO event_participants (event_id, actor, member_id, name, state, join_iri, message,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, eventID, p.Actor, nullID(p.MemberID), p.Name,
			string(p.State), p.JoinIRI, p.Message, millis(now), millis(now)).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("join event %d as %s: %w", eventID, p.Actor, err)
		}
		out, inserted = p, true
		return moveCount(ctx, tx, s, "", p.State)
	})
	if err != nil {
		return content.Participant{}, false, err
	}
	return out, inserted, nil
}

func replaceJoinIRI(ctx context.Context, tx *sql.Tx, p *content.Participant, joinIRI string, now time.Time) error {
	if joinIRI == "" || joinIRI == p.JoinIRI {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE event_participants SET join_iri = ?, updated_at = ? WHERE id = ?", joinIRI, millis(now), p.ID); err != nil {
		return fmt.Errorf("replace join of participant %d: %w", p.ID, err)
	}
	p.JoinIRI = joinIRI
	return nil
}

// newState is where a new participant starts.
func newState(ctx context.Context, tx *sql.Tx, s *seatInfo, given content.ParticipationState) (content.ParticipationState, error) {
	if !s.local {
		if given == "" {
			return content.ParticipantPending, nil
		}
		return given, nil
	}
	if s.joinMode == content.JoinApproval {
		return content.ParticipantPending, nil
	}
	return seatOrWait(ctx, tx, s)
}

// seatOrWait is accepted when a seat is free, else waiting.
func seatOrWait(ctx context.Context, tx *sql.Tx, s *seatInfo) (content.ParticipationState, error) {
	full, err := s.full(ctx, tx)
	if err != nil {
		return "", err
	}
	if full {
		return content.ParticipantWaiting, nil
	}
	return content.ParticipantAccepted, nil
}

// LeaveEvent removes an actor's participation, in any state. When it held
// a seat of a local event with a capacity, the oldest waiting people (by
// id) move up while seats are free; they come back in promoted, for the
// caller to tell them. left is nil, without an error, when the actor had
// no row.
func (db *DB) LeaveEvent(ctx context.Context, eventID int64, actor string) (left *content.Participant, promoted []content.Participant, err error) {
	now := db.now().UTC()
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		s, err := readSeatInfo(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if left, err = participantTx(ctx, tx, eventID, actor); err != nil || left == nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM event_participants WHERE id = ?", left.ID); err != nil {
			return fmt.Errorf("leave event %d as %s: %w", eventID, actor, err)
		}
		if err := moveCount(ctx, tx, s, left.State, ""); err != nil {
			return err
		}
		if left.State != content.ParticipantAccepted {
			return nil
		}
		promoted, err = promoteWaiting(ctx, tx, s, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return left, promoted, nil
}

// PromoteWaiting moves the oldest waiting people of a local event up to
// accepted while seats are free, and returns them. SaveEvent leaves the
// waiting list alone; call this after raising an event's capacity, then
// tell the promoted (an Accept for remote ones, a notification for members).
func (db *DB) PromoteWaiting(ctx context.Context, eventID int64) ([]content.Participant, error) {
	var promoted []content.Participant
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		s, err := readSeatInfo(ctx, tx, eventID)
		if err != nil {
			return err
		}
		promoted, err = promoteWaiting(ctx, tx, s, db.now().UTC())
		return err
	})
	return promoted, err
}

// promoteWaiting fills free seats from the waiting list. Nobody moves up
// into an event that is deleted, cancelled or over: they would be told of
// a seat they cannot use.
func promoteWaiting(ctx context.Context, tx *sql.Tx, s *seatInfo, now time.Time) ([]content.Participant, error) {
	if !s.local || s.capacity == 0 || s.deleted || s.status == content.EventCancelled || !s.end.After(now) {
		return nil, nil
	}
	accepted, err := countState(ctx, tx, s.id, content.ParticipantAccepted)
	if err != nil || accepted >= s.capacity {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+participantColumns+" FROM event_participants WHERE event_id = ? AND state = 'waiting' ORDER BY id LIMIT ?",
		s.id, s.capacity-accepted)
	if err != nil {
		return nil, fmt.Errorf("read waiting list of event %d: %w", s.id, err)
	}
	promoted, err := collectParticipants(rows)
	if err != nil || len(promoted) == 0 {
		return nil, err
	}
	for i := range promoted {
		if err := setState(ctx, tx, promoted[i].ID, content.ParticipantAccepted, now); err != nil {
			return nil, err
		}
		promoted[i].State = content.ParticipantAccepted
	}
	return promoted, moveCount(ctx, tx, s, content.ParticipantWaiting, content.ParticipantAccepted)
}

func collectParticipants(rows *sql.Rows) ([]content.Participant, error) {
	defer rows.Close()
	var out []content.Participant
	for rows.Next() {
		p, err := scanParticipant(rows)
		if err != nil {
			return nil, fmt.Errorf("read participants: %w", err)
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read participants: %w", err)
	}
	return out, nil
}

// DecideParticipant is the organiser's answer to a pending request to one
// of our events: accepted (waiting when every seat is taken) or rejected.
// A row that is not pending is a conflict, so a second click changes
// nothing; a received event's requests are its server's to answer.
func (db *DB) DecideParticipant(ctx context.Context, eventID int64, actor string, accept bool) (*content.Participant, error) {
	var out *content.Participant
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		s, err := readSeatInfo(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if s.deleted {
			return notFound("event")
		}
		if !s.local {
			return content.Errorf(content.KindForbidden, "", "event.not_local", "requests to this event are answered by its own server")
		}
		p, err := participantTx(ctx, tx, eventID, actor)
		if err != nil {
			return err
		}
		if p == nil {
			return notFound("participant")
		}
		if p.State != content.ParticipantPending {
			return content.Errorf(content.KindConflict, "", "event.not_pending", "this request was answered already (%s)", p.State)
		}
		state := content.ParticipantRejected
		if accept {
			if state, err = seatOrWait(ctx, tx, s); err != nil {
				return err
			}
		}
		if err := setState(ctx, tx, p.ID, state, db.now().UTC()); err != nil {
			return err
		}
		p.State, out = state, p
		return moveCount(ctx, tx, s, content.ParticipantPending, state)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetParticipantState sets where our member stands with a received event,
// when its server's Accept or Reject arrives.
func (db *DB) SetParticipantState(ctx context.Context, eventID int64, actor string, state content.ParticipationState) error {
	if !validState(state) {
		return content.Errorf(content.KindInvalid, "state", "event.participant_state", "unknown participation state %q", state)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		s, err := readSeatInfo(ctx, tx, eventID)
		if err != nil {
			return err
		}
		p, err := participantTx(ctx, tx, eventID, actor)
		if err != nil {
			return err
		}
		if p == nil {
			return notFound("participant")
		}
		if p.State == state {
			return nil
		}
		if err := setState(ctx, tx, p.ID, state, db.now().UTC()); err != nil {
			return err
		}
		return moveCount(ctx, tx, s, p.State, state)
	})
}

// ParticipantByJoinIRI finds a participation by the Join activity that
// an Accept, Reject or Undo names.
func (db *DB) ParticipantByJoinIRI(ctx context.Context, joinIRI string) (*content.Participant, error) {
	if joinIRI == "" {
		return nil, notFound("participant")
	}
	// join_iri <> '' lets SQLite use the partial index event_participants_join.
	return db.oneParticipant(ctx, "join_iri = ? AND join_iri <> '' ORDER BY id DESC LIMIT 1", joinIRI)
}

// Participant returns an actor's participation in an event.
func (db *DB) Participant(ctx context.Context, eventID int64, actor string) (*content.Participant, error) {
	return db.oneParticipant(ctx, "event_id = ? AND actor = ?", eventID, actor)
}

func (db *DB) oneParticipant(ctx context.Context, where string, args ...any) (*content.Participant, error) {
	p, err := scanParticipant(db.queryRow(ctx, "SELECT "+participantColumns+" FROM event_participants WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("participant")
	}
	if err != nil {
		return nil, fmt.Errorf("read participant %v: %w", args, err)
	}
	return p, nil
}

// Participants lists an event's participants: accepted, pending, waiting,
// then rejected; each in the order they came.
func (db *DB) Participants(ctx context.Context, eventID int64) ([]content.Participant, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+participantColumns+` FROM event_participants WHERE event_id = ?
		ORDER BY CASE state WHEN 'accepted' THEN 0 WHEN 'pending' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list participants of event %d: %w", eventID, err)
	}
	ps, err := collectParticipants(rows)
	if err != nil {
		return nil, fmt.Errorf("list participants of event %d: %w", eventID, err)
	}
	return ps, nil
}

// ParticipantMemberIDs lists the local members taking part in an event,
// in the given states (any state when none are given), in the order they
// came: whom to tell of a change or a cancellation.
func (db *DB) ParticipantMemberIDs(ctx context.Context, eventID int64, states ...content.ParticipationState) ([]int64, error) {
	query := "SELECT member_id FROM event_participants WHERE event_id = ? AND member_id IS NOT NULL"
	args := []any{eventID}
	if len(states) > 0 {
		query += " AND state IN (?" + strings.Repeat(", ?", len(states)-1) + ")"
		for _, s := range states {
			args = append(args, string(s))
		}
	}
	rows, err := db.read.QueryContext(ctx, query+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("list members of event %d: %w", eventID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list members of event %d: %w", eventID, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list members of event %d: %w", eventID, err)
	}
	return ids, nil
}

// SendEventReminders tells every accepted member of an event starting in
// (now, now+ahead] that it is coming, once: the reminder and reminded_at
// are written in one transaction, so running it again sends nothing new
// (until the event moves, which resets reminded_at). Deleted and cancelled
// events remind nobody. It returns how many reminders it sent.
func (db *DB) SendEventReminders(ctx context.Context, now time.Time, ahead time.Duration) (int, error) {
	var sent int
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.member_id, e.organizer, e.organizer_name, e.iri
			FROM events e JOIN event_participants p ON p.event_id = e.id
			WHERE e.deleted = 0 AND e.start_at > ? AND e.start_at <= ? AND e.status <> 'CANCELLED'
			AND p.state = 'accepted' AND p.member_id IS NOT NULL AND p.reminded_at = 0`, millis(now), millis(now.Add(ahead)))
		if err != nil {
			return fmt.Errorf("find reminders due: %w", err)
		}
		var ids []int64
		var ns []content.Notification
		for rows.Next() {
			var id int64
			n := content.Notification{Kind: content.NotifyEventReminder}
			if err := rows.Scan(&id, &n.MemberID, &n.Actor, &n.ActorName, &n.ObjectIRI); err != nil {
				rows.Close()
				return fmt.Errorf("find reminders due: %w", err)
			}
			ids, ns = append(ids, id), append(ns, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find reminders due: %w", err)
		}
		if err := insertNotifications(ctx, tx, ns, now); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "UPDATE event_participants SET reminded_at = ? WHERE id = ?", millis(now), id); err != nil {
				return fmt.Errorf("mark participant %d reminded: %w", id, err)
			}
		}
		sent = len(ids)
		return nil
	})
	return sent, err
}
