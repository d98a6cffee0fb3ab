package content

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	ical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"
)

// feedEvents are the events of the round-trip tests: summer with a
// place and coordinates, winter and cancelled, online only, text with
// every character iCalendar escapes, and a deleted one.
func feedEvents(t testing.TB) []*Event {
	const zone = "Europe/Amsterdam"
	published := utc(t, "2026-05-01T10:00:00Z")
	base := func(n int, title, start, end string) *Event {
		return &Event{
			ID:            int64(n),
			IRI:           fmt.Sprintf("https://kring.example/events/%d", n),
			URL:           fmt.Sprintf("https://kring.example/agenda/%d", n),
			Title:         title,
			Start:         localTime(t, start, zone),
			End:           localTime(t, end, zone),
			TimeZone:      zone,
			Status:        EventConfirmed,
			Organizer:     "https://kring.example/users/anna",
			OrganizerName: "Gemeente X, afdeling Y",
			Language:      LanguageDutch,
			Published:     published,
		}
	}
	summer := base(1, "Zomeroverleg", "2026-07-13 09:00", "2026-07-13 10:00")
	summer.Content = "<p>Het overleg over de <strong>zomer</strong> &amp; de vakantie.</p><ul><li>agenda</li><li>rondvraag</li></ul>"
	summer.Place = Place{Name: "Ministerie van BZK", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag", HasGeo: true, Lat: 52.0799, Lon: 4.3113}
	summer.Tags = []string{"overleg", "bzk"}
	summer.Sequence = 2
	summer.Updated = utc(t, "2026-06-01T08:30:00Z")

	winter := base(2, "Winteroverleg", "2026-12-14 09:00", "2026-12-14 11:00")
	winter.Status = EventCancelled
	winter.Place = Place{Name: "Stadhuis", City: "Utrecht"}

	online := base(3, "Webinar", "2026-03-10 19:00", "2026-03-10 20:30")
	online.OnlineURL = "https://meet.example/webinar"
	online.Status = EventTentative

	awkward := base(4, "Borrel; hapjes, drankjes \\ en\nmeer", "2026-10-25 01:30", "2026-10-25 04:00")
	awkward.Content = "<p>Eén; twee, drie \\ vier</p><p>Een heel lange alinea over de borrel, met accenten als é, ü en ĳ en een euroteken € zodat het vouwen op vijfenzeventig octets midden in tekens kan vallen.</p>"
	awkward.Place = Place{Name: "Café \"De Kroeg\"; achterzaal", City: "Den Haag"}
	awkward.URL = "https://kring.example/agenda/4-borrel-hapjes-drankjes-en-meer-in-de-achterzaal-van-de-kroeg" // longer than a line

	deleted := base(5, "Weg", "2026-11-01 10:00", "2026-11-01 11:00")
	deleted.Deleted = true

	return []*Event{summer, winter, online, awkward, deleted}
}

func feedInfo() CalendarInfo {
	return CalendarInfo{Name: "Agenda van Kring", Description: "Bijeenkomsten, overleg en webinars", URL: "https://kring.example/agenda", Language: LanguageDutch}
}

// wantDescription is what DESCRIPTION must hold: the content as text,
// then the page.
var wantDescription = map[string]string{
	"https://kring.example/events/1": "Het overleg over de zomer & de vakantie.\n\nagenda\nrondvraag\n\nhttps://kring.example/agenda/1",
	"https://kring.example/events/2": "https://kring.example/agenda/2",
	"https://kring.example/events/4": "Eén; twee, drie \\ vier\n\nEen heel lange alinea over de borrel, met accenten als é, ü en ĳ en een euroteken € zodat het vouwen op vijfenzeventig octets midden in tekens kan vallen.\n\nhttps://kring.example/agenda/4-borrel-hapjes-drankjes-en-meer-in-de-achterzaal-van-de-kroeg",
}

// wantVEvent is what both parsers must read back.
type wantVEvent struct {
	UID, Summary, Status, Location, Geo string
	Sequence                            int
	Start, End                          string // UTC
}

var wantVEvents = []wantVEvent{
	{
		UID: "https://kring.example/events/1", Summary: "Zomeroverleg", Status: "CONFIRMED", Sequence: 2,
		Location: "Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag", Geo: "52.0799;4.3113",
		Start: "2026-07-13T07:00:00Z", End: "2026-07-13T08:00:00Z",
	},
	{
		UID: "https://kring.example/events/2", Summary: "Winteroverleg", Status: "CANCELLED",
		Location: "Stadhuis, Utrecht",
		Start:    "2026-12-14T08:00:00Z", End: "2026-12-14T10:00:00Z",
	},
	{
		UID: "https://kring.example/events/3", Summary: "Webinar", Status: "TENTATIVE",
		Location: "https://meet.example/webinar",
		Start:    "2026-03-10T18:00:00Z", End: "2026-03-10T19:30:00Z",
	},
	{
		// 01:30 is still summer time on the day the clocks go back, and
		// 04:00 is winter time.
		UID: "https://kring.example/events/4", Summary: "Borrel; hapjes, drankjes \\ en\nmeer", Status: "CONFIRMED",
		Location: "Café \"De Kroeg\"; achterzaal, Den Haag",
		Start:    "2026-10-24T23:30:00Z", End: "2026-10-25T03:00:00Z",
	},
}

func TestICalLines(t *testing.T) {
	feed := ICal(feedEvents(t), feedInfo())
	if !strings.HasPrefix(feed, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(feed, "END:VCALENDAR\r\n") {
		t.Fatalf("feed does not start and end as a calendar:\n%s", feed)
	}
	lines := strings.Split(strings.TrimSuffix(feed, "\r\n"), "\r\n")
	folded := 0
	for i, line := range lines {
		switch {
		case strings.Contains(line, "\n") || strings.Contains(line, "\r"):
			t.Errorf("line %d has a bare line break: %q", i+1, line)
		case len(line) > 75:
			t.Errorf("line %d is %d octets, more than 75: %q", i+1, len(line), line)
		case !utf8.ValidString(line):
			t.Errorf("line %d splits a character: %q", i+1, line)
		case line == "":
			t.Errorf("line %d is empty", i+1)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Error("no line was folded, but the long description needs folding")
	}
	for _, want := range []string{
		"VERSION:2.0", "PRODID:-//Kring//Kring agenda//NL", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		"X-WR-CALNAME:Agenda van Kring", "NAME;LANGUAGE=nl:Agenda van Kring", "X-WR-TIMEZONE:Europe/Amsterdam",
		"URL:https://kring.example/agenda",
		`ORGANIZER;CN="Gemeente X, afdeling Y":https://kring.example/users/anna`,
		"DTSTART;TZID=Europe/Amsterdam:20260713T090000",
		"DTSTAMP:20260601T083000Z", "CREATED:20260501T100000Z", "LAST-MODIFIED:20260601T083000Z",
		`SUMMARY;LANGUAGE=nl:Borrel\; hapjes\, drankjes \\ en\nmeer`,
		"CATEGORIES:overleg,bzk",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("feed lacks the line %q", want)
		}
	}
	if strings.Contains(feed, "kring.example/events/5") {
		t.Error("the deleted event is in the feed")
	}
}

func TestICalParsedByGolangICal(t *testing.T) {
	cal, err := ics.ParseCalendar(strings.NewReader(ICal(feedEvents(t), feedInfo())))
	if err != nil {
		t.Fatal(err)
	}
	var got []wantVEvent
	for _, v := range cal.Events() {
		seq, err := strconv.Atoi(prop(v.GetProperty(ics.ComponentPropertySequence)))
		if err != nil {
			t.Errorf("%s: SEQUENCE: %v", v.Id(), err)
		}
		start, err := v.GetStartAt() // TZID read with time.LoadLocation
		if err != nil {
			t.Fatalf("%s: DTSTART: %v", v.Id(), err)
		}
		end, err := v.GetEndAt()
		if err != nil {
			t.Fatalf("%s: DTEND: %v", v.Id(), err)
		}
		got = append(got, wantVEvent{
			UID:      v.Id(),
			Summary:  prop(v.GetProperty(ics.ComponentPropertySummary)),
			Status:   prop(v.GetProperty(ics.ComponentPropertyStatus)),
			Location: prop(v.GetProperty(ics.ComponentPropertyLocation)),
			Geo:      prop(v.GetProperty(ics.ComponentPropertyGeo)),
			Sequence: seq,
			Start:    start.UTC().Format(time.RFC3339),
			End:      end.UTC().Format(time.RFC3339),
		})
		if want, ok := wantDescription[v.Id()]; ok {
			if got := prop(v.GetProperty(ics.ComponentPropertyDescription)); got != want {
				t.Errorf("%s: DESCRIPTION\ngot  %q\nwant %q", v.Id(), got, want)
			}
		}
		org := v.GetProperty(ics.ComponentPropertyOrganizer)
		if org == nil || org.Value != "https://kring.example/users/anna" || !slices.Equal(org.ICalParameters["CN"], []string{"Gemeente X, afdeling Y"}) {
			t.Errorf("%s: ORGANIZER %+v", v.Id(), org)
		}
	}
	if diff := cmp.Diff(wantVEvents, got); diff != "" {
		t.Errorf("events read by golang-ical (-want +got):\n%s", diff)
	}

	var amsterdam *ics.VTimezone
	for _, tz := range cal.Timezones() {
		if prop(tz.GetProperty(ics.ComponentPropertyTzid)) == "Europe/Amsterdam" {
			amsterdam = tz
		}
	}
	if amsterdam == nil {
		t.Fatal("no VTIMEZONE for Europe/Amsterdam")
	}
	offsets := map[string]string{}
	for _, c := range amsterdam.Components {
		switch c := c.(type) {
		case *ics.Standard:
			offsets["STANDARD"] = prop(c.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)))
		case *ics.Daylight:
			offsets["DAYLIGHT"] = prop(c.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)))
		}
	}
	if diff := cmp.Diff(map[string]string{"STANDARD": "+0100", "DAYLIGHT": "+0200"}, offsets); diff != "" {
		t.Errorf("Amsterdam observances (-want +got):\n%s", diff)
	}
}

