package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

// Publish stores a local activity, its object (when it carries a new one)
// and one delivery per target inbox in one transaction: either all of it
// is there to be delivered, or none of it.
func (db *DB) Publish(ctx context.Context, act *content.Activity, obj *content.Object, signer string, targets []Target) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if obj != nil {
			if _, err := insertObject(ctx, tx, obj); err != nil {
				return err
			}
		}
		return insertActivity(ctx, tx, act, signer, targets, db.now())
	})
}

func insertActivity(ctx context.Context, tx *sql.Tx, act *content.Activity, signer string, targets []Target, now time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO activities (iri, actor, type, object_iri, public, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, act.IRI, act.Actor, act.Type, act.ObjectIRI, act.Public, act.Body, millis(now))
	if err != nil {
		return fmt.Errorf("store activity %s: %w", act.IRI, err)
	}
	if act.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	act.CreatedAt = now
	return insertDeliveries(ctx, tx, act.ID, signer, targets, now)
}

// ActivityByIRI returns a published activity.
func (db *DB) ActivityByIRI(ctx context.Context, iri string) (*content.Activity, error) {
	var a content.Activity
	var created int64
	err := db.queryRow(ctx, `SELECT id, iri, actor, type, object_iri, public, body, created_at FROM activities WHERE iri = ?`, iri).
		Scan(&a.ID, &a.IRI, &a.Actor, &a.Type, &a.ObjectIRI, &a.Public, &a.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("activity " + iri)
	}
	if err != nil {
		return nil, fmt.Errorf("read activity %s: %w", iri, err)
	}
	a.CreatedAt = fromMillis(created)
	return &a, nil
}

// Outbox pages an actor's public activities, newest first, as stored.
func (db *DB) Outbox(ctx context.Context, actor string, offset, limit int) (total int, bodies [][]byte, err error) {
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM activities WHERE actor = ? AND public = 1", actor).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count outbox of %s: %w", actor, err)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT body FROM activities WHERE actor = ? AND public = 1 ORDER BY id DESC LIMIT ? OFFSET ?",
		actor, limit, offset)
	if err != nil {
		return 0, nil, fmt.Errorf("list outbox of %s: %w", actor, err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return 0, nil, fmt.Errorf("list outbox of %s: %w", actor, err)
		}
		bodies = append(bodies, b)
	}
	return total, bodies, rows.Err()
}
