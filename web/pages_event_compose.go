package web

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
)

// localTimeLayout is how <input type="datetime-local"> holds a time.
const localTimeLayout = "2006-01-02T15:04"

// eventZones are the zones the form offers: where Kring's people meet.
var eventZones = []string{content.DefaultTimeZone, "Europe/Brussels", "Europe/London", "UTC"}

// rrulePresets are the repeat rules the series form offers by name.
var rrulePresets = []struct{ value, rule, key string }{
	{"weekly", "FREQ=WEEKLY", "series_form.rule_weekly"},
	{"biweekly", "FREQ=WEEKLY;INTERVAL=2", "series_form.rule_biweekly"},
	{"monthly_first_monday", "FREQ=MONTHLY;BYDAY=1MO", "series_form.rule_monthly_first_monday"},
	{"second_fourth_monday", "FREQ=MONTHLY;BYDAY=2MO,4MO", "series_form.rule_second_fourth_monday"},
}

// eventForm is the event (or series) form: what was typed, the choices it
// offers, a preview when asked for and the errors of a refused save.
type eventForm struct {
	Action          string // where the form posts
	Series          bool
	Editing         bool
	Cancel          string // where "back" goes: the event or the agenda
	Heading         string // catalogue key
	Title           string
	Body            string
	Start           string
	End             string
	TimeZone        string
	Venue           string
	Street          string
	Postal          string
	City            string
	Country         string
	Notes           string
	Lat             string
	Lon             string
	Online          string
	Organizer       string
	Speakers        string
	Capacity        string
	JoinMode        string // open, approval or external
	RegistrationURL string
	Status          string // confirmed, tentative or cancelled
	Tags            string
	CoverID         int64
	Language        content.Language
	RRule           string // a preset's value or "custom"
	RRuleCustom     string
	Horizon         string

	Zones      []string
	Organizers []agendaOption
	Rules      []agendaOption
	Uploads    []content.Media
	Languages  []langOption
	Preview    template.HTML
	formErrors
	MaxTitle   int
	MaxNotes   int
	MaxField   int
	MaxCap     int
	MaxHorizon int
}

// formError is one line of the error summary, linked to its field.
type formError struct {
	Field   string
	Message string
}

// formFieldOrder is the order of the inputs, which the summary follows.
var formFieldOrder = []string{"form", "title", "body", "start", "end", "time_zone", "rrule", "rrule_custom", "horizon_weeks",
	"venue", "street", "postal_code", "city", "country", "notes", "lat", "lon", "online_url", "organizer", "speakers",
	"capacity", "join_mode-open", "registration_url", "status", "tags", "cover", "language"}

// domainFields are the inputs the domain's error fields point at.
var domainFields = map[string]string{
	"title": "title", "body": "body", "start": "start", "end": "end", "duration": "end", "time_zone": "time_zone",
	"place": "venue", "place_notes": "notes", "geo": "lat", "online_url": "online_url", "registration_url": "registration_url",
	"speakers": "speakers", "capacity": "capacity", "status": "status", "join_mode": "join_mode-open", "cover": "cover",
	"organizer": "organizer", "rrule": "rrule", "horizon_weeks": "horizon_weeks", "language": "language",
}

func (f *eventForm) addError(field, msg string) { f.add(formFieldOrder, field, msg) }

// formErrors are a form's refusals: by input id for the fields, and in the
// form's order for the summary at its top. The first message per field
// stands.
type formErrors struct {
	Errors    map[string]string // input id → message
	ErrorList []formError       // the summary, in the form's order
}

// add records a refusal; order is the form's input ids, top to bottom
// (ids not in it keep the order they came in).
func (f *formErrors) add(order []string, field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, dup := f.Errors[field]; dup {
		return
	}
	f.Errors[field] = msg
	f.ErrorList = append(f.ErrorList, formError{Field: field, Message: msg})
	slices.SortStableFunc(f.ErrorList, func(a, b formError) int {
		return slices.Index(order, a.Field) - slices.Index(order, b.Field)
	})
}

func seriesEditPath(id int64) string { return "/agenda/series/" + strconv.FormatInt(id, 10) + "/edit" }

