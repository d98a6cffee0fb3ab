package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

const nodeColumns = `host, name, description, default_language, public_key_pem, private_key_pem, scheme`

// nodeSelect reads the settings with the organisation actor's.
const nodeSelect = "SELECT " + nodeColumns + `, org_username, org_name, org_public_key_pem, org_private_key_pem,
	speakers_public_key_pem, speakers_private_key_pem, data_licence FROM node WHERE id = 1`

// InitNode stores the node's settings the first time. Called again with the
// same host it changes nothing and reports created=false; with another host
// it is refused, because every actor id on the fediverse contains the host.
func (db *DB) InitNode(ctx context.Context, n content.Node) (created bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		existing, err := scanNode(tx.QueryRowContext(ctx, nodeSelect))
		if err == nil {
			if existing.Host != n.Host {
				return content.Errorf(content.KindConflict, "host", "host.change",
					"this node was initialised for host %q; the host cannot change to %q because every actor id and follower on the fediverse depends on it",
					existing.Host, n.Host)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := millis(db.now())
		scheme := n.Scheme
		if scheme == "" {
			scheme = "https"
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO node (id, `+nodeColumns+`, created_at, updated_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.Host, n.Name, n.Description, string(n.DefaultLanguage), n.PublicKeyPEM, n.PrivateKeyPEM, scheme, now, now)
		if err != nil {
			return fmt.Errorf("insert node %s: %w", n.Host, err)
		}
		created = true
		return nil
	})
	return created, err
}

// Node returns the node's settings, or ErrNotInitialised.
func (db *DB) Node(ctx context.Context) (*content.Node, error) {
	n, err := scanNode(db.queryRow(ctx, nodeSelect))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotInitialised
	}
	if err != nil {
		return nil, fmt.Errorf("read node: %w", err)
	}
	return n, nil
}

// UpdateNode changes the node's name, description and default language.
func (db *DB) UpdateNode(ctx context.Context, name, description string, lang content.Language) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE node SET name = ?, description = ?, default_language = ?, updated_at = ? WHERE id = 1`,
			name, description, string(lang), millis(db.now()))
		if err != nil {
			return fmt.Errorf("update node: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotInitialised
		}
		return nil
	})
}

// SetNodeScheme records whether actor ids start with http (a development
// node on loopback) or https.
func (db *DB) SetNodeScheme(ctx context.Context, scheme string) error {
	if scheme != "http" && scheme != "https" {
		return content.Errorf(content.KindInvalid, "scheme", "scheme.invalid", "scheme %q is neither http nor https", scheme)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE node SET scheme = ? WHERE id = 1 AND scheme <> ?", scheme, scheme)
		if err != nil {
			return fmt.Errorf("set node scheme: %w", err)
		}
		_, err = res.RowsAffected()
		return err
	})
}

func scanNode(row *sql.Row) (*content.Node, error) {
	var n content.Node
	var lang, licence string
	if err := row.Scan(&n.Host, &n.Name, &n.Description, &lang, &n.PublicKeyPEM, &n.PrivateKeyPEM, &n.Scheme,
		&n.OrgUsername, &n.OrgName, &n.OrgPublicKeyPEM, &n.OrgPrivateKeyPEM,
		&n.SpeakersPublicKeyPEM, &n.SpeakersPrivateKeyPEM, &licence); err != nil {
		return nil, err
	}
	n.DefaultLanguage, n.DataLicence = content.Language(lang), content.DataLicence(licence)
	return &n, nil
}

// SetOrganisation gives the node its organisation actor: a handle in the
// namespace members and forums share, a name and a key pair. Once set, the
// handle does not change (followers on other servers know it); the name
// may.
func (db *DB) SetOrganisation(ctx context.Context, username, name, publicPEM, privatePEM string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		var current string
		if err := tx.QueryRowContext(ctx, "SELECT org_username FROM node WHERE id = 1").Scan(&current); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotInitialised
			}
			return fmt.Errorf("read organisation: %w", err)
		}
		if current != "" {
			if current != username {
				return content.Errorf(content.KindConflict, "org_handle", "org_handle.change",
					"the organisation is already @%s; its handle cannot change because followers on other servers know it", current)
			}
			_, err := tx.ExecContext(ctx, "UPDATE node SET org_name = ? WHERE id = 1", name)
			return err
		}
		taken, err := handleTaken(ctx, tx, username)
		if err != nil {
			return err
		}
		if taken {
			return content.Errorf(content.KindConflict, "org_handle", "org_handle.taken", "the name %q is already taken by a member or a forum", username)
		}
		_, err = tx.ExecContext(ctx, `UPDATE node SET org_username = ?, org_name = ?, org_public_key_pem = ?, org_private_key_pem = ?,
			updated_at = ? WHERE id = 1`, username, name, publicPEM, privatePEM, millis(db.now()))
		if err != nil {
			return fmt.Errorf("set organisation: %w", err)
		}
		return nil
	})
}

// SetSpeakersKeys gives the node's Speakers group actor its key pair, once:
// a second call keeps the first pair (followers know its key) and reports
// false.
func (db *DB) SetSpeakersKeys(ctx context.Context, publicPEM, privatePEM string) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE node SET speakers_public_key_pem = ?, speakers_private_key_pem = ?, updated_at = ?
		WHERE id = 1 AND speakers_public_key_pem = ''`, publicPEM, privatePEM, millis(db.now()))
	if err != nil {
		return false, fmt.Errorf("set speakers group keys: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetDataLicence sets the licence of the node's open data.
func (db *DB) SetDataLicence(ctx context.Context, l content.DataLicence) error {
	if _, err := content.ParseDataLicence(string(l)); err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, "UPDATE node SET data_licence = ?, updated_at = ? WHERE id = 1", string(l), millis(db.now()))
	if err != nil {
		return fmt.Errorf("set data licence: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotInitialised
	}
	return err
}
