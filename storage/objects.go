package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

const objectColumns = `id, iri, type, attributed_to, local, name, summary, content, in_reply_to, url, public, published, updated, raw, deleted`

func scanObject(row rowScanner) (*content.Object, error) {
	var o content.Object
	var published, updated int64
	err := row.Scan(&o.ID, &o.IRI, &o.Type, &o.AttributedTo, &o.Local, &o.Name, &o.Summary, &o.Content,
		&o.InReplyTo, &o.URL, &o.Public, &published, &updated, &o.Raw, &o.Deleted)
	if err != nil {
		return nil, err
	}
	o.Published = fromMillis(published)
	if updated != 0 {
		o.Updated = fromMillis(updated)
	}
	return &o, nil
}

const insertObjectSQL = `INSERT INTO objects (iri, type, attributed_to, local, name, summary, content, in_reply_to,
		url, public, published, updated, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (iri) DO NOTHING`

// execer is a transaction or a statement prepared in one.
type execer interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}

type txExecer struct {
	tx    *sql.Tx
	query string
}

func (e txExecer) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return e.tx.ExecContext(ctx, e.query, args...)
}

func insertObject(ctx context.Context, tx *sql.Tx, o *content.Object) (bool, error) {
	return insertObjectWith(ctx, txExecer{tx, insertObjectSQL}, o)
}

// insertObjectWith inserts through ex: the transaction itself, or a
// statement prepared once for a batch.
func insertObjectWith(ctx context.Context, ex execer, o *content.Object) (bool, error) {
	var updated int64
	if !o.Updated.IsZero() {
		updated = millis(o.Updated)
	}
	res, err := ex.ExecContext(ctx, o.IRI, o.Type, o.AttributedTo, o.Local, o.Name, o.Summary, o.Content, o.InReplyTo, o.URL, o.Public,
		millis(o.Published), updated, o.Raw)
	if err != nil {
		return false, fmt.Errorf("store object %s: %w", o.IRI, err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	o.ID, err = res.LastInsertId()
	return true, err
}

// PutObject stores a received object once; a second copy of the same id
// changes nothing and reports inserted=false.
func (db *DB) PutObject(ctx context.Context, o *content.Object) (inserted bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		inserted, err = insertObject(ctx, tx, o)
		return err
	})
	return inserted, err
}

// UpdateObject replaces an object's content, but only for its author: an
// Update from anyone else changes nothing and is reported as forbidden.
func (db *DB) UpdateObject(ctx context.Context, o *content.Object) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE objects SET name = ?, summary = ?, content = ?, url = ?, updated = ?, raw = ?
			WHERE iri = ? AND attributed_to = ? AND deleted = 0`,
			o.Name, o.Summary, o.Content, o.URL, millis(o.Updated), o.Raw, o.IRI, o.AttributedTo)
		if err != nil {
			return fmt.Errorf("update object %s: %w", o.IRI, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "", "object.not_found", "no live object %s by %s", o.IRI, o.AttributedTo)
		}
		return nil
	})
}

// DeleteObject turns an object into a tombstone, only for its author.
func (db *DB) DeleteObject(ctx context.Context, iri, author string) (bool, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE objects SET deleted = 1, content = '', name = '', summary = '', raw = '', updated = ?
			WHERE iri = ? AND attributed_to = ? AND deleted = 0`, millis(db.now()), iri, author)
		if err != nil {
			return fmt.Errorf("delete object %s: %w", iri, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// ObjectByIRI returns a stored object, tombstones included.
func (db *DB) ObjectByIRI(ctx context.Context, iri string) (*content.Object, error) {
	o, err := scanObject(db.queryRow(ctx, "SELECT "+objectColumns+" FROM objects WHERE iri = ?", iri))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("object " + iri)
	}
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", iri, err)
	}
	return o, nil
}

// CountObjects counts the live objects, local or received.
func (db *DB) CountObjects(ctx context.Context, local bool) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM objects WHERE local = ? AND deleted = 0", local).Scan(&n); err != nil {
		return 0, fmt.Errorf("count objects: %w", err)
	}
	return n, nil
}
