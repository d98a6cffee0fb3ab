package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kring/content"
)

const notificationColumns = `id, member_id, kind, actor, actor_name, object_iri, created_at, read_at`

func scanNotification(row rowScanner) (*content.Notification, error) {
	var n content.Notification
	var kind string
	var created, read int64
	if err := row.Scan(&n.ID, &n.MemberID, &kind, &n.Actor, &n.ActorName, &n.ObjectIRI, &created, &read); err != nil {
		return nil, err
	}
	n.Kind, n.CreatedAt, n.Read = content.NotificationKind(kind), fromMillis(created), read != 0
	return &n, nil
}

// validNotificationKind reports whether the schema accepts kind.
func validNotificationKind(kind content.NotificationKind) bool {
	switch kind {
	case content.NotifyFollow, content.NotifyFollowRequest, content.NotifyMention,
		content.NotifyReply, content.NotifyLike, content.NotifyAnnounce, content.NotifyThread,
		content.NotifyEventJoin, content.NotifyEventRequest, content.NotifyEventAccepted, content.NotifyEventRejected,
		content.NotifyEventReminder, content.NotifyEventChanged, content.NotifyEventCancelled,
		content.NotifySpeakerRequest, content.NotifySpeakerAnswer, content.NotifySpeakerClosed:
		return true
	}
	return false
}

// AddNotification tells a member that an actor did something. The same
// member, kind, actor and object make one notification however often the
// activity arrives (redelivery, Undo and redo): a repeat changes nothing
// and reports false, except that an event change or reminder replaces
// the earlier one (see repeatable). A new notification gets its ID, and
// CreatedAt when the caller left it zero. An unknown member is not found.
func (db *DB) AddNotification(ctx context.Context, n *content.Notification) (bool, error) {
	if !validNotificationKind(n.Kind) {
		return false, content.Errorf(content.KindInvalid, "kind", "notification_kind.invalid", "unknown notification kind %q", n.Kind)
	}
	if n.Actor == "" {
		return false, content.Errorf(content.KindInvalid, "actor", "notification_actor.empty", "a notification needs an actor")
	}
	created := n.CreatedAt.UTC().Truncate(1e6)
	if n.CreatedAt.IsZero() {
		created = db.now().UTC().Truncate(1e6)
	}
	var added bool
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		newID, err := forgetRepeat(ctx, tx, n)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO notifications (id, member_id, kind, actor, actor_name, object_iri, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id, kind, actor, object_iri) DO NOTHING
			RETURNING id`,
			newID, n.MemberID, string(n.Kind), n.Actor, n.ActorName, n.ObjectIRI, millis(created)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil // already told
		case unknownMember(err):
			return content.Errorf(content.KindNotFound, "member", "member.not_found", "no member with id %d", n.MemberID)
		case err != nil:
			return fmt.Errorf("insert %s notification for member %d: %w", n.Kind, n.MemberID, err)
		}
		n.ID, n.CreatedAt, n.Read, added = id, created, false, true
		return nil
	})
	return added, err
}

// repeatable reports whether a member may be told again of the same
// actor and object: a second change to an event, a reminder of its new
// time, or a speaker's changed answer is news that the UNIQUE key would
// otherwise swallow.
func repeatable(kind content.NotificationKind) bool {
	return kind == content.NotifyEventChanged || kind == content.NotifyEventReminder || kind == content.NotifySpeakerAnswer
}

// forgetRepeat deletes the earlier notification of a repeatable kind, so
// that the new one is inserted unread, with a new time, and shows as new.
// It returns the id the new one must take (nil: any). Without AUTOINCREMENT
// SQLite would give the deleted id again when it was the newest, and a
// page that marks "read up to" that id would mark the news read unseen.
func forgetRepeat(ctx context.Context, tx querier, n *content.Notification) (any, error) {
	if !repeatable(n.Kind) {
		return nil, nil
	}
	var old int64
	err := tx.QueryRowContext(ctx, "DELETE FROM notifications WHERE member_id = ? AND kind = ? AND actor = ? AND object_iri = ? RETURNING id",
		n.MemberID, string(n.Kind), n.Actor, n.ObjectIRI).Scan(&old)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("replace %s notification for member %d: %w", n.Kind, n.MemberID, err)
	}
	var next int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM notifications").Scan(&next); err != nil {
		return nil, fmt.Errorf("replace %s notification for member %d: %w", n.Kind, n.MemberID, err)
	}
	return max(next, old+1), nil
}

// Notifications returns up to limit of a member's notifications, newest
// first. beforeID 0 starts at the newest; otherwise the list continues
// below that ID, which is how the page links to older ones.
func (db *DB) Notifications(ctx context.Context, memberID, beforeID int64, limit int) ([]content.Notification, error) {
	if limit <= 0 {
		return nil, nil
	}
	query := "SELECT " + notificationColumns + " FROM notifications WHERE member_id = ? ORDER BY id DESC LIMIT ?"
	args := []any{memberID, limit}
	if beforeID > 0 {
		query = "SELECT " + notificationColumns + " FROM notifications WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
		args = []any{memberID, beforeID, limit}
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []content.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("list notifications of member %d: %w", memberID, err)
		}
		out = append(out, *n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list notifications of member %d: %w", memberID, err)
	}
	return out, nil
}

// UnreadNotifications counts a member's unread notifications. Every page
// a member sees shows the count, so it is one read of the partial index
// notifications_unread.
func (db *DB) UnreadNotifications(ctx context.Context, memberID int64) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM notifications WHERE member_id = ? AND read_at = 0`, memberID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications of member %d: %w", memberID, err)
	}
	return n, nil
}

// MarkNotificationsRead marks a member's notifications up to and including
// upToID as read. Taking the newest ID the member saw, rather than "all",
// keeps a notification that arrived after the page was shown unread.
func (db *DB) MarkNotificationsRead(ctx context.Context, memberID, upToID int64) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE member_id = ? AND read_at = 0 AND id <= ?`,
			millis(db.now()), memberID, upToID); err != nil {
			return fmt.Errorf("mark notifications of member %d read: %w", memberID, err)
		}
		return nil
	})
}

// unknownMember reports whether an insert failed on the member_id foreign
// key, the only one the notifications table has.
func unknownMember(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// insertNotifications adds notifications inside a transaction that stores
// what they are about, so a burst of received posts costs no extra commit;
// repeats are ignored as in AddNotification.
func insertNotifications(ctx context.Context, tx querier, ns []content.Notification, now time.Time) error {
	for _, n := range ns {
		if !validNotificationKind(n.Kind) || n.Actor == "" {
			continue
		}
		newID, err := forgetRepeat(ctx, tx, &n)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notifications (id, member_id, kind, actor, actor_name, object_iri, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, kind, actor, object_iri) DO NOTHING`,
			newID, n.MemberID, string(n.Kind), n.Actor, n.ActorName, n.ObjectIRI, millis(now))
		if err != nil {
			return fmt.Errorf("insert %s notification for member %d: %w", n.Kind, n.MemberID, err)
		}
	}
	return nil
}
