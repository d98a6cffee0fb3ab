package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"kring/content"
)

// Publication is an activity to store with one delivery per target, in
// the transaction of the change it announces, so that a change and its
// announcement commit together or not at all.
type Publication struct {
	Activity *content.Activity
	Signer   string
	Targets  []Target
}

func (p *Publication) insert(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if p == nil || p.Activity == nil {
		return nil
	}
	return insertActivity(ctx, tx, p.Activity, p.Signer, p.Targets, now)
}

// Account is what the account lifecycle adds to a member: where it moved,
// which other actors it says are also its own, and when it was deleted.
type Account struct {
	MovedTo     string    // the actor id the member moved to; empty while here
	AlsoKnownAs []string  // actor ids the member says are also theirs
	DeletedAt   time.Time // zero while the account exists
}

// Deleted reports whether the member deleted the account.
func (a *Account) Deleted() bool { return !a.DeletedAt.IsZero() }

// Account returns a member's account state.
func (db *DB) Account(ctx context.Context, memberID int64) (*Account, error) {
	var a Account
	var aka string
	var deleted int64
	err := db.queryRow(ctx, "SELECT moved_to, also_known_as, deleted_at FROM members WHERE id = ?", memberID).Scan(&a.MovedTo, &aka, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("member %d", memberID))
	}
	if err != nil {
		return nil, fmt.Errorf("read account of member %d: %w", memberID, err)
	}
	if err := json.Unmarshal([]byte(aka), &a.AlsoKnownAs); err != nil {
		return nil, fmt.Errorf("alsoKnownAs of member %d: %w", memberID, err)
	}
	if deleted != 0 {
		a.DeletedAt = fromMillis(deleted)
	}
	return &a, nil
}

// liveMember checks, inside tx, that a member exists and has not deleted
// the account.
func liveMember(ctx context.Context, tx *sql.Tx, memberID int64) error {
	var deleted int64
	err := tx.QueryRowContext(ctx, "SELECT deleted_at FROM members WHERE id = ?", memberID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Errorf(content.KindNotFound, "", "member.not_found", "member %d not found", memberID)
	}
	if err != nil {
		return fmt.Errorf("read member %d: %w", memberID, err)
	}
	if deleted != 0 {
		return content.Errorf(content.KindConflict, "", "member.deleted", "the account was deleted")
	}
	return nil
}

// SetAlsoKnownAs replaces the actor ids a member says are also theirs
// (duplicates dropped, order kept), with the Update that tells followers.
func (db *DB) SetAlsoKnownAs(ctx context.Context, memberID int64, aliases []string, pub *Publication) error {
	var clean []string
	for _, a := range aliases {
		if a != "" && !slices.Contains(clean, a) {
			clean = append(clean, a)
		}
	}
	if clean == nil {
		clean = []string{}
	}
	raw, err := json.Marshal(clean)
	if err != nil {
		return fmt.Errorf("encode alsoKnownAs: %w", err)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := liveMember(ctx, tx, memberID); err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, "UPDATE members SET also_known_as = ?, updated_at = ? WHERE id = ?", string(raw), millis(now), memberID); err != nil {
			return fmt.Errorf("set alsoKnownAs of member %d: %w", memberID, err)
		}
		return pub.insert(ctx, tx, now)
	})
}