func prop(p *ics.IANAProperty) string {
	if p == nil {
		return ""
	}
	return p.Value
}

func TestICalParsedByEmersion(t *testing.T) {
	cal, err := ical.NewDecoder(strings.NewReader(ICal(feedEvents(t), feedInfo()))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := cal.Props.Text(ical.PropName); name != "Agenda van Kring" {
		t.Errorf("NAME %q", name)
	}
	zones := timezones(cal)
	var got []wantVEvent
	for _, v := range cal.Events() {
		uid, _ := v.Props.Text(ical.PropUID)
		summary, err := v.Props.Text(ical.PropSummary)
		if err != nil {
			t.Errorf("%s: SUMMARY: %v", uid, err)
		}
		location, _ := v.Props.Text(ical.PropLocation)
		seq, err := v.Props.Get(ical.PropSequence).Int()
		if err != nil {
			t.Errorf("%s: SEQUENCE: %v", uid, err)
		}
		status, _ := v.Status()
		var geo string
		if p := v.Props.Get(ical.PropGeo); p != nil {
			geo = p.Value
		}
		start, err := v.DateTimeStart(nil) // TZID read with time.LoadLocation
		if err != nil {
			t.Fatalf("%s: DTSTART: %v", uid, err)
		}
		end, err := v.DateTimeEnd(nil)
		if err != nil {
			t.Fatalf("%s: DTEND: %v", uid, err)
		}
		// The same instants again, read through the feed's own VTIMEZONE
		// as a calendar app without zone data would.
		for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd} {
			p := v.Props.Get(name)
			byVTimezone, err := resolveByVTimezone(zones[p.Params.Get(ical.PropTimezoneID)], p.Value)
			want := start
			if name == ical.PropDateTimeEnd {
				want = end
			}
			if err != nil || !byVTimezone.Equal(want) {
				t.Errorf("%s: %s %s through the VTIMEZONE is %v (%v), want %v", uid, name, p.Value, byVTimezone, err, want.UTC())
			}
		}
		if want, ok := wantDescription[uid]; ok {
			if got, _ := v.Props.Text(ical.PropDescription); got != want {
				t.Errorf("%s: DESCRIPTION\ngot  %q\nwant %q", uid, got, want)
			}
		}
		if org := v.Props.Get(ical.PropOrganizer); org == nil || org.Value != "https://kring.example/users/anna" || org.Params.Get("CN") != "Gemeente X, afdeling Y" {
			t.Errorf("%s: ORGANIZER %+v", uid, org)
		}
		got = append(got, wantVEvent{
			UID: uid, Summary: summary, Status: string(status), Location: location, Geo: geo, Sequence: seq,
			Start: start.UTC().Format(time.RFC3339), End: end.UTC().Format(time.RFC3339),
		})
	}
	if diff := cmp.Diff(wantVEvents, got); diff != "" {
		t.Errorf("events read by emersion/go-ical (-want +got):\n%s", diff)
	}
	cats, err := cal.Events()[0].Props.Get(ical.PropCategories).TextList()
	if err != nil || !slices.Equal(cats, []string{"overleg", "bzk"}) {
		t.Errorf("CATEGORIES %q (%v), want overleg and bzk", cats, err)
	}
}

