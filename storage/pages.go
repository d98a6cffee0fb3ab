package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"kring/content"
)

const pageColumns = `id, slug, language, title, body, content, nav_order, updated_at`

func scanPage(row rowScanner) (*content.Page, error) {
	var p content.Page
	var lang string
	var updated int64
	if err := row.Scan(&p.ID, &p.Slug, &lang, &p.Title, &p.Body, &p.Content, &p.NavOrder, &updated); err != nil {
		return nil, err
	}
	p.Language, p.Updated = content.Language(lang), fromMillis(updated)
	return &p, nil
}

// PutPage stores a static page: a new one for a slug and language not yet
// used, else it replaces that page's title, text and place in the menu.
// It sets p.ID and p.Updated. The caller validates the page and renders
// its Markdown into Content.
func (db *DB) PutPage(ctx context.Context, p *content.Page) error {
	if !slices.Contains(content.Languages, p.Language) {
		return content.Errorf(content.KindInvalid, "language", "language.invalid", "unsupported language %q: use nl or en", p.Language)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now().UTC().Truncate(1e6)
		err := tx.QueryRowContext(ctx, `INSERT INTO pages (slug, language, title, body, content, nav_order, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (slug, language) DO UPDATE SET title = excluded.title, body = excluded.body,
				content = excluded.content, nav_order = excluded.nav_order, updated_at = excluded.updated_at
			RETURNING id`,
			p.Slug, string(p.Language), p.Title, p.Body, p.Content, p.NavOrder, millis(now)).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("put page %s/%s: %w", p.Slug, p.Language, err)
		}
		p.Updated = now
		return nil
	})
}

// PageBySlug finds a page in one language.
func (db *DB) PageBySlug(ctx context.Context, slug string, lang content.Language) (*content.Page, error) {
	p, err := scanPage(db.queryRow(ctx, "SELECT "+pageColumns+" FROM pages WHERE slug = ? AND language = ?", slug, string(lang)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("page " + slug + " in " + string(lang))
	}
	if err != nil {
		return nil, fmt.Errorf("read page %s/%s: %w", slug, lang, err)
	}
	return p, nil
}

// Pages returns every page in every language, in menu order: by nav
// order, then slug, then language.
func (db *DB) Pages(ctx context.Context) ([]content.Page, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+pageColumns+" FROM pages ORDER BY nav_order, slug, language")
	if err != nil {
		return nil, fmt.Errorf("list pages: %w", err)
	}
	defer rows.Close()
	var out []content.Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, fmt.Errorf("list pages: %w", err)
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pages: %w", err)
	}
	return out, nil
}

// DeletePage removes a page in every language and returns how many
// language versions it had: 0 when no page has the slug.
func (db *DB) DeletePage(ctx context.Context, slug string) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pages WHERE slug = ?`, slug)
		if err != nil {
			return fmt.Errorf("delete page %s: %w", slug, err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("delete page %s: %w", slug, err)
		}
		return nil
	})
	return int(n), err
}
