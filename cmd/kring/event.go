package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// The `kring event` and `kring series` commands write, change and list
// events as the web's agenda does, through the same federation calls: what
// they queue, a running `kring serve` delivers.

// listTime is how a table shows a start: in the event's own zone, with the
// zone's abbreviation, so that an event in London reads as it does there.
const listTime = "2006-01-02 15:04 MST"

// eventRefUsage says what an EVENT argument may be.
const eventRefUsage = "EVENT is the event's id (…/events/…), its page (…/agenda/…) or its number on this node"

// eventFields are the event flags as given; set says which were given, so
// that an edit changes only those.
type eventFields struct {
	set                                      map[string]bool
	title, start, end, tz, text, file        string
	venue, street, postalCode, city, country string
	room, lat, lon, online, organizer, join  string
	register, status, tags, lang             string
	speakers                                 []string
	capacity                                 int
	cover                                    int64
	rrule                                    string
	horizon                                  int
	message                                  string
	past, network, all                       bool
}

// eventConfig is what the event and series commands need.
type eventConfig struct {
	actingConfig
	Args   []string
	fields eventFields
}

// repeated is a repeatable flag whose values may hold commas ("Jansen, J."):
// each use adds one value; a variable adds one per line.
type repeated []string

func (l *repeated) Set(v string) error {
	for _, s := range strings.Split(v, "\n") {
		*l = append(*l, strings.TrimSpace(s))
	}
	return nil
}

func (l *repeated) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ", ")
}

// eventFlags are the flags that describe an event, for event new and edit
// and for series new and edit.
func eventFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "title", Usage: "the event's title", EnvVars: []string{"KRING_EVENT_TITLE"}},
		&cli.StringFlag{Name: "start", Usage: `when it starts, in the event's zone: "2026-12-14 09:00"`, EnvVars: []string{"KRING_EVENT_START"}},
		&cli.StringFlag{Name: "end", Usage: `when it ends, in the event's zone: "2026-12-14 10:00" (edit: moving --start alone keeps the length)`, EnvVars: []string{"KRING_EVENT_END"}},
		&cli.StringFlag{Name: "tz", Usage: "the time zone where it happens, as an IANA name (default " + content.DefaultTimeZone + "; edit: the times keep their clock time)", EnvVars: []string{"KRING_EVENT_TZ"}},
		&cli.StringFlag{Name: "text", Usage: "the description, in Markdown", EnvVars: []string{"KRING_EVENT_TEXT"}},
		&cli.StringFlag{Name: "file", Usage: "read the description from FILE (- for standard input)", EnvVars: []string{"KRING_EVENT_FILE"}},
		&cli.StringFlag{Name: "venue", Usage: "the place's name, e.g. \"Stadhuis\"", EnvVars: []string{"KRING_EVENT_VENUE"}},
		&cli.StringFlag{Name: "street", Usage: "street and number", EnvVars: []string{"KRING_EVENT_STREET"}},
		&cli.StringFlag{Name: "postal-code", Usage: "postal code", EnvVars: []string{"KRING_EVENT_POSTAL_CODE"}},
		&cli.StringFlag{Name: "city", Usage: "city", EnvVars: []string{"KRING_EVENT_CITY"}},
		&cli.StringFlag{Name: "country", Usage: "country", EnvVars: []string{"KRING_EVENT_COUNTRY"}},
		&cli.StringFlag{Name: "room", Usage: "room, access, how to get in", EnvVars: []string{"KRING_EVENT_ROOM"}},
		&cli.StringFlag{Name: "lat", Usage: "the place's latitude, e.g. 52.0799 (with --lon; empty on edit: no coordinates)", EnvVars: []string{"KRING_EVENT_LAT"}},
		&cli.StringFlag{Name: "lon", Usage: "the place's longitude, e.g. 4.3113 (with --lat)", EnvVars: []string{"KRING_EVENT_LON"}},
		&cli.StringFlag{Name: "online", Usage: "the address where people take part online", EnvVars: []string{"KRING_EVENT_ONLINE"}},
		&cli.StringFlag{Name: "organizer", Usage: "who organises it: the member (default), organisation (admins) or forum:NAME (its moderators)", EnvVars: []string{"KRING_EVENT_ORGANIZER"}},
		&cli.GenericFlag{Name: "speaker", Value: &repeated{}, Usage: `a speaker: "@member", "@user@host" or a name; repeat for more (edit: replaces them all; --speaker "" removes them)`, EnvVars: []string{"KRING_EVENT_SPEAKERS"}},
		&cli.IntFlag{Name: "capacity", Usage: "the number of seats; 0 for no limit (a full event keeps a waiting list)", EnvVars: []string{"KRING_EVENT_CAPACITY"}},
		&cli.StringFlag{Name: "join", Usage: "how people take part: open, approval (the organisers accept each request) or external (with --register)", EnvVars: []string{"KRING_EVENT_JOIN"}},
		&cli.StringFlag{Name: "register", Usage: "the address where people register, for --join external", EnvVars: []string{"KRING_EVENT_REGISTER"}},
		&cli.StringFlag{Name: "status", Usage: "tentative, confirmed (default) or cancelled", EnvVars: []string{"KRING_EVENT_STATUS"}},
		&cli.StringFlag{Name: "tags", Usage: "extra hashtags, separated by commas or spaces", EnvVars: []string{"KRING_EVENT_TAGS"}},
		&cli.Int64Flag{Name: "cover", Usage: "id of the member's uploaded image to show as the cover (kring media list; 0: none)", EnvVars: []string{"KRING_EVENT_COVER"}},
		&cli.StringFlag{Name: "lang", Usage: "the event's language: nl or en (default: the member's)", EnvVars: []string{"KRING_EVENT_LANG"}},
	}
}

