package web

import (
	"html"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// The open-data datasets: for each, its columns (the CSV's, in a fixed
// order, each with a catalogue key saying what it means on /data) and its
// items as ActivityStreams objects, the way the node publishes them. Both
// are built from storage rows with the node's IRIs, so that they work in
// a web without federation and in the CLI.

// dataField is one column of a dataset.
type dataField[T any] struct {
	name  string
	key   string // the column's meaning on /data
	value func(T) string
}

// fieldInfo is a column as the data page lists it.
type fieldInfo struct {
	Name string
	Key  string
}

func infos[T any](fields []dataField[T]) []fieldInfo {
	out := make([]fieldInfo, len(fields))
	for i, f := range fields {
		out[i] = fieldInfo{Name: f.name, Key: f.key}
	}
	return out
}

func row[T any](fields []dataField[T], v T) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.value(v)
	}
	return out
}

// listSep joins the items of a list in one CSV cell; /data says so.
const listSep = "; "

// csvTime is a time in a CSV cell: RFC 3339 in UTC, empty when unset.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func postFields(iris federation.IRIs) []dataField[*content.Post] {
	return []dataField[*content.Post]{
		{"id", "data.field_id", func(p *content.Post) string { return p.IRI }},
		{"url", "data.field_url", func(p *content.Post) string { return iris.PostURL(p.Author, p.Slug) }},
		{"type", "data.field_post_type", func(p *content.Post) string { return postType(p) }},
		{"title", "data.field_title", func(p *content.Post) string { return p.Title }},
		{"summary", "data.field_summary", func(p *content.Post) string { return p.Lead }},
		{"content_html", "data.field_content_html", func(p *content.Post) string { return p.Content }},
		{"language", "data.field_language", func(p *content.Post) string { return string(p.Language) }},
		{"tags", "data.field_tags", func(p *content.Post) string { return strings.Join(p.Tags, listSep) }},
		{"author", "data.field_author", func(p *content.Post) string { return p.Author }},
		{"author_id", "data.field_author_id", func(p *content.Post) string { return iris.Actor(p.Author) }},
		{"published", "data.field_published", func(p *content.Post) string { return csvTime(p.Published) }},
		{"updated", "data.field_updated", func(p *content.Post) string { return csvTime(p.Updated) }},
	}
}

// postType is how the node federates a post: an Article, or a Note when
// its author chose so.
func postType(p *content.Post) string {
	if p.AsNote {
		return "Note"
	}
	return "Article"
}

func postDoc(iris federation.IRIs, p *content.Post) map[string]any {
	doc := map[string]any{
		"id": p.IRI, "type": postType(p), "name": p.Title, "summary": html.EscapeString(p.Lead), "content": p.Content,
		"url": iris.PostURL(p.Author, p.Slug), "attributedTo": iris.Actor(p.Author), "published": csvTime(p.Published),
	}
	addCommon(iris, doc, string(p.Language), p.Content, p.Updated, p.Tags)
	return doc
}

// addCommon adds what posts, threads and events share: the language of
// the content, the last change and the hashtags.
func addCommon(iris federation.IRIs, doc map[string]any, lang, contentHTML string, updated time.Time, tags []string) {
	if lang != "" {
		doc["contentMap"] = map[string]string{lang: contentHTML}
	}
	if !updated.IsZero() {
		doc["updated"] = csvTime(updated)
	}
	if len(tags) > 0 {
		hashtags := make([]map[string]string, 0, len(tags))
		for _, t := range tags {
			hashtags = append(hashtags, map[string]string{"type": "Hashtag", "name": "#" + t, "href": iris.Tag(t)})
		}
		doc["tag"] = hashtags
	}
}

func threadFields(iris federation.IRIs) []dataField[*storage.OpenThread] {
	return []dataField[*storage.OpenThread]{
		{"id", "data.field_id", func(t *storage.OpenThread) string { return t.IRI }},
		{"url", "data.field_url", func(t *storage.OpenThread) string { return iris.ThreadPage(t.Forum, t.ID) }},
		{"forum", "data.field_forum", func(t *storage.OpenThread) string { return t.Forum }},
		{"forum_id", "data.field_forum_id", func(t *storage.OpenThread) string { return iris.Group(t.Forum) }},
		{"title", "data.field_title", func(t *storage.OpenThread) string { return t.Title }},
		{"content_html", "data.field_content_html", func(t *storage.OpenThread) string { return t.Page.Content }},
		{"language", "data.field_language", func(t *storage.OpenThread) string { return t.Page.Language }},
		{"tags", "data.field_tags", func(t *storage.OpenThread) string { return strings.Join(t.Page.Tags, listSep) }},
		{"author_name", "data.field_author_name", func(t *storage.OpenThread) string { return t.AuthorName }},
		{"author_id", "data.field_author_id", func(t *storage.OpenThread) string { return t.Author }},
		{"replies", "data.field_replies", func(t *storage.OpenThread) string { return strconv.Itoa(t.ReplyCount) }},
		{"answered", "data.field_answered", func(t *storage.OpenThread) string { return strconv.FormatBool(t.Answered()) }},
		{"published", "data.field_published", func(t *storage.OpenThread) string { return csvTime(t.Page.Published) }},
		{"updated", "data.field_updated", func(t *storage.OpenThread) string { return csvTime(t.Page.Updated) }},
		{"last_activity", "data.field_last_activity", func(t *storage.OpenThread) string { return csvTime(t.LastActivity) }},
	}
}

