package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// Forum threads follow FEP-1b12: a thread is a Page (with a name) and a
// reply a Note with inReplyTo, both addressed to the forum's Group and
// carrying it as audience, as Lemmy, Mbin, NodeBB and Discourse expect.
// Whatever happens in a forum reaches its followers through the Group:
// it announces the activity itself (what Lemmy and Mbin read), and for a
// new thread also the Page (what Mastodon shows as a boost). Replies are
// not boosted: a boost per comment floods Mastodon timelines.

// Thread is a forum thread's id (its Page).
func (i IRIs) Thread(id string) string { return i.base + "/threads/" + id }

// ThreadPage is a thread's HTML page, by its row in the forum's list
// (threads started elsewhere have ids of their own servers).
func (i IRIs) ThreadPage(forum string, rowID int64) string {
	return i.base + "/f/" + forum + "/" + strconv.FormatInt(rowID, 10)
}

// ThreadInput is what a member writes to start a thread.
type ThreadInput struct {
	Title string
	Body  string // Markdown
	Tags  []string
}

// StartThread publishes a member's new thread in a forum.
func (n *Node) StartThread(ctx context.Context, m *content.Member, f *content.Forum, in ThreadInput) (*content.Thread, error) {
	actor := n.iris.Actor(m.Username)
	if err := content.ValidatePostText(in.Title, "", in.Body); err != nil {
		return nil, err
	}
	if banned, err := n.db.IsBanned(ctx, f.ID, actor); err != nil || banned {
		return nil, bannedError(f, err)
	}
	mentions, err := n.resolveMentions(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	rendered := content.RenderMarkdown(in.Body, content.MarkdownOptions{TagURL: n.iris.Tag, Mentions: mentionTargets(mentions), LocalHost: n.iris.Host()})
	id := newID()
	group := n.iris.Group(f.Name)
	now := n.now().Truncate(time.Second)
	tags := mergeTags(rendered.Tags, in.Tags)
	linked := linkedMentions(mentions, rendered.Mentions)
	page := map[string]any{
		"id": n.iris.Thread(id), "type": "Page", "attributedTo": actor, "name": strings.TrimSpace(in.Title),
		"content": rendered.HTML, "mediaType": "text/html", "source": map[string]string{"content": in.Body, "mediaType": "text/markdown"},
		"url": n.iris.Thread(id), "published": now.Format(time.RFC3339),
		"to": []string{group, Public}, "cc": []string{}, "audience": group,
		"contentMap": map[string]string{string(f.Language): rendered.HTML}, "replies": n.iris.Replies(n.iris.Thread(id)),
	}
	if t := tagDocs(n, tags, linked); len(t) > 0 {
		page["tag"] = t
	}
	obj, err := n.forumObject(page, m, f, tags, linked)
	if err != nil {
		return nil, err
	}
	create := map[string]any{"@context": ASContext, "id": n.iris.Activity(id), "type": "Create", "actor": actor,
		"to": page["to"], "cc": page["cc"], "audience": group, "object": page, "published": page["published"]}
	if _, err := n.db.StartThread(ctx, f.ID, obj); err != nil {
		return nil, fmt.Errorf("start thread in %s: %w", f.Name, err)
	}
	if err := n.publishInForum(ctx, actor, f, create, obj.IRI, true, linked); err != nil {
		return nil, err
	}
	t, err := n.db.ThreadByIRI(ctx, obj.IRI)
	if err == nil {
		n.notifyForumFollowers(ctx, t)
	}
	return t, err
}

// forumObject is the stored form of a member's Page or Note in a forum.
func (n *Node) forumObject(doc map[string]any, m *content.Member, f *content.Forum, tags []string, mentions []mention) (*content.Object, error) {
	raw, err := marshalAS(withContext(doc))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", doc["id"], err)
	}
	name, _ := doc["name"].(string)
	inReplyTo, _ := doc["inReplyTo"].(string)
	obj := &content.Object{IRI: doc["id"].(string), Type: doc["type"].(string), AttributedTo: n.iris.Actor(m.Username), Local: true,
		Name: name, Content: doc["content"].(string), InReplyTo: inReplyTo, URL: doc["url"].(string), Public: true,
		Published: parseTime(doc["published"].(string)), Raw: string(raw), Language: string(f.Language), Tags: tags,
		AuthorName: m.Name(), AuthorHandle: m.Username + "@" + n.iris.Host(), AuthorURL: n.iris.Profile(m.Username)}
	for _, mt := range mentions {
		obj.Mentions = append(obj.Mentions, mt.IRI)
	}
	return obj, nil
}

