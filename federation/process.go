package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kring/content"
)

// activity is an incoming activity as processing reads it.
type activity struct {
	ID       string          `json:"id"`
	Type     json.RawMessage `json:"type"`
	Actor    json.RawMessage `json:"actor"`
	Object   json.RawMessage `json:"object"`
	To       json.RawMessage `json:"to"`
	CC       json.RawMessage `json:"cc"`
	Audience json.RawMessage `json:"audience"`
}

// process applies one stored activity and returns what it did, in words
// for the inbox table. Every branch is idempotent: a redelivered activity
// finds its work done and changes nothing.
func (n *Node) process(ctx context.Context, it *content.InboxItem) (string, error) {
	var act activity
	if err := json.Unmarshal(it.Body, &act); err != nil {
		return "ignored: body is not a JSON object", nil
	}
	switch it.Type {
	case "Follow":
		return n.onFollow(ctx, it, &act)
	case "Undo":
		return n.onUndo(ctx, it, &act)
	case "Accept":
		return n.onAccept(ctx, it, &act)
	case "Reject":
		return n.onReject(ctx, it, &act)
	case "Block":
		return n.onBlock(ctx, it, &act)
	case "Create":
		return n.onCreate(ctx, it, &act)
	case "Update":
		return n.onUpdate(ctx, it, &act)
	case "Delete":
		return n.onDelete(ctx, it, &act)
	case "Like":
		return n.onReaction(ctx, it, &act, content.ReactionLike)
	case "Announce":
		return n.onReaction(ctx, it, &act, content.ReactionAnnounce)
	case "Flag":
		return n.onFlag(ctx, it, &act)
	case "Move":
		return n.onMove(ctx, it, &act)
	case "Join":
		return n.onJoin(ctx, it, &act)
	case "Leave":
		return n.onLeave(ctx, it, idOf(act.Object))
	}
	return "ignored: unsupported activity type " + it.Type, nil
}

// localActor resolves an IRI to a live local member.
func (n *Node) localActor(ctx context.Context, iri string) (*content.Member, bool) {
	name, ok := n.iris.LocalUsername(iri)
	if !ok {
		return nil, false
	}
	m, err := n.db.MemberByUsername(ctx, name)
	if err != nil || m.Suspended {
		return nil, false
	}
	return m, true
}

func (n *Node) onFollow(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	target := idOf(act.Object)
	if name, ok := n.iris.LocalGroup(target); ok {
		return n.onGroupFollow(ctx, it, act, name)
	}
	if target == n.iris.Organisation() {
		return n.onOrgFollow(ctx, it, act)
	}
	if target == n.iris.SpeakersGroup() {
		return n.onSpeakersFollow(ctx, it, act)
	}
	m, ok := n.localActor(ctx, target)
	if !ok {
		return "ignored: follow of " + target + ", not a local member or forum", nil
	}
	remote, err := n.remoteActor(ctx, it.Actor, false)
	if err != nil {
		return "", fmt.Errorf("fetch follower %s: %w", it.Actor, err)
	}
	state := content.FollowAccepted
	if m.ManuallyApprovesFollowers {
		state = content.FollowPending
	}
	f := &content.Follow{IRI: act.ID, Follower: it.Actor, Followee: target, State: state}
	if err := n.db.PutFollow(ctx, f); err != nil {
		return "", err
	}
	if existing, err := n.db.FollowBetween(ctx, it.Actor, target); err == nil {
		state = existing.State // an approved follower re-following stays approved
	}
	if state == content.FollowPending {
		n.notify(ctx, target, content.NotifyFollowRequest, it.Actor, "")
		return "pending: " + it.Actor + " asks to follow " + m.Username, nil
	}
	n.notify(ctx, target, content.NotifyFollow, it.Actor, "")
	// Answer every Follow, also a repeated one: the sender may have lost
	// our first Accept and re-sends Follow to repair its state.
	if err := n.sendAccept(ctx, target, remote, it.Body); err != nil {
		return "", err
	}
	return "accepted: " + it.Actor + " follows " + m.Username, nil
}

