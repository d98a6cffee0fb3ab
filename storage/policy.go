package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kring/content"
)

// Federation policy: domain blocks, the allowlist, actor policies and the
// mode (migration 0010 says what each column means). Every change and its
// effect on stored rows commit together, with a line in the moderation
// log. The triggers of migration 0010 apply the policy to received content
// written later.

// The moderation log's names for policy changes.
const (
	ModDomainBlock    content.ModAction = "domain_block"
	ModDomainUnblock  content.ModAction = "domain_unblock"
	ModDomainAllow    content.ModAction = "domain_allow"
	ModDomainDisallow content.ModAction = "domain_disallow"
	ModFederationMode content.ModAction = "federation_mode"
	ModActorSuspend   content.ModAction = "actor_suspend"
	ModActorLimit     content.ModAction = "actor_limit"
	ModActorLift      content.ModAction = "actor_lift"
)

// PolicyEffect counts what a policy change did to stored rows.
type PolicyEffect struct {
	Objects        int64 // received objects dropped (a suspension)
	Events         int64 // received events dropped
	Actors         int64 // remote actors forgotten
	Follows        int64 // follows removed, both directions
	Participations int64 // remote participations in our events removed
	Reactions      int64 // likes and boosts removed
	Notifications  int64 // members' notifications about the actors removed
	Inbox          int64 // received activities left unprocessed, now dropped
	Deliveries     int64 // pending deliveries cancelled (marked failed)
	Limited        int64 // objects and events newly hidden or shown again
	Media          int64 // objects and events whose media was dropped
}

// String is the effect in words for the log and the CLI, naming only what
// changed.
func (e PolicyEffect) String() string {
	var parts []string
	add := func(n int64, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(e.Objects, "object dropped", "objects dropped")
	add(e.Events, "event dropped", "events dropped")
	add(e.Actors, "actor forgotten", "actors forgotten")
	add(e.Follows, "follow removed", "follows removed")
	add(e.Participations, "participation removed", "participations removed")
	add(e.Reactions, "reaction removed", "reactions removed")
	add(e.Notifications, "notification removed", "notifications removed")
	add(e.Inbox, "received activity dropped", "received activities dropped")
	add(e.Deliveries, "pending delivery cancelled", "pending deliveries cancelled")
	add(e.Limited, "object or event hidden or shown again", "objects and events hidden or shown again")
	add(e.Media, "item's media dropped", "items' media dropped")
	if len(parts) == 0 {
		return "nothing stored changed"
	}
	return strings.Join(parts, ", ")
}

func (e *PolicyEffect) add(o PolicyEffect) {
	e.Objects += o.Objects
	e.Events += o.Events
	e.Actors += o.Actors
	e.Follows += o.Follows
	e.Participations += o.Participations
	e.Reactions += o.Reactions
	e.Notifications += o.Notifications
	e.Inbox += o.Inbox
	e.Deliveries += o.Deliveries
	e.Limited += o.Limited
	e.Media += o.Media
}

// FederationPolicy is the whole policy as stored.
type FederationPolicy struct {
	Mode    content.FederationMode
	Version int64 // raised by every change
	Blocks  []content.DomainBlock
	Allows  []content.DomainAllow
	Actors  []content.ActorPolicy
}

// PolicyVersion is the policy's version: a running node compares it with
// the version of the policy it holds, one read instead of a reload.
func (db *DB) PolicyVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.queryRow(ctx, "SELECT version FROM federation_policy WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("read policy version: %w", err)
	}
	return v, nil
}

// FederationPolicy reads the whole policy in one read transaction, so
// that its parts and version agree.
func (db *DB) FederationPolicy(ctx context.Context) (*FederationPolicy, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	defer tx.Rollback()
	p := &FederationPolicy{}
	var mode string
	if err := tx.QueryRowContext(ctx, "SELECT mode, version FROM federation_policy WHERE id = 1").Scan(&mode, &p.Version); err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	p.Mode = content.FederationMode(mode)
	if p.Blocks, err = domainBlocks(ctx, tx); err != nil {
		return nil, err
	}
	if p.Allows, err = domainAllows(ctx, tx); err != nil {
		return nil, err
	}
	if p.Actors, err = actorPolicies(ctx, tx); err != nil {
		return nil, err
	}
	return p, nil
}

const domainBlockColumns = `domain, severity, reject_media, reject_reports, public_comment, private_comment, obfuscate, created_at, updated_at`

