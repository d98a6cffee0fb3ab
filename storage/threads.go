package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

// MaxThreadRead caps how many comments one page of a thread shows.
const MaxThreadRead = 1000

// commentColumns are objectColumns without the received document: pages
// never show it, and it is most of a row's bytes.
var commentColumns = strings.Replace(objectColumns, "raw,", "'' AS raw,", 1)

// Comments returns the replies under root in display order (a depth-first
// walk), each with its depth: one range read of the thread index. Their
// Raw documents are left out.
func (db *DB) Comments(ctx context.Context, root string, limit int) ([]content.Comment, error) {
	if limit <= 0 || limit > MaxThreadRead {
		limit = MaxThreadRead
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+commentColumns+" FROM objects WHERE root = ? ORDER BY path LIMIT ?", root, limit)
	if err != nil {
		return nil, fmt.Errorf("read comments of %s: %w", root, err)
	}
	defer rows.Close()
	var out []content.Comment
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, fmt.Errorf("read comments of %s: %w", root, err)
		}
		out = append(out, content.Comment{Object: *o, Depth: strings.Count(o.Path, "/") + 1})
	}
	return out, rows.Err()
}

// PublicReplies pages the live public replies to an object, oldest first:
// what its replies collection shows to everyone. A reply addressed to its
// author's followers alone is theirs to read and is left out.
func (db *DB) PublicReplies(ctx context.Context, iri string, offset, limit int) (total int, iris []string, err error) {
	const where = "FROM objects WHERE in_reply_to = ? AND deleted = 0 AND public = 1"
	if err := db.queryRow(ctx, "SELECT COUNT(*) "+where, iri).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count public replies to %s: %w", iri, err)
	}
	if limit == 0 {
		return total, nil, nil
	}
	rows, err := db.read.QueryContext(ctx, "SELECT iri "+where+" ORDER BY id LIMIT ? OFFSET ?", iri, limit, offset)
	if err != nil {
		return 0, nil, fmt.Errorf("list public replies to %s: %w", iri, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, nil, fmt.Errorf("list public replies to %s: %w", iri, err)
		}
		iris = append(iris, s)
	}
	return total, iris, rows.Err()
}

// TaggedObjects lists the live public objects with a hashtag, local and
// received, newest first, published before 'before' (zero: now).
func (db *DB) TaggedObjects(ctx context.Context, tag string, before time.Time, limit int) ([]content.Object, error) {
	if before.IsZero() {
		before = db.now().Add(time.Hour)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+prefixed("o.", objectColumns)+` FROM object_tags t JOIN objects o ON o.iri = t.object_iri
		WHERE t.tag = ? AND t.published < ? AND o.public = 1 AND o.deleted = 0 AND o.limited = 0 ORDER BY t.published DESC LIMIT ?`,
		tag, millis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("list objects tagged %s: %w", tag, err)
	}
	defer rows.Close()
	var out []content.Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, fmt.Errorf("list objects tagged %s: %w", tag, err)
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// ObjectMentions lists the actors an object mentions.
func (db *DB) ObjectMentions(ctx context.Context, iri string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT actor_iri FROM mentions WHERE object_iri = ?", iri)
	if err != nil {
		return nil, fmt.Errorf("read mentions of %s: %w", iri, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
