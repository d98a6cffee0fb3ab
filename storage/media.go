package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kring/content"
)

const mediaColumns = `id, name, owner_id, media_type, width, height, size, alt, blurhash, created_at`

// The page size of MediaByOwner.
const (
	DefaultMediaPage = 50
	MaxMediaPage     = 200
)

func scanMedia(row rowScanner) (*content.Media, error) {
	var m content.Media
	var created int64
	if err := row.Scan(&m.ID, &m.Name, &m.OwnerID, &m.MediaType, &m.Width, &m.Height, &m.Size, &m.Alt, &m.Blurhash, &created); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMillis(created)
	return &m, nil
}

// CreateMedia records an uploaded image whose file is already stored; it
// sets m.ID and m.CreatedAt. A name in use is a conflict, an unknown owner
// not found.
func (db *DB) CreateMedia(ctx context.Context, m *content.Media) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now().UTC().Truncate(1e6)
		res, err := tx.ExecContext(ctx, `INSERT INTO media (name, owner_id, media_type, width, height, size, alt, blurhash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Name, m.OwnerID, m.MediaType, m.Width, m.Height, m.Size, m.Alt, m.Blurhash, millis(now))
		switch {
		case isUniqueViolation(err):
			return content.Errorf(content.KindConflict, "name", "media.name_taken", "a media file named %q exists already", m.Name)
		case isForeignKeyViolation(err):
			return content.Errorf(content.KindNotFound, "owner", "member.not_found", "no member with id %d", m.OwnerID)
		case err != nil:
			return fmt.Errorf("insert media %s: %w", m.Name, err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert media %s: %w", m.Name, err)
		}
		m.CreatedAt = now
		return nil
	})
}

// MediaByName finds an image by its file name.
func (db *DB) MediaByName(ctx context.Context, name string) (*content.Media, error) {
	m, err := scanMedia(db.queryRow(ctx, "SELECT "+mediaColumns+" FROM media WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("media " + name)
	}
	if err != nil {
		return nil, fmt.Errorf("read media %s: %w", name, err)
	}
	return m, nil
}

// MediaByID finds an image by its id.
func (db *DB) MediaByID(ctx context.Context, id int64) (*content.Media, error) {
	m, err := scanMedia(db.queryRow(ctx, "SELECT "+mediaColumns+" FROM media WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("media %d", id))
	}
	if err != nil {
		return nil, fmt.Errorf("read media %d: %w", id, err)
	}
	return m, nil
}

// MediaByOwner returns a member's images, newest first: up to limit of
// them (DefaultMediaPage when limit is 0 or less, at most MaxMediaPage).
func (db *DB) MediaByOwner(ctx context.Context, ownerID int64, limit int) ([]content.Media, error) {
	if limit <= 0 {
		limit = DefaultMediaPage
	}
	limit = min(limit, MaxMediaPage)
	rows, err := db.read.QueryContext(ctx, "SELECT "+mediaColumns+" FROM media WHERE owner_id = ? ORDER BY id DESC LIMIT ?", ownerID, limit)
	if err != nil {
		return nil, fmt.Errorf("list media of member %d: %w", ownerID, err)
	}
	defer rows.Close()
	var out []content.Media
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("list media of member %d: %w", ownerID, err)
		}
		out = append(out, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list media of member %d: %w", ownerID, err)
	}
	return out, nil
}

// DeleteMedia deletes the row of an image its owner no longer wants and
// returns the file's name, for the caller to remove it from Files after
// the row is gone. Another member's image is not found (ids do not leak
// whose they are); an image a post still shows is a conflict, since
// copies of the post on other servers link to it.
func (db *DB) DeleteMedia(ctx context.Context, id, ownerID int64) (string, error) {
	var name string
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var used bool
		err := tx.QueryRowContext(ctx, `SELECT name, EXISTS (SELECT 1 FROM post_media WHERE media_id = media.id)
			OR EXISTS (SELECT 1 FROM posts WHERE cover_media_id = media.id)
			FROM media WHERE id = ? AND owner_id = ?`, id, ownerID).Scan(&name, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fmt.Sprintf("media %d", id))
		}
		if err != nil {
			return fmt.Errorf("read media %d: %w", id, err)
		}
		if used {
			return content.Errorf(content.KindConflict, "", "media.in_use", "the image is shown in a post; remove it from the post first")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM media WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete media %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return name, nil
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint
// failure.
func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
