package content

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// Feeds are built and encoded with github.com/emersion/go-ical (the
// iCalendar library of go-webdav's CalDAV), which writes the content lines
// and quotes parameters; we escape TEXT values ourselves in one pass (its
// SetText does the same rune by rune, and refuses a carriage return).
// Its encoder does not fold long lines, so the output goes through
// foldWriter, which folds at 75 octets as RFC 5545 asks. The tests read
// every feed back with go-ical and with a second, independent parser
// (github.com/arran4/golang-ical, which content cannot use for writing:
// it imports net/http).

// ICalProductID is the PRODID of every feed: who wrote it.
const ICalProductID = "-//Kring//Kring agenda//NL"

// icalRefresh is how often subscribed calendars should fetch a feed
// again; without it Outlook waits days.
const icalRefresh = "PT1H"

// CalendarInfo describes a feed as a whole.
type CalendarInfo struct {
	Name        string
	Description string
	URL         string // the agenda's web page
	Language    Language
}

// ICal returns the events as an iCalendar feed; see WriteICal.
func ICal(events []*Event, info CalendarInfo) string {
	var b strings.Builder
	_ = WriteICal(&b, events, info) // a strings.Builder does not fail
	return b.String()
}

// WriteICal writes the events as an iCalendar (RFC 5545) feed that
// calendar apps subscribe to: one VTIMEZONE per zone the events use,
// built from Go's zone data for the years they span, and one VEVENT per
// event, in local time with its TZID. Deleted events are left out, so
// that they disappear from subscribers' calendars.
func WriteICal(w io.Writer, events []*Event, info CalendarInfo) error {
	zones := zoneCache{}
	live := make([]*Event, 0, len(events))
	for _, e := range events {
		if !e.Deleted {
			live = append(live, e)
		}
	}
	cal := calendarHead(live, info, zones)
	for _, z := range eventZones(live, zones) {
		cal.Children = append(cal.Children, vtimezone(z.loc, z.fromYear, z.toYear))
	}
	if len(cal.Children) == 0 {
		// go-ical refuses a calendar without components; an empty
		// agenda still names the zone its events will come in.
		year := time.Now().Year()
		cal.Children = append(cal.Children, vtimezone(LoadZone(DefaultTimeZone), year, year))
	}
	// The head and the zones, without the END line: the events follow.
	var head bytes.Buffer
	if err := encodeFolded(newFoldWriter(&head), cal.Component); err != nil {
		return err
	}
	end := []byte("END:VCALENDAR\r\n")
	if _, err := w.Write(bytes.TrimSuffix(head.Bytes(), end)); err != nil {
		return fmt.Errorf("write ical feed: %w", err)
	}
	parts, err := encodeEvents(live, zones, info.Language)
	if err != nil {
		return err
	}
	for _, p := range append(parts, end) {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("write ical feed: %w", err)
		}
	}
	return nil
}

