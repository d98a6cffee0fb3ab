package federation

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"kring/content"
)

// Found is what a search that names something on another server brought
// back, as Mastodon's search resolves a pasted handle or link: an actor,
// or a content object (with its event, when it is one). It is stored
// here, so that it can be followed, answered or joined.
type Found struct {
	Actor  *content.RemoteActor
	Object *content.Object
	Event  *content.Event // when Object is an Event filed in the agenda
}

// maxLookupLen bounds what is taken for a handle or a link.
const maxLookupLen = 2048

var handleRE = regexp.MustCompile(`^@?[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?$`)

// LookupTarget reports whether a search query is a handle (user@host,
// @user@host) or a link (http or https) rather than words, and returns it
// trimmed.
func LookupTarget(q string) (string, bool) {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > maxLookupLen || strings.ContainsAny(q, " \t\r\n") {
		return "", false
	}
	if handleRE.MatchString(q) {
		return q, true
	}
	if (strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")) && hostOf(q) != "" {
		return q, true
	}
	return "", false
}

// SearchLookup resolves a handle or a link a member pasted into search:
// a handle through WebFinger to its actor, a link by a signed fetch to
// the object there (or the actor, for a profile link), stored here. It
// returns nil for what is on this node: the search itself finds that.
func (n *Node) SearchLookup(ctx context.Context, target string) (*Found, error) {
	if handleRE.MatchString(target) {
		return n.lookupHandle(ctx, target)
	}
	if n.iris.IsLocal(target) {
		return nil, nil
	}
	if f := n.heldHere(ctx, target); f != nil {
		return f, nil
	}
	obj, why, err := n.fetchObject(ctx, target)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		// Not a content object with this id: an actor or a page that
		// serves a document whose id is elsewhere on its server.
		id, typ := n.document(ctx, target)
		switch {
		case actorTypes[typ]:
			a, err := n.lookupActor(ctx, target)
			if err != nil {
				return nil, err
			}
			return &Found{Actor: a}, nil
		case contentTypes[typ] && id != "" && id != target && hostOf(id) == hostOf(target):
			if obj, why, err = n.fetchObject(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if obj == nil {
		return nil, content.Errorf(content.KindNotFound, "", "search.nothing_there", "nothing to show at %s: %s", target, why)
	}
	return n.keepFound(ctx, obj)
}

func (n *Node) lookupHandle(ctx context.Context, handle string) (*Found, error) {
	_, host, _ := strings.Cut(strings.TrimPrefix(handle, "@"), "@")
	if strings.EqualFold(host, n.iris.Host()) {
		return nil, nil
	}
	iri, err := n.Resolve(ctx, handle)
	if err != nil {
		return nil, err
	}
	a, err := n.remoteActor(ctx, iri, false)
	if err != nil {
		return nil, err
	}
	return &Found{Actor: a}, nil
}

// heldHere answers a link to an object or actor already stored, without
// asking its server again. Only a public object: one received for a
// member's eyes (followers-only, direct) is not shown to whoever has its
// link; its server, asked without the member's say, decides instead.
func (n *Node) heldHere(ctx context.Context, target string) *Found {
	if o, err := n.db.ObjectByIRI(ctx, target); err == nil && !o.Deleted && !o.Local && o.Public {
		f := &Found{Object: o}
		if o.Type == "Event" {
			f.Event, _ = n.db.EventByIRI(ctx, o.IRI)
		}
		return f
	}
	if a, err := n.db.RemoteActor(ctx, target); err == nil && n.now().Sub(a.FetchedAt) < actorTTL {
		return &Found{Actor: a}
	}
	return nil
}

// keepFound stores a fetched object as a received one and reads it back:
// the federation policy may refuse it on the way in.
func (n *Node) keepFound(ctx context.Context, obj *content.Object) (*Found, error) {
	if err := n.storeFetched(ctx, obj); err != nil {
		return nil, err
	}
	stored, err := n.db.ObjectByIRI(ctx, obj.IRI)
	if err != nil || stored.Deleted {
		return nil, content.Errorf(content.KindNotFound, "", "search.nothing_there", "%s is not kept here", obj.IRI)
	}
	f := &Found{Object: stored}
	if stored.Type == "Event" {
		if f.Event, err = n.db.EventByIRI(ctx, stored.IRI); err != nil {
			n.storeRemoteEvent(ctx, stored) // stored before, as an object only
			f.Event, _ = n.db.EventByIRI(ctx, stored.IRI)
		}
	}
	return f, nil
}

// document reads the id and type of the document at url with a signed
// GET; both are "" when there is none.
func (n *Node) document(ctx context.Context, url string) (id, typ string) {
	signer, err := n.instanceSigner(ctx)
	if err != nil {
		return "", ""
	}
	raw, err := n.client.GetActivity(ctx, url, signer)
	if err != nil {
		return "", ""
	}
	var doc struct {
		ID   string          `json:"id"`
		Type json.RawMessage `json:"type"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return "", ""
	}
	return doc.ID, typeOf(doc.Type)
}
