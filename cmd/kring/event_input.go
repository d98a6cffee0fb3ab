package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
)

func readEventFields(c *cli.Context) eventFields {
	f := eventFields{set: map[string]bool{}}
	for _, name := range c.FlagNames() {
		if c.IsSet(name) {
			f.set[name] = true
		}
	}
	f.title, f.start, f.end, f.tz = c.String("title"), c.String("start"), c.String("end"), c.String("tz")
	f.text, f.file = c.String("text"), c.String("file")
	f.venue, f.street, f.postalCode, f.city, f.country = c.String("venue"), c.String("street"), c.String("postal-code"), c.String("city"), c.String("country")
	f.room, f.lat, f.lon, f.online = c.String("room"), c.String("lat"), c.String("lon"), c.String("online")
	f.organizer, f.join, f.register, f.status = c.String("organizer"), c.String("join"), c.String("register"), c.String("status")
	f.tags, f.lang, f.capacity, f.cover = c.String("tags"), c.String("lang"), c.Int("capacity"), c.Int64("cover")
	f.rrule, f.horizon, f.message = c.String("rrule"), c.Int("horizon"), c.String("message")
	f.past, f.network, f.all = c.Bool("past"), c.Bool("network"), c.Bool("all")
	if l, ok := c.Generic("speaker").(*repeated); ok && l != nil {
		for _, sp := range *l {
			if sp != "" {
				f.speakers = append(f.speakers, sp)
			}
		}
	}
	return f
}

// checkEventFlags refuses a command line that lacks what its command needs
// or holds what it cannot use, before anything is opened.
func checkEventFlags(c *cli.Context, f eventFields) error {
	newOne := c.Command.Name == "new"
	series := strings.HasPrefix(helpName(c), "kring series")
	switch {
	case newOne && strings.TrimSpace(f.title) == "":
		return usageError(c, "--title is missing: an event needs a title")
	case newOne && strings.TrimSpace(f.start) == "":
		return usageError(c, `--start is missing: give when it starts, e.g. --start "2026-12-14 09:00"`)
	case newOne && strings.TrimSpace(f.end) == "":
		return usageError(c, `--end is missing: give when it ends, e.g. --end "2026-12-14 10:00"`)
	case newOne && series && strings.TrimSpace(f.rrule) == "":
		return usageError(c, `--rrule is missing: give the repeat rule, e.g. --rrule "FREQ=MONTHLY;BYDAY=2MO,4MO"`)
	case f.set["text"] && f.set["file"]:
		return usageError(c, "give the description as --text TEXT or --file FILE, not both")
	case f.set["lat"] != f.set["lon"]:
		return usageError(c, "give --lat and --lon together")
	case f.set["register"] && f.set["join"] && strings.TrimSpace(f.register) != "" && !isExternal(f.join):
		return usageError(c, "--register is for --join external: people register at that address instead of here")
	}
	return nil
}

func isExternal(join string) bool {
	mode, err := content.ParseJoinMode(join)
	return err == nil && mode == content.JoinExternal
}

// eventInput applies the flags given to base: an empty input for a new
// event, the stored event (or a series' template) for an edit. Bad values
// are refused here, with the flag's name, before anything is written.
func (f eventFields) eventInput(base federation.EventInput, s streams) (federation.EventInput, error) {
	in := base
	set := f.set
	if set["title"] {
		in.Title = f.title
	}
	if set["text"] || set["file"] {
		text := f.text
		if f.file != "" {
			var err error
			if text, err = readTextFile(f.file, s.in); err != nil {
				return in, err
			}
		}
		in.Body = text
	}
	if err := f.applyTimes(&in, base); err != nil {
		return in, err
	}
	if err := f.applyPlace(&in); err != nil {
		return in, err
	}
	if set["online"] {
		in.OnlineURL = strings.TrimSpace(f.online)
	}
	if set["organizer"] {
		in.Organizer = strings.TrimSpace(f.organizer)
	}
	if set["speaker"] {
		in.Speakers = f.speakers
	}
	if set["capacity"] {
		in.Capacity = f.capacity
	}
	if set["join"] {
		mode, err := content.ParseJoinMode(f.join)
		if err == nil && mode == content.JoinInvite {
			err = content.Errorf(content.KindInvalid, "join_mode", "event.join_mode", "unknown join mode %q: use open, approval or external", f.join)
		}
		if err != nil {
			return in, eventFlagError(err)
		}
		in.JoinMode = mode
	}
	if set["register"] {
		in.RegistrationURL = strings.TrimSpace(f.register)
		if in.RegistrationURL != "" && !set["join"] {
			in.JoinMode = content.JoinExternal // --register alone: people register there
		}
	}
	if set["status"] {
		st, err := content.ParseEventStatus(f.status)
		if err != nil {
			return in, eventFlagError(err)
		}
		in.Status = st
	}
	if set["tags"] {
		in.Tags = splitTags(f.tags)
	}
	if set["cover"] {
		in.CoverID = f.cover
	}
	if set["lang"] {
		lang, err := content.ParseLanguage(f.lang)
		if err != nil {
			return in, eventFlagError(err)
		}
		in.Language = lang
	}
	return in, nil
}

