package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

// eventColumns are read with the table aliased e, so that a listing can
// start from event_tags.
const eventColumns = `e.id, e.iri, e.local, COALESCE(e.series_id, 0), e.occurrence_start, e.edited, e.title, e.body, e.content,
	e.summary, e.start_at, e.end_at, e.time_zone, e.place, e.online_url, e.organizer, e.organizer_kind, e.organizer_name,
	COALESCE(e.creator_id, 0), e.speakers, e.capacity, e.join_mode, e.registration_url, e.status, e.tags,
	COALESCE(e.cover_media_id, 0), e.cover_url, e.cover_alt, e.language, e.sequence, e.participant_count, e.waiting_count,
	e.pending_count, e.url, e.published, e.updated, e.deleted`

// eventFields are the columns an event change writes, in the order
// eventArgs gives their values. The counts are left out: participation
// keeps them (participants.go), and an edit must not overwrite a join that
// came in while the organiser had the form open.
var eventFields = []string{"iri", "local", "series_id", "occurrence_start", "edited", "title", "body", "content", "summary",
	"start_at", "end_at", "time_zone", "place", "online_url", "organizer", "organizer_kind", "organizer_name", "creator_id",
	"speakers", "capacity", "join_mode", "registration_url", "status", "tags", "cover_media_id", "cover_url", "cover_alt",
	"language", "sequence", "url", "published", "updated", "deleted"}

// countFields are the counts a received event brings: what its server
// published.
var countFields = []string{"participant_count", "waiting_count", "pending_count"}

var (
	insertEventSQL       = insertSQL("events", eventFields)
	updateEventSQL       = updateSQL("events", eventFields) + " WHERE id = ?"
	insertRemoteEventSQL = insertSQL("events", append(append([]string{}, eventFields...), countFields...))
	updateRemoteEventSQL = updateSQL("events", append(append([]string{}, eventFields...), countFields...)) + " WHERE id = ?"
)

func insertSQL(table string, cols []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")"
}

func updateSQL(table string, cols []string) string {
	return "UPDATE " + table + " SET " + strings.Join(cols, " = ?, ") + " = ?"
}

func scanEvent(row rowScanner) (*content.Event, error) {
	var e content.Event
	var occurrence, start, end, published, updated int64
	var place, speakers, tags, kind, joinMode, status, lang string
	err := row.Scan(&e.ID, &e.IRI, &e.Local, &e.SeriesID, &occurrence, &e.EditedByHand, &e.Title, &e.Body, &e.Content,
		&e.Summary, &start, &end, &e.TimeZone, &place, &e.OnlineURL, &e.Organizer, &kind, &e.OrganizerName,
		&e.CreatorID, &speakers, &e.Capacity, &joinMode, &e.RegistrationURL, &status, &tags,
		&e.CoverMediaID, &e.CoverURL, &e.CoverAlt, &lang, &e.Sequence, &e.ParticipantCount, &e.WaitingCount,
		&e.PendingCount, &e.URL, &published, &updated, &e.Deleted)
	if err != nil {
		return nil, err
	}
	e.OrganizerKind, e.JoinMode, e.Status, e.Language = content.OrganizerKind(kind), content.JoinMode(joinMode),
		content.EventStatus(status), content.Language(lang)
	e.OccurrenceStart, e.Updated = timeOrZero(occurrence), timeOrZero(updated)
	e.Start, e.End, e.Published = fromMillis(start), fromMillis(end), fromMillis(published)
	e.Tags = strings.Fields(tags)
	if place != "" {
		if err := json.Unmarshal([]byte(place), &e.Place); err != nil {
			return nil, fmt.Errorf("place of event %s: %w", e.IRI, err)
		}
	}
	if speakers != "" {
		if err := json.Unmarshal([]byte(speakers), &e.Speakers); err != nil {
			return nil, fmt.Errorf("speakers of event %s: %w", e.IRI, err)
		}
	}
	return &e, nil
}

// msOrZero stores a zero time as 0 rather than as year 1's millis, so
// that "not set" reads back as the zero time.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

