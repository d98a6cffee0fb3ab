package content

import (
	"strconv"
	"time"
)

// Dutch names, written out here: the standard library knows only English.
var (
	dutchWeekdays = [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
	dutchMonths   = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
		"augustus", "september", "oktober", "november", "december"}
)

// eventWords are the few words the when-and-where line needs.
type eventWords struct {
	online, and, cancelled, tentative string
}

var (
	dutchEventWords   = eventWords{online: "online", and: " en ", cancelled: "GEANNULEERD: ", tentative: " (onder voorbehoud)"}
	englishEventWords = eventWords{online: "online", and: " and ", cancelled: "CANCELLED: ", tentative: " (tentative)"}
)

// textLanguage is the language dates are written in: Dutch for Dutch
// (any region), English for everything else.
func textLanguage(lang Language) Language {
	if l, err := ParseLanguage(string(lang)); err == nil && l == LanguageDutch {
		return LanguageDutch
	}
	return LanguageEnglish
}

// FormatDate writes a date in words: "maandag 14 december 2026" in Dutch,
// "Monday 14 December 2026" in English. t is already in the zone wanted.
func FormatDate(t time.Time, lang Language) string {
	if textLanguage(lang) == LanguageDutch {
		return dutchWeekdays[t.Weekday()] + " " + strconv.Itoa(t.Day()) + " " +
			dutchMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return t.Format("Monday 2 January 2006")
}

// FormatTimeRange writes when something happens in loc, on the 24-hour
// clock in both languages: "maandag 14 december 2026, 09:00–10:00" on
// one day, "maandag 14 december 2026 09:00 – dinsdag 15 december 2026
// 17:00" over several. An end at midnight closes the start's day (an
// evening until 00:00 is one day). A missing end gives the start alone.
func FormatTimeRange(start, end time.Time, loc *time.Location, lang Language) string {
	if loc == nil {
		loc = LoadZone("") // time.In panics on nil
	}
	s := start.In(loc)
	day := FormatDate(s, lang)
	if end.IsZero() || !end.After(start) {
		return day + ", " + clock(s)
	}
	e := end.In(loc)
	if sameDay(s, e) || endsAtMidnightAfter(s, e) {
		return day + ", " + clock(s) + "–" + clock(e)
	}
	return day + " " + clock(s) + " – " + FormatDate(e, lang) + " " + clock(e)
}

func clock(t time.Time) string { return t.Format("15:04") }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// endsAtMidnightAfter reports whether e is the midnight that ends s's day.
func endsAtMidnightAfter(s, e time.Time) bool {
	h, m, sec := e.Clock()
	return h == 0 && m == 0 && sec == 0 && sameDay(s.AddDate(0, 0, 1), e)
}

// EventWhenWhere says when and where an event happens, in plain words in
// lang (Dutch or English) and in the event's own zone, for the summary
// that Mastodon shows in place of the content:
//
//	maandag 14 december 2026, 09:00–10:00 (Europe/Amsterdam) · Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag
//
// A cancelled event starts with "GEANNULEERD: " ("CANCELLED: "), a
// tentative one ends with " (onder voorbehoud)" (" (tentative)").
func EventWhenWhere(e *Event, lang Language) string {
	lang = textLanguage(lang)
	words := englishEventWords
	if lang == LanguageDutch {
		words = dutchEventWords
	}
	loc := e.Zone()
	s := FormatTimeRange(e.Start, e.End, loc, lang) + " (" + loc.String() + ")"
	if where := eventWhere(e, words); where != "" {
		s += " · " + where
	}
	switch e.Status {
	case EventCancelled:
		s = words.cancelled + s
	case EventTentative:
		s += words.tentative
	}
	return s
}

// eventWhere is the place's line, "online", or both.
func eventWhere(e *Event, words eventWords) string {
	place := e.Place.Line()
	switch {
	case place != "" && e.OnlineURL != "":
		return place + words.and + words.online
	case place != "":
		return place
	case e.OnlineURL != "":
		return words.online
	}
	return ""
}
