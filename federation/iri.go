package federation

import (
	"net/url"
	"strings"
)

// IRIs builds every ActivityPub id the node hands out, in one place, so
// that routes and documents cannot drift apart. Ids follow Mastodon's
// shapes (/users/NAME, #main-key), which other servers' heuristics know.
type IRIs struct {
	base string // scheme://host
	host string
}

// NewIRIs returns the IRI builder for host; dev selects plain http.
func NewIRIs(host string, dev bool) IRIs {
	scheme := "https"
	if dev {
		scheme = "http"
	}
	return IRIs{base: scheme + "://" + host, host: host}
}

// Host is the node's host, as in acct: handles.
func (i IRIs) Host() string { return i.host }

// Base is scheme://host.
func (i IRIs) Base() string { return i.base }

// Actor is a member's actor id.
func (i IRIs) Actor(username string) string { return i.base + "/users/" + username }

// KeyID is the id of an actor's public key.
func (i IRIs) KeyID(actor string) string { return actor + "#main-key" }

// Inbox is an actor's personal inbox.
func (i IRIs) Inbox(actor string) string { return actor + "/inbox" }

// Outbox is an actor's outbox collection.
func (i IRIs) Outbox(actor string) string { return actor + "/outbox" }

// Followers is an actor's followers collection.
func (i IRIs) Followers(actor string) string { return actor + "/followers" }

// Following is an actor's following collection.
func (i IRIs) Following(actor string) string { return actor + "/following" }

// SharedInbox is the node's shared inbox.
func (i IRIs) SharedInbox() string { return i.base + "/inbox" }

// InstanceActor is the node's own Application actor, which signs fetches
// made on nobody's behalf.
func (i IRIs) InstanceActor() string { return i.base + "/actor" }

// InstanceUsername is the instance actor's preferredUsername: the host,
// so that its handle is acct:host@host as Mastodon's is.
func (i IRIs) InstanceUsername() string { return i.host }

// Profile is a member's HTML profile page.
func (i IRIs) Profile(username string) string { return i.base + "/@" + username }

// Note is a local note's id.
func (i IRIs) Note(id string) string { return i.base + "/notes/" + id }

// Activity is a local activity's id.
func (i IRIs) Activity(id string) string { return i.base + "/activities/" + id }

// LocalUsername returns the username of a local member's actor id, or
// false when the IRI is not one.
func (i IRIs) LocalUsername(iri string) (string, bool) {
	rest, ok := strings.CutPrefix(iri, i.base+"/users/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/#?") {
		return "", false
	}
	return rest, true
}

// Group is a forum's Group actor id.
func (i IRIs) Group(name string) string { return i.base + "/groups/" + name }

// LocalGroup returns the name of a local forum's Group id, or false when
// the IRI is not one.
func (i IRIs) LocalGroup(iri string) (string, bool) {
	rest, ok := strings.CutPrefix(iri, i.base+"/groups/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/#?") {
		return "", false
	}
	return rest, true
}

// IsLocal reports whether an IRI is on this node.
func (i IRIs) IsLocal(iri string) bool {
	u, err := url.Parse(iri)
	return err == nil && u.Host == i.host
}
