package content

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/teambition/rrule-go"
)

// MaxOccurrences caps what one call to Series.Occurrences returns: a
// daily series over the longest horizon (104 weeks) makes 728.
const MaxOccurrences = 1000

// rruleExample is the rule every error message offers as a model.
const rruleExample = "FREQ=MONTHLY;BYDAY=2MO,4MO"

// ValidateRRule checks a repeat rule (RFC 5545 RRULE) as a member writes
// it and returns it normalised: trimmed, upper case, without a leading
// "RRULE:" and without spaces. An agenda repeats daily at most, and the
// time of day and the first date come from the series' first start, so
// hourly and finer rules, BYHOUR, BYMINUTE, BYSECOND and a DTSTART inside
// the rule are refused. COUNT and UNTIL are fine.
func ValidateRRule(rule string) (string, error) {
	norm := normalizeRRule(rule)
	switch {
	case norm == "":
		return "", rruleError("a series needs a repeat rule: write e.g. %s", rruleExample)
	case strings.Contains(norm, "DTSTART"):
		return "", rruleError("the repeat rule %q names its own start (DTSTART): leave it out, the series' first start sets it", rule)
	}
	opt, err := rrule.StrToROption(norm)
	if err != nil {
		return "", rruleError("cannot read the repeat rule %q: %v; write e.g. %s", rule, err, rruleExample)
	}
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		return "", rruleError("the repeat rule %q repeats %s: a series repeats daily, weekly, monthly or yearly (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)",
			rule, strings.ToLower(opt.Freq.String()))
	}
	switch {
	case len(opt.Byhour) > 0 || len(opt.Byminute) > 0 || len(opt.Bysecond) > 0:
		return "", rruleError("the repeat rule %q sets the time of day (BYHOUR, BYMINUTE or BYSECOND): leave it out, the series' first start sets it", rule)
	case opt.Count < 0:
		return "", rruleError("the repeat rule %q has a negative COUNT: write how many times it happens, e.g. COUNT=10", rule)
	}
	if err := checkByDayOrdinals(rule, opt); err != nil {
		return "", err
	}
	// NewRRule checks the ranges (BYMONTHDAY=32, INTERVAL=-1, ...). A
	// fixed start spares it reading the clock.
	opt.Dtstart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := rrule.NewRRule(*opt); err != nil {
		return "", rruleError("cannot use the repeat rule %q: %v; write e.g. %s", rule, err, rruleExample)
	}
	return norm, nil
}

// checkByDayOrdinals applies RFC 5545 3.3.10 to BYDAY's ordinals
// ("2MO"), which rrule-go checks only against 53: a number only with
// FREQ=MONTHLY or YEARLY, and at most 5 either way within a month. rrule-go
// panics on "FREQ=MONTHLY;BYDAY=24MO" when it expands the rule (found by
// FuzzRRule), which would take the series worker down.
func checkByDayOrdinals(rule string, opt *rrule.ROption) error {
	inMonth := opt.Freq == rrule.MONTHLY || (opt.Freq == rrule.YEARLY && len(opt.Bymonth) > 0)
	for _, wd := range opt.Byweekday {
		switch n := wd.N(); {
		case n == 0:
		case opt.Freq != rrule.MONTHLY && opt.Freq != rrule.YEARLY:
			return rruleError("the repeat rule %q numbers a weekday (%s), which only a monthly or yearly rule may do", rule, wd)
		case inMonth && (n > 5 || n < -5):
			return rruleError("the repeat rule %q asks for weekday %s of a month: a month has at most 5 of each weekday", rule, wd)
		}
	}
	return nil
}

func rruleError(format string, args ...any) error {
	return Errorf(KindInvalid, "rrule", "series.rrule", format, args...)
}

// normalizeRRule drops white space, case and the "RRULE:" prefix a rule
// copied from an .ics file carries, and stray semicolons at either end.
func normalizeRRule(rule string) string {
	rule = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, rule)
	rule = strings.TrimPrefix(rule, "RRULE:")
	return strings.Trim(rule, ";")
}

// ValidateSeries checks a series before it is stored, normalising as it
// goes: the rule, the zone, the horizon (0 means the default) and the
// template, which is checked as the first occurrence would be.
func ValidateSeries(s *Series) error {
	rule, err := ValidateRRule(s.RRule)
	if err != nil {
		return err
	}
	s.RRule = rule
	if s.TimeZone, err = ParseTimeZone(s.TimeZone); err != nil {
		return err
	}
	switch {
	case s.FirstStart.IsZero():
		return Errorf(KindInvalid, "start", "series.start_missing", "a series needs a first start")
	case s.Duration <= 0:
		return Errorf(KindInvalid, "end", "series.duration", "the end must come after the start")
	case s.Duration > MaxEventDuration:
		return Errorf(KindInvalid, "end", "series.duration", "an event lasts at most %d days", int(MaxEventDuration.Hours()/24))
	}
	if s.HorizonWeeks == 0 {
		s.HorizonWeeks = DefaultHorizonWeeks
	}
	if s.HorizonWeeks < 1 || s.HorizonWeeks > MaxHorizonWeeks {
		return Errorf(KindInvalid, "horizon_weeks", "series.horizon", "occurrences are made 1 to %d weeks ahead", MaxHorizonWeeks)
	}
	if err := validateTemplate(s); err != nil {
		return err
	}
	return checkRuleHasDates(s)
}