// encodeEvents encodes the VEVENTs in as many runs as there are cores, at
// the same time: building and encoding the components is the work of a
// feed, and a large agenda would otherwise keep one core busy for it
// while the other idles. The runs come back in order.
func encodeEvents(events []*Event, zones zoneCache, lang Language) ([][]byte, error) {
	runs := min(runtime.GOMAXPROCS(0), max(1, len(events)/250))
	size := (len(events) + runs - 1) / max(runs, 1)
	zonesOf := make([]*feedZone, len(events)) // the cache is a map: read it here, not in the goroutines
	for i, e := range events {
		zonesOf[i] = zones.of(e)
	}
	out := make([][]byte, runs)
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for r := range runs {
		lo, hi := r*size, min((r+1)*size, len(events))
		wg.Go(func() {
			var b bytes.Buffer
			b.Grow((hi - lo) * 1200)
			fw := newFoldWriter(&b)
			for i := lo; i < hi; i++ {
				if err := encodeFolded(fw, vevent(events[i], zonesOf[i], lang)); err != nil {
					errs[r] = err
					return
				}
			}
			out[r] = b.Bytes()
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// encodeFolded encodes one component with go-ical, folded, and flushes.
func encodeFolded(fw *foldWriter, c *ical.Component) error {
	if err := ical.NewEncoder(fw).Encode(&ical.Calendar{Component: c}); err != nil {
		return fmt.Errorf("encode ical %s: %w", c.Name, err)
	}
	return fw.Flush()
}

func calendarHead(events []*Event, info CalendarInfo, zones zoneCache) *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, ICalProductID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	lang := string(info.Language)
	if info.Name != "" {
		setText(cal.Props, ical.PropName, info.Name, lang) // RFC 7986
		setText(cal.Props, "X-WR-CALNAME", info.Name, "")
	}
	if info.Description != "" {
		setText(cal.Props, ical.PropDescription, info.Description, lang)
		setText(cal.Props, "X-WR-CALDESC", info.Description, "")
	}
	zone := DefaultTimeZone
	if len(events) > 0 {
		zone = zones.of(events[0]).name
	}
	setText(cal.Props, "X-WR-TIMEZONE", zone, "")
	if isWebURL(info.URL) {
		setValue(cal.Props, ical.PropURL, ical.ValueURI, info.URL)
	}
	// RFC 7986 writes VALUE=DURATION out, though it is the default.
	cal.Props[ical.PropRefreshInterval] = []ical.Prop{{Name: ical.PropRefreshInterval,
		Params: ical.Params{ical.ParamValue: {string(ical.ValueDuration)}}, Value: icalRefresh}}
	setValue(cal.Props, "X-PUBLISHED-TTL", ical.ValueDefault, icalRefresh)
	return cal
}

// zoneCache holds the zones of one feed's events: time.LoadLocation
// reads and parses the zone file on every call, which made it the most
// expensive part of a 5,000-event feed.
type zoneCache map[string]*feedZone

// feedZone is a zone, its name and the TZID parameter naming it, shared
// by every property in the zone (the encoder only reads parameters).
type feedZone struct {
	loc  *time.Location
	name string
	tzid ical.Params
}

func (c zoneCache) of(e *Event) *feedZone {
	z, ok := c[e.TimeZone]
	if !ok {
		loc := e.Zone()
		z = &feedZone{loc: loc, name: loc.String(), tzid: ical.Params{ical.ParamTimezoneID: {loc.String()}}}
		c[e.TimeZone] = z
	}
	return z
}

// vevent is one event. Its UID is the event's IRI, which never changes,
// so that an edited event (a higher SEQUENCE) replaces the old one in
// subscribers' calendars instead of appearing twice.
func vevent(e *Event, z *feedZone, feedLang Language) *ical.Component {
	// Built as literals rather than with NewProp and Set, which give
	// every property a map of its own: a 5,000-event feed made 440,000
	// allocations that way, and collecting them cost a quarter of it.
	ev := &ical.Component{Name: ical.CompEvent, Props: make(ical.Props, 20)}
	p := ev.Props
	setText(p, ical.PropUID, eventUID(e), "")
	setUTC(p, ical.PropDateTimeStamp, eventStamp(e))
	if !e.Published.IsZero() {
		setUTC(p, ical.PropCreated, e.Published)
	}
	if modified := orTime(e.Updated, e.Published); !modified.IsZero() {
		setUTC(p, ical.PropLastModified, modified)
	}
	p[ical.PropDateTimeStart] = []ical.Prop{{Name: ical.PropDateTimeStart, Params: z.tzid, Value: e.Start.In(z.loc).Format(icalLocal)}}
	p[ical.PropDateTimeEnd] = []ical.Prop{{Name: ical.PropDateTimeEnd, Params: z.tzid, Value: e.End.In(z.loc).Format(icalLocal)}}
	setValue(p, ical.PropSequence, ical.ValueDefault, strconv.Itoa(e.Sequence))
	setValue(p, ical.PropStatus, ical.ValueDefault, eventICalStatus(e.Status))
	lang := string(cmp.Or(e.Language, feedLang))
	page := ""
	if isWebURL(e.URL) {
		page = e.URL
	}
	setText(p, ical.PropSummary, e.Title, lang)
	if desc := eventDescription(e, page); desc != "" {
		setText(p, ical.PropDescription, desc, lang)
	}
	if loc := eventLocation(e); loc != "" {
		setText(p, ical.PropLocation, loc, "")
	}
	if e.Place.HasGeo {
		setValue(p, ical.PropGeo, ical.ValueFloat, formatGeo(e.Place.Lat)+";"+formatGeo(e.Place.Lon))
	}
	if page != "" {
		setValue(p, ical.PropURL, ical.ValueURI, page)
	}
	if isWebURL(e.Organizer) {
		// An https URI is a valid cal-address (RFC 5545 3.3.3).
		org := ical.Prop{Name: ical.PropOrganizer, Value: e.Organizer}
		if name := paramText(e.OrganizerName); name != "" {
			org.Params = ical.Params{ical.ParamCommonName: {name}}
		}
		p[ical.PropOrganizer] = []ical.Prop{org}
	}
	if len(e.Tags) > 0 {
		var b []byte
		for i, tag := range e.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendICalText(b, tag)
		}
		p[ical.PropCategories] = []ical.Prop{{Name: ical.PropCategories, Value: string(b)}}
	}
	return ev
}

// Date-time layouts of RFC 5545: UTC, and local time beside a TZID.
const (
	icalUTC   = "20060102T150405Z"
	icalLocal = "20060102T150405"
)

func setUTC(p ical.Props, name string, t time.Time) {
	p[name] = []ical.Prop{{Name: name, Value: t.UTC().Format(icalUTC)}}
}

// setText sets a TEXT property, escaped, with its LANGUAGE when given.
// The escaping is go-ical's SetText's, done in one pass over the bytes
// (SetText writes rune by rune, a fifth of a large feed's time), and it
// also turns a CR LF or a lone CR into a line break and drops the other
// control characters, which the encoder refuses and TEXT cannot hold.
func setText(p ical.Props, name, text, lang string) {
	p[name] = []ical.Prop{{Name: name, Params: languageParams(lang), Value: string(appendICalText(make([]byte, 0, len(text)+16), text))}}
}

// setValue sets a property whose value needs no escaping, with a VALUE
// parameter when typ is not the property's default.
func setValue(p ical.Props, name string, typ ical.ValueType, value string) {
	prop := ical.Prop{Name: name, Value: value}
	if typ != ical.ValueDefault {
		prop.Params = ical.Params{}
		prop.SetValueType(typ)
	}
	p[name] = []ical.Prop{prop}
}

// langParams are the LANGUAGE parameters of the node's languages, made
// once and shared.
var langParams = map[string]ical.Params{
	string(LanguageDutch):   {ical.ParamLanguage: {string(LanguageDutch)}},
	string(LanguageEnglish): {ical.ParamLanguage: {string(LanguageEnglish)}},
}

func languageParams(lang string) ical.Params {
	if lang == "" {
		return nil
	}
	if p, ok := langParams[lang]; ok {
		return p
	}
	if !isLanguageTag(lang) {
		// Not a language tag (RFC 5646): the encoder refuses a quote in
		// a parameter and would fail the whole feed (FuzzICal found it).
		return nil
	}
	return ical.Params{ical.ParamLanguage: {lang}}
}

// isLanguageTag reports whether s is made of what language tags are
// made of: ASCII letters and digits in subtags joined by '-'.
func isLanguageTag(s string) bool {
	if len(s) > 35 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnumByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// appendICalText escapes a TEXT value (RFC 5545 3.3.11): backslash,
// semicolon, comma and line breaks; a CR LF or lone CR is one line
// break, and other control characters are dropped.
func appendICalText(dst []byte, s string) []byte {
	plain := 0 // s[plain:i] needs no escape: it is copied in one go
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !textSpecial[c] {
			continue
		}
		dst = append(dst, s[plain:i]...)
		plain = i + 1
		switch c {
		case '\\', ';', ',':
			dst = append(dst, '\\', c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
				plain++
			}
			dst = append(dst, '\\', 'n')
		case '\n':
			dst = append(dst, '\\', 'n')
		}
	}
	return append(dst, s[plain:]...)
}

// textSpecial marks the bytes appendICalText escapes or drops.
var textSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t'
	}
	t[0x7f], t['\\'], t[';'], t[','] = true, true, true, true
	return t
}()

