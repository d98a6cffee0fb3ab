package federation

import (
	"context"
	"encoding/json"
	"fmt"

	"kring/content"
	"kring/storage"
)

// pendingFollow finds a follow request of a member by a remote actor.
func (n *Node) pendingFollow(ctx context.Context, m *content.Member, follower string) (*content.Follow, *content.RemoteActor, error) {
	f, err := n.db.FollowBetween(ctx, follower, n.iris.Actor(m.Username))
	if content.KindOf(err) == content.KindNotFound {
		return nil, nil, content.Errorf(content.KindNotFound, "follower", "follow.not_found", "%s has not asked to follow %s", follower, m.Username)
	}
	if err != nil {
		return nil, nil, err
	}
	remote, err := n.knownActor(ctx, follower)
	if err != nil {
		return nil, nil, err
	}
	return f, remote, nil
}

// followBody is the Follow activity as received, for embedding in the
// answer; when it is not stored any more, a minimal Follow with its id.
func (n *Node) followBody(ctx context.Context, f *content.Follow) []byte {
	if it, err := n.db.InboxItemByIRI(ctx, f.IRI); err == nil {
		return it.Body
	}
	b, _ := json.Marshal(map[string]string{"id": f.IRI, "type": "Follow", "actor": f.Follower, "object": f.Followee})
	return b
}

// ApproveFollower accepts a pending follow request.
func (n *Node) ApproveFollower(ctx context.Context, m *content.Member, follower string) error {
	f, remote, err := n.pendingFollow(ctx, m, follower)
	if err != nil {
		return err
	}
	if f.State == content.FollowAccepted {
		return content.Errorf(content.KindConflict, "follower", "follow.accepted", "%s already follows %s", follower, m.Username)
	}
	if err := n.db.SetFollowState(ctx, f.IRI, content.FollowAccepted); err != nil {
		return err
	}
	return n.sendAccept(ctx, n.iris.Actor(m.Username), remote, n.followBody(ctx, f))
}

// RejectFollower refuses a follow request, or removes a follower.
func (n *Node) RejectFollower(ctx context.Context, m *content.Member, follower string) error {
	f, remote, err := n.pendingFollow(ctx, m, follower)
	if err != nil {
		return err
	}
	if _, err := n.db.DeleteFollow(ctx, follower, f.Followee); err != nil {
		return err
	}
	actor := n.iris.Actor(m.Username)
	doc := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Reject", "actor": actor,
		"object": json.RawMessage(n.followBody(ctx, f)), "to": []string{remote.IRI},
	}
	_, err = n.enqueue(ctx, actor, doc, nil, false, []storage.Target{{Inbox: remote.Inbox, Host: hostOf(remote.Inbox)}})
	return err
}

// PendingFollowers lists a member's follow requests.
func (n *Node) PendingFollowers(ctx context.Context, m *content.Member) ([]content.Follow, error) {
	return n.db.PendingFollowers(ctx, n.iris.Actor(m.Username))
}

// Unfollow withdraws a member's follow of a remote actor with Undo{Follow}.
func (n *Node) Unfollow(ctx context.Context, m *content.Member, target string) error {
	iri, err := n.Resolve(ctx, target)
	if err != nil {
		return err
	}
	actor := n.iris.Actor(m.Username)
	f, err := n.db.FollowBetween(ctx, actor, iri)
	if content.KindOf(err) == content.KindNotFound {
		return content.Errorf(content.KindNotFound, "target", "follow.not_found", "%s does not follow %s", m.Username, iri)
	}
	if err != nil {
		return err
	}
	remote, err := n.knownActor(ctx, iri)
	if err != nil {
		return err
	}
	if _, err := n.db.DeleteFollow(ctx, actor, iri); err != nil {
		return err
	}
	doc := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Undo", "actor": actor,
		"object": map[string]any{"id": f.IRI, "type": "Follow", "actor": actor, "object": iri},
		"to":     []string{iri},
	}
	_, err = n.enqueue(ctx, actor, doc, nil, false, []storage.Target{{Inbox: remote.Inbox, Host: hostOf(remote.Inbox)}})
	return err
}

// knownActor returns an actor we have dealt with: refreshed when its
// server answers, else as stored, so that a member can always unfollow,
// reject or remove an actor whose server is down or gone.
func (n *Node) knownActor(ctx context.Context, iri string) (*content.RemoteActor, error) {
	a, err := n.remoteActor(ctx, iri, false)
	if err == nil {
		return a, nil
	}
	if stored, serr := n.db.RemoteActor(ctx, iri); serr == nil {
		n.log.Info("using the stored actor: its server did not answer", "actor", iri, "err", err)
		return stored, nil
	}
	return nil, fmt.Errorf("fetch %s: %w", iri, err)
}
