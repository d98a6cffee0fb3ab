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