// newEventForm is an empty form with its choices filled in.
func (s *Server) newEventForm(ctx context.Context, m *content.Member, series bool) (*eventForm, error) {
	f := &eventForm{Series: series, Action: "/agenda/new", Cancel: "/agenda", Heading: "event_form.title_new",
		TimeZone: content.DefaultTimeZone, Organizer: "member", JoinMode: "open", Status: "confirmed", Capacity: "0",
		Language: m.Language, RRule: "weekly", Horizon: strconv.Itoa(content.DefaultHorizonWeeks),
		MaxTitle: content.MaxEventTitleLen, MaxNotes: content.MaxPlaceNotesLen, MaxField: content.MaxPlaceFieldLen,
		MaxCap: content.MaxEventCapacity, MaxHorizon: content.MaxHorizonWeeks}
	if series {
		f.Action, f.Heading = "/agenda/series/new", "series_form.title_new"
	}
	return f, s.fillEventChoices(ctx, m, f, nil)
}

// fillEventChoices fills the selects: zones, organisers, rules, uploads
// and languages. existing is the event being edited, whose organiser stays
// on offer even when the editor could not choose it.
func (s *Server) fillEventChoices(ctx context.Context, m *content.Member, f *eventForm, existing *content.Event) error {
	cat := s.catalogs[reqFrom(ctx).lang]
	f.Zones = slices.Clone(eventZones)
	if f.TimeZone != "" && !slices.Contains(f.Zones, f.TimeZone) {
		f.Zones = append(f.Zones, f.TimeZone)
	}
	f.Organizers = []agendaOption{{Value: "member", Label: cat.t("event_form.organizer_me", m.Name())}}
	forums, err := s.db.ListForums(ctx)
	if err != nil {
		return err
	}
	fed := s.cfg.Federation
	for _, fo := range forums {
		ok, err := fed.CanModerate(ctx, m, fo.ID)
		if err != nil {
			return err
		}
		if ok {
			f.Organizers = append(f.Organizers, agendaOption{Value: "forum:" + fo.Name, Label: cat.t("event_form.organizer_forum", fo.Title)})
		}
	}
	if node := reqFrom(ctx).node; m.Role == content.RoleAdmin && node != nil && node.OrgUsername != "" {
		f.Organizers = append(f.Organizers, agendaOption{Value: "organisation", Label: cat.t("event_form.organizer_org", firstNonEmpty(node.OrgName, node.OrgUsername))})
	}
	if existing != nil && !slices.ContainsFunc(f.Organizers, func(o agendaOption) bool { return o.Value == f.Organizer }) {
		f.Organizers = append([]agendaOption{{Value: "", Label: cat.t("event_form.organizer_keep", firstNonEmpty(existing.OrganizerName, existing.Organizer))}}, f.Organizers...)
	}
	for i := range f.Organizers {
		f.Organizers[i].Selected = f.Organizers[i].Value == f.Organizer
	}
	for _, p := range rrulePresets {
		f.Rules = append(f.Rules, agendaOption{Value: p.value, Label: cat.t(p.key), Selected: p.value == f.RRule})
	}
	f.Rules = append(f.Rules, agendaOption{Value: "custom", Label: cat.t("series_form.rule_custom"), Selected: f.RRule == "custom"})
	if f.Uploads, err = s.db.MediaByOwner(ctx, m.ID, 40); err != nil {
		return err
	}
	for _, l := range content.Languages {
		f.Languages = append(f.Languages, langOption{Code: l, Name: cat.t("language.name." + string(l))})
	}
	return nil
}

