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

const objectColumns = `id, iri, type, attributed_to, local, name, summary, content, in_reply_to, url, public, published, updated, raw, deleted,
	root, path, author_name, author_handle, author_url, language, attachments, like_count, announce_count, reply_count`

func scanObject(row rowScanner) (*content.Object, error) {
	var o content.Object
	var published, updated int64
	var attachments string
	err := row.Scan(&o.ID, &o.IRI, &o.Type, &o.AttributedTo, &o.Local, &o.Name, &o.Summary, &o.Content,
		&o.InReplyTo, &o.URL, &o.Public, &published, &updated, &o.Raw, &o.Deleted,
		&o.Root, &o.Path, &o.AuthorName, &o.AuthorHandle, &o.AuthorURL, &o.Language, &attachments,
		&o.LikeCount, &o.AnnounceCount, &o.ReplyCount)
	if err != nil {
		return nil, err
	}
	o.Published = fromMillis(published)
	if updated != 0 {
		o.Updated = fromMillis(updated)
	}
	if attachments != "" {
		if err := json.Unmarshal([]byte(attachments), &o.Attachments); err != nil {
			return nil, fmt.Errorf("attachments of %s: %w", o.IRI, err)
		}
	}
	return &o, nil
}

const insertObjectSQL = `INSERT INTO objects (iri, type, attributed_to, local, name, summary, content, in_reply_to,
		url, public, published, updated, raw, author_name, author_handle, author_url, language, attachments, tags)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (iri) DO NOTHING`