func tagDocs(n *Node, tags []string, mentions []mention) []map[string]any {
	var out []map[string]any
	for _, t := range tags {
		out = append(out, map[string]any{"type": "Hashtag", "href": n.iris.Tag(t), "name": "#" + t})
	}
	for _, m := range mentions {
		out = append(out, map[string]any{"type": "Mention", "href": m.IRI, "name": "@" + m.Handle})
	}
	return out
}

func bannedError(f *content.Forum, err error) error {
	if err != nil {
		return err
	}
	return content.Errorf(content.KindForbidden, "", "forum.banned", "you are banned from the forum %s", f.Title)
}

// publishInForum records a member's activity in a forum and hands it to
// the Group, which announces it to the forum's followers; mentioned
// remote actors get the activity itself.
func (n *Node) publishInForum(ctx context.Context, actor string, f *content.Forum, act map[string]any, objectIRI string, newThread bool, mentions []mention) error {
	var targets []storage.Target
	for _, m := range mentions {
		if m.Inbox != "" {
			targets = appendTarget(targets, m.Inbox)
		}
	}
	if _, err := n.enqueue(ctx, actor, act, nil, true, targets); err != nil {
		return fmt.Errorf("record %s in %s: %w", act["type"], f.Name, err)
	}
	raw, err := marshalAS(act)
	if err != nil {
		return err
	}
	boost := ""
	if newThread {
		boost = objectIRI
	}
	return n.groupAnnounce(ctx, f, raw, boost)
}

// groupAnnounce has a forum's Group pass an activity on to its followers:
// the activity embedded as sent (signed by its author's server, which
// Lemmy and Mbin verify by fetching it when they cannot trust the
// Group), and, for a new thread, a boost of the Page for Mastodon.
func (n *Node) groupAnnounce(ctx context.Context, f *content.Forum, activity []byte, boost string) error {
	group := n.iris.Group(f.Name)
	targets, err := n.db.FollowerInboxes(ctx, group)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return nil
	}
	var inner map[string]any
	if err := json.Unmarshal(activity, &inner); err != nil {
		return fmt.Errorf("announce in %s: %w", f.Name, err)
	}
	delete(inner, "@context")
	now := n.now().Truncate(time.Second).Format(time.RFC3339)
	docs := []map[string]any{{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Announce", "actor": group,
		"to": []string{Public}, "cc": []string{n.iris.Followers(group)}, "audience": group, "object": inner, "published": now,
	}}
	if boost != "" {
		docs = append(docs, map[string]any{
			"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Announce", "actor": group,
			"to": []string{Public}, "cc": []string{n.iris.Followers(group)}, "object": boost, "published": now,
		})
	}
	for _, doc := range docs {
		if _, err := n.enqueue(ctx, group, doc, nil, true, targets); err != nil {
			return fmt.Errorf("announce in %s: %w", f.Name, err)
		}
	}
	return nil
}

