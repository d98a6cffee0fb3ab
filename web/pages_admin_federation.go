package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// The admins' federation page: the mode, domain blocks, the allowlist,
// actor policies, the servers the node knows and the recent policy
// changes. Changes go through storage as `kring domain` and `kring actor`
// make them (one transaction each, logged), and the running node applies
// them within a second (federation/policy.go).

// adminFederationView is what admin_federation.html shows.
type adminFederationView struct {
	Allowlist  bool
	Blocks     []content.DomainBlock
	Allows     []content.DomainAllow
	Actors     []content.ActorPolicy
	Servers    []adminServer
	Log        []modLogLine
	Form       blockForm
	AllowForm  allowForm
	ActorForm  actorForm
	Errors     map[string]string // field → message
	Problems   []fieldProblem    // the same, for the summary
	Notice     string            // catalogue key of what was just done
	NoticeArg  string
	Severities []severityOption
	MaxComment int
}

// adminServer is one known server as the page shows it.
type adminServer struct {
	storage.ServerStatus
	PolicyKey   string // catalogue key
	LastContact time.Time
}

// blockForm, allowForm and actorForm are the page's forms as typed.
type blockForm struct {
	Domain, Severity, PublicComment, PrivateComment string
	RejectMedia, RejectReports, Obfuscate           bool
}

type allowForm struct{ Domain, Comment string }

type actorForm struct{ Actor, Severity, Reason string }

type severityOption struct {
	Value string
	Key   string
}

// blockSeverities are the severities the block form offers, strictest
// first.
var blockSeverities = []severityOption{
	{string(content.SeveritySuspend), "admin_federation.severity_suspend"},
	{string(content.SeverityLimit), "admin_federation.severity_limit"},
	{string(content.SeverityNoop), "admin_federation.severity_noop"},
}

// policyActionKeys name the policy changes of the moderation log.
var policyActionKeys = map[content.ModAction]string{
	storage.ModDomainBlock:    "admin_federation.action_domain_block",
	storage.ModDomainUnblock:  "admin_federation.action_domain_unblock",
	storage.ModDomainAllow:    "admin_federation.action_domain_allow",
	storage.ModDomainDisallow: "admin_federation.action_domain_disallow",
	storage.ModFederationMode: "admin_federation.action_federation_mode",
	storage.ModActorSuspend:   "admin_federation.action_actor_suspend",
	storage.ModActorLimit:     "admin_federation.action_actor_limit",
	storage.ModActorLift:      "admin_federation.action_actor_lift",
}

// adminFederationNotices are the notices after a change (?done=...).
var adminFederationNotices = map[string]string{
	"blocked":    "admin_federation.notice_blocked",
	"unblocked":  "admin_federation.notice_unblocked",
	"allowed":    "admin_federation.notice_allowed",
	"disallowed": "admin_federation.notice_disallowed",
	"mode":       "admin_federation.notice_mode",
	"actor":      "admin_federation.notice_actor",
	"lifted":     "admin_federation.notice_lifted",
}

// policyLogShown is how many recent policy changes the page lists.
const policyLogShown = 30

func (s *Server) adminFederationPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/admin/federation"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	v := adminFederationView{}
	if key, ok := adminFederationNotices[q.Get("done")]; ok {
		v.Notice, v.NoticeArg = key, q.Get("what")
	}
	return s.renderAdminFederation(w, r, http.StatusOK, v)
}