// fillFromEvent puts a stored event (or a series' template) in the form.
func (s *Server) fillFromEvent(ctx context.Context, f *eventForm, m *content.Member, ev *content.Event) {
	iris := s.cfg.Federation.IRIs()
	loc := content.LoadZone(ev.TimeZone)
	f.Title, f.Body, f.TimeZone = ev.Title, ev.Body, ev.TimeZone
	if !ev.Start.IsZero() {
		f.Start, f.End = ev.Start.In(loc).Format(localTimeLayout), ev.End.In(loc).Format(localTimeLayout)
	}
	p := ev.Place
	f.Venue, f.Street, f.Postal, f.City, f.Country, f.Notes = p.Name, p.Street, p.PostalCode, p.City, p.Country, p.Notes
	if p.HasGeo {
		f.Lat, f.Lon = strconv.FormatFloat(p.Lat, 'f', -1, 64), strconv.FormatFloat(p.Lon, 'f', -1, 64)
	}
	f.Online, f.Capacity, f.RegistrationURL = ev.OnlineURL, strconv.Itoa(ev.Capacity), ev.RegistrationURL
	f.JoinMode = map[content.JoinMode]string{content.JoinApproval: "approval", content.JoinExternal: "external"}[ev.JoinMode]
	if f.JoinMode == "" {
		f.JoinMode = "open"
	}
	f.Status = strings.ToLower(string(ev.Status))
	if f.Status == "" {
		f.Status = "confirmed"
	}
	f.Tags, f.CoverID, f.Language = strings.Join(ev.Tags, " "), ev.CoverMediaID, ev.Language
	switch name, isForum := iris.LocalGroup(ev.Organizer); {
	case ev.Organizer == iris.Actor(m.Username):
		f.Organizer = "member"
	case ev.Organizer == iris.Organisation():
		f.Organizer = "organisation"
	case isForum:
		f.Organizer = "forum:" + name
	default:
		f.Organizer = ""
	}
	var lines []string
	for _, sp := range ev.Speakers {
		lines = append(lines, s.speakerLine(ctx, sp))
	}
	f.Speakers = strings.Join(lines, "\n")
}

// speakerLine writes a speaker back as the form takes it: a handle when
// the speaker has an actor, else the name.
func (s *Server) speakerLine(ctx context.Context, sp content.Speaker) string {
	if sp.Actor == "" {
		return sp.Name
	}
	iris := s.cfg.Federation.IRIs()
	if name, ok := iris.LocalUsername(sp.Actor); ok {
		return "@" + name
	}
	if a, err := s.db.RemoteActor(ctx, sp.Actor); err == nil && a.Username != "" && a.Host != "" {
		return "@" + a.Username + "@" + a.Host
	}
	return sp.Name
}

func (s *Server) newEventPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref("/agenda/new"))
	}
	f, err := s.newEventForm(ctx, m, false)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event_compose", f)
}

func (s *Server) newSeriesPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref("/agenda/series/new"))
	}
	f, err := s.newEventForm(ctx, m, true)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event_compose", f)
}

// editEventPage opens an event in the form, for its organisers.
func (s *Server) editEventPage(w http.ResponseWriter, r *http.Request, ev *content.Event) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref(r.URL.Path))
	}
	if !s.cfg.Federation.CanManageEvent(ctx, m, ev) {
		return &problem{status: http.StatusForbidden, key: "error.code.event.not_organizer", detail: "not an organiser"}
	}
	f, err := s.editEventForm(ctx, m, ev)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event_compose", f)
}

func (s *Server) editEventForm(ctx context.Context, m *content.Member, ev *content.Event) (*eventForm, error) {
	f, err := s.newEventForm(ctx, m, false)
	if err != nil {
		return nil, err
	}
	path := s.eventPath(ev)
	f.Action, f.Cancel, f.Editing, f.Heading = path+"/edit", path, true, "event_form.title_edit"
	s.fillFromEvent(ctx, f, m, ev)
	return f, s.fillEventChoices(ctx, m, resetChoices(f), ev)
}

// resetChoices empties the selects, to be filled again for new values.
func resetChoices(f *eventForm) *eventForm {
	f.Zones, f.Organizers, f.Rules, f.Uploads, f.Languages = nil, nil, nil, nil, nil
	return f
}

// seriesAt finds the series in a URL.
func (s *Server) seriesAt(ctx context.Context, id string) (*content.Series, error) {
	rowID, err := strconv.ParseInt(id, 10, 64)
	missing := &problem{status: http.StatusNotFound, key: "error.series_not_found", detail: "no series " + id}
	if err != nil || rowID <= 0 {
		return nil, missing
	}
	sr, err := s.db.SeriesByID(ctx, rowID)
	if content.KindOf(err) == content.KindNotFound {
		return nil, missing
	}
	return sr, err
}

