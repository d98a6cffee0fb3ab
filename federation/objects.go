package federation

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kring/content"
)

func (n *Node) objectRoutes() []Route {
	return []Route{
		{Pattern: "GET /notes/{id}", Handler: http.HandlerFunc(n.serveNote)},
		{Pattern: "GET /activities/{id}", Handler: http.HandlerFunc(n.serveActivity)},
		{Pattern: "GET /posts/{id}", Handler: n.handler(n.servePost)},
		{Pattern: "GET /posts/{id}/replies", Handler: n.handler(n.servePostReplies)},
		{Pattern: "GET /threads/{id}", Handler: n.handler(n.serveThread)},
		{Pattern: "GET /threads/{id}/replies", Handler: n.handler(n.serveThreadReplies)},
	}
}

// servePost serves a post at its id: AS2 to servers, and people go to its
// page. A deleted post answers 410 with a Tombstone; drafts and
// followers-only posts are not served here (followers' servers got them
// delivered).
func (n *Node) servePost(w http.ResponseWriter, r *http.Request) error {
	iri := n.iris.Post(r.PathValue("id"))
	if !WantsActivityJSON(r) {
		p, err := n.db.PostByIRI(r.Context(), iri)
		if err != nil || p.State == content.PostDraft {
			return errStatus(http.StatusNotFound, "no such post")
		}
		http.Redirect(w, r, n.iris.PostURL(p.Author, p.Slug), http.StatusFound)
		return nil
	}
	return n.ServeObject(w, r, iri)
}

// ServeObject answers a local object as AS2: the stored document, or a
// Tombstone with 410 once deleted. Objects only their followers may read
// answer 404, as if they were not there.
func (n *Node) ServeObject(w http.ResponseWriter, r *http.Request, iri string) error {
	w.Header().Add("Vary", "Accept")
	o, err := n.db.ObjectByIRI(r.Context(), iri)
	if err != nil || !o.Local || (!o.Public && !o.Deleted) {
		return errStatus(http.StatusNotFound, "no such object")
	}
	if o.Deleted {
		return writeActivityJSON(w, http.StatusGone, map[string]any{"@context": ASContext, "id": o.IRI, "type": "Tombstone",
			"formerType": o.Type, "deleted": o.Updated.UTC().Format(time.RFC3339)})
	}
	writeRawActivityJSON(w, []byte(o.Raw))
	return nil
}

// serveThread serves a thread's Page at its id: AS2 to servers; people go
// to the thread's page.
func (n *Node) serveThread(w http.ResponseWriter, r *http.Request) error {
	iri := n.iris.Thread(r.PathValue("id"))
	if !WantsActivityJSON(r) {
		t, err := n.db.ThreadByIRI(r.Context(), iri)
		if err != nil {
			return errStatus(http.StatusNotFound, "no such thread")
		}
		http.Redirect(w, r, n.iris.ThreadPage(t.Forum, t.ID), http.StatusFound)
		return nil
	}
	return n.ServeObject(w, r, iri)
}

func (n *Node) serveThreadReplies(w http.ResponseWriter, r *http.Request) error {
	return n.serveReplies(w, r, n.iris.Thread(r.PathValue("id")))
}

// servePostReplies is a post's replies collection: its direct replies.
func (n *Node) servePostReplies(w http.ResponseWriter, r *http.Request) error {
	return n.serveReplies(w, r, n.iris.Post(r.PathValue("id")))
}

func (n *Node) serveReplies(w http.ResponseWriter, r *http.Request, iri string) error {
	o, err := n.db.ObjectByIRI(r.Context(), iri)
	if err != nil || !o.Local || !o.Public || o.Deleted {
		return errStatus(http.StatusNotFound, "no such post")
	}
	return serveCollection(w, r, n.iris.Replies(iri), iri, func(ctx context.Context, owner string, offset, limit int) (int, []any, error) {
		total, iris, err := n.db.Replies(ctx, owner, offset, limit)
		items := make([]any, len(iris))
		for i, s := range iris {
			items[i] = s
		}
		return total, items, err
	})
}

// serveNote serves a local note at its id, for servers that dereference
// it (Mastodon re-fetches announced objects). Browsers go to the author's
// profile until notes get pages of their own.
func (n *Node) serveNote(w http.ResponseWriter, r *http.Request) {
	o, err := n.db.ObjectByIRI(r.Context(), n.iris.Note(r.PathValue("id")))
	if err != nil || !o.Local || !o.Public {
		writeError(w, http.StatusNotFound, "no such object")
		return
	}
	if o.Deleted {
		writeActivityJSON(w, http.StatusGone, map[string]any{"@context": ASContext, "id": o.IRI, "type": "Tombstone", "formerType": o.Type})
		return
	}
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, n.notePage(r.Context(), o), http.StatusFound)
		return
	}
	writeRawActivityJSON(w, []byte(o.Raw))
}

// notePage is where people read a local note: a reply in its place on the
// thread or post it belongs to, anything else on its author's profile.
func (n *Node) notePage(ctx context.Context, o *content.Object) string {
	anchor := "#c" + strconv.FormatInt(o.ID, 10)
	if o.Root != "" {
		if t, err := n.db.ThreadByIRI(ctx, o.Root); err == nil {
			return n.iris.ThreadPage(t.Forum, t.ID) + anchor
		}
		if p, err := n.db.PostByIRI(ctx, o.Root); err == nil && p.State == content.PostPublished {
			return n.iris.PostURL(p.Author, p.Slug) + anchor
		}
	}
	name, _ := n.iris.LocalUsername(o.AttributedTo)
	return n.iris.Profile(name)
}

// serveActivity serves a public local activity as it was sent.
func (n *Node) serveActivity(w http.ResponseWriter, r *http.Request) {
	a, err := n.db.ActivityByIRI(r.Context(), n.iris.Activity(r.PathValue("id")))
	if err != nil || !a.Public {
		writeError(w, http.StatusNotFound, "no such activity")
		return
	}
	if !WantsActivityJSON(r) {
		name, _ := n.iris.LocalUsername(a.Actor)
		http.Redirect(w, r, "/@"+strings.TrimSpace(name), http.StatusFound)
		return
	}
	writeRawActivityJSON(w, a.Body)
}

func writeRawActivityJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
