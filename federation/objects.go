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
		{Pattern: "GET /notes/{id}", Handler: n.handler(n.serveNote)},
		{Pattern: "GET /activities/{id}", Handler: n.handler(n.serveActivity)},
		{Pattern: "GET /posts/{id}", Handler: n.handler(n.servePost)},
		{Pattern: "GET /posts/{id}/replies", Handler: n.handler(n.servePostReplies)},
		{Pattern: "GET /threads/{id}", Handler: n.handler(n.serveThread)},
		{Pattern: "GET /threads/{id}/replies", Handler: n.handler(n.serveThreadReplies)},
	}
}

// errNoObject is the one answer for a document that is missing and for
// one the requester may not read, so that the two cannot be told apart.
func errNoObject() error { return errStatus(http.StatusNotFound, "no such object") }

// servePost serves a post at its id: AS2 to servers, and people go to its
// page. A deleted post answers 410 with a Tombstone; drafts are not
// served, and a followers-only post only to its author's followers
// (visibility.go). Its page's address names its title, so people are sent
// there only for a post anyone may read.
func (n *Node) servePost(w http.ResponseWriter, r *http.Request) error {
	iri := n.iris.Post(r.PathValue("id"))
	if !WantsActivityJSON(r) {
		varyAccept(w)
		p, err := n.db.PostByIRI(r.Context(), iri)
		if err != nil || p.State == content.PostDraft || p.Visibility == content.VisibilityFollowers {
			return errNoObject()
		}
		http.Redirect(w, r, n.iris.PostURL(p.Author, p.Slug), http.StatusFound)
		return nil
	}
	return n.ServeObject(w, r, iri)
}

// ServeObject answers a local object as AS2: the stored document, or a
// Tombstone with 410 once deleted. An object that is not public is served
// only to a signed request by one of its readers (visibility.go); anyone
// else gets 404, as if it were not there.
func (n *Node) ServeObject(w http.ResponseWriter, r *http.Request, iri string) error {
	varyBySignature(w)
	o, err := n.db.ObjectByIRI(r.Context(), iri)
	if err != nil || !o.Local {
		return errNoObject()
	}
	if !o.Public && !n.readPrivate(w, r, o.AttributedTo, []byte(o.Raw)) {
		return errNoObject()
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
		varyAccept(w)
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

// serveReplies is an object's replies collection, served to whoever may
// read the object. It lists only the public replies, whoever asks (as
// Mastodon's does): a followers-only reply is its author's followers' to
// read, not the readers' of the object it answers.
func (n *Node) serveReplies(w http.ResponseWriter, r *http.Request, iri string) error {
	varyBySignature(w)
	o, err := n.db.ObjectByIRI(r.Context(), iri)
	if err != nil || !o.Local || o.Deleted {
		return errNoObject()
	}
	if !o.Public && !n.readPrivate(w, r, o.AttributedTo, []byte(o.Raw)) {
		return errNoObject()
	}
	return serveCollection(w, r, n.iris.Replies(iri), iri, func(ctx context.Context, owner string, offset, limit int) (int, []any, error) {
		total, iris, err := n.db.PublicReplies(ctx, owner, offset, limit)
		return total, stringsToAny(iris), err
	})
}

// serveNote serves a local note at its id, for servers that dereference
// it (Mastodon re-fetches announced objects). Browsers go to the note's
// place on its thread or its author's profile, when it is public.
func (n *Node) serveNote(w http.ResponseWriter, r *http.Request) error {
	varyBySignature(w)
	o, err := n.db.ObjectByIRI(r.Context(), n.iris.Note(r.PathValue("id")))
	if err != nil || !o.Local {
		return errNoObject()
	}
	if !WantsActivityJSON(r) {
		if !o.Public {
			return errNoObject()
		}
		http.Redirect(w, r, n.notePage(r.Context(), o), http.StatusFound)
		return nil
	}
	if !o.Public && !n.readPrivate(w, r, o.AttributedTo, []byte(o.Raw)) {
		return errNoObject()
	}
	if o.Deleted {
		return writeActivityJSON(w, http.StatusGone, map[string]any{"@context": ASContext, "id": o.IRI, "type": "Tombstone", "formerType": o.Type})
	}
	writeRawActivityJSON(w, []byte(o.Raw))
	return nil
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

// serveActivity serves a local activity as it was sent: a public one to
// anyone, any other (the Create of a followers-only post, an Accept) to
// its readers alone (visibility.go).
func (n *Node) serveActivity(w http.ResponseWriter, r *http.Request) error {
	varyBySignature(w)
	a, err := n.db.ActivityByIRI(r.Context(), n.iris.Activity(r.PathValue("id")))
	if err != nil {
		return errNoObject()
	}
	if !WantsActivityJSON(r) {
		if !a.Public {
			return errNoObject()
		}
		name, _ := n.iris.LocalUsername(a.Actor)
		http.Redirect(w, r, "/@"+strings.TrimSpace(name), http.StatusFound)
		return nil
	}
	if !a.Public && !n.readPrivate(w, r, a.Actor, a.Body) {
		return errNoObject()
	}
	writeRawActivityJSON(w, a.Body)
	return nil
}

func writeRawActivityJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	addVary(w, "Accept")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