func canEditSeries(m *content.Member, sr *content.Series) bool {
	return m.ID == sr.CreatorID || m.Role == content.RoleAdmin
}

// editSeriesPage opens a series in the form, for its organiser.
func (s *Server) editSeriesPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref(r.URL.Path))
	}
	sr, err := s.seriesAt(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canEditSeries(m, sr) {
		return &problem{status: http.StatusForbidden, key: "error.code.series.not_yours", detail: "not the series' organiser"}
	}
	f, err := s.editSeriesForm(ctx, m, sr)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event_compose", f)
}

func (s *Server) editSeriesForm(ctx context.Context, m *content.Member, sr *content.Series) (*eventForm, error) {
	f, err := s.newEventForm(ctx, m, true)
	if err != nil {
		return nil, err
	}
	f.Action, f.Cancel, f.Editing, f.Heading = seriesEditPath(sr.ID), "/agenda?series="+strconv.FormatInt(sr.ID, 10), true, "series_form.title_edit"
	tmpl := sr.Template
	tmpl.TimeZone, tmpl.Start, tmpl.End = sr.TimeZone, sr.FirstStart, sr.FirstStart.Add(sr.Duration)
	s.fillFromEvent(ctx, f, m, &tmpl)
	f.RRule, f.Horizon = "custom", strconv.Itoa(sr.HorizonWeeks)
	for _, p := range rrulePresets {
		if p.rule == sr.RRule {
			f.RRule = p.value
		}
	}
	if f.RRule == "custom" {
		f.RRuleCustom = sr.RRule
	}
	return f, s.fillEventChoices(ctx, m, resetChoices(f), &tmpl)
}

// readEventForm reads the posted form into f and the input for the
// domain. What cannot even be read (a date, a number) becomes an error
// at its field; every such error is reported at once.
func (s *Server) readEventForm(ctx context.Context, r *http.Request, f *eventForm) federation.EventInput {
	cat := s.catalogs[reqFrom(ctx).lang]
	form := r.PostForm
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	f.Title, f.Body = get("title"), strings.ReplaceAll(form.Get("body"), "\r\n", "\n")
	f.Start, f.End, f.TimeZone = get("start"), get("end"), get("time_zone")
	f.Venue, f.Street, f.Postal, f.City, f.Country = get("venue"), get("street"), get("postal_code"), get("city"), get("country")
	f.Notes, f.Lat, f.Lon = strings.ReplaceAll(get("notes"), "\r\n", "\n"), get("lat"), get("lon")
	f.Online, f.Organizer, f.Speakers = get("online_url"), get("organizer"), strings.ReplaceAll(form.Get("speakers"), "\r\n", "\n")
	f.Capacity, f.JoinMode, f.RegistrationURL, f.Status = get("capacity"), get("join_mode"), get("registration_url"), get("status")
	f.Tags, f.RRule, f.RRuleCustom, f.Horizon = form.Get("tags"), get("rrule"), get("rrule_custom"), get("horizon_weeks")

	in := federation.EventInput{Title: f.Title, Body: f.Body, OnlineURL: f.Online, Organizer: f.Organizer,
		RegistrationURL: f.RegistrationURL, Place: content.Place{Name: f.Venue, Street: f.Street, PostalCode: f.Postal,
			City: f.City, Country: f.Country, Notes: f.Notes},
		Tags: strings.FieldsFunc(f.Tags, func(r rune) bool { return r == ',' || r == ' ' || r == '#' })}
	for line := range strings.SplitSeq(f.Speakers, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Speakers = append(in.Speakers, line)
		}
	}
	if len(in.Speakers) > content.MaxEventSpeakers {
		// Refused here, before each handle is looked up on its server.
		f.addError("speakers", cat.t("error.code.event.speakers_many"))
	}
	if f.Title == "" {
		// The domain says so too, but one error at a time: the form
		// lists all it can find at once.
		f.addError("title", cat.t("error.code.event.title_empty"))
	}
	zone, err := content.ParseTimeZone(f.TimeZone)
	if err != nil {
		f.addError("time_zone", cat.t("event_form.error_time_zone"))
		zone = content.DefaultTimeZone
	} else {
		f.TimeZone, in.TimeZone = zone, zone
	}
	readTime := func(field, value, missing, invalid string) time.Time {
		if value == "" {
			f.addError(field, cat.t(missing))
			return time.Time{}
		}
		t, err := content.ParseLocalTime(value, zone)
		if err != nil {
			f.addError(field, cat.t(invalid))
		}
		return t
	}
	in.Start = readTime("start", f.Start, "event_form.error_start_missing", "event_form.error_start_invalid")
	in.End = readTime("end", f.End, "event_form.error_end_missing", "event_form.error_end_invalid")
	if f.Capacity == "" {
		f.Capacity = "0"
	}
	if n, err := strconv.Atoi(f.Capacity); err != nil || n < 0 || n > content.MaxEventCapacity {
		f.addError("capacity", cat.t("event_form.error_capacity"))
	} else {
		in.Capacity = n
	}
	if f.Lat != "" || f.Lon != "" {
		lat, err1 := strconv.ParseFloat(strings.ReplaceAll(f.Lat, ",", "."), 64)
		lon, err2 := strconv.ParseFloat(strings.ReplaceAll(f.Lon, ",", "."), 64)
		// Written so that NaN, which ParseFloat reads, fails too.
		if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
			f.addError("lat", cat.t("event_form.error_geo"))
		} else {
			in.Place.HasGeo, in.Place.Lat, in.Place.Lon = true, lat, lon
		}
	}
	if in.JoinMode, err = content.ParseJoinMode(f.JoinMode); err != nil || in.JoinMode == content.JoinInvite {
		f.addError("join_mode-open", cat.t("event_form.error_join_mode"))
	}
	if in.Status, err = content.ParseEventStatus(f.Status); err != nil {
		f.addError("status", cat.t("event_form.error_status"))
	}
	if f.Language, err = content.ParseLanguage(form.Get("language")); err != nil {
		f.addError("language", cat.t("error.code.language.invalid"))
	}
	in.Language = f.Language
	if v := form.Get("cover"); v != "" && v != "0" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.addError("cover", cat.t("error.code.event.cover_unknown"))
		}
		f.CoverID, in.CoverID = id, id
	}
	return in
}