// replyInForum publishes a member's reply in a forum thread: a Note to the
// Group (and the parent's author), which the Group passes on.
func (n *Node) replyInForum(ctx context.Context, m *content.Member, t *content.Thread, parent *content.Object, text string) (*content.Object, error) {
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return nil, err
	}
	actor := n.iris.Actor(m.Username)
	if t.Locked {
		return nil, content.Errorf(content.KindForbidden, "", "thread.locked", "this thread is locked: it takes no new replies")
	}
	if banned, err := n.db.IsBanned(ctx, f.ID, actor); err != nil || banned {
		return nil, bannedError(f, err)
	}
	rendered := content.RenderMarkdown(text, content.MarkdownOptions{TagURL: n.iris.Tag, LocalHost: n.iris.Host()})
	id := newID()
	group := n.iris.Group(f.Name)
	now := n.now().Truncate(time.Second)
	cc := []string{}
	var mentions []mention
	if parent.AttributedTo != actor {
		cc = append(cc, parent.AttributedTo)
		if ra, err := n.db.RemoteActor(ctx, parent.AttributedTo); err == nil {
			mentions = append(mentions, mention{Handle: parent.AuthorHandle, IRI: ra.IRI, Inbox: ra.DeliveryInbox()})
		}
	}
	note := map[string]any{
		"id": n.iris.Note(id), "type": "Note", "attributedTo": actor, "inReplyTo": parent.IRI, "content": rendered.HTML,
		"mediaType": "text/html", "source": map[string]string{"content": text, "mediaType": "text/markdown"},
		"url": n.iris.Note(id), "published": now.Format(time.RFC3339), "to": []string{group, Public}, "cc": cc, "audience": group,
	}
	var tagMentions []mention
	for _, mt := range mentions {
		if mt.Handle != "" {
			tagMentions = append(tagMentions, mt)
		}
	}
	if t := tagDocs(n, rendered.Tags, tagMentions); len(t) > 0 {
		note["tag"] = t
	}
	obj, err := n.forumObject(note, m, f, rendered.Tags, nil)
	if err != nil {
		return nil, err
	}
	if _, err := n.db.PutObject(ctx, obj); err != nil {
		return nil, err
	}
	create := map[string]any{"@context": ASContext, "id": n.iris.Activity(id), "type": "Create", "actor": actor,
		"to": note["to"], "cc": cc, "audience": group, "object": note, "published": note["published"]}
	if err := n.publishInForum(ctx, actor, f, create, obj.IRI, false, mentions); err != nil {
		return nil, err
	}
	n.notifyThread(ctx, t, obj, parent)
	return obj, nil
}

// notifyThread tells the parent's author and the thread's watchers that a
// reply arrived.
func (n *Node) notifyThread(ctx context.Context, t *content.Thread, reply, parent *content.Object) {
	n.notify(ctx, parent.AttributedTo, content.NotifyReply, reply.AttributedTo, reply.IRI)
	n.notifyWatchers(ctx, t, reply)
}

// notifyWatchers tells the members who watch a thread about a reply in it.
// A watcher already told (as the parent's author) is not told twice: a
// notification is unique per member, kind, actor and object.
func (n *Node) notifyWatchers(ctx context.Context, t *content.Thread, reply *content.Object) {
	watchers, err := n.db.Watchers(ctx, t.IRI)
	if err != nil {
		n.log.Error("read watchers", "thread", t.IRI, "err", err)
		return
	}
	for _, id := range watchers {
		if m, err := n.db.MemberByID(ctx, id); err == nil {
			n.notify(ctx, n.iris.Actor(m.Username), content.NotifyReply, reply.AttributedTo, reply.IRI)
		}
	}
}

// FollowForum makes a member follow a forum of this node, or stop: no
// activity leaves the node, and new threads in it become the member's
// notifications.
func (n *Node) FollowForum(ctx context.Context, m *content.Member, f *content.Forum, on bool) error {
	actor, group := n.iris.Actor(m.Username), n.iris.Group(f.Name)
	if !on {
		_, err := n.db.DeleteFollow(ctx, actor, group)
		return err
	}
	return n.db.PutFollow(ctx, &content.Follow{IRI: n.iris.Activity(newID()), Follower: actor, Followee: group, State: content.FollowAccepted})
}