// seriesFlags are the flags a series has beyond an event's.
func seriesFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "rrule", Usage: `the repeat rule (RFC 5545), e.g. "FREQ=MONTHLY;BYDAY=2MO,4MO"`, EnvVars: []string{"KRING_SERIES_RRULE"}},
		&cli.IntFlag{Name: "horizon", Usage: fmt.Sprintf("how many weeks ahead occurrences are made, 1–%d (default %d)", content.MaxHorizonWeeks, content.DefaultHorizonWeeks),
			EnvVars: []string{"KRING_SERIES_HORIZON"}},
	}
}

func eventCommand(s streams) *cli.Command {
	writeFlags := func() []cli.Flag { return append(actingFlags(), eventFlags()...) }
	return &cli.Command{
		Name:  "event",
		Usage: "write, change, list and join events; a running kring serve delivers what they send",
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "write an event as a member; prints its id and its page",
				UsageText: `kring event new --as NAME --title T --start "2026-12-14 09:00" --end "2026-12-14 10:00" [--tz ZONE] [--text T | --file F] [--venue V --street S --city C ...] [--online URL] [--capacity N] [--join open|approval|external] [--data DIR]`,
				Flags:     writeFlags(),
				Action:    eventAction(s, nil, runEventNew),
			},
			{
				Name:      "edit",
				Usage:     "change an event: only the flags given change; participants hear of a new time, place or status",
				UsageText: "kring event edit EVENT --as NAME [event flags] [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags:     writeFlags(),
				Action:    eventAction(s, []string{"EVENT"}, runEventEdit),
			},
			{
				Name:      "cancel",
				Usage:     "call an event off: it stays listed as cancelled, and its participants are told",
				UsageText: "kring event cancel EVENT --as NAME [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags:     actingFlags(),
				Action:    eventAction(s, []string{"EVENT"}, runEventCancel),
			},
			{
				Name:      "delete",
				Usage:     "delete an event: servers that got it are told, and its id answers 410 Gone",
				UsageText: "kring event delete EVENT --as NAME [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags:     actingFlags(),
				Action:    eventAction(s, []string{"EVENT"}, runEventDelete),
			},
			{
				Name:      "list",
				Usage:     "list upcoming events: this node's (default), those received from other servers (--network) or both (--all)",
				UsageText: "kring event list [--past] [--network | --all] [--data DIR]",
				Flags: append(commonFlags(),
					&cli.BoolFlag{Name: "past", Usage: "events that have ended, newest first", EnvVars: []string{"KRING_EVENT_PAST"}},
					&cli.BoolFlag{Name: "network", Usage: "events received from other servers", EnvVars: []string{"KRING_EVENT_NETWORK"}},
					&cli.BoolFlag{Name: "all", Usage: "this node's events and those received", EnvVars: []string{"KRING_EVENT_ALL"}}),
				Action: eventListAction(s),
			},
			{
				Name:      "show",
				Usage:     "show an event and who takes part; an address on another server is fetched from it",
				UsageText: "kring event show EVENT [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags:     append(commonFlags(), resolveFlag()),
				Action:    eventShowAction(s),
			},
			{
				Name:      "join",
				Usage:     "take part in an event as a member, also one on another server (by its address); prints the state",
				UsageText: "kring event join EVENT --as NAME [--message M] [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags: append(actingFlags(),
					&cli.StringFlag{Name: "message", Usage: "a message to the organisers", EnvVars: []string{"KRING_EVENT_MESSAGE"}}),
				Action: eventAction(s, []string{"EVENT"}, runEventJoin),
			},
			{
				Name:      "leave",
				Usage:     "no longer take part; a freed seat goes to the first on the waiting list",
				UsageText: "kring event leave EVENT --as NAME [--data DIR]\n" + eventRefUsage,
				ArgsUsage: "EVENT",
				Flags:     actingFlags(),
				Action:    eventAction(s, []string{"EVENT"}, runEventLeave),
			},
			eventDecideCommand(s, true),
			eventDecideCommand(s, false),
		},
	}
}