// insertObject stores an object once and places it: in its thread, under
// its tags and mentions. tx is the transaction, or a batch's statement
// cache over it.
func insertObject(ctx context.Context, tx querier, o *content.Object) (bool, error) {
	var updated int64
	if !o.Updated.IsZero() {
		updated = millis(o.Updated)
	}
	attachments, err := attachmentsJSON(o.Attachments)
	if err != nil {
		return false, err
	}
	args := []any{o.IRI, o.Type, o.AttributedTo, o.Local, o.Name, o.Summary, o.Content, o.InReplyTo, o.URL, o.Public,
		millis(o.Published), updated, o.Raw, o.AuthorName, o.AuthorHandle, o.AuthorURL, o.Language, attachments, strings.Join(o.Tags, " ")}
	res, err := tx.ExecContext(ctx, insertObjectSQL, args...)
	if err != nil {
		return false, fmt.Errorf("store object %s: %w", o.IRI, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if o.ID, err = res.LastInsertId(); err != nil {
		return false, err
	}
	if err := placeInThread(ctx, tx, o); err != nil {
		return false, err
	}
	return true, addTagsAndMentions(ctx, tx, o)
}

func attachmentsJSON(as []content.Attachment) (string, error) {
	if len(as) == 0 {
		return "", nil
	}
	b, err := json.Marshal(as)
	if err != nil {
		return "", fmt.Errorf("encode attachments: %w", err)
	}
	return string(b), nil
}

// placeInThread gives a reply its root and path and counts it on its
// parent (direct replies) and on the root (the whole conversation). A
// reply to an object not stored here stays outside any thread.
func placeInThread(ctx context.Context, tx querier, o *content.Object) error {
	if o.InReplyTo == "" {
		return nil
	}
	var parentRoot, parentPath string
	err := tx.QueryRowContext(ctx, "SELECT root, path FROM objects WHERE iri = ?", o.InReplyTo).Scan(&parentRoot, &parentPath)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find parent of %s: %w", o.IRI, err)
	}
	o.Root = parentRoot
	if o.Root == "" {
		o.Root = o.InReplyTo
	}
	o.Path = fmt.Sprintf("%012d", o.ID)
	if parentPath != "" {
		o.Path = parentPath + "/" + o.Path
	}
	if _, err := tx.ExecContext(ctx, "UPDATE objects SET root = ?, path = ? WHERE id = ?", o.Root, o.Path, o.ID); err != nil {
		return fmt.Errorf("place %s in its thread: %w", o.IRI, err)
	}
	// A forum thread moves up its forum with every reply.
	if _, err := tx.ExecContext(ctx, "UPDATE threads SET last_activity = MAX(last_activity, ?) WHERE iri = ?", millis(o.Published), o.Root); err != nil {
		return fmt.Errorf("bump thread %s: %w", o.Root, err)
	}
	return countReply(ctx, tx, o, 1)
}

// countReply adds delta to the reply counts of o's parent and root.
func countReply(ctx context.Context, tx querier, o *content.Object, delta int) error {
	iris := []string{o.InReplyTo}
	if o.Root != o.InReplyTo {
		iris = append(iris, o.Root)
	}
	for _, iri := range iris {
		if _, err := tx.ExecContext(ctx, "UPDATE objects SET reply_count = MAX(reply_count + ?, 0) WHERE iri = ?", delta, iri); err != nil {
			return fmt.Errorf("count replies of %s: %w", iri, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE threads SET reply_count = MAX(reply_count + ?, 0) WHERE iri = ?", delta, o.Root); err != nil {
		return fmt.Errorf("count replies of thread %s: %w", o.Root, err)
	}
	return nil
}

// putTagsAndMentions replaces the hashtags and mentions recorded for o.
func putTagsAndMentions(ctx context.Context, tx querier, o *content.Object) error {
	var old string
	if err := tx.QueryRowContext(ctx, "SELECT tags FROM objects WHERE iri = ?", o.IRI).Scan(&old); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read tags of %s: %w", o.IRI, err)
	}
	for _, tag := range strings.Fields(old) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM object_tags WHERE tag = ? AND object_iri = ?", tag, o.IRI); err != nil {
			return fmt.Errorf("clear tags of %s: %w", o.IRI, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE objects SET tags = ? WHERE iri = ?", strings.Join(o.Tags, " "), o.IRI); err != nil {
		return fmt.Errorf("record tags of %s: %w", o.IRI, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM mentions WHERE object_iri = ?", o.IRI); err != nil {
		return fmt.Errorf("clear mentions of %s: %w", o.IRI, err)
	}
	return addTagsAndMentions(ctx, tx, o)
}

// addTagsAndMentions records the hashtags and mentions of a new object:
// nothing to clear, so an object without any costs no statement.
func addTagsAndMentions(ctx context.Context, tx querier, o *content.Object) error {
	for _, tag := range o.Tags {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO object_tags (tag, object_iri, published) VALUES (?, ?, ?)",
			tag, o.IRI, millis(o.Published)); err != nil {
			return fmt.Errorf("tag %s with %s: %w", o.IRI, tag, err)
		}
	}
	for _, actor := range o.Mentions {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO mentions (object_iri, actor_iri) VALUES (?, ?)", o.IRI, actor); err != nil {
			return fmt.Errorf("record mention of %s in %s: %w", actor, o.IRI, err)
		}
	}
	return nil
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
		attachments, err := attachmentsJSON(o.Attachments)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE objects SET name = ?, summary = ?, content = ?, url = ?, updated = ?, raw = ?,
			language = ?, attachments = ?, public = ? WHERE iri = ? AND attributed_to = ? AND deleted = 0`,
			o.Name, o.Summary, o.Content, o.URL, millis(o.Updated), o.Raw, o.Language, attachments, o.Public, o.IRI, o.AttributedTo)
		if err != nil {
			return fmt.Errorf("update object %s: %w", o.IRI, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "", "object.not_found", "no live object %s by %s", o.IRI, o.AttributedTo)
		}
		return putTagsAndMentions(ctx, tx, o)
	})
}

// DeleteObject turns an object into a tombstone, only for its author. A
// deleted reply keeps its place in the thread (its replies hang from it)
// but no longer counts.
func (db *DB) DeleteObject(ctx context.Context, iri, author string) (bool, error) {
	var deleted bool
	err := db.writeTx(ctx, func(tx *sql.Tx) (err error) {
		deleted, err = deleteObject(ctx, tx, iri, author, db.now())
		return err
	})
	return deleted, err
}

func deleteObject(ctx context.Context, tx *sql.Tx, iri, author string, now time.Time) (bool, error) {
	o, err := scanObject(tx.QueryRowContext(ctx, "SELECT "+objectColumns+" FROM objects WHERE iri = ? AND attributed_to = ? AND deleted = 0", iri, author))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read object %s: %w", iri, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE objects SET deleted = 1, content = '', name = '', summary = '', raw = '', attachments = '', updated = ?
		WHERE id = ?`, millis(now), o.ID)
	if err != nil {
		return false, fmt.Errorf("delete object %s: %w", iri, err)
	}
	o.Tags, o.Mentions = nil, nil
	if err := putTagsAndMentions(ctx, tx, o); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE threads SET deleted = 1 WHERE iri = ?", o.IRI); err != nil {
		return false, fmt.Errorf("delete thread %s: %w", o.IRI, err)
	}
	if o.Root != "" {
		if err := countReply(ctx, tx, o, -1); err != nil {
			return false, err
		}
	}
	return true, nil
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

// querier is what the writes of one transaction go through: the
// transaction itself, or a stmtCache over it for a batch.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache prepares each statement of a batch once: the driver otherwise
// compiles the SQL anew for every row, and a burst of received posts
// writes thousands of rows in one transaction.
type stmtCache struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newStmtCache(tx *sql.Tx) *stmtCache { return &stmtCache{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return c.tx.QueryRowContext(ctx, query, args...) // reports the error through the Row
	}
	return st.QueryRowContext(ctx, args...)
}

func (c *stmtCache) close() {
	for _, st := range c.stmts {
		st.Close()
	}
}
