package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"kring/content"
)

// MaxInboxBody is the largest activity accepted; Mastodon's own limit is
// about the same, and real activities are a few KiB.
const MaxInboxBody = 1 << 20

func (n *Node) inboxRoutes() []Route {
	h := http.HandlerFunc(n.serveInbox)
	return []Route{
		{Pattern: "POST /inbox", Handler: h, MaxBody: MaxInboxBody},
		{Pattern: "POST /users/{username}/inbox", Handler: h, MaxBody: MaxInboxBody},
		{Pattern: "POST /actor/inbox", Handler: h, MaxBody: MaxInboxBody},
	}
}

// envelope is the part of an activity the inbox checks before storing it.
type envelope struct {
	ID     string          `json:"id"`
	Type   json.RawMessage `json:"type"`
	Actor  json.RawMessage `json:"actor"`
	Object json.RawMessage `json:"object"`
}

// serveInbox verifies first, then stores, then answers: nothing is
// processed before it is durable, and nothing unverified is stored.
func (n *Node) serveInbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	limits := n.inboxLimiter()
	if code, why, wait, ok := limits.admit(r); !ok {
		// Refused before the body is read or anything is verified.
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		n.inboxRefused(w, r, http.StatusTooManyRequests, code, why)
		return
	}
	if name := r.PathValue("name"); name != "" {
		if _, err := n.db.ForumByName(ctx, name); err != nil {
			n.inboxRefused(w, r, http.StatusNotFound, "no_actor", "no such actor")
			return
		}
	}
	if name := r.PathValue("username"); name != "" {
		m, err := n.db.MemberByUsername(ctx, name)
		if err != nil || m.Suspended {
			n.inboxRefused(w, r, http.StatusNotFound, "no_actor", "no such actor")
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInboxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			n.inboxRefused(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", MaxInboxBody))
			return
		}
		n.inboxRefused(w, r, http.StatusBadRequest, "read", "could not read the body")
		return
	}
	if code, why := n.inboxPolicy(ctx, body); code != "" { // federation policy (policy.go)
		n.inboxRefused(w, r, http.StatusForbidden, code, why)
		return
	}
	if n.unknownActorGone(ctx, body) {
		// Mastodon tells every server it knows when an account is deleted;
		// one never stored here has nothing here to delete, and its key is
		// gone (410), so the signature could not be checked anyway. Taken
		// and dropped without a key fetch, as Mastodon's own inbox does.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	keyID, owner, err := n.verifier.Verify(ctx, r, body)
	if err != nil {
		limits.failed(r)
		var ve *VerifyError
		if errors.As(err, &ve) {
			n.inboxRefused(w, r, http.StatusUnauthorized, ve.Code, ve.Reason)
			return
		}
		n.inboxRefused(w, r, http.StatusUnauthorized, "signature", err.Error())
		return
	}
	// Only a verified activity counts against its host: a forger who
	// claims another server's keyId spends its own address's budget.
	limits.verified(keyID)
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		n.inboxRefused(w, r, http.StatusBadRequest, "malformed", "body is not a JSON object")
		return
	}
	actor, typ := soleID(env.Actor), typeOf(env.Type)
	switch {
	case env.ID == "" || typ == "" || actor == "":
		n.inboxRefused(w, r, http.StatusBadRequest, "incomplete", "activity needs id, type and actor")
		return
	case actor != owner:
		n.inboxRefused(w, r, http.StatusUnauthorized, "actor_mismatch",
			fmt.Sprintf("signed by %s, which is not the activity's actor %s", owner, actor))
		return
	case hostOf(env.ID) != hostOf(actor):
		// A copy of someone else's activity is not proof of it; only its
		// origin may speak for it.
		n.inboxRefused(w, r, http.StatusBadRequest, "foreign_id",
			fmt.Sprintf("activity id %s is not on the actor's host %s", env.ID, hostOf(actor)))
		return
	}
	if n.mayConcernForum(r, typ, body) {
		if why := n.forumRefusal(ctx, actor, typ, &env, body); why != "" {
			n.inboxRefused(w, r, http.StatusForbidden, "forum", why)
			return
		}
	}
	item := &content.InboxItem{ActivityIRI: env.ID, Actor: actor, Type: typ, Body: body}
	// Group commit: stored, with whatever else arrived meanwhile, before
	// the 202.
	inserted, err := n.inbox.do(ctx, item)
	if err != nil {
		n.log.Error("store inbox activity", "activity_id", env.ID, "err", err)
		http.Error(w, `{"error":"could not store the activity, try again later"}`, http.StatusServiceUnavailable)
		return
	}
	n.metrics.inboxAccepted.Add(1)
	if inserted {
		n.wakeInbox()
	}
	w.WriteHeader(http.StatusAccepted)
}

// soleID reads an activity's actor: an IRI, an embedded actor, or an array
// of exactly one of them (Prismo sends that). Several actors make it "":
// one signature speaks for one actor.
func soleID(raw json.RawMessage) string {
	if ids := idsOf(raw); len(ids) == 1 {
		return ids[0]
	}
	return ""
}

func (n *Node) inboxRefused(w http.ResponseWriter, r *http.Request, status int, code, reason string) {
	n.metrics.refused(code)
	n.log.Info("inbox refused", "status", status, "reason", code, "detail", reason, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": reason})
	w.Write(b)
}

// unknownActorGone reports whether body is a Delete (or Update) of its
// own actor by an actor this node has never stored: nothing to do, and
// nothing stored either way.
func (n *Node) unknownActorGone(ctx context.Context, body []byte) bool {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	switch typeOf(env.Type) {
	case "Delete", "Update":
	default:
		return false
	}
	actor := soleID(env.Actor)
	if actor == "" || soleID(env.Object) != actor || n.iris.IsLocal(actor) {
		return false
	}
	_, err := n.db.RemoteActor(ctx, actor)
	return content.KindOf(err) == content.KindNotFound
}
