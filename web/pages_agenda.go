package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// The agenda's pages join the templates rendered inside layout.html.
func init() { pageNames = append(pageNames, "agenda", "event", "event_compose") }

// Sizes of the agenda's reads.
const (
	eventsPerPage   = 50   // one page of the upcoming or past agenda
	eventsPerMonth  = 2000 // one month's grid: more than any node holds in a month
	icalPastWindow  = 30 * 24 * time.Hour
	icalFeedLimit   = storage.MaxEventPage
	maxAgendaTagLen = 100
)

// agendaQuery is what /agenda (and /agenda.ics) was asked for: the filters,
// the view and the page.
type agendaQuery struct {
	Scope      string // "", "local" or "network"
	Tag        string
	Organizer  string // actor IRI
	SeriesID   int64
	Past       bool
	Month      time.Time // the month shown as a grid (its first day, UTC); zero for the list
	AfterStart time.Time // keyset of the next page
	AfterID    int64
}

func badAgendaQuery(what string) error {
	return &problem{status: http.StatusBadRequest, key: "error.agenda_query", detail: "bad agenda query: " + what}
}

// parseAgendaQuery reads the agenda's query string. Anything it cannot
// read is the visitor's mistake (400), never a server fault.
func parseAgendaQuery(q url.Values) (agendaQuery, error) {
	var a agendaQuery
	switch sc := q.Get("scope"); sc {
	case "", "all":
	case "local", "network":
		a.Scope = sc
	default:
		return a, badAgendaQuery("scope " + sc)
	}
	if v := strings.TrimSpace(q.Get("tag")); v != "" {
		tag, ok := content.NormalizeTag(v)
		if !ok || len(tag) > maxAgendaTagLen {
			return a, badAgendaQuery("tag " + v)
		}
		a.Tag = tag
	}
	if v := q.Get("organizer"); v != "" {
		if !isActorIRI(v) {
			return a, badAgendaQuery("organizer " + v)
		}
		a.Organizer = v
	}
	if v := q.Get("series"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return a, badAgendaQuery("series " + v)
		}
		a.SeriesID = id
	}
	switch w := q.Get("when"); w {
	case "", "upcoming":
	case "past":
		a.Past = true
	default:
		return a, badAgendaQuery("when " + w)
	}
	if v := q.Get("month"); v != "" {
		m, err := time.Parse("2006-01", v)
		if err != nil || m.Year() < 1970 || m.Year() > 9998 {
			return a, badAgendaQuery("month " + v)
		}
		a.Month, a.Past = m, false
	}
	if v := q.Get("after"); v != "" && a.Month.IsZero() {
		ms, err1 := strconv.ParseInt(v, 10, 64)
		id, err2 := strconv.ParseInt(q.Get("id"), 10, 64)
		if err1 != nil || err2 != nil || ms <= 0 || id <= 0 {
			return a, badAgendaQuery("after " + v)
		}
		a.AfterStart, a.AfterID = time.UnixMilli(ms).UTC(), id
	}
	return a, nil
}

// values are the filters as a query string, without the page.
func (a agendaQuery) values() url.Values {
	v := url.Values{}
	if a.Scope != "" {
		v.Set("scope", a.Scope)
	}
	if a.Tag != "" {
		v.Set("tag", a.Tag)
	}
	if a.Organizer != "" {
		v.Set("organizer", a.Organizer)
	}
	if a.SeriesID != 0 {
		v.Set("series", strconv.FormatInt(a.SeriesID, 10))
	}
	switch {
	case !a.Month.IsZero():
		v.Set("month", a.Month.Format("2006-01"))
	case a.Past:
		v.Set("when", "past")
	}
	return v
}

// href is the agenda with these filters, changed by edit.
func (a agendaQuery) href(edit func(*agendaQuery)) string {
	if edit != nil {
		edit(&a)
	}
	q := a.values()
	if !a.AfterStart.IsZero() {
		q.Set("after", strconv.FormatInt(a.AfterStart.UnixMilli(), 10))
		q.Set("id", strconv.FormatInt(a.AfterID, 10))
	}
	if len(q) == 0 {
		return "/agenda"
	}
	return "/agenda?" + q.Encode()
}

// icalHref is the calendar feed of the same filters. The feed lists the
// node's own events unless asked otherwise, so "all" is said out loud.
func (a agendaQuery) icalHref() string {
	q := url.Values{}
	switch a.Scope {
	case "":
		q.Set("scope", "all")
	case "network":
		q.Set("scope", a.Scope)
	}
	if a.Tag != "" {
		q.Set("tag", a.Tag)
	}
	if a.Organizer != "" {
		q.Set("organizer", a.Organizer)
	}
	if a.SeriesID != 0 {
		q.Set("series", strconv.FormatInt(a.SeriesID, 10))
	}
	if len(q) == 0 {
		return "/agenda.ics"
	}
	return "/agenda.ics?" + q.Encode()
}

