package federation

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"time"

	"kring/content"
)

// The federation policy (domain blocks, the allowlist, actor policies;
// storage/policy.go keeps them) holds at four doors:
//
//   - the inbox refuses a suspended or unlisted sender with 403 before its
//     signature is verified, so that no key is fetched for it;
//   - the outbound client refuses to fetch from (or be redirected to) a
//     suspended or unlisted server, and to fetch a suspended actor;
//   - a delivery to such a server fails for good (storage drops such
//     targets when queueing, and cancels the queued ones when the policy
//     changes; the client check catches what was in flight);
//   - authorized fetch refuses signed GETs by suspended actors and servers.
//
// What gets stored is limited or stripped of media by storage itself.
// kring serve reads the policy from the database: a change made by the
// CLI holds within policyTTL.

// policyTTL is how long the node trusts the policy it holds before it
// compares the stored version (one small read) and reloads on a change.
const policyTTL = time.Second

// policyCache holds the policy in force. Its zero value is ready.
type policyCache struct {
	mu      sync.Mutex
	snap    *policySnapshot
	checked time.Time
}

// policySnapshot is the stored policy, indexed for checks.
type policySnapshot struct {
	version int64
	mode    content.FederationMode
	blocks  map[string]content.DomainBlock
	allows  map[string]bool
	actors  map[string]content.ActorPolicy
	// unavailable marks a policy that could not be read: everything is
	// refused until it can (an allowlist must not open up on an error).
	unavailable bool
}

// policy returns the policy in force, rereading it when policyTTL has
// passed and the stored version changed.
func (n *Node) policy(ctx context.Context) *policySnapshot {
	c := &n.policyCache
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.snap != nil && !c.snap.unavailable && now.Sub(c.checked) < policyTTL {
		return c.snap
	}
	if c.snap != nil && !c.snap.unavailable {
		v, err := n.db.PolicyVersion(ctx)
		if err != nil {
			n.log.Warn("read federation policy version; keeping the policy held", "err", err)
			return c.snap
		}
		if v == c.snap.version {
			c.checked = now
			return c.snap
		}
	}
	p, err := n.db.FederationPolicy(ctx)
	if err != nil {
		n.log.Error("read federation policy; refusing federation until it can be read", "err", err)
		if c.snap != nil && !c.snap.unavailable {
			return c.snap
		}
		return &policySnapshot{unavailable: true}
	}
	s := &policySnapshot{version: p.Version, mode: p.Mode, blocks: make(map[string]content.DomainBlock, len(p.Blocks)),
		allows: make(map[string]bool, len(p.Allows)), actors: make(map[string]content.ActorPolicy, len(p.Actors))}
	for _, b := range p.Blocks {
		s.blocks[b.Domain] = b
	}
	for _, a := range p.Allows {
		s.allows[a.Domain] = true
	}
	for _, a := range p.Actors {
		s.actors[a.Actor] = a
	}
	if c.snap != nil && c.snap.version != s.version {
		n.log.Info("federation policy changed", "version", s.version, "mode", s.mode, "blocks", len(s.blocks),
			"allowed", len(s.allows), "actors", len(s.actors))
	}
	c.snap, c.checked = s, now
	return s
}

// Verdict is what the federation policy holds for a server or an actor.
type Verdict struct {
	// Severity is the strictest that applies: "" when none does.
	Severity      content.Severity
	RejectMedia   bool
	RejectReports bool
	// Listed is false for a server off the allowlist in allowlist mode.
	Listed bool
	// By names the policy that decided: a domain, or an actor id when
	// the actor's own policy is the strictest.
	By string
	// Reason is the public comment of the deciding domain block, which
	// may be told to the server refused.
	Reason string
	// Unavailable means the policy could not be read: refused.
	Unavailable bool
}

// Refused reports whether nothing may go to or come from it.
func (v Verdict) Refused() bool {
	return v.Severity == content.SeveritySuspend || !v.Listed || v.Unavailable
}

// Limited reports whether what it sends is kept out of public listings.
func (v Verdict) Limited() bool { return v.Severity == content.SeverityLimit }

// refusal is the inbox's code and the reason it gives, in words the
// refused server may read (never the private comment).
func (v Verdict) refusal(host string) (code, reason string) {
	switch {
	case v.Unavailable:
		return "policy_unavailable", "this node cannot read its federation policy right now; try again later"
	case v.Severity == content.SeveritySuspend && strings.Contains(v.By, "://"):
		return "actor_suspended", "actor " + v.By + " is suspended on this node"
	case v.Severity == content.SeveritySuspend:
		reason = "domain " + v.By + " is suspended on this node"
		if v.Reason != "" {
			reason += ": " + v.Reason
		}
		return "domain_suspended", reason
	}
	return "not_allowlisted", "this node federates only with the servers on its allowlist, and " + host + " is not on it"
}

