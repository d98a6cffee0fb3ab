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

// object is a content object as received.
type object struct {
	ID           string            `json:"id"`
	Type         json.RawMessage   `json:"type"`
	AttributedTo json.RawMessage   `json:"attributedTo"`
	Name         string            `json:"name"`
	Summary      *string           `json:"summary"`
	Content      *string           `json:"content"`
	ContentMap   map[string]string `json:"contentMap"`
	InReplyTo    json.RawMessage   `json:"inReplyTo"`
	URL          json.RawMessage   `json:"url"`
	Published    string            `json:"published"`
	Updated      string            `json:"updated"`
	To           json.RawMessage   `json:"to"`
	CC           json.RawMessage   `json:"cc"`
	Tag          json.RawMessage   `json:"tag"`
	Attachment   json.RawMessage   `json:"attachment"`
	Audience     json.RawMessage   `json:"audience"`
}

// contentTypes are the object types stored from a Create.
var contentTypes = map[string]bool{
	"Note": true, "Article": true, "Page": true, "Event": true, "Question": true,
	"Video": true, "Audio": true, "Image": true, "Document": true,
}

// toObject converts a received object, sanitising every piece of HTML.
func toObject(raw json.RawMessage, o *object) *content.Object {
	html := ""
	switch {
	case o.Content != nil:
		html = *o.Content
	case len(o.ContentMap) > 0:
		for _, lang := range []string{"nl", "en", "und"} {
			if s, ok := o.ContentMap[lang]; ok {
				html = s
				break
			}
		}
		if html == "" {
			for _, s := range o.ContentMap {
				html = s
				break
			}
		}
	}
	summary := ""
	if o.Summary != nil {
		summary = content.SanitizeHTML(*o.Summary)
	}
	obj := &content.Object{
		IRI: o.ID, Type: typeOf(o.Type), AttributedTo: firstID(o.AttributedTo),
		Name: content.SanitizeHTML(o.Name), Summary: summary, Content: content.SanitizeHTML(html),
		InReplyTo: idOf(o.InReplyTo), URL: firstID(o.URL), Raw: string(raw),
		Public:    isPublic(idsOf(o.To)) || isPublic(idsOf(o.CC)),
		Published: parseTime(o.Published), Updated: parseTime(o.Updated),
	}
	if obj.Published.IsZero() {
		obj.Published = time.Now().UTC()
	}
	for lang := range o.ContentMap {
		obj.Language = lang
		break
	}
	obj.Tags, obj.Mentions = tagsOf(o.Tag)
	obj.Attachments = attachmentsFrom(o.Attachment)
	return obj
}

// tagsOf reads the hashtags and mentioned actors of a tag array, the
// first MaxReceivedTags and MaxReceivedMentions of them: beyond those the
// object is kept and the excess dropped.
func tagsOf(raw json.RawMessage) (hashtags, mentions []string) {
	var tags []struct {
		Type string `json:"type"`
		Href string `json:"href"`
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &tags) != nil {
		var one struct {
			Type string `json:"type"`
			Href string `json:"href"`
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &one) != nil {
			return nil, nil
		}
		tags = append(tags, one)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch t.Type {
		case "Hashtag":
			if tag, ok := content.NormalizeTag(strings.TrimPrefix(t.Name, "#")); ok && !seen[tag] && len(hashtags) < content.MaxReceivedTags {
				seen[tag] = true
				hashtags = append(hashtags, tag)
			}
		case "Mention":
			if t.Href != "" && len(mentions) < content.MaxReceivedMentions {
				mentions = append(mentions, t.Href)
			}
		}
	}
	return hashtags, mentions
}

// attachmentsFrom reads what an object attaches: the link and its
// description, never the file itself; the first MaxReceivedAttachments.
func attachmentsFrom(raw json.RawMessage) []content.Attachment {
	var out []content.Attachment
	for _, item := range items(raw) {
		var a struct {
			Type      string          `json:"type"`
			URL       json.RawMessage `json:"url"`
			MediaType string          `json:"mediaType"`
			Name      string          `json:"name"`
			Width     int             `json:"width"`
			Height    int             `json:"height"`
		}
		if json.Unmarshal(item, &a) != nil {
			continue
		}
		u := firstID(a.URL)
		if !isHTTPURL(u) || len(out) == content.MaxReceivedAttachments {
			continue
		}
		out = append(out, content.Attachment{URL: u, MediaType: a.MediaType, Name: a.Name, Width: a.Width, Height: a.Height})
	}
	return out
}

