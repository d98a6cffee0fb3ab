package content

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPolicyParseDomain(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"example.org", "example.org", true},
		{"  Example.ORG. ", "example.org", true},
		{"https://social.example.org/@bob", "social.example.org", true},
		{"*.example.org", "example.org", true},
		{".example.org", "example.org", true},
		{"bob@example.org", "example.org", true},
		{"b.test:8080", "b.test:8080", true},
		{"http://b.test:8080/users/bob", "b.test:8080", true},
		{"", "", false},
		{"exa mple.org", "", false},
		{"exa*mple.org", "", false},
		{"b.test:80a", "", false},
		{"bücher.example", "", false},
		{"-bad.example", "", false},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDomain(c.in)
			if c.ok && (err != nil || got != c.want) {
				t.Errorf("ParseDomain(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if !c.ok && KindOf(err) != KindInvalid {
				t.Errorf("ParseDomain(%q) = %q, %v; want an invalid-input error", c.in, got, err)
			}
		})
	}
}

func TestPolicyDomainCandidates(t *testing.T) {
	for _, c := range []struct {
		host string
		want []string
	}{
		{"a.b.example:8080", []string{"a.b.example:8080", "a.b.example", "b.example", "example"}},
		{"Example.org", []string{"example.org", "org"}},
		{"localhost", []string{"localhost"}},
		{"", nil},
	} {
		if diff := cmp.Diff(c.want, DomainCandidates(c.host)); diff != "" {
			t.Errorf("DomainCandidates(%q) (-want +got):\n%s", c.host, diff)
		}
	}
}

func TestPolicySeverity(t *testing.T) {
	for in, want := range map[string]Severity{"suspend": SeveritySuspend, "silence": SeverityLimit, "LIMIT": SeverityLimit, "noop": SeverityNoop, "none": SeverityNoop} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseSeverity("ban"); KindOf(err) != KindInvalid {
		t.Errorf("ParseSeverity(ban): %v", err)
	}
	if !SeveritySuspend.Stricter(SeverityLimit) || SeverityNoop.Stricter(SeverityLimit) {
		t.Error("suspend must be stricter than limit, and noop not")
	}
	if got := SeverityLimit.MastodonSeverity(); got != "silence" {
		t.Errorf("limit in Mastodon's words: %q", got)
	}
}

func TestPolicyObfuscateDomain(t *testing.T) {
	if got, want := ObfuscateDomain("spam.example.org"), "spam.*******.org"; got != want {
		t.Errorf("ObfuscateDomain = %q, want %q", got, want)
	}
}
