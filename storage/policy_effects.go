package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"kring/content"
)

// What a policy change does to stored rows, and the policy's hold on new
// deliveries: the SQL side of migration 0010's rules.

// scope is what a policy change acts on: a domain with its subdomains, or
// one actor.
type scope struct {
	domain string
	actor  string
}

// iri is the condition that the actor id in column col is in scope.
func (s scope) iri(col string) (string, []any) {
	if s.actor != "" {
		return col + " = ?", []any{s.actor}
	}
	return matchSQL(hostSQL(col), "?"), matchArgs(s.domain)
}

// origin is the condition for a row of objects or events, whose author's
// host is the generated column origin and whose author is col.
func (s scope) origin(col string) (string, []any) {
	if s.actor != "" {
		return col + " = ?", []any{s.actor}
	}
	return matchSQL("origin", "?"), matchArgs(s.domain)
}

// hostSQL is the host (with port, lower case) of the IRI in column col, as
// the origin columns of migration 0010 compute it. col is a fixed name
// from this file, never input.
func hostSQL(col string) string {
	rest := "substr(" + col + ", instr(" + col + ", '://') + 3)"
	return "lower(substr(" + rest + ", 1, instr(" + rest + " || '/', '/') - 1))"
}

// matchSQL is migration 0010's domain rule: host h is the domain d, a
// subdomain of it, or either on any port. d is "?" (then matchArgs gives
// its four arguments) or a column.
func matchSQL(h, d string) string {
	return "(" + h + " = " + d + " OR " + h + " GLOB '*.' || " + d + " OR " + h + " GLOB " + d + " || ':*' OR " +
		h + " GLOB '*.' || " + d + " || ':*')"
}

func matchArgs(domain string) []any { return []any{domain, domain, domain, domain} }

