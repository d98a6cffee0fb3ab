package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

// countColumn names the objects column each reaction kind counts in.
var countColumn = map[content.ReactionKind]string{
	content.ReactionLike:     "like_count",
	content.ReactionAnnounce: "announce_count",
}

// AddReaction records a like or boost of a stored object and counts it,
// in one transaction. A repeat (same activity, or the same actor reacting
// the same way again) changes nothing and reports added=false; so does a
// reaction to an object not stored here.
func (db *DB) AddReaction(ctx context.Context, r *content.Reaction) (added bool, err error) {
	col, ok := countColumn[r.Kind]
	if !ok {
		return false, fmt.Errorf("unknown reaction kind %q", r.Kind)
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM objects WHERE iri = ? AND deleted = 0", r.ObjectIRI).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find %s: %w", r.ObjectIRI, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reactions (activity_iri, kind, actor, object_iri, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, r.ActivityIRI, string(r.Kind), r.Actor, r.ObjectIRI, millis(db.now()))
		if err != nil {
			return fmt.Errorf("store %s of %s: %w", r.Kind, r.ObjectIRI, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		added = true
		_, err = tx.ExecContext(ctx, "UPDATE objects SET "+col+" = "+col+" + 1 WHERE iri = ?", r.ObjectIRI)
		return err
	})
	return added, err
}

// RemoveReaction undoes a reaction by its activity id, or, when the Undo
// names the reacted-to object instead, by actor, kind and object. Only
// the actor's own reaction can be removed.
func (db *DB) RemoveReaction(ctx context.Context, actor, activityIRI string, kind content.ReactionKind, objectIRI string) (removed bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var k, obj string
		err := tx.QueryRowContext(ctx, `SELECT id, kind, object_iri FROM reactions
			WHERE actor = ? AND (activity_iri = ? OR (kind = ? AND object_iri = ?))`, actor, activityIRI, string(kind), objectIRI).
			Scan(&id, &k, &obj)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find reaction %s: %w", activityIRI, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM reactions WHERE id = ?", id); err != nil {
			return fmt.Errorf("remove reaction %s: %w", activityIRI, err)
		}
		removed = true
		col := countColumn[content.ReactionKind(k)]
		_, err = tx.ExecContext(ctx, "UPDATE objects SET "+col+" = MAX("+col+" - 1, 0) WHERE iri = ?", obj)
		return err
	})
	return removed, err
}

// Reactors lists who reacted to an object in one way, oldest first.
func (db *DB) Reactors(ctx context.Context, objectIRI string, kind content.ReactionKind, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT actor FROM reactions WHERE object_iri = ? AND kind = ? ORDER BY id LIMIT ?",
		objectIRI, string(kind), limit)
	if err != nil {
		return nil, fmt.Errorf("list %s of %s: %w", kind, objectIRI, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// HasReacted reports whether actor liked or boosted an object.
func (db *DB) HasReacted(ctx context.Context, actor string, kind content.ReactionKind, objectIRI string) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM reactions WHERE kind = ? AND actor = ? AND object_iri = ?", string(kind), actor, objectIRI).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read reaction: %w", err)
	}
	return true, nil
}