// filter is the storage filter of the query.
func (a agendaQuery) filter() storage.EventFilter {
	return storage.EventFilter{Scope: a.Scope, Organizer: a.Organizer, Tag: a.Tag, SeriesID: a.SeriesID}
}

// agendaView is what agenda.html shows.
type agendaView struct {
	Query      agendaQuery
	Heading    string
	Items      []agendaItem
	Month      *monthView
	Later      string // the next page; empty on the last
	First      string // the first page, when this is a later one
	ListHref   string // the upcoming events, with these filters
	PastHref   string
	MonthHref  string
	MonthValue string // the month shown, as the query names it
	ICalHref   string
	ICalURL    string // absolute, to copy into a calendar app
	Organizer  string // the organiser filtered on, by name
	Series     string // the series filtered on, by title
	SeriesEdit string // its edit page, for its organiser
	ClearHref  string // the agenda without organiser and series filters
	Scopes     []agendaOption
	CanCreate  bool
	LoginHref  string
	Notice     string
}

type agendaOption struct {
	Value, Label string
	Selected     bool
}

// agendaItem is one event in the list, formatted here: on a page of fifty
// the template's reflective field lookups and message filling add up.
type agendaItem struct {
	Path          string
	Title         string
	Lang          string
	When          string
	Zone          string // the zone's name when it is not the default
	Datetime      string // RFC 3339, for <time datetime>
	Where         string
	Online        bool
	Organizer     string
	OrganizerHref string // the agenda of this organiser
	Cancelled     bool
	Tentative     bool
	Seats         string
	Waiting       string
	Remote        bool
}

var agendaNotices = map[string]string{
	"deleted": "agenda.notice_deleted",
}

// agendaPage is /agenda: the upcoming events, the past ones or a month.
func (s *Server) agendaPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, err := parseAgendaQuery(r.URL.Query())
	if err != nil {
		return err
	}
	st := reqFrom(ctx)
	cat := s.catalogs[st.lang]
	now := s.now()
	v := agendaView{Query: q, CanCreate: st.member != nil, LoginHref: loginHref("/agenda/new"),
		ListHref:  q.href(func(a *agendaQuery) { a.Month, a.Past, a.AfterStart, a.AfterID = time.Time{}, false, time.Time{}, 0 }),
		PastHref:  q.href(func(a *agendaQuery) { a.Month, a.Past, a.AfterStart, a.AfterID = time.Time{}, true, time.Time{}, 0 }),
		MonthHref: q.href(func(a *agendaQuery) { a.Month, a.Past, a.AfterStart, a.AfterID = monthOf(now), false, time.Time{}, 0 }),
		ICalHref:  q.icalHref(),
		ClearHref: q.href(func(a *agendaQuery) { a.Organizer, a.SeriesID, a.AfterStart, a.AfterID = "", 0, time.Time{}, 0 }),
	}
	v.ICalURL = s.base() + v.ICalHref
	if key, ok := agendaNotices[r.URL.Query().Get("done")]; ok {
		v.Notice = cat.t(key)
	}
	for _, sc := range []struct{ value, key string }{{"", "agenda.scope_all"}, {"local", "agenda.scope_local"}, {"network", "agenda.scope_network"}} {
		v.Scopes = append(v.Scopes, agendaOption{Value: sc.value, Label: cat.t(sc.key), Selected: sc.value == q.Scope})
	}
	var events []*content.Event
	if !q.Month.IsZero() {
		events, err = s.monthEvents(ctx, q)
		if err != nil {
			return err
		}
		v.Month = s.monthGrid(cat, q, events, now)
		v.MonthValue = q.Month.Format("2006-01")
		v.Heading = v.Month.Caption
	} else {
		f := q.filter()
		f.From, f.Past, f.AfterStart, f.AfterID, f.Limit = now, q.Past, q.AfterStart, q.AfterID, eventsPerPage+1
		if events, err = s.db.Events(ctx, f); err != nil {
			return err
		}
		if len(events) > eventsPerPage {
			events = events[:eventsPerPage]
			last := events[len(events)-1]
			v.Later = q.href(func(a *agendaQuery) { a.AfterStart, a.AfterID = last.Start, last.ID })
		}
		if !q.AfterStart.IsZero() {
			v.First = q.href(func(a *agendaQuery) { a.AfterStart, a.AfterID = time.Time{}, 0 })
		}
		v.Heading = cat.t("agenda.upcoming")
		if q.Past {
			v.Heading = cat.t("agenda.past")
		}
		v.Items = s.agendaItems(cat, st.lang, events)
	}
	if err := s.describeFilters(ctx, &v, events); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "agenda", v)
}