func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '#' })
}

// applyTimes reads --tz, --start and --end in the event's zone. On an
// edit, a new zone alone keeps the clock times (09:00 stays 09:00, now in
// the new zone), and a new start alone keeps the length.
func (f eventFields) applyTimes(in *federation.EventInput, base federation.EventInput) error {
	zone := base.TimeZone
	if zone == "" {
		zone = content.DefaultTimeZone
	}
	if f.set["tz"] {
		z, err := content.ParseTimeZone(f.tz)
		if err != nil {
			return eventFlagError(err)
		}
		if !base.Start.IsZero() {
			if in.Start, err = sameClock(base.Start, zone, z); err != nil {
				return err
			}
			if in.End, err = sameClock(base.End, zone, z); err != nil {
				return err
			}
		}
		zone = z
	}
	in.TimeZone = zone
	if f.set["start"] {
		t, err := content.ParseLocalTime(f.start, zone)
		if err != nil {
			return timeFlagError("--start", err)
		}
		if !f.set["end"] && !base.Start.IsZero() {
			in.End = t.Add(base.End.Sub(base.Start))
		}
		in.Start = t
	}
	if f.set["end"] {
		t, err := content.ParseLocalTime(f.end, zone)
		if err != nil {
			return timeFlagError("--end", err)
		}
		in.End = t
	}
	return nil
}

// sameClock is the instant that shows t's clock time in from as the same
// clock time in to.
func sameClock(t time.Time, from, to string) (time.Time, error) {
	return content.ParseLocalTime(t.In(content.LoadZone(from)).Format("2006-01-02 15:04:05"), to)
}

func (f eventFields) applyPlace(in *federation.EventInput) error {
	p := &in.Place
	for name, field := range map[string]*string{"venue": &p.Name, "street": &p.Street, "postal-code": &p.PostalCode,
		"city": &p.City, "country": &p.Country, "room": &p.Notes} {
		if f.set[name] {
			*field = map[string]string{"venue": f.venue, "street": f.street, "postal-code": f.postalCode,
				"city": f.city, "country": f.country, "room": f.room}[name]
		}
	}
	if !f.set["lat"] {
		return nil
	}
	if strings.TrimSpace(f.lat) == "" && strings.TrimSpace(f.lon) == "" {
		p.HasGeo, p.Lat, p.Lon = false, 0, 0
		return nil
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(f.lat), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(f.lon), 64)
	if err1 != nil || err2 != nil {
		return failure("give decimal degrees, e.g. --lat 52.0799 --lon 4.3113", "--lat %q --lon %q: cannot read the coordinates as numbers", f.lat, f.lon)
	}
	p.HasGeo, p.Lat, p.Lon = true, lat, lon
	return nil
}

// inputFromEvent is what an edit starts from: the stored event as the
// organiser would write it again. Speakers with an actor become handles
// again and the tags only the extra ones (the description's own come back
// from it), so that saving it unchanged changes nothing.
func inputFromEvent(ctx context.Context, env *actingEnv, ev *content.Event) federation.EventInput {
	return federation.EventInput{
		Title: ev.Title, Body: ev.Body, Start: ev.Start, End: ev.End, TimeZone: ev.TimeZone, Place: ev.Place,
		OnlineURL: ev.OnlineURL, Speakers: speakerLines(ctx, env, ev.Speakers), Capacity: ev.Capacity,
		JoinMode: ev.JoinMode, RegistrationURL: ev.RegistrationURL, Status: ev.Status,
		Tags: extraTags(env, ev), CoverID: ev.CoverMediaID, Language: ev.Language,
	}
}