// nullID stores an unset reference as NULL, which the foreign key allows.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// normaliseEvent fills what the schema's CHECKs need and an older caller
// may leave empty, with the same defaults content.ValidateEvent gives.
func normaliseEvent(e *content.Event, now time.Time) {
	if e.JoinMode == "" {
		e.JoinMode = content.JoinOpen
	}
	if e.Status == "" {
		e.Status = content.EventConfirmed
	}
	if e.TimeZone == "" {
		e.TimeZone = content.DefaultTimeZone
	}
	if e.Published.IsZero() {
		e.Published = now
	}
	e.Start, e.End, e.Published = e.Start.UTC().Truncate(time.Millisecond), e.End.UTC().Truncate(time.Millisecond),
		e.Published.UTC().Truncate(time.Millisecond)
}

// eventArgs gives the values of eventFields.
func eventArgs(e *content.Event) ([]any, error) {
	var place, speakers string
	if !e.Place.IsZero() {
		b, err := json.Marshal(e.Place)
		if err != nil {
			return nil, fmt.Errorf("encode place of event %s: %w", e.IRI, err)
		}
		place = string(b)
	}
	if len(e.Speakers) > 0 {
		b, err := json.Marshal(e.Speakers)
		if err != nil {
			return nil, fmt.Errorf("encode speakers of event %s: %w", e.IRI, err)
		}
		speakers = string(b)
	}
	return []any{e.IRI, e.Local, nullID(e.SeriesID), msOrZero(e.OccurrenceStart), e.EditedByHand, e.Title, e.Body, e.Content,
		e.Summary, millis(e.Start), millis(e.End), e.TimeZone, place, e.OnlineURL, e.Organizer, string(e.OrganizerKind),
		e.OrganizerName, nullID(e.CreatorID), speakers, e.Capacity, string(e.JoinMode), e.RegistrationURL, string(e.Status),
		strings.Join(e.Tags, " "), nullID(e.CoverMediaID), e.CoverURL, e.CoverAlt, string(e.Language), e.Sequence, e.URL,
		millis(e.Published), msOrZero(e.Updated), e.Deleted}, nil
}

func countArgs(e *content.Event) []any {
	return []any{max(0, e.ParticipantCount), max(0, e.WaitingCount), max(0, e.PendingCount)}
}

// EventChange is one change to an event, written in one transaction: the
// events row (inserted when Event.ID is 0, else updated; Event.ID is set),
// its event_tags, its objects row (inserted, or updated as writePostObject
// does; a tombstone once Event.Deleted), the activity with its deliveries
// and the notifications it causes. Obj and Activity may be nil. When the
// start moves, the participants' reminders are reset so they are reminded
// of the new time.
type EventChange struct {
	Event         *content.Event
	Obj           *content.Object
	Activity      *content.Activity
	Signer        string
	Targets       []Target
	Notifications []content.Notification
}

// SaveEvent writes a change to one of our own events: Event.Local is set.
// The counts are not written (participation keeps them) but read back
// into Event. A second event with the same IRI, or a second occurrence of
// a series at the same start, is a conflict.
func (db *DB) SaveEvent(ctx context.Context, c EventChange) error {
	now := db.now().UTC()
	e := c.Event
	e.Local = true
	normaliseEvent(e, now)
	id := e.ID
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := writeEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := writeEventTags(ctx, tx, e); err != nil {
			return err
		}
		if c.Obj != nil {
			if err := writeEventObject(ctx, tx, e, c.Obj, now); err != nil {
				return err
			}
		}
		if c.Activity != nil {
			if err := insertActivity(ctx, tx, c.Activity, c.Signer, c.Targets, now); err != nil {
				return err
			}
		}
		return insertNotifications(ctx, tx, c.Notifications, now)
	})
	if err != nil {
		e.ID = id // the insert was rolled back: a retry must insert again
	}
	return err
}

