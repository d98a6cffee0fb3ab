package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kring/content"
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
	return obj
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
	var o object
	if err := json.Unmarshal(act.Object, &o); err != nil || o.ID == "" {
		return "ignored: create without an embedded object", nil
	}
	if !contentTypes[typeOf(o.Type)] {
		return "ignored: create of unsupported type " + typeOf(o.Type), nil
	}
	obj := toObject(act.Object, &o)
	if why := checkAuthor(it.Actor, obj); why != "" {
		return "ignored: " + why, nil
	}
	relevant, err := n.concernsUs(ctx, it.Actor, obj, act, &o)
	if err != nil {
		return "", err
	}
	if !relevant {
		return "ignored: concerns no one here (no follower, mention, address or reply)", nil
	}
	inserted, err := n.db.PutObject(ctx, obj)
	if err != nil {
		return "", err
	}
	if !inserted {
		return "ignored: object " + obj.IRI + " already stored", nil
	}
	return "stored: " + obj.Type + " " + obj.IRI, nil
}

// concernsUs applies Mastodon's rule for pushed content: keep it only when
// it concerns someone here — a member follows the author, it is addressed
// to or mentions a member, or it replies to something of ours.
func (n *Node) concernsUs(ctx context.Context, actor string, obj *content.Object, act *activity, o *object) (bool, error) {
	followed, err := n.db.IsFollowed(ctx, actor)
	if err != nil || followed {
		return followed, err
	}
	var named []string
	for _, raw := range []json.RawMessage{act.To, act.CC, o.To, o.CC} {
		named = append(named, idsOf(raw)...)
	}
	var tags []struct {
		Type string `json:"type"`
		Href string `json:"href"`
	}
	if json.Unmarshal(o.Tag, &tags) == nil {
		for _, t := range tags {
			if t.Type == "Mention" {
				named = append(named, t.Href)
			}
		}
	}
	for _, iri := range named {
		if _, ok := n.localActor(ctx, iri); ok {
			return true, nil
		}
	}
	if obj.InReplyTo != "" && n.iris.IsLocal(obj.InReplyTo) {
		return true, nil
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
		if _, err := n.remoteActor(ctx, it.Actor, true); err != nil {
			return "", fmt.Errorf("refresh actor %s: %w", it.Actor, err)
		}
		return "refreshed: actor " + it.Actor, nil
	}
	if !contentTypes[typ] {
		return "ignored: update of unsupported type " + typ, nil
	}
	obj := toObject(act.Object, &o)
	if why := checkAuthor(it.Actor, obj); why != "" {
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
	return "updated: " + obj.IRI, nil
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
	return "deleted: " + target, nil
}

// actorTypes are the actor types accepted from other servers.
var actorTypes = map[string]bool{
	"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true,
}