func eventDecideCommand(s streams, accept bool) *cli.Command {
	name, usage := "accept", "accept a request to join an event that needs approval (its organisers)"
	if !accept {
		name, usage = "reject", "reject a request to join an event that needs approval (its organisers)"
	}
	return &cli.Command{
		Name:  name,
		Usage: usage,
		UsageText: "kring event " + name + " EVENT ACTOR --as NAME [--data DIR]\n" + eventRefUsage +
			"; ACTOR is an actor's id, user@host or a member's username",
		ArgsUsage: "EVENT ACTOR",
		Flags:     actingFlags(),
		Action: eventAction(s, []string{"EVENT", "ACTOR"}, func(ctx context.Context, cfg eventConfig, s streams) error {
			return runEventDecide(ctx, cfg, accept, s)
		}),
	}
}

func seriesCommand(s streams) *cli.Command {
	writeFlags := func() []cli.Flag { return append(append(actingFlags(), eventFlags()...), seriesFlags()...) }
	return &cli.Command{
		Name:  "series",
		Usage: "recurring events: a repeat rule over a first occurrence; each occurrence is an event of its own",
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "start a series; --start and --end give the first occurrence; prints the series' id and the occurrences made",
				UsageText: `kring series new --as NAME --rrule "FREQ=MONTHLY;BYDAY=2MO,4MO" [--horizon WEEKS] --title T --start "2026-12-14 09:00" --end "2026-12-14 10:00" [event flags] [--data DIR]`,
				Flags:     writeFlags(),
				Action:    eventAction(s, nil, runSeriesNew),
			},
			{
				Name:      "edit",
				Usage:     "change a series: only the flags given change; future occurrences not edited by hand follow",
				UsageText: "kring series edit ID --as NAME [--rrule R] [--horizon WEEKS] [event flags] [--data DIR]",
				ArgsUsage: "ID",
				Flags:     writeFlags(),
				Action:    eventAction(s, []string{"ID"}, runSeriesEdit),
			},
			{
				Name:      "list",
				Usage:     "list the series: rule, first start, title, organiser, upcoming occurrences",
				UsageText: "kring series list [--data DIR]",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runSeriesList(c.Context, common, s)
				},
			},
		},
	}
}

// eventAction reads the flags the acting event commands share, checks the
// command line and runs fn.
func eventAction(s streams, args []string, fn func(context.Context, eventConfig, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		var values []string
		var err error
		if len(args) > 0 {
			values, err = needArgs(c, args...)
		} else {
			err = noArgs(c)
		}
		if err != nil {
			return err
		}
		acting, err := actingConfigFrom(c)
		if err != nil {
			return err
		}
		cfg := eventConfig{actingConfig: acting, Args: values, fields: readEventFields(c)}
		if err := checkEventFlags(c, cfg.fields); err != nil {
			return err
		}
		return fn(c.Context, cfg, s)
	}
}

func runEventNew(ctx context.Context, cfg eventConfig, s streams) error {
	in, err := cfg.fields.eventInput(federation.EventInput{}, s)
	if err != nil {
		return err
	}
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := env.fed.SaveEvent(ctx, env.member, nil, in)
	if err != nil {
		return explainEventError(err, cfg.As)
	}
	printSaved(s, ev)
	return nil
}

