package content

import (
	"strconv"
	"strings"
	"testing"
)

func words(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

func TestValidatePostCaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		extra    []string
		images   int
		wantCode string
	}{
		{"at every cap", strings.Join(append(words("#t", MaxPostTags), words("@m", MaxPostMentions)...), " "), nil, MaxPostMedia, ""},
		{"one hashtag too many", strings.Join(words("#t", MaxPostTags+1), " "), nil, 0, "post.tags_many"},
		{"a repeated hashtag counts once", strings.Repeat("#zelfde ", 50), nil, 0, ""},
		{"text and extra tags together", strings.Join(words("#t", 15), " "), words("x", 6), 0, "post.tags_many"},
		{"an extra tag that the text has counts once", strings.Join(words("#t", MaxPostTags), " "), []string{"t0", "T1"}, 0, ""},
		{"one mention too many", strings.Join(words("@m", MaxPostMentions+1), " "), nil, 0, "post.mentions_many"},
		{"remote and local mentions", strings.Join(append(words("@a", 11), words("@b", 10)...), "@x.example ") + "@x.example", nil, 0, "post.mentions_many"},
		{"hashtags in code do not count", "```\n" + strings.Join(words("#t", 50), " ") + "\n```", nil, 0, ""},
		{"one image too many", "tekst", nil, MaxPostMedia + 1, "post.media_many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePostCaps(tt.body, tt.extra, tt.images)
			e, _ := AsError(err)
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantCode != "" && (e == nil || e.Code != tt.wantCode || e.Kind != KindInvalid):
				t.Fatalf("err = %v, want code %s", err, tt.wantCode)
			}
			if e != nil && !strings.Contains(e.Message, "at most ") {
				t.Errorf("message %q does not name the cap", e.Message)
			}
		})
	}
}

func TestValidatePostTextAppliesCaps(t *testing.T) {
	t.Parallel()
	err := ValidatePostText("Titel", "", strings.Join(words("#t", MaxPostTags+1), " "))
	if e, ok := AsError(err); !ok || e.Code != "post.tags_many" || !strings.Contains(e.Message, strconv.Itoa(MaxPostTags)) {
		t.Errorf("ValidatePostText with %d hashtags: %v, want post.tags_many naming %d", MaxPostTags+1, err, MaxPostTags)
	}
}