// timezones indexes a calendar's VTIMEZONEs by TZID.
func timezones(cal *ical.Calendar) map[string]*ical.Component {
	m := map[string]*ical.Component{}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			id, _ := c.Props.Text(ical.PropTimezoneID)
			m[id] = c
		}
	}
	return m
}

// resolveByVTimezone reads a local date-time with a VTIMEZONE alone: the
// observance with the latest onset at or before it gives the offset.
// Onsets are in the wall time before each change, so comparing wall
// times is right outside the doubled hour.
func resolveByVTimezone(tz *ical.Component, local string) (time.Time, error) {
	if tz == nil {
		return time.Time{}, fmt.Errorf("no VTIMEZONE")
	}
	wall, err := time.Parse("20060102T150405", local)
	if err != nil {
		return time.Time{}, err
	}
	var onset time.Time
	offset := ""
	for _, o := range tz.Children {
		start, err := time.Parse("20060102T150405", o.Props.Get(ical.PropDateTimeStart).Value)
		if err != nil {
			return time.Time{}, err
		}
		if !start.After(wall) && (offset == "" || start.After(onset)) {
			onset, offset = start, o.Props.Get(ical.PropTimezoneOffsetTo).Value
		}
	}
	if offset == "" {
		return time.Time{}, fmt.Errorf("no observance covers %s", local)
	}
	off, err := time.Parse("-0700", offset)
	if err != nil {
		return time.Time{}, err
	}
	_, sec := off.Zone()
	return wall.Add(-time.Duration(sec) * time.Second), nil
}

