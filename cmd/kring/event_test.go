package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// eventNode is a node with the members alice, bob, carol and dave and the
// admin ada.
func eventNode(t *testing.T) (dir string, db *storage.DB) {
	t.Helper()
	dir = initNode(t)
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		wantOK(t, kring(t, "user", "add", name, "--data", dir))
	}
	wantOK(t, kring(t, "user", "add", "ada", "--role", "admin", "--data", dir))
	return dir, openStorage(t, filepath.Join(dir, storage.FileName))
}

var printedPageRE = regexp.MustCompile(`(?m)^page:\s+(\S+)$`)

// printedPage is the page a command printed on its "page:" line.
func printedPage(t *testing.T, stdout string) string {
	t.Helper()
	m := printedPageRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no page printed:\n%s", stdout)
	}
	return m[1]
}

var printedStateRE = regexp.MustCompile(`(?m)^state:\s+(\S+)$`)

// printedState is the participation state `kring event join` printed.
func printedState(t *testing.T, stdout string) string {
	t.Helper()
	m := printedStateRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no state printed:\n%s", stdout)
	}
	return m[1]
}

// newEvent writes an event with `kring event new` and returns its id.
func newEvent(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := kring(t, append(append([]string{"event", "new"}, args...), "--data", dir)...)
	wantOK(t, r)
	return printedID(t, r.stdout)
}

// storedEvent reads an event by its id.
func storedEvent(t *testing.T, db *storage.DB, iri string) *content.Event {
	t.Helper()
	ev, err := db.EventByIRI(context.Background(), iri)
	if err != nil {
		t.Fatalf("event %s: %v", iri, err)
	}
	return ev
}

