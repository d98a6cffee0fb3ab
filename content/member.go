package content

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a member may do on the node.
type Role string

// The roles, from least to most powerful.
const (
	RoleMember    Role = "member"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleMember, RoleModerator, RoleAdmin:
		return r, nil
	}
	return "", Errorf(KindInvalid, "role", "role.invalid", "unknown role %q: use member, moderator or admin", s)
}

// Member is a local account. Its key pair signs what the node sends on its
// behalf; the private key never leaves the node.
type Member struct {
	ID            int64
	Username      string
	DisplayName   string
	Email         string
	Bio           string
	Language      Language
	Role          Role
	Suspended     bool
	PasswordHash  string
	PublicKeyPEM  string
	PrivateKeyPEM string
	// ManuallyApprovesFollowers makes follow requests wait for approval.
	ManuallyApprovesFollowers bool
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
}

// Name is what to show for the member: the display name, else the username.
func (m *Member) Name() string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	return m.Username
}

// MaxUsernameLen is the longest username: Mastodon's own limit.
const MaxUsernameLen = 30

var usernameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// reservedNames are refused as usernames because they name routes, the
// instance actor, future Group actors or would mislead readers.
var reservedNames = map[string]bool{
	"admin": true, "administrator": true, "root": true, "system": true, "kring": true,
	"instance": true, "actor": true, "node": true, "relay": true, "inbox": true,
	"outbox": true, "users": true, "user": true, "members": true, "member": true,
	"forum": true, "forums": true, "groups": true, "group": true, "events": true,
	"event": true, "agenda": true, "blog": true, "blogs": true, "posts": true,
	"tags": true, "tag": true, "search": true, "login": true, "logout": true,
	"settings": true, "static": true, "media": true, "api": true, "well_known": true,
	"nodeinfo": true, "webfinger": true, "healthz": true, "metrics": true,
	"moderator": true, "moderators": true, "support": true, "help": true, "about": true,
	"postmaster": true, "webmaster": true, "abuse": true, "security": true,
	"noreply": true, "no_reply": true, "speakers": true, "data": true, "feeds": true,
}

// ValidateUsername checks a username: 1–30 lowercase letters, digits or
// underscores, and not a reserved name.
func ValidateUsername(name string) error {
	switch {
	case name == "":
		return Errorf(KindInvalid, "username", "username.empty", "username is empty")
	case len(name) > MaxUsernameLen:
		return Errorf(KindInvalid, "username", "username.long", "username %q is longer than %d characters", name, MaxUsernameLen)
	case !usernameRE.MatchString(name):
		return Errorf(KindInvalid, "username", "username.chars", "username %q may only hold lowercase letters a-z, digits and _", name)
	case reservedNames[name]:
		return Errorf(KindInvalid, "username", "username.reserved", "username %q is reserved", name)
	}
	return nil
}

// MaxDisplayNameLen and MaxBioLen bound profile text.
const (
	MaxDisplayNameLen = 100
	MaxBioLen         = 2000
)

var emailRE = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// ValidateProfile checks what a member may edit about themselves.
func ValidateProfile(displayName, email, bio string) error {
	if utf8.RuneCountInString(displayName) > MaxDisplayNameLen {
		return Errorf(KindInvalid, "display_name", "display_name.long", "display name is longer than %d characters", MaxDisplayNameLen)
	}
	if strings.ContainsAny(displayName, "\r\n\t") {
		return Errorf(KindInvalid, "display_name", "display_name.chars", "display name may not contain line breaks or tabs")
	}
	if email != "" && (!emailRE.MatchString(email) || len(email) > 254) {
		return Errorf(KindInvalid, "email", "email.invalid", "email address %q is not valid", email)
	}
	if utf8.RuneCountInString(bio) > MaxBioLen {
		return Errorf(KindInvalid, "bio", "bio.long", "bio is longer than %d characters", MaxBioLen)
	}
	return nil
}

// NewMember validates the fields of a new member and fills the defaults;
// the caller sets the password hash and key pair.
func NewMember(username, displayName, email string, role Role, lang Language) (*Member, error) {
	username = strings.TrimSpace(username)
	if err := ValidateUsername(username); err != nil {
		return nil, err
	}
	displayName = strings.TrimSpace(displayName)
	email = strings.TrimSpace(email)
	if err := ValidateProfile(displayName, email, ""); err != nil {
		return nil, err
	}
	if role == "" {
		role = RoleMember
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if lang == "" {
		lang = LanguageDutch
	}
	return &Member{Username: username, DisplayName: displayName, Email: email, Role: role, Language: lang}, nil
}
