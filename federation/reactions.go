package federation

import (
	"context"

	"kring/content"
)

// onReaction counts a Like or an Announce of an object held here. Likes
// and boosts of anything else are none of this node's business.
func (n *Node) onReaction(ctx context.Context, it *content.InboxItem, act *activity, kind content.ReactionKind) (string, error) {
	target := idOf(act.Object)
	if target == "" {
		return "ignored: " + string(kind) + " without an object", nil
	}
	added, err := n.db.AddReaction(ctx, &content.Reaction{ActivityIRI: act.ID, Kind: kind, Actor: it.Actor, ObjectIRI: target})
	if err != nil {
		return "", err
	}
	if !added {
		return "ignored: " + string(kind) + " of " + target + " (not held here, or already counted)", nil
	}
	n.notifyAuthor(ctx, target, notificationFor[kind], it.Actor)
	return "counted: " + string(kind) + " of " + target, nil
}

var notificationFor = map[content.ReactionKind]content.NotificationKind{
	content.ReactionLike:     content.NotifyLike,
	content.ReactionAnnounce: content.NotifyAnnounce,
}

// undoReaction reverses the actor's own like or boost, named by the
// undone activity's id or by its object.
func (n *Node) undoReaction(ctx context.Context, it *content.InboxItem, innerID string, inner *activity, kind content.ReactionKind) (string, error) {
	if actor := idOf(inner.Actor); actor != "" && actor != it.Actor {
		return "ignored: undo of someone else's " + string(kind), nil
	}
	removed, err := n.db.RemoveReaction(ctx, it.Actor, innerID, kind, idOf(inner.Object))
	if err != nil {
		return "", err
	}
	if !removed {
		return "ignored: no " + string(kind) + " to undo", nil
	}
	return "undone: " + string(kind) + " of " + idOf(inner.Object), nil
}

// notifyAuthor tells the local author of an object that someone reacted.
func (n *Node) notifyAuthor(ctx context.Context, objectIRI string, kind content.NotificationKind, actor string) {
	o, err := n.db.ObjectByIRI(ctx, objectIRI)
	if err != nil || !o.Local {
		return
	}
	n.notify(ctx, o.AttributedTo, kind, actor, objectIRI)
}

// notify adds a notification for a local member; failing to is logged,
// never a reason to refuse the activity.
func (n *Node) notify(ctx context.Context, memberIRI string, kind content.NotificationKind, actor, objectIRI string) {
	m, ok := n.localActor(ctx, memberIRI)
	if !ok || actor == memberIRI {
		return
	}
	name := actor
	if a, err := n.db.RemoteActor(ctx, actor); err == nil && a.Name != "" {
		name = a.Name
	} else if local, ok := n.localActor(ctx, actor); ok {
		name = local.Name()
	}
	nt := &content.Notification{MemberID: m.ID, Kind: kind, Actor: actor, ActorName: name, ObjectIRI: objectIRI}
	if _, err := n.db.AddNotification(ctx, nt); err != nil {
		n.log.Error("add notification", "member", m.Username, "kind", kind, "err", err)
	}
}
