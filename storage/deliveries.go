package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"kring/content"
)

func insertDeliveries(ctx context.Context, tx *sql.Tx, activityID int64, signer string, targets []Target, now time.Time) error {
	targets, err := deliverable(ctx, tx, targets) // federation policy (policy.go)
	if err != nil || len(targets) == 0 {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (activity_id, inbox, host, signer, state, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (activity_id, inbox) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("prepare deliveries: %w", err)
	}
	defer st.Close()
	ms := millis(now)
	for _, t := range targets {
		if _, err := st.ExecContext(ctx, activityID, t.Inbox, t.Host, signer, ms, ms, ms); err != nil {
			return fmt.Errorf("queue delivery to %s: %w", t.Inbox, err)
		}
	}
	return nil
}

// ReleaseDeliveryClaims hands every claimed delivery back to the queue.
// Called at start: claims of a process that died are void.
func (db *DB) ReleaseDeliveryClaims(ctx context.Context) (int64, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE deliveries SET claimed = 0 WHERE claimed = 1")
		if err != nil {
			return fmt.Errorf("release delivery claims: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Job is a claimed delivery with the activity body to send.
type Job struct {
	content.Delivery
	Body []byte
}

// ClaimDeliveries claims up to limit due deliveries, oldest due first,
// skipping the hosts listed in busy (they have enough in flight), and
// returns them with their activity bodies.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, limit int, busy []string) ([]Job, error) {
	if busy == nil {
		busy = []string{} // "null" would make NOT IN match nothing
	}
	busyJSON, err := json.Marshal(busy)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT d.id, d.activity_id, d.inbox, d.host, d.signer, d.attempts, d.created_at, a.body
			FROM deliveries d JOIN activities a ON a.id = d.activity_id
			WHERE d.state = 'pending' AND d.claimed = 0 AND d.next_attempt_at <= ?
			  AND d.host NOT IN (SELECT value FROM json_each(?))
			ORDER BY d.next_attempt_at LIMIT ?`, millis(now), string(busyJSON), limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		for rows.Next() {
			var j Job
			var created int64
			if err := rows.Scan(&j.ID, &j.ActivityID, &j.Inbox, &j.Host, &j.Signer, &j.Attempts, &created, &j.Body); err != nil {
				rows.Close()
				return fmt.Errorf("claim deliveries: %w", err)
			}
			j.CreatedAt, j.State = fromMillis(created), content.DeliveryPending
			jobs = append(jobs, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		if len(jobs) == 0 {
			return nil
		}
		st, err := tx.PrepareContext(ctx, "UPDATE deliveries SET claimed = 1 WHERE id = ?")
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer st.Close()
		for _, j := range jobs {
			if _, err := st.ExecContext(ctx, j.ID); err != nil {
				return fmt.Errorf("claim delivery %d: %w", j.ID, err)
			}
		}
		return nil
	})
	return jobs, err
}

// DeliveryOutcome is what one attempt came to.
type DeliveryOutcome struct {
	State  content.DeliveryState // done, failed (given up) or pending (retry at Next)
	Next   time.Time
	Status int
	Error  string
	// NotAttempted marks a claim handed back without a POST (shutdown),
	// which must not count as an attempt.
	NotAttempted bool
}

const finishDeliverySQL = `UPDATE deliveries SET state = ?, claimed = 0, attempts = attempts + ?,
	next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?`

// FinishDelivery records an attempt and releases the claim.
func (db *DB) FinishDelivery(ctx context.Context, id int64, o DeliveryOutcome) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, finishDeliverySQL,
			string(o.State), attemptInc(o), millis(o.Next), o.Status, o.Error, millis(db.now()), id)
		if err != nil {
			return fmt.Errorf("finish delivery %d: %w", id, err)
		}
		return nil
	})
}

// DeliveryFinish is one attempt's outcome, for FinishDeliveries.
type DeliveryFinish struct {
	ID      int64
	Outcome DeliveryOutcome
}

// FinishDeliveries records several attempts and releases their claims in
// one transaction (the delivery workers' group commit): all or nothing.
func (db *DB) FinishDeliveries(ctx context.Context, fs []DeliveryFinish) error {
	if len(fs) == 0 {
		return nil
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, finishDeliverySQL)
		if err != nil {
			return fmt.Errorf("prepare finish delivery: %w", err)
		}
		defer st.Close()
		now := millis(db.now())
		for _, f := range fs {
			o := f.Outcome
			if _, err := st.ExecContext(ctx, string(o.State), attemptInc(o), millis(o.Next), o.Status, o.Error, now, f.ID); err != nil {
				return fmt.Errorf("finish delivery %d: %w", f.ID, err)
			}
		}
		return nil
	})
}

func attemptInc(o DeliveryOutcome) int {
	if o.NotAttempted {
		return 0
	}
	return 1
}

// NextDeliveryDue is when the earliest unclaimed pending delivery is due,
// or false when there is none.
func (db *DB) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := db.queryRow(ctx, "SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'pending' AND claimed = 0").Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next delivery: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(next.Int64), true, nil
}

// QueueStats summarises the delivery queue.
type QueueStats struct {
	Pending, Done, Failed int
	OldestPending         time.Time // zero when nothing is pending
	ByHost                []HostStats
}

// HostStats is the pending work for one host.
type HostStats struct {
	Host      string
	Pending   int
	Failed    int
	LastError string
}

// DeliveryStats reads the queue's counts, the age of its oldest pending
// row and the hosts with pending or failed deliveries.
func (db *DB) DeliveryStats(ctx context.Context) (QueueStats, error) {
	var s QueueStats
	var oldest sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'failed'), 0),
		MIN(CASE WHEN state = 'pending' THEN created_at END) FROM deliveries`).Scan(&s.Pending, &s.Done, &s.Failed, &oldest)
	if err != nil {
		return s, fmt.Errorf("queue stats: %w", err)
	}
	if oldest.Valid {
		s.OldestPending = fromMillis(oldest.Int64)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT host, SUM(state = 'pending'), SUM(state = 'failed'),
		COALESCE((SELECT last_error FROM deliveries e WHERE e.host = d.host AND e.last_error <> '' ORDER BY e.updated_at DESC LIMIT 1), '')
		FROM deliveries d WHERE state IN ('pending', 'failed') GROUP BY host ORDER BY 2 DESC, host`)
	if err != nil {
		return s, fmt.Errorf("queue stats by host: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HostStats
		if err := rows.Scan(&h.Host, &h.Pending, &h.Failed, &h.LastError); err != nil {
			return s, fmt.Errorf("queue stats by host: %w", err)
		}
		s.ByHost = append(s.ByHost, h)
	}
	return s, rows.Err()
}

// RetryDeliveries makes failed deliveries (of one host, or all when host
// is empty) pending and due now, with a fresh retry window.
func (db *DB) RetryDeliveries(ctx context.Context, host string) (int64, error) {
	// A retry by hand starts afresh: a new three-day window, no attempts
	// counted and no stale error shown.
	now := millis(db.now())
	return db.execCount(ctx, "retry deliveries", `UPDATE deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ?,
		created_at = ?, attempts = 0, last_error = '', last_status = 0
		WHERE state = 'failed' AND (? = '' OR host = ?)`, now, now, now, host, host)
}

// PurgeDeliveries deletes finished deliveries, and with failed also the
// given-up ones (of one host, or all when host is empty).
func (db *DB) PurgeDeliveries(ctx context.Context, host string, failed bool) (int64, error) {
	return db.execCount(ctx, "purge deliveries", `DELETE FROM deliveries
		WHERE (state = 'done' OR (? AND state = 'failed')) AND (? = '' OR host = ?)`, failed, host, host)
}

func (db *DB) execCount(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// ChangeWatch notices, cheaply and most of the time, that something was
// committed to the database by another connection, in this process or
// another (`kring post` queues deliveries from a process of its own). A
// commit in WAL mode appends to the -wal file, so the watch compares that
// file's size and modification time: one stat, about a microsecond, where
// a query through the driver costs a hundred times more. It is a hint to
// look sooner, never the only way work is found: a commit it misses (a
// WAL reset to the same size within the clock's granularity) waits for
// the caller's regular poll.
type ChangeWatch struct {
	wal  string
	size int64
	mod  time.Time
}

// WatchChanges starts a ChangeWatch from the database's present state.
func (db *DB) WatchChanges(ctx context.Context) (*ChangeWatch, error) {
	w := &ChangeWatch{wal: db.path + "-wal"}
	w.Changed(ctx)
	return w, nil
}

// Changed reports whether the WAL looks different from the last call (or
// from WatchChanges). A WAL that cannot be read counts as unchanged.
func (w *ChangeWatch) Changed(context.Context) bool {
	fi, err := os.Stat(w.wal)
	if err != nil {
		return false
	}
	if fi.Size() == w.size && fi.ModTime().Equal(w.mod) {
		return false
	}
	w.size, w.mod = fi.Size(), fi.ModTime()
	return true
}

// Close ends the watch.
func (w *ChangeWatch) Close() error { return nil }
