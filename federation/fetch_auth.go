package federation

import (
	"errors"
	"net/http"
)

// signedFetchRoutes are the documents that authorized-fetch mode keeps
// from unsigned readers. Actor documents stay open: a server verifying our
// signature must be able to fetch our key without signing, or two nodes in
// this mode would wait on each other forever.
var signedFetchRoutes = map[string]bool{
	"GET /users/{username}/outbox":    true,
	"GET /users/{username}/followers": true,
	"GET /users/{username}/following": true,
	"GET /actor/outbox":               true,
	"GET /groups/{name}/outbox":       true,
	"GET /groups/{name}/followers":    true,
	"GET /groups/{name}/following":    true,
	"GET /notes/{id}":                 true,
	"GET /activities/{id}":            true,
}

// requireSignedFetch wraps a document route in authorized-fetch mode: an
// AS2 request must carry a valid HTTP signature (browsers, which get HTML
// or a redirect, are not asked for one).
func (n *Node) requireSignedFetch(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Signature")
		if !WantsActivityJSON(r) {
			h.ServeHTTP(w, r)
			return
		}
		_, owner, err := n.verifier.Verify(r.Context(), r, nil)
		if err != nil {
			reason := err.Error()
			var ve *VerifyError
			if errors.As(err, &ve) {
				reason = ve.Reason
				n.metrics.refused("fetch_" + ve.Code)
			}
			writeError(w, http.StatusUnauthorized, "this node requires signed fetches (authorized fetch): "+reason)
			return
		}
		if v := n.ActorVerdict(r.Context(), owner); v.Refused() { // federation policy (policy.go)
			code, why := v.refusal(hostOf(owner))
			n.metrics.refused("fetch_" + code)
			writeError(w, http.StatusForbidden, why)
			return
		}
		h.ServeHTTP(w, r)
	})
}