// allEvents is every live event, past and upcoming, by id.
func allEvents(t *testing.T, db *storage.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, past := range []bool{false, true} {
		evs, err := db.Events(ctx, storage.EventFilter{Past: past, Limit: storage.MaxEventPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			out = append(out, ev.IRI)
		}
	}
	slices.Sort(out)
	return out
}

// eventListLine is the line of `kring event list` that lists an event,
// split into its columns.
func eventListLine(t *testing.T, dir, iri string, flags ...string) []string {
	t.Helper()
	r := kring(t, append(append([]string{"event", "list"}, flags...), "--data", dir)...)
	wantOK(t, r)
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasSuffix(line, " "+iri) {
			return regexp.MustCompile(` {2,}`).Split(line, -1)
		}
	}
	t.Fatalf("kring event list %s does not show %s:\n%s", strings.Join(flags, " "), iri, r.stdout)
	return nil
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEventCommands(t *testing.T) {
	t.Parallel()
	dir, db := eventNode(t)
	ctx := context.Background()
	desc := filepath.Join(t.TempDir(), "desc.md")
	if err := os.WriteFile(desc, []byte("Koffie en **open data**. #opendata"), 0o600); err != nil {
		t.Fatal(err)
	}

	r := kring(t, "event", "list", "--data", dir)
	wantOK(t, r)
	if want := "No upcoming events of this node.\n"; r.stdout != want {
		t.Errorf("empty list = %q, want %q", r.stdout, want)
	}

	r = kring(t, "event", "new", "--as", "alice", "--title", "Open Koffie", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:30",
		"--file", desc, "--venue", "Stadhuis", "--street", "Stadsplateau 1", "--postal-code", "3521 AZ", "--city", "Utrecht",
		"--country", "NL", "--room", "Zaal 2, via de zij-ingang", "--lat", "52.0894", "--lon", "5.1077", "--online", "https://meet.example/koffie",
		"--speaker", "@bob", "--speaker", "Jansen, J.", "--capacity", "20", "--tags", "koffie, #Utrecht", "--lang", "en", "--data", dir)
	wantOK(t, r)
	lines := strings.Split(r.stdout, "\n")
	if !regexp.MustCompile(`^id:\s+https://kring\.test/events/\S+$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^page:\s+https://kring\.test/agenda/\S+$`).MatchString(lines[1]) {
		t.Errorf("event new does not print its id and its page on the first two lines:\n%s", r.stdout)
	}
	iri, page := printedID(t, r.stdout), printedPage(t, r.stdout)
	if path.Base(iri) != path.Base(page) {
		t.Errorf("the id %s and the page %s do not share the token", iri, page)
	}
	ev := storedEvent(t, db, iri)
	wantPlace := content.Place{Name: "Stadhuis", Street: "Stadsplateau 1", PostalCode: "3521 AZ", City: "Utrecht", Country: "NL",
		Notes: "Zaal 2, via de zij-ingang", HasGeo: true, Lat: 52.0894, Lon: 5.1077}
	switch {
	case !ev.Local || ev.Title != "Open Koffie" || ev.TimeZone != "Europe/Amsterdam":
		t.Errorf("stored event: local %v, title %q, zone %q", ev.Local, ev.Title, ev.TimeZone)
	case !ev.Start.Equal(utc("2026-12-14T08:00:00Z")) || !ev.End.Equal(utc("2026-12-14T09:30:00Z")):
		t.Errorf("stored times %s – %s, want 08:00Z – 09:30Z (09:00–10:30 in Amsterdam, winter time)", ev.Start, ev.End)
	case ev.Place != wantPlace:
		t.Errorf("stored place %+v, want %+v", ev.Place, wantPlace)
	case ev.OnlineURL != "https://meet.example/koffie" || ev.Capacity != 20 || ev.JoinMode != content.JoinOpen ||
		ev.Status != content.EventConfirmed || ev.Language != content.LanguageEnglish:
		t.Errorf("stored online %q, capacity %d, join %q, status %q, language %q", ev.OnlineURL, ev.Capacity, ev.JoinMode, ev.Status, ev.Language)
	case ev.Body != "Koffie en **open data**. #opendata" || !strings.Contains(ev.Content, "<strong>open data</strong>"):
		t.Errorf("stored body %q, content %q", ev.Body, ev.Content)
	case ev.Organizer != "https://kring.test/users/alice" || ev.OrganizerKind != content.OrganizerMember:
		t.Errorf("stored organiser %s (%s)", ev.Organizer, ev.OrganizerKind)
	}
	wantSpeakers := []content.Speaker{{Name: "bob", Actor: "https://kring.test/users/bob", URL: "https://kring.test/@bob", Handle: "bob@kring.test"}, {Name: "Jansen, J."}}
	if !slices.Equal(ev.Speakers, wantSpeakers) {
		t.Errorf("stored speakers %+v, want %+v", ev.Speakers, wantSpeakers)
	}
	for _, tag := range []string{"opendata", "koffie", "utrecht"} {
		if !slices.Contains(ev.Tags, tag) {
			t.Errorf("stored tags %q lack %q", ev.Tags, tag)
		}
	}

	got := eventListLine(t, dir, iri)
	if want := []string{"2026-12-14 09:00 CET", "Open Koffie", "Stadhuis, Stadsplateau 1, 3521 AZ Utrecht, NL + online", "alice", "0/20", "confirmed", iri}; !slices.Equal(got, want) {
		t.Errorf("list line = %q, want %q", got, want)
	}
	if got := eventListLine(t, dir, iri, "--all"); got[1] != "Open Koffie" {
		t.Errorf("list --all line = %q", got)
	}
	r = kring(t, "event", "list", "--network", "--data", dir)
	wantOK(t, r)
	if want := "No upcoming events received from other servers.\n"; r.stdout != want {
		t.Errorf("list --network = %q, want %q", r.stdout, want)
	}
	r = kring(t, "event", "show", page, "--data", dir)
	wantOK(t, r)
	for _, want := range []string{"title:", "Open Koffie", "Monday 14 December 2026, 09:00–10:30 (Europe/Amsterdam)", "Zaal 2",
		"52.0894, 5.1077", "bob (https://kring.test/users/bob); Jansen, J.", "20 (20 left)", "0 accepted, 0 waiting, 0 pending",
		"id:            " + iri, "Nobody takes part yet."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("event show does not say %q:\n%s", want, r.stdout)
		}
	}
	// By its number, too.
	r = kring(t, "event", "show", fmt.Sprint(ev.ID), "--data", dir)
	wantOK(t, r)
	if printedID(t, r.stdout) != iri {
		t.Errorf("event show %d shows another event:\n%s", ev.ID, r.stdout)
	}

	t.Run("edit changes only what is given", func(t *testing.T) {
		wantOK(t, kring(t, "event", "edit", iri, "--as", "alice", "--title", "Open Koffie XL", "--capacity", "30", "--data", dir))
		ed := storedEvent(t, db, iri)
		if ed.Title != "Open Koffie XL" || ed.Capacity != 30 || ed.Place != wantPlace || !ed.Start.Equal(ev.Start) || !ed.End.Equal(ev.End) ||
			!slices.Equal(ed.Speakers, wantSpeakers) || ed.Body != ev.Body || !slices.Equal(ed.Tags, ev.Tags) || ed.Sequence != ev.Sequence+1 {
			t.Errorf("after editing the title and capacity: %+v", ed)
		}
		// A new start alone keeps the length; the city alone keeps the rest of the place.
		wantOK(t, kring(t, "event", "edit", page, "--as", "alice", "--start", "2026-12-15 13:00", "--city", "Den Haag", "--data", dir))
		ed = storedEvent(t, db, iri)
		if !ed.Start.Equal(utc("2026-12-15T12:00:00Z")) || !ed.End.Equal(utc("2026-12-15T13:30:00Z")) || ed.Place.City != "Den Haag" || ed.Place.Street != "Stadsplateau 1" {
			t.Errorf("after moving the start: %s – %s, place %+v; want 12:00Z – 13:30Z in Den Haag", ed.Start, ed.End, ed.Place)
		}
		// A new zone alone keeps the clock time.
		wantOK(t, kring(t, "event", "edit", iri, "--as", "alice", "--tz", "Europe/London", "--data", dir))
		ed = storedEvent(t, db, iri)
		if ed.TimeZone != "Europe/London" || !ed.Start.Equal(utc("2026-12-15T13:00:00Z")) || !ed.End.Equal(utc("2026-12-15T14:30:00Z")) {
			t.Errorf("after --tz Europe/London: %s – %s in %s, want 13:00 – 14:30 London time", ed.Start, ed.End, ed.TimeZone)
		}
		if got := eventListLine(t, dir, iri); got[0] != "2026-12-15 13:00 GMT" {
			t.Errorf("list shows the start as %q, want it in London time", got[0])
		}
		// Removing: the speakers, the coordinates.
		wantOK(t, kring(t, "event", "edit", iri, "--as", "alice", "--speaker", "", "--lat", "", "--lon", "", "--data", dir))
		ed = storedEvent(t, db, iri)
		if len(ed.Speakers) != 0 || ed.Place.HasGeo {
			t.Errorf("after removing speakers and coordinates: speakers %+v, place %+v", ed.Speakers, ed.Place)
		}
		wantErrorContains(t, kring(t, "event", "edit", iri, "--as", "bob", "--title", "Van mij", "--data", dir), 1, `bob does not organise "Open Koffie XL"`)
		wantOK(t, kring(t, "event", "edit", iri, "--as", "ada", "--status", "tentative", "--data", dir))
		if ed = storedEvent(t, db, iri); ed.Status != content.EventTentative || ed.Title != "Open Koffie XL" {
			t.Errorf("after an admin's edit: status %q, title %q", ed.Status, ed.Title)
		}
	})

	t.Run("cancel and delete", func(t *testing.T) {
		other := newEvent(t, dir, "--as", "bob", "--title", "Borrel", "--start", "2026-12-18 17:00", "--end", "2026-12-18 19:00", "--online", "https://meet.example/borrel")
		r := kring(t, "event", "cancel", other, "--as", "bob", "--data", dir)
		wantOK(t, r)
		if want := "Cancelled \"Borrel\"; its participants and the servers that have it are told.\n"; r.stdout != want {
			t.Errorf("cancel = %q, want %q", r.stdout, want)
		}
		if got := eventListLine(t, dir, other); got[2] != "online" || got[5] != "cancelled" {
			t.Errorf("list line of the cancelled event = %q", got)
		}
		r = kring(t, "event", "cancel", other, "--as", "bob", "--data", dir)
		wantOK(t, r)
		if want := "\"Borrel\" is already cancelled.\n"; r.stdout != want {
			t.Errorf("second cancel = %q, want %q", r.stdout, want)
		}
		wantErrorContains(t, kring(t, "event", "delete", other, "--as", "alice", "--data", dir), 1, `alice does not organise "Borrel"`)
		wantOK(t, kring(t, "event", "delete", other, "--as", "bob", "--data", dir))
		if ev, err := db.EventByIRI(ctx, other); err != nil || !ev.Deleted {
			t.Errorf("after delete: %v, %v", ev, err)
		}
		if slices.Contains(allEvents(t, db), other) {
			t.Error("the deleted event is still listed")
		}
		wantError(t, kring(t, "event", "show", other, "--data", dir), 1, "no event "+other+" on this node",
			"kring event list shows this node's events and their ids (--all --past for every one)")
	})
}