// renderAdminFederation fills the policy, the servers and the log, and
// renders the page.
func (s *Server) renderAdminFederation(w http.ResponseWriter, r *http.Request, status int, v adminFederationView) error {
	ctx := r.Context()
	p, err := s.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	v.Allowlist = p.Mode == content.FederateAllowlist
	v.Blocks, v.Allows, v.Actors = p.Blocks, p.Allows, p.Actors
	servers, err := s.db.KnownServers(ctx)
	if err != nil {
		return err
	}
	for _, st := range servers {
		v.Servers = append(v.Servers, adminServer{ServerStatus: st, PolicyKey: policyKey(s.cfg.Federation.DomainVerdict(ctx, st.Host)),
			LastContact: st.LastContact()})
	}
	entries, err := s.db.ModLog(ctx, 0, 10*policyLogShown)
	if err != nil {
		return err
	}
	iris := s.cfg.Federation.IRIs()
	for _, e := range entries {
		key, ok := policyActionKeys[e.Action]
		if !ok || len(v.Log) == policyLogShown {
			continue
		}
		l := modLogLine{When: e.CreatedAt, Moderator: e.Moderator, Action: key, Target: e.Target, Reason: e.Reason}
		if name, ok := iris.LocalUsername(e.Moderator); ok {
			l.Moderator = "@" + name
		} else if e.Moderator == iris.InstanceActor() {
			l.Moderator = s.catalogs[reqFrom(ctx).lang].t("admin_federation.command_line")
		}
		if strings.HasPrefix(e.Target, "https://") || strings.HasPrefix(e.Target, "http://") {
			l.TargetURL = e.Target
		}
		v.Log = append(v.Log, l)
	}
	if v.Form.Severity == "" {
		v.Form.Severity = string(content.SeveritySuspend)
	}
	if v.ActorForm.Severity == "" {
		v.ActorForm.Severity = string(content.SeveritySuspend)
	}
	v.Severities, v.MaxComment = blockSeverities, content.MaxPolicyComment
	return s.render(w, r, status, "admin_federation", v)
}

// policyKey names a server's verdict for the servers table.
func policyKey(v federation.Verdict) string {
	switch {
	case v.Severity == content.SeveritySuspend:
		return "admin_federation.policy_suspended"
	case !v.Listed:
		return "admin_federation.policy_unlisted"
	case v.Severity == content.SeverityLimit:
		return "admin_federation.policy_limited"
	case v.Severity == content.SeverityNoop:
		return "admin_federation.policy_noop"
	}
	return "admin_federation.policy_none"
}

// saveFederationPolicy handles the page's forms.
func (s *Server) saveFederationPolicy(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	by := s.cfg.Federation.IRIs().Actor(m.Username)
	pf := r.PostForm
	done := func(what, arg string) error {
		return redirect(w, r, "/admin/federation?done="+what+"&what="+url.QueryEscape(arg))
	}
	switch pf.Get("action") {
	case "block":
		form := blockForm{Domain: strings.TrimSpace(pf.Get("domain")), Severity: pf.Get("severity"),
			PublicComment: strings.TrimSpace(pf.Get("public_comment")), PrivateComment: strings.TrimSpace(pf.Get("private_comment")),
			RejectMedia: pf.Get("reject_media") == "on", RejectReports: pf.Get("reject_reports") == "on", Obfuscate: pf.Get("obfuscate") == "on"}
		d, err := content.ParseDomain(form.Domain)
		if err != nil {
			return s.policyRefused(w, r, adminFederationView{Form: form}, err, nil)
		}
		sev, err := content.ParseSeverity(form.Severity)
		if err != nil {
			return s.policyRefused(w, r, adminFederationView{Form: form}, err, nil)
		}
		b := content.DomainBlock{Domain: d, Severity: sev, RejectMedia: form.RejectMedia, RejectReports: form.RejectReports,
			PublicComment: form.PublicComment, PrivateComment: form.PrivateComment, Obfuscate: form.Obfuscate}
		if _, err := s.db.BlockDomain(ctx, b, by); err != nil {
			return s.policyRefused(w, r, adminFederationView{Form: form}, err, map[string]string{"reject_media": "severity"})
		}
		return done("blocked", d)
	case "unblock":
		if _, err := s.db.UnblockDomain(ctx, pf.Get("domain"), by); err != nil {
			return err
		}
		return done("unblocked", pf.Get("domain"))
	case "allow":
		form := allowForm{Domain: strings.TrimSpace(pf.Get("domain")), Comment: strings.TrimSpace(pf.Get("comment"))}
		fields := map[string]string{"domain": "allow_domain", "comment": "allow_comment"}
		d, err := content.ParseDomain(form.Domain)
		if err == nil {
			err = s.db.AllowDomain(ctx, content.DomainAllow{Domain: d, Comment: form.Comment}, by)
		}
		if err != nil {
			return s.policyRefused(w, r, adminFederationView{AllowForm: form}, err, fields)
		}
		return done("allowed", d)
	case "disallow":
		if _, err := s.db.DisallowDomain(ctx, pf.Get("domain"), by); err != nil {
			return err
		}
		return done("disallowed", pf.Get("domain"))
	case "mode":
		mode, err := content.ParseFederationMode(pf.Get("mode"))
		if err != nil {
			return err
		}
		if _, err := s.db.SetFederationMode(ctx, mode, by); err != nil {
			return err
		}
		return done("mode", string(mode))
	case "actor":
		form := actorForm{Actor: strings.TrimSpace(pf.Get("actor")), Severity: pf.Get("severity"), Reason: strings.TrimSpace(pf.Get("reason"))}
		fields := map[string]string{"severity": "actor_severity", "reason": "actor_reason"}
		actor, err := s.policyActor(r, form.Actor)
		if err != nil {
			return s.policyRefused(w, r, adminFederationView{ActorForm: form}, err, fields)
		}
		sev := content.Severity(form.Severity)
		if _, err := s.db.SetActorPolicy(ctx, content.ActorPolicy{Actor: actor, Severity: sev, Reason: form.Reason}, by); err != nil {
			return s.policyRefused(w, r, adminFederationView{ActorForm: form}, err, fields)
		}
		return done("actor", actor)
	case "lift":
		if _, err := s.db.LiftActorPolicy(ctx, pf.Get("actor"), by); err != nil {
			return err
		}
		return done("lifted", pf.Get("actor"))
	}
	return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "unknown federation policy action"}
}

