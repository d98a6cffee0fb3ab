package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

func runSeriesNew(ctx context.Context, cfg eventConfig, s streams) error {
	in, err := cfg.fields.eventInput(federation.EventInput{}, s)
	if err != nil {
		return err
	}
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	si := federation.SeriesInput{EventInput: in, RRule: cfg.fields.rrule, HorizonWeeks: cfg.fields.horizon}
	series, err := env.fed.SaveSeries(ctx, env.member, nil, si)
	if err != nil && series == nil {
		return explainEventError(err, cfg.As)
	}
	return printSeries(ctx, s, env.db, series, "Started", err)
}

func runSeriesEdit(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	id, err := strconv.ParseInt(strings.TrimSpace(cfg.Args[0]), 10, 64)
	var existing *content.Series
	if err == nil {
		existing, err = env.db.SeriesByID(ctx, id)
	}
	if err != nil {
		return failure("kring series list shows the series and their ids", "no series %s on this node", cfg.Args[0])
	}
	if existing.CreatorID != env.member.ID && env.member.Role != content.RoleAdmin {
		return failure("ask the member who started it, or an admin", "%s did not start series %d", env.member.Username, existing.ID)
	}
	base := inputFromEvent(ctx, env, &existing.Template)
	base.Start, base.End, base.TimeZone = existing.FirstStart, existing.FirstStart.Add(existing.Duration), existing.TimeZone
	base.Organizer = organizerWord(env.fed.IRIs(), &existing.Template)
	in, err := cfg.fields.eventInput(base, s)
	if err != nil {
		return err
	}
	si := federation.SeriesInput{EventInput: in, RRule: existing.RRule, HorizonWeeks: existing.HorizonWeeks}
	if cfg.fields.set["rrule"] {
		si.RRule = cfg.fields.rrule
	}
	if cfg.fields.set["horizon"] {
		si.HorizonWeeks = cfg.fields.horizon
	}
	series, err := env.fed.SaveSeries(ctx, env.member, existing, si)
	if err != nil && series == nil {
		return explainEventError(err, cfg.As)
	}
	return printSeries(ctx, s, env.db, series, "Changed", err)
}

// organizerWord is how a series' template names its organiser in
// EventInput: the organisation, a forum, or "" for a member.
func organizerWord(iris federation.IRIs, t *content.Event) string {
	switch t.OrganizerKind {
	case content.OrganizerOrganisation:
		return "organisation"
	case content.OrganizerForum:
		if name, ok := iris.LocalGroup(t.Organizer); ok {
			return "forum:" + name
		}
	}
	return ""
}

// printSeries prints a series' id and its upcoming occurrences. A series
// saved whose occurrences could not all be made is reported after them.
func printSeries(ctx context.Context, s streams, db *storage.DB, series *content.Series, verb string, made error) error {
	events, err := db.SeriesEvents(ctx, series.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	var upcoming []*content.Event
	for _, ev := range events {
		if ev.End.After(now) {
			upcoming = append(upcoming, ev)
		}
	}
	fmt.Fprintf(s.out, "%s series %d %q (%s), occurrences up to %d weeks ahead.\nid: %d\n", verb, series.ID, series.Template.Title,
		series.RRule, series.HorizonWeeks, series.ID)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	for _, ev := range upcoming {
		flags := ""
		if ev.Cancelled() {
			flags = "  cancelled"
		} else if ev.EditedByHand {
			flags = "  edited by hand"
		}
		fmt.Fprintf(tw, "occurrence:\t%s\t%s%s\n", ev.LocalStart().Format("Mon "+listTime), ev.IRI, flags)
	}
	tw.Flush()
	if made != nil {
		return explainEventError(fmt.Errorf("series %d is saved, but not every occurrence was made (the running kring serve tries again): %w", series.ID, made), "")
	}
	return nil
}

func runSeriesList(ctx context.Context, cfg commonConfig, s streams) error {
	db, _, err := openNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.AllSeries(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(s.out, `No series yet: kring series new --as NAME --rrule "FREQ=MONTHLY;BYDAY=2MO,4MO" --title T --start ... --end ... starts one.`)
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRULE\tFIRST START\tTITLE\tORGANISER\tUPCOMING\tNEXT")
	for _, se := range all {
		events, err := db.SeriesEvents(ctx, se.ID)
		if err != nil {
			return err
		}
		upcoming, next := 0, "-"
		for _, ev := range events {
			if ev.End.After(now) && !ev.Cancelled() {
				if upcoming == 0 {
					next = ev.LocalStart().Format(listTime)
				}
				upcoming++
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", se.ID, se.RRule, se.FirstStart.In(content.LoadZone(se.TimeZone)).Format(listTime),
			oneLine(se.Template.Title, 50), oneLine(firstOf(se.Template.OrganizerName, se.Template.Organizer), 30), upcoming, next)
	}
	return tw.Flush()
}
