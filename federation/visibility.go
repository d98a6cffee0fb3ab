package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"kring/content"
)

// Who may read a local document that is not public, as Mastodon decides it
// for authorized fetches of its private statuses (StatusPolicy#show?): the
// actor whose HTTP signature verifies, when the document names that actor
// among its addressees, or addresses its author's followers and that actor
// is an accepted follower. Everyone else, signed or not, gets the 404 a
// missing document gets: a refusal must not tell that something is there.

// signedViewer is the actor whose valid HTTP signature the request bears,
// or "" for an unsigned request, a signature that does not verify, or an
// actor (or server) the federation policy refuses. Only a request for a
// non-public document pays for the check (a key fetch at worst).
func (n *Node) signedViewer(r *http.Request) string {
	if s := verifiedSigner(r.Context()); s != "" {
		return s // authorized-fetch mode verified it already
	}
	if !bearsSignature(r) {
		return ""
	}
	_, owner, err := n.verifier.Verify(r.Context(), r, nil)
	if err != nil {
		if ve, ok := errors.AsType[*VerifyError](err); ok {
			n.metrics.refused("fetch_" + ve.Code)
		}
		return ""
	}
	if v := n.ActorVerdict(r.Context(), owner); v.Refused() {
		code, _ := v.refusal(hostOf(owner))
		n.metrics.refused("fetch_" + code)
		return ""
	}
	return owner
}

// bearsSignature reports whether a request carries an HTTP signature of
// either kind (draft-cavage or RFC 9421).
func bearsSignature(r *http.Request) bool {
	if r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	return len(auth) > 10 && strings.EqualFold(auth[:10], "Signature ")
}

// addressees are the actors and collections a document is addressed to.
// bto and bcc are read too: a document stored with them still names its
// readers there.
func addressees(raw []byte) []string {
	var doc struct {
		To       json.RawMessage `json:"to"`
		CC       json.RawMessage `json:"cc"`
		BTo      json.RawMessage `json:"bto"`
		BCC      json.RawMessage `json:"bcc"`
		Audience json.RawMessage `json:"audience"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var out []string
	for _, field := range []json.RawMessage{doc.To, doc.CC, doc.BTo, doc.BCC, doc.Audience} {
		out = append(out, idsOf(field)...)
	}
	return out
}

// mayRead reports whether viewer may read a non-public document of author
// addressed as raw says. A tombstone's document is gone (raw is empty):
// only the author's followers, to whom the only kind of non-public
// document the node writes went, may learn that it was deleted.
func (n *Node) mayRead(ctx context.Context, viewer, author string, raw []byte) bool {
	if viewer == "" || author == "" {
		return false
	}
	to := addressees(raw)
	if slices.Contains(to, viewer) {
		return true
	}
	if len(raw) > 0 && !slices.Contains(to, n.iris.Followers(author)) {
		return false
	}
	f, err := n.db.FollowBetween(ctx, viewer, author)
	return err == nil && f.State == content.FollowAccepted
}

// readPrivate decides a request for a non-public document: it marks the
// answer as one that differs per signer (Vary) and that no shared cache
// may keep, and reports whether the signer may read it.
func (n *Node) readPrivate(w http.ResponseWriter, r *http.Request, author string, raw []byte) bool {
	if !n.mayRead(r.Context(), n.signedViewer(r), author, raw) {
		return false
	}
	w.Header().Set("Cache-Control", "private")
	return true
}

// varyBySignature says that a document route answers per signer. Every
// answer of such a route says it, the 404s included, so that the headers
// of a refusal are those of a document that does not exist.
func varyBySignature(w http.ResponseWriter) {
	addVary(w, "Accept")
	addVary(w, "Signature")
}

// addVary adds one name to Vary unless it is there already.
func addVary(w http.ResponseWriter, name string) {
	for _, v := range w.Header().Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), name) {
				return
			}
		}
	}
	w.Header().Add("Vary", name)
}