// printSaved prints an event's id and page, on the first two lines as
// `thread new` does, then when and where.
func printSaved(s streams, ev *content.Event) {
	fmt.Fprintf(s.out, "id:   %s\npage: %s\nwhen: %s\n", ev.IRI, ev.URL, content.EventWhenWhere(ev, content.LanguageEnglish))
}

func runEventEdit(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := manageableEvent(ctx, env, cfg.Args[0])
	if err != nil {
		return err
	}
	in, err := cfg.fields.eventInput(inputFromEvent(ctx, env, ev), s)
	if err != nil {
		return err
	}
	saved, err := env.fed.SaveEvent(ctx, env.member, ev, in)
	if err != nil {
		return explainEventError(err, cfg.As)
	}
	printSaved(s, saved)
	return nil
}

func runEventCancel(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := manageableEvent(ctx, env, cfg.Args[0])
	if err != nil {
		return err
	}
	if ev.Cancelled() {
		fmt.Fprintf(s.out, "%q is already cancelled.\n", ev.Title)
		return nil
	}
	if _, err := env.fed.CancelEvent(ctx, env.member, ev); err != nil {
		return explainEventError(err, cfg.As)
	}
	fmt.Fprintf(s.out, "Cancelled %q; its participants and the servers that have it are told.\n", ev.Title)
	return nil
}

func runEventDelete(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := manageableEvent(ctx, env, cfg.Args[0])
	if err != nil {
		return err
	}
	if err := env.fed.DeleteEvent(ctx, env.member, ev); err != nil {
		return explainEventError(err, cfg.As)
	}
	fmt.Fprintf(s.out, "Deleted %q; the servers that have it are told, and %s answers 410 Gone.\n", ev.Title, ev.IRI)
	return nil
}

// manageableEvent finds one of this node's events that the member may
// change.
func manageableEvent(ctx context.Context, env *actingEnv, ref string) (*content.Event, error) {
	ev, err := findEvent(ctx, env.db, env.fed, ref, false)
	if err != nil {
		return nil, err
	}
	if !ev.Local {
		return nil, failure("ask its organisers on "+hostOf(ev.IRI), "%q is organised on %s: only that server changes it", ev.Title, hostOf(ev.IRI))
	}
	if !env.fed.CanManageEvent(ctx, env.member, ev) {
		return nil, notOrganiser(env.member.Username, ev)
	}
	return ev, nil
}

func notOrganiser(username string, ev *content.Event) error {
	return failure("ask one of its organisers ("+firstOf(ev.OrganizerName, ev.Organizer)+") or an admin",
		"%s does not organise %q", username, ev.Title)
}

func firstOf(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// findEvent finds an event by what a person typed: its id, its page here
// (/agenda/TOKEN, or /agenda/e/N for one received), or its number on this
// node. With fetch, an address on another server that is not held here is
// fetched from that server.
func findEvent(ctx context.Context, db *storage.DB, fed *federation.Node, ref string, fetch bool) (*content.Event, error) {
	ref = strings.TrimSpace(ref)
	notHere := func() error {
		return failure("kring event list shows this node's events and their ids (--all --past for every one)", "no event %s on this node", ref)
	}
	base := fed.IRIs().Base()
	var ev *content.Event
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		ev, err = db.EventByID(ctx, id)
	} else if rest, ok := strings.CutPrefix(ref, base+"/agenda/e/"); ok {
		id, perr := strconv.ParseInt(strings.Trim(rest, "/"), 10, 64)
		if perr != nil {
			return nil, notHere()
		}
		ev, err = db.EventByID(ctx, id)
	} else if rest, ok := strings.CutPrefix(ref, base+"/agenda/"); ok {
		token, _, _ := strings.Cut(strings.Trim(rest, "/"), "?")
		ev, err = db.EventByIRI(ctx, fed.IRIs().Event(token))
	} else if ev, err = db.EventByIRI(ctx, ref); content.KindOf(err) == content.KindNotFound && fetch && isWebAddress(ref) && !fed.IRIs().IsLocal(ref) {
		ev, err = fed.LookupEvent(ctx, ref)
		if err != nil {
			if _, ok := content.AsError(err); !ok {
				return nil, failure("check the address; the event's server must be reachable", "cannot fetch an event from %s: %v", ref, err)
			}
		}
	}
	if content.KindOf(err) == content.KindNotFound || (err == nil && ev.Deleted) {
		return nil, notHere()
	}
	if err != nil {
		return nil, err
	}
	return ev, nil
}
