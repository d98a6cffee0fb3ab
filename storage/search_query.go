package storage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on what one search may ask: a query longer than a sentence or
// with more words than a person types is cut, not refused.
const (
	MaxSearchRunes = 200
	MaxSearchTerms = 8
)

// SearchTerms turns what a person typed into an FTS5 query that is always
// valid: every word becomes a quoted phrase (inner quotes doubled), so
// FTS5's own syntax (AND, OR, NOT, NEAR, column filters, ^, -, a lone ")
// is only ever text. A word ending in * stays a prefix search. Words
// without a letter or digit are dropped: they index as nothing. The words
// kept are returned too, for messages. An empty query means nothing to
// search for.
func SearchTerms(text string) (query string, words []string) {
	text = norm.NFC.String(strings.TrimSpace(text))
	if utf8.RuneCountInString(text) > MaxSearchRunes {
		text = string([]rune(text)[:MaxSearchRunes])
	}
	var phrases []string
	for _, w := range strings.Fields(text) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimRight(w, "*")
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		p := `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix {
			p += "*"
		}
		phrases = append(phrases, p)
		words = append(words, w)
		if len(phrases) == MaxSearchTerms {
			break
		}
	}
	return strings.Join(phrases, " "), words
}
