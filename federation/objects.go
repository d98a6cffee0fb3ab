package federation

import (
	"net/http"
	"strings"
)

func (n *Node) objectRoutes() []Route {
	return []Route{
		{Pattern: "GET /notes/{id}", Handler: http.HandlerFunc(n.serveNote)},
		{Pattern: "GET /activities/{id}", Handler: http.HandlerFunc(n.serveActivity)},
	}
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
		name, _ := n.iris.LocalUsername(o.AttributedTo)
		http.Redirect(w, r, "/@"+name, http.StatusFound)
		return
	}
	writeRawActivityJSON(w, []byte(o.Raw))
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