// SetMovedTo records that a member moved to the actor target, with what
// tells the followers (the changed actor and the Move).
func (db *DB) SetMovedTo(ctx context.Context, memberID int64, target string, pubs ...*Publication) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := liveMember(ctx, tx, memberID); err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, "UPDATE members SET moved_to = ?, updated_at = ? WHERE id = ?", target, millis(now), memberID); err != nil {
			return fmt.Errorf("set movedTo of member %d: %w", memberID, err)
		}
		for _, p := range pubs {
			if err := p.insert(ctx, tx, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// MemberDeletion counts what deleting a member took away. MediaFiles are
// the names of the member's uploads, whose rows are gone: the caller
// removes the files.
type MemberDeletion struct {
	Objects, Posts, Events, Follows, Media int
	MediaFiles                             []string
}

// DeleteMember deletes a member's account in one transaction: the row
// stays as a tombstone (suspended, its profile, password and e-mail
// replaced, deleted_at set) so that the username is never reused and the
// actor id answers 410; sessions, notifications, follows in both
// directions and uploads go; posts, local objects (which become
// tombstones) and events organised by the member are marked deleted; and
// pub (the Delete of the actor) is queued. The key pair stays: the Delete
// is signed with it when it is delivered. actor is the member's actor id.
func (db *DB) DeleteMember(ctx context.Context, memberID int64, actor string, pub *Publication) (*MemberDeletion, error) {
	// The password becomes a random secret nobody holds: a login then fails
	// as a wrong password does, and the old hash is gone.
	locked, err := content.HashPassword(content.GeneratePassword() + content.GeneratePassword())
	if err != nil {
		return nil, fmt.Errorf("delete member %d: %w", memberID, err)
	}
	var out MemberDeletion
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := liveMember(ctx, tx, memberID); err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE members SET deleted_at = ?, suspended = 1, display_name = '', email = '', bio = '',
			password_hash = ?, also_known_as = '[]', updated_at = ? WHERE id = ?`, millis(now), locked, millis(now), memberID); err != nil {
			return fmt.Errorf("delete member %d: %w", memberID, err)
		}
		for _, q := range []string{"DELETE FROM sessions WHERE member_id = ?", "DELETE FROM notifications WHERE member_id = ?",
			// The profile goes too: organisation, links and pitch are personal data.
			"DELETE FROM member_profiles WHERE member_id = ?", "DELETE FROM member_topics WHERE member_id = ?"} {
			if _, err := tx.ExecContext(ctx, q, memberID); err != nil {
				return fmt.Errorf("delete member %d: %w", memberID, err)
			}
		}
		iris, err := column[string](ctx, tx, "SELECT iri FROM objects WHERE attributed_to = ? AND local = 1 AND deleted = 0 ORDER BY id", actor)
		if err != nil {
			return fmt.Errorf("objects of %s: %w", actor, err)
		}
		for _, iri := range iris {
			deleted, err := deleteObject(ctx, tx, iri, actor, now)
			if err != nil {
				return err
			}
			if deleted {
				out.Objects++
			}
		}
		if out.Posts, err = execCount(ctx, tx, `UPDATE posts SET state = 'deleted', summary = '', body = '', content = '', lead = '', updated_at = ?
			WHERE author_id = ? AND state <> 'deleted'`, millis(now), memberID); err != nil {
			return fmt.Errorf("delete posts of member %d: %w", memberID, err)
		}
		if out.Events, err = execCount(ctx, tx, "UPDATE events SET deleted = 1, updated = ? WHERE local = 1 AND organizer = ? AND deleted = 0",
			millis(now), actor); err != nil {
			return fmt.Errorf("delete events of %s: %w", actor, err)
		}
		if out.Follows, err = execCount(ctx, tx, "DELETE FROM follows WHERE follower = ? OR followee = ?", actor, actor); err != nil {
			return fmt.Errorf("delete follows of %s: %w", actor, err)
		}
		if out.MediaFiles, err = column[string](ctx, tx, "SELECT name FROM media WHERE owner_id = ? ORDER BY id", memberID); err != nil {
			return fmt.Errorf("uploads of member %d: %w", memberID, err)
		}
		if out.Media, err = execCount(ctx, tx, "DELETE FROM media WHERE owner_id = ?", memberID); err != nil {
			return fmt.Errorf("delete uploads of member %d: %w", memberID, err)
		}
		return pub.insert(ctx, tx, now)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// stringColumn reads one text column of every row of query, closing the
// rows before returning so that the transaction can write again.
// column reads a one-column query into a slice.
func column[T any](ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func execCount(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// KeyOwnerKind says which kind of local actor owns a key pair.
type KeyOwnerKind string

// The local actors with a key pair.
const (
	KeyOfMember       KeyOwnerKind = "member"
	KeyOfForum        KeyOwnerKind = "forum"
	KeyOfOrganisation KeyOwnerKind = "organisation"
	KeyOfSpeakers     KeyOwnerKind = "speakers"
	KeyOfInstance     KeyOwnerKind = "instance"
)

// KeyOwner names a local actor whose key is rotated: its kind, its name
// (username or forum name; ignored for the organisation and the instance
// actor) and its actor id, under which the rotation is recorded.
type KeyOwner struct {
	Kind KeyOwnerKind
	Name string
	IRI  string
}

// keyQueries are the fixed statements that read an owner's public key
// and write its new pair, with their arguments.
func keyQueries(owner KeyOwner, keys content.KeyPair, now int64) (read string, readArgs []any, write string, writeArgs []any, err error) {
	switch owner.Kind {
	case KeyOfMember:
		return "SELECT public_key_pem FROM members WHERE username = ? AND deleted_at = 0", []any{owner.Name},
			"UPDATE members SET public_key_pem = ?, private_key_pem = ?, updated_at = ? WHERE username = ?",
			[]any{keys.PublicPEM, keys.PrivatePEM, now, owner.Name}, nil
	case KeyOfForum:
		return "SELECT public_key_pem FROM forums WHERE name = ?", []any{owner.Name},
			"UPDATE forums SET public_key_pem = ?, private_key_pem = ?, updated_at = ? WHERE name = ?",
			[]any{keys.PublicPEM, keys.PrivatePEM, now, owner.Name}, nil
	case KeyOfOrganisation:
		return "SELECT org_public_key_pem FROM node WHERE id = 1 AND org_username <> ''", nil,
			"UPDATE node SET org_public_key_pem = ?, org_private_key_pem = ?, updated_at = ? WHERE id = 1",
			[]any{keys.PublicPEM, keys.PrivatePEM, now}, nil
	case KeyOfSpeakers:
		return "SELECT speakers_public_key_pem FROM node WHERE id = 1 AND speakers_public_key_pem <> ''", nil,
			"UPDATE node SET speakers_public_key_pem = ?, speakers_private_key_pem = ?, updated_at = ? WHERE id = 1",
			[]any{keys.PublicPEM, keys.PrivatePEM, now}, nil
	case KeyOfInstance:
		return "SELECT public_key_pem FROM node WHERE id = 1", nil,
			"UPDATE node SET public_key_pem = ?, private_key_pem = ?, updated_at = ? WHERE id = 1",
			[]any{keys.PublicPEM, keys.PrivatePEM, now}, nil
	}
	return "", nil, "", nil, content.Errorf(content.KindInvalid, "actor", "key.owner", "no key pair kind %q", owner.Kind)
}

// RotateKey replaces an actor's key pair, records the retired public key
// and queues pub (the Update of the actor carrying the new key) in one
// transaction. The retired private key is not kept.
func (db *DB) RotateKey(ctx context.Context, owner KeyOwner, keys content.KeyPair, pub *Publication) error {
	if keys.PublicPEM == "" || keys.PrivatePEM == "" {
		return content.Errorf(content.KindInvalid, "actor", "key.empty", "the new key pair of %s is empty", owner.IRI)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		read, readArgs, write, writeArgs, err := keyQueries(owner, keys, millis(now))
		if err != nil {
			return err
		}
		var old string
		err = tx.QueryRowContext(ctx, read, readArgs...).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return content.Errorf(content.KindNotFound, "actor", "key.owner_not_found", "no %s %q on this node", owner.Kind, owner.Name)
		}
		if err != nil {
			return fmt.Errorf("read key of %s: %w", owner.IRI, err)
		}
		if _, err := tx.ExecContext(ctx, write, writeArgs...); err != nil {
			return fmt.Errorf("store key of %s: %w", owner.IRI, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO key_rotations (actor, old_public_key_pem, rotated_at) VALUES (?, ?, ?)",
			owner.IRI, old, millis(now)); err != nil {
			return fmt.Errorf("record key rotation of %s: %w", owner.IRI, err)
		}
		return pub.insert(ctx, tx, now)
	})
}

// KeyRotation is one retired key of a local actor.
type KeyRotation struct {
	Actor        string
	OldPublicPEM string
	RotatedAt    time.Time
}

// KeyRotations lists the retired keys of an actor, newest first.
func (db *DB) KeyRotations(ctx context.Context, actor string) ([]KeyRotation, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT actor, old_public_key_pem, rotated_at FROM key_rotations WHERE actor = ? ORDER BY id DESC", actor)
	if err != nil {
		return nil, fmt.Errorf("list key rotations of %s: %w", actor, err)
	}
	defer rows.Close()
	var out []KeyRotation
	for rows.Next() {
		var k KeyRotation
		var at int64
		if err := rows.Scan(&k.Actor, &k.OldPublicPEM, &at); err != nil {
			return nil, fmt.Errorf("list key rotations of %s: %w", actor, err)
		}
		k.RotatedAt = fromMillis(at)
		out = append(out, k)
	}
	return out, rows.Err()
}

// FollowsOf lists every follow of an actor, pending or accepted, oldest
// first: when a remote actor moves, the local ones among the followers
// move with it.
func (db *DB) FollowsOf(ctx context.Context, followee string) ([]content.Follow, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+followColumns+" FROM follows WHERE followee = ? ORDER BY id", followee)
	if err != nil {
		return nil, fmt.Errorf("list follows of %s: %w", followee, err)
	}
	defer rows.Close()
	var out []content.Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, fmt.Errorf("list follows of %s: %w", followee, err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// MoveFollow moves a follow to another followee in one transaction: the
// old follow goes with undo queued; the new one is recorded (pending) with
// follow queued, unless the follower already follows the new actor. It
// reports whether a new follow was recorded.
func (db *DB) MoveFollow(ctx context.Context, old, repl *content.Follow, undo, follow *Publication) (bool, error) {
	var added bool
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		if _, err := tx.ExecContext(ctx, "DELETE FROM follows WHERE follow_iri = ?", old.IRI); err != nil {
			return fmt.Errorf("delete follow %s: %w", old.IRI, err)
		}
		if err := undo.insert(ctx, tx, now); err != nil {
			return err
		}
		n, err := execCount(ctx, tx, `INSERT INTO follows (follow_iri, follower, followee, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (follower, followee) DO NOTHING`,
			repl.IRI, repl.Follower, repl.Followee, string(repl.State), millis(now), millis(now))
		if isUniqueViolation(err) {
			return content.Errorf(content.KindConflict, "", "follow.duplicate", "follow %s already names another pair of actors", repl.IRI)
		}
		if err != nil {
			return fmt.Errorf("store follow %s: %w", repl.IRI, err)
		}
		if added = n > 0; !added {
			return nil
		}
		return follow.insert(ctx, tx, now)
	})
	return added, err
}

// FollowedAccount is an actor a member follows, with what its address
// (user@host) is made of: preferredUsername and host as stored.
type FollowedAccount struct {
	IRI      string
	Username string // empty when the actor is not stored
	Host     string
	State    content.FollowState
}

// FollowedAccounts lists the actors an actor follows (requests included),
// oldest first.
func (db *DB) FollowedAccounts(ctx context.Context, follower string) ([]FollowedAccount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT f.followee, COALESCE(a.username, ''), COALESCE(a.host, ''), f.state
		FROM follows f LEFT JOIN remote_actors a ON a.iri = f.followee WHERE f.follower = ? ORDER BY f.id`, follower)
	if err != nil {
		return nil, fmt.Errorf("list follows by %s: %w", follower, err)
	}
	defer rows.Close()
	var out []FollowedAccount
	for rows.Next() {
		var a FollowedAccount
		var state string
		if err := rows.Scan(&a.IRI, &a.Username, &a.Host, &state); err != nil {
			return nil, fmt.Errorf("list follows by %s: %w", follower, err)
		}
		a.State = content.FollowState(state)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AuthoredObjects lists the local objects an actor wrote that are not
// deleted (notes, posts, threads, replies, events), oldest first.
func (db *DB) AuthoredObjects(ctx context.Context, actor string) ([]content.Object, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+objectColumns+" FROM objects WHERE attributed_to = ? AND local = 1 AND deleted = 0 ORDER BY published, id", actor)
	if err != nil {
		return nil, fmt.Errorf("list objects by %s: %w", actor, err)
	}
	defer rows.Close()
	var out []content.Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, fmt.Errorf("list objects by %s: %w", actor, err)
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// Invite is an invitation to register. Only the SHA-256 of its code is
// stored; the code is in the link given out once.
type Invite struct {
	ID        int64
	Prefix    string // the code's first characters, to tell invites apart
	CreatedBy string
	MaxUses   int       // 0: unlimited
	Uses      int       // registrations made with it
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
	CreatedAt time.Time
}

// The states of an invite, as State reports them.
const (
	InviteActive  = "active"
	InviteExpired = "expired"
	InviteUsedUp  = "used up"
	InviteRevoked = "revoked"
)

// State says whether the invite can still be used at now, or why not.
func (i *Invite) State(now time.Time) string {
	switch {
	case !i.RevokedAt.IsZero():
		return InviteRevoked
	case !i.ExpiresAt.IsZero() && !now.Before(i.ExpiresAt):
		return InviteExpired
	case i.MaxUses > 0 && i.Uses >= i.MaxUses:
		return InviteUsedUp
	}
	return InviteActive
}

// invitePrefixLen is how much of a code lists show.
const invitePrefixLen = 8

func inviteHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

const inviteColumns = `id, prefix, created_by, max_uses, uses, expires_at, revoked_at, created_at`

func scanInvite(row rowScanner) (*Invite, error) {
	var i Invite
	var expires, revoked, created int64
	if err := row.Scan(&i.ID, &i.Prefix, &i.CreatedBy, &i.MaxUses, &i.Uses, &expires, &revoked, &created); err != nil {
		return nil, err
	}
	if expires != 0 {
		i.ExpiresAt = fromMillis(expires)
	}
	if revoked != 0 {
		i.RevokedAt = fromMillis(revoked)
	}
	i.CreatedAt = fromMillis(created)
	return &i, nil
}

// CreateInvite stores an invite for code (a content.NewToken) and sets its
// ID, prefix and creation time.
func (db *DB) CreateInvite(ctx context.Context, code string, inv *Invite) error {
	if len(code) < 32 {
		return content.Errorf(content.KindInvalid, "code", "invite.code_short", "an invite code needs at least 32 characters")
	}
	if inv.MaxUses < 0 {
		return content.Errorf(content.KindInvalid, "uses", "invite.uses", "an invite's uses cannot be negative")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now().UTC().Truncate(time.Millisecond)
		var expires int64
		if !inv.ExpiresAt.IsZero() {
			expires = millis(inv.ExpiresAt)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO invites (code_hash, prefix, created_by, max_uses, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, inviteHash(code), code[:invitePrefixLen], inv.CreatedBy, inv.MaxUses, expires, millis(now))
		if isUniqueViolation(err) {
			return content.Errorf(content.KindConflict, "code", "invite.duplicate", "this invite code exists already")
		}
		if err != nil {
			return fmt.Errorf("insert invite: %w", err)
		}
		if inv.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert invite: %w", err)
		}
		inv.Prefix, inv.CreatedAt = code[:invitePrefixLen], now
		return nil
	})
}

// Invites lists every invite, newest first.
func (db *DB) Invites(ctx context.Context) ([]Invite, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+inviteColumns+" FROM invites ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	defer rows.Close()
	var out []Invite
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		out = append(out, *i)
	}
	return out, rows.Err()
}

// InviteByCode finds the invite a code belongs to, whatever its state.
func (db *DB) InviteByCode(ctx context.Context, code string) (*Invite, error) {
	i, err := scanInvite(db.queryRow(ctx, "SELECT "+inviteColumns+" FROM invites WHERE code_hash = ?", inviteHash(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, content.Errorf(content.KindNotFound, "invite", "invite.not_found", "no such invite")
	}
	if err != nil {
		return nil, fmt.Errorf("read invite: %w", err)
	}
	return i, nil
}

// RevokeInvite makes an invite unusable; revoking it again changes nothing.
func (db *DB) RevokeInvite(ctx context.Context, id int64) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		var revoked int64
		err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM invites WHERE id = ?", id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return content.Errorf(content.KindNotFound, "invite", "invite.not_found", "no invite %d", id)
		}
		if err != nil {
			return fmt.Errorf("read invite %d: %w", id, err)
		}
		if revoked != 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET revoked_at = ? WHERE id = ?", millis(db.now()), id); err != nil {
			return fmt.Errorf("revoke invite %d: %w", id, err)
		}
		return nil
	})
}

// RegisterWithInvite creates the member m with the invite of code, in one
// transaction that counts the use: two registrations racing for an
// invite's last use cannot both succeed. An invite that is unknown,
// revoked, expired or used up is refused (forbidden, code
// "invite.unusable"); a taken username is a conflict and uses nothing.
func (db *DB) RegisterWithInvite(ctx context.Context, code string, m *content.Member) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		inv, err := scanInvite(tx.QueryRowContext(ctx, "SELECT "+inviteColumns+" FROM invites WHERE code_hash = ?", inviteHash(code)))
		if errors.Is(err, sql.ErrNoRows) {
			return content.Errorf(content.KindForbidden, "invite", "invite.unusable", "the invite is not valid")
		}
		if err != nil {
			return fmt.Errorf("read invite: %w", err)
		}
		if st := inv.State(db.now()); st != InviteActive {
			return content.Errorf(content.KindForbidden, "invite", "invite.unusable", "the invite is %s", st)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET uses = uses + 1 WHERE id = ?", inv.ID); err != nil {
			return fmt.Errorf("use invite %d: %w", inv.ID, err)
		}
		return db.createMember(ctx, tx, m)
	})
}
