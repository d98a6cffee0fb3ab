package federation

import (
	"context"
	"fmt"
	"net/http"

	vocab "github.com/go-ap/activitypub"

	"kring/content"
)

// Forums are Group actors (FEP-1b12): anyone can follow one, and it
// accepts follows by itself. Threads and their redistribution come with
// the forum issue; this is the actor, its collections and following.

func (n *Node) groupRoutes() []Route {
	return []Route{
		{Pattern: "GET /groups/{name}", Handler: n.handler(n.serveGroup)},
		{Pattern: "GET /groups/{name}/outbox", Handler: n.handler(n.serveGroupCollection(IRIs.Outbox, &n.outboxItems))},
		{Pattern: "GET /groups/{name}/followers", Handler: n.handler(n.serveGroupCollection(IRIs.Followers, &n.followerItems))},
		{Pattern: "GET /groups/{name}/following", Handler: n.handler(n.serveGroupCollection(IRIs.Following, nil))},
		{Pattern: "GET /groups/{name}/moderators", Handler: n.handler(n.serveGroupCollection(moderatorsIRI, ptr(n.moderatorsSource)))},
		{Pattern: "GET /groups/{name}/featured", Handler: n.handler(n.serveGroupCollection(featuredIRI, ptr(n.featuredSource)))},
		{Pattern: "POST /groups/{name}/inbox", Handler: http.HandlerFunc(n.serveInbox), MaxBody: MaxInboxBody},
	}
}

func moderatorsIRI(_ IRIs, actor string) string { return actor + "/moderators" }
func featuredIRI(_ IRIs, actor string) string   { return actor + "/featured" }

// forum reads the forum a route names.
func (n *Node) forum(r *http.Request) (*content.Forum, error) {
	name := r.PathValue("name")
	f, err := n.db.ForumByName(r.Context(), name)
	if err != nil {
		return nil, fmt.Errorf("forum %s: %w", name, err)
	}
	return f, nil
}

func (n *Node) serveGroup(w http.ResponseWriter, r *http.Request) error {
	varyAccept(w)
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, n.iris.Base()+"/f/"+r.PathValue("name"), http.StatusFound)
		return nil
	}
	f, err := n.forum(r)
	if err != nil {
		return err
	}
	doc, err := n.groupDocument(f)
	if err != nil {
		return err
	}
	return writeActivityJSON(w, http.StatusOK, doc)
}

// groupDocument is a forum's Group actor.
func (n *Node) groupDocument(f *content.Forum) (map[string]any, error) {
	id := n.iris.Group(f.Name)
	doc, err := n.actorDocument(actorDoc{
		Type: vocab.GroupType, ID: id, Username: f.Name, Name: f.Title,
		SummaryHTML: textToHTML(f.Description), URL: id,
		Inbox: n.iris.Inbox(id), Outbox: n.iris.Outbox(id),
		Followers: n.iris.Followers(id), Following: n.iris.Following(id),
		PublicKeyPEM: f.PublicKeyPEM, Published: f.CreatedAt, Discoverable: true,
	})
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", f.Name, err)
	}
	// Lemmy and Mbin read moderators from attributedTo; featured holds
	// pinned threads. postingRestrictedToMods is Lemmy's flag.
	doc["attributedTo"] = moderatorsIRI(n.iris, id)
	doc["moderators"] = moderatorsIRI(n.iris, id)
	doc["featured"] = featuredIRI(n.iris, id)
	doc["postingRestrictedToMods"] = false
	return doc, nil
}

// UpdateForum stores a forum's new settings and sends its followers'
// servers the changed Group (Update), so its title and description change
// there too.
func (n *Node) UpdateForum(ctx context.Context, f *content.Forum) error {
	if err := n.db.UpdateForum(ctx, f); err != nil {
		return err
	}
	group := n.iris.Group(f.Name)
	targets, err := n.db.FollowerInboxes(ctx, group)
	if err != nil || len(targets) == 0 {
		return err
	}
	doc, err := n.groupDocument(f)
	if err != nil {
		return err
	}
	delete(doc, "@context")
	update := map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Update", "actor": group,
		"to": []string{Public}, "cc": []string{n.iris.Followers(group)}, "object": doc}
	_, err = n.enqueue(ctx, group, update, nil, true, targets)
	return err
}

func (n *Node) serveGroupCollection(iri func(IRIs, string) string, src *collectionSource) fedHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := n.forum(r)
		if err != nil {
			return err
		}
		id := n.iris.Group(f.Name)
		var source collectionSource
		if src != nil {
			source = *src
		}
		return serveCollection(w, r, iri(n.iris, id), id, source)
	}
}

// onGroupFollow: a forum accepts every follow at once.
func (n *Node) onGroupFollow(ctx context.Context, it *content.InboxItem, act *activity, name string) (string, error) {
	if _, err := n.db.ForumByName(ctx, name); err != nil {
		return "ignored: follow of unknown forum " + name, nil
	}
	remote, err := n.remoteActor(ctx, it.Actor, false)
	if err != nil {
		return "", fmt.Errorf("fetch follower %s: %w", it.Actor, err)
	}
	group := n.iris.Group(name)
	if err := n.db.PutFollow(ctx, &content.Follow{IRI: act.ID, Follower: it.Actor, Followee: group, State: content.FollowAccepted}); err != nil {
		return "", err
	}
	if err := n.sendAccept(ctx, group, remote, it.Body); err != nil {
		return "", err
	}
	return "accepted: " + it.Actor + " follows forum " + name, nil
}

func ptr(s collectionSource) *collectionSource { return &s }

// moderatorsSource lists a forum's moderators, which Lemmy and Mbin read
// to know whose Lock, Delete and Block to accept for the community.
func (n *Node) moderatorsSource(ctx context.Context, group string, offset, limit int) (int, []any, error) {
	f, err := n.groupForum(ctx, group)
	if err != nil {
		return 0, nil, err
	}
	names, err := n.db.Moderators(ctx, f.ID)
	if err != nil {
		return 0, nil, err
	}
	var iris []any
	for _, name := range names {
		iris = append(iris, n.iris.Actor(name))
	}
	return len(iris), page(iris, offset, limit), nil
}

// featuredSource lists a forum's pinned threads.
func (n *Node) featuredSource(ctx context.Context, group string, offset, limit int) (int, []any, error) {
	f, err := n.groupForum(ctx, group)
	if err != nil {
		return 0, nil, err
	}
	pinned, err := n.db.PinnedThreads(ctx, f.ID)
	if err != nil {
		return 0, nil, err
	}
	var iris []any
	for _, t := range pinned {
		iris = append(iris, t.IRI)
	}
	return len(iris), page(iris, offset, limit), nil
}

func (n *Node) groupForum(ctx context.Context, group string) (*content.Forum, error) {
	name, ok := n.iris.LocalGroup(group)
	if !ok {
		return nil, fmt.Errorf("%s is not a forum here", group)
	}
	return n.db.ForumByName(ctx, name)
}

func page(items []any, offset, limit int) []any {
	if offset >= len(items) {
		return nil
	}
	return items[offset:min(len(items), offset+limit)]
}
