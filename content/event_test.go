package content

import (
	"testing"
	"time"
)

// TestParseLocalTime: wall-clock times in the event's zone, across both
// clock changes: the doubled autumn hour is taken the first time (as
// RFC 5545 reads it), a time in the spring gap moves forward.
func TestParseLocalTime(t *testing.T) {
	for _, tt := range []struct{ in, zone, want string }{
		{"2026-12-14 09:00", "Europe/Amsterdam", "2026-12-14T08:00:00Z"},
		{"2026-07-13T09:00", "Europe/Amsterdam", "2026-07-13T07:00:00Z"},
		{"2026-10-25 02:30", "Europe/Amsterdam", "2026-10-25T00:30:00Z"}, // CEST, the first time
		{"2026-10-25 03:30", "Europe/Amsterdam", "2026-10-25T02:30:00Z"},
		{"2026-03-29 02:30", "Europe/Amsterdam", "2026-03-29T01:30:00Z"}, // in the gap: 03:30 CEST
		{"2026-11-01 01:30", "America/New_York", "2026-11-01T05:30:00Z"}, // EDT, the first time
		{"2026-12-14 09:00", "", "2026-12-14T08:00:00Z"},                 // the default zone
		{"2026-12-14T09:00:00+02:00", "Europe/London", "2026-12-14T07:00:00Z"},
	} {
		got, err := ParseLocalTime(tt.in, tt.zone)
		if err != nil || got.Format(time.RFC3339) != tt.want {
			t.Errorf("ParseLocalTime(%q, %q) = %s, %v; want %s", tt.in, tt.zone, got.Format(time.RFC3339), err, tt.want)
		}
	}
	for _, bad := range []string{"", "14-12-2026 09:00", "2026-12-14", "morgen"} {
		if _, err := ParseLocalTime(bad, "Europe/Amsterdam"); KindOf(err) != KindInvalid {
			t.Errorf("ParseLocalTime(%q): %v; want invalid", bad, err)
		}
	}
}

func TestValidateEvent(t *testing.T) {
	start := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
	ok := func() *Event {
		return &Event{Title: " Open Koffie ", Start: start, End: start.Add(time.Hour), Place: Place{City: " Den Haag "}}
	}
	e := ok()
	if err := ValidateEvent(e); err != nil || e.Title != "Open Koffie" || e.TimeZone != DefaultTimeZone ||
		e.Status != EventConfirmed || e.JoinMode != JoinOpen || e.Place.City != "Den Haag" {
		t.Fatalf("ValidateEvent: %v, %+v", err, e)
	}
	for name, tc := range map[string]struct {
		change func(*Event)
		field  string
	}{
		"no title":               {func(e *Event) { e.Title = " " }, "title"},
		"end before start":       {func(e *Event) { e.End = e.Start.Add(-time.Minute) }, "end"},
		"too long":               {func(e *Event) { e.End = e.Start.Add(15 * 24 * time.Hour) }, "end"},
		"unknown zone":           {func(e *Event) { e.TimeZone = "Mars/Olympus" }, "time_zone"},
		"negative capacity":      {func(e *Event) { e.Capacity = -1 }, "capacity"},
		"external, no address":   {func(e *Event) { e.JoinMode = JoinExternal }, "registration_url"},
		"online link not http":   {func(e *Event) { e.OnlineURL = "javascript:alert(1)" }, "online_url"},
		"latitude out of range":  {func(e *Event) { e.Place.HasGeo, e.Place.Lat = true, 91 }, "geo"},
		"unknown status":         {func(e *Event) { e.Status = "maybe" }, "status"},
		"speaker without a name": {func(e *Event) { e.Speakers = []Speaker{{Name: " "}} }, "speakers"},
	} {
		e := ok()
		tc.change(e)
		err := ValidateEvent(e)
		if ce, isCE := AsError(err); !isCE || ce.Kind != KindInvalid || ce.Field != tc.field {
			t.Errorf("%s: %v; want invalid %s", name, err, tc.field)
		}
	}
}
