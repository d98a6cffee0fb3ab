package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// MaxReplyBytes bounds a reply written on the web.
const MaxReplyBytes = 20 << 10

// Reply publishes a member's reply (Markdown) to an object held here: a
// post or a comment under it. It goes to the parent's author, to everyone
// who took part in the conversation and to the member's followers.
func (n *Node) Reply(ctx context.Context, m *content.Member, parentIRI, text string) (*content.Object, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, content.Errorf(content.KindInvalid, "text", "reply.empty", "the reply is empty")
	case len(text) > MaxReplyBytes:
		return nil, content.Errorf(content.KindInvalid, "text", "reply.long", "the reply is larger than %d KiB", MaxReplyBytes>>10)
	}
	if err := content.ValidatePostCaps(text, nil, 0); err != nil {
		return nil, err
	}
	parent, err := n.db.ObjectByIRI(ctx, parentIRI)
	if err != nil || parent.Deleted {
		return nil, content.Errorf(content.KindNotFound, "", "reply.no_parent", "there is nothing to reply to at %s", parentIRI)
	}
	if t, err := n.db.ThreadOf(ctx, parentIRI); err == nil {
		return n.replyInForum(ctx, m, t, parent, text)
	}
	actor := n.iris.Actor(m.Username)
	rendered := content.RenderMarkdown(text, content.MarkdownOptions{TagURL: n.iris.Tag, LocalHost: n.iris.Host()})
	id := newID()
	now := n.now().Truncate(time.Second)
	// A reply to what is not public is not public either (Mastodon's
	// default too): it goes to the member's followers and the parent's
	// author, not to the world nor to the rest of the conversation.
	// A reply to a direct message is direct too (reply_direct.go).
	public := parent.Public
	direct := n.isDirect(ctx, parent)
	to, cc := []string{Public}, []string{n.iris.Followers(actor)}
	if !public {
		to, cc = []string{n.iris.Followers(actor)}, nil
	}
	if direct {
		to = directAddressees(parent, actor)
	}
	var named []mention
	if parent.AttributedTo != actor {
		if !direct {
			cc = append(cc, parent.AttributedTo)
		}
		if parent.AuthorHandle != "" {
			named = append(named, mention{Handle: parent.AuthorHandle, IRI: parent.AttributedTo})
		}
	}
	tags := tagDocs(n, rendered.Tags, named)
	note := map[string]any{
		"id": n.iris.Note(id), "type": "Note", "attributedTo": actor, "inReplyTo": parentIRI,
		"content": rendered.HTML, "published": now.Format(time.RFC3339), "url": n.iris.Note(id), "to": to, "cc": cc,
	}
	if len(tags) > 0 {
		note["tag"] = tags
	}
	raw, err := marshalAS(withContext(note))
	if err != nil {
		return nil, err
	}
	obj := &content.Object{IRI: n.iris.Note(id), Type: "Note", AttributedTo: actor, Local: true, Content: rendered.HTML,
		InReplyTo: parentIRI, URL: n.iris.Note(id), Public: public, Published: now, Raw: string(raw), Tags: rendered.Tags,
		AuthorName: m.Name(), AuthorHandle: m.Username + "@" + n.iris.Host(), AuthorURL: n.iris.Profile(m.Username)}
	var targets []storage.Target
	if direct {
		targets = n.directTargets(ctx, to)
	} else if targets, err = n.replyTargets(ctx, actor, parent, public); err != nil {
		return nil, err
	}
	// A reply in a community elsewhere goes to its Group too, which passes
	// it on to the community (FEP-1b12).
	if group := audienceOf(parent); group != "" && !n.iris.IsLocal(group) {
		if g, err := n.remoteActor(ctx, group, false); err == nil {
			to = append(to, group)
			note["to"], note["audience"] = to, group
			targets = appendTarget(targets, g.DeliveryInbox())
			raw, err = marshalAS(withContext(note))
			if err != nil {
				return nil, err
			}
			obj.Raw = string(raw)
		}
	}
	create := map[string]any{"@context": ASContext, "id": n.iris.Activity(id), "type": "Create", "actor": actor,
		"published": note["published"], "to": to, "cc": cc, "object": note}
	if a, ok := note["audience"]; ok {
		create["audience"] = a
	}
	if _, err := n.enqueue(ctx, actor, create, obj, true, targets); err != nil {
		return nil, fmt.Errorf("reply by %s: %w", m.Username, err)
	}
	n.notify(ctx, parent.AttributedTo, content.NotifyReply, actor, obj.IRI)
	return obj, nil
}