// paramText is a parameter value: no DQUOTE (not even a quoted value can
// hold one) and no control characters.
func paramText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
}

// orTime is cmp.Or for times, whose zero is tested with IsZero, not ==.
func orTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// eventUID is the event's IRI; an event not stored yet has none, and
// falls back to its page, then to its row.
func eventUID(e *Event) string {
	switch {
	case e.IRI != "":
		return e.IRI
	case e.URL != "":
		return e.URL
	}
	return "kring-event-" + strconv.FormatInt(e.ID, 10)
}

// eventStamp is DTSTAMP: when the event last changed. An event without
// either date (not stored yet) takes its start, so that the feed stays
// the same from one request to the next.
func eventStamp(e *Event) time.Time {
	return orTime(orTime(e.Updated, e.Published), e.Start)
}

func eventICalStatus(s EventStatus) string {
	switch s {
	case EventTentative, EventCancelled:
		return string(s)
	}
	return string(EventConfirmed)
}

// eventDescription is the event's text, then its page: calendar apps
// show HTML as tags, and the link is where people sign up. A local event
// gives the Markdown its organiser wrote, which reads as plain text and
// keeps its links; a received one its HTML made plain.
func eventDescription(e *Event, page string) string {
	text := strings.TrimSpace(e.Body)
	if text == "" {
		text = HTMLToText(e.Content)
	}
	switch {
	case page == "":
		return text
	case text == "":
		return page
	}
	return text + "\n\n" + page
}

