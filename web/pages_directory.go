package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kring/content"
	"kring/storage"
)

// directoryPerPage is how many members a page of the directory lists.
const directoryPerPage = 30

// maxDirectoryQuery bounds the search words: names and topics are short.
const maxDirectoryQuery = 200

type directoryPage struct {
	Query         string
	Organisations []directoryOption
	Regions       []directoryOption
	Topics        []directoryOption
	Filtered      bool // a filter or words narrow the list
	Entries       []directoryEntryView
	Total         int
	CountText     string // "12 members", announced as the results' heading
	Page          int
	From, To      int    // the positions of this page's first and last entry
	Prev, Next    string // links to the neighbouring pages, with the filters
	MaxQuery      int
}

type directoryOption struct {
	Value, Label string
	Selected     bool
}

type directoryEntryView struct {
	Username, Name                 string
	JobTitle, Organisation, Region string
	Speaker                        bool
	Topics                         []topicLink
}

// topicLink is a topic linked to the members (or speakers) who have it.
type topicLink struct {
	Label, Href string
}

// directoryTopicHref is the directory filtered on one topic.
func directoryTopicHref(topic string) string {
	return "/members?topic=" + url.QueryEscape(content.TopicKey(topic))
}

// topicLinks links each topic once (by content.TopicKey), in order.
func topicLinks(topics []string, href func(string) string) []topicLink {
	var out []topicLink
	for _, t := range content.CleanTopics(topics) {
		out = append(out, topicLink{Label: t, Href: href(t)})
	}
	return out
}

// directoryPage lists the members who chose to be listed: filters on
// organisation, region and topic offered from what listed members filled
// in, and words searched in names, roles, organisations and topics.
func (s *Server) directoryPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cat := s.catalogs[reqFrom(ctx).lang]
	q := r.URL.Query()
	f := storage.DirectoryFilter{
		Organisation: strings.TrimSpace(q.Get("organisation")), Region: strings.TrimSpace(q.Get("region")),
		TopicKey: content.TopicKey(q.Get("topic")), Query: strings.TrimSpace(q.Get("q")),
	}
	if utf8.RuneCountInString(f.Query) > maxDirectoryQuery {
		f.Query = string([]rune(f.Query)[:maxDirectoryQuery])
	}
	page := directoryPage{Query: f.Query, Page: pageNumber(r), MaxQuery: maxDirectoryQuery,
		Filtered: f.Organisation != "" || f.Region != "" || f.TopicKey != "" || f.Query != ""}
	f.Offset, f.Limit = (page.Page-1)*directoryPerPage, directoryPerPage
	entries, total, facets, err := s.db.DirectoryPage(ctx, f)
	if err != nil {
		return err
	}
	page.Organisations = facetOptions(cat, "directory.any_organisation", facets.Organisations, f.Organisation)
	page.Regions = facetOptions(cat, "directory.any_region", facets.Regions, f.Region)
	page.Topics = topicOptions(cat, facets.Topics, f.TopicKey)

	page.Total, page.CountText = total, cat.t("directory.count", total)
	if total == 1 {
		page.CountText = cat.t("directory.count_one")
	}
	for _, e := range entries {
		page.Entries = append(page.Entries, directoryEntryView{
			Username: e.Member.Username, Name: e.Member.Name(),
			JobTitle: e.Profile.JobTitle, Organisation: e.Profile.Organisation, Region: e.Profile.Region,
			Speaker: e.Profile.Speaker, Topics: topicLinks(slices.Concat(e.Profile.Topics, e.Profile.SpeakerTopics), directoryTopicHref),
		})
	}
	if len(entries) > 0 {
		page.From, page.To = f.Offset+1, f.Offset+len(entries)
	}
	if page.Page > 1 {
		page.Prev = directoryLink(r, page.Page-1)
	}
	if page.Page*directoryPerPage < total && page.Page < maxListPage {
		page.Next = directoryLink(r, page.Page+1)
	}
	return s.render(w, r, http.StatusOK, "directory", page)
}

// facetOptions are a select's choices: "any", then each value with how
// many members have it. A chosen value no listed member has any more is
// offered too, so that the select shows what the list is filtered on.
func facetOptions(cat catalog, anyKey string, values []storage.FacetValue, chosen string) []directoryOption {
	out := []directoryOption{{Value: "", Label: cat.t(anyKey), Selected: chosen == ""}}
	found := chosen == ""
	for _, v := range values {
		sel := !found && strings.EqualFold(v.Value, chosen)
		found = found || sel
		out = append(out, directoryOption{Value: v.Value, Label: cat.t("directory.option_count", v.Value, v.Count), Selected: sel})
	}
	if !found {
		out = append(out, directoryOption{Value: chosen, Label: chosen, Selected: true})
	}
	return out
}

func topicOptions(cat catalog, topics []storage.TopicCount, chosen string) []directoryOption {
	out := []directoryOption{{Value: "", Label: cat.t("directory.any_topic"), Selected: chosen == ""}}
	found := chosen == ""
	for _, t := range topics {
		sel := t.Key == chosen
		found = found || sel
		out = append(out, directoryOption{Value: t.Key, Label: cat.t("directory.option_count", t.Label, t.Count), Selected: sel})
	}
	if !found {
		out = append(out, directoryOption{Value: chosen, Label: chosen, Selected: true})
	}
	return out
}

// directoryLink is another page of the same filtered list.
func directoryLink(r *http.Request, page int) string {
	q := url.Values{}
	for _, k := range []string{"q", "organisation", "region", "topic"} {
		if v := strings.TrimSpace(r.URL.Query().Get(k)); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("page", strconv.Itoa(page))
	return "/members?" + q.Encode()
}