// speakerLines turns stored speakers back into what the organiser typed:
// "@member", "@user@host" or the name.
func speakerLines(ctx context.Context, env *actingEnv, ss []content.Speaker) []string {
	iris := env.fed.IRIs()
	var out []string
	for _, sp := range ss {
		line := sp.Name
		if sp.Actor != "" {
			if name, ok := iris.LocalUsername(sp.Actor); ok {
				line = "@" + name
			} else if a, err := env.db.RemoteActor(ctx, sp.Actor); err == nil && a.Username != "" {
				host := a.Host
				if host == "" {
					host = hostOf(sp.Actor)
				}
				line = "@" + a.Username + "@" + host
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// extraTags are an event's tags that its description does not hold.
func extraTags(env *actingEnv, ev *content.Event) []string {
	iris := env.fed.IRIs()
	found := content.RenderMarkdown(ev.Body, content.MarkdownOptions{TagURL: iris.Tag, LocalHost: iris.Host()}).Tags
	var out []string
	for _, t := range ev.Tags {
		if !slices.Contains(found, t) {
			out = append(out, t)
		}
	}
	return out
}

func hostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return u.Host
}

// explainEventError gives the domain errors of events the flag at fault
// and a fix; exitError prints the others as they are.
func explainEventError(err error, as string) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	switch e.Code {
	case "event.not_organizer":
		return failure("ask one of the event's organisers or an admin", "%s: %s", as, e.Message)
	case "event.cancelled":
		return failure("kring event list shows the upcoming events", "%s", e.Message)
	case "event.past":
		return failure("kring event list shows the upcoming events", "%s", e.Message)
	case "event.invite_only", "event.join_external":
		return failure("ask the organisers", "%s", e.Message)
	case "event.not_pending":
		return failure("kring event show EVENT shows who takes part and in which state", "%s", e.Message)
	case "event.org_admin_only":
		return failure("leave out --organizer, or ask an admin", "%s", e.Message)
	case "forum.not_found":
		return failure("kring forum list shows the forums", "--organizer: %s", e.Message)
	case "forum.not_moderator":
		return failure("a forum's events are organised by its moderators: kring forum moderator add NAME "+as, "--organizer: %s", e.Message)
	}
	if e.Field != "" {
		return eventFlagError(err)
	}
	return err
}

// eventFieldFlags name the flag behind an input field, and say how to fix it.
var eventFieldFlags = map[string]struct{ flag, try string }{
	"title":            {"--title", "give a title of one line"},
	"body":             {"--text", "shorten the description"},
	"start":            {"--start", `write the date and time as "2026-12-14 09:00", in the event's zone (--tz)`},
	"end":              {"--end", `give an --end after the --start, e.g. --start "2026-12-14 09:00" --end "2026-12-14 10:00"`},
	"duration":         {"--end", `give an --end after the --start, e.g. --start "2026-12-14 09:00" --end "2026-12-14 10:00"`},
	"time_zone":        {"--tz", "use an IANA zone name, e.g. --tz Europe/Amsterdam or --tz Europe/London"},
	"join_mode":        {"--join", "use --join open, approval or external"},
	"status":           {"--status", "use --status tentative, confirmed or cancelled"},
	"registration_url": {"--register", "give --register with the http or https address where people register, or another --join"},
	"online_url":       {"--online", "give the http or https address where people take part"},
	"place":            {"--venue/--street/--postal-code/--city/--country", "give each part of the address on one line"},
	"place_notes":      {"--room", "shorten the room and access notes"},
	"geo":              {"--lat/--lon", "give the latitude (-90..90) and longitude (-180..180) in decimal degrees"},
	"capacity":         {"--capacity", fmt.Sprintf("give the number of seats, 0 (no limit) to %d", content.MaxEventCapacity)},
	"speakers":         {"--speaker", "give each speaker as @member, @user@host or a name"},
	"cover":            {"--cover", "kring media list --as NAME shows the member's uploads and their ids"},
	"organizer":        {"--organizer", "leave out --organizer, or use organisation or forum:NAME"},
	"language":         {"--lang", "use --lang nl or --lang en"},
	"rrule":            {"--rrule", `write the rule as e.g. --rrule "FREQ=MONTHLY;BYDAY=2MO,4MO" (every second and fourth Monday)`},
	"horizon_weeks":    {"--horizon", fmt.Sprintf("give --horizon 1 to %d weeks", content.MaxHorizonWeeks)},
}

// eventFlagError names the flag in a domain error about an input field:
// "--tz: unknown time zone ...".
func eventFlagError(err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	if ff, ok := eventFieldFlags[e.Field]; ok {
		return failure(ff.try, "%s: %s", ff.flag, e.Message)
	}
	if e.Field != "" {
		return failure("correct --"+strings.ReplaceAll(e.Field, "_", "-"), "%s", e.Message)
	}
	return err
}

// timeFlagError names the flag a time was given in: ParseLocalTime does
// not know whether it read --start or --end.
func timeFlagError(flag string, err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	return failure(`write the date and time as "2026-12-14 09:00", in the event's zone (--tz)`, "%s: %s", flag, e.Message)
}