// firstID reads the first id of a value that may be a string, an object
// (Link or actor) or an array of them.
func firstID(raw json.RawMessage) string {
	if ids := idsOf(raw); len(ids) > 0 {
		return ids[0]
	}
	var link struct {
		Href string `json:"href"`
	}
	if json.Unmarshal(raw, &link) == nil && link.Href != "" {
		return link.Href
	}
	var links []struct {
		Href string `json:"href"`
	}
	if json.Unmarshal(raw, &links) == nil && len(links) > 0 {
		return links[0].Href
	}
	return ""
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// checkObjectAuthor is checkAuthor, with the one exception Mobilizon
// needs: a group's event is attributed to the group and sent by a member.
func checkObjectAuthor(actor string, obj *content.Object) string {
	why := checkAuthor(actor, obj)
	if why != "" && obj.Type == "Event" && eventAuthorOK(actor, obj) {
		return ""
	}
	return why
}

// checkAuthor holds an embedded object to the rules Mastodon applies: its
// author is the activity's actor and its id lives on the actor's host.
func checkAuthor(actor string, obj *content.Object) string {
	switch {
	case obj.IRI == "":
		return "object has no id"
	case obj.AttributedTo != actor:
		return fmt.Sprintf("object is attributed to %q, not to the actor", obj.AttributedTo)
	case hostOf(obj.IRI) != hostOf(actor):
		return "object id is not on the actor's host"
	}
	return ""
}

func (n *Node) onCreate(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	obj, forumID, outcome, err := n.createdObject(ctx, it, act, nil)
	if obj == nil || err != nil {
		return outcome, err
	}
	var inserted bool
	if forumID != 0 {
		inserted, err = n.db.StartThread(ctx, forumID, obj)
	} else {
		inserted, err = n.db.PutObject(ctx, obj)
	}
	if err != nil {
		return "", err
	}
	if !inserted {
		return duplicateOutcome(obj), nil
	}
	n.notifyReceived(ctx, obj)
	n.afterReceived(ctx, it, obj, forumID != 0)
	return storedOutcome(obj), nil
}

// notifyReceived tells members about a stored object that concerns them:
// the author of what it replies to, and whoever it mentions.
func (n *Node) notifyReceived(ctx context.Context, obj *content.Object) {
	for _, nt := range n.notificationsFor(ctx, obj, nil) {
		if _, err := n.db.AddNotification(ctx, &nt); err != nil {
			n.log.Error("add notification", "member_id", nt.MemberID, "kind", nt.Kind, "err", err)
		}
	}
}

// notificationsFor works out, reading only, whom a received object
// concerns: the local author of what it replies to, and the members it
// mentions. memo, when not nil, spares repeated reads in a burst.
func (n *Node) notificationsFor(ctx context.Context, obj *content.Object, memo *lookups) []content.Notification {
	var out []content.Notification
	told := map[string]bool{}
	add := func(member string, kind content.NotificationKind) {
		if told[member] || member == obj.AttributedTo {
			return
		}
		told[member] = true
		m, ok := memo.localMember(ctx, n, member)
		if !ok {
			return
		}
		name := obj.AuthorName
		if name == "" {
			name = obj.AttributedTo
		}
		out = append(out, content.Notification{MemberID: m.ID, Kind: kind, Actor: obj.AttributedTo, ActorName: name, ObjectIRI: obj.IRI})
	}
	if obj.InReplyTo != "" && n.iris.IsLocal(obj.InReplyTo) {
		if parent, err := n.db.ObjectByIRI(ctx, obj.InReplyTo); err == nil && parent.Local {
			add(parent.AttributedTo, content.NotifyReply)
		}
	}
	for _, m := range obj.Mentions {
		if n.iris.IsLocal(m) {
			add(m, content.NotifyMention)
		}
	}
	return out
}

// createdObject checks a Create and returns the object to store, or nil
// and the reason it is ignored. It only reads: the caller stores. memo,
// when not nil, answers lookups repeated across a run of Creates.
func (n *Node) createdObject(ctx context.Context, it *content.InboxItem, act *activity, memo *lookups) (*content.Object, int64, string, error) {
	var o object
	if err := json.Unmarshal(act.Object, &o); err != nil || o.ID == "" {
		return nil, 0, "ignored: create without an embedded object", nil
	}
	if !contentTypes[typeOf(o.Type)] {
		return nil, 0, "ignored: create of unsupported type " + typeOf(o.Type), nil
	}
	obj := toObject(act.Object, &o)
	if why := checkObjectAuthor(it.Actor, obj); why != "" {
		return nil, 0, "ignored: " + why, nil
	}
	if n.isSpeakersReply(obj) {
		// An answer to a speaker request, by reply: recorded on the
		// request, not stored as a post (speakers_requests.go).
		outcome, err := n.onSpeakersReply(ctx, it.Actor, obj)
		return nil, 0, outcome, err
	}
	if n.tooDeep(ctx, obj) {
		return nil, 0, fmt.Sprintf("ignored: reply chain deeper than %d", content.MaxReplyDepth), nil
	}
	place, err := n.forumPlace(ctx, obj, act, &o)
	switch {
	case err != nil:
		return nil, 0, "", err
	case place.why != "":
		return nil, 0, "ignored: " + place.why, nil
	case place.inForum:
		n.fillAuthorWith(ctx, obj, memo)
		if place.newThread != 0 {
			obj.Name = content.ThreadTitle(obj.Name, content.HTMLToText(obj.Content))
		}
		return obj, place.newThread, "", nil
	}
	relevant, err := n.concernsUs(ctx, it.Actor, obj, act, &o, memo)
	if err != nil {
		return nil, 0, "", err
	}
	if !relevant {
		return nil, 0, "ignored: concerns no one here (no follower, mention, address or reply)", nil
	}
	n.fillAuthorWith(ctx, obj, memo)
	return obj, 0, "", nil
}

// fillAuthor copies how to show the author into the object, so that
// thread pages read one row per comment.
func (n *Node) fillAuthor(ctx context.Context, obj *content.Object) { n.fillAuthorWith(ctx, obj, nil) }

// fillAuthorWith is fillAuthor with a burst's memo: a busy author's
// stored document is read once, not once per post.
func (n *Node) fillAuthorWith(ctx context.Context, obj *content.Object, memo *lookups) {
	a := memo.remoteActor(ctx, n, obj.AttributedTo)
	if a == nil {
		return
	}
	obj.AuthorName, obj.AuthorURL = a.Name, a.URL
	if a.Username != "" {
		obj.AuthorHandle = a.Username + "@" + a.Host
	}
	if obj.AuthorURL == "" {
		obj.AuthorURL = a.IRI
	}
}

// tooDeep reports whether obj replies to an object stored here at
// MaxReplyDepth already. The node never fetches a reply's parent chain
// (a reply to something not stored here stays outside any thread), so
// the depth to cap is the one stored: each level lengthens the thread
// index of the replies below it.
func (n *Node) tooDeep(ctx context.Context, obj *content.Object) bool {
	if obj.InReplyTo == "" {
		return false
	}
	parent, err := n.db.ObjectByIRI(ctx, obj.InReplyTo)
	if err != nil || parent.Path == "" {
		return false
	}
	return strings.Count(parent.Path, "/")+1 >= content.MaxReplyDepth
}

func storedOutcome(obj *content.Object) string { return "stored: " + obj.Type + " " + obj.IRI }

func duplicateOutcome(obj *content.Object) string {
	return "ignored: object " + obj.IRI + " already stored"
}

// processCreate works out a Create without writing: its object comes back
// in the result, for processPending to store with the outcomes of a whole
// burst of activities in one transaction.
func (n *Node) processCreate(ctx context.Context, it *content.InboxItem, memo *lookups) (storage.InboxResult, error) {
	var act activity
	if err := json.Unmarshal(it.Body, &act); err != nil {
		return storage.InboxResult{ID: it.ID, Outcome: "ignored: body is not a JSON object"}, nil
	}
	obj, forumID, outcome, err := n.createdObject(ctx, it, &act, memo)
	if err != nil {
		return storage.InboxResult{}, err
	}
	if obj == nil {
		return storage.InboxResult{ID: it.ID, Outcome: outcome}, nil
	}
	return storage.InboxResult{ID: it.ID, Outcome: storedOutcome(obj), Object: obj, Duplicate: duplicateOutcome(obj), ThreadForum: forumID,
		Notifications: n.notificationsFor(ctx, obj, memo)}, nil
}

// concernsUs applies Mastodon's rule for pushed content: keep it only when
// it concerns someone here — a member follows the author, it is addressed
// to or mentions a member, or it replies to something of ours.
func (n *Node) concernsUs(ctx context.Context, actor string, obj *content.Object, act *activity, o *object, memo *lookups) (bool, error) {
	followed, err := memo.isFollowed(ctx, n, actor)
	if err != nil || followed {
		return followed, err
	}
	if obj.AttributedTo != actor {
		// A Mobilizon group's event comes from a member of the group;
		// people here follow the group.
		if followed, err := memo.isFollowed(ctx, n, obj.AttributedTo); err != nil || followed {
			return followed, err
		}
	}
	var named []string
	for _, raw := range []json.RawMessage{act.To, act.CC, o.To, o.CC} {
		named = append(named, idsOf(raw)...)
	}
	named = append(named, obj.Mentions...) // read from the tags by toObject
	for _, iri := range named {
		if memo.isMember(ctx, n, iri) {
			return true, nil
		}
	}
	if obj.InReplyTo != "" && n.iris.IsLocal(obj.InReplyTo) {
		return true, nil
	}
	if obj.InReplyTo != "" {
		// A reply to a comment in a conversation held here joins it.
		if parent, err := n.db.ObjectByIRI(ctx, obj.InReplyTo); err == nil && (parent.Local || n.iris.IsLocal(parent.Root)) {
			return true, nil
		}
	}
	return false, nil
}

func (n *Node) onUpdate(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	var o object
	if err := json.Unmarshal(act.Object, &o); err != nil || o.ID == "" {
		return "ignored: update without an embedded object", nil
	}
	typ := typeOf(o.Type)
	if o.ID == it.Actor && actorTypes[typ] {
		return n.refreshActor(ctx, it.Actor, act.Object)
	}
	if !contentTypes[typ] {
		return "ignored: update of unsupported type " + typ, nil
	}
	obj := toObject(act.Object, &o)
	if why := checkObjectAuthor(it.Actor, obj); why != "" {
		return "ignored: " + why, nil
	}
	if obj.Updated.IsZero() {
		obj.Updated = time.Now().UTC()
	}
	if err := n.db.UpdateObject(ctx, obj); err != nil {
		if content.KindOf(err) == content.KindNotFound {
			return "ignored: update of an object not stored here", nil
		}
		return "", err
	}
	n.announceForumActivity(ctx, obj.IRI, it.Body)
	if obj.Type == "Event" {
		n.fillAuthor(ctx, obj)
		n.storeRemoteEvent(ctx, obj)
	}
	return "updated: " + obj.IRI, nil
}

// refreshActor applies an actor's Update of itself. The embedded document
// is used as sent, as Mastodon, GoToSocial and Misskey do: the actor signed
// it, and a refetch per profile edit would cost every follower's server a
// GET. Only a document that does not parse is fetched instead. A missing
// or unreadable key never replaces the stored one that just verified the
// Update.
func (n *Node) refreshActor(ctx context.Context, iri string, raw json.RawMessage) (string, error) {
	a, err := ParseActor(raw)
	if err != nil || a.ID != iri {
		if _, err := n.remoteActor(ctx, iri, true); err != nil {
			return "", fmt.Errorf("refresh actor %s: %w", iri, err)
		}
		return "refreshed: actor " + iri + " (fetched)", nil
	}
	ca := a.content(raw)
	if _, err := ParsePublicKeyPEM(ca.PublicKeyPEM); err != nil {
		ca.KeyID, ca.PublicKeyPEM = "", ""
		if old, err := n.db.RemoteActor(ctx, iri); err == nil {
			ca.KeyID, ca.PublicKeyPEM = old.KeyID, old.PublicKeyPEM
		}
	}
	ca.FetchedAt = n.now()
	if err := n.db.PutRemoteActor(ctx, ca); err != nil {
		return "", err
	}
	return "refreshed: actor " + iri, nil
}

func (n *Node) onDelete(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	target := idOf(act.Object)
	if target == "" {
		return "ignored: delete without an object", nil
	}
	if target == it.Actor {
		if err := n.db.RemoveRemoteActor(ctx, it.Actor); err != nil {
			return "", err
		}
		return "removed: actor " + it.Actor + " and its follows", nil
	}
	deleted, err := n.db.DeleteObject(ctx, target, it.Actor)
	if err != nil {
		return "", err
	}
	if !deleted {
		return "ignored: delete of an object not stored here (or not the actor's)", nil
	}
	n.removeRemoteEvent(ctx, target)
	n.announceForumActivity(ctx, target, it.Body)
	return "deleted: " + target, nil
}

// actorTypes are the actor types accepted from other servers.
var actorTypes = map[string]bool{
	"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true,
}
