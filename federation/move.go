package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"kring/content"
	"kring/storage"
)

// Moving an account, as Mastodon does it. The new account first names the
// old one in its alsoKnownAs (an alias: "this is also me"); then the old
// account sets movedTo and sends Move{actor: old, object: old, target: new}
// to its followers. Every server that receives the Move fetches the target,
// checks that it names the old account in alsoKnownAs (so nobody can steal
// followers by moving them to an account that is not theirs), and has its
// users unfollow the old account and follow the new one.

// MoveTo moves a member away to another account, named by handle
// (user@host) or actor URL. The target must list the member's actor in its
// alsoKnownAs; then the member's actor gets movedTo, and an Update (the
// changed actor) and the Move go to the followers' inboxes, in one
// transaction with the change. Moving again to the same target sends the
// Move again, which receivers treat as a no-op for follows already moved.
func (n *Node) MoveTo(ctx context.Context, m *content.Member, target string) (*content.RemoteActor, int, error) {
	actor := n.iris.Actor(m.Username)
	iri, err := n.Resolve(ctx, target)
	if err != nil {
		return nil, 0, err
	}
	if iri == actor {
		return nil, 0, content.Errorf(content.KindInvalid, "to", "move.self", "an account cannot move to itself")
	}
	remote, err := n.lookupActor(ctx, iri)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch %s: %w", iri, err)
	}
	if !slices.Contains(actorAliases(remote.Raw), actor) {
		return nil, 0, content.Errorf(content.KindInvalid, "to", "move.no_alias",
			"%s does not list %s in alsoKnownAs: on the new account, first add this account as an alias (Mastodon: Preferences > Account > Moving from a different account; Kring: kring user alias --as NAME --add %s@%s), then move",
			remote.IRI, actor, m.Username, n.iris.Host())
	}
	doc, err := n.memberDocument(ctx, m)
	if err != nil {
		return nil, 0, err
	}
	doc["movedTo"] = remote.IRI
	update, err := n.actorUpdate(ctx, actor, doc)
	if err != nil {
		return nil, 0, err
	}
	move := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Move", "actor": actor,
		"object": actor, "target": remote.IRI, "to": []string{n.iris.Followers(actor)},
	}
	pub, err := n.publication(actor, move, actor, false, update.Targets)
	if err != nil {
		return nil, 0, err
	}
	if err := n.db.SetMovedTo(ctx, m.ID, remote.IRI, update, pub); err != nil {
		return nil, 0, err
	}
	n.wakeDelivery()
	return remote, len(pub.Targets), nil
}

// SetAliases changes the accounts a member says are also theirs
// (alsoKnownAs), so that one of them can move here: add and remove are
// handles (user@host) or actor URLs. Each one added must be an actor that
// answers. The changed actor goes to the followers as an Update. It
// returns the aliases now set.
func (n *Node) SetAliases(ctx context.Context, m *content.Member, add, remove []string) ([]string, error) {
	acct, err := n.db.Account(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if acct.Deleted() {
		return nil, content.Errorf(content.KindConflict, "", "member.deleted", "the account %q was deleted", m.Username)
	}
	actor := n.iris.Actor(m.Username)
	aliases := slices.Clone(acct.AlsoKnownAs)
	for _, r := range remove {
		iri, err := n.Resolve(ctx, r)
		if err != nil {
			return nil, err
		}
		aliases = slices.DeleteFunc(aliases, func(a string) bool { return a == iri })
	}
	for _, a := range add {
		iri, err := n.Resolve(ctx, a)
		if err != nil {
			return nil, err
		}
		if iri == actor {
			return nil, content.Errorf(content.KindInvalid, "add", "alias.self", "an account is not an alias of itself")
		}
		remote, err := n.lookupActor(ctx, iri)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", iri, err)
		}
		if !slices.Contains(aliases, remote.IRI) {
			aliases = append(aliases, remote.IRI)
		}
	}
	doc, err := n.memberDocument(ctx, m)
	if err != nil {
		return nil, err
	}
	if len(aliases) > 0 {
		doc["alsoKnownAs"] = aliases
	} else {
		delete(doc, "alsoKnownAs")
	}
	update, err := n.actorUpdate(ctx, actor, doc)
	if err != nil {
		return nil, err
	}
	if err := n.db.SetAlsoKnownAs(ctx, m.ID, aliases, update); err != nil {
		return nil, err
	}
	n.wakeDelivery()
	return aliases, nil
}