// eventLocation is the place on one line, or the online link for an
// event that happens only online.
func eventLocation(e *Event) string {
	if line := e.Place.Line(); line != "" {
		return line
	}
	if isWebURL(e.OnlineURL) {
		return e.OnlineURL
	}
	return ""
}

func formatGeo(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// foldWriter folds the content lines written to it at 75 octets (RFC 5545
// 3.1): each further piece on a line of its own that starts with a space,
// never inside a UTF-8 character.
type foldWriter struct {
	bw   *bufio.Writer
	line []byte // the line being written, up to its CR LF
}

func newFoldWriter(w io.Writer) *foldWriter {
	return &foldWriter{bw: bufio.NewWriterSize(w, 32<<10), line: make([]byte, 0, 1024)}
}

func (f *foldWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.line = append(f.line, p...)
			break
		}
		f.line = append(f.line, p[:i+1]...)
		f.fold()
		p = p[i+1:]
	}
	return n, nil
}

// fold writes the finished line in f.line (ending in CR LF).
func (f *foldWriter) fold() {
	line := bytes.TrimSuffix(bytes.TrimSuffix(f.line, []byte("\n")), []byte("\r"))
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 {
			// No character starts in the window: the bytes are not UTF-8,
			// and waiting for a boundary would loop for ever (a title of
			// 75 continuation bytes did, found by FuzzICal).
			cut = limit
		}
		f.bw.Write(line[:cut])
		f.bw.WriteString("\r\n ")
		line, limit = line[cut:], 74
	}
	f.bw.Write(line)
	f.bw.WriteString("\r\n")
	f.line = f.line[:0]
}

// Flush writes what is left and reports the first write error.
func (f *foldWriter) Flush() error {
	if len(f.line) > 0 {
		f.fold()
	}
	return f.bw.Flush()
}

// zoneSpan is a zone the feed's events use, and the years they span in it.
type zoneSpan struct {
	loc              *time.Location
	fromYear, toYear int
}

// eventZones lists the zones of the events in the order they first
// appear, each with the years its events span.
func eventZones(events []*Event, zones zoneCache) []zoneSpan {
	var spans []zoneSpan
	index := map[string]int{}
	for _, e := range events {
		z := zones.of(e)
		from, to := e.Start.In(z.loc).Year(), e.End.In(z.loc).Year()
		i, ok := index[z.name]
		if !ok {
			index[z.name] = len(spans)
			spans = append(spans, zoneSpan{loc: z.loc, fromYear: from, toYear: to})
			continue
		}
		spans[i].fromYear = min(spans[i].fromYear, from)
		spans[i].toYear = max(spans[i].toYear, to)
	}
	return spans
}

// vtimezones caches VTIMEZONE components by zone and years: every feed
// request would otherwise walk the same transitions. The encoder only
// reads them, so one component serves every feed.
var vtimezones = struct {
	sync.Mutex
	m map[zoneSpanKey]*ical.Component
}{m: map[zoneSpanKey]*ical.Component{}}

type zoneSpanKey struct {
	zone             string
	fromYear, toYear int
}

