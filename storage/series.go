package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

// seriesTemplate is what a series keeps of its template event: what each
// new occurrence starts from. Times, ids, counts and the text that names
// the time (Summary) belong to each occurrence and are left out.
type seriesTemplate struct {
	Title           string                `json:"title"`
	Body            string                `json:"body,omitempty"`
	Content         string                `json:"content,omitempty"`
	TimeZone        string                `json:"timeZone,omitempty"`
	Place           content.Place         `json:"place"`
	OnlineURL       string                `json:"onlineUrl,omitempty"`
	Organizer       string                `json:"organizer,omitempty"`
	OrganizerKind   content.OrganizerKind `json:"organizerKind,omitempty"`
	OrganizerName   string                `json:"organizerName,omitempty"`
	CreatorID       int64                 `json:"creatorId,omitempty"`
	Speakers        []content.Speaker     `json:"speakers,omitempty"`
	Capacity        int                   `json:"capacity,omitempty"`
	JoinMode        content.JoinMode      `json:"joinMode,omitempty"`
	RegistrationURL string                `json:"registrationUrl,omitempty"`
	Status          content.EventStatus   `json:"status,omitempty"`
	Tags            []string              `json:"tags,omitempty"`
	CoverMediaID    int64                 `json:"coverMediaId,omitempty"`
	CoverURL        string                `json:"coverUrl,omitempty"`
	CoverAlt        string                `json:"coverAlt,omitempty"`
	Language        content.Language      `json:"language,omitempty"`
}

func templateJSON(e *content.Event) (string, error) {
	b, err := json.Marshal(seriesTemplate{Title: e.Title, Body: e.Body, Content: e.Content, TimeZone: e.TimeZone, Place: e.Place,
		OnlineURL: e.OnlineURL, Organizer: e.Organizer, OrganizerKind: e.OrganizerKind, OrganizerName: e.OrganizerName,
		CreatorID: e.CreatorID, Speakers: e.Speakers, Capacity: e.Capacity, JoinMode: e.JoinMode, RegistrationURL: e.RegistrationURL,
		Status: e.Status, Tags: e.Tags, CoverMediaID: e.CoverMediaID, CoverURL: e.CoverURL, CoverAlt: e.CoverAlt, Language: e.Language})
	if err != nil {
		return "", fmt.Errorf("encode series template: %w", err)
	}
	return string(b), nil
}

func templateEvent(s string) (content.Event, error) {
	var t seriesTemplate
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return content.Event{}, fmt.Errorf("decode series template: %w", err)
	}
	return content.Event{Title: t.Title, Body: t.Body, Content: t.Content, TimeZone: t.TimeZone, Place: t.Place,
		OnlineURL: t.OnlineURL, Organizer: t.Organizer, OrganizerKind: t.OrganizerKind, OrganizerName: t.OrganizerName,
		CreatorID: t.CreatorID, Speakers: t.Speakers, Capacity: t.Capacity, JoinMode: t.JoinMode, RegistrationURL: t.RegistrationURL,
		Status: t.Status, Tags: t.Tags, CoverMediaID: t.CoverMediaID, CoverURL: t.CoverURL, CoverAlt: t.CoverAlt, Language: t.Language}, nil
}

const seriesColumns = `id, rrule, time_zone, first_start, duration_ms, horizon_weeks, template, creator_id, created_at, updated_at`

func scanSeries(row rowScanner) (*content.Series, error) {
	var s content.Series
	var first, duration, created, updated int64
	var template string
	err := row.Scan(&s.ID, &s.RRule, &s.TimeZone, &first, &duration, &s.HorizonWeeks, &template, &s.CreatorID, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.FirstStart, s.Duration = fromMillis(first), time.Duration(duration)*time.Millisecond
	s.Created, s.Updated = fromMillis(created), fromMillis(updated)
	if s.Template, err = templateEvent(template); err != nil {
		return nil, fmt.Errorf("series %d: %w", s.ID, err)
	}
	return &s, nil
}

// SaveSeries inserts a series (ID 0: sets ID and Created) or updates one;
// Updated is set either way.
func (db *DB) SaveSeries(ctx context.Context, s *content.Series) error {
	if s.Duration < time.Millisecond {
		return content.Errorf(content.KindInvalid, "duration", "series.duration", "a series' events need a duration")
	}
	template, err := templateJSON(&s.Template)
	if err != nil {
		return err
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	s.FirstStart = s.FirstStart.UTC().Truncate(time.Millisecond)
	args := []any{s.RRule, s.TimeZone, millis(s.FirstStart), s.Duration.Milliseconds(), s.HorizonWeeks, template, s.CreatorID, millis(now)}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if s.ID == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO event_series (rrule, time_zone, first_start, duration_ms, horizon_weeks, template,
				creator_id, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, append(args, millis(now))...).Scan(&s.ID)
			if err != nil {
				return fmt.Errorf("store series %q: %w", s.RRule, err)
			}
			s.Created, s.Updated = now, now
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE event_series SET rrule = ?, time_zone = ?, first_start = ?, duration_ms = ?, horizon_weeks = ?,
			template = ?, creator_id = ?, updated_at = ? WHERE id = ?`, append(args, s.ID)...)
		if err != nil {
			return fmt.Errorf("update series %d: %w", s.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("series")
		}
		s.Updated = now
		return nil
	})
}

// SeriesByID returns a series.
func (db *DB) SeriesByID(ctx context.Context, id int64) (*content.Series, error) {
	s, err := scanSeries(db.queryRow(ctx, "SELECT "+seriesColumns+" FROM event_series WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("series")
	}
	if err != nil {
		return nil, fmt.Errorf("read series %d: %w", id, err)
	}
	return s, nil
}

// AllSeries returns every series in the order they were made, for the job
// that keeps each one's occurrences a horizon ahead.
func (db *DB) AllSeries(ctx context.Context) ([]*content.Series, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+seriesColumns+" FROM event_series ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	defer rows.Close()
	var out []*content.Series
	for rows.Next() {
		s, err := scanSeries(rows)
		if err != nil {
			return nil, fmt.Errorf("list series: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	return out, nil
}

// SeriesEvents lists a series' live occurrences by the start the rule
// gave them, for the series generator to see what exists.
func (db *DB) SeriesEvents(ctx context.Context, seriesID int64) ([]*content.Event, error) {
	return db.eventList(ctx, "SELECT "+eventColumns+` FROM events e WHERE e.series_id = ? AND e.deleted = 0
		ORDER BY e.occurrence_start, e.id`, seriesID)
}