// describeFilters names the organiser and the series the agenda is
// filtered on, so the page says what it shows.
func (s *Server) describeFilters(ctx context.Context, v *agendaView, events []*content.Event) error {
	q := v.Query
	if q.Organizer != "" {
		v.Organizer = q.Organizer
		for _, ev := range events {
			if ev.Organizer == q.Organizer && ev.OrganizerName != "" {
				v.Organizer = ev.OrganizerName
				break
			}
		}
		if v.Organizer == q.Organizer {
			v.Organizer = s.actorName(ctx, q.Organizer)
		}
	}
	if q.SeriesID != 0 {
		sr, err := s.db.SeriesByID(ctx, q.SeriesID)
		switch {
		case content.KindOf(err) == content.KindNotFound:
			return &problem{status: http.StatusNotFound, key: "error.series_not_found", err: err}
		case err != nil:
			return err
		}
		v.Series = sr.Template.Title
		if m := reqFrom(ctx).member; m != nil && (m.ID == sr.CreatorID || m.Role == content.RoleAdmin) {
			v.SeriesEdit = seriesEditPath(sr.ID)
		}
	}
	return nil
}

// actorName is an actor's name as this node knows it: a member's, a
// forum's, or a remote actor's; else the IRI itself.
func (s *Server) actorName(ctx context.Context, iri string) string {
	iris := s.cfg.Federation.IRIs()
	if name, ok := iris.LocalUsername(iri); ok {
		if m, err := s.db.MemberByUsername(ctx, name); err == nil {
			return m.Name()
		}
	}
	if name, ok := iris.LocalGroup(iri); ok {
		if f, err := s.db.ForumByName(ctx, name); err == nil {
			return f.Title
		}
	}
	if a, err := s.db.RemoteActor(ctx, iri); err == nil && a.Name != "" {
		return a.Name
	}
	return iri
}

func (s *Server) agendaItems(cat catalog, lang content.Language, events []*content.Event) []agendaItem {
	items := make([]agendaItem, 0, len(events))
	for _, ev := range events {
		loc := content.LoadZone(ev.TimeZone)
		it := agendaItem{Path: s.eventPath(ev), Title: ev.Title, Lang: langAttr(ev.Language),
			When:     content.FormatTimeRange(ev.Start, ev.End, loc, lang),
			Datetime: ev.Start.In(loc).Format(time.RFC3339), Where: ev.Place.Line(), Online: ev.OnlineURL != "",
			Organizer: firstNonEmpty(ev.OrganizerName, ev.Organizer), OrganizerHref: organizerAgenda(ev.Organizer),
			Cancelled: ev.Cancelled(), Tentative: ev.Status == content.EventTentative, Remote: !ev.Local,
			Seats: seatsText(cat, ev)}
		if loc.String() != content.DefaultTimeZone {
			it.Zone = loc.String()
		}
		if ev.WaitingCount > 0 {
			it.Waiting = cat.t("agenda.waiting", ev.WaitingCount)
		}
		items = append(items, it)
	}
	return items
}

// langAttr is a language as a lang attribute, or empty: received events
// may name one in any form, and an invalid lang is worse than none.
func langAttr(l content.Language) string {
	tag := string(l)
	if len(tag) < 2 || len(tag) > 35 {
		return ""
	}
	for i, part := range strings.Split(tag, "-") {
		if part == "" || len(part) > 8 || (i == 0 && len(part) > 3) {
			return ""
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
				return ""
			}
		}
	}
	return tag
}

// seatsText says how many take part, and of how many seats.
func seatsText(cat catalog, ev *content.Event) string {
	switch {
	case ev.Capacity > 0:
		return cat.t("agenda.seats_taken", ev.ParticipantCount, ev.Capacity)
	case ev.ParticipantCount == 1:
		return cat.t("agenda.participants_one")
	}
	return cat.t("agenda.participants", ev.ParticipantCount)
}

// organizerAgenda is the agenda of one organiser.
func organizerAgenda(iri string) string {
	if iri == "" {
		return ""
	}
	return "/agenda?" + url.Values{"organizer": {iri}}.Encode()
}

// eventPath is an event's page here: a local event's by its token, a
// received one's by its row.
func (s *Server) eventPath(ev *content.Event) string {
	if ev.Local {
		if token, ok := s.cfg.Federation.IRIs().EventToken(ev.IRI); ok {
			return "/agenda/" + token
		}
	}
	return "/agenda/e/" + strconv.FormatInt(ev.ID, 10)
}

