package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"kring/content"
)

// newCalendarToken makes a token no one can guess: 32 random bytes,
// base64url, as it goes in a feed address.
func newCalendarToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: Go crashes the program rather than return weak bytes
	return base64.RawURLEncoding.EncodeToString(b)
}

// CalendarToken returns the token of a member's private calendar feed,
// made the first time it is asked for. An unknown member is not found.
func (db *DB) CalendarToken(ctx context.Context, memberID int64) (string, error) {
	var token string
	err := db.queryRow(ctx, "SELECT token FROM calendar_tokens WHERE member_id = ?", memberID).Scan(&token)
	if err == nil {
		return token, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read calendar token of member %d: %w", memberID, err)
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		// Another request may have made one since the read: keep that one,
		// or the address it handed out would stop working at once.
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_tokens (member_id, token, created_at) VALUES (?, ?, ?)
			ON CONFLICT (member_id) DO NOTHING`, memberID, newCalendarToken(), millis(db.now()))
		if err != nil {
			return calendarTokenError(memberID, err)
		}
		return tx.QueryRowContext(ctx, "SELECT token FROM calendar_tokens WHERE member_id = ?", memberID).Scan(&token)
	})
	return token, err
}

// RotateCalendarToken gives a member a new calendar token; the old
// address stops working, which is how a leaked one is revoked.
func (db *DB) RotateCalendarToken(ctx context.Context, memberID int64) (string, error) {
	token := newCalendarToken()
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_tokens (member_id, token, created_at) VALUES (?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
			memberID, token, millis(db.now()))
		if err != nil {
			return calendarTokenError(memberID, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func calendarTokenError(memberID int64, err error) error {
	if unknownMember(err) {
		return content.Errorf(content.KindNotFound, "member", "member.not_found", "no member with id %d", memberID)
	}
	return fmt.Errorf("store calendar token of member %d: %w", memberID, err)
}

// MemberByCalendarToken finds whose feed a token opens. An empty or
// unknown token is not found. A suspended member is returned as such:
// the caller decides whether their feed still answers.
func (db *DB) MemberByCalendarToken(ctx context.Context, token string) (*content.Member, error) {
	if token == "" {
		return nil, notFound("calendar")
	}
	m, err := scanMember(db.queryRow(ctx, "SELECT "+memberColumns+
		" FROM members WHERE id = (SELECT member_id FROM calendar_tokens WHERE token = ?)", token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("calendar")
	}
	if err != nil {
		return nil, fmt.Errorf("read member by calendar token: %w", err)
	}
	return m, nil
}
