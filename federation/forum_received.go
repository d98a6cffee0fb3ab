package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"kring/content"
)

// replyRE finds a reply: the full forum check decodes the activity, which
// the inbox's hot path (Creates of posts, mostly) should not pay for.
var replyRE = regexp.MustCompile(`"inReplyTo"\s*:\s*"`)

// mayConcernForum is the cheap test before forumRefusal: the activity
// comes to a forum's inbox, names a forum, or replies to something.
func (n *Node) mayConcernForum(r *http.Request, typ string, body []byte) bool {
	return r.PathValue("name") != "" || bytes.Contains(body, []byte(n.iris.Base()+"/groups/")) ||
		(typ == "Create" && replyRE.Match(body))
}

// forumPlacement says where a received object goes in the forums.
type forumPlacement struct {
	inForum   bool   // it belongs to a forum here: store it, whoever follows whom
	newThread int64  // it starts a thread in this forum
	why       string // it must not be stored, and why
}

// forumPlace decides where a received object goes: a reply in a thread
// held here joins it; an object that replies to nothing and is addressed
// to (or mentions) a forum here starts a thread in it, as a Mastodon post
// to @forum@node or a Lemmy post to the community does. Either way it must
// be a public post of a kind a forum shows (forumFit), and it is stored as
// public. A Page or Article that starts a thread without a name takes its
// summary as the title: Lemmy up to 0.9 sent the title there.
func (n *Node) forumPlace(ctx context.Context, obj *content.Object, act *activity, o *object) (forumPlacement, error) {
	if obj.InReplyTo != "" {
		t, err := n.db.ThreadOf(ctx, obj.InReplyTo)
		if err != nil {
			return forumPlacement{}, nil // not in a forum here: the usual rules apply
		}
		if t.Deleted {
			return forumPlacement{why: "reply to a deleted thread"}, nil
		}
		if why := forumFit(obj, act, "the thread "+t.IRI); why != "" {
			return forumPlacement{why: why}, nil
		}
		obj.Public = true
		return forumPlacement{inForum: true}, nil
	}
	if prefix := n.iris.Base() + "/groups/"; !strings.Contains(obj.Raw, prefix) && !bytes.Contains(act.To, []byte(prefix)) &&
		!bytes.Contains(act.CC, []byte(prefix)) && !bytes.Contains(act.Audience, []byte(prefix)) {
		return forumPlacement{}, nil // names no forum here: the usual rules, without decoding the addressing again
	}
	f, err := n.addressedForum(ctx, act, o)
	if err != nil || f == nil {
		return forumPlacement{}, err
	}
	if f.MembersOnlyThreads {
		return forumPlacement{why: "only members start threads in the forum " + f.Name}, nil
	}
	if why := forumFit(obj, act, "the forum "+f.Name); why != "" {
		return forumPlacement{why: why}, nil
	}
	obj.Public = true
	if obj.Name == "" && obj.Summary != "" && (obj.Type == "Page" || obj.Type == "Article") {
		obj.Name = content.HTMLToText(obj.Summary)
	}
	return forumPlacement{inForum: true, newThread: f.ID}, nil
}

// forumTypes are the object types a forum holds as threads and comments:
// those Lemmy takes as posts (its PageType) and comments.
var forumTypes = map[string]bool{"Page": true, "Article": true, "Note": true, "Video": true, "Event": true}

// forumFit says why an object has no place in a forum (where names the
// thread or forum), or "" when it has one. A forum and its threads are
// public, so only public posts go in, as Lemmy requires; the Create that
// carries an object counts too, for Discourse sends its Notes with an
// audience but no to or cc, and Lemmy up to 0.9 addressed its Pages to the
// community only, with the Create to the public. A private message to a
// forum, or a private reply in a thread, is refused rather than shown to
// all. So is a poll (Question): a forum shows neither options nor votes.
func forumFit(obj *content.Object, act *activity, where string) string {
	if !forumTypes[obj.Type] {
		return "a " + obj.Type + " has no place in " + where + " (forums hold Page, Article, Note, Video and Event, as Lemmy does)"
	}
	if !obj.Public && !isPublic(idsOf(act.To)) && !isPublic(idsOf(act.CC)) {
		return "not public: " + where + " shows only public posts, and this one is addressed to some actors only"
	}
	return ""
}

