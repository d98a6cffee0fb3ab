package content

import "strings"

// Language is a UI and content language. Dutch comes first: the node is
// made for Dutch public-sector networks.
type Language string

// The supported languages.
const (
	LanguageDutch   Language = "nl"
	LanguageEnglish Language = "en"
)

// Languages lists the supported languages, default first.
var Languages = []Language{LanguageDutch, LanguageEnglish}

// ParseLanguage validates a language code such as "nl" or "en-GB".
func ParseLanguage(s string) (Language, error) {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	for _, l := range Languages {
		if string(l) == base {
			return l, nil
		}
	}
	return "", Errorf(KindInvalid, "language", "language.invalid", "unsupported language %q: use nl or en", s)
}
