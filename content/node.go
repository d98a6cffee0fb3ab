package content

import (
	"net"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Node holds the settings of this node. Host is fixed at init: every actor
// id is built from it, so changing it would orphan all followers.
type Node struct {
	Host            string
	Name            string
	Description     string
	DefaultLanguage Language
	PublicKeyPEM    string
	PrivateKeyPEM   string
	// Scheme is "https", or "http" for a development node on loopback;
	// actor ids start with it.
	Scheme string
	// The organisation's own actor, which boosts every public post: empty
	// until set.
	OrgUsername      string
	OrgName          string
	OrgPublicKeyPEM  string
	OrgPrivateKeyPEM string
	// The Speakers group actor's key pair: empty until first used.
	SpeakersPublicKeyPEM  string
	SpeakersPrivateKeyPEM string
	// DataLicence is the licence of the node's open data.
	DataLicence DataLicence
}

// Dev reports whether the node runs in development mode (plain http).
func (n *Node) Dev() bool { return n.Scheme == "http" }

var hostLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateHost checks a host name as it appears in actor ids: a lowercase
// DNS name or IP, with an optional port (for development), no scheme or path.
func ValidateHost(host string) error {
	if host == "" {
		return Errorf(KindInvalid, "host", "host.empty", "host is empty: give the public host name, e.g. kring.example.nl")
	}
	if strings.Contains(host, "/") || strings.Contains(host, "@") {
		return Errorf(KindInvalid, "host", "host.invalid", "host %q must be a bare host name such as kring.example.nl, without scheme or path", host)
	}
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return Errorf(KindInvalid, "host", "host.invalid", "host %q has an invalid port", host)
		}
		name = h
	}
	if host != strings.ToLower(host) {
		return Errorf(KindInvalid, "host", "host.case", "host %q must be lowercase", host)
	}
	if net.ParseIP(name) != nil {
		return nil
	}
	for _, label := range strings.Split(name, ".") {
		if !hostLabelRE.MatchString(label) {
			return Errorf(KindInvalid, "host", "host.invalid", "host %q is not a valid DNS name", host)
		}
	}
	return nil
}

// ValidateNodeName checks the node's display name.
func ValidateNodeName(name string) error {
	if strings.TrimSpace(name) == "" {
		return Errorf(KindInvalid, "name", "node_name.empty", "node name is empty")
	}
	if utf8.RuneCountInString(name) > 100 {
		return Errorf(KindInvalid, "name", "node_name.long", "node name is longer than 100 characters")
	}
	return nil
}
