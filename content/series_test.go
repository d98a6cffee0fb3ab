package content

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// localTime reads a wall time in a zone, failing the test on a typo.
func localTime(t testing.TB, s, zone string) time.Time {
	t.Helper()
	ts, err := ParseLocalTime(s, zone)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func amsterdam(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestSeriesSecondAndFourthMonday is the acceptance case: a meeting on
// the second and fourth Monday at 09:00 in Amsterdam stays at 09:00 on
// the wall clock, so it is 08:00 UTC in winter and 07:00 UTC from the
// last Sunday of March to the last Sunday of October.
func TestSeriesSecondAndFourthMonday(t *testing.T) {
	s := &Series{
		RRule:      "FREQ=MONTHLY;BYDAY=2MO,4MO",
		TimeZone:   "Europe/Amsterdam",
		FirstStart: localTime(t, "2026-01-12 09:00", "Europe/Amsterdam"),
		Duration:   time.Hour,
		Template:   Event{Title: "Overleg"},
	}
	if err := ValidateSeries(s); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2026-01-12T08:00:00Z", "2026-01-26T08:00:00Z",
		"2026-02-09T08:00:00Z", "2026-02-23T08:00:00Z",
		"2026-03-09T08:00:00Z", "2026-03-23T08:00:00Z",
		// Summer time from Sunday 29 March.
		"2026-04-13T07:00:00Z", "2026-04-27T07:00:00Z",
		"2026-05-11T07:00:00Z", "2026-05-25T07:00:00Z",
		"2026-06-08T07:00:00Z", "2026-06-22T07:00:00Z",
		"2026-07-13T07:00:00Z", "2026-07-27T07:00:00Z",
		"2026-08-10T07:00:00Z", "2026-08-24T07:00:00Z",
		"2026-09-14T07:00:00Z", "2026-09-28T07:00:00Z",
		"2026-10-12T07:00:00Z",
		// Winter time from Sunday 25 October.
		"2026-10-26T08:00:00Z",
		"2026-11-09T08:00:00Z", "2026-11-23T08:00:00Z",
		"2026-12-14T08:00:00Z", "2026-12-28T08:00:00Z",
	}
	got, err := s.Occurrences(utc(t, "2026-01-01T00:00:00Z"), utc(t, "2027-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	var gotStr []string
	for _, o := range got {
		gotStr = append(gotStr, o.Format(time.RFC3339))
		if o.Location() != time.UTC {
			t.Errorf("occurrence %v is not in UTC", o)
		}
		local := o.In(amsterdam(t))
		if local.Weekday() != time.Monday || local.Hour() != 9 || local.Minute() != 0 {
			t.Errorf("occurrence %v is %s %s in Amsterdam, want Monday 09:00", o, local.Weekday(), local.Format("15:04"))
		}
	}
	if diff := cmp.Diff(want, gotStr); diff != "" {
		t.Errorf("occurrences in 2026 (-want +got):\n%s", diff)
	}
}

func TestSeriesOccurrences(t *testing.T) {
	tests := []struct {
		name     string
		rule     string
		first    string // wall time in Amsterdam
		from, to string // UTC
		want     []string
	}{
		{
			name:  "weekly across the spring change",
			rule:  "FREQ=WEEKLY;BYDAY=SA",
			first: "2026-03-21 10:00",
			from:  "2026-03-01T00:00:00Z", to: "2026-04-05T00:00:00Z",
			want: []string{"2026-03-21T09:00:00Z", "2026-03-28T09:00:00Z", "2026-04-04T08:00:00Z"},
		},
		{
			name:  "weekly across the autumn change",
			rule:  "FREQ=WEEKLY",
			first: "2026-10-17 10:00",
			from:  "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z",
			want: []string{"2026-10-17T08:00:00Z", "2026-10-24T08:00:00Z", "2026-10-31T09:00:00Z"},
		},
		{
			// 02:30 does not exist on 29 March: RFC 5545 reads it with
			// the offset before the gap (03:30 summer time), and on 25
			// October it happens twice: the first is meant.
			name:  "Sundays at 02:30 on the change days",
			rule:  "FREQ=WEEKLY;BYDAY=SU",
			first: "2026-03-22 02:30",
			from:  "2026-03-22T00:00:00Z", to: "2026-04-06T00:00:00Z",
			want: []string{"2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z"},
		},
		{
			name:  "the autumn Sunday at 02:30 is the first of the two",
			rule:  "FREQ=WEEKLY;BYDAY=SU",
			first: "2026-10-18 02:30",
			from:  "2026-10-18T00:00:00Z", to: "2026-11-02T00:00:00Z",
			want: []string{"2026-10-18T00:30:00Z", "2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"},
		},
		{
			name:  "from and to are half open",
			rule:  "FREQ=DAILY",
			first: "2026-06-01 12:00",
			from:  "2026-06-02T10:00:00Z", to: "2026-06-04T10:00:00Z",
			want: []string{"2026-06-02T10:00:00Z", "2026-06-03T10:00:00Z"},
		},
		{
			name:  "count stops the series",
			rule:  "FREQ=DAILY;COUNT=3",
			first: "2026-06-01 12:00",
			from:  "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z",
			want: []string{"2026-06-01T10:00:00Z", "2026-06-02T10:00:00Z", "2026-06-03T10:00:00Z"},
		},
		{
			name:  "a date UNTIL includes its day",
			rule:  "FREQ=DAILY;UNTIL=20260603",
			first: "2026-06-01 12:00",
			from:  "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z",
			want: []string{"2026-06-01T10:00:00Z", "2026-06-02T10:00:00Z", "2026-06-03T10:00:00Z"},
		},
		{
			name:  "a UTC UNTIL is an instant",
			rule:  "FREQ=DAILY;UNTIL=20260602T100000Z",
			first: "2026-06-01 12:00",
			from:  "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z",
			want: []string{"2026-06-01T10:00:00Z", "2026-06-02T10:00:00Z"},
		},
		{
			name:  "nothing before the first start",
			rule:  "FREQ=DAILY",
			first: "2026-06-01 12:00",
			from:  "2026-01-01T00:00:00Z", to: "2026-06-01T10:00:00Z",
			want: nil,
		},
		{
			name:  "a first start off the rule is not an occurrence",
			rule:  "FREQ=WEEKLY;BYDAY=MO",
			first: "2026-06-03 12:00", // a Wednesday
			from:  "2026-06-01T00:00:00Z", to: "2026-06-16T00:00:00Z",
			want: []string{"2026-06-08T10:00:00Z", "2026-06-15T10:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Series{RRule: tt.rule, TimeZone: "Europe/Amsterdam", FirstStart: localTime(t, tt.first, "Europe/Amsterdam"), Duration: time.Hour}
			got, err := s.Occurrences(utc(t, tt.from), utc(t, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			var gotStr []string
			for _, o := range got {
				gotStr = append(gotStr, o.Format(time.RFC3339))
			}
			if diff := cmp.Diff(tt.want, gotStr); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeriesOccurrencesAtMost1000(t *testing.T) {
	s := &Series{RRule: "FREQ=DAILY", TimeZone: "Europe/Amsterdam", FirstStart: localTime(t, "2026-01-01 09:00", "Europe/Amsterdam"), Duration: time.Hour}
	got, err := s.Occurrences(utc(t, "2026-01-01T00:00:00Z"), utc(t, "2031-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxOccurrences {
		t.Fatalf("got %d occurrences over five years of days, want the cap %d", len(got), MaxOccurrences)
	}
	if last := got[len(got)-1]; !last.Equal(utc(t, "2028-09-26T07:00:00Z")) {
		t.Errorf("the 1000th day is %v, want 2028-09-26 09:00 in Amsterdam", last)
	}
}

func TestValidateRRule(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" means refused
	}{
		{"acceptance rule", "FREQ=MONTHLY;BYDAY=2MO,4MO", "FREQ=MONTHLY;BYDAY=2MO,4MO"},
		{"as copied from an ics file", " rrule:freq=weekly; byday=mo ;", "FREQ=WEEKLY;BYDAY=MO"},
		{"count", "FREQ=DAILY;COUNT=10", "FREQ=DAILY;COUNT=10"},
		{"until", "FREQ=YEARLY;UNTIL=20301231T000000Z", "FREQ=YEARLY;UNTIL=20301231T000000Z"},
		{"last Friday", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"},
		{"empty", "  ", ""},
		{"hourly", "FREQ=HOURLY", ""},
		{"minutely", "FREQ=MINUTELY;INTERVAL=30", ""},
		{"secondly", "FREQ=SECONDLY", ""},
		{"garbage", "every other tuesday", ""},
		{"no FREQ", "BYDAY=MO", ""},
		{"unknown weekday", "FREQ=WEEKLY;BYDAY=XX", ""},
		{"day out of range", "FREQ=MONTHLY;BYMONTHDAY=32", ""},
		{"negative interval", "FREQ=DAILY;INTERVAL=-2", ""},
		{"negative count", "FREQ=DAILY;COUNT=-1", ""},
		{"DTSTART inside", "FREQ=WEEKLY;DTSTART=20260101T090000Z", ""},
		{"DTSTART line before", "DTSTART:20260101T090000Z\nRRULE:FREQ=WEEKLY", ""},
		{"time of day", "FREQ=DAILY;BYHOUR=9,10,11", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateRRule(tt.in)
			if tt.want == "" {
				var e *Error
				if !errors.As(err, &e) || e.Kind != KindInvalid || e.Field != "rrule" || e.Code != "series.rrule" {
					t.Fatalf("ValidateRRule(%q) = %q, %v; want an invalid series.rrule error", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ValidateRRule(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidateRRuleMessageHelps(t *testing.T) {
	_, err := ValidateRRule("elke maandag")
	want := `rrule: cannot read the repeat rule "elke maandag": wrong format; write e.g. FREQ=MONTHLY;BYDAY=2MO,4MO`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func validSeries(t testing.TB) *Series {
	return &Series{
		RRule:      "freq=monthly;byday=2mo,4mo",
		FirstStart: localTime(t, "2026-01-12 09:00", "Europe/Amsterdam"),
		Duration:   time.Hour,
		Template: Event{
			Title:    "  Overleg  ",
			Speakers: []Speaker{{Name: " Anna "}},
			Tags:     []string{"overleg"},
			Place:    Place{Name: " Ministerie van BZK "},
		},
	}
}

func TestValidateSeries(t *testing.T) {
	s := validSeries(t)
	if err := ValidateSeries(s); err != nil {
		t.Fatal(err)
	}
	if s.RRule != "FREQ=MONTHLY;BYDAY=2MO,4MO" || s.TimeZone != DefaultTimeZone || s.HorizonWeeks != DefaultHorizonWeeks {
		t.Errorf("normalised to rule %q, zone %q, horizon %d", s.RRule, s.TimeZone, s.HorizonWeeks)
	}
	tpl := s.Template
	if tpl.Title != "Overleg" || tpl.Speakers[0].Name != "Anna" || tpl.Place.Name != "Ministerie van BZK" ||
		tpl.Status != EventConfirmed || tpl.JoinMode != JoinOpen || tpl.TimeZone != DefaultTimeZone {
		t.Errorf("template not normalised: %+v", tpl)
	}
	if !tpl.Start.IsZero() || !tpl.End.IsZero() {
		t.Errorf("template got times %v–%v; they belong to the series", tpl.Start, tpl.End)
	}

	tests := []struct {
		name  string
		edit  func(*Series)
		field string
	}{
		{"hourly", func(s *Series) { s.RRule = "FREQ=HOURLY" }, "rrule"},
		{"unknown zone", func(s *Series) { s.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"no first start", func(s *Series) { s.FirstStart = time.Time{} }, "start"},
		{"no duration", func(s *Series) { s.Duration = 0 }, "end"},
		{"too long", func(s *Series) { s.Duration = MaxEventDuration + time.Minute }, "end"},
		{"horizon too far", func(s *Series) { s.HorizonWeeks = MaxHorizonWeeks + 1 }, "horizon_weeks"},
		{"negative horizon", func(s *Series) { s.HorizonWeeks = -1 }, "horizon_weeks"},
		{"template without title", func(s *Series) { s.Template.Title = " " }, "title"},
		{"template with a bad link", func(s *Series) { s.Template.OnlineURL = "ftp://x" }, "online_url"},
		{"a rule that never happens", func(s *Series) { s.RRule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, "rrule"},
		{"an UNTIL before the first start", func(s *Series) { s.RRule = "FREQ=WEEKLY;UNTIL=20251231T000000Z" }, "rrule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSeries(t)
			tt.edit(s)
			err := ValidateSeries(s)
			if e, ok := AsError(err); !ok || e.Kind != KindInvalid || e.Field != tt.field {
				t.Errorf("got %v, want an invalid %s", err, tt.field)
			}
		})
	}
}

func TestNewOccurrence(t *testing.T) {
	s := validSeries(t)
	if err := ValidateSeries(s); err != nil {
		t.Fatal(err)
	}
	s.ID, s.CreatorID = 7, 42
	s.Template.Language = LanguageDutch
	s.Template.ID, s.Template.IRI, s.Template.ParticipantCount, s.Template.Sequence = 99, "https://x/99", 5, 3
	start := utc(t, "2026-07-13T07:00:00Z")
	ev := s.NewOccurrence(start)

	if ev.SeriesID != 7 || ev.CreatorID != 42 || !ev.Local || ev.TimeZone != "Europe/Amsterdam" {
		t.Errorf("occurrence identity: series %d, creator %d, local %v, zone %q", ev.SeriesID, ev.CreatorID, ev.Local, ev.TimeZone)
	}
	if !ev.Start.Equal(start) || !ev.OccurrenceStart.Equal(start) || !ev.End.Equal(start.Add(time.Hour)) {
		t.Errorf("times %v %v–%v, want %v–+1h", ev.OccurrenceStart, ev.Start, ev.End, start)
	}
	if ev.ID != 0 || ev.IRI != "" || ev.ParticipantCount != 0 || ev.Sequence != 0 {
		t.Errorf("occurrence took the template's identity: %d %q %d %d", ev.ID, ev.IRI, ev.ParticipantCount, ev.Sequence)
	}
	if want := "maandag 13 juli 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK"; ev.Summary != want {
		t.Errorf("summary %q, want %q", ev.Summary, want)
	}
	if err := ValidateEvent(ev); err != nil {
		t.Errorf("a new occurrence is not a valid event: %v", err)
	}

	ev.Speakers[0].Name = "Bert"
	ev.Tags[0] = "changed"
	if s.Template.Speakers[0].Name != "Anna" || s.Template.Tags[0] != "overleg" {
		t.Errorf("changing the occurrence changed the template: %+v %v", s.Template.Speakers, s.Template.Tags)
	}
}

func TestApplyTemplate(t *testing.T) {
	s := validSeries(t)
	if err := ValidateSeries(s); err != nil {
		t.Fatal(err)
	}
	s.ID = 7
	occStart := utc(t, "2026-07-13T07:00:00Z")
	ev := s.NewOccurrence(occStart)
	published := utc(t, "2026-06-01T10:00:00Z")
	ev.ID, ev.IRI, ev.URL, ev.Published, ev.Sequence = 12, "https://kring.example/events/12", "https://kring.example/agenda/12", published, 4
	ev.ParticipantCount, ev.WaitingCount, ev.PendingCount = 3, 2, 1
	identity := func(e *Event) []any {
		return []any{e.ID, e.IRI, e.URL, e.SeriesID, e.OccurrenceStart, e.Published, e.Sequence, e.ParticipantCount, e.WaitingCount, e.PendingCount}
	}
	before := identity(ev)

	if s.ApplyTemplate(ev) {
		t.Error("ApplyTemplate reported a change on an occurrence that already follows the series")
	}

	s.Template.Title = "Overleg (nieuwe zaal)"
	s.Template.Place.Name = "Turfmarkt 147"
	s.Template.Speakers = append(s.Template.Speakers, Speaker{Name: "Bert"})
	s.Duration = 90 * time.Minute
	ev.Start = ev.Start.Add(time.Hour) // someone moved it, but not by hand

	if !s.ApplyTemplate(ev) {
		t.Fatal("ApplyTemplate reported no change after the series was edited")
	}
	if diff := cmp.Diff(before, identity(ev)); diff != "" {
		t.Errorf("identity changed (-before +after):\n%s", diff)
	}
	if ev.Title != "Overleg (nieuwe zaal)" || ev.Place.Name != "Turfmarkt 147" || len(ev.Speakers) != 2 {
		t.Errorf("template not applied: %q %q %v", ev.Title, ev.Place.Name, ev.Speakers)
	}
	if !ev.Start.Equal(occStart) || !ev.End.Equal(occStart.Add(90*time.Minute)) {
		t.Errorf("times %v–%v, want the rule's start and the new duration", ev.Start, ev.End)
	}
	ev.Speakers[0].Name = "Changed"
	if s.Template.Speakers[0].Name != "Anna" {
		t.Error("the occurrence shares its speakers with the template")
	}
	if s.ApplyTemplate(ev) != true || s.ApplyTemplate(ev) != false {
		t.Error("ApplyTemplate should change the edited speaker back, then report nothing more")
	}
}