// readSeriesForm reads the series' own fields.
func (s *Server) readSeriesForm(ctx context.Context, r *http.Request, f *eventForm, in federation.EventInput) federation.SeriesInput {
	cat := s.catalogs[reqFrom(ctx).lang]
	si := federation.SeriesInput{EventInput: in}
	switch i := slices.IndexFunc(rrulePresets, func(p struct{ value, rule, key string }) bool { return p.value == f.RRule }); {
	case i >= 0:
		si.RRule = rrulePresets[i].rule
	case f.RRule == "custom":
		if f.RRuleCustom == "" {
			f.addError("rrule_custom", cat.t("series_form.error_custom_missing"))
		}
		si.RRule = f.RRuleCustom
	default:
		f.addError("rrule", cat.t("series_form.error_rule"))
	}
	if f.Horizon == "" {
		f.Horizon = strconv.Itoa(content.DefaultHorizonWeeks)
	}
	if n, err := strconv.Atoi(f.Horizon); err != nil || n < 1 || n > content.MaxHorizonWeeks {
		f.addError("horizon_weeks", cat.t("error.code.series.horizon"))
	} else {
		si.HorizonWeeks = n
	}
	return si
}

// saveNewEvent handles the new-event form: preview or publish.
func (s *Server) saveNewEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	f, err := s.newEventForm(ctx, m, false)
	if err != nil {
		return err
	}
	return s.saveEventForm(w, r, m, f, nil)
}

// saveEditedEvent handles an event's edit form.
func (s *Server) saveEditedEvent(w http.ResponseWriter, r *http.Request, m *content.Member, ev *content.Event) error {
	ctx := r.Context()
	if !s.cfg.Federation.CanManageEvent(ctx, m, ev) {
		return &problem{status: http.StatusForbidden, key: "error.code.event.not_organizer", detail: "not an organiser"}
	}
	f, err := s.editEventForm(ctx, m, ev)
	if err != nil {
		return err
	}
	return s.saveEventForm(w, r, m, f, ev)
}

