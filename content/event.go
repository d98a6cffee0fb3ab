package content

import (
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // events name IANA zones; a node must not depend on the host's zoneinfo
	"unicode/utf8"
)

// DefaultTimeZone is where an event happens when its organiser names no
// zone: the network is Dutch.
const DefaultTimeZone = "Europe/Amsterdam"

// Limits on what an event may hold.
const (
	MaxEventTitleLen    = 200
	MaxEventBodyBytes   = MaxPostBodyBytes
	MaxEventSpeakers    = 20
	MaxEventCapacity    = 100000
	MaxPlaceFieldLen    = 200
	MaxPlaceNotesLen    = 500
	MaxEventDuration    = 14 * 24 * time.Hour
	DefaultHorizonWeeks = 12
	MaxHorizonWeeks     = 104
)

// JoinMode says how people take part. The values are Mobilizon's joinMode
// words, so that they federate as they are.
type JoinMode string

// The join modes. JoinInvite only arrives from other servers (Mobilizon).
const (
	JoinOpen     JoinMode = "free"       // anyone joins at once (or on the waiting list)
	JoinApproval JoinMode = "restricted" // the organiser accepts or rejects each request
	JoinExternal JoinMode = "external"   // registration happens elsewhere, at RegistrationURL
	JoinInvite   JoinMode = "invite"
)

// ParseJoinMode validates a join mode; it takes the words people use
// ("open", "approval") as well as Mobilizon's. Empty means open.
func ParseJoinMode(s string) (JoinMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "free", "open":
		return JoinOpen, nil
	case "restricted", "approval":
		return JoinApproval, nil
	case "external":
		return JoinExternal, nil
	case "invite":
		return JoinInvite, nil
	}
	return "", Errorf(KindInvalid, "join_mode", "event.join_mode", "unknown join mode %q: use open, approval or external", s)
}

// EventStatus is an event's iCalendar status, federated as ical:status.
type EventStatus string

// The statuses.
const (
	EventTentative EventStatus = "TENTATIVE"
	EventConfirmed EventStatus = "CONFIRMED"
	EventCancelled EventStatus = "CANCELLED"
)

// ParseEventStatus validates a status in any case; empty means confirmed.
func ParseEventStatus(s string) (EventStatus, error) {
	switch st := EventStatus(strings.ToUpper(strings.TrimSpace(s))); st {
	case "":
		return EventConfirmed, nil
	case EventTentative, EventConfirmed, EventCancelled:
		return st, nil
	}
	return "", Errorf(KindInvalid, "status", "event.status", "unknown status %q: use tentative, confirmed or cancelled", s)
}

// OrganizerKind says what kind of actor organises an event.
type OrganizerKind string

// The organiser kinds: a member, a forum (its Group), the organisation
// actor, or an actor on another server (received events).
const (
	OrganizerMember       OrganizerKind = "member"
	OrganizerForum        OrganizerKind = "forum"
	OrganizerOrganisation OrganizerKind = "organisation"
	OrganizerRemote       OrganizerKind = "remote"
)