func (n *Node) onUndo(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	objID := idOf(act.Object)
	var inner activity
	_ = json.Unmarshal(act.Object, &inner)
	innerType := typeOf(inner.Type)
	if innerType == "" {
		// Undo by reference: find what it names.
		if f, err := n.db.FollowByIRI(ctx, objID); err == nil && f.Follower == it.Actor {
			innerType, inner.Object = "Follow", json.RawMessage(fmt.Sprintf("%q", f.Followee))
		} else if p, err := n.db.ParticipantByJoinIRI(ctx, objID); err == nil && p.Actor == it.Actor {
			innerType = "Join"
		} else if removed, err := n.db.RemoveReaction(ctx, it.Actor, objID, "", ""); err != nil {
			return "", err
		} else if removed {
			return "undone: reaction " + objID, nil
		}
	}
	if innerType == "" {
		return "ignored: undo of " + objID + ", which names nothing tracked here", nil
	}
	switch innerType {
	case "Like":
		return n.undoReaction(ctx, it, objID, &inner, content.ReactionLike)
	case "Announce":
		return n.undoReaction(ctx, it, objID, &inner, content.ReactionAnnounce)
	case "Join":
		if ev := n.undoneJoin(ctx, objID, &inner); ev != "" {
			return n.onLeave(ctx, it, ev)
		}
		return "ignored: undo of a join of no event here", nil
	case "Follow":
	default:
		return "ignored: undo of " + innerType + " (not tracked)", nil
	}
	if actor := idOf(inner.Actor); actor != "" && actor != it.Actor {
		return "ignored: undo of someone else's follow", nil
	}
	followee := idOf(inner.Object)
	removed, err := n.db.DeleteFollow(ctx, it.Actor, followee)
	if err != nil {
		return "", err
	}
	if !removed {
		return "ignored: no follow of " + followee + " to undo", nil
	}
	return "unfollowed: " + it.Actor + " no longer follows " + followee, nil
}

// followAnswered finds our follow that an Accept or Reject names, by the
// Follow's id or by the embedded Follow's actor and object.
func (n *Node) followAnswered(ctx context.Context, it *content.InboxItem, act *activity) (*content.Follow, bool) {
	if f, err := n.db.FollowByIRI(ctx, idOf(act.Object)); err == nil && f.Followee == it.Actor {
		return f, true
	}
	var inner activity
	if json.Unmarshal(act.Object, &inner) == nil && idOf(inner.Object) == it.Actor {
		if f, err := n.db.FollowBetween(ctx, idOf(inner.Actor), it.Actor); err == nil {
			return f, true
		}
	}
	return nil, false
}

func (n *Node) onAccept(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	f, ok := n.followAnswered(ctx, it, act)
	if !ok {
		if outcome, isJoin, err := n.onJoinAnswer(ctx, it, act, true); isJoin || err != nil {
			return outcome, err
		}
		return "ignored: accept of no follow or join of ours", nil
	}
	if err := n.db.SetFollowState(ctx, f.IRI, content.FollowAccepted); err != nil {
		return "", err
	}
	return "accepted: " + f.Follower + " now follows " + it.Actor, nil
}

func (n *Node) onReject(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	f, ok := n.followAnswered(ctx, it, act)
	if !ok {
		if outcome, isJoin, err := n.onJoinAnswer(ctx, it, act, false); isJoin || err != nil {
			return outcome, err
		}
		return "ignored: reject of no follow or join of ours", nil
	}
	if _, err := n.db.DeleteFollow(ctx, f.Follower, it.Actor); err != nil {
		return "", err
	}
	return "rejected: " + f.Follower + " does not follow " + it.Actor, nil
}

func (n *Node) onBlock(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	target := idOf(act.Object)
	if _, ok := n.localActor(ctx, target); !ok {
		return "ignored: block of " + target + ", not a local member", nil
	}
	a, err := n.db.DeleteFollow(ctx, it.Actor, target)
	if err != nil {
		return "", err
	}
	b, err := n.db.DeleteFollow(ctx, target, it.Actor)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("blocked: %s blocks %s (follows removed: %v, %v)", it.Actor, target, a, b), nil
}

// now is the node's clock.
func (n *Node) now() time.Time { return time.Now().UTC() }
