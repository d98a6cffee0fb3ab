package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

const reportColumns = `id, origin, COALESCE(reporter_id, 0), reporter, target, objects, snapshot, comment, COALESCE(flag_iri, ''),
	state, resolution, moderator, reason, forwarded, created_at, resolved_at`

func scanReport(row rowScanner) (*content.Report, error) {
	var r content.Report
	var origin, state, resolution, objects, snapshot string
	var created, resolved int64
	err := row.Scan(&r.ID, &origin, &r.ReporterID, &r.Reporter, &r.Target, &objects, &snapshot, &r.Comment, &r.FlagIRI,
		&state, &resolution, &r.Moderator, &r.Reason, &r.Forwarded, &created, &resolved)
	if err != nil {
		return nil, err
	}
	r.Origin, r.State, r.Resolution = content.ReportOrigin(origin), content.ReportState(state), content.ReportAction(resolution)
	if err := json.Unmarshal([]byte(objects), &r.Objects); err != nil {
		return nil, fmt.Errorf("objects of report %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(snapshot), &r.Snapshot); err != nil {
		return nil, fmt.Errorf("snapshot of report %d: %w", r.ID, err)
	}
	r.CreatedAt = fromMillis(created)
	if resolved != 0 {
		r.ResolvedAt = fromMillis(resolved)
	}
	return &r, nil
}

// CreateReport files a report, with a snapshot of the objects it names as
// the node holds them at this moment, in one transaction. A Flag filed
// before (the same flag id) and a member's open report of the same actor
// and objects are not filed again: created is false and r takes the
// stored report's id.
func (db *DB) CreateReport(ctx context.Context, r *content.Report) (created bool, err error) {
	if r.Objects == nil {
		r.Objects = []string{}
	}
	objects, err := json.Marshal(r.Objects)
	if err != nil {
		return false, err
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		if id, err := sameReport(ctx, tx, r, string(objects)); err != nil || id != 0 {
			r.ID = id
			return err
		}
		if r.Snapshot, err = snapshotObjects(ctx, tx, r.Objects); err != nil {
			return err
		}
		snapshot, err := json.Marshal(r.Snapshot)
		if err != nil {
			return err
		}
		var reporterID, flag any
		if r.ReporterID != 0 {
			reporterID = r.ReporterID
		}
		if r.FlagIRI != "" {
			flag = r.FlagIRI
		}
		if r.State == "" {
			r.State = content.ReportOpen
		}
		r.CreatedAt = db.now().UTC().Truncate(time.Millisecond)
		res, err := tx.ExecContext(ctx, `INSERT INTO reports (origin, reporter_id, reporter, target, objects, snapshot, comment, flag_iri,
			state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(r.Origin), reporterID, r.Reporter, r.Target,
			string(objects), string(snapshot), r.Comment, flag, string(r.State), millis(r.CreatedAt))
		if err != nil {
			return fmt.Errorf("file report about %s: %w", r.Target, err)
		}
		created = true
		r.ID, err = res.LastInsertId()
		return err
	})
	return created, err
}

// sameReport finds the report r repeats: the same Flag, or the same
// member's open report of the same actor and objects.
func sameReport(ctx context.Context, tx *sql.Tx, r *content.Report, objects string) (int64, error) {
	var id int64
	var err error
	switch {
	case r.FlagIRI != "":
		err = tx.QueryRowContext(ctx, "SELECT id FROM reports WHERE flag_iri = ?", r.FlagIRI).Scan(&id)
	case r.ReporterID != 0:
		err = tx.QueryRowContext(ctx, `SELECT id FROM reports WHERE reporter_id = ? AND target = ? AND objects = ? AND state = 'open'
			ORDER BY id LIMIT 1`, r.ReporterID, r.Target, objects).Scan(&id)
	default:
		return 0, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look for an earlier report: %w", err)
	}
	return id, nil
}

// snapshotObjects copies the reported objects as held now; an object the
// node does not hold is kept as its id alone.
func snapshotObjects(ctx context.Context, tx *sql.Tx, iris []string) ([]content.ReportedObject, error) {
	out := make([]content.ReportedObject, 0, len(iris))
	for _, iri := range iris {
		o, err := scanObject(tx.QueryRowContext(ctx, "SELECT "+objectColumns+" FROM objects WHERE iri = ?", iri))
		if errors.Is(err, sql.ErrNoRows) {
			out = append(out, content.ReportedObject{IRI: iri})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read reported object %s: %w", iri, err)
		}
		out = append(out, content.ReportedObject{IRI: iri, Held: true, Type: o.Type, AttributedTo: o.AttributedTo,
			Name: o.Name, Summary: o.Summary, Content: o.Content, URL: o.URL, InReplyTo: o.InReplyTo,
			Published: o.Published, Deleted: o.Deleted})
	}
	return out, nil
}

// ReportByID returns a report.
func (db *DB) ReportByID(ctx context.Context, id int64) (*content.Report, error) {
	r, err := scanReport(db.queryRow(ctx, "SELECT "+reportColumns+" FROM reports WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "", "report.not_found", "no report %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read report %d: %w", id, err)
	}
	return r, nil
}

// ReportFilter selects reports for the queue.
type ReportFilter struct {
	All      bool   // resolved and dismissed ones too; else only open ones
	Target   string // only reports about this actor
	BeforeID int64  // paging: reports older than this one
	Limit    int
}

// MaxReportPage caps how many reports one listing returns.
const MaxReportPage = 200

// Reports lists reports, newest first.
func (db *DB) Reports(ctx context.Context, f ReportFilter) ([]content.Report, error) {
	q := "SELECT " + reportColumns + " FROM reports WHERE 1 = 1"
	var args []any
	if !f.All {
		q += " AND state = 'open'"
	}
	if f.Target != "" {
		q, args = q+" AND target = ?", append(args, f.Target)
	}
	if f.BeforeID > 0 {
		q, args = q+" AND id < ?", append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > MaxReportPage {
		f.Limit = 50
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	var out []content.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("list reports: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// CountReports counts the open reports, and all reports ever filed about
// target ("" counts none), for the queue's context.
func (db *DB) CountReports(ctx context.Context, target string) (open, about int, err error) {
	err = db.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM reports WHERE state = 'open'), (SELECT COUNT(*) FROM reports WHERE target = ?)",
		target).Scan(&open, &about)
	if err != nil {
		return 0, 0, fmt.Errorf("count reports: %w", err)
	}
	return open, about, nil
}

// Removal is a reported object that resolving a report deletes: its
// tombstone, and the Delete that tells other servers (none for a copy of
// another server's object, which is only removed here).
type Removal struct {
	IRI      string
	Author   string
	Activity *content.Activity
	Signer   string
	Targets  []Target
}

// ReportClosing is how a moderator closes a report: its new state and
// action, and what it changes with it, all written in one transaction.
type ReportClosing struct {
	State     content.ReportState // resolved or dismissed
	Action    content.ReportAction
	Moderator string
	Reason    string
	Removals  []Removal
	Log       []content.ModEntry
}

// CloseReport resolves or dismisses an open report, with the removals and
// log lines of what was done. A report already closed is a conflict.
func (db *DB) CloseReport(ctx context.Context, id int64, c ReportClosing) error {
	if c.State != content.ReportResolved && c.State != content.ReportDismissed {
		return fmt.Errorf("close report %d: state %q", id, c.State)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE reports SET state = ?, resolution = ?, moderator = ?, reason = ?, resolved_at = ?
			WHERE id = ? AND state = 'open'`, string(c.State), string(c.Action), c.Moderator, c.Reason, millis(now), id)
		if err != nil {
			return fmt.Errorf("close report %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return reportNotOpen(ctx, tx, id)
		}
		for _, rm := range c.Removals {
			deleted, err := deleteObject(ctx, tx, rm.IRI, rm.Author, now)
			if err != nil {
				return err
			}
			if deleted && rm.Activity != nil {
				if err := insertActivity(ctx, tx, rm.Activity, rm.Signer, rm.Targets, now); err != nil {
					return err
				}
			}
		}
		for _, e := range c.Log {
			if err := insertModEntry(ctx, tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// reportNotOpen explains why a report could not change: there is none, or
// it was closed before.
func reportNotOpen(ctx context.Context, tx *sql.Tx, id int64) error {
	var state string
	err := tx.QueryRowContext(ctx, "SELECT state FROM reports WHERE id = ?", id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Errorf(content.KindNotFound, "", "report.not_found", "no report %d", id)
	}
	if err != nil {
		return fmt.Errorf("read report %d: %w", id, err)
	}
	return content.Errorf(content.KindConflict, "", "report.closed", "report %d is already %s", id, state)
}

// ForwardReport records the Flag that passes a report on to the reported
// actor's server, with its delivery and its log line, in one transaction.
// A report is forwarded once: a second time is a conflict.
func (db *DB) ForwardReport(ctx context.Context, id int64, flag *content.Activity, signer string, targets []Target, log content.ModEntry) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE reports SET forwarded = ? WHERE id = ? AND forwarded = ''", flag.IRI, id)
		if err != nil {
			return fmt.Errorf("forward report %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM reports WHERE id = ?", id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return content.Errorf(content.KindNotFound, "", "report.not_found", "no report %d", id)
			}
			return content.Errorf(content.KindConflict, "", "report.forwarded", "report %d was forwarded before", id)
		}
		now := db.now()
		if err := insertActivity(ctx, tx, flag, signer, targets, now); err != nil {
			return err
		}
		return insertModEntry(ctx, tx, log, now)
	})
}

// KnowsActor reports whether the node has dealt with a remote actor: it
// stored the actor, or holds something the actor wrote. A report may name
// only such an actor.
func (db *DB) KnowsActor(ctx context.Context, iri string) (bool, error) {
	var known bool
	err := db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM remote_actors WHERE iri = ?)
		OR EXISTS (SELECT 1 FROM objects WHERE attributed_to = ?)`, iri, iri).Scan(&known)
	if err != nil {
		return false, fmt.Errorf("look up actor %s: %w", iri, err)
	}
	return known, nil
}