// threadDoc is a thread's Page as FEP-1b12 forums publish it, addressed
// to its forum's Group.
func threadDoc(iris federation.IRIs, t *storage.OpenThread) map[string]any {
	doc := map[string]any{
		"id": t.IRI, "type": "Page", "name": t.Title, "content": t.Page.Content, "url": iris.ThreadPage(t.Forum, t.ID),
		"attributedTo": t.Author, "audience": iris.Group(t.Forum), "published": csvTime(t.Page.Published),
	}
	addCommon(iris, doc, t.Page.Language, t.Page.Content, t.Page.Updated, t.Page.Tags)
	return doc
}

func eventFields(iris federation.IRIs) []dataField[*content.Event] {
	place := func(get func(content.Place) string) func(*content.Event) string {
		return func(e *content.Event) string { return get(e.Place) }
	}
	coord := func(get func(content.Place) float64) func(*content.Event) string {
		return func(e *content.Event) string {
			if !e.Place.HasGeo {
				return ""
			}
			return strconv.FormatFloat(get(e.Place), 'f', -1, 64)
		}
	}
	return []dataField[*content.Event]{
		{"id", "data.field_id", func(e *content.Event) string { return e.IRI }},
		{"url", "data.field_url", func(e *content.Event) string { return eventURL(iris, e) }},
		{"title", "data.field_title", func(e *content.Event) string { return e.Title }},
		{"summary", "data.field_event_summary", func(e *content.Event) string { return e.Summary }},
		{"content_html", "data.field_content_html", func(e *content.Event) string { return e.Content }},
		{"language", "data.field_language", func(e *content.Event) string { return string(e.Language) }},
		{"tags", "data.field_tags", func(e *content.Event) string { return strings.Join(e.Tags, listSep) }},
		{"start", "data.field_start", func(e *content.Event) string { return csvTime(e.Start) }},
		{"end", "data.field_end", func(e *content.Event) string { return csvTime(e.End) }},
		{"time_zone", "data.field_time_zone", func(e *content.Event) string { return e.TimeZone }},
		{"status", "data.field_status", func(e *content.Event) string { return string(e.Status) }},
		{"place_name", "data.field_place_name", place(func(p content.Place) string { return p.Name })},
		{"street", "data.field_street", place(func(p content.Place) string { return p.Street })},
		{"postal_code", "data.field_postal_code", place(func(p content.Place) string { return p.PostalCode })},
		{"city", "data.field_city", place(func(p content.Place) string { return p.City })},
		{"region", "data.field_region", place(func(p content.Place) string { return p.Region })},
		{"country", "data.field_country", place(func(p content.Place) string { return p.Country })},
		{"latitude", "data.field_latitude", coord(func(p content.Place) float64 { return p.Lat })},
		{"longitude", "data.field_longitude", coord(func(p content.Place) float64 { return p.Lon })},
		{"online_url", "data.field_online_url", func(e *content.Event) string { return e.OnlineURL }},
		{"organizer_id", "data.field_organizer_id", func(e *content.Event) string { return e.Organizer }},
		{"organizer_name", "data.field_organizer_name", func(e *content.Event) string { return e.OrganizerName }},
		{"join_mode", "data.field_join_mode", func(e *content.Event) string { return string(e.JoinMode) }},
		{"registration_url", "data.field_registration_url", func(e *content.Event) string { return e.RegistrationURL }},
		{"capacity", "data.field_capacity", func(e *content.Event) string { return strconv.Itoa(e.Capacity) }},
		{"published", "data.field_published", func(e *content.Event) string { return csvTime(e.Published) }},
		{"updated", "data.field_updated", func(e *content.Event) string { return csvTime(e.Updated) }},
	}
}

