package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

const postColumns = `p.id, p.iri, p.author_id, m.username, p.slug, p.title, p.summary, p.body, p.content, p.lead, p.tags,
	p.language, p.visibility, p.state, p.as_note, COALESCE(p.cover_media_id, 0), p.published_at, p.updated_at, p.created_at`

const postFrom = ` FROM posts p JOIN members m ON m.id = p.author_id `

func scanPost(row rowScanner) (*content.Post, error) {
	var p content.Post
	var tags, lang, vis, state string
	var published, updated, created int64
	err := row.Scan(&p.ID, &p.IRI, &p.AuthorID, &p.Author, &p.Slug, &p.Title, &p.Summary, &p.Body, &p.Content, &p.Lead, &tags,
		&lang, &vis, &state, &p.AsNote, &p.CoverID, &published, &updated, &created)
	if err != nil {
		return nil, err
	}
	p.Tags = strings.Fields(tags)
	p.Language, p.Visibility, p.State = content.Language(lang), content.Visibility(vis), content.PostState(state)
	if published != 0 {
		p.Published = fromMillis(published)
	}
	if updated != 0 {
		p.Updated = fromMillis(updated)
	}
	p.CreatedAt = fromMillis(created)
	return &p, nil
}

// PostChange is one change to a post, written in one transaction: the
// post row, its federated object (inserted, updated or turned into a
// tombstone) and the activity announcing it with its deliveries. Obj and
// Activity are nil for a change that does not federate (a draft).
type PostChange struct {
	Post     *content.Post
	Obj      *content.Object
	Activity *content.Activity
	Signer   string
	Targets  []Target
}

// SavePost writes a post change. A new post (ID 0) gets a slug unique
// for its author: the wanted slug, else slug-2, slug-3, ...
func (db *DB) SavePost(ctx context.Context, c PostChange) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := writePost(ctx, tx, c.Post, db.now()); err != nil {
			return err
		}
		if err := writePostMedia(ctx, tx, c.Post); err != nil {
			return err
		}
		if c.Obj != nil {
			if err := writePostObject(ctx, tx, c.Post, c.Obj, db.now()); err != nil {
				return err
			}
		}
		if c.Activity == nil {
			return nil
		}
		return insertActivity(ctx, tx, c.Activity, c.Signer, c.Targets, db.now())
	})
}

func writePost(ctx context.Context, tx *sql.Tx, p *content.Post, now time.Time) error {
	slug, err := freeSlug(ctx, tx, p)
	if err != nil {
		return err
	}
	p.Slug = slug
	var cover any
	if p.CoverID != 0 {
		cover = p.CoverID
	}
	var published, updated int64
	if !p.Published.IsZero() {
		published = millis(p.Published)
	}
	if !p.Updated.IsZero() {
		updated = millis(p.Updated)
	}
	args := []any{p.Slug, p.Title, p.Summary, p.Body, p.Content, p.Lead, strings.Join(p.Tags, " "), string(p.Language),
		string(p.Visibility), string(p.State), p.AsNote, cover, published, updated}
	if p.ID == 0 {
		p.CreatedAt = now.UTC().Truncate(time.Millisecond)
		res, err := tx.ExecContext(ctx, `INSERT INTO posts (slug, title, summary, body, content, lead, tags, language, visibility, state,
			as_note, cover_media_id, published_at, updated_at, iri, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, p.IRI, p.AuthorID, millis(p.CreatedAt))...)
		if err != nil {
			return fmt.Errorf("store post %s: %w", p.IRI, err)
		}
		p.ID, err = res.LastInsertId()
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE posts SET slug = ?, title = ?, summary = ?, body = ?, content = ?, lead = ?, tags = ?, language = ?,
		visibility = ?, state = ?, as_note = ?, cover_media_id = ?, published_at = ?, updated_at = ? WHERE id = ?`, append(args, p.ID)...)
	if err != nil {
		return fmt.Errorf("update post %s: %w", p.IRI, err)
	}
	return nil
}

// freeSlug finds the slug the post may have: its own, or with a number.
func freeSlug(ctx context.Context, tx *sql.Tx, p *content.Post) (string, error) {
	base := p.Slug
	for i := 1; i < 1000; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM posts WHERE author_id = ? AND slug = ? AND id <> ?", p.AuthorID, slug, p.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return slug, nil
		}
		if err != nil {
			return "", fmt.Errorf("check slug %s: %w", slug, err)
		}
	}
	return "", content.Errorf(content.KindConflict, "title", "post.slug_taken", "too many posts with the slug %q", base)
}

