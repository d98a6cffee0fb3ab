package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"kring/content"
)

// profileForm is the work and speaker part of the profile form, as the
// member typed it: lists are comma-separated text, and there are always
// content.MaxProfileLinks rows of links to fill in.
type profileForm struct {
	Organisation, JobTitle, Region string
	Topics, Languages              string
	Links                          []linkRow
	Listed                         bool

	Speaker          bool
	SpeakerTopics    string
	SpeakerLanguages string
	Formats          []formatOption
	Pitch            string
}

// linkRow is one name and address pair of the form, with its field ids.
type linkRow struct {
	N             int
	NameID, URLID string
	Name, URL     string
}

// formatOption is a talk format's checkbox.
type formatOption struct {
	Value   content.TalkFormat
	Label   string
	Checked bool
}

func linkRows(links []content.ProfileLink) []linkRow {
	rows := make([]linkRow, content.MaxProfileLinks)
	for i := range rows {
		rows[i] = linkRow{N: i + 1, NameID: fmt.Sprintf("link%d_name", i+1), URLID: fmt.Sprintf("link%d_url", i+1)}
		if i < len(links) {
			rows[i].Name, rows[i].URL = links[i].Name, links[i].URL
		}
	}
	return rows
}

func formatOptions(cat catalog, chosen []content.TalkFormat) []formatOption {
	out := make([]formatOption, 0, len(content.TalkFormats))
	for _, f := range content.TalkFormats {
		out = append(out, formatOption{Value: f, Label: cat.t("directory.format." + string(f)), Checked: slices.Contains(chosen, f)})
	}
	return out
}

// profileFormOf fills the form from a stored profile.
func profileFormOf(cat catalog, p *content.Profile) profileForm {
	return profileForm{
		Organisation: p.Organisation, JobTitle: p.JobTitle, Region: p.Region,
		Topics: strings.Join(p.Topics, ", "), Languages: strings.Join(p.Languages, ", "),
		Links: linkRows(p.Links), Listed: p.Listed,
		Speaker: p.Speaker, SpeakerTopics: strings.Join(p.SpeakerTopics, ", "),
		SpeakerLanguages: strings.Join(p.SpeakerLanguages, ", "),
		Formats:          formatOptions(cat, p.SpeakerFormats), Pitch: p.Pitch,
	}
}

// profileFromForm reads the posted profile, and the form to show again
// should it be refused. Links with neither name nor address are left out.
func profileFromForm(cat catalog, form url.Values, memberID int64) (*content.Profile, profileForm) {
	line := func(name string) string { return strings.Join(strings.Fields(form.Get(name)), " ") }
	p := &content.Profile{
		MemberID: memberID, Organisation: line("organisation"), JobTitle: line("job_title"), Region: line("region"),
		Topics: content.SplitList(form.Get("topics")), Languages: content.SplitList(form.Get("languages")),
		Listed: form.Get("listed") == "on", Speaker: form.Get("speaker") == "on",
		SpeakerTopics: content.SplitList(form.Get("speaker_topics")), SpeakerLanguages: content.SplitList(form.Get("speaker_languages")),
		Pitch: strings.TrimSpace(strings.ReplaceAll(form.Get("pitch"), "\r\n", "\n")),
	}
	for _, f := range form["speaker_formats"] {
		p.SpeakerFormats = append(p.SpeakerFormats, content.TalkFormat(f))
	}
	rows := linkRows(nil)
	for i := range rows {
		rows[i].Name, rows[i].URL = line(rows[i].NameID), strings.TrimSpace(form.Get(rows[i].URLID))
		if rows[i].Name != "" || rows[i].URL != "" {
			p.Links = append(p.Links, content.ProfileLink{Name: rows[i].Name, URL: rows[i].URL})
		}
	}
	shown := profileForm{
		Organisation: p.Organisation, JobTitle: p.JobTitle, Region: p.Region,
		Topics: form.Get("topics"), Languages: form.Get("languages"), Links: rows, Listed: p.Listed,
		Speaker: p.Speaker, SpeakerTopics: form.Get("speaker_topics"), SpeakerLanguages: form.Get("speaker_languages"),
		Formats: formatOptions(cat, p.SpeakerFormats), Pitch: p.Pitch,
	}
	return p, shown
}

// profileCodeArgs fill the numbers into the translated messages of the
// profile's rules.
var profileCodeArgs = map[string][]any{
	"organisation.long": {content.MaxProfileText},
	"job_title.long":    {content.MaxProfileText},
	"region.long":       {content.MaxProfileText},
	"topics.many":       {content.MaxTopics},
	"topics.long":       {content.MaxTopicLen},
	"languages.many":    {content.MaxLanguages},
	"links.long":        {content.MaxProfileText},
	"pitch.long":        {content.MaxPitchLen},
}

// checkProfile validates the posted profile as storage will, pointing a
// link's error at the name or address field of the row it was typed in.
func (s *Server) checkProfile(p *content.Profile, rows []linkRow) error {
	cp := *p
	cp.Topics, cp.SpeakerTopics = content.CleanTopics(p.Topics), content.CleanTopics(p.SpeakerTopics)
	cp.Languages, cp.SpeakerLanguages = content.CleanLanguages(p.Languages), content.CleanLanguages(p.SpeakerLanguages)
	for _, row := range rows {
		if row.Name == "" && row.URL == "" {
			continue
		}
		if row.Name == "" {
			return &problem{status: http.StatusUnprocessableEntity, key: "directory.link_name_missing",
				field: row.NameID, detail: "a link without a name"}
		}
		one := content.Profile{Links: []content.ProfileLink{{Name: row.Name, URL: row.URL}}}
		if err := one.Validate(); err != nil {
			field := row.NameID
			if e, ok := content.AsError(err); ok && e.Code == "links.invalid" {
				field = row.URLID
			}
			return s.profileProblem(err, field)
		}
	}
	if err := cp.Validate(); err != nil {
		e, _ := content.AsError(err)
		field := ""
		if e != nil {
			field = e.Field
		}
		return s.profileProblem(err, field)
	}
	return nil
}

func (s *Server) profileProblem(err error, field string) *problem {
	p := s.fieldAs(err, field)
	if e, ok := content.AsError(err); ok {
		if args, ok := profileCodeArgs[e.Code]; ok {
			p.args = args
		}
	}
	return p
}

// errorAnchor is the id the error summary links to for a field: a group
// of checkboxes is reached at its first box.
func errorAnchor(field string) string {
	switch field {
	case "form":
		return ""
	case "speaker_formats":
		return "speaker_formats-" + string(content.TalkFormats[0])
	}
	return field
}

// publishProfile sends the Update of the member's actor when the node
// federates. The profile is stored by then: a failure to queue the
// Update is logged, and the next save sends the whole document again.
func (s *Server) publishProfile(r *http.Request, memberID int64) {
	fed := s.cfg.Federation
	if fed == nil {
		return
	}
	ctx := r.Context()
	m, err := s.db.MemberByID(ctx, memberID)
	if err == nil {
		err = fed.PublishProfile(context.WithoutCancel(ctx), m)
	}
	if err != nil {
		s.log.Warn("profile update not sent", "request_id", reqFrom(ctx).id, "member_id", memberID, "err", err)
	}
}
