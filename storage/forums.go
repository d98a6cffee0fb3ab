package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

const forumColumns = `id, name, title, description, language, members_only_threads, public_key_pem, private_key_pem, created_at`

func scanForum(row rowScanner) (*content.Forum, error) {
	var f content.Forum
	var lang string
	var created int64
	if err := row.Scan(&f.ID, &f.Name, &f.Title, &f.Description, &lang, &f.MembersOnlyThreads, &f.PublicKeyPEM, &f.PrivateKeyPEM, &created); err != nil {
		return nil, err
	}
	f.Language, f.CreatedAt = content.Language(lang), fromMillis(created)
	return &f, nil
}

// handleTaken reports whether a member, a forum or the organisation
// already has the name: they share one namespace of handles.
func handleTaken(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM members WHERE username = ? UNION ALL SELECT 1 FROM forums WHERE name = ?
		UNION ALL SELECT 1 FROM node WHERE org_username = ? LIMIT 1`, name, name, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check handle %s: %w", name, err)
	}
	return true, nil
}

// CreateForum inserts a forum. A name already used by a member or a forum
// is a conflict.
func (db *DB) CreateForum(ctx context.Context, f *content.Forum) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		taken, err := handleTaken(ctx, tx, f.Name)
		if err != nil {
			return err
		}
		if taken {
			return content.Errorf(content.KindConflict, "name", "forum_name.taken", "the name %q is already taken by a member or a forum", f.Name)
		}
		now := db.now().UTC().Truncate(1e6)
		res, err := tx.ExecContext(ctx, `INSERT INTO forums (name, title, description, language, members_only_threads,
			public_key_pem, private_key_pem, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Name, f.Title, f.Description, string(f.Language), f.MembersOnlyThreads, f.PublicKeyPEM, f.PrivateKeyPEM, millis(now), millis(now))
		if err != nil {
			return fmt.Errorf("insert forum %s: %w", f.Name, err)
		}
		f.ID, err = res.LastInsertId()
		f.CreatedAt = now
		return err
	})
}

// ForumByID finds a forum by its row id.
func (db *DB) ForumByID(ctx context.Context, id int64) (*content.Forum, error) {
	f, err := scanForum(db.queryRow(ctx, "SELECT "+forumColumns+" FROM forums WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "", "forum.not_found", "no forum %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read forum %d: %w", id, err)
	}
	return f, nil
}

// ForumByName finds a forum by its handle.
func (db *DB) ForumByName(ctx context.Context, name string) (*content.Forum, error) {
	f, err := scanForum(db.queryRow(ctx, "SELECT "+forumColumns+" FROM forums WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "name", "forum.not_found", "no forum named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read forum %s: %w", name, err)
	}
	return f, nil
}

// ListForums returns every forum in name order.
func (db *DB) ListForums(ctx context.Context) ([]content.Forum, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+forumColumns+" FROM forums ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list forums: %w", err)
	}
	defer rows.Close()
	var out []content.Forum
	for rows.Next() {
		f, err := scanForum(rows)
		if err != nil {
			return nil, fmt.Errorf("list forums: %w", err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// UpdateForum changes a forum's title, description, language and whether
// only members may start threads. Its name (a handle) never changes.
func (db *DB) UpdateForum(ctx context.Context, f *content.Forum) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE forums SET title = ?, description = ?, language = ?, members_only_threads = ?, updated_at = ?
			WHERE id = ?`, f.Title, f.Description, string(f.Language), f.MembersOnlyThreads, millis(db.now()), f.ID)
		if err != nil {
			return fmt.Errorf("update forum %s: %w", f.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "name", "forum.not_found", "no forum named %q", f.Name)
		}
		return nil
	})
}
