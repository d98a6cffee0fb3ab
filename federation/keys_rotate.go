package federation

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"

	"kring/content"
	"kring/storage"
)

// Rotating a key. An actor document carries one publicKey, so there is no
// overlap of two published keys; what keeps federation working is this:
//
//   - This node signs every delivery when it is sent (signerFor reads the
//     key from storage each time), so nothing queued before the rotation
//     goes out under the retired key, also when `kring keys rotate` runs
//     beside a running `kring serve`.
//   - A peer holding the old key fails to verify our next request, fetches
//     the actor again and verifies with the new key (Mastodon, GoToSocial
//     and Kring all refetch once on failure). The Update of the actor sent
//     to the followers' servers is that first request: signed with the new
//     key, it makes them refetch, and its body then refreshes the actor
//     they store. A peer that missed it refetches on our next request.
//   - The grace period covers only requests already on the wire when the
//     key changed: a peer that fetched the new key in between answers 401,
//     and the delivery queue retries them (401 is retried), now signed
//     with the new key.
//   - A peer refetches one key at most once a minute (Kring's KeyFetcher),
//     so rotating the same key twice within a minute gets 401s for up to a
//     minute; the queue's retries cover that too.
//
// The retired public key is recorded (key_rotations); the retired private
// key is not kept: a key is rotated because it may have leaked, so it must
// never sign again.

// RotatedKey says what a key rotation did.
type RotatedKey struct {
	Actor          string // the actor id
	Kind           storage.KeyOwnerKind
	OldFingerprint string
	NewFingerprint string
	Notified       int // inboxes the Update was queued for
}

// RotateKey gives a local actor a new RSA-2048 key pair and queues an
// Update of the actor, carrying the new key, to its followers' inboxes,
// in one transaction. name is a member's username, a forum's name, the
// organisation's handle, "speakers" for the Speakers group, or "instance" (or the host) for the instance
// actor, whose Update goes to nobody: it follows and is followed by no one.
func (n *Node) RotateKey(ctx context.Context, name string) (*RotatedKey, error) {
	owner, oldPEM, err := n.keyOwner(ctx, name)
	if err != nil {
		return nil, err
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return nil, fmt.Errorf("new key of %s: %w", owner.IRI, err)
	}
	doc, err := n.documentWithKey(ctx, owner, keys.PublicPEM)
	if err != nil {
		return nil, err
	}
	var pub *storage.Publication
	if doc != nil {
		if pub, err = n.actorUpdate(ctx, owner.IRI, doc); err != nil {
			return nil, err
		}
	}
	if err := n.db.RotateKey(ctx, owner, keys, pub); err != nil {
		return nil, err
	}
	n.wakeDelivery()
	out := &RotatedKey{Actor: owner.IRI, Kind: owner.Kind, OldFingerprint: KeyFingerprint(oldPEM), NewFingerprint: KeyFingerprint(keys.PublicPEM)}
	if pub != nil {
		out.Notified = len(pub.Targets)
	}
	return out, nil
}

// keyOwner finds the local actor a name means, and its current public key.
func (n *Node) keyOwner(ctx context.Context, name string) (storage.KeyOwner, string, error) {
	name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "@")))
	if name == "" {
		return storage.KeyOwner{}, "", content.Errorf(content.KindInvalid, "actor", "key.owner_empty", "name the actor whose key to rotate")
	}
	if name == "instance" || name == strings.ToLower(n.iris.InstanceUsername()) {
		node, err := n.db.Node(ctx)
		if err != nil {
			return storage.KeyOwner{}, "", err
		}
		return storage.KeyOwner{Kind: storage.KeyOfInstance, IRI: n.iris.InstanceActor()}, node.PublicKeyPEM, nil
	}
	if m, err := n.db.MemberByUsername(ctx, name); err == nil {
		if acct, err := n.db.Account(ctx, m.ID); err == nil && acct.Deleted() {
			return storage.KeyOwner{}, "", content.Errorf(content.KindConflict, "actor", "member.deleted", "the account %q was deleted", name)
		}
		return storage.KeyOwner{Kind: storage.KeyOfMember, Name: m.Username, IRI: n.iris.Actor(m.Username)}, m.PublicKeyPEM, nil
	} else if content.KindOf(err) != content.KindNotFound {
		return storage.KeyOwner{}, "", err
	}
	if f, err := n.db.ForumByName(ctx, name); err == nil {
		return storage.KeyOwner{Kind: storage.KeyOfForum, Name: f.Name, IRI: n.iris.Group(f.Name)}, f.PublicKeyPEM, nil
	} else if content.KindOf(err) != content.KindNotFound {
		return storage.KeyOwner{}, "", err
	}
	if node, err := n.organisation(ctx); err == nil && strings.EqualFold(node.OrgUsername, name) {
		return storage.KeyOwner{Kind: storage.KeyOfOrganisation, Name: node.OrgUsername, IRI: n.iris.Organisation()}, node.OrgPublicKeyPEM, nil
	}
	if name == SpeakersUsername {
		node, err := n.speakersNode(ctx)
		if err != nil {
			return storage.KeyOwner{}, "", err
		}
		return storage.KeyOwner{Kind: storage.KeyOfSpeakers, Name: SpeakersUsername, IRI: n.iris.SpeakersGroup()}, node.SpeakersPublicKeyPEM, nil
	}
	return storage.KeyOwner{}, "", content.Errorf(content.KindNotFound, "actor", "key.owner_not_found",
		"no member, forum or organisation is called %q here (the instance actor is \"instance\", the Speakers group \"speakers\")", name)
}

