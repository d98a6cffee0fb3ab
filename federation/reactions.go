package federation

import (
	"context"
	"encoding/json"

	"kring/content"
)

// onReaction counts a Like or an Announce of an object held here. Likes
// and boosts of anything else are none of this node's business.
func (n *Node) onReaction(ctx context.Context, it *content.InboxItem, act *activity, kind content.ReactionKind) (string, error) {
	target := idOf(act.Object)
	if target == "" {
		return "ignored: " + string(kind) + " without an object", nil
	}
	if kind == content.ReactionAnnounce && isActivity(act.Object) {
		return n.onAnnouncedActivity(ctx, it, act)
	}
	if kind == content.ReactionAnnounce {
		if why, err := n.fetchAnnounced(ctx, it.Actor, target); err != nil {
			return "", err
		} else if why != "" {
			return "ignored: " + why, nil
		}
	}
	added, err := n.db.AddReaction(ctx, &content.Reaction{ActivityIRI: act.ID, Kind: kind, Actor: it.Actor, ObjectIRI: target})
	if err != nil {
		return "", err
	}
	if !added {
		return "ignored: " + string(kind) + " of " + target + " (not held here, or already counted)", nil
	}
	n.notifyAuthor(ctx, target, notificationFor[kind], it.Actor)
	n.announceForumActivity(ctx, target, it.Body)
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

// fetchAnnounced makes sure a boosted object is held here when someone a
// member follows boosted it: that is how following an account that boosts
// (an organisation, a forum) brings what it boosts, and it does not depend
// on the boost arriving after the Create it points to. It reports why a
// boost is ignored, or "" to go on.
func (n *Node) fetchAnnounced(ctx context.Context, booster, target string) (string, error) {
	if _, err := n.db.ObjectByIRI(ctx, target); err == nil || n.iris.IsLocal(target) {
		return "", nil
	}
	followed, err := n.db.IsFollowed(ctx, booster)
	if err != nil {
		return "", err
	}
	if !followed {
		return "boost of " + target + ", which is not held here, by an actor no member follows", nil
	}
	obj, why, err := n.fetchObject(ctx, target)
	if err != nil || why != "" {
		return why, err
	}
	return "", n.storeFetched(ctx, obj)
}

// fetchObject fetches a public content object from its own server with a
// signed GET, so that whoever pointed at it cannot make up its content,
// and checks that it is what it says. It reports why it cannot be used,
// or returns the object.
func (n *Node) fetchObject(ctx context.Context, target string) (*content.Object, string, error) {
	signer, err := n.instanceSigner(ctx)
	if err != nil {
		return nil, "", err
	}
	raw, err := n.client.GetActivity(ctx, target, signer)
	if err != nil {
		// Gone or unreachable: nothing to show, and retrying would not
		// change that.
		return nil, "object " + target + " could not be fetched: " + err.Error(), nil
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o.ID != target {
		return nil, "object " + target + " is not a document with that id", nil
	}
	if !contentTypes[typeOf(o.Type)] {
		return nil, "object of unsupported type " + typeOf(o.Type), nil
	}
	obj := toObject(raw, &o)
	if obj.AttributedTo == "" || hostOf(obj.AttributedTo) != hostOf(obj.IRI) {
		return nil, "object " + target + " is not attributed to an actor of its own server", nil
	}
	if !obj.Public {
		return nil, "object " + target + " is not public", nil
	}
	return obj, "", nil
}

// storeFetched stores a fetched object with its author's name, and tells
// whom it concerns.
func (n *Node) storeFetched(ctx context.Context, obj *content.Object) error {
	if _, err := n.remoteActor(ctx, obj.AttributedTo, false); err != nil {
		n.log.Info("author of a fetched object not fetched", "object", obj.IRI, "err", err)
	}
	n.fillAuthor(ctx, obj)
	inserted, err := n.db.PutObject(ctx, obj)
	if err != nil {
		return err
	}
	if inserted {
		n.notifyReceived(ctx, obj)
		n.storeRemoteEvent(ctx, obj)
	}
	return nil
}