// purge drops what is stored of a suspended domain or actor, in the
// caller's transaction.
func purge(ctx context.Context, tx *sql.Tx, s scope, why string, now time.Time) (PolicyEffect, error) {
	var eff PolicyEffect
	ms := millis(now)
	exec := func(n *int64, what, query string, args ...any) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		c, err := res.RowsAffected()
		*n += c
		return err
	}
	// Activities received but not yet processed would bring it back.
	cond, args := s.iri("actor")
	if err := exec(&eff.Inbox, "drop received activities", `UPDATE inbox SET processed_at = ?, outcome = ?
		WHERE processed_at IS NULL AND `+cond, append([]any{ms, "dropped: " + why}, args...)...); err != nil {
		return eff, err
	}
	// Objects: first as a deletion (tags, mentions, thread counts and
	// forum threads follow), then the rows themselves unless replies hang
	// from them; those stay as empty tombstones holding the thread.
	cond, args = s.origin("attributed_to")
	rows, err := tx.QueryContext(ctx, "SELECT iri, attributed_to FROM objects WHERE local = 0 AND deleted = 0 AND "+cond, args...)
	if err != nil {
		return eff, fmt.Errorf("find objects to drop: %w", err)
	}
	type authored struct{ iri, author string }
	var objs []authored
	for rows.Next() {
		var o authored
		if err := rows.Scan(&o.iri, &o.author); err != nil {
			rows.Close()
			return eff, fmt.Errorf("find objects to drop: %w", err)
		}
		objs = append(objs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return eff, fmt.Errorf("find objects to drop: %w", err)
	}
	for _, o := range objs {
		if _, err := deleteObject(ctx, tx, o.iri, o.author, now); err != nil {
			return eff, err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM reactions WHERE object_iri = ?", o.iri); err != nil {
			return eff, fmt.Errorf("drop reactions to %s: %w", o.iri, err)
		}
	}
	eff.Objects = int64(len(objs))
	var gone int64
	if err := exec(&gone, "drop objects", `DELETE FROM objects WHERE local = 0 AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM objects c WHERE c.in_reply_to = objects.iri)`, args...); err != nil {
		return eff, err
	}
	// Their likes and boosts of anything here, uncounted one by one.
	cond, args = s.iri("actor")
	rows, err = tx.QueryContext(ctx, "DELETE FROM reactions WHERE "+cond+" RETURNING kind, object_iri", args...)
	if err != nil {
		return eff, fmt.Errorf("drop reactions: %w", err)
	}
	type reacted struct{ kind, object string }
	var rs []reacted
	for rows.Next() {
		var r reacted
		if err := rows.Scan(&r.kind, &r.object); err != nil {
			rows.Close()
			return eff, fmt.Errorf("drop reactions: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return eff, fmt.Errorf("drop reactions: %w", err)
	}
	for _, r := range rs {
		col, ok := countColumn[content.ReactionKind(r.kind)]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE objects SET "+col+" = MAX("+col+" - 1, 0) WHERE iri = ?", r.object); err != nil {
			return eff, fmt.Errorf("uncount reaction to %s: %w", r.object, err)
		}
	}
	eff.Reactions = int64(len(rs))
	// Their events (tags and our members' participations go by cascade).
	cond, args = s.origin("organizer")
	if err := exec(&eff.Events, "drop events", "DELETE FROM events WHERE local = 0 AND "+cond, args...); err != nil {
		return eff, err
	}
	// Their participations in our events, and our events' counts.
	cond, args = s.iri("p.actor")
	rows, err = tx.QueryContext(ctx, "SELECT DISTINCT p.event_id FROM event_participants p WHERE p.member_id IS NULL AND "+cond, args...)
	if err != nil {
		return eff, fmt.Errorf("find participations to drop: %w", err)
	}
	var events []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return eff, fmt.Errorf("find participations to drop: %w", err)
		}
		events = append(events, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return eff, fmt.Errorf("find participations to drop: %w", err)
	}
	cond, args = s.iri("actor")
	if err := exec(&eff.Participations, "drop participations", "DELETE FROM event_participants WHERE member_id IS NULL AND "+cond, args...); err != nil {
		return eff, err
	}
	for _, id := range events {
		if _, err := tx.ExecContext(ctx, `UPDATE events SET
			participant_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'accepted'),
			waiting_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'waiting'),
			pending_count = (SELECT COUNT(*) FROM event_participants WHERE event_id = ?1 AND state = 'pending')
			WHERE id = ?1 AND local = 1`, id); err != nil {
			return eff, fmt.Errorf("recount participants of event %d: %w", id, err)
		}
	}
	// Follows both ways, the actors, what members were told about them.
	fc, fargs := s.iri("follower")
	ec, eargs := s.iri("followee")
	if err := exec(&eff.Follows, "drop follows", "DELETE FROM follows WHERE "+fc+" OR "+ec, append(fargs, eargs...)...); err != nil {
		return eff, err
	}
	// Deliveries to the actor's personal inbox, before its row goes.
	if s.actor != "" {
		if err := exec(&eff.Deliveries, "cancel deliveries", `UPDATE deliveries SET state = 'failed', last_error = ?, updated_at = ?
			WHERE state = 'pending' AND claimed = 0 AND inbox IN (SELECT inbox FROM remote_actors WHERE iri = ?)`,
			"refused by federation policy: "+why, ms, s.actor); err != nil {
			return eff, err
		}
		if err := exec(&eff.Actors, "forget actor", "DELETE FROM remote_actors WHERE iri = ?", s.actor); err != nil {
			return eff, err
		}
	} else {
		if err := exec(&eff.Deliveries, "cancel deliveries", `UPDATE deliveries SET state = 'failed', last_error = ?, updated_at = ?
			WHERE state = 'pending' AND claimed = 0 AND `+matchSQL("lower(host)", "?"),
			append([]any{"refused by federation policy: " + why, ms}, matchArgs(s.domain)...)...); err != nil {
			return eff, err
		}
		if err := exec(&eff.Actors, "forget actors", "DELETE FROM remote_actors WHERE "+matchSQL("lower(host)", "?"), matchArgs(s.domain)...); err != nil {
			return eff, err
		}
	}
	cond, args = s.iri("actor")
	if err := exec(&eff.Notifications, "drop notifications", "DELETE FROM notifications WHERE "+cond, args...); err != nil {
		return eff, err
	}
	return eff, nil
}

