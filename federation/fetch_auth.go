package federation

import (
	"context"
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
	"GET /organisation/outbox":        true,
	"GET /organisation/followers":     true,
	"GET /organisation/following":     true,
	"GET /speakers/group/outbox":      true,
	"GET /speakers/group/followers":   true,
	"GET /notes/{id}":                 true,
	"GET /activities/{id}":            true,
	"GET /posts/{id}":                 true,
	"GET /posts/{id}/replies":         true,
	"GET /threads/{id}":               true,
	"GET /threads/{id}/replies":       true,
	"GET /events/{id}":                true,
	"GET /events/{id}/replies":        true,
}

// verifiedSignerKey keeps the signer requireSignedFetch verified, so that
// a route deciding who may read a document (visibility.go) does not verify
// the same signature again.
type verifiedSignerKey struct{}

// verifiedSigner is the actor requireSignedFetch verified, or "".
func verifiedSigner(ctx context.Context) string {
	s, _ := ctx.Value(verifiedSignerKey{}).(string)
	return s
}

// requireSignedFetch wraps a document route in authorized-fetch mode: an
// AS2 request must carry a valid HTTP signature (browsers, which get HTML
// or a redirect, are not asked for one).
func (n *Node) requireSignedFetch(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addVary(w, "Signature")
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
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), verifiedSignerKey{}, owner)))
	})
}
