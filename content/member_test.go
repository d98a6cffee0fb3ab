package content

import (
	"strings"
	"testing"
)

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		name, username string
		wantCode       string // empty: valid
	}{
		{"simple", "ada", ""},
		{"digits and underscore", "ada_2", ""},
		{"one char", "a", ""},
		{"thirty chars", strings.Repeat("a", 30), ""},
		{"empty", "", "username.empty"},
		{"thirty-one chars", strings.Repeat("a", 31), "username.long"},
		{"uppercase", "Ada", "username.chars"},
		{"dash", "ada-l", "username.chars"},
		{"dot", "ada.l", "username.chars"},
		{"space", "ada l", "username.chars"},
		{"accent", "renée", "username.chars"},
		{"reserved admin", "admin", "username.reserved"},
		{"reserved inbox", "inbox", "username.reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateUsername(tt.username)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidateUsername(%q) = %v, want nil", tt.username, err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != tt.wantCode || e.Kind != KindInvalid {
				t.Fatalf("ValidateUsername(%q) = %v, want code %s", tt.username, err, tt.wantCode)
			}
		})
	}
}

func TestNewMemberDefaultsAndRoles(t *testing.T) {
	m, err := NewMember(" ada ", " Ada ", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Username != "ada" || m.DisplayName != "Ada" || m.Role != RoleMember || m.Language != LanguageDutch {
		t.Errorf("got %+v", m)
	}
	if _, err := NewMember("ada", "", "not-an-email", "", ""); KindOf(err) != KindInvalid {
		t.Errorf("bad email accepted: %v", err)
	}
	if _, err := NewMember("ada", "", "", "owner", ""); KindOf(err) != KindInvalid {
		t.Errorf("bad role accepted: %v", err)
	}
	if _, err := ParseRole("Admin"); err != nil {
		t.Errorf("ParseRole(Admin): %v", err)
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]Language{"nl": "nl", "en-GB": "en", "NL-be": "nl"} {
		if got, err := ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLanguage("de"); err == nil {
		t.Error("de accepted")
	}
}

func TestValidateHost(t *testing.T) {
	for _, ok := range []string{"kring.example.nl", "localhost:8080", "127.0.0.1:8080", "a-b.c"} {
		if err := ValidateHost(ok); err != nil {
			t.Errorf("ValidateHost(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "https://kring.example.nl", "kring.example.nl/x", "Kring.nl", "-x.nl", "a..b", "host:port", "user@host"} {
		if err := ValidateHost(bad); err == nil {
			t.Errorf("ValidateHost(%q) accepted", bad)
		}
	}
}

func TestThreadTitle(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"Titel", "tekst", "Titel"},
		{"", "@opendata @anna@x.nl Wie heeft ervaring?\nMeer", "Wie heeft ervaring?"},
		{"", "@opendata", "@opendata"},
		{"", "  regel één  \n twee", "regel één"},
		{"", "", "…"},
		{strings.Repeat("a", 300), "", strings.Repeat("a", 199) + "…"},
	} {
		if got := ThreadTitle(tc.name, tc.text); got != tc.want {
			t.Errorf("ThreadTitle(%q, %q) = %q, want %q", tc.name, tc.text, got, tc.want)
		}
	}
}
