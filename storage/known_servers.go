package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kring/content"
)

// RemoteActorByHandle finds a stored remote actor by the parts of its
// handle, user@host.
func (db *DB) RemoteActorByHandle(ctx context.Context, username, host string) (*content.RemoteActor, error) {
	var iri string
	err := db.queryRow(ctx, "SELECT iri FROM remote_actors WHERE username = ? AND lower(host) = lower(?) LIMIT 1", username, host).Scan(&iri)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("remote actor " + username + "@" + host)
	}
	if err != nil {
		return nil, fmt.Errorf("read remote actor %s@%s: %w", username, host, err)
	}
	return db.RemoteActor(ctx, iri)
}

// ServerStatus is what the node knows of one other server.
type ServerStatus struct {
	Host          string
	Actors        int       // remote actors stored
	LastReceived  time.Time // newest activity received from it (of the recent ones)
	LastDelivered time.Time // newest successful delivery to it
	Pending       int       // deliveries waiting
	Retrying      int       // of those, how many failed at least once
	Failed        int       // deliveries given up
	LastError     string    // the newest delivery error
}

// LastContact is the newest of LastReceived and LastDelivered.
func (s ServerStatus) LastContact() time.Time {
	if s.LastReceived.After(s.LastDelivered) {
		return s.LastReceived
	}
	return s.LastDelivered
}

// recentInbox bounds how many received activities KnownServers reads for
// the last contact: the inbox keeps every activity, and a server heard
// from only before the newest recentInbox shows its deliveries' dates.
const recentInbox = 20000

// KnownServers lists every server the node has actors of, received from
// recently, or delivers to, by host.
func (db *DB) KnownServers(ctx context.Context) ([]ServerStatus, error) {
	byHost := map[string]*ServerStatus{}
	get := func(h string) *ServerStatus {
		h = strings.ToLower(h)
		s, ok := byHost[h]
		if !ok {
			s = &ServerStatus{Host: h}
			byHost[h] = s
		}
		return s
	}
	scan := func(what, query string, args []any, fn func(*sql.Rows) error) error {
		rows, err := db.read.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		return rows.Err()
	}
	err := scan("count remote actors", "SELECT host, COUNT(*) FROM remote_actors GROUP BY host", nil, func(r *sql.Rows) error {
		var h string
		var n int
		if err := r.Scan(&h, &n); err != nil {
			return err
		}
		get(h).Actors += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan("read recent inbox", `SELECT h, MAX(received_at) FROM (SELECT `+hostSQL("actor")+` AS h, received_at
		FROM inbox ORDER BY id DESC LIMIT ?) GROUP BY h`, []any{recentInbox}, func(r *sql.Rows) error {
		var h string
		var at int64
		if err := r.Scan(&h, &at); err != nil {
			return err
		}
		if h != "" {
			get(h).LastReceived = fromMillis(at)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan("read delivery status", `SELECT host, COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'pending' AND attempts > 0), 0),
		COALESCE(SUM(state = 'failed'), 0), COALESCE(MAX(CASE WHEN state = 'done' THEN updated_at END), 0),
		COALESCE((SELECT last_error FROM deliveries e WHERE e.host = d.host AND e.last_error <> '' ORDER BY e.updated_at DESC LIMIT 1), '')
		FROM deliveries d GROUP BY host`, nil, func(r *sql.Rows) error {
		var h, lastErr string
		var pending, retrying, failed int
		var done int64
		if err := r.Scan(&h, &pending, &retrying, &failed, &done, &lastErr); err != nil {
			return err
		}
		s := get(h)
		s.Pending, s.Retrying, s.Failed, s.LastError = s.Pending+pending, s.Retrying+retrying, s.Failed+failed, lastErr
		if done > 0 {
			s.LastDelivered = fromMillis(done)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]ServerStatus, 0, len(byHost))
	for _, s := range byHost {
		out = append(out, *s)
	}
	// Trouble first (given up, then retrying), then the busiest, then by
	// name.
	slices.SortFunc(out, func(a, b ServerStatus) int {
		return cmp.Or(cmp.Compare(b.Failed, a.Failed), cmp.Compare(b.Retrying, a.Retrying), cmp.Compare(b.Pending, a.Pending),
			strings.Compare(a.Host, b.Host))
	})
	return out, nil
}
