package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// speakersView is the speakers page: every speaker topic with its count,
// and the speakers under each topic, or under the one asked for.
type speakersView struct {
	Topics      []speakerTopicView
	Sections    []speakerSection
	Filtered    bool   // ?topic= narrowed the page to one topic
	FilterLabel string // that topic as the visitor reads it
	GroupHandle string // speakers@host; empty when the node does not federate
	LoggedIn    bool
	CanRequest  bool // logged in on a federating node
}

// speakerTopicView is one topic of the list, linked to its filter.
type speakerTopicView struct {
	Key, Label string
	Count      int
	Href       string
	Current    bool
}

// speakerSection is a topic with its speakers.
type speakerSection struct {
	ID       string // the heading's id
	Label    string
	Speakers []speakerView
}

// speakerView is one speaker as the page lists them.
type speakerView struct {
	Name      string
	Username  string
	Href      string
	Formats   []string // in the visitor's language
	Languages []string // in the visitor's language
	Topics    []string
	Pitch     string
}

// speakersPage lists the local speakers by topic. Anyone may look: the
// speakers chose to be found.
func (s *Server) speakersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st := reqFrom(ctx)
	cat := s.catalogs[st.lang]
	topics, err := s.db.SpeakerTopics(ctx)
	if err != nil {
		return err
	}
	raw := r.URL.Query().Get("topic")
	key := content.TopicKey(raw)
	entries, err := s.db.Speakers(ctx, key)
	if err != nil {
		return err
	}
	v := speakersView{Filtered: key != "", FilterLabel: raw, LoggedIn: st.member != nil}
	v.CanRequest = v.LoggedIn && s.cfg.Federation != nil
	if s.cfg.Federation != nil {
		v.GroupHandle = federation.SpeakersUsername + "@" + s.cfg.Host
	}
	for _, tc := range topics {
		v.Topics = append(v.Topics, speakerTopicView{Key: tc.Key, Label: tc.Label, Count: tc.Count,
			Href: "/speakers?topic=" + url.QueryEscape(tc.Key), Current: tc.Key == key})
		if tc.Key == key {
			v.FilterLabel = tc.Label
		}
	}
	views := make([]speakerView, len(entries))
	for i, e := range entries {
		views[i] = speakerViewOf(cat, e)
	}
	if v.Filtered {
		if len(views) > 0 {
			v.Sections = []speakerSection{{ID: "speakers-topic", Label: v.FilterLabel, Speakers: views}}
		}
		return s.render(w, r, http.StatusOK, "speakers", v)
	}
	for i, tc := range topics {
		sec := speakerSection{ID: "topic-" + strconv.Itoa(i+1), Label: tc.Label}
		for j, e := range entries {
			if hasTopic(e.Profile.SpeakerTopics, tc.Key) {
				sec.Speakers = append(sec.Speakers, views[j])
			}
		}
		if len(sec.Speakers) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	return s.render(w, r, http.StatusOK, "speakers", v)
}

func hasTopic(topics []string, key string) bool {
	return slices.ContainsFunc(topics, func(t string) bool { return content.TopicKey(t) == key })
}

func speakerViewOf(cat catalog, e storage.SpeakerEntry) speakerView {
	v := speakerView{Name: e.Member.Name(), Username: e.Member.Username, Href: "/@" + e.Member.Username,
		Topics: e.Profile.SpeakerTopics, Pitch: e.Profile.Pitch}
	for _, f := range e.Profile.SpeakerFormats {
		v.Formats = append(v.Formats, cat.t(formatKeys[f]))
	}
	for _, tag := range e.Profile.SpeakerLanguages {
		v.Languages = append(v.Languages, languageLabel(cat, tag))
	}
	return v
}

// formatKeys name the talk formats.
var formatKeys = map[content.TalkFormat]string{
	content.FormatTalk: "speakers.format_talk", content.FormatWorkshop: "speakers.format_workshop", content.FormatPanel: "speakers.format_panel",
}

// languageLabel names a language tag in the visitor's language when the
// catalogue knows it, else shows the tag itself.
func languageLabel(cat catalog, tag string) string {
	if name, ok := cat["speakers.language."+tag]; ok {
		return name
	}
	return tag
}
