package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
)

func isWebAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func eventListAction(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		if c.Bool("network") && c.Bool("all") {
			return usageError(c, "give --network or --all, not both")
		}
		return runEventList(c.Context, common, eventFields{past: c.Bool("past"), network: c.Bool("network"), all: c.Bool("all")}, s)
	}
}

func runEventList(ctx context.Context, cfg commonConfig, f eventFields, s streams) error {
	db, _, err := openNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	filter := storage.EventFilter{Scope: "local", Past: f.past, Limit: 200}
	switch {
	case f.all:
		filter.Scope = ""
	case f.network:
		filter.Scope = "network"
	}
	if !f.past {
		filter.From = time.Now()
	}
	events, err := db.Events(ctx, filter)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		which := map[string]string{"local": "of this node", "network": "received from other servers", "": ""}[filter.Scope]
		when := "upcoming"
		if f.past {
			when = "past"
		}
		fmt.Fprintf(s.out, "No %s events %s.\n", when, which)
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tTITLE\tWHERE\tORGANISER\tPARTICIPANTS\tSTATUS\tID")
	for _, ev := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.LocalStart().Format(listTime), oneLine(ev.Title, 50), eventWhere(ev),
			oneLine(firstOf(ev.OrganizerName, ev.Organizer), 30), eventSeats(ev), strings.ToLower(string(ev.Status)), ev.IRI)
	}
	return tw.Flush()
}

// eventWhere is an event's place on one line, "online", both, or "-".
func eventWhere(ev *content.Event) string {
	place := oneLine(ev.Place.Line(), 50)
	switch {
	case place != "" && ev.OnlineURL != "":
		return place + " + online"
	case place != "":
		return place
	case ev.OnlineURL != "":
		return "online"
	}
	return "-"
}

// eventSeats is "taken/capacity" ("taken" without a limit), with the waiting
// list and open requests.
func eventSeats(ev *content.Event) string {
	out := strconv.Itoa(ev.ParticipantCount)
	if ev.Capacity > 0 {
		out += "/" + strconv.Itoa(ev.Capacity)
	}
	if ev.WaitingCount > 0 {
		out += fmt.Sprintf(", %d waiting", ev.WaitingCount)
	}
	if ev.PendingCount > 0 {
		out += fmt.Sprintf(", %d pending", ev.PendingCount)
	}
	return out
}

func eventShowAction(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		values, err := needArgs(c, "EVENT")
		if err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		resolve, err := parseResolve(c.StringSlice("resolve"))
		if err != nil {
			return err
		}
		return runEventShow(c.Context, common, resolve, values[0], s)
	}
}

func runEventShow(ctx context.Context, cfg commonConfig, resolve map[string]string, ref string, s streams) error {
	db, node, err := openNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fed, err := newFederation(db, node, fedOptions{Resolve: resolve}, newLogger(s.err, cfg))
	if err != nil {
		return err
	}
	ev, err := findEvent(ctx, db, fed, ref, true)
	if err != nil {
		return err
	}
	ps, err := db.Participants(ctx, ev.ID)
	if err != nil {
		return err
	}
	printEvent(s.out, ev)
	if len(ps) == 0 {
		if ev.Local {
			fmt.Fprintln(s.out, "\nNobody takes part yet.")
		} else {
			fmt.Fprintln(s.out, "\nNo member of this node takes part.")
		}
		return nil
	}
	fmt.Fprintln(s.out)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tNAME\tACTOR\tSINCE\tMESSAGE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.State, oneLine(firstOf(p.Name, p.Actor), 30), p.Actor, formatTime(p.CreatedAt), orDash(oneLine(p.Message, 40)))
	}
	return tw.Flush()
}

func printEvent(w io.Writer, ev *content.Event) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(tw, "%s\t%s\n", label+":", value)
		}
	}
	zone := ev.Zone()
	line("title", ev.Title)
	line("when", content.FormatTimeRange(ev.Start, ev.End, zone, content.LanguageEnglish)+" ("+zone.String()+")")
	line("starts", ev.Start.UTC().Format(time.RFC3339))
	line("ends", ev.End.UTC().Format(time.RFC3339))
	line("where", ev.Place.Line())
	line("room", oneLine(ev.Place.Notes, 100))
	if ev.Place.HasGeo {
		line("coordinates", strconv.FormatFloat(ev.Place.Lat, 'f', -1, 64)+", "+strconv.FormatFloat(ev.Place.Lon, 'f', -1, 64))
	}
	line("online", ev.OnlineURL)
	line("organiser", firstOf(ev.OrganizerName, ev.Organizer)+" ("+ev.Organizer+")")
	var speakers []string
	for _, sp := range ev.Speakers {
		if sp.Actor != "" {
			speakers = append(speakers, sp.Name+" ("+sp.Actor+")")
		} else {
			speakers = append(speakers, sp.Name)
		}
	}
	line("speakers", strings.Join(speakers, "; "))
	line("status", strings.ToLower(string(ev.Status)))
	line("joining", joinWords(ev))
	capacity := "no limit"
	if ev.Capacity > 0 {
		capacity = fmt.Sprintf("%d (%d left)", ev.Capacity, ev.RemainingSeats())
	}
	line("capacity", capacity)
	line("participants", fmt.Sprintf("%d accepted, %d waiting, %d pending", ev.ParticipantCount, ev.WaitingCount, ev.PendingCount))
	line("tags", strings.Join(ev.Tags, ", "))
	line("language", string(ev.Language))
	if ev.SeriesID != 0 {
		line("series", strconv.FormatInt(ev.SeriesID, 10))
	}
	line("number", strconv.FormatInt(ev.ID, 10))
	line("id", ev.IRI)
	line("page", ev.URL)
	tw.Flush()
	if ev.Body != "" {
		fmt.Fprintf(w, "\n%s\n", ev.Body)
	} else if !ev.Local && ev.Content != "" {
		fmt.Fprintf(w, "\n%s\n", content.HTMLToText(ev.Content))
	}
}

func joinWords(ev *content.Event) string {
	switch ev.JoinMode {
	case content.JoinApproval:
		return "approval: the organisers accept each request"
	case content.JoinExternal:
		return "external: register at " + firstOf(ev.RegistrationURL, "the organisers' site")
	case content.JoinInvite:
		return "by invitation only"
	}
	return "open"
}
