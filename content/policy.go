package content

import (
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity is how hard a federation policy holds a server or an actor off.
type Severity string

// The severities, strictest first. Mastodon's "silence" is Kring's limit.
const (
	// SeveritySuspend refuses everything from and to the domain or actor
	// and drops what was stored of it.
	SeveritySuspend Severity = "suspend"
	// SeverityLimit accepts and stores, but keeps out of public listings
	// (the agenda, tag pages and their feeds).
	SeverityLimit Severity = "limit"
	// SeverityNoop changes neither: a block that only rejects media or
	// reports.
	SeverityNoop Severity = "noop"
)

// ParseSeverity reads a severity as typed or as Mastodon writes it:
// "silence" is limit, "none" is noop.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case SeveritySuspend, SeverityLimit, SeverityNoop:
		return v, nil
	case "silence":
		return SeverityLimit, nil
	case "none":
		return SeverityNoop, nil
	}
	return "", Errorf(KindInvalid, "severity", "policy.severity", "unknown severity %q: use suspend, limit (Mastodon's silence) or noop", s)
}

// Stricter reports whether a holds off harder than b.
func (a Severity) Stricter(b Severity) bool { return severityRank(a) > severityRank(b) }

func severityRank(s Severity) int {
	switch s {
	case SeveritySuspend:
		return 3
	case SeverityLimit:
		return 2
	case SeverityNoop:
		return 1
	}
	return 0
}

// MastodonSeverity is the severity as Mastodon's domain_blocks.csv writes
// it.
func (a Severity) MastodonSeverity() string {
	if a == SeverityLimit {
		return "silence"
	}
	return string(a)
}

// DomainBlock is the node's policy towards one server and its subdomains.
type DomainBlock struct {
	Domain         string
	Severity       Severity
	RejectMedia    bool   // attachments and event covers from the domain are not kept
	RejectReports  bool   // reports (Flag) from the domain are ignored
	PublicComment  string // shown to the blocked server and on the node's public list
	PrivateComment string // for the node's admins only
	Obfuscate      bool   // the public list shows the domain partly hidden
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// DomainAllow is a server the node federates with in allowlist mode.
type DomainAllow struct {
	Domain    string
	Comment   string
	CreatedAt time.Time
}

// ActorPolicy is the node's policy towards one remote actor: suspend or
// limit.
type ActorPolicy struct {
	Actor     string // the actor's id
	Severity  Severity
	Reason    string
	CreatedAt time.Time
}

// FederationMode says whom the node federates with.
type FederationMode string

// The federation modes.
const (
	// FederateOpen federates with every server that is not suspended.
	FederateOpen FederationMode = "open"
	// FederateAllowlist federates only with the listed domains (a closed
	// network of, say, ministries); blocks still apply within it.
	FederateAllowlist FederationMode = "allowlist"
)

// ParseFederationMode reads a mode as typed.
func ParseFederationMode(s string) (FederationMode, error) {
	switch m := FederationMode(strings.ToLower(strings.TrimSpace(s))); m {
	case FederateOpen, FederateAllowlist:
		return m, nil
	}
	return "", Errorf(KindInvalid, "mode", "policy.mode", "unknown federation mode %q: use open or allowlist", s)
}

// MaxPolicyComment bounds a reason or comment.
const MaxPolicyComment = 1000

// ValidatePolicyComment checks a reason or comment of a policy.
func ValidatePolicyComment(field, s string) error {
	if utf8.RuneCountInString(s) > MaxPolicyComment {
		return Errorf(KindInvalid, field, "policy.comment_long", "%s is longer than %d characters", field, MaxPolicyComment)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return Errorf(KindInvalid, field, "policy.comment_control", "%s contains control characters", field)
	}
	return nil
}

// ParseDomain reads a domain as people write it and returns it the way
// policies store it: lower case, without scheme, path, leading "*." or
// trailing dot; a port is kept ("b.test:8080" names only that port). The
// result has only a-z, 0-9, '-', '.' and one ':' before the port, so it
// is safe inside an SQL GLOB pattern.
func ParseDomain(s string) (string, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", Errorf(KindInvalid, "domain", "policy.domain", "%q is not a domain name", in)
		}
		s = u.Host
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if at := strings.LastIndex(s, "@"); at >= 0 {
		s = s[at+1:] // a handle's or URL's user part names no server
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "*"), ".")
	name, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		name, port = h, p
		if port == "" || strings.Trim(port, "0123456789") != "" || len(port) > 5 {
			return "", Errorf(KindInvalid, "domain", "policy.domain", "%q has an invalid port", in)
		}
	}
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "", Errorf(KindInvalid, "domain", "policy.domain_empty", "no domain given")
	}
	for _, r := range name {
		if r >= 0x80 {
			return "", Errorf(KindInvalid, "domain", "policy.domain_idn", "%q is not ASCII: give an internationalised domain in its xn-- form", in)
		}
	}
	for _, label := range strings.Split(name, ".") {
		if !hostLabelRE.MatchString(label) {
			return "", Errorf(KindInvalid, "domain", "policy.domain", "%q is not a domain name", in)
		}
	}
	if port != "" {
		return name + ":" + port, nil
	}
	return name, nil
}

// DomainCandidates lists the policy keys that may apply to a host (as in
// a URL: "a.b.example:8080"), most specific first: the host with its
// port, the host, and every parent domain ("b.example", "example"). A
// policy on a domain covers its subdomains, on a host with a port only
// that port.
func DomainCandidates(host string) []string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return nil
	}
	out := []string{}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		out = append(out, host)
		name = h
	}
	for name != "" {
		out = append(out, name)
		_, rest, ok := strings.Cut(name, ".")
		if !ok {
			break
		}
		name = rest
	}
	return out
}

// ObfuscateDomain hides the middle of a domain for a public list, as
// Mastodon does: the outer quarters stay, the rest but dots becomes '*'
// ("spam.example.org" → "spam.*******.org").
func ObfuscateDomain(domain string) string {
	visible := len(domain) / 4
	b := []byte(domain)
	for i, c := range b {
		if i > visible && i < len(b)-visible && c != '.' {
			b[i] = '*'
		}
	}
	return string(b)
}