// policyActor reads the actor form's field: an actor's address as it is,
// or the handle of a remote actor this node stores. No WebFinger from a
// page: an admin suspending someone should not have to wait on them.
func (s *Server) policyActor(r *http.Request, typed string) (string, error) {
	if strings.HasPrefix(typed, "https://") || strings.HasPrefix(typed, "http://") {
		return typed, nil
	}
	user, host, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(typed, "acct:"), "@"), "@")
	if ok && user != "" && host != "" {
		if a, err := s.db.RemoteActorByHandle(r.Context(), user, host); err == nil {
			return a.IRI, nil
		}
	}
	return "", &problem{status: http.StatusBadRequest, key: "admin_federation.unknown_actor", args: []any{typed}, field: "actor",
		detail: "unknown actor " + typed}
}

// policyFields are the page's form fields an error may point at.
var policyFields = []string{"domain", "severity", "public_comment", "private_comment", "allow_domain", "allow_comment",
	"actor", "actor_severity", "actor_reason"}

// policyRefused shows the page again with a form's error, when the error
// is the admin's to correct; fields renames a domain error's field to the
// form's own.
func (s *Server) policyRefused(w http.ResponseWriter, r *http.Request, v adminFederationView, err error, fields map[string]string) error {
	p := s.problemOf(err)
	field := p.field
	if f, ok := fields[field]; ok {
		field = f
	}
	if p.status != http.StatusBadRequest || !slices.Contains(policyFields, field) {
		return err
	}
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	v.Errors, v.Problems = map[string]string{field: msg}, []fieldProblem{{Field: field, Message: msg}}
	return s.renderAdminFederation(w, r, http.StatusUnprocessableEntity, v)
}

// moderatedServersView is the public list of moderated servers, as
// Mastodon shows it on its about page: the domain (partly hidden when the
// block says so), the severity and the public reason, never the private
// one.
type moderatedServersView struct {
	Allowlist bool
	Servers   []moderatedServer
}

type moderatedServer struct {
	Domain      string
	SeverityKey string
	Reason      string
}

func (s *Server) moderatedServersPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.db.FederationPolicy(r.Context())
	if err != nil {
		return err
	}
	v := moderatedServersView{Allowlist: p.Mode == content.FederateAllowlist}
	for _, b := range p.Blocks {
		d := b.Domain
		if b.Obfuscate {
			d = content.ObfuscateDomain(d)
		}
		v.Servers = append(v.Servers, moderatedServer{Domain: d, SeverityKey: "moderated_servers." + string(b.Severity), Reason: b.PublicComment})
	}
	return s.render(w, r, http.StatusOK, "moderated_servers", v)
}
