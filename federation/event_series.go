package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

// A series (say "Open Koffie", every second and fourth Monday) is a rule
// over a first occurrence. Its occurrences are real events made a horizon
// ahead, each federated on its own as it is made, each with its own page,
// participants and, once edited by hand, its own place and speakers.

// SeriesInput is a series as its organiser writes it: the first
// occurrence (Start, End) and what every occurrence starts from.
type SeriesInput struct {
	EventInput
	RRule        string
	HorizonWeeks int
}

// SaveSeries creates or edits a series and makes its occurrences up to the
// horizon. Editing it updates the future occurrences not edited by hand;
// one the rule no longer gives is cancelled (its participants are told).
func (n *Node) SaveSeries(ctx context.Context, m *content.Member, existing *content.Series, in SeriesInput) (*content.Series, error) {
	var was *content.Event
	if existing != nil {
		// The template as an existing event: an admin's edit keeps the
		// series' organiser and its creator.
		t := existing.Template
		t.Local, t.CreatorID = true, existing.CreatorID
		was = &t
	}
	tmpl, err := n.buildEvent(ctx, m, was, in.EventInput)
	if err != nil {
		return nil, err
	}
	s := &content.Series{CreatorID: m.ID}
	if existing != nil {
		if existing.CreatorID != m.ID && m.Role != content.RoleAdmin {
			return nil, content.Errorf(content.KindForbidden, "", "series.not_yours", "only the series' organiser can change it")
		}
		cp := *existing
		s = &cp
	}
	s.RRule, s.TimeZone, s.FirstStart = in.RRule, tmpl.TimeZone, tmpl.Start
	s.Duration, s.HorizonWeeks, s.Template = tmpl.End.Sub(tmpl.Start), in.HorizonWeeks, *tmpl
	s.Template.IRI, s.Template.URL, s.Template.Summary = "", "", ""
	if err := content.ValidateSeries(s); err != nil {
		return nil, err
	}
	if err := n.db.SaveSeries(ctx, s); err != nil {
		return nil, fmt.Errorf("save series %q: %w", s.Template.Title, err)
	}
	if err := n.materialise(ctx, s, n.now()); err != nil {
		return s, err
	}
	return s, nil
}

// ExtendSeries makes every series' occurrences up to its horizon from now:
// the node runs it now and then, so that a series never runs dry.
func (n *Node) ExtendSeries(ctx context.Context, now time.Time) error {
	all, err := n.db.AllSeries(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range all {
		if err := n.materialise(ctx, s, now); err != nil {
			errs = append(errs, fmt.Errorf("series %d: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

// materialise brings a series' future occurrences in line with it: makes
// those missing up to the horizon, updates those that follow the series,
// and cancels those the rule no longer gives.
func (n *Node) materialise(ctx context.Context, s *content.Series, now time.Time) error {
	starts, err := s.Occurrences(now, now.Add(s.Horizon()))
	if err != nil {
		return err
	}
	held, err := n.db.SeriesEvents(ctx, s.ID)
	if err != nil {
		return err
	}
	byStart := make(map[int64]*content.Event, len(held))
	byDay := make(map[string]*content.Event, len(held))
	zone := content.LoadZone(s.TimeZone)
	for _, ev := range held {
		byStart[ev.OccurrenceStart.UnixMilli()] = ev
		byDay[ev.OccurrenceStart.In(zone).Format(time.DateOnly)] = ev
	}
	wanted := make(map[int64]bool, len(starts))
	for _, start := range starts {
		wanted[start.UnixMilli()] = true
		ev, ok := byStart[start.UnixMilli()]
		if !ok {
			// The series moved to another time of day: its occurrence
			// on that day moves with it, keeping its participants.
			if ev, ok = byDay[start.In(zone).Format(time.DateOnly)]; ok && !ev.EditedByHand && !wanted[ev.OccurrenceStart.UnixMilli()] {
				ev.OccurrenceStart = start
				wanted[start.UnixMilli()] = true
			} else {
				ok = false
			}
		}
		if ok {
			if err := n.followSeries(ctx, s, ev); err != nil {
				return err
			}
			continue
		}
		// A conflict is an occurrence deleted by hand: it stays deleted.
		if err := n.newOccurrence(ctx, s, start); err != nil && content.KindOf(err) != content.KindConflict {
			return err
		}
	}
	for _, ev := range held {
		if ev.OccurrenceStart.After(now) && !wanted[ev.OccurrenceStart.UnixMilli()] && !ev.EditedByHand && !ev.Cancelled() &&
			ev.OccurrenceStart.Before(now.Add(s.Horizon())) {
			if err := n.dropOccurrence(ctx, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *Node) newOccurrence(ctx context.Context, s *content.Series, start time.Time) error {
	ev := s.NewOccurrence(start)
	ev.IRI = n.iris.Event(newID())
	n.renderEvent(ev, s.Template.Tags)
	return n.publishEvent(ctx, nil, ev)
}

// followSeries updates an occurrence that was not edited by hand to what
// the series now says.
func (n *Node) followSeries(ctx context.Context, s *content.Series, ev *content.Event) error {
	if ev.EditedByHand || ev.Deleted {
		return nil
	}
	cp := *ev
	if !s.ApplyTemplate(&cp) {
		return nil
	}
	n.renderEvent(&cp, s.Template.Tags)
	return n.publishEvent(ctx, ev, &cp)
}

// dropOccurrence cancels an occurrence the rule no longer gives, so that
// whoever signed up hears of it rather than finding it gone.
func (n *Node) dropOccurrence(ctx context.Context, ev *content.Event) error {
	cp := *ev
	cp.Status = content.EventCancelled
	cp.Summary = content.EventWhenWhere(&cp, cp.Language)
	return n.publishEvent(ctx, ev, &cp)
}