// actorAliases reads alsoKnownAs from an actor document: an IRI, an
// object with an id, or an array of them.
func actorAliases(raw string) []string {
	var doc struct {
		AlsoKnownAs json.RawMessage `json:"alsoKnownAs"`
	}
	if json.Unmarshal([]byte(raw), &doc) != nil {
		return nil
	}
	var out []string
	for _, item := range items(doc.AlsoKnownAs) {
		if id := rawID(item); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// onMove applies a remote actor's Move of itself: when the target names
// the actor in alsoKnownAs, every local member following the actor
// unfollows it (Undo Follow) and follows the target (Follow), each member
// in one transaction. A follower already following the target only
// unfollows. Redelivery finds nothing left to move.
func (n *Node) onMove(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	origin := it.Actor
	if obj := idOf(act.Object); obj != origin {
		return "ignored: move of " + obj + " by " + origin + "; an actor moves only itself", nil
	}
	var extra struct {
		Target json.RawMessage `json:"target"`
	}
	_ = json.Unmarshal(it.Body, &extra) // the body parsed as an activity already
	target := idOf(extra.Target)
	switch {
	case target == "" || !isHTTPURL(target):
		return "ignored: move without an http(s) target", nil
	case target == origin:
		return "ignored: move of " + origin + " to itself", nil
	case n.iris.IsLocal(origin):
		return "ignored: move of a local actor", nil
	}
	follows, err := n.db.FollowsOf(ctx, origin)
	if err != nil {
		return "", err
	}
	var local []content.Follow
	for _, f := range follows {
		if _, ok := n.localActor(ctx, f.Follower); ok {
			local = append(local, f)
		}
	}
	if len(local) == 0 {
		return "ignored: move of " + origin + ", whom nobody here follows", nil
	}
	// The target as published now: alsoKnownAs may have just been set.
	moved, err := n.remoteActor(ctx, target, true)
	if err != nil {
		return "", fmt.Errorf("fetch move target %s: %w", target, err)
	}
	if !slices.Contains(actorAliases(moved.Raw), origin) {
		return "refused: move of " + origin + " to " + target + ", which does not list it in alsoKnownAs", nil
	}
	old, err := n.db.RemoteActor(ctx, origin)
	if err != nil {
		if old, err = n.remoteActor(ctx, origin, false); err != nil {
			return "", fmt.Errorf("fetch moved actor %s: %w", origin, err)
		}
	}
	var followed, unfollowed int
	for _, f := range local {
		added, err := n.moveFollow(ctx, &f, old, moved)
		if err != nil {
			return "", err
		}
		unfollowed++
		if added {
			followed++
		}
	}
	n.wakeDelivery()
	return fmt.Sprintf("moved: %d follower(s) here of %s unfollowed it, %d now follow %s", unfollowed, origin, followed, moved.IRI), nil
}

// moveFollow moves one local member's follow of old to moved: Undo of the
// old Follow to old's inbox, a new Follow to moved's personal inbox.
func (n *Node) moveFollow(ctx context.Context, f *content.Follow, old, moved *content.RemoteActor) (bool, error) {
	member := f.Follower
	undo := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Undo", "actor": member,
		"object": map[string]any{"id": f.IRI, "type": "Follow", "actor": member, "object": old.IRI},
		"to":     []string{old.IRI},
	}
	undoPub, err := n.publication(member, undo, "", false, []storage.Target{{Inbox: old.Inbox, Host: hostOf(old.Inbox)}})
	if err != nil {
		return false, err
	}
	id := n.iris.Activity(newID())
	follow := map[string]any{"@context": ASContext, "id": id, "type": "Follow", "actor": member, "object": moved.IRI, "to": []string{moved.IRI}}
	// Follow, Accept and Reject go to the personal inbox (GUIDE §4).
	followPub, err := n.publication(member, follow, "", false, []storage.Target{{Inbox: moved.Inbox, Host: hostOf(moved.Inbox)}})
	if err != nil {
		return false, err
	}
	repl := &content.Follow{IRI: id, Follower: member, Followee: moved.IRI, State: content.FollowPending}
	added, err := n.db.MoveFollow(ctx, f, repl, undoPub, followPub)
	if err != nil {
		return false, fmt.Errorf("move follow of %s by %s: %w", old.IRI, member, err)
	}
	return added, nil
}