// TestEventTimesAcrossDST: times are entered as clock times in the
// event's zone and stored in UTC with the offset of that date: the
// Netherlands move to summer time on 29 March 2026.
func TestEventTimesAcrossDST(t *testing.T) {
	t.Parallel()
	dir, db := eventNode(t)
	tests := []struct {
		start, end       string
		tz               string
		wantStart, wantE string
		listed           string
	}{
		{"2026-03-27 09:00", "2026-03-27 10:00", "Europe/Amsterdam", "2026-03-27T08:00:00Z", "2026-03-27T09:00:00Z", "2026-03-27 09:00 CET"},
		{"2026-03-30 09:00", "2026-03-30 10:00", "", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z", "2026-03-30 09:00 CEST"},
		// Across the night of the change: 01:30 CET to 03:30 CEST is one hour.
		{"2026-03-29 01:30", "2026-03-29 03:30", "Europe/Amsterdam", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29 01:30 CET"},
		{"2026-03-27 09:00", "2026-03-27 10:00", "Europe/London", "2026-03-27T09:00:00Z", "2026-03-27T10:00:00Z", "2026-03-27 09:00 GMT"},
		{"2026-12-14T09:00", "2026-12-14T10:00", "America/New_York", "2026-12-14T14:00:00Z", "2026-12-14T15:00:00Z", "2026-12-14 09:00 EST"},
	}
	for _, tt := range tests {
		args := []string{"--as", "alice", "--title", "Om " + tt.start, "--start", tt.start, "--end", tt.end}
		if tt.tz != "" {
			args = append(args, "--tz", tt.tz)
		}
		iri := newEvent(t, dir, args...)
		ev := storedEvent(t, db, iri)
		if !ev.Start.Equal(utc(tt.wantStart)) || !ev.End.Equal(utc(tt.wantE)) {
			t.Errorf("%s – %s in %q stored as %s – %s, want %s – %s", tt.start, tt.end, tt.tz, ev.Start.UTC(), ev.End.UTC(), tt.wantStart, tt.wantE)
		}
		var got []string
		if ev.Start.Before(time.Now()) {
			got = eventListLine(t, dir, iri, "--past")
		} else {
			got = eventListLine(t, dir, iri)
		}
		if got[0] != tt.listed {
			t.Errorf("%s in %q listed at %q, want %q", tt.start, tt.tz, got[0], tt.listed)
		}
	}
}

func TestEventErrors(t *testing.T) {
	t.Parallel()
	dir, db := eventNode(t)
	wantOK(t, kring(t, "user", "add", "sleeper", "--data", dir))
	wantOK(t, kring(t, "user", "suspend", "sleeper", "--data", dir))
	existing := newEvent(t, dir, "--as", "alice", "--title", "Bestaand", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00")
	before := allEvents(t, db)
	text := filepath.Join(t.TempDir(), "desc.md")
	if err := os.WriteFile(text, []byte("Uit een bestand."), 0o600); err != nil {
		t.Fatal(err)
	}

	newArgs := func(extra ...string) []string {
		return append([]string{"event", "new", "--as", "alice", "--title", "T", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, extra...)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		msg, try string // exact, when try is given
		fragment string // else a part of the message
	}{
		{name: "end before start", args: newArgs("--end", "2026-12-14 08:00"), code: 1,
			msg: "--end: the end must come after the start", try: `give an --end after the --start, e.g. --start "2026-12-14 09:00" --end "2026-12-14 10:00"`},
		{name: "unknown zone", args: newArgs("--tz", "Mars/Olympus"), code: 1,
			msg: `--tz: unknown time zone "Mars/Olympus": use a name such as Europe/Amsterdam`,
			try: "use an IANA zone name, e.g. --tz Europe/Amsterdam or --tz Europe/London"},
		{name: "external without --register", args: newArgs("--join", "external"), code: 1,
			msg: "--register: external registration needs the http or https address where people register",
			try: "give --register with the http or https address where people register, or another --join"},
		{name: "unreadable start", args: newArgs("--start", "x"), code: 1,
			msg: `--start: cannot read "x" as a date and time: write 2026-12-14 09:00`,
			try: `write the date and time as "2026-12-14 09:00", in the event's zone (--tz)`},
		{name: "unreadable end", args: newArgs("--end", "14 december"), code: 1,
			fragment: `--end: cannot read "14 december" as a date and time`},
		{name: "too long", args: newArgs("--end", "2027-01-14 10:00"), code: 1, fragment: "--end: an event lasts at most 14 days"},
		{name: "unknown join mode", args: newArgs("--join", "invite"), code: 1,
			msg: `--join: unknown join mode "invite": use open, approval or external`, try: "use --join open, approval or external"},
		{name: "unknown status", args: newArgs("--status", "maybe"), code: 1, fragment: `--status: unknown status "maybe"`},
		{name: "unknown language", args: newArgs("--lang", "de"), code: 1, fragment: `--lang: unsupported language "de"`},
		{name: "negative capacity", args: newArgs("--capacity", "-1"), code: 1, fragment: "--capacity: capacity must be between 0"},
		{name: "online not a web address", args: newArgs("--online", "zoom"), code: 1, fragment: "--online: the online link must be an http or https address"},
		{name: "latitude without longitude", args: newArgs("--lat", "52.1"), code: 2, msg: "give --lat and --lon together", try: "kring event new --help"},
		{name: "latitude out of range", args: newArgs("--lat", "152.1", "--lon", "4"), code: 1, fragment: "--lat/--lon: coordinates are out of range"},
		{name: "register with open joining", args: newArgs("--join", "open", "--register", "https://example.org"), code: 2,
			fragment: "--register is for --join external"},
		{name: "organisation by a member", args: newArgs("--organizer", "organisation"), code: 1,
			msg: "only admins organise events in the organisation's name", try: "leave out --organizer, or ask an admin"},
		{name: "unknown organiser", args: newArgs("--organizer", "club"), code: 1, fragment: `--organizer: unknown organiser "club"`},
		{name: "unknown cover", args: newArgs("--cover", "99"), code: 1, fragment: "--cover: image 99 is not one of your uploads"},
		{name: "text and file", args: newArgs("--text", "x", "--file", text), code: 2,
			msg: "give the description as --text TEXT or --file FILE, not both", try: "kring event new --help"},
		{name: "missing file", args: newArgs("--file", text+".gone"), code: 1, fragment: "cannot read " + text + ".gone"},
		{name: "no title", args: []string{"event", "new", "--as", "alice", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 2,
			msg: "--title is missing: an event needs a title", try: "kring event new --help"},
		{name: "no end", args: []string{"event", "new", "--as", "alice", "--title", "T", "--start", "2026-12-14 09:00"}, code: 2,
			fragment: "--end is missing"},
		{name: "no member", args: []string{"event", "new", "--title", "T", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 2,
			fragment: "--as is missing"},
		{name: "unknown member", args: []string{"event", "new", "--as", "nobody", "--title", "T", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 1,
			msg: `no member named "nobody"`, try: "kring user list shows the members"},
		{name: "suspended member", args: []string{"event", "new", "--as", "sleeper", "--title", "T", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 1,
			fragment: `member "sleeper" is suspended`},
		{name: "argument to new", args: newArgs("extra"), code: 2, fragment: `unexpected argument "extra"`},
		{name: "edit an unknown event", args: []string{"event", "edit", "https://kring.test/events/none", "--as", "alice", "--title", "X"}, code: 1,
			msg: "no event https://kring.test/events/none on this node", try: "kring event list shows this node's events and their ids (--all --past for every one)"},
		{name: "edit without an event", args: []string{"event", "edit", "--as", "alice"}, code: 2,
			msg: "missing EVENT", try: "kring event edit EVENT (see kring event edit --help)"},
		{name: "edit to end before start", args: []string{"event", "edit", existing, "--as", "alice", "--end", "2026-12-14 08:59"}, code: 1,
			fragment: "--end: the end must come after the start"},
		{name: "edit by someone else", args: []string{"event", "edit", existing, "--as", "bob", "--title", "X"}, code: 1,
			msg: `bob does not organise "Bestaand"`, try: "ask one of its organisers (alice) or an admin"},
		{name: "join an unknown event", args: []string{"event", "join", "42", "--as", "bob"}, code: 1, fragment: "no event 42 on this node"},
		{name: "leave without taking part", args: []string{"event", "leave", existing, "--as", "bob"}, code: 1, fragment: `bob does not take part in "Bestaand"`},
		{name: "list network and all", args: []string{"event", "list", "--network", "--all"}, code: 2, fragment: "give --network or --all, not both"},
		{name: "series without a rule", args: []string{"series", "new", "--as", "alice", "--title", "T", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 2,
			fragment: "--rrule is missing"},
		{name: "series with an hourly rule", args: []string{"series", "new", "--as", "alice", "--rrule", "FREQ=HOURLY", "--title", "T",
			"--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 1, fragment: `--rrule: the repeat rule "FREQ=HOURLY" repeats hourly`},
		{name: "series with a long horizon", args: []string{"series", "new", "--as", "alice", "--rrule", "FREQ=WEEKLY", "--horizon", "500", "--title", "T",
			"--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00"}, code: 1,
			msg: "--horizon: occurrences are made 1 to 104 weeks ahead", try: "give --horizon 1 to 104 weeks"},
		{name: "edit an unknown series", args: []string{"series", "edit", "7", "--as", "alice", "--title", "X"}, code: 1,
			msg: "no series 7 on this node", try: "kring series list shows the series and their ids"},
		{name: "unknown subcommand", args: []string{"event", "frob"}, code: 2, fragment: `unknown command "frob" for kring event`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := kring(t, append(tt.args, "--data", dir)...)
			if tt.try != "" {
				wantError(t, r, tt.code, tt.msg, tt.try)
			} else {
				wantErrorContains(t, r, tt.code, tt.fragment)
			}
		})
	}
	t.Cleanup(func() {
		if after := allEvents(t, db); !slices.Equal(after, before) {
			t.Errorf("refused commands stored events: before %q, after %q", before, after)
		}
		if ev := storedEvent(t, db, existing); ev.Title != "Bestaand" || ev.Sequence != 0 || !ev.End.Equal(utc("2026-12-14T09:00:00Z")) {
			t.Errorf("refused edits changed the event: title %q, sequence %d, end %s", ev.Title, ev.Sequence, ev.End)
		}
		if all, err := db.AllSeries(context.Background()); err != nil || len(all) != 0 {
			t.Errorf("refused series stored: %d series, %v", len(all), err)
		}
	})
}

// secondOrFourthMonday reports whether a date is the second or fourth
// Monday of its month.
func secondOrFourthMonday(d time.Time) bool {
	return d.Weekday() == time.Monday && ((d.Day() >= 8 && d.Day() <= 14) || (d.Day() >= 22 && d.Day() <= 28))
}

// wantedMondays are the 09:00 Amsterdam starts on second and fourth
// Mondays from first on that start in [from, to).
func wantedMondays(first, from, to time.Time) []time.Time {
	ams := content.LoadZone("Europe/Amsterdam")
	var out []time.Time
	for d := first.In(ams); d.Before(to); d = d.AddDate(0, 0, 1) {
		start := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, ams)
		if secondOrFourthMonday(d) && !start.Before(from) && start.Before(to) {
			out = append(out, start.UTC())
		}
	}
	return out
}

func TestSeriesCommands(t *testing.T) {
	t.Parallel()
	dir, db := eventNode(t)
	ctx := context.Background()
	ams := content.LoadZone("Europe/Amsterdam")

	// The first occurrence: the first second or fourth Monday at least a
	// day ahead, so that the test runs on any date.
	d := time.Now().In(ams).AddDate(0, 0, 1)
	for !secondOrFourthMonday(d) {
		d = d.AddDate(0, 0, 1)
	}
	first := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, ams)
	day := first.Format("2006-01-02")

	r := kring(t, "series", "list", "--data", dir)
	wantOK(t, r)
	if !strings.HasPrefix(r.stdout, "No series yet") {
		t.Errorf("empty series list:\n%s", r.stdout)
	}

	before := time.Now()
	r = kring(t, "series", "new", "--as", "alice", "--rrule", "FREQ=MONTHLY;BYDAY=2MO,4MO", "--horizon", "12", "--title", "Open Koffie",
		"--start", day+" 09:00", "--end", day+" 10:30", "--venue", "Stadhuis", "--capacity", "8", "--data", dir)
	wantOK(t, r)
	after := time.Now()
	id := printedID(t, r.stdout)
	if id != "1" {
		t.Errorf("series id %q, want 1", id)
	}
	s, err := db.SeriesByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.RRule != "FREQ=MONTHLY;BYDAY=2MO,4MO" || s.HorizonWeeks != 12 || s.Duration != 90*time.Minute || !s.FirstStart.Equal(first) {
		t.Errorf("stored series: rule %q, horizon %d, duration %s, first %s", s.RRule, s.HorizonWeeks, s.Duration, s.FirstStart)
	}
	occ, err := db.SeriesEvents(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	for _, ev := range occ {
		starts = append(starts, ev.Start)
		local := ev.LocalStart()
		if !secondOrFourthMonday(local) || local.Hour() != 9 || local.Minute() != 0 || ev.End.Sub(ev.Start) != 90*time.Minute {
			t.Errorf("occurrence %s starts %s, want 09:00 on a second or fourth Monday, for 90 minutes", ev.IRI, local)
		}
		if ev.Title != "Open Koffie" || ev.Place.Name != "Stadhuis" || ev.Capacity != 8 || ev.SeriesID != 1 || !ev.Local {
			t.Errorf("occurrence %s: %+v", ev.IRI, ev)
		}
		if !strings.Contains(r.stdout, "occurrence:") || !strings.Contains(r.stdout, ev.IRI) {
			t.Errorf("series new does not print the occurrence %s:\n%s", ev.IRI, r.stdout)
		}
	}
	horizon := 12 * 7 * 24 * time.Hour
	if a, b := wantedMondays(first, before, before.Add(horizon)), wantedMondays(first, after, after.Add(horizon)); !slices.EqualFunc(starts, a, time.Time.Equal) &&
		!slices.EqualFunc(starts, b, time.Time.Equal) {
		t.Errorf("occurrences start %v, want every second and fourth Monday at 09:00 within 12 weeks: %v", starts, a)
	}
	if len(starts) < 4 {
		t.Errorf("%d occurrences in 12 weeks, want at least 4", len(starts))
	}
	if got := regexp.MustCompile(`(?m)^occurrence:\s+Mon \d{4}-\d\d-\d\d 09:00 CES?T\s+https://kring\.test/events/\S+$`).FindAllString(r.stdout, -1); len(got) != len(occ) {
		t.Errorf("series new printed %d occurrence lines, want %d:\n%s", len(got), len(occ), r.stdout)
	}

	r = kring(t, "series", "list", "--data", dir)
	wantOK(t, r)
	if !regexp.MustCompile(`(?m)^1\s+FREQ=MONTHLY;BYDAY=2MO,4MO\s+` + day + ` 09:00 CES?T\s+Open Koffie\s+alice\s+` + fmt.Sprint(len(occ)) + `\s+` + day + ` 09:00`).MatchString(r.stdout) {
		t.Errorf("series list:\n%s", r.stdout)
	}

	// An occurrence edited by hand keeps its edit when the series changes.
	wantOK(t, kring(t, "event", "edit", occ[1].IRI, "--as", "alice", "--venue", "Bibliotheek", "--data", dir))
	r = kring(t, "series", "edit", "1", "--as", "alice", "--title", "Open Koffie Utrecht", "--capacity", "10", "--data", dir)
	wantOK(t, r)
	for i, ev := range occ {
		got := storedEvent(t, db, ev.IRI)
		wantVenue, wantTitle := "Stadhuis", "Open Koffie Utrecht"
		if i == 1 {
			wantVenue, wantTitle = "Bibliotheek", "Open Koffie"
		}
		if got.Title != wantTitle || got.Place.Name != wantVenue || !got.Start.Equal(ev.Start) || got.Cancelled() {
			t.Errorf("occurrence %d after the series edit: title %q, venue %q, start %s, status %s; want %q at %s, %s",
				i, got.Title, got.Place.Name, got.Start, got.Status, wantTitle, wantVenue, ev.Start)
		}
		if i != 1 && got.Capacity != 10 {
			t.Errorf("occurrence %d has capacity %d after the series edit, want 10", i, got.Capacity)
		}
	}
	wantErrorContains(t, kring(t, "series", "edit", "1", "--as", "bob", "--title", "Van mij", "--data", dir), 1, "bob did not start series 1")
}

func TestEventJoinLeave(t *testing.T) {
	t.Parallel()
	dir, db := eventNode(t)
	ctx := context.Background()
	iri := newEvent(t, dir, "--as", "alice", "--title", "Rondleiding", "--start", "2026-12-14 09:00", "--end", "2026-12-14 10:00", "--capacity", "1")
	ev := storedEvent(t, db, iri)
	actor := func(name string) string { return "https://kring.test/users/" + name }
	join := func(as string, extra ...string) string {
		t.Helper()
		r := kring(t, append([]string{"event", "join", iri, "--as", as, "--data", dir}, extra...)...)
		wantOK(t, r)
		return printedState(t, r.stdout)
	}
	states := func() map[string]content.ParticipationState {
		t.Helper()
		ps, err := db.Participants(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]content.ParticipationState{}
		for _, p := range ps {
			out[p.Actor] = p.State
		}
		return out
	}
	wantCounts := func(accepted, waiting int) {
		t.Helper()
		got := storedEvent(t, db, iri)
		if got.ParticipantCount != accepted || got.WaitingCount != waiting {
			t.Errorf("counts: %d accepted, %d waiting; want %d, %d", got.ParticipantCount, got.WaitingCount, accepted, waiting)
		}
	}

	if got := join("bob", "--message", "Ik kom graag"); got != "accepted" {
		t.Errorf("bob joins the empty event: %s, want accepted", got)
	}
	if got := join("carol"); got != "waiting" {
		t.Errorf("carol joins the full event: %s, want waiting", got)
	}
	if got := join("dave"); got != "waiting" {
		t.Errorf("dave joins the full event: %s, want waiting", got)
	}
	if got := join("carol"); got != "waiting" {
		t.Errorf("carol joins again: %s, want still waiting", got)
	}
	wantCounts(1, 2)
	if got := eventListLine(t, dir, iri); got[4] != "1/1, 2 waiting" {
		t.Errorf("list shows the participants as %q, want 1/1, 2 waiting", got[4])
	}
	r := kring(t, "event", "show", iri, "--data", dir)
	wantOK(t, r)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^participants:\s+1 accepted, 2 waiting, 0 pending$`),
		regexp.MustCompile(`(?m)^accepted\s+bob\s+https://kring\.test/users/bob\s+.*Ik kom graag$`),
		regexp.MustCompile(`(?m)^waiting\s+carol\s+https://kring\.test/users/carol\s`),
		regexp.MustCompile(`(?m)^waiting\s+dave\s+https://kring\.test/users/dave\s`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("event show does not match %s:\n%s", want, r.stdout)
		}
	}

	r = kring(t, "event", "leave", iri, "--as", "bob", "--data", dir)
	wantOK(t, r)
	if want := "bob no longer takes part in \"Rondleiding\".\nmoved up: " + actor("carol") + "\n"; r.stdout != want {
		t.Errorf("leave = %q, want %q", r.stdout, want)
	}
	st := states()
	if _, ok := st[actor("bob")]; ok || st[actor("carol")] != content.ParticipantAccepted || st[actor("dave")] != content.ParticipantWaiting {
		t.Errorf("after bob leaves: %v; want carol accepted, dave waiting, bob gone", st)
	}
	wantCounts(1, 1)
	carol, err := db.MemberByUsername(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := db.Notifications(ctx, carol.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ns, func(n content.Notification) bool { return n.Kind == content.NotifyEventAccepted && n.ObjectIRI == iri }) {
		t.Errorf("carol was not told she moved up: %+v", ns)
	}
	wantErrorContains(t, kring(t, "event", "leave", iri, "--as", "bob", "--data", dir), 1, `bob does not take part in "Rondleiding"`)

	// A waiting person who leaves frees no seat.
	wantOK(t, kring(t, "event", "leave", iri, "--as", "dave", "--data", dir))
	wantCounts(1, 0)

	t.Run("approval", func(t *testing.T) {
		iri := newEvent(t, dir, "--as", "alice", "--title", "Werksessie", "--start", "2026-12-16 13:00", "--end", "2026-12-16 17:00",
			"--join", "approval", "--capacity", "1")
		join := func(as string) string {
			t.Helper()
			r := kring(t, "event", "join", iri, "--as", as, "--data", dir)
			wantOK(t, r)
			return printedState(t, r.stdout)
		}
		for _, name := range []string{"bob", "carol", "dave"} {
			if got := join(name); got != "pending" {
				t.Errorf("%s asks to join: %s, want pending", name, got)
			}
		}
		wantErrorContains(t, kring(t, "event", "accept", iri, "bob", "--as", "carol", "--data", dir), 1, `carol does not organise "Werksessie"`)
		decide := func(verb, who string) string {
			t.Helper()
			r := kring(t, "event", verb, iri, who, "--as", "alice", "--data", dir)
			wantOK(t, r)
			return printedState(t, r.stdout)
		}
		if got := decide("accept", "bob"); got != "accepted" {
			t.Errorf("accept bob: %s", got)
		}
		if got := decide("accept", "@carol@kring.test"); got != "waiting" {
			t.Errorf("accept carol into the full event: %s, want waiting", got)
		}
		if got := decide("reject", actor("dave")); got != "rejected" {
			t.Errorf("reject dave: %s", got)
		}
		wantErrorContains(t, kring(t, "event", "reject", iri, "dave", "--as", "alice", "--data", dir), 1, "this request was answered already (rejected)")
		wantErrorContains(t, kring(t, "event", "accept", iri, "ada", "--as", "alice", "--data", dir), 1, `has not asked to join "Werksessie"`)
		got := storedEvent(t, db, iri)
		if got.ParticipantCount != 1 || got.WaitingCount != 1 || got.PendingCount != 0 {
			t.Errorf("counts after the decisions: %d accepted, %d waiting, %d pending; want 1, 1, 0", got.ParticipantCount, got.WaitingCount, got.PendingCount)
		}
	})

	t.Run("cancelled and external events take no one", func(t *testing.T) {
		cancelled := newEvent(t, dir, "--as", "alice", "--title", "Gaat niet door", "--start", "2026-12-17 09:00", "--end", "2026-12-17 10:00", "--status", "cancelled")
		wantErrorContains(t, kring(t, "event", "join", cancelled, "--as", "bob", "--data", dir), 1, "this event is cancelled")
		external := newEvent(t, dir, "--as", "alice", "--title", "Congres", "--start", "2026-12-17 09:00", "--end", "2026-12-17 17:00",
			"--register", "https://congres.example/aanmelden")
		if ev := storedEvent(t, db, external); ev.JoinMode != content.JoinExternal || ev.RegistrationURL != "https://congres.example/aanmelden" {
			t.Errorf("--register alone: join %q, register %q; want external", ev.JoinMode, ev.RegistrationURL)
		}
		wantError(t, kring(t, "event", "join", external, "--as", "bob", "--data", dir), 1,
			`people register for "Congres" elsewhere`, "register at https://congres.example/aanmelden")
	})
}
