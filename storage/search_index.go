package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// searchSyncChunk bounds how many queued entries one transaction brings
// into the index, so that a long backlog never holds the writer for long.
const searchSyncChunk = 2000

// publicValues is how the ActivityStreams public collection is written.
const publicValues = `('https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public')`

// objectScopeSQL is an object's scope in the index: private when not
// addressed to the public, unlisted when a received one names the public
// only in cc (Mastodon's unlisted), else public.
const objectScopeSQL = `CASE
	WHEN o.public = 0 THEN 'private'
	WHEN o.local = 0 AND json_valid(o.raw)
		AND NOT EXISTS (SELECT 1 FROM json_each(o.raw, '$.to') WHERE value IN ` + publicValues + `)
		AND EXISTS (SELECT 1 FROM json_each(o.raw, '$.cc') WHERE value IN ` + publicValues + `)
		THEN 'unlisted'
	ELSE 'public' END`

// indexSQL writes the index entries of the queued rows up to @upto that
// should have one, a statement per kind (migration 0013 explains the
// rowids). Each is one bulk write: FTS5 makes one segment of it.
var indexSQL = []string{
	`INSERT INTO search_fts (rowid, title, body, scope)
	SELECT q.doc, kring_plain_text(p.title), kring_plain_text(p.summary) || ' ' || kring_html_text(p.content) || ' ' || p.tags, p.visibility
	FROM search_queue q JOIN posts p ON p.id = q.doc >> 3
	WHERE q.doc <= @upto AND q.doc & 7 = 1 AND p.state = 'published'`,

	`INSERT INTO search_fts (rowid, title, body, scope)
	SELECT q.doc, CASE WHEN o.local = 1 THEN kring_plain_text(o.name) ELSE kring_html_text(o.name) END,
		kring_html_text(o.summary) || ' ' || kring_html_text(o.content) || ' ' || o.tags, ` + objectScopeSQL + `
	FROM search_queue q JOIN objects o ON o.id = q.doc >> 3
	WHERE q.doc <= @upto AND q.doc & 7 = 2 AND o.deleted = 0 AND o.type <> 'Event'
		AND NOT (o.local = 1 AND EXISTS (SELECT 1 FROM posts p WHERE p.iri = o.iri))`,

	`INSERT INTO search_fts (rowid, title, body, scope)
	SELECT q.doc, CASE WHEN e.local = 1 THEN kring_plain_text(e.title) ELSE kring_html_text(e.title) END,
		kring_plain_text(e.summary) || ' ' || kring_html_text(e.content) || ' ' ||
		CASE WHEN json_valid(e.place) THEN kring_plain_text(COALESCE(json_extract(e.place, '$.name'), '')) ELSE '' END || ' ' || e.tags,
		'public'
	FROM search_queue q JOIN events e ON e.id = q.doc >> 3
	WHERE q.doc <= @upto AND q.doc & 7 = 3 AND e.deleted = 0`,

	`INSERT INTO search_fts (rowid, title, body, scope)
	SELECT q.doc, kring_plain_text(m.display_name || ' ' || m.username), kring_plain_text(m.bio), 'public'
	FROM search_queue q JOIN members m ON m.id = q.doc >> 3
	WHERE q.doc <= @upto AND q.doc & 7 = 4`,

	`INSERT INTO search_fts (rowid, title, body, scope)
	SELECT q.doc, kring_plain_text(a.name || ' ' || a.username),
		CASE WHEN json_valid(a.raw) THEN kring_html_text(json_extract(a.raw, '$.summary')) ELSE '' END, 'public'
	FROM search_queue q JOIN remote_actors a ON a.id = q.doc >> 3
	WHERE q.doc <= @upto AND q.doc & 7 = 5`,
}

// SyncSearch brings every queued change into the search index. Search
// calls it first, so results are never behind what is stored; calling it
// in the background as well keeps that first step short.
func (db *DB) SyncSearch(ctx context.Context) error {
	for {
		var pending bool
		if err := db.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM search_queue)").Scan(&pending); err != nil {
			return fmt.Errorf("read search queue: %w", err)
		}
		if !pending {
			return nil
		}
		var more bool
		err := db.writeTx(ctx, func(tx *sql.Tx) (err error) {
			more, err = syncSearchChunk(ctx, tx)
			return err
		})
		if err != nil || !more {
			return err
		}
	}
}

// syncSearchChunk indexes the first searchSyncChunk queued entries and
// reports whether more wait.
func syncSearchChunk(ctx context.Context, tx *sql.Tx) (more bool, err error) {
	var upto int64
	err = tx.QueryRowContext(ctx, "SELECT doc FROM search_queue ORDER BY doc LIMIT 1 OFFSET ?", searchSyncChunk-1).Scan(&upto)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(doc), 0) FROM search_queue").Scan(&upto); err != nil {
			return false, fmt.Errorf("read search queue: %w", err)
		}
	case err != nil:
		return false, fmt.Errorf("read search queue: %w", err)
	default:
		more = true
	}
	at := sql.Named("upto", upto)
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE rowid IN (SELECT doc FROM search_queue WHERE doc <= @upto)", at); err != nil {
		return false, fmt.Errorf("clear search entries: %w", err)
	}
	for _, q := range indexSQL {
		if _, err := tx.ExecContext(ctx, q, at); err != nil {
			return false, fmt.Errorf("index search entries: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_queue WHERE doc <= @upto", at); err != nil {
		return false, fmt.Errorf("clear search queue: %w", err)
	}
	return more, nil
}
