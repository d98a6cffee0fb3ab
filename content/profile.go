package content

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Profile is what a member tells about their work: shown on their
// profile, federated on their actor (fields as PropertyValue, topics as
// hashtags), listed in the directory when Listed, and, when Speaker,
// on the speakers page and matched against speaker requests.
type Profile struct {
	MemberID     int64
	Organisation string
	JobTitle     string // the member's role in their organisation
	Region       string
	Topics       []string // topics of expertise, as the member wrote them
	Languages    []string // language tags the member works in: "nl", "en", "fy"
	Links        []ProfileLink
	Listed       bool

	Speaker          bool
	SpeakerTopics    []string
	SpeakerFormats   []TalkFormat
	SpeakerLanguages []string
	Pitch            string
}

// ProfileLink is a named link on a profile ("Website", "LinkedIn").
type ProfileLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// TalkFormat is a kind of contribution a speaker offers.
type TalkFormat string

// The talk formats.
const (
	FormatTalk     TalkFormat = "talk"
	FormatWorkshop TalkFormat = "workshop"
	FormatPanel    TalkFormat = "panel"
)

// TalkFormats lists the formats in the order forms show them.
var TalkFormats = []TalkFormat{FormatTalk, FormatWorkshop, FormatPanel}

// Profile limits. Mastodon shows four fields; a profile has up to four
// links, and the other fields are few and short.
const (
	MaxProfileText   = 100 // organisation, job title, region, a link's name
	MaxTopics        = 10  // per list
	MaxTopicLen      = 50
	MaxLanguages     = 8
	MaxProfileLinks  = 4
	MaxProfileURLLen = 500
	MaxPitchLen      = 1000
)

// TopicKey is the form topics are compared in: lowercase letters and
// digits only, diacritics dropped, so that "Open data", "open-data",
// "#OpenData" and "opendata" are one topic, as hashtags are on Mastodon.
func TopicKey(topic string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(topic) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark: the diacritic of the letter before
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// TopicHashtag is a topic as a hashtag name without "#": its words run
// together, each capitalised ("open data" → "OpenData"), which screen
// readers read as words and Mastodon matches case-insensitively.
func TopicHashtag(topic string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(norm.NFC.String(topic), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	}) {
		r, size := utf8.DecodeRuneInString(word)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(word[size:])
	}
	return b.String()
}

// CleanTopics trims a list of topics as typed (comma-separated in forms),
// drops empty ones and repeats of the same TopicKey, keeping the first
// spelling and the member's order.
func CleanTopics(topics []string) []string {
	out := make([]string, 0, len(topics))
	seen := map[string]bool{}
	for _, t := range topics {
		t = strings.Join(strings.Fields(strings.TrimLeft(strings.TrimSpace(t), "#")), " ")
		k := TopicKey(t)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	return out
}

// SplitList splits a comma- or newline-separated form value.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' })
}

var languageTagRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})*$`)

// CleanLanguages lowercases and de-duplicates language tags.
func CleanLanguages(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Validate checks a profile as a member saves it. The caller cleans
// topics and languages first (CleanTopics, CleanLanguages).
func (p *Profile) Validate() error {
	for _, f := range []struct{ field, value string }{
		{"organisation", p.Organisation}, {"job_title", p.JobTitle}, {"region", p.Region},
	} {
		if err := checkLine(f.field, f.value, MaxProfileText); err != nil {
			return err
		}
	}
	if err := checkTopics("topics", p.Topics); err != nil {
		return err
	}
	if err := checkTopics("speaker_topics", p.SpeakerTopics); err != nil {
		return err
	}
	if err := checkLanguages("languages", p.Languages); err != nil {
		return err
	}
	if err := checkLanguages("speaker_languages", p.SpeakerLanguages); err != nil {
		return err
	}
	if err := checkLinks(p.Links); err != nil {
		return err
	}
	for _, f := range p.SpeakerFormats {
		if !slices.Contains(TalkFormats, f) {
			return Errorf(KindInvalid, "speaker_formats", "speaker_formats.invalid", "unknown talk format %q: use talk, workshop or panel", f)
		}
	}
	if utf8.RuneCountInString(p.Pitch) > MaxPitchLen {
		return Errorf(KindInvalid, "pitch", "pitch.long", "pitch is longer than %d characters", MaxPitchLen)
	}
	if p.Speaker && len(p.SpeakerTopics) == 0 {
		return Errorf(KindInvalid, "speaker_topics", "speaker_topics.empty", "a speaker needs at least one topic, or requests cannot find them")
	}
	return nil
}

func checkLine(field, value string, max int) error {
	if utf8.RuneCountInString(value) > max {
		return Errorf(KindInvalid, field, field+".long", "%s is longer than %d characters", field, max)
	}
	if strings.ContainsAny(value, "\r\n\t") {
		return Errorf(KindInvalid, field, field+".chars", "%s may not contain line breaks or tabs", field)
	}
	return nil
}

func checkTopics(field string, topics []string) error {
	if len(topics) > MaxTopics {
		return Errorf(KindInvalid, field, "topics.many", "at most %d topics", MaxTopics)
	}
	for _, t := range topics {
		if utf8.RuneCountInString(t) > MaxTopicLen {
			return Errorf(KindInvalid, field, "topics.long", "topic %q is longer than %d characters", t, MaxTopicLen)
		}
	}
	return nil
}

func checkLanguages(field string, tags []string) error {
	if len(tags) > MaxLanguages {
		return Errorf(KindInvalid, field, "languages.many", "at most %d languages", MaxLanguages)
	}
	for _, t := range tags {
		if !languageTagRE.MatchString(t) {
			return Errorf(KindInvalid, field, "languages.invalid", "%q is not a language tag such as nl, en or fy", t)
		}
	}
	return nil
}

func checkLinks(links []ProfileLink) error {
	if len(links) > MaxProfileLinks {
		return Errorf(KindInvalid, "links", "links.many", "at most %d links", MaxProfileLinks)
	}
	for _, l := range links {
		if err := checkLine("links", l.Name, MaxProfileText); err != nil {
			return err
		}
		u, err := url.Parse(l.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(l.URL) > MaxProfileURLLen {
			return Errorf(KindInvalid, "links", "links.invalid", "link %q is not an http or https address", l.URL)
		}
	}
	return nil
}