func TestICalVTimezone(t *testing.T) {
	type observance struct{ Kind, Start, From, To, Name string }
	// The VTIMEZONE is read back with golang-ical, inside a calendar.
	observances := func(loc *time.Location, from, to int) []observance {
		t.Helper()
		head := ical.NewCalendar()
		head.Props.SetText(ical.PropVersion, "2.0")
		head.Props.SetText(ical.PropProductID, "test")
		head.Children = append(head.Children, vtimezone(loc, from, to))
		var b strings.Builder
		if err := ical.NewEncoder(&b).Encode(head); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		cal, err := ics.ParseCalendar(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		zones := cal.Timezones()
		if len(zones) != 1 || prop(zones[0].GetProperty(ics.ComponentPropertyTzid)) != loc.String() {
			t.Fatalf("want one VTIMEZONE for %s in\n%s", loc, text)
		}
		var out []observance
		for _, c := range zones[0].Components {
			var kind string
			var base *ics.ComponentBase
			switch c := c.(type) {
			case *ics.Standard:
				kind, base = "STANDARD", &c.ComponentBase
			case *ics.Daylight:
				kind, base = "DAYLIGHT", &c.ComponentBase
			default:
				t.Fatalf("unexpected %T in VTIMEZONE", c)
			}
			out = append(out, observance{
				kind,
				prop(base.GetProperty(ics.ComponentPropertyDtStart)),
				prop(base.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom))),
				prop(base.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto))),
				prop(base.GetProperty(ics.ComponentProperty(ics.PropertyTzname))),
			})
		}
		return out
	}
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	tests := []struct {
		zone     string
		from, to int
		want     []observance
	}{
		{"Europe/Amsterdam", 2026, 2027, []observance{
			{"STANDARD", "20251026T030000", "+0200", "+0100", "CET"},
			{"DAYLIGHT", "20260329T020000", "+0100", "+0200", "CEST"},
			{"STANDARD", "20261025T030000", "+0200", "+0100", "CET"},
			{"DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"},
			{"STANDARD", "20271031T030000", "+0200", "+0100", "CET"},
		}},
		{"America/New_York", 2026, 2026, []observance{
			{"STANDARD", "20251102T020000", "-0400", "-0500", "EST"},
			{"DAYLIGHT", "20260308T020000", "-0500", "-0400", "EDT"},
			{"STANDARD", "20261101T020000", "-0400", "-0500", "EST"},
		}},
		{"UTC", 2026, 2026, []observance{{"STANDARD", "19700101T000000", "+0000", "+0000", "UTC"}}},
		// Kolkata has kept +05:30 since 1945.
		{"Asia/Kolkata", 2026, 2026, []observance{{"STANDARD", "19451015T000000", "+0630", "+0530", "IST"}}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, observances(load(tt.zone), tt.from, tt.to)); diff != "" {
				t.Errorf("observances (-want +got):\n%s", diff)
			}
		})
	}
}