// monthOf is the first day of t's month where the agenda is, as the
// agenda's query names months.
func monthOf(t time.Time) time.Time {
	l := t.In(content.LoadZone(content.DefaultTimeZone))
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// monthEvents reads the events of a month, a day either side so that
// events in other zones whose own date falls in the month are there too.
func (s *Server) monthEvents(ctx context.Context, q agendaQuery) ([]*content.Event, error) {
	loc := content.LoadZone(content.DefaultTimeZone)
	from := time.Date(q.Month.Year(), q.Month.Month(), 1, 0, 0, 0, 0, loc)
	f := q.filter()
	f.From, f.To, f.Limit = from.AddDate(0, 0, -1), from.AddDate(0, 1, 1), eventsPerMonth
	return s.db.Events(ctx, f)
}

// monthView is a month as a calendar grid: a table of weeks, Monday
// first, each day with its events.
type monthView struct {
	Caption   string
	Prev      string
	PrevLabel string
	Next      string
	NextLabel string
	Weekdays  []weekdayName
	Weeks     []monthWeek
	Count     string // how many events this month, in words
}

type weekdayName struct{ Short, Long string }

type monthWeek struct {
	Label string // "week 49", the row's header
	Days  []monthDay
}

type monthDay struct {
	Day     int
	InMonth bool
	Today   bool
	Date    string // ISO date, for <time>
	Label   string // the date in words, for the day's list of events
	Events  []monthEvent
}

type monthEvent struct {
	Path      string
	Title     string
	Lang      string
	Time      string
	Cancelled bool
}

type civilDate struct {
	y int
	m time.Month
	d int
}

func civil(t time.Time) civilDate { y, m, d := t.Date(); return civilDate{y, m, d} }

func (c civilDate) time() time.Time { return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC) }

// monthGrid lays the events out by their own dates: an event is on the
// days it runs where it happens, as its page says.
func (s *Server) monthGrid(cat catalog, q agendaQuery, events []*content.Event, now time.Time) *monthView {
	first := q.Month
	last := first.AddDate(0, 1, -1)
	prev, next := first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
	monthName := func(t time.Time) string {
		return cat.t("agenda.month_caption", cat.t("month."+strconv.Itoa(int(t.Month()))), t.Year())
	}
	v := &monthView{Caption: monthName(first),
		Prev: q.href(func(a *agendaQuery) { a.Month = prev }), PrevLabel: cat.t("agenda.month_prev", monthName(prev)),
		Next: q.href(func(a *agendaQuery) { a.Month = next }), NextLabel: cat.t("agenda.month_next", monthName(next))}
	for i := 1; i <= 7; i++ {
		n := strconv.Itoa(i)
		v.Weekdays = append(v.Weekdays, weekdayName{Short: cat.t("agenda.weekday_short." + n), Long: cat.t("agenda.weekday." + n)})
	}
	byDay, count := map[civilDate][]monthEvent{}, 0
	for _, ev := range events {
		loc := content.LoadZone(ev.TimeZone)
		start, end := ev.Start.In(loc), ev.End.In(loc)
		if end.After(start) {
			end = end.Add(-time.Nanosecond) // an end at midnight closes the day before
		}
		me := monthEvent{Path: s.eventPath(ev), Title: ev.Title, Lang: langAttr(ev.Language), Time: start.Format("15:04"), Cancelled: ev.Cancelled()}
		counted := false
		for d, i := civil(start).time(), 0; !d.After(civil(end).time()) && i < 31; d, i = d.AddDate(0, 0, 1), i+1 {
			if d.Before(first) || d.After(last) {
				continue
			}
			byDay[civil(d)] = append(byDay[civil(d)], me)
			if !counted {
				count, counted = count+1, true
			}
		}
	}
	v.Count = cat.t("agenda.month_count", count)
	if count == 1 {
		v.Count = cat.t("agenda.month_count_one")
	}
	today := civil(now.In(content.LoadZone(content.DefaultTimeZone)))
	// The grid starts on the Monday on or before the first.
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for day := start; !day.After(last); {
		_, wk := day.ISOWeek()
		week := monthWeek{Label: cat.t("agenda.week", wk)}
		for range 7 {
			c := civil(day)
			md := monthDay{Day: day.Day(), InMonth: day.Month() == first.Month(), Today: c == today, Date: day.Format(time.DateOnly)}
			if md.InMonth {
				md.Events = byDay[c]
				md.Label = cat.t("agenda.day_events", cat.t("agenda.weekday."+strconv.Itoa((int(day.Weekday())+6)%7+1)), day.Day(),
					cat.t("month."+strconv.Itoa(int(day.Month()))))
			}
			week.Days = append(week.Days, md)
			day = day.AddDate(0, 0, 1)
		}
		v.Weeks = append(v.Weeks, week)
	}
	return v
}