func writePostMedia(ctx context.Context, tx *sql.Tx, p *content.Post) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM post_media WHERE post_id = ?", p.ID); err != nil {
		return fmt.Errorf("clear images of post %d: %w", p.ID, err)
	}
	for i, id := range p.MediaIDs {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO post_media (post_id, media_id, position)
			SELECT ?, id, ? FROM media WHERE id = ? AND owner_id = ?`, p.ID, i, id, p.AuthorID)
		if err != nil {
			return fmt.Errorf("attach image %d to post %d: %w", id, p.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindInvalid, "media", "post.media_unknown", "image %d is not one of your uploads", id)
		}
	}
	return nil
}

// writePostObject keeps the post's federated object in step: inserted on
// first publication, updated on edits, a tombstone once deleted.
func writePostObject(ctx context.Context, tx *sql.Tx, p *content.Post, o *content.Object, now time.Time) error {
	if p.State == content.PostDeleted {
		_, err := deleteObject(ctx, tx, o.IRI, o.AttributedTo, now)
		return err
	}
	inserted, err := insertObject(ctx, tx, o)
	if err != nil || inserted {
		return err
	}
	attachments, err := attachmentsJSON(o.Attachments)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE objects SET type = ?, name = ?, summary = ?, content = ?, url = ?, public = ?, updated = ?, raw = ?,
		language = ?, attachments = ? WHERE iri = ?`, o.Type, o.Name, o.Summary, o.Content, o.URL, o.Public, millis(o.Updated), o.Raw,
		o.Language, attachments, o.IRI)
	if err != nil {
		return fmt.Errorf("update object %s: %w", o.IRI, err)
	}
	return putTagsAndMentions(ctx, tx, o)
}

// PostByIRI returns a post by its id, drafts and deleted ones included.
func (db *DB) PostByIRI(ctx context.Context, iri string) (*content.Post, error) {
	return db.onePost(ctx, "p.iri = ?", iri)
}

// PostBySlug returns a member's post by its slug.
func (db *DB) PostBySlug(ctx context.Context, username, slug string) (*content.Post, error) {
	return db.onePost(ctx, "m.username = ? AND p.slug = ?", username, slug)
}

func (db *DB) onePost(ctx context.Context, where string, args ...any) (*content.Post, error) {
	p, err := scanPost(db.queryRow(ctx, "SELECT "+postColumns+postFrom+"WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("post")
	}
	if err != nil {
		return nil, fmt.Errorf("read post: %w", err)
	}
	if p.MediaIDs, err = db.postMediaIDs(ctx, p.ID); err != nil {
		return nil, err
	}
	return p, nil
}

func (db *DB) postMediaIDs(ctx context.Context, postID int64) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT media_id FROM post_media WHERE post_id = ? ORDER BY position", postID)
	if err != nil {
		return nil, fmt.Errorf("read images of post %d: %w", postID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PostFilter selects posts for a listing, newest first.
type PostFilter struct {
	AuthorID int64     // 0: every author
	Drafts   bool      // include the author's drafts (their own listing)
	Listed   bool      // only published public posts
	Tag      string    // only posts with this tag
	Before   time.Time // published (or created, for drafts) before; zero: any
	Limit    int
}

// Posts lists posts by a filter.
func (db *DB) Posts(ctx context.Context, f PostFilter) ([]content.Post, error) {
	var where []string
	var args []any
	if f.AuthorID != 0 {
		where, args = append(where, "p.author_id = ?"), append(args, f.AuthorID)
	}
	switch {
	case f.Listed:
		where = append(where, "p.state = 'published' AND p.visibility = 'public'")
	case f.Drafts:
		where = append(where, "p.state <> 'deleted'")
	default:
		where = append(where, "p.state = 'published'")
	}
	if f.Tag != "" {
		where, args = append(where, "(' ' || p.tags || ' ') LIKE ?"), append(args, "% "+f.Tag+" %")
	}
	if !f.Before.IsZero() {
		where, args = append(where, "COALESCE(NULLIF(p.published_at, 0), p.created_at) < ?"), append(args, millis(f.Before))
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	q := "SELECT " + postColumns + postFrom + "WHERE " + strings.Join(where, " AND ") +
		" ORDER BY COALESCE(NULLIF(p.published_at, 0), p.created_at) DESC, p.id DESC LIMIT ?"
	rows, err := db.read.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	defer rows.Close()
	var out []content.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("list posts: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// CountPosts counts the published posts of the node (NodeInfo localPosts).
func (db *DB) CountPosts(ctx context.Context) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM posts WHERE state = 'published'").Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}
