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
		content.NotifyReply, content.NotifyLike, content.NotifyAnnounce, content.NotifyThread:
		return true
	}
	return false
}

// AddNotification tells a member that an actor did something. The same
// member, kind, actor and object make one notification however often the
// activity arrives (redelivery, Undo and redo): a repeat changes nothing
// and reports false. A new notification gets its ID, and CreatedAt when
// the caller left it zero. An unknown member is not found.
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
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO notifications (member_id, kind, actor, actor_name, object_iri, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id, kind, actor, object_iri) DO NOTHING
			RETURNING id`,
			n.MemberID, string(n.Kind), n.Actor, n.ActorName, n.ObjectIRI, millis(created)).Scan(&id)
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
		_, err := tx.ExecContext(ctx, `INSERT INTO notifications (member_id, kind, actor, actor_name, object_iri, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, kind, actor, object_iri) DO NOTHING`,
			n.MemberID, string(n.Kind), n.Actor, n.ActorName, n.ObjectIRI, millis(now))
		if err != nil {
			return fmt.Errorf("insert %s notification for member %d: %w", n.Kind, n.MemberID, err)
		}
	}
	return nil
}
