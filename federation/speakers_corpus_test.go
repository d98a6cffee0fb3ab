package federation

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestActorTopicKeysRealActors reads the topics of real actor documents
// as the Speakers group matches remote speakers on them: Mastodon puts a
// bio's hashtags in the actor's tag array, next to its custom emoji.
func TestActorTopicKeysRealActors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "activitypub", "mastodon", "person_emelie.json"))
	if err != nil {
		t.Log("shared fixtures not present: skipping the real Mastodon actor")
	} else if got, want := actorTopicKeys(raw), []string{"sweden", "gamedev", "artist", "equestrian"}; !slices.Equal(got, want) {
		t.Errorf("topics of Mastodon's person_emelie = %q, want %q", got, want)
	}
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"one tag, not an array", `{"tag": {"type": "Hashtag", "name": "#OpenData", "href": "https://b.test/tags/opendata"}}`, []string{"opendata"}},
		{"emoji and mentions are not topics", `{"tag": [{"type": "Emoji", "name": ":kring:"}, {"type": "Mention", "name": "@a@b.test"},
			{"type": "Hashtag", "name": "#Toegankelijkheid"}]}`, []string{"toegankelijkheid"}},
		{"a type array (JSON-LD)", `{"tag": [{"type": ["Hashtag"], "name": "#Privacy"}]}`, []string{"privacy"}},
		{"no tags", `{"type": "Person"}`, nil},
		{"not JSON", `<html>`, nil},
	} {
		if got := actorTopicKeys([]byte(c.doc)); !slices.Equal(got, c.want) {
			t.Errorf("%s: topics = %q, want %q", c.name, got, c.want)
		}
	}
}