func domainBlocks(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]content.DomainBlock, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+domainBlockColumns+" FROM domain_blocks ORDER BY domain")
	if err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	defer rows.Close()
	var out []content.DomainBlock
	for rows.Next() {
		b, err := scanDomainBlock(rows)
		if err != nil {
			return nil, fmt.Errorf("list domain blocks: %w", err)
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

func scanDomainBlock(row rowScanner) (*content.DomainBlock, error) {
	var b content.DomainBlock
	var severity string
	var created, updated int64
	if err := row.Scan(&b.Domain, &severity, &b.RejectMedia, &b.RejectReports, &b.PublicComment, &b.PrivateComment,
		&b.Obfuscate, &created, &updated); err != nil {
		return nil, err
	}
	b.Severity, b.CreatedAt, b.UpdatedAt = content.Severity(severity), fromMillis(created), fromMillis(updated)
	return &b, nil
}

func domainAllows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]content.DomainAllow, error) {
	rows, err := q.QueryContext(ctx, "SELECT domain, comment, created_at FROM domain_allows ORDER BY domain")
	if err != nil {
		return nil, fmt.Errorf("list allowed domains: %w", err)
	}
	defer rows.Close()
	var out []content.DomainAllow
	for rows.Next() {
		var a content.DomainAllow
		var created int64
		if err := rows.Scan(&a.Domain, &a.Comment, &created); err != nil {
			return nil, fmt.Errorf("list allowed domains: %w", err)
		}
		a.CreatedAt = fromMillis(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

func actorPolicies(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]content.ActorPolicy, error) {
	rows, err := q.QueryContext(ctx, "SELECT actor, severity, reason, created_at FROM actor_policies ORDER BY actor")
	if err != nil {
		return nil, fmt.Errorf("list actor policies: %w", err)
	}
	defer rows.Close()
	var out []content.ActorPolicy
	for rows.Next() {
		var a content.ActorPolicy
		var severity string
		var created int64
		if err := rows.Scan(&a.Actor, &severity, &a.Reason, &created); err != nil {
			return nil, fmt.Errorf("list actor policies: %w", err)
		}
		a.Severity, a.CreatedAt = content.Severity(severity), fromMillis(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DomainBlock returns the block stored for exactly this domain.
func (db *DB) DomainBlock(ctx context.Context, domain string) (*content.DomainBlock, error) {
	b, err := scanDomainBlock(db.queryRow(ctx, "SELECT "+domainBlockColumns+" FROM domain_blocks WHERE domain = ?", domain))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "domain", "policy.not_blocked", "%s is not blocked", domain)
	}
	if err != nil {
		return nil, fmt.Errorf("read domain block %s: %w", domain, err)
	}
	return b, nil
}

// BlockDomain stores a block (replacing one on the same domain) and
// applies it to what is stored, in one transaction: a suspension drops
// the domain's content, actors, follows, participations and reactions and
// cancels pending deliveries to it; a limit hides its objects and events
// from public listings; reject_media drops their media. Lifting a limit
// by a milder block shows them again. by is who did it, for the
// moderation log.
func (db *DB) BlockDomain(ctx context.Context, b content.DomainBlock, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		eff, err = blockDomain(ctx, tx, b, by, db.now())
		return err
	})
	return eff, err
}

func blockDomain(ctx context.Context, tx *sql.Tx, b content.DomainBlock, by string, now time.Time) (PolicyEffect, error) {
	var eff PolicyEffect
	if err := checkBlock(b); err != nil {
		return eff, err
	}
	own, err := nodeHost(ctx, tx)
	if err != nil {
		return eff, err
	}
	if slices.Contains(content.DomainCandidates(own), b.Domain) {
		return eff, content.Errorf(content.KindInvalid, "domain", "policy.own_domain", "%s is this node's own domain (%s)", b.Domain, own)
	}
	ms := millis(now)
	_, err = tx.ExecContext(ctx, `INSERT INTO domain_blocks (`+domainBlockColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity, reject_media = excluded.reject_media,
			reject_reports = excluded.reject_reports, public_comment = excluded.public_comment,
			private_comment = excluded.private_comment, obfuscate = excluded.obfuscate, updated_at = excluded.updated_at`,
		b.Domain, string(b.Severity), b.RejectMedia, b.RejectReports, b.PublicComment, b.PrivateComment, b.Obfuscate, ms, ms)
	if err != nil {
		return eff, fmt.Errorf("block domain %s: %w", b.Domain, err)
	}
	s := scope{domain: b.Domain}
	if b.Severity == content.SeveritySuspend {
		if eff, err = purge(ctx, tx, s, "domain "+b.Domain+" suspended", now); err != nil {
			return eff, err
		}
	}
	if eff.Limited, err = remark(ctx, tx, s); err != nil {
		return eff, err
	}
	if b.RejectMedia {
		if eff.Media, err = dropMedia(ctx, tx, s); err != nil {
			return eff, err
		}
	}
	reason := string(b.Severity)
	if b.RejectMedia {
		reason += ", reject media"
	}
	if b.RejectReports {
		reason += ", reject reports"
	}
	if b.PrivateComment != "" {
		reason += ": " + b.PrivateComment
	} else if b.PublicComment != "" {
		reason += ": " + b.PublicComment
	}
	reason += " (" + eff.String() + ")"
	return eff, insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModDomainBlock, Target: b.Domain, Reason: reason}, now)
}

// nodeHost is the node's own host, which no policy may cover.
func nodeHost(ctx context.Context, tx *sql.Tx) (string, error) {
	var host string
	err := tx.QueryRowContext(ctx, "SELECT host FROM node WHERE id = 1").Scan(&host)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil // not initialised: nothing to protect yet
	}
	if err != nil {
		return "", fmt.Errorf("read node host: %w", err)
	}
	return host, nil
}

// hostOfIRI is the host of an actor id, "" when it has none.
func hostOfIRI(iri string) string {
	_, rest, ok := strings.Cut(iri, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}

func checkBlock(b content.DomainBlock) error {
	if d, err := content.ParseDomain(b.Domain); err != nil {
		return err
	} else if d != b.Domain {
		return content.Errorf(content.KindInvalid, "domain", "policy.domain", "domain %q is not in its stored form %q", b.Domain, d)
	}
	switch b.Severity {
	case content.SeveritySuspend, content.SeverityLimit:
	case content.SeverityNoop:
		if !b.RejectMedia && !b.RejectReports {
			return content.Errorf(content.KindInvalid, "reject_media", "policy.noop_alone", "a noop block without reject_media or reject_reports changes nothing")
		}
	default:
		return content.Errorf(content.KindInvalid, "severity", "policy.severity", "unknown severity %q: use suspend, limit or noop", b.Severity)
	}
	if err := content.ValidatePolicyComment("public_comment", b.PublicComment); err != nil {
		return err
	}
	return content.ValidatePolicyComment("private_comment", b.PrivateComment)
}

// UnblockDomain removes the block on exactly this domain. What a
// suspension dropped stays gone; limited content is shown again unless
// another policy still limits it.
func (db *DB) UnblockDomain(ctx context.Context, domain, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM domain_blocks WHERE domain = ?", domain)
		if err != nil {
			return fmt.Errorf("unblock domain %s: %w", domain, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "domain", "policy.not_blocked", "%s is not blocked", domain)
		}
		if eff.Limited, err = remark(ctx, tx, scope{domain: domain}); err != nil {
			return err
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModDomainUnblock, Target: domain,
			Reason: eff.String()}, db.now())
	})
	return eff, err
}

// ImportDomainBlocks stores many blocks (a shared block list) in one
// transaction, each applied as BlockDomain applies one. With keep set, a
// domain that already has a block keeps it and is counted in skipped.
func (db *DB) ImportDomainBlocks(ctx context.Context, blocks []content.DomainBlock, keep bool, by string) (added, skipped int, eff PolicyEffect, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		for _, b := range blocks {
			if keep {
				var one int
				err := tx.QueryRowContext(ctx, "SELECT 1 FROM domain_blocks WHERE domain = ?", b.Domain).Scan(&one)
				if err == nil {
					skipped++
					continue
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("read domain block %s: %w", b.Domain, err)
				}
			}
			e, err := blockDomain(ctx, tx, b, by, now)
			if err != nil {
				return fmt.Errorf("import block of %s: %w", b.Domain, err)
			}
			eff.add(e)
			added++
		}
		return nil
	})
	if err != nil {
		return 0, 0, PolicyEffect{}, err
	}
	return added, skipped, eff, nil
}

// AllowDomain puts a domain on the allowlist (or changes its comment).
func (db *DB) AllowDomain(ctx context.Context, a content.DomainAllow, by string) error {
	if d, err := content.ParseDomain(a.Domain); err != nil {
		return err
	} else if d != a.Domain {
		return content.Errorf(content.KindInvalid, "domain", "policy.domain", "domain %q is not in its stored form %q", a.Domain, d)
	}
	if err := content.ValidatePolicyComment("comment", a.Comment); err != nil {
		return err
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		_, err := tx.ExecContext(ctx, `INSERT INTO domain_allows (domain, comment, created_at) VALUES (?, ?, ?)
			ON CONFLICT (domain) DO UPDATE SET comment = excluded.comment`, a.Domain, a.Comment, millis(now))
		if err != nil {
			return fmt.Errorf("allow domain %s: %w", a.Domain, err)
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModDomainAllow, Target: a.Domain, Reason: a.Comment}, now)
	})
}

// DisallowDomain takes a domain off the allowlist. In allowlist mode the
// pending deliveries to servers no longer listed are cancelled with it.
func (db *DB) DisallowDomain(ctx context.Context, domain, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM domain_allows WHERE domain = ?", domain)
		if err != nil {
			return fmt.Errorf("disallow domain %s: %w", domain, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "domain", "policy.not_allowed", "%s is not on the allowlist", domain)
		}
		if eff.Deliveries, err = cancelUnlisted(ctx, tx, db.now()); err != nil {
			return err
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModDomainDisallow, Target: domain, Reason: eff.String()}, db.now())
	})
	return eff, err
}

// SetFederationMode switches between open federation and the allowlist.
// Switching to the allowlist cancels the pending deliveries to servers not
// on it; what was stored from them stays (suspend a domain to drop it).
func (db *DB) SetFederationMode(ctx context.Context, mode content.FederationMode, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	if _, err := content.ParseFederationMode(string(mode)); err != nil {
		return eff, err
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, "UPDATE federation_policy SET mode = ?, updated_at = ? WHERE id = 1 AND mode <> ?",
			string(mode), millis(now), string(mode))
		if err != nil {
			return fmt.Errorf("set federation mode: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already so: nothing to log
		}
		if eff.Deliveries, err = cancelUnlisted(ctx, tx, now); err != nil {
			return err
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModFederationMode, Target: string(mode), Reason: eff.String()}, now)
	})
	return eff, err
}

// cancelUnlisted marks failed the pending deliveries to hosts off the
// allowlist, when the node is in allowlist mode.
func cancelUnlisted(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', last_error = 'refused by federation policy: not on the allowlist', updated_at = ?
		WHERE state = 'pending' AND claimed = 0 AND EXISTS (SELECT 1 FROM federation_policy WHERE mode = 'allowlist')
		AND NOT EXISTS (SELECT 1 FROM domain_allows d WHERE `+matchSQL("lower(deliveries.host)", "d.domain")+`)`, millis(now))
	if err != nil {
		return 0, fmt.Errorf("cancel deliveries off the allowlist: %w", err)
	}
	return res.RowsAffected()
}

// SetActorPolicy suspends or limits one remote actor, applied as a domain
// block applies (BlockDomain) but to that actor alone.
func (db *DB) SetActorPolicy(ctx context.Context, p content.ActorPolicy, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	if p.Severity != content.SeveritySuspend && p.Severity != content.SeverityLimit {
		return eff, content.Errorf(content.KindInvalid, "severity", "policy.actor_severity", "an actor is suspended or limited, not %q", p.Severity)
	}
	if !strings.HasPrefix(p.Actor, "https://") && !strings.HasPrefix(p.Actor, "http://") {
		return eff, content.Errorf(content.KindInvalid, "actor", "policy.actor", "%q is not an actor id (https://...)", p.Actor)
	}
	if err := content.ValidatePolicyComment("reason", p.Reason); err != nil {
		return eff, err
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		own, err := nodeHost(ctx, tx)
		if err != nil {
			return err
		}
		if host := strings.ToLower(hostOfIRI(p.Actor)); host == strings.ToLower(own) {
			return content.Errorf(content.KindInvalid, "actor", "policy.local_actor", "%s is an actor of this node", p.Actor)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO actor_policies (actor, severity, reason, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (actor) DO UPDATE SET severity = excluded.severity, reason = excluded.reason`,
			p.Actor, string(p.Severity), p.Reason, millis(now))
		if err != nil {
			return fmt.Errorf("set policy of %s: %w", p.Actor, err)
		}
		s := scope{actor: p.Actor}
		action := ModActorLimit
		if p.Severity == content.SeveritySuspend {
			action = ModActorSuspend
			if eff, err = purge(ctx, tx, s, "actor suspended", now); err != nil {
				return err
			}
		}
		if eff.Limited, err = remark(ctx, tx, s); err != nil {
			return err
		}
		reason := eff.String()
		if p.Reason != "" {
			reason = p.Reason + " (" + reason + ")"
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: action, Target: p.Actor, Reason: reason}, now)
	})
	return eff, err
}

// LiftActorPolicy ends an actor's suspension or limit.
func (db *DB) LiftActorPolicy(ctx context.Context, actor, by string) (PolicyEffect, error) {
	var eff PolicyEffect
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM actor_policies WHERE actor = ?", actor)
		if err != nil {
			return fmt.Errorf("lift policy of %s: %w", actor, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return content.Errorf(content.KindNotFound, "actor", "policy.actor_not_found", "%s is neither suspended nor limited", actor)
		}
		if eff.Limited, err = remark(ctx, tx, scope{actor: actor}); err != nil {
			return err
		}
		return insertModEntry(ctx, tx, content.ModEntry{Moderator: by, Action: ModActorLift, Target: actor, Reason: eff.String()}, db.now())
	})
	return eff, err
}
