package federation

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"kring/content"
)

// The organisation actor (e.g. @ministerie@node) is the node's voice: it
// boosts every public post, so that one follow from Mastodon brings
// everything the node publishes. It is an Organization, which Mastodon,
// GoToSocial and Misskey show like a person.

// DefaultOrgHandle is the organisation's handle when the admin names none.
const DefaultOrgHandle = "organisatie"

// Organisation is the organisation actor's id.
func (i IRIs) Organisation() string { return i.base + "/organisation" }

func (n *Node) orgRoutes() []Route {
	return []Route{
		{Pattern: "GET /organisation", Handler: n.handler(n.serveOrg)},
		{Pattern: "GET /organisation/outbox", Handler: n.handler(n.serveOrgCollection(IRIs.Outbox, &n.outboxItems))},
		{Pattern: "GET /organisation/followers", Handler: n.handler(n.serveOrgCollection(IRIs.Followers, &n.followerItems))},
		{Pattern: "GET /organisation/following", Handler: n.handler(n.serveOrgCollection(IRIs.Following, nil))},
		{Pattern: "POST /organisation/inbox", Handler: http.HandlerFunc(n.serveInbox), MaxBody: MaxInboxBody},
	}
}

// EnsureOrganisation gives the node its organisation actor if it has none:
// handle and name (empty: the default handle and the node's name), and a
// new key pair. With one already there only the name can change.
func (n *Node) EnsureOrganisation(ctx context.Context, handle, name string) error {
	node, err := n.db.Node(ctx)
	if err != nil {
		return err
	}
	if handle == "" {
		handle = node.OrgUsername
	}
	if handle == "" {
		handle = DefaultOrgHandle
	}
	if err := content.ValidateUsername(handle); err != nil {
		e, _ := content.AsError(err)
		return content.Errorf(content.KindInvalid, "org_handle", "org_handle.invalid", "organisation handle: %s", e.Message)
	}
	if name == "" {
		name = node.OrgName
	}
	if name == "" {
		name = node.Name
	}
	if node.OrgUsername != "" {
		if name == node.OrgName && handle == node.OrgUsername {
			return nil
		}
		return n.db.SetOrganisation(ctx, handle, name, "", "")
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return fmt.Errorf("organisation key: %w", err)
	}
	return n.db.SetOrganisation(ctx, handle, name, keys.PublicPEM, keys.PrivatePEM)
}

// organisation returns the node with its organisation, or a not-found
// error when the node has none yet.
func (n *Node) organisation(ctx context.Context) (*content.Node, error) {
	node, err := n.db.Node(ctx)
	if err != nil {
		return nil, err
	}
	if node.OrgUsername == "" {
		return nil, content.Errorf(content.KindNotFound, "", "org.none", "this node has no organisation actor")
	}
	return node, nil
}

// isOrgHandle reports whether username names the organisation actor.
func (n *Node) isOrgHandle(ctx context.Context, username string) bool {
	node, err := n.organisation(ctx)
	return err == nil && strings.EqualFold(node.OrgUsername, username)
}

func (n *Node) serveOrg(w http.ResponseWriter, r *http.Request) error {
	varyAccept(w)
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, n.iris.Base()+"/", http.StatusFound)
		return nil
	}
	return n.writeOrgDocument(w, r)
}

func (n *Node) writeOrgDocument(w http.ResponseWriter, r *http.Request) error {
	node, err := n.organisation(r.Context())
	if err != nil {
		return err
	}
	doc, err := n.orgDocument(node)
	if err != nil {
		return err
	}
	return writeActivityJSON(w, http.StatusOK, doc)
}

// orgDocument is the organisation's actor document, as served and as sent
// in an Update (keys_rotate.go).
func (n *Node) orgDocument(node *content.Node) (map[string]any, error) {
	id := n.iris.Organisation()
	doc, err := n.actorDocument(actorDoc{
		Type: vocab.OrganizationType, ID: id, Username: node.OrgUsername, Name: node.OrgName,
		SummaryHTML: textToHTML(node.Description), URL: n.iris.Base() + "/",
		Inbox: n.iris.Inbox(id), Outbox: n.iris.Outbox(id),
		Followers: n.iris.Followers(id), Following: n.iris.Following(id),
		PublicKeyPEM: node.OrgPublicKeyPEM, Discoverable: true,
	})
	if err != nil {
		return nil, fmt.Errorf("organisation actor: %w", err)
	}
	return doc, nil
}

func (n *Node) serveOrgCollection(iri func(IRIs, string) string, src *collectionSource) fedHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := n.organisation(r.Context()); err != nil {
			return err
		}
		id := n.iris.Organisation()
		var source collectionSource
		if src != nil {
			source = *src
		}
		return serveCollection(w, r, iri(n.iris, id), id, source)
	}
}

// onOrgFollow: the organisation accepts every follow at once.
func (n *Node) onOrgFollow(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	if _, err := n.organisation(ctx); err != nil {
		return "ignored: follow of the organisation, which this node does not have", nil
	}
	remote, err := n.remoteActor(ctx, it.Actor, false)
	if err != nil {
		return "", fmt.Errorf("fetch follower %s: %w", it.Actor, err)
	}
	org := n.iris.Organisation()
	if err := n.db.PutFollow(ctx, &content.Follow{IRI: act.ID, Follower: it.Actor, Followee: org, State: content.FollowAccepted}); err != nil {
		return "", err
	}
	if err := n.sendAccept(ctx, org, remote, it.Body); err != nil {
		return "", err
	}
	return "accepted: " + it.Actor + " follows the organisation", nil
}

// announceByOrg has the organisation boost a public object of the node
// to its followers. A node without an organisation actor boosts nothing.
func (n *Node) announceByOrg(ctx context.Context, objectIRI string) error {
	if _, err := n.organisation(ctx); err != nil {
		return nil
	}
	org := n.iris.Organisation()
	targets, err := n.db.FollowerInboxes(ctx, org)
	if err != nil {
		return err
	}
	doc := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Announce", "actor": org,
		"published": n.now().Truncate(time.Second).Format(time.RFC3339),
		"to":        []string{Public}, "cc": []string{n.iris.Followers(org)}, "object": objectIRI,
	}
	if _, err := n.enqueue(ctx, org, doc, nil, true, targets); err != nil {
		return fmt.Errorf("organisation boost of %s: %w", objectIRI, err)
	}
	return nil
}