// FollowsForum reports whether a member follows a forum of this node.
func (n *Node) FollowsForum(ctx context.Context, m *content.Member, f *content.Forum) (bool, error) {
	fl, err := n.db.FollowBetween(ctx, n.iris.Actor(m.Username), n.iris.Group(f.Name))
	if content.KindOf(err) == content.KindNotFound {
		return false, nil
	}
	return err == nil && fl.State == content.FollowAccepted, err
}

// notifyForumFollowers tells the members who follow a forum about a new
// thread in it.
func (n *Node) notifyForumFollowers(ctx context.Context, t *content.Thread) {
	group := n.iris.Group(t.Forum)
	for offset := 0; ; offset += 100 {
		_, iris, err := n.db.Followers(ctx, group, offset, 100)
		if err != nil {
			n.log.Error("read forum followers", "forum", t.Forum, "err", err)
			return
		}
		for _, iri := range iris {
			if n.iris.IsLocal(iri) {
				n.notify(ctx, iri, content.NotifyThread, t.Author, t.IRI)
			}
		}
		if len(iris) < 100 {
			return
		}
	}
}

// EditInForum changes a member's own question or reply: new Markdown
// text and, for a question, a new title (empty keeps it). The Group
// passes the Update on to the forum's followers.
func (n *Node) EditInForum(ctx context.Context, m *content.Member, objectIRI, title, body string) (*content.Object, error) {
	actor := n.iris.Actor(m.Username)
	o, err := n.db.ObjectByIRI(ctx, objectIRI)
	switch {
	case err != nil || o.Deleted:
		return nil, content.Errorf(content.KindNotFound, "", "object.not_found", "nothing to edit at %s", objectIRI)
	case o.AttributedTo != actor || !o.Local:
		return nil, content.Errorf(content.KindForbidden, "", "object.not_yours", "only its author can edit this")
	}
	t, err := n.db.ThreadOf(ctx, objectIRI)
	if err != nil {
		return nil, content.Errorf(content.KindNotFound, "", "thread.not_found", "%s is not in a forum thread here", objectIRI)
	}
	isQuestion := t.IRI == objectIRI
	if !isQuestion || strings.TrimSpace(title) == "" {
		title = o.Name
	}
	if err := content.ValidatePostText(orText(title, "-"), "", body); err != nil {
		return nil, err
	}
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(o.Raw), &doc); err != nil {
		return nil, fmt.Errorf("edit %s: %w", objectIRI, err)
	}
	delete(doc, "@context")
	rendered := content.RenderMarkdown(body, content.MarkdownOptions{TagURL: n.iris.Tag, LocalHost: n.iris.Host()})
	now := n.now().Truncate(time.Second)
	doc["content"], doc["updated"] = rendered.HTML, now.Format(time.RFC3339)
	doc["source"] = map[string]string{"content": body, "mediaType": "text/markdown"}
	if _, ok := doc["contentMap"]; ok {
		doc["contentMap"] = map[string]string{string(f.Language): rendered.HTML}
	}
	if isQuestion {
		doc["name"] = strings.TrimSpace(title)
	}
	raw, err := marshalAS(withContext(doc))
	if err != nil {
		return nil, err
	}
	o.Name, o.Content, o.Updated, o.Raw, o.Tags = strings.TrimSpace(title), rendered.HTML, now, string(raw), rendered.Tags
	if !isQuestion {
		o.Name = ""
	}
	if o.Mentions, err = n.db.ObjectMentions(ctx, o.IRI); err != nil { // an edit keeps who was named
		return nil, err
	}
	if err := n.db.UpdateObject(ctx, o); err != nil {
		return nil, err
	}
	if isQuestion {
		if err := n.db.RetitleThread(ctx, t.IRI, o.Name); err != nil {
			return nil, err
		}
	}
	group := n.iris.Group(f.Name)
	update := map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Update", "actor": actor,
		"to": []string{group, Public}, "cc": []string{}, "audience": group, "object": doc}
	if err := n.publishInForum(ctx, actor, f, update, o.IRI, false, nil); err != nil {
		return nil, err
	}
	return o, nil
}

func orText(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