// host is the verdict for a host ("b.test:8080"): the strictest block of
// the host and its parent domains, and whether the allowlist names it.
func (s *policySnapshot) host(host string) Verdict {
	if s.unavailable {
		return Verdict{Unavailable: true}
	}
	v := Verdict{Listed: s.mode != content.FederateAllowlist}
	for _, d := range content.DomainCandidates(host) {
		v.Listed = v.Listed || s.allows[d]
		b, ok := s.blocks[d]
		if !ok {
			continue
		}
		v.RejectMedia = v.RejectMedia || b.RejectMedia
		v.RejectReports = v.RejectReports || b.RejectReports
		if v.Severity == "" || b.Severity.Stricter(v.Severity) {
			v.Severity, v.By, v.Reason = b.Severity, b.Domain, b.PublicComment
		}
	}
	return v
}

// actor is the verdict for an actor id: its server's, made stricter by a
// policy on the actor itself.
func (s *policySnapshot) actor(iri string) Verdict {
	v := s.host(hostOf(iri))
	if a, ok := s.actors[iri]; ok && (v.Severity == "" || a.Severity.Stricter(v.Severity)) {
		v.Severity, v.By, v.Reason = a.Severity, a.Actor, ""
	}
	return v
}

// DomainVerdict says what the federation policy holds for a host (as in
// a URL, "social.example:8443"). The node's own host is always listed
// and never blocked.
func (n *Node) DomainVerdict(ctx context.Context, host string) Verdict {
	if strings.EqualFold(host, n.cfg.Host) {
		return Verdict{Listed: true}
	}
	return n.policy(ctx).host(host)
}

// ActorVerdict says what the federation policy holds for an actor id,
// its server's policy included. Reports from an actor whose verdict has
// RejectReports are to be ignored.
func (n *Node) ActorVerdict(ctx context.Context, actor string) Verdict {
	if strings.EqualFold(hostOf(actor), n.cfg.Host) {
		return Verdict{Listed: true}
	}
	return n.policy(ctx).actor(actor)
}

// PolicyError is a request the node's own federation policy refuses: a
// fetch from or a delivery to a suspended or unlisted server or actor.
type PolicyError struct {
	URL    string
	Code   string // domain_suspended, actor_suspended, not_allowlisted, policy_unavailable
	Reason string
}

func (e *PolicyError) Error() string { return "refused by federation policy: " + e.Reason }

// refuseRequest is the outbound client's policy check (ClientConfig.Refuse):
// every request and redirect to another server passes it.
func (n *Node) refuseRequest(ctx context.Context, u *url.URL) error {
	if strings.EqualFold(u.Host, n.cfg.Host) {
		return nil
	}
	p := n.policy(ctx)
	v := p.host(u.Host)
	if !v.Refused() {
		// A suspended actor's own documents: its id, and what hangs
		// below it (/users/bob/outbox).
		doc := *u
		doc.Fragment, doc.RawQuery = "", ""
		for id := doc.String(); ; {
			if a, ok := p.actors[id]; ok && a.Severity == content.SeveritySuspend {
				v.Severity, v.By = a.Severity, a.Actor
				break
			}
			i := strings.LastIndex(id, "/")
			if i <= len(u.Scheme)+len("://") {
				break
			}
			id = id[:i]
		}
	}
	if !v.Refused() {
		return nil
	}
	code, reason := v.refusal(u.Host)
	return &PolicyError{URL: u.String(), Code: code, Reason: reason}
}

// inboxPolicy decides, before the signature is verified, whether the
// policy refuses an inbox POST: by the activity's actor, its server and
// the allowlist. It returns the refusal's code and reason, or "" when
// the activity may go on (a body without a readable actor goes on to be
// refused by the checks after it).
func (n *Node) inboxPolicy(ctx context.Context, body []byte) (code, reason string) {
	var env struct {
		Actor json.RawMessage `json:"actor"`
	}
	if json.Unmarshal(body, &env) != nil {
		return "", ""
	}
	actor := soleID(env.Actor)
	if actor == "" {
		return "", ""
	}
	v := n.ActorVerdict(ctx, actor)
	if !v.Refused() {
		return "", ""
	}
	return v.refusal(hostOf(actor))
}

// expirePolicy makes the next policy check compare the stored version,
// so that a suspension made here holds from the next request on rather
// than within policyTTL.
func (n *Node) expirePolicy() {
	c := &n.policyCache
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}