// maxCachedZones bounds the cache; feeds use a handful of zones.
const maxCachedZones = 256

// vtimezone returns the VTIMEZONE of loc from January fromYear to
// December toYear.
func vtimezone(loc *time.Location, fromYear, toYear int) *ical.Component {
	key := zoneSpanKey{loc.String(), fromYear, toYear}
	vtimezones.Lock()
	defer vtimezones.Unlock()
	if tz, ok := vtimezones.m[key]; ok {
		return tz
	}
	if len(vtimezones.m) >= maxCachedZones {
		clear(vtimezones.m)
	}
	tz := buildVTimezone(loc, fromYear, toYear)
	vtimezones.m[key] = tz
	return tz
}

// zoneChange is one change of a zone's offset or name.
type zoneChange struct {
	at         time.Time // the instant
	fromOffset int       // seconds east of UTC before
	toOffset   int
	name       string // the abbreviation after, e.g. "CEST"
	dst        bool
}

// buildVTimezone describes loc from January fromYear to December toYear
// with one observance per change, each starting at the wall time just
// before it (RFC 5545 3.6.5). The first observance is the change that
// put in force the offset the span begins with, so that early January is
// covered too; a zone that never changed gets one STANDARD observance.
func buildVTimezone(loc *time.Location, fromYear, toYear int) *ical.Component {
	start := time.Date(fromYear, time.January, 1, 0, 0, 0, 0, loc)
	end := time.Date(toYear+1, time.January, 1, 0, 0, 0, 0, loc)
	tz := ical.NewComponent(ical.CompTimezone)
	setText(tz.Props, ical.PropTimezoneID, loc.String(), "")
	tz.Children = append(tz.Children, observance(changeInForce(start)))
	for _, c := range zoneChanges(loc, start, end) {
		tz.Children = append(tz.Children, observance(c))
	}
	return tz
}

// changeInForce is the change that made t's zone period begin. A zone
// that has had its offset forever gets an onset at 1970-01-01 00:00
// local time, as calendar apps write it.
func changeInForce(t time.Time) zoneChange {
	name, offset := t.Zone()
	c := zoneChange{toOffset: offset, name: name, dst: t.IsDST()}
	begin, _ := t.ZoneBounds()
	if begin.IsZero() {
		c.at = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(offset) * time.Second)
		c.fromOffset = offset
		return c
	}
	c.at = begin
	_, c.fromOffset = begin.Add(-time.Second).Zone()
	return c
}

// zoneChanges finds the changes of loc in [from, to) with Go's own zone
// data: ZoneBounds gives the end of the period that contains a time,
// which is the next change.
func zoneChanges(loc *time.Location, from, to time.Time) []zoneChange {
	var out []zoneChange
	t := from.In(loc)
	for range 1000 { // a zone changes a few times a year; this only stops a bad zone
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(to) {
			break
		}
		beforeName, beforeOffset := next.Add(-time.Second).Zone()
		name, offset := next.Zone()
		if offset != beforeOffset || name != beforeName {
			out = append(out, zoneChange{at: next, fromOffset: beforeOffset, toOffset: offset, name: name, dst: next.IsDST()})
		}
		t = next
	}
	return out
}

func observance(c zoneChange) *ical.Component {
	kind := ical.CompTimezoneStandard
	if c.dst {
		kind = ical.CompTimezoneDaylight
	}
	o := ical.NewComponent(kind)
	// The onset is written in the wall time that was in force before it.
	onset := c.at.UTC().Add(time.Duration(c.fromOffset) * time.Second)
	setValue(o.Props, ical.PropDateTimeStart, ical.ValueDateTime, onset.Format(icalLocal))
	setValue(o.Props, ical.PropTimezoneOffsetFrom, ical.ValueUTCOffset, formatUTCOffset(c.fromOffset))
	setValue(o.Props, ical.PropTimezoneOffsetTo, ical.ValueUTCOffset, formatUTCOffset(c.toOffset))
	setText(o.Props, ical.PropTimezoneName, c.name, "")
	return o
}

// formatUTCOffset writes seconds east of UTC as RFC 5545 does: "+0100",
// "-0330", with seconds only when there are any ("+001730").
func formatUTCOffset(sec int) string {
	sign := byte('+')
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