func TestICalVTimezoneCached(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		t.Fatal(err)
	}
	tz := vtimezone(loc, 2030, 2031)
	vtimezones.Lock()
	cached, ok := vtimezones.m[zoneSpanKey{"Europe/Lisbon", 2030, 2031}]
	vtimezones.Unlock()
	if !ok || cached != tz {
		t.Error("the VTIMEZONE was not kept for the next feed")
	}
}

func TestFormatUTCOffset(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 3600: "+0100", -5 * 3600: "-0500", 5*3600 + 1800: "+0530", -(3*3600 + 1800): "-0330", 1050: "+001730"} {
		if got := formatUTCOffset(sec); got != want {
			t.Errorf("formatUTCOffset(%d) = %q, want %q", sec, got, want)
		}
	}
}

// TestICalEditKeepsUID: an edited event must replace itself in
// subscribers' calendars, so its UID stays and its SEQUENCE rises.
func TestICalEditKeepsUID(t *testing.T) {
	e := feedEvents(t)[0]
	before := readOne(t, ICal([]*Event{e}, feedInfo()))

	edited := *e
	edited.Title = "Zomeroverleg (nieuwe zaal)"
	edited.Sequence++
	edited.Updated = e.Updated.Add(time.Hour)
	after := readOne(t, ICal([]*Event{&edited}, feedInfo()))

	if before.uid != after.uid || after.uid != e.IRI {
		t.Errorf("UID went from %q to %q, want the IRI %q throughout", before.uid, after.uid, e.IRI)
	}
	if after.seq != before.seq+1 {
		t.Errorf("SEQUENCE went from %d to %d, want it to rise by one", before.seq, after.seq)
	}
	if !after.stamp.After(before.stamp) {
		t.Errorf("DTSTAMP went from %v to %v, want it later", before.stamp, after.stamp)
	}
	if after.summary != "Zomeroverleg (nieuwe zaal)" {
		t.Errorf("SUMMARY %q after the edit", after.summary)
	}
}

type readEvent struct {
	uid, summary string
	seq          int
	stamp        time.Time
}