// Place is where an event happens. Coordinates are set when HasGeo is.
type Place struct {
	Name       string  `json:"name,omitempty"`
	Street     string  `json:"street,omitempty"`
	PostalCode string  `json:"postalCode,omitempty"`
	City       string  `json:"city,omitempty"`
	Region     string  `json:"region,omitempty"`
	Country    string  `json:"country,omitempty"`
	Notes      string  `json:"notes,omitempty"` // room, access, how to get in
	HasGeo     bool    `json:"hasGeo,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	Lon        float64 `json:"lon,omitempty"`
}

// IsZero reports whether no place is given.
func (p Place) IsZero() bool {
	return p.Name == "" && p.Street == "" && p.PostalCode == "" && p.City == "" &&
		p.Region == "" && p.Country == "" && p.Notes == "" && !p.HasGeo
}

// Line is the place on one line, as an agenda shows it and iCalendar's
// LOCATION holds it: "Venue, Street 1, 2511 AB City".
func (p Place) Line() string {
	var parts []string
	for _, s := range []string{p.Name, p.Street, strings.TrimSpace(p.PostalCode + " " + p.City), p.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// Speaker is someone who speaks at an event: a member, an actor on
// another server, or just a name.
type Speaker struct {
	Name   string `json:"name"`
	Actor  string `json:"actor,omitempty"`  // actor IRI, when the speaker has one
	URL    string `json:"url,omitempty"`    // the profile people click
	Handle string `json:"handle,omitempty"` // user@host, as the organiser typed it
}

// Event is a meeting: written here (Local) or received from another server.
// Start and End are UTC; TimeZone is where the event happens, and is how
// times are entered and shown.
type Event struct {
	ID    int64
	IRI   string
	Local bool

	// A series occurrence knows its series and the start the rule gave it
	// (iCalendar's RECURRENCE-ID). EditedByHand marks an occurrence changed
	// on its own: editing the series leaves it alone.
	SeriesID        int64
	OccurrenceStart time.Time
	EditedByHand    bool

	Title   string
	Body    string // Markdown, for local events
	Content string // sanitised HTML
	Summary string // plain text: when and where, in words, in the event's language

	Start    time.Time
	End      time.Time
	TimeZone string

	Place     Place
	OnlineURL string

	Organizer     string // actor IRI
	OrganizerKind OrganizerKind
	OrganizerName string
	CreatorID     int64 // the member who wrote it; 0 for received events

	Speakers        []Speaker
	Capacity        int // 0: no limit
	JoinMode        JoinMode
	RegistrationURL string // for JoinExternal
	Status          EventStatus
	Tags            []string // lower case, without '#'
	CoverMediaID    int64
	CoverURL        string
	CoverAlt        string
	Language        Language
	Sequence        int // iCalendar SEQUENCE: raised on every change

	ParticipantCount int // accepted
	WaitingCount     int
	PendingCount     int

	URL       string // the HTML page
	Published time.Time
	Updated   time.Time
	Deleted   bool
}

// Zone is the event's time zone; an unknown name falls back to the
// default zone rather than to UTC, which would show wrong times.
func (e *Event) Zone() *time.Location { return LoadZone(e.TimeZone) }

// LocalStart and LocalEnd are the event's times where it happens.
func (e *Event) LocalStart() time.Time { return e.Start.In(e.Zone()) }

// LocalEnd is the end in the event's zone.
func (e *Event) LocalEnd() time.Time { return e.End.In(e.Zone()) }

// IsOnline reports whether the event happens online only.
func (e *Event) IsOnline() bool { return e.OnlineURL != "" && e.Place.IsZero() }

// Cancelled reports whether the event is called off.
func (e *Event) Cancelled() bool { return e.Status == EventCancelled }

// Full reports whether every seat is taken.
func (e *Event) Full() bool { return e.Capacity > 0 && e.ParticipantCount >= e.Capacity }

// RemainingSeats is what is left of the capacity; -1 means no limit.
func (e *Event) RemainingSeats() int {
	if e.Capacity == 0 {
		return -1
	}
	return max(0, e.Capacity-e.ParticipantCount)
}

// Past reports whether the event has ended by now.
func (e *Event) Past(now time.Time) bool { return !e.End.After(now) }

// LoadZone loads an IANA zone, or the default zone for an unknown name.
// Zones are kept once loaded: time.LoadLocation parses the zone data on
// every call (~40 µs), and pages, feeds and documents ask for an event's
// zone once per event. Only names that load are kept, so names sent by
// other servers cannot grow the cache.
func LoadZone(name string) *time.Location {
	if loc, ok := loadedZones.Load(name); ok {
		return loc.(*time.Location)
	}
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			loadedZones.Store(name, loc)
			return loc
		}
	}
	if name == DefaultTimeZone {
		return time.UTC // the embedded zone data always has it; unreachable
	}
	return LoadZone(DefaultTimeZone)
}

var loadedZones sync.Map // zone name → *time.Location

// ParseTimeZone validates an IANA zone name; empty means the default.
func ParseTimeZone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return DefaultTimeZone, nil
	}
	if name == "Local" {
		return "", Errorf(KindInvalid, "time_zone", "event.time_zone", "unknown time zone %q: use a name such as Europe/Amsterdam", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", Errorf(KindInvalid, "time_zone", "event.time_zone", "unknown time zone %q: use a name such as Europe/Amsterdam", name)
	}
	return name, nil
}

// ParseLocalTime reads a wall-clock time as a form or the CLI gives it
// ("2026-12-14T09:00", "2026-12-14 09:00") in the event's zone. Across
// the autumn clock change a time that happens twice is taken the first
// time; in the spring gap Go moves it forward, as people expect.
func ParseLocalTime(s, zone string) (time.Time, error) {
	s = strings.TrimSpace(s)
	loc := LoadZone(zone)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return firstOfTwice(t).UTC(), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, Errorf(KindInvalid, "start", "event.time", "cannot read %q as a date and time: write 2026-12-14 09:00", s)
}

// ValidateEvent checks what a member wrote (or a series gives) before it
// is stored. It normalises as it goes: trimmed text, a known zone, a
// status and a join mode.
func ValidateEvent(e *Event) error {
	e.Title = strings.TrimSpace(e.Title)
	switch {
	case e.Title == "":
		return Errorf(KindInvalid, "title", "event.title_empty", "an event needs a title")
	case utf8.RuneCountInString(e.Title) > MaxEventTitleLen || strings.ContainsAny(e.Title, "\r\n"):
		return Errorf(KindInvalid, "title", "event.title_long", "the title must be one line of at most %d characters", MaxEventTitleLen)
	case len(e.Body) > MaxEventBodyBytes:
		return Errorf(KindInvalid, "body", "event.body_long", "the description is longer than %d KiB", MaxEventBodyBytes>>10)
	case e.Start.IsZero():
		return Errorf(KindInvalid, "start", "event.start_missing", "an event needs a start time")
	case e.End.IsZero() || !e.End.After(e.Start):
		return Errorf(KindInvalid, "end", "event.end_before_start", "the end must come after the start")
	case e.End.Sub(e.Start) > MaxEventDuration:
		return Errorf(KindInvalid, "end", "event.too_long", "an event lasts at most %d days", int(MaxEventDuration.Hours()/24))
	case e.Capacity < 0 || e.Capacity > MaxEventCapacity:
		return Errorf(KindInvalid, "capacity", "event.capacity", "capacity must be between 0 (no limit) and %d", MaxEventCapacity)
	case len(e.Speakers) > MaxEventSpeakers:
		return Errorf(KindInvalid, "speakers", "event.speakers_many", "an event has at most %d speakers", MaxEventSpeakers)
	}
	zone, err := ParseTimeZone(e.TimeZone)
	if err != nil {
		return err
	}
	e.TimeZone = zone
	if e.Status, err = ParseEventStatus(string(e.Status)); err != nil {
		return err
	}
	if e.JoinMode, err = ParseJoinMode(string(e.JoinMode)); err != nil {
		return err
	}
	if err := validatePlace(&e.Place); err != nil {
		return err
	}
	e.OnlineURL = strings.TrimSpace(e.OnlineURL)
	if e.OnlineURL != "" && !isWebURL(e.OnlineURL) {
		return Errorf(KindInvalid, "online_url", "event.online_url", "the online link must be an http or https address")
	}
	e.RegistrationURL = strings.TrimSpace(e.RegistrationURL)
	switch {
	case e.JoinMode == JoinExternal && !isWebURL(e.RegistrationURL):
		return Errorf(KindInvalid, "registration_url", "event.registration_url", "external registration needs the http or https address where people register")
	case e.JoinMode != JoinExternal:
		e.RegistrationURL = ""
	}
	return validateSpeakers(e.Speakers)
}

func validatePlace(p *Place) error {
	for _, f := range []*string{&p.Name, &p.Street, &p.PostalCode, &p.City, &p.Region, &p.Country} {
		*f = strings.TrimSpace(*f)
		if utf8.RuneCountInString(*f) > MaxPlaceFieldLen || strings.ContainsAny(*f, "\r\n") {
			return Errorf(KindInvalid, "place", "event.place_long", "each part of the address is one line of at most %d characters", MaxPlaceFieldLen)
		}
	}
	p.Notes = strings.TrimSpace(p.Notes)
	if utf8.RuneCountInString(p.Notes) > MaxPlaceNotesLen {
		return Errorf(KindInvalid, "place_notes", "event.place_notes_long", "the room and access notes are longer than %d characters", MaxPlaceNotesLen)
	}
	if p.HasGeo && (p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180) {
		return Errorf(KindInvalid, "geo", "event.geo", "coordinates are out of range (latitude -90..90, longitude -180..180)")
	}
	return nil
}

func validateSpeakers(ss []Speaker) error {
	for i := range ss {
		ss[i].Name = strings.TrimSpace(ss[i].Name)
		if ss[i].Name == "" && ss[i].Actor == "" {
			return Errorf(KindInvalid, "speakers", "event.speaker_empty", "a speaker needs a name")
		}
		if utf8.RuneCountInString(ss[i].Name) > MaxPlaceFieldLen || strings.ContainsAny(ss[i].Name, "\r\n") {
			return Errorf(KindInvalid, "speakers", "event.speaker_long", "a speaker's name is one line of at most %d characters", MaxPlaceFieldLen)
		}
		if ss[i].URL != "" && !isWebURL(ss[i].URL) {
			ss[i].URL = ""
		}
	}
	return nil
}

// isWebURL reports whether s is an absolute http or https URL.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ParticipationState is where someone stands with an event.
type ParticipationState string

// The participation states. Waiting people move up in the order they
// came when a seat frees; pending people wait for the organiser.
const (
	ParticipantAccepted ParticipationState = "accepted"
	ParticipantPending  ParticipationState = "pending"
	ParticipantWaiting  ParticipationState = "waiting"
	ParticipantRejected ParticipationState = "rejected"
)

// Participant is one person's participation in an event: a local member
// (MemberID set) or an actor on another server.
type Participant struct {
	ID        int64
	EventID   int64
	Actor     string // actor IRI
	MemberID  int64
	Name      string
	State     ParticipationState
	JoinIRI   string // the Join activity: Accept, Reject and Undo name it
	Message   string
	CreatedAt time.Time
}

// Series is a recurring event: an RRULE (RFC 5545) over a first start in
// a time zone. Its occurrences are real events, made a horizon ahead.
type Series struct {
	ID           int64
	RRule        string // e.g. "FREQ=MONTHLY;BYDAY=2MO,4MO"
	TimeZone     string
	FirstStart   time.Time // UTC; its wall clock in TimeZone is what repeats
	Duration     time.Duration
	HorizonWeeks int
	Template     Event // what each new occurrence starts from (title, body, place, ...)
	CreatorID    int64
	Created      time.Time
	Updated      time.Time
}

// Horizon is how far ahead occurrences are made.
func (s *Series) Horizon() time.Duration {
	w := s.HorizonWeeks
	if w <= 0 {
		w = DefaultHorizonWeeks
	}
	return time.Duration(w) * 7 * 24 * time.Hour
}
