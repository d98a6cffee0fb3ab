package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

// PutFollow records a follow. A new Follow between the same two actors
// replaces the old one (Mastodon re-sends Follow with a new id to repair
// state), so the pair stays unique.
func (db *DB) PutFollow(ctx context.Context, f *content.Follow) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := millis(db.now())
		_, err := tx.ExecContext(ctx, `INSERT INTO follows (follow_iri, follower, followee, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (follower, followee) DO UPDATE SET follow_iri = excluded.follow_iri,
				state = CASE WHEN follows.state = 'accepted' THEN 'accepted' ELSE excluded.state END,
				updated_at = excluded.updated_at`,
			f.IRI, f.Follower, f.Followee, string(f.State), now, now)
		if isUniqueViolation(err) {
			return content.Errorf(content.KindConflict, "", "follow.duplicate", "follow %s already names another pair of actors", f.IRI)
		}
		if err != nil {
			return fmt.Errorf("store follow %s: %w", f.IRI, err)
		}
		return nil
	})
}

const followColumns = `id, follow_iri, follower, followee, state, created_at`

func scanFollow(row rowScanner) (*content.Follow, error) {
	var f content.Follow
	var state string
	var created int64
	if err := row.Scan(&f.ID, &f.IRI, &f.Follower, &f.Followee, &state, &created); err != nil {
		return nil, err
	}
	f.State, f.CreatedAt = content.FollowState(state), fromMillis(created)
	return &f, nil
}

// FollowByIRI finds a follow by the id of its Follow activity.
func (db *DB) FollowByIRI(ctx context.Context, iri string) (*content.Follow, error) {
	return db.followWhere(ctx, "follow_iri = ?", iri)
}

// FollowBetween finds the follow of followee by follower.
func (db *DB) FollowBetween(ctx context.Context, follower, followee string) (*content.Follow, error) {
	return db.followWhere(ctx, "follower = ? AND followee = ?", follower, followee)
}

func (db *DB) followWhere(ctx context.Context, where string, args ...any) (*content.Follow, error) {
	f, err := scanFollow(db.queryRow(ctx, "SELECT "+followColumns+" FROM follows WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("follow")
	}
	if err != nil {
		return nil, fmt.Errorf("read follow: %w", err)
	}
	return f, nil
}

// SetFollowState marks a follow accepted (or pending).
func (db *DB) SetFollowState(ctx context.Context, iri string, state content.FollowState) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		return updateOne(ctx, tx, "follow "+iri, "UPDATE follows SET state = ?, updated_at = ? WHERE follow_iri = ?",
			string(state), millis(db.now()), iri)
	})
}

// DeleteFollow removes the follow of followee by follower and reports
// whether there was one.
func (db *DB) DeleteFollow(ctx context.Context, follower, followee string) (bool, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM follows WHERE follower = ? AND followee = ?", follower, followee)
		if err != nil {
			return fmt.Errorf("delete follow: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// Followers pages the accepted followers of an actor, oldest first.
func (db *DB) Followers(ctx context.Context, followee string, offset, limit int) (total int, iris []string, err error) {
	return db.followPage(ctx, "follower", "followee", followee, offset, limit)
}

// Following pages the accepted followees of an actor, oldest first.
func (db *DB) Following(ctx context.Context, follower string, offset, limit int) (total int, iris []string, err error) {
	return db.followPage(ctx, "followee", "follower", follower, offset, limit)
}

// followPage reads one side of accepted follows; the column names come
// from the two fixed callers above, never from input.
func (db *DB) followPage(ctx context.Context, want, by, actor string, offset, limit int) (int, []string, error) {
	var total int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM follows WHERE "+by+" = ? AND state = 'accepted'", actor).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count follows of %s: %w", actor, err)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+want+" FROM follows WHERE "+by+" = ? AND state = 'accepted' ORDER BY id LIMIT ? OFFSET ?",
		actor, limit, offset)
	if err != nil {
		return 0, nil, fmt.Errorf("list follows of %s: %w", actor, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, nil, fmt.Errorf("list follows of %s: %w", actor, err)
		}
		out = append(out, s)
	}
	return total, out, rows.Err()
}

// PendingFollowers lists follow requests waiting for the followee's
// approval.
func (db *DB) PendingFollowers(ctx context.Context, followee string) ([]content.Follow, error) {
	return db.pendingFollows(ctx, "followee", followee)
}

// PendingFollowing lists the follow requests an actor sent that were not
// answered yet.
func (db *DB) PendingFollowing(ctx context.Context, follower string) ([]content.Follow, error) {
	return db.pendingFollows(ctx, "follower", follower)
}

// pendingFollows reads pending follows by one side; the column comes from
// the two fixed callers above.
func (db *DB) pendingFollows(ctx context.Context, by, actor string) ([]content.Follow, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+followColumns+" FROM follows WHERE "+by+" = ? AND state = 'pending' ORDER BY id", actor)
	if err != nil {
		return nil, fmt.Errorf("list pending follows of %s: %w", actor, err)
	}
	defer rows.Close()
	var out []content.Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, fmt.Errorf("list pending follows of %s: %w", actor, err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// Target is an inbox to deliver to and its host.
type Target struct {
	Inbox string
	Host  string
}

// FollowerInboxes returns the inboxes that reach every accepted remote
// follower of an actor, one per shared inbox, so a server with a thousand
// followers gets one POST.
func (db *DB) FollowerInboxes(ctx context.Context, followee string) ([]Target, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END, a.host
		FROM follows f JOIN remote_actors a ON a.iri = f.follower
		WHERE f.followee = ? AND f.state = 'accepted'`, followee)
	if err != nil {
		return nil, fmt.Errorf("list follower inboxes of %s: %w", followee, err)
	}
	defer rows.Close()
	var out []Target
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.Inbox, &t.Host); err != nil {
			return nil, fmt.Errorf("list follower inboxes of %s: %w", followee, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// IsFollowed reports whether anyone has an accepted follow of actor; for
// a remote actor that means a local member follows it.
func (db *DB) IsFollowed(ctx context.Context, actor string) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM follows WHERE followee = ? AND state = 'accepted' LIMIT 1", actor).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read follows of %s: %w", actor, err)
	}
	return true, nil
}