// eventURL is an event's page: the stored one, else the agenda's.
func eventURL(iris federation.IRIs, e *content.Event) string {
	if e.URL != "" {
		return e.URL
	}
	if token, ok := iris.EventToken(e.IRI); ok {
		return iris.EventPage(token)
	}
	return e.IRI
}

func eventDoc(iris federation.IRIs, e *content.Event) map[string]any {
	doc := map[string]any{
		"id": e.IRI, "type": "Event", "name": e.Title, "summary": html.EscapeString(e.Summary), "content": e.Content,
		"url": eventURL(iris, e), "attributedTo": e.Organizer, "startTime": csvTime(e.Start), "endTime": csvTime(e.End),
		"timezone": e.TimeZone, "ical:status": string(e.Status), "published": csvTime(e.Published),
	}
	if e.Capacity > 0 {
		doc["maximumAttendeeCapacity"] = e.Capacity
	}
	if !e.Place.IsZero() {
		doc["location"] = federation.PlaceDocument(e.Place)
	}
	if e.OnlineURL != "" {
		doc["attachment"] = []map[string]string{{"type": "Link", "mediaType": "text/html", "href": e.OnlineURL, "name": "Website"}}
	}
	addCommon(iris, doc, string(e.Language), e.Content, e.Updated, e.Tags)
	return doc
}

func memberFields(iris federation.IRIs) []dataField[*storage.DirectoryEntry] {
	type entry = *storage.DirectoryEntry
	return []dataField[entry]{
		{"username", "data.field_username", func(e entry) string { return e.Member.Username }},
		{"name", "data.field_name", func(e entry) string { return e.Member.Name() }},
		{"organisation", "data.field_organisation", func(e entry) string { return e.Profile.Organisation }},
		{"role", "data.field_role", func(e entry) string { return e.Profile.JobTitle }},
		{"region", "data.field_member_region", func(e entry) string { return e.Profile.Region }},
		{"topics", "data.field_topics", func(e entry) string { return strings.Join(e.Profile.Topics, listSep) }},
		{"languages", "data.field_languages", func(e entry) string { return strings.Join(e.Profile.Languages, listSep) }},
		{"links", "data.field_links", func(e entry) string { return joinLinks(e.Profile.Links) }},
		{"bio", "data.field_bio", func(e entry) string { return e.Member.Bio }},
		{"url", "data.field_profile_url", func(e entry) string { return iris.Profile(e.Member.Username) }},
		{"id", "data.field_actor_id", func(e entry) string { return iris.Actor(e.Member.Username) }},
	}
}

// joinLinks writes a profile's links as "Name <URL>", joined by listSep.
func joinLinks(links []content.ProfileLink) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = l.Name + " <" + l.URL + ">"
	}
	return strings.Join(parts, listSep)
}

// The names the member export gives the profile's PropertyValues: fixed
// English words, so that a harvester reads every member the same way
// (the actor names them in the member's own language).
const (
	propOrganisation = "Organisation"
	propRole         = "Role"
	propRegion       = "Region"
	propLanguages    = "Languages"
)

// memberDoc is a listed member as a Person: the directory's fields, the
// profile as PropertyValue attachments and the topics as Hashtags, as
// the member's actor carries them. Nothing else of the actor (keys,
// inboxes) belongs in a dataset.
func memberDoc(iris federation.IRIs, e *storage.DirectoryEntry) map[string]any {
	m, p := e.Member, e.Profile
	doc := map[string]any{
		"id": iris.Actor(m.Username), "type": "Person", "preferredUsername": m.Username, "name": m.Name(),
		"url": iris.Profile(m.Username),
	}
	if m.Bio != "" {
		doc["summary"] = html.EscapeString(m.Bio)
	}
	attachment := []map[string]string{}
	for _, f := range []struct{ name, value string }{
		{propOrganisation, p.Organisation}, {propRole, p.JobTitle}, {propRegion, p.Region},
		{propLanguages, strings.Join(p.Languages, ", ")},
	} {
		if f.value != "" {
			attachment = append(attachment, map[string]string{"type": "PropertyValue", "name": f.name, "value": f.value})
		}
	}
	for _, l := range p.Links {
		attachment = append(attachment, map[string]string{"type": "PropertyValue", "name": l.Name, "value": l.URL})
	}
	if len(attachment) > 0 {
		doc["attachment"] = attachment
	}
	var tags []map[string]string
	for _, t := range p.Topics {
		if h := content.TopicHashtag(t); h != "" {
			tags = append(tags, map[string]string{"type": "Hashtag", "name": "#" + h, "href": iris.Tag(strings.ToLower(h))})
		}
	}
	if len(tags) > 0 {
		doc["tag"] = tags
	}
	return doc
}
