package federation_test

import (
	"encoding/pem"
	"regexp"
	"strings"
	"testing"

	"kring/federation"
	"kring/federation/fedtest"
)

// template matches the corpus's placeholders: {{domain}}, {{DOMAIN}}, {{nickname}}.
var template = regexp.MustCompile(`\{\{[A-Za-z_]+\}\}`)

// TestParseActorCorpus runs every actor document of the shared corpus of
// real payloads through ParseActor. Each must give an id, an inbox and a
// PEM key. Placeholder files are parsed after substituting their
// {{domain}} (or {{DOMAIN}}) templates; the corpus marks no actor
// negative, and a negative one would have to be refused.
func TestParseActorCorpus(t *testing.T) {
	fixtures, ok := fedtest.Corpus(t)
	if !ok {
		t.Log("shared fixtures not present: skipping corpus check")
		return
	}
	actorTypes := map[string]bool{"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true}
	seen := 0
	for _, f := range fixtures {
		if !actorTypes[f.What] && !(f.Has("http_capture") && strings.Contains(f.File, "person")) {
			continue
		}
		seen++
		t.Run(f.File, func(t *testing.T) {
			raw := f.Document(t)
			if f.Has("placeholder") {
				raw = template.ReplaceAll(raw, []byte("placeholder.test"))
			}
			a, err := federation.ParseActor(raw)
			if f.Has("negative") {
				if err == nil {
					t.Errorf("negative fixture parsed: %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseActor: %v", err)
			}
			if a.ID == "" || a.Inbox == "" || a.Type == "" {
				t.Errorf("id %q, inbox %q, type %q: want all three", a.ID, a.Inbox, a.Type)
			}
			if !f.Has("placeholder") && !strings.Contains(a.ID, f.IDHost) {
				t.Errorf("id %q is not on the manifest's host %s", a.ID, f.IDHost)
			}
			if block, _ := pem.Decode([]byte(a.PublicKey.PEM)); block == nil {
				t.Errorf("publicKey %+v has no PEM block", a.PublicKey)
			}
		})
	}
	if seen < 70 {
		t.Errorf("found %d actor documents in the corpus, want at least 70: is MANIFEST.tsv read right?", seen)
	}
}