func writeEvent(ctx context.Context, tx *sql.Tx, e *content.Event) error {
	args, err := eventArgs(e)
	if err != nil {
		return err
	}
	if e.ID == 0 {
		res, err := tx.ExecContext(ctx, insertEventSQL, args...)
		if err != nil {
			return eventWriteError(e, err)
		}
		e.ID, err = res.LastInsertId()
		return err
	}
	var oldStart int64
	err = tx.QueryRowContext(ctx, "SELECT start_at FROM events WHERE id = ?", e.ID).Scan(&oldStart)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("event")
	}
	if err != nil {
		return fmt.Errorf("read event %d: %w", e.ID, err)
	}
	if _, err := tx.ExecContext(ctx, updateEventSQL, append(args, e.ID)...); err != nil {
		return eventWriteError(e, err)
	}
	if oldStart != millis(e.Start) {
		if err := resetReminders(ctx, tx, e.ID); err != nil {
			return err
		}
	}
	err = tx.QueryRowContext(ctx, "SELECT participant_count, waiting_count, pending_count FROM events WHERE id = ?", e.ID).
		Scan(&e.ParticipantCount, &e.WaitingCount, &e.PendingCount)
	if err != nil {
		return fmt.Errorf("read counts of event %d: %w", e.ID, err)
	}
	return nil
}

func eventWriteError(e *content.Event, err error) error {
	if isUniqueViolation(err) {
		return content.Errorf(content.KindConflict, "", "event.exists",
			"an event with the id %s, or an occurrence of its series at %s, is already stored", e.IRI, e.Start.Format(time.RFC3339))
	}
	return fmt.Errorf("store event %s: %w", e.IRI, err)
}

// resetReminders makes the participants of a moved event due for a
// reminder of its new time.
func resetReminders(ctx context.Context, tx querier, eventID int64) error {
	if _, err := tx.ExecContext(ctx, "UPDATE event_participants SET reminded_at = 0 WHERE event_id = ? AND reminded_at <> 0", eventID); err != nil {
		return fmt.Errorf("reset reminders of event %d: %w", eventID, err)
	}
	return nil
}

// writeEventTags replaces an event's rows in event_tags. A deleted event
// keeps none: no tag's agenda has to step over it.
func writeEventTags(ctx context.Context, tx querier, e *content.Event) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM event_tags WHERE event_id = ?", e.ID); err != nil {
		return fmt.Errorf("clear tags of event %d: %w", e.ID, err)
	}
	if e.Deleted {
		return nil
	}
	for _, tag := range e.Tags {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO event_tags (tag, event_id, start_at) VALUES (?, ?, ?)",
			tag, e.ID, millis(e.Start)); err != nil {
			return fmt.Errorf("tag event %d with %s: %w", e.ID, tag, err)
		}
	}
	return nil
}