func (s *Server) saveEventForm(w http.ResponseWriter, r *http.Request, m *content.Member, f *eventForm, existing *content.Event) error {
	ctx := r.Context()
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	in := s.readEventForm(ctx, r, f)
	if err := s.fillEventChoices(ctx, m, resetChoices(f), existing); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return s.eventFormRefused(w, r, f, nil)
	}
	if err := content.ValidatePostCaps(in.Body, in.Tags, 0); err != nil {
		return s.eventFormRefused(w, r, f, err)
	}
	if r.PostForm.Get("action") == "preview" {
		return s.eventPreview(w, r, f)
	}
	ev, err := s.cfg.Federation.SaveEvent(ctx, m, existing, in)
	if err != nil {
		return s.eventFormRefused(w, r, f, err)
	}
	return redirect(w, r, s.eventPath(ev)+"?done=saved")
}

// saveSeriesForm handles the series form, new or edited.
func (s *Server) saveSeriesForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	var existing *content.Series
	var f *eventForm
	if id := r.PathValue("id"); id != "" {
		if existing, err = s.seriesAt(ctx, id); err != nil {
			return err
		}
		if !canEditSeries(m, existing) {
			return &problem{status: http.StatusForbidden, key: "error.code.series.not_yours", detail: "not the series' organiser"}
		}
		f, err = s.editSeriesForm(ctx, m, existing)
	} else {
		f, err = s.newEventForm(ctx, m, true)
	}
	if err != nil {
		return err
	}
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	si := s.readSeriesForm(ctx, r, f, s.readEventForm(ctx, r, f))
	var tmpl *content.Event
	if existing != nil {
		tmpl = &existing.Template
	}
	if err := s.fillEventChoices(ctx, m, resetChoices(f), tmpl); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return s.eventFormRefused(w, r, f, nil)
	}
	if r.PostForm.Get("action") == "preview" {
		return s.eventPreview(w, r, f)
	}
	sr, err := s.cfg.Federation.SaveSeries(ctx, m, existing, si)
	if err != nil {
		if sr == nil || sr.ID == 0 {
			return s.eventFormRefused(w, r, f, err)
		}
		// Stored, but not every occurrence could be made: the agenda
		// shows those that were; the rest follow on the next extension.
		s.log.Warn("series saved with errors", "request_id", reqFrom(ctx).id, "series", sr.ID, "err", err)
	}
	return redirect(w, r, "/agenda?series="+strconv.FormatInt(sr.ID, 10))
}

func (s *Server) eventPreview(w http.ResponseWriter, r *http.Request, f *eventForm) error {
	f.Preview = safeHTML(content.RenderMarkdown(f.Body, content.MarkdownOptions{
		TagURL: s.cfg.Federation.IRIs().Tag, LocalHost: s.cfg.Host}).HTML)
	return s.render(w, r, http.StatusOK, "event_compose", f)
}

// eventFormRefused shows the form again with what was typed and the
// errors, listed at the top and linked to their fields. A refusal that
// belongs to no field of the form (a missing page, a server fault) is
// answered as such.
func (s *Server) eventFormRefused(w http.ResponseWriter, r *http.Request, f *eventForm, err error) error {
	status := http.StatusUnprocessableEntity
	if err != nil {
		p := s.problemOf(capProblem(err))
		switch {
		case p.status >= 500, p.status == http.StatusNotFound, p.status == http.StatusTooManyRequests, p.status == http.StatusUnauthorized:
			return err
		case p.status == http.StatusForbidden && p.field == "":
			return err
		case p.status != http.StatusBadRequest:
			status = p.status
		}
		field := domainFields[p.field]
		if p.field == "rrule" && f.RRule == "custom" {
			field = "rrule_custom"
		}
		if field == "" {
			field = "form"
		}
		s.problemHeaders(w, p)
		f.addError(field, s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...))
	}
	return s.render(w, r, status, "event_compose", f)
}
