package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

// CreateSession stores a new browser session.
func (db *DB) CreateSession(ctx context.Context, s content.Session) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, member_id, csrf_token, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, s.TokenHash, s.MemberID, s.CSRFToken, millis(s.CreatedAt), millis(s.ExpiresAt))
		if err != nil {
			return fmt.Errorf("insert session for member %d: %w", s.MemberID, err)
		}
		return nil
	})
}

// SessionMember returns a live session and its member. Expired sessions and
// sessions of suspended members are not found.
func (db *DB) SessionMember(ctx context.Context, tokenHash string) (*content.Session, *content.Member, error) {
	var s content.Session
	var created, expires int64
	row := db.queryRow(ctx, `SELECT s.token_hash, s.member_id, s.csrf_token, s.created_at, s.expires_at, `+prefixed("m.", memberColumns)+`
		FROM sessions s JOIN members m ON m.id = s.member_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND m.suspended = 0`, tokenHash, millis(db.now()))
	m, err := scanMember(row, &s.TokenHash, &s.MemberID, &s.CSRFToken, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("session")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &s, m, nil
}

// DeleteSession ends one session (logout).
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// DeleteExpiredSessions removes sessions that expired before now and
// returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", millis(now))
		if err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

func prefixed(prefix, columns string) string {
	out := []byte{}
	start := true
	for i := 0; i < len(columns); i++ {
		c := columns[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, prefix...)
			start = false
		}
		if c == ',' {
			start = true
		}
		out = append(out, c)
	}
	return string(out)
}