// replyTargets are where a reply goes: the whole conversation when it is
// public, else the member's followers and the parent's author alone.
func (n *Node) replyTargets(ctx context.Context, actor string, parent *content.Object, public bool) ([]storage.Target, error) {
	if public {
		return n.conversationTargets(ctx, actor, parent)
	}
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !n.iris.IsLocal(parent.AttributedTo) {
		if a, err := n.remoteActor(ctx, parent.AttributedTo, false); err == nil {
			targets = appendTarget(targets, a.DeliveryInbox())
		}
	}
	return targets, nil
}

// conversationTargets are the inboxes of the member's followers, the
// parent's author and every remote author in the conversation.
func (n *Node) conversationTargets(ctx context.Context, actor string, parent *content.Object) ([]storage.Target, error) {
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, err
	}
	authors := []string{parent.AttributedTo}
	root := parent.Root
	if root == "" {
		root = parent.IRI
	}
	if rootObj, err := n.db.ObjectByIRI(ctx, root); err == nil {
		authors = append(authors, rootObj.AttributedTo)
	}
	if comments, err := n.db.Comments(ctx, root, 0); err == nil {
		for _, c := range comments {
			authors = append(authors, c.AttributedTo)
		}
	}
	// One read per participant, not per comment: a thread has far more
	// comments than authors.
	seen := map[string]bool{}
	for _, a := range authors {
		if seen[a] || n.iris.IsLocal(a) {
			continue
		}
		seen[a] = true
		if ra, err := n.db.RemoteActor(ctx, a); err == nil {
			targets = appendTarget(targets, ra.DeliveryInbox())
		}
	}
	return targets, nil
}

// Like records a member's like of an object held here and tells its
// author's server.
func (n *Node) Like(ctx context.Context, m *content.Member, objectIRI string) error {
	return n.react(ctx, m, objectIRI, content.ReactionLike)
}

// Boost announces an object held here to the member's followers.
func (n *Node) Boost(ctx context.Context, m *content.Member, objectIRI string) error {
	return n.react(ctx, m, objectIRI, content.ReactionAnnounce)
}

func (n *Node) react(ctx context.Context, m *content.Member, objectIRI string, kind content.ReactionKind) error {
	o, err := n.db.ObjectByIRI(ctx, objectIRI)
	if err != nil || o.Deleted {
		return content.Errorf(content.KindNotFound, "", "reaction.no_object", "there is nothing at %s", objectIRI)
	}
	if kind == content.ReactionAnnounce && !o.Public {
		return content.Errorf(content.KindForbidden, "", "reaction.not_public", "only public posts can be boosted")
	}
	actor := n.iris.Actor(m.Username)
	if done, err := n.db.HasReacted(ctx, actor, kind, objectIRI); err != nil || done {
		return err
	}
	id := n.iris.Activity(newID())
	typ := map[content.ReactionKind]string{content.ReactionLike: "Like", content.ReactionAnnounce: "Announce"}[kind]
	doc := map[string]any{"@context": ASContext, "id": id, "type": typ, "actor": actor, "object": objectIRI}
	var targets []storage.Target
	if kind == content.ReactionAnnounce {
		doc["to"], doc["cc"] = []string{Public}, []string{n.iris.Followers(actor), o.AttributedTo}
		doc["published"] = n.now().Format(time.RFC3339)
		if targets, err = n.db.FollowerInboxes(ctx, actor); err != nil {
			return err
		}
	} else {
		doc["to"] = []string{o.AttributedTo}
	}
	if ra, err := n.db.RemoteActor(ctx, o.AttributedTo); err == nil {
		targets = appendTarget(targets, ra.DeliveryInbox())
	}
	if _, err := n.db.AddReaction(ctx, &content.Reaction{ActivityIRI: id, Kind: kind, Actor: actor, ObjectIRI: objectIRI}); err != nil {
		return err
	}
	act, err := n.enqueue(ctx, actor, doc, nil, kind == content.ReactionAnnounce, targets)
	if err != nil {
		return fmt.Errorf("%s by %s: %w", kind, m.Username, err)
	}
	// In a forum here, the Group passes the like on as well.
	n.announceForumActivity(ctx, objectIRI, act.Body)
	n.notify(ctx, o.AttributedTo, notificationFor[kind], actor, objectIRI)
	return nil
}

func appendTarget(targets []storage.Target, inbox string) []storage.Target {
	for _, t := range targets {
		if t.Inbox == inbox {
			return targets
		}
	}
	return append(targets, storage.Target{Inbox: inbox, Host: hostOf(inbox)})
}

// audienceOf reads the community (Group) a received object belongs to.
func audienceOf(o *content.Object) string {
	var doc struct {
		Audience json.RawMessage `json:"audience"`
	}
	if json.Unmarshal([]byte(o.Raw), &doc) != nil {
		return ""
	}
	return idOf(doc.Audience)
}
