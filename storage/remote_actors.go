package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kring/content"
)

const remoteActorColumns = `iri, type, username, host, name, inbox, shared_inbox, followers, url, key_id, public_key_pem, raw, fetched_at`

// PutRemoteActor stores or refreshes a remote actor.
func (db *DB) PutRemoteActor(ctx context.Context, a *content.RemoteActor) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO remote_actors (`+remoteActorColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (iri) DO UPDATE SET type = excluded.type, username = excluded.username, host = excluded.host,
				name = excluded.name, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
				followers = excluded.followers, url = excluded.url, key_id = excluded.key_id,
				public_key_pem = excluded.public_key_pem, raw = excluded.raw, fetched_at = excluded.fetched_at`,
			a.IRI, a.Type, a.Username, a.Host, a.Name, a.Inbox, a.SharedInbox, a.Followers, a.URL, a.KeyID,
			a.PublicKeyPEM, a.Raw, millis(a.FetchedAt))
		if err != nil {
			return fmt.Errorf("store remote actor %s: %w", a.IRI, err)
		}
		return nil
	})
}

// RemoteActor returns a stored remote actor by id.
func (db *DB) RemoteActor(ctx context.Context, iri string) (*content.RemoteActor, error) {
	return db.remoteActorWhere(ctx, "iri = ?", iri)
}

// RemoteActorByKeyID returns the stored actor that owns a key.
func (db *DB) RemoteActorByKeyID(ctx context.Context, keyID string) (*content.RemoteActor, error) {
	return db.remoteActorWhere(ctx, "key_id = ?", keyID)
}

// RemoteActorByInbox returns the stored actor whose personal inbox this is.
func (db *DB) RemoteActorByInbox(ctx context.Context, inbox string) (*content.RemoteActor, error) {
	return db.remoteActorWhere(ctx, "inbox = ?", inbox)
}

func (db *DB) remoteActorWhere(ctx context.Context, where string, arg any) (*content.RemoteActor, error) {
	var a content.RemoteActor
	var fetched int64
	err := db.queryRow(ctx, "SELECT "+remoteActorColumns+" FROM remote_actors WHERE "+where, arg).Scan(
		&a.IRI, &a.Type, &a.Username, &a.Host, &a.Name, &a.Inbox, &a.SharedInbox, &a.Followers, &a.URL,
		&a.KeyID, &a.PublicKeyPEM, &a.Raw, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("remote actor %v", arg))
	}
	if err != nil {
		return nil, fmt.Errorf("read remote actor %v: %w", arg, err)
	}
	a.FetchedAt = fromMillis(fetched)
	return &a, nil
}

// RemoveRemoteActor forgets an actor that is gone (410 or Delete of
// itself): its follows in both directions go with it, in one transaction.
func (db *DB) RemoveRemoteActor(ctx context.Context, iri string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM follows WHERE follower = ? OR followee = ?", iri, iri); err != nil {
			return fmt.Errorf("remove follows of %s: %w", iri, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM remote_actors WHERE iri = ?", iri); err != nil {
			return fmt.Errorf("remove remote actor %s: %w", iri, err)
		}
		return nil
	})
}
