package storage

import (
	"context"
	"database/sql"
	"fmt"

	"kring/content"
)

// PutInbox stores a verified incoming activity. A redelivery of an id
// already stored changes nothing and reports inserted=false.
func (db *DB) PutInbox(ctx context.Context, it *content.InboxItem) (inserted bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO inbox (activity_iri, actor, type, body, received_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_iri) DO NOTHING`,
			it.ActivityIRI, it.Actor, it.Type, it.Body, millis(db.now()))
		if err != nil {
			return fmt.Errorf("store inbox activity %s: %w", it.ActivityIRI, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if inserted = n == 1; inserted {
			it.ID, err = res.LastInsertId()
		}
		return err
	})
	return inserted, err
}

// PutInboxBatch stores several verified incoming activities in one
// transaction (group commit: one commit's cost shared by every activity
// that arrived while the previous one was written). inserted[i] reports
// whether items[i] was new; a redelivery, also of an id earlier in the
// same batch, changes nothing. On error nothing is stored.
func (db *DB) PutInboxBatch(ctx context.Context, items []*content.InboxItem) (inserted []bool, err error) {
	inserted = make([]bool, len(items))
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO inbox (activity_iri, actor, type, body, received_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_iri) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("prepare inbox insert: %w", err)
		}
		defer st.Close()
		now := millis(db.now())
		for i, it := range items {
			res, err := st.ExecContext(ctx, it.ActivityIRI, it.Actor, it.Type, it.Body, now)
			if err != nil {
				return fmt.Errorf("store inbox activity %s: %w", it.ActivityIRI, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if inserted[i] = n == 1; inserted[i] {
				if it.ID, err = res.LastInsertId(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for i, it := range items {
			inserted[i], it.ID = false, 0
		}
	}
	return inserted, err
}

// PendingInbox returns up to limit unprocessed activities with ids above
// after, oldest first.
func (db *DB) PendingInbox(ctx context.Context, after int64, limit int) ([]content.InboxItem, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, activity_iri, actor, type, body, received_at
		FROM inbox WHERE processed_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending inbox: %w", err)
	}
	defer rows.Close()
	var out []content.InboxItem
	for rows.Next() {
		var it content.InboxItem
		var received int64
		if err := rows.Scan(&it.ID, &it.ActivityIRI, &it.Actor, &it.Type, &it.Body, &received); err != nil {
			return nil, fmt.Errorf("list pending inbox: %w", err)
		}
		it.ReceivedAt = fromMillis(received)
		out = append(out, it)
	}
	return out, rows.Err()
}

// FinishInbox records what processing an activity did.
func (db *DB) FinishInbox(ctx context.Context, id int64, outcome string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE inbox SET processed_at = ?, outcome = ? WHERE id = ?", millis(db.now()), outcome, id)
		if err != nil {
			return fmt.Errorf("finish inbox activity %d: %w", id, err)
		}
		return nil
	})
}

// InboxResult is what processing one stored activity came to.
type InboxResult struct {
	ID      int64  // the inbox row
	Outcome string // what processing did, in words
	// Object, when set, is a received object to store with the outcome,
	// in the same transaction. When an object with its id is already
	// stored, nothing changes and Duplicate is recorded instead of Outcome.
	Object    *content.Object
	Duplicate string
	// ThreadForum, when not 0, makes Object a new thread of that forum.
	ThreadForum int64
	// Notifications are added with Object when it is new.
	Notifications []content.Notification
}

// FinishInboxBatch records the outcomes of several processed activities,
// storing their objects, in one transaction: processing a burst costs one
// commit, not two per activity. Results apply in order, so of two copies
// of one object in a batch the second is the duplicate; each result's
// Outcome is set to what was recorded.
func (db *DB) FinishInboxBatch(ctx context.Context, results []InboxResult) error {
	if len(results) == 0 {
		return nil
	}
	recorded := make([]string, len(results))
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		q := newStmtCache(tx)
		defer q.close()
		now := millis(db.now())
		for i := range results {
			r := &results[i]
			outcome := r.Outcome
			if r.Object != nil {
				inserted, err := insertObject(ctx, q, r.Object)
				if err != nil {
					return err
				}
				if !inserted {
					outcome = r.Duplicate
				} else {
					if r.ThreadForum != 0 {
						if err := insertThread(ctx, q, r.ThreadForum, r.Object); err != nil {
							return err
						}
					}
					if err := insertNotifications(ctx, q, r.Notifications, db.now()); err != nil {
						return err
					}
				}
			}
			if _, err := q.ExecContext(ctx, "UPDATE inbox SET processed_at = ?, outcome = ? WHERE id = ?", now, outcome, r.ID); err != nil {
				return fmt.Errorf("finish inbox activity %d: %w", r.ID, err)
			}
			recorded[i] = outcome
		}
		return nil
	})
	if err == nil {
		for i := range results {
			results[i].Outcome = recorded[i]
		}
	}
	return err
}

// InboxItemByIRI returns a stored incoming activity with its outcome.
func (db *DB) InboxItemByIRI(ctx context.Context, iri string) (*content.InboxItem, error) {
	var it content.InboxItem
	var received int64
	var processed sql.NullInt64
	err := db.queryRow(ctx, `SELECT id, activity_iri, actor, type, body, received_at, processed_at, outcome
		FROM inbox WHERE activity_iri = ?`, iri).Scan(&it.ID, &it.ActivityIRI, &it.Actor, &it.Type, &it.Body, &received, &processed, &it.Outcome)
	if err == sql.ErrNoRows {
		return nil, notFound("inbox activity " + iri)
	}
	if err != nil {
		return nil, fmt.Errorf("read inbox activity %s: %w", iri, err)
	}
	it.ReceivedAt = fromMillis(received)
	if processed.Valid {
		it.ProcessedAt = fromMillis(processed.Int64)
	}
	return &it, nil
}

// InboxCounts is how many activities the inbox holds and how many of them
// are processed.
type InboxCounts struct {
	Received  int64
	Processed int64
}

// CountInbox counts the stored incoming activities and the processed ones
// (load tools and health checks watch a backlog drain with it).
func (db *DB) CountInbox(ctx context.Context) (InboxCounts, error) {
	var c InboxCounts
	var pending int64
	// One statement, so both counts come from the same snapshot.
	err := db.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM inbox), (SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL)").
		Scan(&c.Received, &pending)
	if err != nil {
		return c, fmt.Errorf("count inbox: %w", err)
	}
	c.Processed = c.Received - pending
	return c, nil
}