// addressedForum finds the local forum an activity or its object names in
// to, cc, audience or a Mention tag.
func (n *Node) addressedForum(ctx context.Context, act *activity, o *object) (*content.Forum, error) {
	var named []string
	for _, raw := range []json.RawMessage{act.To, act.CC, act.Audience, o.To, o.CC, o.Audience} {
		named = append(named, idsOf(raw)...)
	}
	_, mentions := tagsOf(o.Tag)
	for _, iri := range append(named, mentions...) {
		name, ok := n.iris.LocalGroup(iri)
		if !ok {
			continue
		}
		f, err := n.db.ForumByName(ctx, name)
		if content.KindOf(err) == content.KindNotFound {
			continue
		}
		return f, err
	}
	return nil, nil
}

// afterReceived runs once a received object is stored (and its
// notifications with it): an object in a forum is passed on by the
// forum's Group, and the thread's watchers are told.
func (n *Node) afterReceived(ctx context.Context, it *content.InboxItem, obj *content.Object, newThread bool) {
	n.storeRemoteEvent(ctx, obj)
	thread := obj.Root
	if newThread {
		thread = obj.IRI
	}
	if thread == "" {
		return // in no thread: no forum to pass it on
	}
	t, err := n.db.ThreadByIRI(ctx, thread)
	if err != nil {
		return
	}
	if t.IRI != obj.IRI {
		n.notifyWatchers(ctx, t, obj)
	}
	boost := ""
	if t.IRI == obj.IRI {
		boost = obj.IRI
		n.notifyForumFollowers(ctx, t)
	}
	n.announceInForum(ctx, t, it.Body, boost)
}

// announceForumActivity passes on an activity (Update, Delete, Like, ...)
// about an object held in a forum thread here.
func (n *Node) announceForumActivity(ctx context.Context, objectIRI string, body []byte) {
	if t, err := n.db.ThreadOf(ctx, objectIRI); err == nil {
		n.announceInForum(ctx, t, body, "")
	}
}

func (n *Node) announceInForum(ctx context.Context, t *content.Thread, body []byte, boost string) {
	f, err := n.db.ForumByID(ctx, t.ForumID)
	if err != nil {
		return
	}
	if err := n.groupAnnounce(ctx, f, body, boost); err != nil {
		n.log.Error("forum announce", "forum", f.Name, "thread", t.IRI, "err", err)
	}
}

// forumRefusal is checked at the inbox, before an activity is stored, so
// the sender learns at once why it was refused: a reply to a locked
// thread, or anything from an actor banned from the forum it concerns.
// It returns "" to accept.
func (n *Node) forumRefusal(ctx context.Context, actor, typ string, env *envelope, body []byte) string {
	var act activity
	if json.Unmarshal(body, &act) != nil {
		return ""
	}
	var o object
	_ = json.Unmarshal(act.Object, &o)
	var forumID int64
	if typ == "Create" && idOf(o.InReplyTo) != "" {
		if t, err := n.db.ThreadOf(ctx, idOf(o.InReplyTo)); err == nil {
			if t.Locked {
				return "the thread " + t.IRI + " is locked: it takes no new replies"
			}
			forumID = t.ForumID
		}
	}
	if forumID == 0 {
		if f, err := n.addressedForum(ctx, &act, &o); err == nil && f != nil {
			forumID = f.ID
		} else if name, ok := n.iris.LocalGroup(idOf(act.Object)); ok {
			if f, err := n.db.ForumByName(ctx, name); err == nil {
				forumID = f.ID
			}
		}
	}
	if forumID == 0 {
		return ""
	}
	if banned, err := n.db.IsBanned(ctx, forumID, actor); err == nil && banned {
		return "you are banned from this forum"
	}
	return ""
}

// activityTypes are the types a Group announces as activities (FEP-1b12).
var activityTypes = map[string]bool{
	"Create": true, "Update": true, "Delete": true, "Like": true, "Dislike": true, "Undo": true,
	"Add": true, "Remove": true, "Block": true, "Lock": true, "Flag": true, "Announce": true,
}

// isActivity reports whether an Announce's object is an embedded activity
// rather than a boosted object.
func isActivity(raw json.RawMessage) bool {
	var o struct {
		Type json.RawMessage `json:"type"`
	}
	return json.Unmarshal(raw, &o) == nil && activityTypes[typeOf(o.Type)]
}

