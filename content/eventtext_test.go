package content

import (
	"testing"
	"time"
)

func TestFormatDate(t *testing.T) {
	tests := []struct {
		date string
		lang Language
		want string
	}{
		{"2026-12-14", LanguageDutch, "maandag 14 december 2026"},
		{"2026-12-14", LanguageEnglish, "Monday 14 December 2026"},
		{"2026-03-01", LanguageDutch, "zondag 1 maart 2026"},
		{"2026-05-02", LanguageDutch, "zaterdag 2 mei 2026"},
		{"2026-01-07", LanguageDutch, "woensdag 7 januari 2026"},
		{"2026-01-07", "nl-BE", "woensdag 7 januari 2026"},
		{"2026-01-07", "de", "Wednesday 7 January 2026"},
		{"2026-01-07", "", "Wednesday 7 January 2026"},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+" "+tt.date, func(t *testing.T) {
			d, err := time.Parse("2006-01-02", tt.date)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatDate(d, tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatTimeRange(t *testing.T) {
	const zone = "Europe/Amsterdam"
	tests := []struct {
		name       string
		start, end string // wall times in Amsterdam; end "" for none
		lang       Language
		want       string
	}{
		{"one day nl", "2026-12-14 09:00", "2026-12-14 10:00", LanguageDutch, "maandag 14 december 2026, 09:00–10:00"},
		{"one day en", "2026-12-14 09:00", "2026-12-14 10:00", LanguageEnglish, "Monday 14 December 2026, 09:00–10:00"},
		{"summer is 09:00 too", "2026-07-13 09:00", "2026-07-13 17:30", LanguageDutch, "maandag 13 juli 2026, 09:00–17:30"},
		{"24-hour clock in English", "2026-07-13 13:00", "2026-07-13 22:15", LanguageEnglish, "Monday 13 July 2026, 13:00–22:15"},
		{"several days nl", "2026-12-14 09:00", "2026-12-15 17:00", LanguageDutch, "maandag 14 december 2026 09:00 – dinsdag 15 december 2026 17:00"},
		{"several days en", "2026-12-31 20:00", "2027-01-01 02:00", LanguageEnglish, "Thursday 31 December 2026 20:00 – Friday 1 January 2027 02:00"},
		{"until midnight is one day", "2026-12-14 20:00", "2026-12-15 00:00", LanguageDutch, "maandag 14 december 2026, 20:00–00:00"},
		{"no end", "2026-12-14 20:00", "", LanguageEnglish, "Monday 14 December 2026, 20:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var end time.Time
			if tt.end != "" {
				end = localTime(t, tt.end, zone)
			}
			got := FormatTimeRange(localTime(t, tt.start, zone), end, LoadZone(zone), tt.lang)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestEventWhenWhere(t *testing.T) {
	bzk := Place{Name: "Ministerie van BZK", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag", Notes: "zaal 3"}
	event := func(start, end string, edit func(*Event)) *Event {
		e := &Event{
			Title:    "Overleg",
			TimeZone: "Europe/Amsterdam",
			Start:    localTime(t, start, "Europe/Amsterdam"),
			End:      localTime(t, end, "Europe/Amsterdam"),
			Place:    bzk,
			Status:   EventConfirmed,
		}
		if edit != nil {
			edit(e)
		}
		return e
	}
	tests := []struct {
		name string
		e    *Event
		lang Language
		want string
	}{
		{
			"place nl", event("2026-12-14 09:00", "2026-12-14 10:00", nil), LanguageDutch,
			"maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"place en", event("2026-12-14 09:00", "2026-12-14 10:00", nil), LanguageEnglish,
			"Monday 14 December 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"summer time shows the wall clock", event("2026-07-13 09:00", "2026-07-13 10:00", nil), LanguageDutch,
			"maandag 13 juli 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"several days", event("2026-12-14 09:00", "2026-12-15 17:00", nil), LanguageDutch,
			"maandag 14 december 2026 09:00 – dinsdag 15 december 2026 17:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"online only nl", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) {
				e.Place, e.OnlineURL = Place{}, "https://meet.example/overleg"
			}), LanguageDutch,
			"maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · online",
		},
		{
			"place and online nl", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) {
				e.OnlineURL = "https://meet.example/overleg"
			}), LanguageDutch,
			"maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag en online",
		},
		{
			"place and online en", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) {
				e.OnlineURL = "https://meet.example/overleg"
			}), LanguageEnglish,
			"Monday 14 December 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag and online",
		},
		{
			"cancelled nl", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.Status = EventCancelled }), LanguageDutch,
			"GEANNULEERD: maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"cancelled en", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.Status = EventCancelled }), LanguageEnglish,
			"CANCELLED: Monday 14 December 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag",
		},
		{
			"tentative nl", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.Status = EventTentative }), LanguageDutch,
			"maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag (onder voorbehoud)",
		},
		{
			"tentative en", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.Status = EventTentative }), LanguageEnglish,
			"Monday 14 December 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag (tentative)",
		},
		{
			"no place, other language is English", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.Place = Place{} }), "fr",
			"Monday 14 December 2026, 09:00–10:00 (Europe/Amsterdam)",
		},
		{
			"the event's own zone", event("2026-12-14 09:00", "2026-12-14 10:00", func(e *Event) { e.TimeZone = "Europe/London"; e.Place = Place{City: "London"} }), LanguageEnglish,
			"Monday 14 December 2026, 08:00–09:00 (Europe/London) · London",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EventWhenWhere(tt.e, tt.lang); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