// writeEventObject keeps the event's federated object in step, as
// writePostObject does for a post: inserted when first published, updated
// on edits, a tombstone once deleted.
func writeEventObject(ctx context.Context, tx *sql.Tx, e *content.Event, o *content.Object, now time.Time) error {
	if e.Deleted {
		_, err := deleteObject(ctx, tx, o.IRI, o.AttributedTo, now)
		return err
	}
	inserted, err := insertObject(ctx, tx, o)
	if err != nil || inserted {
		return err
	}
	attachments, err := attachmentsJSON(o.Attachments)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE objects SET type = ?, name = ?, summary = ?, content = ?, url = ?, public = ?, updated = ?, raw = ?,
		language = ?, attachments = ? WHERE iri = ?`, o.Type, o.Name, o.Summary, o.Content, o.URL, o.Public, millis(o.Updated), o.Raw,
		o.Language, attachments, o.IRI)
	if err != nil {
		return fmt.Errorf("update object %s: %w", o.IRI, err)
	}
	return putTagsAndMentions(ctx, tx, o)
}

// EventByID returns an event by its row id, deleted ones too, so that its
// page can answer 410.
func (db *DB) EventByID(ctx context.Context, id int64) (*content.Event, error) {
	return db.oneEvent(ctx, "e.id = ?", id)
}

// EventByIRI returns an event by its ActivityPub id, deleted ones too.
func (db *DB) EventByIRI(ctx context.Context, iri string) (*content.Event, error) {
	return db.oneEvent(ctx, "e.iri = ?", iri)
}

func (db *DB) oneEvent(ctx context.Context, where string, arg any) (*content.Event, error) {
	e, err := scanEvent(db.queryRow(ctx, "SELECT "+eventColumns+" FROM events e WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event")
	}
	if err != nil {
		return nil, fmt.Errorf("read event %v: %w", arg, err)
	}
	return e, nil
}

// PutRemoteEvent stores a received event by its IRI: inserted, or every
// field of the stored copy replaced (its id kept). It sets ev.ID and
// reports whether the event was new. The counts are stored as given: for
// a received event they are what its server published. An IRI that names
// one of our own events is refused: no server may overwrite them. A
// deleted event stays deleted (a late or replayed Update must not bring
// it back): nothing is written and ev.Deleted is set.
func (db *DB) PutRemoteEvent(ctx context.Context, ev *content.Event) (inserted bool, err error) {
	ev.Local, ev.CreatorID, ev.SeriesID = false, 0, 0
	if ev.OrganizerKind == "" {
		ev.OrganizerKind = content.OrganizerRemote
	}
	normaliseEvent(ev, db.now().UTC())
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		var id, oldStart int64
		var local, deleted bool
		err := tx.QueryRowContext(ctx, "SELECT id, local, deleted, start_at FROM events WHERE iri = ?", ev.IRI).
			Scan(&id, &local, &deleted, &oldStart)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			inserted = true
		case err != nil:
			return fmt.Errorf("read event %s: %w", ev.IRI, err)
		case local:
			return content.Errorf(content.KindForbidden, "", "event.not_remote", "%s is one of this node's events", ev.IRI)
		case deleted:
			ev.ID, ev.Deleted = id, true
			return nil
		}
		args, err := eventArgs(ev)
		if err != nil {
			return err
		}
		args = append(args, countArgs(ev)...)
		if inserted {
			res, err := tx.ExecContext(ctx, insertRemoteEventSQL, args...)
			if err != nil {
				return eventWriteError(ev, err)
			}
			if ev.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		} else {
			ev.ID = id
			if _, err := tx.ExecContext(ctx, updateRemoteEventSQL, append(args, id)...); err != nil {
				return eventWriteError(ev, err)
			}
			if oldStart != millis(ev.Start) {
				if err := resetReminders(ctx, tx, id); err != nil {
					return err
				}
			}
		}
		return writeEventTags(ctx, tx, ev)
	})
	if err != nil {
		return false, err
	}
	return inserted, nil
}

// DeleteRemoteEvent marks a received event deleted. It reports false when
// the event is not stored, is ours, or was deleted already, so that a
// repeated Delete tells its participants nothing twice.
func (db *DB) DeleteRemoteEvent(ctx context.Context, iri string) (bool, error) {
	var deleted bool
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, "UPDATE events SET deleted = 1, updated = ? WHERE iri = ? AND local = 0 AND deleted = 0 RETURNING id",
			millis(db.now()), iri).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete event %s: %w", iri, err)
		}
		deleted = true
		if _, err := tx.ExecContext(ctx, "DELETE FROM event_tags WHERE event_id = ?", id); err != nil {
			return fmt.Errorf("clear tags of event %s: %w", iri, err)
		}
		return nil
	})
	return deleted, err
}

// EventFilter selects events for an agenda, a calendar feed or a profile.
type EventFilter struct {
	From       time.Time // upcoming: events ending after From (zero: no bound)
	To         time.Time // events starting before To (zero: no bound)
	Past       bool      // events that ended by From (zero From: now), newest first; else by start_at, id
	Scope      string    // "" all, "local", "network" (received)
	Organizer  string    // actor IRI
	Tag        string    // via event_tags
	SeriesID   int64
	MemberID   int64     // only events this member takes part in (accepted, pending or waiting)
	AfterStart time.Time // keyset: continue after this (start, id); for Past, before it
	AfterID    int64
	Limit      int // 0 → 50; at most MaxEventPage
}

// MaxEventPage caps one listing: a calendar feed reads thousands.
const MaxEventPage = 10000

// maxListedSpan bounds how long before From an event still running at
// From may have started. It lets the upcoming agenda be one range of the
// events_agenda index instead of a walk over every past event. Our own
// events last at most content.MaxEventDuration; received ones may run
// longer (an exhibition), so the bound is generous.
const maxListedSpan = 92 * 24 * time.Hour

// Events lists live events by a filter; cancelled ones are listed (the
// agenda shows them struck through), deleted ones never.
func (db *DB) Events(ctx context.Context, f EventFilter) ([]*content.Event, error) {
	query, args, err := eventQuery(f, db.now())
	if err != nil {
		return nil, err
	}
	return db.eventList(ctx, query, args...)
}

// eventQuery builds the listing from fixed fragments. With a tag the
// listing starts from event_tags, whose (tag, start_at, event_id) index
// is already in agenda order.
func eventQuery(f EventFilter, now time.Time) (string, []any, error) {
	from, start, id := " FROM events e", "e.start_at", "e.id"
	where := []string{"e.deleted = 0"}
	var args []any
	if f.Tag != "" {
		from, start, id = " FROM event_tags t JOIN events e ON e.id = t.event_id", "t.start_at", "t.event_id"
		where, args = append(where, "t.tag = ?"), append(args, f.Tag)
	}
	// The keyset is a row value; the plain bound beside it is what SQLite
	// starts the index range at, so a deep page does not re-read the first.
	order := " ORDER BY " + start + ", " + id
	after := start + " >= ? AND (" + start + ", " + id + ") > (?, ?)"
	if f.Past {
		at := f.From
		if at.IsZero() {
			at = now
		}
		// An event that has ended has started: the start bound keeps the
		// read to a range of the index.
		where, args = append(where, "e.end_at <= ?", start+" < ?"), append(args, millis(at), millis(at))
		order = " ORDER BY " + start + " DESC, " + id + " DESC"
		after = start + " <= ? AND (" + start + ", " + id + ") < (?, ?)"
	} else if !f.From.IsZero() {
		where = append(where, "e.end_at > ?", start+" > ?")
		args = append(args, millis(f.From), millis(f.From.Add(-maxListedSpan)))
	}
	if !f.To.IsZero() {
		where, args = append(where, start+" < ?"), append(args, millis(f.To))
	}
	if !f.AfterStart.IsZero() {
		where, args = append(where, after), append(args, millis(f.AfterStart), millis(f.AfterStart), f.AfterID)
	}
	switch f.Scope {
	case "":
	case "local":
		where = append(where, "e.local = 1")
	case "network":
		where = append(where, "e.local = 0")
	default:
		return "", nil, content.Errorf(content.KindInvalid, "scope", "event.scope", "unknown scope %q: use local or network", f.Scope)
	}
	if f.Organizer != "" {
		where, args = append(where, "e.organizer = ?"), append(args, f.Organizer)
	}
	if f.SeriesID != 0 {
		where, args = append(where, "e.series_id = ?"), append(args, f.SeriesID)
	}
	if f.MemberID != 0 {
		where = append(where, `e.id IN (SELECT event_id FROM event_participants
			WHERE member_id = ? AND state IN ('accepted', 'pending', 'waiting'))`)
		args = append(args, f.MemberID)
	} else {
		where = append(where, "e.limited = 0") // federation policy: limited events stay out of agendas (policy.go)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, MaxEventPage)
	query := "SELECT " + eventColumns + from + " WHERE " + strings.Join(where, " AND ") + order + " LIMIT ?"
	return query, append(args, f.Limit), nil
}

func (db *DB) eventList(ctx context.Context, query string, args ...any) ([]*content.Event, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []*content.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}