// validateTemplate runs the event rules on the template as the first
// occurrence, and keeps what they normalised (trimmed text, status, join
// mode, speakers) but not the times, which belong to the series.
func validateTemplate(s *Series) error {
	t := s.Template
	t.Speakers = slices.Clone(s.Template.Speakers) // ValidateEvent edits speakers in place
	t.Start = s.FirstStart
	t.End = s.FirstStart.Add(s.Duration)
	t.TimeZone = s.TimeZone
	if err := ValidateEvent(&t); err != nil {
		return err
	}
	t.Start, t.End = s.Template.Start, s.Template.End
	s.Template = t
	return nil
}

// checkRuleHasDates refuses a rule that never happens on or after the
// first start (BYMONTH=2;BYMONTHDAY=30, an UNTIL before the start). Such
// a rule would also make every later expansion search up to the year
// 9999 for a date that never comes.
func checkRuleHasDates(s *Series) error {
	r, _, err := s.rule()
	if err != nil {
		return err
	}
	if _, ok := r.Iterator()(); !ok {
		return rruleError("the repeat rule %q gives no dates from the first start on: check BYMONTHDAY, BYMONTH and UNTIL", s.RRule)
	}
	return nil
}

// rule builds the series' recurrence on its wall clock, and returns the
// zone that clock is read in (see inZone). rrule-go makes every
// occurrence with time.Date in DTSTART's location, starting from the
// day's midnight: in a zone whose clocks skip midnight (America/Santiago
// in September) that midnight falls on the day before, and the day's
// occurrence came twice while the next day's was lost (FuzzRRule found
// it). So the rule runs in UTC, which skips nothing, on wall times: the
// first start's wall clock in the zone, and UNTIL as a wall time too.
func (s *Series) rule() (*rrule.RRule, *time.Location, error) {
	norm, err := ValidateRRule(s.RRule)
	if err != nil {
		return nil, nil, err
	}
	zone, err := ParseTimeZone(s.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	loc := LoadZone(zone)
	// A local UNTIL (no Z) is read as a wall time, as it should be.
	opt, err := rrule.StrToROptionInLocation(norm, time.UTC)
	if err != nil {
		return nil, nil, rruleError("cannot read the repeat rule %q: %v; write e.g. %s", s.RRule, err, rruleExample)
	}
	switch until := untilValue(norm); {
	case len(until) == len("20060102"):
		// UNTIL=20261231 means "up to and including that day"; RFC 5545
		// would compare it with midnight and drop the day's occurrence.
		opt.Until = opt.Until.AddDate(0, 0, 1).Add(-time.Second)
	case strings.HasSuffix(until, "Z"):
		// An instant: the wall time it is in the zone.
		opt.Until = wallClock(opt.Until.In(loc))
	}
	opt.Dtstart = wallClock(s.FirstStart.In(loc))
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, nil, rruleError("cannot use the repeat rule %q: %v; write e.g. %s", s.RRule, err, rruleExample)
	}
	return r, loc, nil
}

// wallClock is t's wall time read as UTC.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// inZone places a wall time the rule gave (as UTC) in loc: the first
// happening of a time that happens twice, and a time the clocks skip
// moved as time.Date moves it.
func inZone(wall time.Time, loc *time.Location) time.Time {
	return firstOfTwice(time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc))
}

// untilValue is a normalised rule's UNTIL, or "".
func untilValue(norm string) string {
	for part := range strings.SplitSeq(norm, ";") {
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok {
			return v
		}
	}
	return ""
}

// Occurrences returns the UTC starts of the series' occurrences that
// start in [from, to), in order, at most MaxOccurrences. The first start
// itself counts only when the rule gives it (as in RFC 5545 practice:
// DTSTART should match the rule).
func (s *Series) Occurrences(from, to time.Time) ([]time.Time, error) {
	r, loc, err := s.rule()
	if err != nil {
		return nil, err
	}
	if !to.After(from) || !to.After(s.FirstStart) {
		return nil, nil
	}
	var starts []time.Time
	var last time.Time
	placed := false
	next := r.Iterator()
	for len(starts) < MaxOccurrences {
		wall, ok := next()
		if !ok {
			break
		}
		t := inZone(wall, loc)
		if !t.Before(to) {
			break
		}
		if placed && !t.After(last) {
			// Two wall times on one instant: a day the zone skipped
			// (Pacific/Apia's 30 December 2011) lands on the next.
			continue
		}
		last, placed = t, true
		if !t.Before(from) {
			starts = append(starts, t.UTC())
		}
	}
	return starts, nil
}

