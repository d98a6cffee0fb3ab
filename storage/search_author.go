package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// SearchAuthor turns how a person names an author — a username here
// ("ada", "@ada", "ada@this.host") or a handle elsewhere ("@bob@b.test")
// — into the actor id SearchQuery.Author takes. An author elsewhere must
// be known here (fetched once); else it is not found.
func (db *DB) SearchAuthor(ctx context.Context, name string) (string, error) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "@")
	user, host, remote := strings.Cut(name, "@")
	if user == "" || (remote && host == "") {
		return "", notFound("author " + name)
	}
	prefix, err := db.localActorPrefix(ctx)
	if err != nil {
		return "", err
	}
	if !remote || strings.Contains(prefix, "://"+strings.ToLower(host)+"/") {
		var one int
		err := db.queryRow(ctx, "SELECT 1 FROM members WHERE username = ?", user).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return "", notFound("member " + user)
		}
		if err != nil {
			return "", fmt.Errorf("find author %s: %w", name, err)
		}
		return prefix + user, nil
	}
	var iri string
	err = db.queryRow(ctx, "SELECT iri FROM remote_actors WHERE username = ? AND lower(host) = lower(?) ORDER BY fetched_at DESC LIMIT 1",
		user, host).Scan(&iri)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("author " + name)
	}
	if err != nil {
		return "", fmt.Errorf("find author %s: %w", name, err)
	}
	return iri, nil
}
