package federation

import (
	"context"
	"fmt"
	"strings"

	"kring/content"
	"kring/storage"
)

// Moderation acts on a forum's threads, replies and participants. Every
// action is written to the moderation log with the thread change, and the
// Group announces it in the form Lemmy and Mbin use: Lock and Undo{Lock},
// Add and Remove to the featured collection (pins), Delete by a
// moderator, Block with the forum as target (bans).

// CanModerate reports whether a member moderates a forum: its moderators
// and the node's admins do.
func (n *Node) CanModerate(ctx context.Context, m *content.Member, forumID int64) (bool, error) {
	if m.Role == content.RoleAdmin {
		return true, nil
	}
	return n.db.IsModerator(ctx, forumID, m.ID)
}

func (n *Node) requireModerator(ctx context.Context, m *content.Member, forumID int64) error {
	ok, err := n.CanModerate(ctx, m, forumID)
	if err != nil {
		return err
	}
	if !ok {
		return content.Errorf(content.KindForbidden, "", "forum.not_moderator", "only the forum's moderators can do that")
	}
	return nil
}

// ModerateThread locks, unlocks, pins, unpins or deletes a thread.
func (n *Node) ModerateThread(ctx context.Context, mod *content.Member, t *content.Thread, action content.ModAction, reason string) error {
	if err := n.requireModerator(ctx, mod, t.ForumID); err != nil {
		return err
	}
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return err
	}
	if unchanged(t, action) {
		return nil // already so: nothing to log or announce again
	}
	modActor := n.iris.Actor(mod.Username)
	change := storage.ThreadChange{Log: content.ModEntry{ForumID: f.ID, Moderator: modActor, Action: action, Target: t.IRI, Reason: reason}}
	yes, no := true, false
	var doc map[string]any
	switch action {
	case content.ModLock:
		change.Locked, doc = &yes, n.modActivity(modActor, "Lock", t.IRI, f)
	case content.ModUnlock:
		change.Locked, doc = &no, n.undo(modActor, n.modActivity(modActor, "Lock", t.IRI, f), f)
	case content.ModPin:
		change.Pinned, doc = &yes, n.modActivity(modActor, "Add", t.IRI, f)
		doc["target"] = featuredIRI(n.iris, n.iris.Group(f.Name))
	case content.ModUnpin:
		change.Pinned, doc = &no, n.modActivity(modActor, "Remove", t.IRI, f)
		doc["target"] = featuredIRI(n.iris, n.iris.Group(f.Name))
	case content.ModDelete:
		return n.moderatorDelete(ctx, modActor, f, t.IRI, reason)
	default:
		return content.Errorf(content.KindInvalid, "action", "moderation.unknown", "unknown thread action %q", action)
	}
	if reason != "" {
		doc["summary"] = reason
	}
	if err := n.db.ChangeThread(ctx, t.IRI, change); err != nil {
		return fmt.Errorf("%s %s: %w", action, t.IRI, err)
	}
	return n.publishModeration(ctx, modActor, f, doc)
}

// DeleteInForum deletes a thread or a reply as a moderator.
func (n *Node) DeleteInForum(ctx context.Context, mod *content.Member, objectIRI, reason string) error {
	t, err := n.db.ThreadOf(ctx, objectIRI)
	if err != nil {
		return err
	}
	if err := n.requireModerator(ctx, mod, t.ForumID); err != nil {
		return err
	}
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return err
	}
	return n.moderatorDelete(ctx, n.iris.Actor(mod.Username), f, objectIRI, reason)
}

func (n *Node) moderatorDelete(ctx context.Context, modActor string, f *content.Forum, objectIRI, reason string) error {
	o, err := n.db.ObjectByIRI(ctx, objectIRI)
	if err != nil {
		return err
	}
	if o.Deleted {
		return nil
	}
	if _, err := n.db.DeleteObject(ctx, objectIRI, o.AttributedTo); err != nil {
		return err
	}
	if err := n.db.LogModeration(ctx, content.ModEntry{ForumID: f.ID, Moderator: modActor, Action: content.ModDelete,
		Target: objectIRI, Reason: reason}); err != nil {
		return err
	}
	doc := n.modActivity(modActor, "Delete", objectIRI, f)
	if reason != "" {
		doc["summary"] = reason
	}
	return n.publishModeration(ctx, modActor, f, doc)
}

// Ban bans an actor (a member's or a remote actor's id) from a forum, or
// lifts the ban.
func (n *Node) Ban(ctx context.Context, mod *content.Member, f *content.Forum, actor, reason string, on bool) error {
	if err := n.requireModerator(ctx, mod, f.ID); err != nil {
		return err
	}
	modActor := n.iris.Actor(mod.Username)
	if actor == modActor {
		return content.Errorf(content.KindInvalid, "actor", "forum.ban_self", "moderators cannot ban themselves")
	}
	block := n.modActivity(modActor, "Block", actor, f)
	block["target"] = n.iris.Group(f.Name)
	if reason != "" {
		block["summary"] = reason
	}
	if !on {
		lifted, err := n.db.UnbanFromForum(ctx, f.ID, actor, modActor)
		if err != nil || !lifted {
			return err
		}
		return n.publishModeration(ctx, modActor, f, n.undo(modActor, block, f))
	}
	if err := n.db.BanFromForum(ctx, f.ID, actor, reason, modActor); err != nil {
		return err
	}
	return n.publishModeration(ctx, modActor, f, block)
}