// documentWithKey is the actor's document as it will be served once the
// new key is stored; nil for the instance actor, which sends no Update.
func (n *Node) documentWithKey(ctx context.Context, owner storage.KeyOwner, publicPEM string) (map[string]any, error) {
	switch owner.Kind {
	case storage.KeyOfMember:
		m, err := n.db.MemberByUsername(ctx, owner.Name)
		if err != nil {
			return nil, err
		}
		cp := *m
		cp.PublicKeyPEM = publicPEM
		return n.memberDocument(ctx, &cp)
	case storage.KeyOfForum:
		f, err := n.db.ForumByName(ctx, owner.Name)
		if err != nil {
			return nil, err
		}
		cp := *f
		cp.PublicKeyPEM = publicPEM
		return n.groupDocument(&cp)
	case storage.KeyOfOrganisation:
		node, err := n.organisation(ctx)
		if err != nil {
			return nil, err
		}
		cp := *node
		cp.OrgPublicKeyPEM = publicPEM
		return n.orgDocument(&cp)
	case storage.KeyOfSpeakers:
		node, err := n.speakersNode(ctx)
		if err != nil {
			return nil, err
		}
		cp := *node
		cp.SpeakersPublicKeyPEM = publicPEM
		return n.speakersDocument(&cp)
	}
	return nil, nil
}

// actorUpdate is the Update of a local actor's own document, addressed to
// the public and its followers and queued for its followers' inboxes. The
// document is embedded whole, as Mastodon sends it, under the actors'
// @context so that publicKey, movedTo and alsoKnownAs keep their meaning.
func (n *Node) actorUpdate(ctx context.Context, actor string, doc map[string]any) (*storage.Publication, error) {
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, err
	}
	obj := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "@context" {
			obj[k] = v
		}
	}
	update := map[string]any{
		"@context": actorContext, "id": n.iris.Activity(newID()), "type": "Update", "actor": actor,
		"to": []string{Public}, "cc": []string{n.iris.Followers(actor)}, "object": obj,
	}
	return n.publication(actor, update, "", true, targets)
}

// publication encodes an activity for storage.Publication.
func (n *Node) publication(actor string, doc map[string]any, objectIRI string, public bool, targets []storage.Target) (*storage.Publication, error) {
	body, err := marshalAS(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", doc["type"], err)
	}
	act := &content.Activity{IRI: doc["id"].(string), Actor: actor, Type: doc["type"].(string), ObjectIRI: objectIRI, Public: public, Body: body}
	return &storage.Publication{Activity: act, Signer: actor, Targets: targets}, nil
}

// KeyFingerprint is the SHA-256 of a public key's DER bytes, in hex, as
// `kring keys` shows it; "" for a key that does not parse.
func KeyFingerprint(publicPEM string) string {
	block, _ := pem.Decode([]byte(publicPEM))
	if block == nil {
		return ""
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PublicKey(block.Bytes); err != nil {
			return ""
		}
	}
	sum := sha256.Sum256(block.Bytes)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

// LocalKey is a local actor's key as `kring keys list` shows it.
type LocalKey struct {
	Name, Actor string
	Kind        storage.KeyOwnerKind
	Fingerprint string
	Rotations   []storage.KeyRotation // newest first
}

// LocalKeys lists the keys of every local actor: members (not deleted
// ones), forums, the organisation, the Speakers group (once it has a
// key) and the instance actor.
func (n *Node) LocalKeys(ctx context.Context) ([]LocalKey, error) {
	var out []LocalKey
	add := func(name, actor string, kind storage.KeyOwnerKind, pemText string) error {
		rot, err := n.db.KeyRotations(ctx, actor)
		if err != nil {
			return err
		}
		out = append(out, LocalKey{Name: name, Actor: actor, Kind: kind, Fingerprint: KeyFingerprint(pemText), Rotations: rot})
		return nil
	}
	node, err := n.db.Node(ctx)
	if err != nil {
		return nil, err
	}
	if err := add("instance", n.iris.InstanceActor(), storage.KeyOfInstance, node.PublicKeyPEM); err != nil {
		return nil, err
	}
	if node.OrgUsername != "" {
		if err := add(node.OrgUsername, n.iris.Organisation(), storage.KeyOfOrganisation, node.OrgPublicKeyPEM); err != nil {
			return nil, err
		}
	}
	if node.SpeakersPublicKeyPEM != "" {
		if err := add(SpeakersUsername, n.iris.SpeakersGroup(), storage.KeyOfSpeakers, node.SpeakersPublicKeyPEM); err != nil {
			return nil, err
		}
	}
	members, err := n.db.ListMembers(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if acct, err := n.db.Account(ctx, m.ID); err == nil && acct.Deleted() {
			continue
		}
		if err := add(m.Username, n.iris.Actor(m.Username), storage.KeyOfMember, m.PublicKeyPEM); err != nil {
			return nil, err
		}
	}
	forums, err := n.db.ListForums(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range forums {
		if err := add(f.Name, n.iris.Group(f.Name), storage.KeyOfForum, f.PublicKeyPEM); err != nil {
			return nil, err
		}
	}
	return out, nil
}
