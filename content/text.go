package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

const (
	maxSlugLen  = 80
	maxTagRunes = 100
)

// foldSpecial spells the Latin letters that have no decomposition into
// letter plus accent, so NFKD alone would drop them from a slug.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th",
	'ı': "i", 'ħ': "h", 'Ħ': "h",
}

// Slugify makes a URL path segment of a title: lower-case ASCII letters
// and digits joined by single hyphens, accents folded ("Één café" becomes
// "een-cafe"), at most 80 bytes. A title with nothing to keep (only
// symbols, or a script without Latin letters) gives "post".
func Slugify(title string) string {
	var b strings.Builder
	gap := false
	for _, r := range norm.NFKD.String(title) {
		s, ok := foldSpecial[r]
		switch {
		case ok:
		case r < utf8.RuneSelf && isAlnumByte(byte(r)):
			s = string(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
			continue // accents fold away; "auto's" is "autos"
		default:
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte('-')
		}
		gap = false
		b.WriteString(s)
	}
	slug := b.String()
	if len(slug) > maxSlugLen {
		slug = slug[:maxSlugLen]
		// Cut at a hyphen unless that loses half the slug.
		if i := strings.LastIndexByte(slug, '-'); i > maxSlugLen/2 {
			slug = slug[:i]
		}
		slug = strings.TrimRight(slug, "-")
	}
	if slug == "" {
		return "post"
	}
	return slug
}

// NormalizeTag returns the form a hashtag is stored and compared in:
// without '#', compatibility-normalised (so full-width and ligature
// letters match their plain forms, as Mastodon does) and in lower case.
// It reports false for what cannot be a tag: longer than 100 runes, with
// characters other than letters, digits and '_', or without a letter or
// '_' (so "#2025" is a year, not a tag).
func NormalizeTag(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	s = strings.ToLower(norm.NFKC.String(s))
	if utf8.RuneCountInString(s) > maxTagRunes {
		return "", false
	}
	named := false
	for _, r := range s {
		if !isTagRune(r) {
			return "", false
		}
		named = named || r == '_' || unicode.IsLetter(r)
	}
	if !named {
		return "", false
	}
	return s, true
}

// breaks is how many newlines separate a block element's text from what
// surrounds it in plain text: list items and table rows one, the rest a
// blank line.
var breaks = map[string]int{
	"p": 2, "div": 2, "blockquote": 2, "pre": 2, "ul": 2, "ol": 2, "dl": 2, "table": 2,
	"h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "hr": 2, "figure": 2,
	"li": 1, "tr": 1, "dt": 1, "dd": 1, "caption": 1,
}

// HTMLToText returns the text of sanitised HTML as plain text: entities
// decoded, white space collapsed as a browser would (except in pre),
// blocks separated by blank lines, list items and table rows by line
// breaks, table cells by a space.
func HTMLToText(s string) string {
	var w textWriter
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return w.String()
		}
		name, _ := z.TagName()
		w.token(tt, string(name), z.Text)
	}
}

// LeadFromHTML returns the text of the first paragraph of sanitised HTML
// that has any, cut at a word to at most maxRunes runes with "…". HTML
// without paragraphs gives its first block of text.
func LeadFromHTML(s string, maxRunes int) string {
	var w textWriter
	inP := false
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		name, _ := z.TagName()
		switch {
		case tt == html.ErrorToken:
			if lead := w.String(); lead != "" {
				return cutAtWord(lead, maxRunes) // an unclosed <p>
			}
			// A lead is one line: list items and table rows run on.
			first, _, _ := strings.Cut(HTMLToText(s), "\n\n")
			return cutAtWord(strings.Join(strings.Fields(first), " "), maxRunes)
		case string(name) == "p" && tt != html.TextToken:
			if lead := w.String(); lead != "" {
				return cutAtWord(lead, maxRunes)
			}
			inP = tt == html.StartTagToken
		case inP:
			// Inside one paragraph a line break is just a space.
			if string(name) == "br" {
				w.space = true
				continue
			}
			w.token(tt, string(name), z.Text)
		}
	}
}

// textWriter collects plain text, collapsing white space and owing
// separators until the next text arrives, so that empty elements and
// trailing breaks leave nothing behind.
type textWriter struct {
	buf   []byte
	owed  int  // newlines owed before the next text
	space bool // a space is owed before the next text
	pre   int  // depth of <pre>: white space kept as written
	skip  int  // depth of elements whose text is not prose
}

func (w *textWriter) token(tt html.TokenType, name string, text func() []byte) {
	switch tt {
	case html.TextToken:
		if w.skip == 0 {
			w.text(text())
		}
	case html.StartTagToken, html.SelfClosingTagToken:
		w.start(name, tt == html.SelfClosingTagToken)
	case html.EndTagToken:
		w.end(name)
	}
}

func (w *textWriter) start(name string, selfClosing bool) {
	switch name {
	case "br":
		w.buf = append(w.buf, '\n')
		w.space = false
	case "td", "th":
		w.space = true
	case "pre":
		w.pre++
	case "script", "style", "template", "svg", "math", "textarea", "select", "title":
		if !selfClosing {
			w.skip++
		}
	}
	w.owe(breaks[name])
}

func (w *textWriter) end(name string) {
	switch name {
	case "pre":
		w.pre = max(w.pre-1, 0)
	case "script", "style", "template", "svg", "math", "textarea", "select", "title":
		w.skip = max(w.skip-1, 0)
	}
	w.owe(breaks[name])
}

func (w *textWriter) owe(n int) {
	if n > w.owed {
		w.owed = n
	}
}

func (w *textWriter) text(t []byte) {
	if w.pre > 0 {
		w.separate()
		w.buf = append(w.buf, t...)
		return
	}
	for len(t) > 0 {
		r, size := utf8.DecodeRune(t)
		if unicode.IsSpace(r) {
			w.space = true
		} else {
			w.separate()
			w.buf = append(w.buf, t[:size]...)
		}
		t = t[size:]
	}
}

// separate writes what is owed before the next text: newlines (counting
// those a <br> already wrote), else one space. Nothing goes before the
// first text.
func (w *textWriter) separate() {
	if len(w.buf) > 0 {
		trailing := 0
		for trailing < len(w.buf) && w.buf[len(w.buf)-1-trailing] == '\n' {
			trailing++
		}
		switch {
		case w.owed > trailing:
			w.buf = append(w.buf, strings.Repeat("\n", w.owed-trailing)...)
		case w.owed == 0 && w.space && trailing == 0:
			w.buf = append(w.buf, ' ')
		}
	}
	w.owed, w.space = 0, false
}

func (w *textWriter) String() string {
	return strings.TrimSpace(string(w.buf))
}

// cutAtWord shortens s to at most limit runes, "…" included, at the last
// space that keeps at least half of it, else inside the word.
func cutAtWord(s string, limit int) string {
	switch {
	case utf8.RuneCountInString(s) <= limit:
		return s
	case limit <= 0:
		return ""
	case limit == 1:
		return "…"
	}
	// Room for limit-1 runes and "…"; a space right after them is a
	// word boundary too.
	runes := []rune(s)
	cut := limit - 1
	for i := limit - 1; i >= limit/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—", r)
	}) + "…"
}
