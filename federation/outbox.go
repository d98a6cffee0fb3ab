package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// newID returns a time-ordered random id for local objects and activities.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x%s", time.Now().UnixMilli(), hex.EncodeToString(b[:]))
}

// signerFor returns the Signer of a local actor: a member, a forum, the
// organisation or the instance actor. The private key is read from
// storage every time, so that a key rotated by another process (kring keys
// rotate while kring serve runs) signs the very next delivery; the parsed
// key is cached with its PEM text, as parsing is the costly part.
func (n *Node) signerFor(ctx context.Context, actor string) (Signer, error) {
	pemText, err := n.privateKeyPEM(ctx, actor)
	if err != nil {
		return Signer{}, err
	}
	if c, ok := n.keyCache.Load(actor); ok && c.(signingKey).pem == pemText {
		return Signer{KeyID: n.iris.KeyID(actor), Key: c.(signingKey).key}, nil
	}
	key, err := content.ParsePrivateKey(pemText)
	if err != nil {
		return Signer{}, fmt.Errorf("key of %s: %w", actor, err)
	}
	n.keyCache.Store(actor, signingKey{pem: pemText, key: key})
	return Signer{KeyID: n.iris.KeyID(actor), Key: key}, nil
}

// signingKey is a parsed private key and the PEM text it was parsed from.
type signingKey struct {
	pem string
	key *rsa.PrivateKey
}

// privateKeyPEM reads a local actor's private key as stored.
func (n *Node) privateKeyPEM(ctx context.Context, actor string) (string, error) {
	if pemText, ok, err := n.speakersPrivateKeyPEM(ctx, actor); ok {
		return pemText, err
	}
	if actor == n.iris.InstanceActor() || actor == n.iris.Organisation() {
		node, err := n.db.Node(ctx)
		if err != nil {
			return "", err
		}
		if actor == n.iris.Organisation() {
			return node.OrgPrivateKeyPEM, nil
		}
		return node.PrivateKeyPEM, nil
	}
	if name, ok := n.iris.LocalGroup(actor); ok {
		f, err := n.db.ForumByName(ctx, name)
		if err != nil {
			return "", err
		}
		return f.PrivateKeyPEM, nil
	}
	name, ok := n.iris.LocalUsername(actor)
	if !ok {
		return "", fmt.Errorf("%s is not a local actor", actor)
	}
	m, err := n.db.MemberByUsername(ctx, name)
	if err != nil {
		return "", err
	}
	return m.PrivateKeyPEM, nil
}

// instanceSigner signs the node's own fetches.
func (n *Node) instanceSigner(ctx context.Context) (Signer, error) {
	return n.signerFor(ctx, n.iris.InstanceActor())
}

// enqueue stores an activity (and its new object, if any) with one
// delivery per target in one transaction, then wakes the workers.
func (n *Node) enqueue(ctx context.Context, actor string, doc map[string]any, obj *content.Object, public bool, targets []storage.Target) (*content.Activity, error) {
	body, err := marshalAS(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", doc["type"], err)
	}
	act := &content.Activity{IRI: doc["id"].(string), Actor: actor, Type: doc["type"].(string), Public: public, Body: body}
	if obj != nil {
		act.ObjectIRI = obj.IRI
	}
	if err := n.db.Publish(ctx, act, obj, actor, targets); err != nil {
		return nil, err
	}
	n.wakeDelivery()
	return act, nil
}

// sendAccept answers a Follow; the Follow is embedded as received, which
// every server matches (some only by id, some only by content).
func (n *Node) sendAccept(ctx context.Context, actor string, follower *content.RemoteActor, follow []byte) error {
	doc := map[string]any{
		"@context": ASContext,
		"id":       n.iris.Activity(newID()),
		"type":     "Accept",
		"actor":    actor,
		"object":   json.RawMessage(follow),
		"to":       []string{follower.IRI},
	}
	// Follow, Accept and Reject go to the personal inbox (GUIDE §4).
	_, err := n.enqueue(ctx, actor, doc, nil, false, []storage.Target{{Inbox: follower.Inbox, Host: hostOf(follower.Inbox)}})
	return err
}

// PublishNote publishes a public Note by a member to their followers.
func (n *Node) PublishNote(ctx context.Context, m *content.Member, text string) (*content.Object, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, content.Errorf(content.KindInvalid, "text", "note.empty", "the note is empty")
	}
	actor := n.iris.Actor(m.Username)
	id := newID()
	now := n.now().Truncate(time.Second)
	note := map[string]any{
		"id":           n.iris.Note(id),
		"type":         "Note",
		"attributedTo": actor,
		"content":      content.SanitizeHTML(textToHTML(text)),
		"published":    now.Format(time.RFC3339),
		"url":          n.iris.Note(id),
		"to":           []string{Public},
		"cc":           []string{n.iris.Followers(actor)},
	}
	raw, err := marshalAS(withContext(note))
	if err != nil {
		return nil, err
	}
	obj := &content.Object{IRI: note["id"].(string), Type: "Note", AttributedTo: actor, Local: true,
		Content: note["content"].(string), URL: note["url"].(string), Public: true, Published: now, Raw: string(raw)}
	create := map[string]any{
		"@context":  ASContext,
		"id":        n.iris.Activity(id),
		"type":      "Create",
		"actor":     actor,
		"published": note["published"],
		"to":        note["to"],
		"cc":        note["cc"],
		"object":    note,
	}
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, err
	}
	if _, err := n.enqueue(ctx, actor, create, obj, true, targets); err != nil {
		return nil, fmt.Errorf("publish note by %s: %w", m.Username, err)
	}
	return obj, nil
}

func withContext(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	out["@context"] = ASContext
	return out
}

// textToHTML turns plain text into escaped paragraphs.
func textToHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// Follow asks a remote actor, named by handle (user@host) or URL, to
// accept a member as follower. The follow is pending until the Accept.
func (n *Node) Follow(ctx context.Context, m *content.Member, target string) (*content.RemoteActor, error) {
	iri, err := n.Resolve(ctx, target)
	if err != nil {
		return nil, err
	}
	remote, err := n.lookupActor(ctx, iri)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", iri, err)
	}
	actor := n.iris.Actor(m.Username)
	if existing, err := n.db.FollowBetween(ctx, actor, remote.IRI); err == nil && existing.State == content.FollowAccepted {
		return remote, content.Errorf(content.KindConflict, "", "follow.exists", "%s already follows %s", m.Username, remote.IRI)
	}
	id := n.iris.Activity(newID())
	if err := n.db.PutFollow(ctx, &content.Follow{IRI: id, Follower: actor, Followee: remote.IRI, State: content.FollowPending}); err != nil {
		return nil, err
	}
	doc := map[string]any{"@context": ASContext, "id": id, "type": "Follow", "actor": actor, "object": remote.IRI, "to": []string{remote.IRI}}
	if _, err := n.enqueue(ctx, actor, doc, nil, false, []storage.Target{{Inbox: remote.Inbox, Host: hostOf(remote.Inbox)}}); err != nil {
		return nil, err
	}
	return remote, nil
}