// onAnnouncedActivity applies what a followed Group passes on (FEP-1b12):
// a new thread or reply in a forum elsewhere, an edit or a deletion. The
// Group's signature covers the Announce, not what it carries, so content
// by an author of another server is fetched from that server; content of
// the Group's own server is taken as embedded, as its signature vouches
// for that host.
func (n *Node) onAnnouncedActivity(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	var inner activity
	if err := json.Unmarshal(act.Object, &inner); err != nil {
		return "ignored: announced activity does not parse", nil
	}
	typ := typeOf(inner.Type)
	followed, err := n.db.IsFollowed(ctx, it.Actor)
	if err != nil {
		return "", err
	}
	if !followed {
		return "ignored: announce of " + typ + " by an actor no member follows", nil
	}
	switch typ {
	case "Create", "Update":
		return n.announcedContent(ctx, it.Actor, &inner, typ)
	case "Delete":
		return n.announcedDelete(ctx, it.Actor, &inner)
	}
	return "ignored: announced " + typ + " (not tracked)", nil
}

func (n *Node) announcedContent(ctx context.Context, group string, inner *activity, typ string) (string, error) {
	var o object
	if json.Unmarshal(inner.Object, &o) != nil || o.ID == "" {
		// Only an id: fetch it.
		o.ID = idOf(inner.Object)
	}
	if o.ID == "" {
		return "ignored: announced " + typ + " without an object", nil
	}
	var obj *content.Object
	if hostOf(o.ID) == hostOf(group) && contentTypes[typeOf(o.Type)] {
		obj = toObject(inner.Object, &o)
		if why := checkAuthor(idOf(inner.Actor), obj); why != "" {
			return "ignored: announced " + why, nil
		}
	} else {
		fetched, why, err := n.fetchObject(ctx, o.ID)
		if err != nil || why != "" {
			return "ignored: announced " + why, err
		}
		obj = fetched
	}
	if typ == "Update" {
		n.fillAuthor(ctx, obj)
		if obj.Updated.IsZero() {
			obj.Updated = n.now()
		}
		if err := n.db.UpdateObject(ctx, obj); err != nil && content.KindOf(err) != content.KindNotFound {
			return "", err
		}
		return "updated: " + obj.IRI + " (announced by " + group + ")", nil
	}
	if err := n.storeFetched(ctx, obj); err != nil {
		return "", err
	}
	return "stored: " + obj.Type + " " + obj.IRI + " (announced by " + group + ")", nil
}

// announcedDelete deletes what a Group says was deleted, once its origin
// confirms it is gone (or the Group's own server deleted it).
func (n *Node) announcedDelete(ctx context.Context, group string, inner *activity) (string, error) {
	target := idOf(inner.Object)
	o, err := n.db.ObjectByIRI(ctx, target)
	if err != nil || o.Deleted {
		return "ignored: announced delete of an object not held here", nil
	}
	if o.Local {
		// A member's own words stay on their own server: the forum
		// removed them from itself.
		return "ignored: announced delete of a member's own " + o.Type + " (the forum removed it on its server)", nil
	}
	// The Group's server vouches for its own moderators (a deletion by a
	// moderator of the forum); anyone else's deletion must be confirmed
	// by the object's own server.
	if hostOf(target) != hostOf(group) && hostOf(idOf(inner.Actor)) != hostOf(group) {
		gone, err := n.isGone(ctx, target)
		if err != nil {
			return "", err
		}
		if !gone {
			return "ignored: announced delete of " + target + ", which its server does not confirm", nil
		}
	}
	if _, err := n.db.DeleteObject(ctx, target, o.AttributedTo); err != nil {
		return "", err
	}
	return "deleted: " + target + " (announced by " + group + ")", nil
}

// isGone asks an object's server whether it is deleted: 404 or 410 (a
// Tombstone) say so; an answer that serves it, or no answer, does not.
func (n *Node) isGone(ctx context.Context, iri string) (bool, error) {
	signer, err := n.instanceSigner(ctx)
	if err != nil {
		return false, err
	}
	_, err = n.client.GetActivity(ctx, iri, signer)
	var he *HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusGone), nil
}