// MarkAnswer marks a reply as the answer to a thread's question, or clears
// it (reply ""). The thread's author and the moderators may.
func (n *Node) MarkAnswer(ctx context.Context, m *content.Member, t *content.Thread, reply string) error {
	actor := n.iris.Actor(m.Username)
	if actor != t.Author {
		if err := n.requireModerator(ctx, m, t.ForumID); err != nil {
			return content.Errorf(content.KindForbidden, "", "thread.not_author", "only the thread's author or a moderator can mark the answer")
		}
	}
	action := content.ModMarkAnswer
	if reply == "" {
		action = content.ModUnmarkAnswer
	} else if in, err := n.db.ThreadOf(ctx, reply); err != nil || in.IRI != t.IRI || reply == t.IRI {
		return content.Errorf(content.KindInvalid, "answer", "thread.answer_elsewhere", "the answer must be a reply in this thread")
	}
	target := reply
	if target == "" {
		target = t.AnswerIRI
	}
	return n.db.ChangeThread(ctx, t.IRI, storage.ThreadChange{AnswerIRI: &reply,
		Log: content.ModEntry{ForumID: t.ForumID, Moderator: actor, Action: action, Target: target}})
}

// MoveThread moves a thread to another forum of the node. Other servers
// keep it where they had it: no fediverse software federates moves.
func (n *Node) MoveThread(ctx context.Context, mod *content.Member, t *content.Thread, to *content.Forum, reason string) error {
	if err := n.requireModerator(ctx, mod, t.ForumID); err != nil {
		return err
	}
	if err := n.requireModerator(ctx, mod, to.ID); err != nil {
		return err
	}
	if to.ID == t.ForumID {
		return nil
	}
	return n.db.ChangeThread(ctx, t.IRI, storage.ThreadChange{ForumID: to.ID, Log: content.ModEntry{ForumID: t.ForumID,
		Moderator: n.iris.Actor(mod.Username), Action: content.ModMove, Target: t.IRI, Reason: strings.TrimSpace("to " + to.Name + ". " + reason)}})
}

// modActivity is a moderator's activity on an object in a forum.
func (n *Node) modActivity(modActor, typ, object string, f *content.Forum) map[string]any {
	group := n.iris.Group(f.Name)
	return map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": typ, "actor": modActor,
		"object": object, "to": []string{group, Public}, "cc": []string{}, "audience": group}
}

func (n *Node) undo(modActor string, inner map[string]any, f *content.Forum) map[string]any {
	delete(inner, "@context")
	group := n.iris.Group(f.Name)
	return map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Undo", "actor": modActor,
		"object": inner, "to": []string{group, Public}, "cc": []string{}, "audience": group}
}

// publishModeration records a moderator's activity and has the Group pass
// it on to the forum's followers.
func (n *Node) publishModeration(ctx context.Context, modActor string, f *content.Forum, doc map[string]any) error {
	if _, err := n.enqueue(ctx, modActor, doc, nil, true, nil); err != nil {
		return fmt.Errorf("record %s in %s: %w", doc["type"], f.Name, err)
	}
	raw, err := marshalAS(doc)
	if err != nil {
		return err
	}
	return n.groupAnnounce(ctx, f, raw, "")
}

// DeleteOwn deletes a member's own thread or reply in a forum: Delete goes
// to the Group, which passes it on.
func (n *Node) DeleteOwn(ctx context.Context, m *content.Member, objectIRI string) error {
	actor := n.iris.Actor(m.Username)
	o, err := n.db.ObjectByIRI(ctx, objectIRI)
	if err != nil {
		return err
	}
	if o.AttributedTo != actor {
		return content.Errorf(content.KindForbidden, "", "object.not_yours", "only its author can delete this")
	}
	t, err := n.db.ThreadOf(ctx, objectIRI)
	if err != nil {
		return err
	}
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return err
	}
	if _, err := n.db.DeleteObject(ctx, objectIRI, actor); err != nil {
		return err
	}
	doc := n.modActivity(actor, "Delete", objectIRI, f)
	doc["object"] = map[string]any{"id": objectIRI, "type": "Tombstone"}
	return n.publishModeration(ctx, actor, f, doc)
}

func unchanged(t *content.Thread, action content.ModAction) bool {
	switch action {
	case content.ModLock:
		return t.Locked
	case content.ModUnlock:
		return !t.Locked
	case content.ModPin:
		return t.Pinned
	case content.ModUnpin:
		return !t.Pinned
	case content.ModDelete:
		return t.Deleted
	}
	return false
}

// SetModerator makes a member a moderator of a forum, or no longer: logged
// with who did it (an admin's actor, or the instance actor for the
// command line), and sent to the forum's followers as Add or Remove on the
// moderators collection, which Lemmy and Mbin read to trust moderators'
// actions. The Group sends it itself: its server vouches for it.
func (n *Node) SetModerator(ctx context.Context, by string, f *content.Forum, m *content.Member, on bool) error {
	if err := n.db.SetModerator(ctx, f.ID, m.ID, on); err != nil {
		return err
	}
	action, typ := content.ModAddMod, "Add"
	if !on {
		action, typ = content.ModRemoveMod, "Remove"
	}
	member := n.iris.Actor(m.Username)
	if err := n.db.LogModeration(ctx, content.ModEntry{ForumID: f.ID, Moderator: by, Action: action, Target: member}); err != nil {
		return err
	}
	group := n.iris.Group(f.Name)
	targets, err := n.db.FollowerInboxes(ctx, group)
	if err != nil || len(targets) == 0 {
		return err
	}
	doc := map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": typ, "actor": group,
		"object": member, "target": moderatorsIRI(n.iris, group), "to": []string{Public}, "cc": []string{n.iris.Followers(group)},
		"audience": group}
	_, err = n.enqueue(ctx, group, doc, nil, true, targets)
	return err
}