// firstOfTwice moves a wall time that happens twice (the hour the clocks
// go back) to its first happening, as RFC 5545 (3.3.5) says; rrule-go
// makes it with time.Date, which takes the second.
func firstOfTwice(t time.Time) time.Time {
	begin, _ := t.ZoneBounds()
	if begin.IsZero() {
		return t
	}
	_, offset := t.Zone()
	_, before := begin.Add(-time.Second).Zone()
	if before <= offset {
		return t // the clocks went forward or stayed: every wall time happens once
	}
	if earlier := t.Add(-time.Duration(before-offset) * time.Second); earlier.Before(begin) {
		return earlier // the same wall time, read with the offset before the change
	}
	return t
}

// NewOccurrence makes the occurrence of the series that starts at start:
// a copy of the template (its own speakers and tags) with the series'
// times and no identity yet.
func (s *Series) NewOccurrence(start time.Time) *Event {
	ev := s.Template
	ev.ID, ev.IRI, ev.URL = 0, "", ""
	ev.ParticipantCount, ev.WaitingCount, ev.PendingCount = 0, 0, 0
	ev.Published, ev.Updated = time.Time{}, time.Time{}
	ev.Sequence, ev.EditedByHand, ev.Deleted = 0, false, false
	ev.Speakers = slices.Clone(s.Template.Speakers)
	ev.Tags = slices.Clone(s.Template.Tags)
	ev.SeriesID = s.ID
	ev.OccurrenceStart = start.UTC()
	ev.Local = true
	ev.CreatorID = s.CreatorID
	ev.TimeZone = s.TimeZone
	ev.Start = start.UTC()
	ev.End = ev.Start.Add(s.Duration)
	ev.Summary = EventWhenWhere(&ev, ev.Language)
	return &ev
}

// ApplyTemplate makes an occurrence follow an edited series: the
// template's text, place, organiser, limits and look, and the series'
// times from the occurrence's own start in the rule. The occurrence
// keeps who it is (ID, IRI, series, start in the rule, counts, when it
// was published, its sequence). It reports whether anything changed, so
// that only changed occurrences are saved and federated.
func (s *Series) ApplyTemplate(ev *Event) bool {
	t := &s.Template
	var c changes
	set(&c, &ev.Title, t.Title)
	set(&c, &ev.Body, t.Body)
	set(&c, &ev.Content, t.Content)
	set(&c, &ev.Place, t.Place)
	set(&c, &ev.OnlineURL, t.OnlineURL)
	set(&c, &ev.Organizer, t.Organizer)
	set(&c, &ev.OrganizerKind, t.OrganizerKind)
	set(&c, &ev.OrganizerName, t.OrganizerName)
	set(&c, &ev.Capacity, t.Capacity)
	set(&c, &ev.JoinMode, t.JoinMode)
	set(&c, &ev.RegistrationURL, t.RegistrationURL)
	set(&c, &ev.Status, t.Status)
	set(&c, &ev.CoverMediaID, t.CoverMediaID)
	set(&c, &ev.CoverURL, t.CoverURL)
	set(&c, &ev.CoverAlt, t.CoverAlt)
	set(&c, &ev.Language, t.Language)
	set(&c, &ev.TimeZone, s.TimeZone)
	if !slices.Equal(ev.Speakers, t.Speakers) {
		ev.Speakers, c = slices.Clone(t.Speakers), true
	}
	if !slices.Equal(ev.Tags, t.Tags) {
		ev.Tags, c = slices.Clone(t.Tags), true
	}
	start := ev.Start
	if !ev.OccurrenceStart.IsZero() {
		start = ev.OccurrenceStart
	}
	setTime(&c, &ev.Start, start)
	setTime(&c, &ev.End, start.Add(s.Duration))
	set(&c, &ev.Summary, EventWhenWhere(ev, ev.Language))
	return bool(c)
}

// changes records whether any set call changed its field.
type changes bool

func set[T comparable](c *changes, field *T, v T) {
	if *field != v {
		*field, *c = v, true
	}
}

// setTime compares instants: == on time.Time also compares locations.
func setTime(c *changes, field *time.Time, v time.Time) {
	if !field.Equal(v) {
		*field, *c = v, true
	}
}
