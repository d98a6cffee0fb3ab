package federation

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"kring/content"
	"kring/storage"
)

// A reply to a direct message is direct too, as Mastodon keeps a
// conversation's visibility: addressed to the people of the conversation
// only, delivered to them alone, never to the member's followers. A
// direct message is told from a followers-only post by its addressees:
// it names no followers collection.

// isDirect reports whether a non-public object is a direct message: its
// stored to and cc name no followers collection. An object without a
// stored document is not taken for one.
func (n *Node) isDirect(ctx context.Context, o *content.Object) bool {
	if o.Public || o.Raw == "" {
		return false
	}
	to := toAndCC([]byte(o.Raw))
	if len(to) == 0 {
		return false
	}
	followers := n.iris.Followers(o.AttributedTo)
	if a, err := n.db.RemoteActor(ctx, o.AttributedTo); err == nil && a.Followers != "" {
		followers = a.Followers
	}
	return !slices.ContainsFunc(to, func(iri string) bool {
		return iri == followers || strings.HasSuffix(strings.TrimSuffix(iri, "/"), "/followers")
	})
}

// toAndCC are the to and cc addressees of a stored document.
func toAndCC(raw []byte) []string {
	var doc struct {
		To json.RawMessage `json:"to"`
		CC json.RawMessage `json:"cc"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	return append(idsOf(doc.To), idsOf(doc.CC)...)
}

// directAddressees are whom a reply to a direct message goes to: its
// author, or, answering one's own message, the people it was sent to.
func directAddressees(parent *content.Object, actor string) []string {
	if parent.AttributedTo != actor {
		return []string{parent.AttributedTo}
	}
	return slices.DeleteFunc(toAndCC([]byte(parent.Raw)), func(iri string) bool { return iri == actor || isPublic([]string{iri}) })
}

// directTargets are the inboxes of a direct reply's remote addressees.
func (n *Node) directTargets(ctx context.Context, to []string) []storage.Target {
	var targets []storage.Target
	for _, iri := range to {
		if n.iris.IsLocal(iri) {
			continue
		}
		if a, err := n.remoteActor(ctx, iri, false); err == nil {
			targets = appendTarget(targets, a.DeliveryInbox())
		}
	}
	return targets
}
