package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

const memberColumns = `id, username, display_name, email, bio, language, role, suspended,
	password_hash, public_key_pem, private_key_pem, created_at, updated_at, manually_approves_followers`

type rowScanner interface{ Scan(dest ...any) error }

// scanMember reads memberColumns, after any leading columns given in before.
func scanMember(row rowScanner, before ...any) (*content.Member, error) {
	var m content.Member
	var lang, role string
	var created, updated int64
	err := row.Scan(append(before, &m.ID, &m.Username, &m.DisplayName, &m.Email, &m.Bio, &lang, &role, &m.Suspended,
		&m.PasswordHash, &m.PublicKeyPEM, &m.PrivateKeyPEM, &created, &updated, &m.ManuallyApprovesFollowers)...)
	if err != nil {
		return nil, err
	}
	m.Language = content.Language(lang)
	m.Role = content.Role(role)
	m.CreatedAt, m.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &m, nil
}

// CreateMember inserts a member and sets its ID and times. A taken username
// is a conflict.
func (db *DB) CreateMember(ctx context.Context, m *content.Member) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error { return db.createMember(ctx, tx, m) })
}

func (db *DB) createMember(ctx context.Context, tx *sql.Tx, m *content.Member) error {
	taken, err := handleTaken(ctx, tx, m.Username)
	if err != nil {
		return err
	}
	if taken {
		return content.Errorf(content.KindConflict, "username", "username.taken", "username %q is already taken", m.Username)
	}
	now := db.now().UTC().Truncate(1e6)
	res, err := tx.ExecContext(ctx, `INSERT INTO members (username, display_name, email, bio, language, role, suspended,
		password_hash, public_key_pem, private_key_pem, created_at, updated_at, manually_approves_followers)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Username, m.DisplayName, m.Email, m.Bio, string(m.Language), string(m.Role), m.Suspended,
		m.PasswordHash, m.PublicKeyPEM, m.PrivateKeyPEM, millis(now), millis(now), m.ManuallyApprovesFollowers)
	if isUniqueViolation(err) {
		return content.Errorf(content.KindConflict, "username", "username.taken", "username %q is already taken", m.Username)
	}
	if err != nil {
		return fmt.Errorf("insert member %s: %w", m.Username, err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("insert member %s: %w", m.Username, err)
	}
	m.CreatedAt, m.UpdatedAt = now, now
	return nil
}

// CreateFirstAdmin inserts m only when the node has no members yet, in one
// transaction so two starts cannot both create one. It reports whether it
// did.
func (db *DB) CreateFirstAdmin(ctx context.Context, m *content.Member) (bool, error) {
	created := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM members").Scan(&n); err != nil {
			return fmt.Errorf("count members: %w", err)
		}
		if n > 0 {
			return nil
		}
		created = true
		return db.createMember(ctx, tx, m)
	})
	return created, err
}

// MemberByUsername finds a member by username.
func (db *DB) MemberByUsername(ctx context.Context, username string) (*content.Member, error) {
	m, err := scanMember(db.queryRow(ctx, "SELECT "+memberColumns+" FROM members WHERE username = ?", username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "username", "member.not_found", "no member named %q", username)
	}
	if err != nil {
		return nil, fmt.Errorf("read member %s: %w", username, err)
	}
	return m, nil
}

// MemberByID finds a member by id.
func (db *DB) MemberByID(ctx context.Context, id int64) (*content.Member, error) {
	m, err := scanMember(db.queryRow(ctx, "SELECT "+memberColumns+" FROM members WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("member %d", id))
	}
	if err != nil {
		return nil, fmt.Errorf("read member %d: %w", id, err)
	}
	return m, nil
}

// ListMembers returns every member in username order.
func (db *DB) ListMembers(ctx context.Context) ([]content.Member, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+memberColumns+" FROM members ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []content.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// CountMembers counts the members.
func (db *DB) CountMembers(ctx context.Context) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM members").Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// UpdateProfile changes what a member edits about themselves.
func (db *DB) UpdateProfile(ctx context.Context, id int64, displayName, bio string, lang content.Language) error {
	return db.updateMember(ctx, fmt.Sprintf("member %d", id),
		"UPDATE members SET display_name = ?, bio = ?, language = ?, updated_at = ? WHERE id = ?",
		displayName, bio, string(lang), millis(db.now()), id)
}

// SetManuallyApprovesFollowers sets whether follow requests wait for the
// member's approval.
func (db *DB) SetManuallyApprovesFollowers(ctx context.Context, id int64, manual bool) error {
	return db.updateMember(ctx, fmt.Sprintf("member %d", id),
		"UPDATE members SET manually_approves_followers = ?, updated_at = ? WHERE id = ?", manual, millis(db.now()), id)
}

// SetMemberRole changes a member's role.
func (db *DB) SetMemberRole(ctx context.Context, username string, role content.Role) error {
	return db.updateMember(ctx, fmt.Sprintf("member %q", username),
		"UPDATE members SET role = ?, updated_at = ? WHERE username = ?", string(role), millis(db.now()), username)
}

// SetMemberSuspended suspends or reinstates a member. Suspending also ends
// all of the member's sessions, in the same transaction.
func (db *DB) SetMemberSuspended(ctx context.Context, username string, suspended bool) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, fmt.Sprintf("member %q", username),
			"UPDATE members SET suspended = ?, updated_at = ? WHERE username = ?", suspended, millis(db.now()), username); err != nil {
			return err
		}
		if !suspended {
			return nil
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE member_id = (SELECT id FROM members WHERE username = ?)", username)
		if err != nil {
			return fmt.Errorf("end sessions of %s: %w", username, err)
		}
		return nil
	})
}

// SetMemberPassword stores a new password hash and ends every session of
// the member except keepSession (the token hash of the session that made
// the change; empty ends them all).
func (db *DB) SetMemberPassword(ctx context.Context, id int64, hash, keepSession string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, fmt.Sprintf("member %d", id),
			"UPDATE members SET password_hash = ?, updated_at = ? WHERE id = ?", hash, millis(db.now()), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE member_id = ? AND token_hash <> ?", id, keepSession); err != nil {
			return fmt.Errorf("end sessions of member %d: %w", id, err)
		}
		return nil
	})
}

func (db *DB) updateMember(ctx context.Context, what, query string, args ...any) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error { return updateOne(ctx, tx, what, query, args...) })
}

// updateOne runs an UPDATE that must touch exactly one row.
func updateOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return content.Errorf(content.KindNotFound, "", "member.not_found", "%s not found", what)
	}
	return nil
}