func readOne(t *testing.T, feed string) readEvent {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(feed)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	var r readEvent
	r.uid, _ = events[0].Props.Text(ical.PropUID)
	r.summary, _ = events[0].Props.Text(ical.PropSummary)
	if r.seq, err = events[0].Props.Get(ical.PropSequence).Int(); err != nil {
		t.Fatal(err)
	}
	if r.stamp, err = events[0].Props.DateTime(ical.PropDateTimeStamp, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestICalText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		`a;b,c\d`:       `a\;b\,c\\d`,
		"a\nb":          `a\nb`,
		"a\r\nb":        `a\nb`,
		"a\rb":          `a\nb`,
		"a\n\nb":        `a\n\nb`,
		"bell\a tab\t.": "bell tab\t.",
		"del\x7f":       "del",
		"é € ĳ":         "é € ĳ",
	} {
		p := ical.Props{}
		setText(p, "X", in, "")
		if got := p.Get("X").Value; got != want {
			t.Errorf("setText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParamText(t *testing.T) {
	for in, want := range map[string]string{
		"Anna":                   "Anna",
		"Gemeente X, afdeling Y": "Gemeente X, afdeling Y", // the encoder quotes it
		`Anna "de baas"`:         "Anna de baas",
		"a\nb\x7f":               "ab",
	} {
		if got := paramText(in); got != want {
			t.Errorf("paramText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestICalFold(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []int // octets per physical line, the leading space included
	}{
		{"fits", strings.Repeat("a", 73), []int{75}},
		{"one more", strings.Repeat("a", 74), []int{75, 2}},
		{"long", strings.Repeat("a", 200), []int{75, 75, 54}},
		// "é" is two octets starting at even offsets after "X:": the 75th
		// octet is the first half of one, so the line ends before it.
		{"two-octet letters", strings.Repeat("é", 40), []int{74, 9}},
		// "€" is three octets and here one ends exactly at octet 75.
		{"three-octet signs", "a" + strings.Repeat("€", 30), []int{75, 19}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := newFoldWriter(&b)
			io.WriteString(w, "X:"+tt.value+"\r\n")
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
			var sizes []int
			for i, l := range lines {
				sizes = append(sizes, len(l))
				if !utf8.ValidString(l) {
					t.Errorf("line %d splits a character: %q", i+1, l)
				}
				if i > 0 && !strings.HasPrefix(l, " ") {
					t.Errorf("continuation line %d does not start with a space: %q", i+1, l)
				}
			}
			if diff := cmp.Diff(tt.want, sizes); diff != "" {
				t.Errorf("line lengths (-want +got):\n%s", diff)
			}
			if unfolded := strings.ReplaceAll(b.String(), "\r\n ", ""); unfolded != "X:"+tt.value+"\r\n" {
				t.Errorf("unfolded to %q", unfolded)
			}
		})
	}
}

func TestICalOrganizer(t *testing.T) {
	e := feedEvents(t)[1]
	e.Organizer, e.OrganizerName = "https://odd.example/users/a;b,c", `Anna "de baas"`+"\n"
	feed := ICal([]*Event{e}, feedInfo())
	if !strings.Contains(feed, "\r\nORGANIZER;CN=Anna de baas:https://odd.example/users/a;b,c\r\n") {
		t.Errorf("ORGANIZER not written as expected:\n%s", feed)
	}
	cal, err := ical.NewDecoder(strings.NewReader(feed)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	org := cal.Events()[0].Props.Get(ical.PropOrganizer)
	if org == nil || org.Value != e.Organizer || org.Params.Get("CN") != "Anna de baas" {
		t.Errorf("emersion/go-ical read ORGANIZER as %+v", org)
	}
	gcal, err := ics.ParseCalendar(strings.NewReader(feed))
	if err != nil {
		t.Fatal(err)
	}
	if gorg := gcal.Events()[0].GetProperty(ics.ComponentPropertyOrganizer); gorg == nil || gorg.Value != e.Organizer {
		t.Errorf("golang-ical read ORGANIZER as %+v", gorg)
	}

	e.Organizer = "mailto:anna@example.org" // not an actor
	if feed := ICal([]*Event{e}, feedInfo()); strings.Contains(feed, "ORGANIZER") {
		t.Error("an organiser that is not an http(s) actor IRI was written")
	}
}

// agendaEvents are n events over two years in Amsterdam as an agenda
// holds them: places with coordinates, an organiser, tags and about
// 600 bytes of HTML each.
func agendaEvents(tb testing.TB, n int) []*Event {
	const zone = "Europe/Amsterdam"
	first := localTime(tb, "2026-01-05 09:00", zone)
	places := []Place{
		{Name: "Ministerie van BZK", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag", Country: "Nederland", HasGeo: true, Lat: 52.0799, Lon: 4.3113},
		{Name: "Stadhuis", Street: "Stadsplateau 1", PostalCode: "3521 AZ", City: "Utrecht", HasGeo: true, Lat: 52.0894, Lon: 5.1078},
		{Name: "Provinciehuis", Street: "Houtplein 33", PostalCode: "2012 DE", City: "Haarlem"},
	}
	events := make([]*Event, n)
	step := 720 * 24 * time.Hour / time.Duration(n) // January 2026 to December 2027
	for i := range events {
		start := first.Add(time.Duration(i) * step).Truncate(15 * time.Minute)
		events[i] = &Event{
			ID:    int64(i + 1),
			IRI:   fmt.Sprintf("https://kring.example/events/%d", i+1),
			URL:   fmt.Sprintf("https://kring.example/agenda/%d-overleg-over-de-omgevingswet", i+1),
			Title: fmt.Sprintf("Overleg %d: de Omgevingswet, de praktijk en de vragen", i+1),
			Content: fmt.Sprintf(`<p>Op deze bijeenkomst (nummer %d) praten we over de <strong>Omgevingswet</strong> in de praktijk: `+
				`wat gaat goed, wat kan beter, en wat vragen inwoners ons het vaakst?</p>`+
				`<p>Sprekers zijn <a href="https://kring.example/@anna">@anna</a> en <a href="https://social.example/@bert">@bert</a>; `+
				`na afloop is er een borrel &amp; gelegenheid om na te praten.</p>`+
				`<ul><li>Inloop met koffie</li><li>Twee korte presentaties</li><li>Gesprek in kleine groepen</li></ul>`+
				`<p>Meld je aan via de pagina, dan weten we hoeveel koffie we moeten zetten. Vragen vooraf zijn welkom.</p>`, i+1),
			// A local event keeps the Markdown it was written in.
			Body: fmt.Sprintf("Op deze bijeenkomst (nummer %d) praten we over de **Omgevingswet** in de praktijk: "+
				"wat gaat goed, wat kan beter, en wat vragen inwoners ons het vaakst?\n\n"+
				"Sprekers zijn @anna en @bert@social.example; na afloop is er een borrel & gelegenheid om na te praten.\n\n"+
				"- Inloop met koffie\n- Twee korte presentaties\n- Gesprek in kleine groepen\n\n"+
				"Meld je aan via de pagina, dan weten we hoeveel koffie we moeten zetten. Vragen vooraf zijn welkom.", i+1),
			Start:         start,
			End:           start.Add(90 * time.Minute),
			TimeZone:      zone,
			Place:         places[i%len(places)],
			Organizer:     "https://kring.example/forums/omgevingswet",
			OrganizerName: "Forum Omgevingswet",
			Status:        EventConfirmed,
			Tags:          []string{"omgevingswet", "overleg"},
			Language:      LanguageDutch,
			Sequence:      i % 3,
			Published:     first.Add(-30 * 24 * time.Hour),
			Updated:       first.Add(-24 * time.Hour),
		}
	}
	return events
}

func TestAgendaEventsAreRealistic(t *testing.T) {
	events := agendaEvents(t, 5000)
	if n := len(events[0].Content); n < 550 || n > 700 {
		t.Errorf("content is %d bytes, want about 600", n)
	}
	if y := events[len(events)-1].LocalStart().Year(); y != 2027 {
		t.Errorf("the last event is in %d, want the agenda to span 2026 and 2027", y)
	}
	cal, err := ical.NewDecoder(strings.NewReader(ICal(events, feedInfo()))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cal.Events()); n != 5000 {
		t.Errorf("%d events read back, want 5000", n)
	}
}

// BenchmarkAgendaICal5000 is the agenda feed of a busy node: 5,000
// events over two years. It should take well under 100 ms.
func BenchmarkAgendaICal5000(b *testing.B) {
	events := agendaEvents(b, 5000)
	info := feedInfo()
	// One buffer for all rounds, as a server's response buffer: growing
	// a 5 MiB string each round would be measured too.
	var w bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		if err := WriteICal(&w, events, info); err != nil {
			b.Fatal(err)
		}
	}
	size := w.Len()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/feed")
	b.ReportMetric(float64(size)/(1<<20), "MiB/feed")
}

// TestICalEmpty: an agenda without events is still a feed both parsers
// read (go-ical refuses to encode a calendar without components).
func TestICalEmpty(t *testing.T) {
	text := ICal(nil, CalendarInfo{Name: "Leeg"})
	if _, err := ics.ParseCalendar(strings.NewReader(text)); err != nil {
		t.Errorf("golang-ical: %v\n%s", err, text)
	}
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil || len(cal.Events()) != 0 {
		t.Errorf("go-ical: %v, %d events\n%s", err, len(cal.Events()), text)
	}
}