// limitedObjectSQL and limitedEventSQL decide, as the triggers of
// migration 0010 do, whether a received row is limited.
const (
	limitedObjectSQL = `(EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = objects.attributed_to AND a.severity = 'limit')
		OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'limit' AND ` + `(objects.origin = d.domain
			OR objects.origin GLOB '*.' || d.domain OR objects.origin GLOB d.domain || ':*' OR objects.origin GLOB '*.' || d.domain || ':*')))`
	limitedEventSQL = `(EXISTS (SELECT 1 FROM actor_policies a WHERE a.actor = events.organizer AND a.severity = 'limit')
		OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'limit' AND ` + `(events.origin = d.domain
			OR events.origin GLOB '*.' || d.domain OR events.origin GLOB d.domain || ':*' OR events.origin GLOB '*.' || d.domain || ':*')))`
)

// remark recomputes the limited mark of the received objects and events
// in scope, after their policy changed, and counts the rows it changed.
func remark(ctx context.Context, tx *sql.Tx, s scope) (int64, error) {
	var total int64
	for _, q := range []struct{ table, author, expr string }{
		{"objects", "attributed_to", limitedObjectSQL},
		{"events", "organizer", limitedEventSQL},
	} {
		cond, args := s.origin(q.author)
		res, err := tx.ExecContext(ctx, "UPDATE "+q.table+" SET limited = "+q.expr+" WHERE local = 0 AND "+cond+" AND limited <> "+q.expr, args...)
		if err != nil {
			return 0, fmt.Errorf("mark limited %s: %w", q.table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// dropMedia clears the attachments and event covers received from a
// domain that rejects media.
func dropMedia(ctx context.Context, tx *sql.Tx, s scope) (int64, error) {
	cond, args := s.origin("attributed_to")
	res, err := tx.ExecContext(ctx, "UPDATE objects SET attachments = '' WHERE local = 0 AND attachments <> '' AND "+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("drop media: %w", err)
	}
	n, _ := res.RowsAffected()
	cond, args = s.origin("organizer")
	res, err = tx.ExecContext(ctx, "UPDATE events SET cover_url = '', cover_alt = '' WHERE local = 0 AND cover_url <> '' AND "+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("drop event covers: %w", err)
	}
	m, _ := res.RowsAffected()
	return n + m, nil
}

// deliverable drops the targets a delivery must not go to: hosts of a
// suspended domain and, in allowlist mode, hosts not on the allowlist. It
// runs in the publishing transaction, so that a policy committed before
// never sees a delivery queued after it. Two indexed reads, whatever the
// number of targets.
func deliverable(ctx context.Context, tx *sql.Tx, targets []Target) ([]Target, error) {
	if len(targets) == 0 {
		return targets, nil
	}
	candidates := map[string][]string{}
	var all []string
	for _, t := range targets {
		if _, ok := candidates[t.Host]; ok {
			continue
		}
		c := content.DomainCandidates(t.Host)
		candidates[t.Host] = c
		all = append(all, c...)
	}
	list, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	found := func(query string) (map[string]bool, error) {
		rows, err := tx.QueryContext(ctx, query, string(list))
		if err != nil {
			return nil, fmt.Errorf("check delivery policy: %w", err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				return nil, fmt.Errorf("check delivery policy: %w", err)
			}
			out[d] = true
		}
		return out, rows.Err()
	}
	suspended, err := found("SELECT domain FROM domain_blocks WHERE severity = 'suspend' AND domain IN (SELECT value FROM json_each(?))")
	if err != nil {
		return nil, err
	}
	var allowed map[string]bool // nil: open federation
	var mode string
	if err := tx.QueryRowContext(ctx, "SELECT mode FROM federation_policy WHERE id = 1").Scan(&mode); err != nil {
		return nil, fmt.Errorf("check delivery policy: %w", err)
	}
	if content.FederationMode(mode) == content.FederateAllowlist {
		if allowed, err = found("SELECT domain FROM domain_allows WHERE domain IN (SELECT value FROM json_each(?))"); err != nil {
			return nil, err
		}
	}
	if len(suspended) == 0 && allowed == nil {
		return targets, nil
	}
	ok := func(host string) bool {
		listed := allowed == nil
		for _, c := range candidates[host] {
			if suspended[c] {
				return false
			}
			listed = listed || allowed[c]
		}
		return listed
	}
	out := targets[:0:0]
	for _, t := range targets {
		if ok(t.Host) {
			out = append(out, t)
		}
	}
	return out, nil
}
