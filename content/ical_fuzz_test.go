package content

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// FuzzICal builds a feed of one event from fuzzed fields and checks it as
// a calendar app would read it: RFC 5545 content lines (at most 75
// octets, CR LF, folded between characters), readable by go-ical, and
// SUMMARY, DESCRIPTION and LOCATION as they went in after the escaping's
// documented normalisation (icalNormalize).
func FuzzICal(f *testing.F) {
	f.Add("Buurtborrel", "Kom *gezellig* langs.\r\nMet een tweede regel; en, komma's \\ backslash",
		"<p>Received <b>HTML</b></p>", "Het Buurthuis", "Dorpsstraat 1", "Utrecht",
		"https://k.example/events/1", "", "https://k.example/users/alice", "Alice \"Al\"", "buurt",
		"Europe/Amsterdam", "nl", int64(1780000000), uint16(120), true, 52.09, 5.12)
	f.Add(strings.Repeat("é", 100), strings.Repeat("日本語", 60), "", "", "", "", "", "https://meet.example/x", "", "", "",
		"America/St_Johns", "en", int64(1700000000), uint16(60), false, 0.0, 0.0)
	f.Add(strings.Repeat("x", 74)+"€"+strings.Repeat("y", 80), "a\rb\nc\x00d\x7fe\tf", "", "", "", "", "javascript:alert(1)", "", "", "", "",
		"Local", "en\"x", int64(-62135596800), uint16(1), false, math.NaN(), math.Inf(1))
	f.Add("", "", "", strings.Repeat("🎉", 40), "", "", "", "", "", "", strings.Repeat("t", 100),
		"Not/AZone", "", int64(253402300000), uint16(65535), true, -90.0, 180.0)
	f.Fuzz(func(t *testing.T, title, body, htmlContent, placeName, street, city, pageURL, onlineURL,
		organizer, organizerName, tag, zone, lang string, start int64, minutes uint16, geo bool, lat, lon float64) {
		e := &Event{
			IRI: "https://k.example/events/1", Title: title, Body: body, Content: htmlContent,
			Place:     Place{Name: placeName, Street: street, City: city, HasGeo: geo, Lat: lat, Lon: lon},
			OnlineURL: onlineURL, URL: pageURL, Organizer: organizer, OrganizerName: organizerName,
			TimeZone: zone, Language: Language(lang), Status: EventConfirmed,
			Start: time.Unix(start, 0).UTC(),
		}
		e.End = e.Start.Add(time.Duration(minutes) * time.Minute)
		if tag != "" {
			e.Tags = []string{tag}
		}
		var feed bytes.Buffer
		var err error
		within(t, fuzzBudget, "WriteICal", func() {
			err = WriteICal(&feed, []*Event{e}, CalendarInfo{Name: "Agenda", URL: "https://k.example/agenda", Language: LanguageDutch})
		})
		if err != nil {
			// A feed that cannot be written is a 500 for every
			// subscriber: no event field may cause one.
			t.Fatalf("WriteICal: %v", err)
		}
		valid := true // each field on its own: "\xc4" and "\x85" make "ą" together
		for _, s := range []string{title, body, htmlContent, placeName, street, city, pageURL, onlineURL, organizer, organizerName, tag, zone, lang} {
			valid = valid && utf8.ValidString(s)
		}
		checkContentLines(t, feed.Bytes(), valid)
		checkRoundTrip(t, feed.Bytes(), e)
	})
}

// checkContentLines checks RFC 5545 §3.1: CR LF line ends, lines of at
// most 75 octets, and (when the input was UTF-8) no line break inside a
// character.
func checkContentLines(t *testing.T, feed []byte, validUTF8 bool) {
	t.Helper()
	if !bytes.HasSuffix(feed, []byte("\r\n")) {
		t.Fatalf("feed does not end in CR LF: %q", tail(feed))
	}
	lines := bytes.Split(feed[:len(feed)-2], []byte("\r\n"))
	for i, line := range lines {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Fatalf("line %d is %d octets long (at most 75): %q", i+1, len(line), line)
		}
		if validUTF8 && !utf8.Valid(line) {
			t.Fatalf("line %d is cut inside a UTF-8 character: %q", i+1, line)
		}
	}
}

func tail(b []byte) []byte { return b[max(0, len(b)-40):] }

// checkRoundTrip reads the feed back with go-ical and compares the text
// properties with what went in.
func checkRoundTrip(t *testing.T, feed []byte, e *Event) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(feed)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v\n%s", err, feed)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("feed has %d events, want 1", len(events))
	}
	props := events[0].Props
	page := ""
	if isWebURL(e.URL) {
		page = e.URL
	}
	want := map[string]string{
		ical.PropSummary:     e.Title,
		ical.PropDescription: eventDescription(e, page),
		ical.PropLocation:    eventLocation(e),
	}
	for name, in := range want {
		want := icalNormalize(in)
		if props.Get(name) == nil {
			if want != "" && name != ical.PropSummary {
				t.Fatalf("%s is missing, want %q", name, want)
			}
			continue
		}
		got, err := props.Text(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Fatalf("%s = %q, want %q (from %q)", name, got, want, in)
		}
	}
}

// icalNormalize is what a TEXT value becomes in a feed, as documented at
// setText: a CR LF or a lone CR is a line break, and the control
// characters other than tab and line feed are dropped.
func icalNormalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	// Byte by byte: invalid UTF-8 goes through as it is.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c >= 0x20 || c == '\t' || c == '\n') && c != 0x7f {
			b = append(b, c)
		}
	}
	return string(b)
}

// TestICalFoldsInvalidUTF8 is a hang FuzzICal found: a line with no
// character start in its first 75 octets (invalid UTF-8, which a form
// can send) made the folder loop for ever.
func TestICalFoldsInvalidUTF8(t *testing.T) {
	e := &Event{Title: strings.Repeat("\x80", 200), Start: time.Unix(1780000000, 0), End: time.Unix(1780003600, 0)}
	var feed string
	within(t, 5*time.Second, "ICal", func() { feed = ICal([]*Event{e}, CalendarInfo{}) })
	checkContentLines(t, []byte(feed), false)
	if !strings.Contains(feed, "\r\n \x80") {
		t.Errorf("the title was not folded: %q", feed)
	}
}
