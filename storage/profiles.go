package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"kring/content"
)

// The topic lists of member_topics.
const (
	topicsProfile = "profile"
	topicsSpeaker = "speaker"
)

// Profile returns a member's profile: an empty, unlisted one when the
// member never filled it in.
func (db *DB) Profile(ctx context.Context, memberID int64) (*content.Profile, error) {
	p := &content.Profile{MemberID: memberID}
	var languages, links, formats, speakerLanguages string
	var listed, speaker int
	err := db.queryRow(ctx, `SELECT organisation, job_title, region, languages, links, listed,
		speaker, speaker_formats, speaker_languages, pitch FROM member_profiles WHERE member_id = ?`, memberID).
		Scan(&p.Organisation, &p.JobTitle, &p.Region, &languages, &links, &listed, &speaker, &formats, &speakerLanguages, &p.Pitch)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read profile of member %d: %w", memberID, err)
	}
	p.Listed, p.Speaker = listed == 1, speaker == 1
	for _, f := range []struct {
		raw string
		to  any
	}{{languages, &p.Languages}, {links, &p.Links}, {formats, &p.SpeakerFormats}, {speakerLanguages, &p.SpeakerLanguages}} {
		if err := json.Unmarshal([]byte(f.raw), f.to); err != nil {
			return nil, fmt.Errorf("read profile of member %d: %w", memberID, err)
		}
	}
	if p.Topics, p.SpeakerTopics, err = db.memberTopics(ctx, memberID); err != nil {
		return nil, err
	}
	return p, nil
}

func (db *DB) memberTopics(ctx context.Context, memberID int64) (profile, speaker []string, err error) {
	rows, err := db.read.QueryContext(ctx, "SELECT list, label FROM member_topics WHERE member_id = ? ORDER BY list, position", memberID)
	if err != nil {
		return nil, nil, fmt.Errorf("read topics of member %d: %w", memberID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var list, label string
		if err := rows.Scan(&list, &label); err != nil {
			return nil, nil, fmt.Errorf("read topics of member %d: %w", memberID, err)
		}
		if list == topicsSpeaker {
			speaker = append(speaker, label)
		} else {
			profile = append(profile, label)
		}
	}
	return profile, speaker, rows.Err()
}

// SaveProfile validates and stores a member's whole profile, topics
// included, in one transaction. Topics and languages are cleaned first.
func (db *DB) SaveProfile(ctx context.Context, p *content.Profile) error {
	p.Topics, p.SpeakerTopics = content.CleanTopics(p.Topics), content.CleanTopics(p.SpeakerTopics)
	p.Languages, p.SpeakerLanguages = content.CleanLanguages(p.Languages), content.CleanLanguages(p.SpeakerLanguages)
	if err := p.Validate(); err != nil {
		return err
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		if string(b) == "null" {
			return "[]"
		}
		return string(b)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO member_profiles (member_id, organisation, job_title, region, languages, links, listed,
				speaker, speaker_formats, speaker_languages, pitch, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET organisation = excluded.organisation, job_title = excluded.job_title,
				region = excluded.region, languages = excluded.languages, links = excluded.links, listed = excluded.listed,
				speaker = excluded.speaker, speaker_formats = excluded.speaker_formats,
				speaker_languages = excluded.speaker_languages, pitch = excluded.pitch, updated_at = excluded.updated_at`,
			p.MemberID, p.Organisation, p.JobTitle, p.Region, enc(p.Languages), enc(p.Links), boolInt(p.Listed),
			boolInt(p.Speaker), enc(p.SpeakerFormats), enc(p.SpeakerLanguages), p.Pitch, millis(db.now()))
		if unknownMember(err) {
			return content.Errorf(content.KindNotFound, "member", "member.not_found", "no member with id %d", p.MemberID)
		}
		if err != nil {
			return fmt.Errorf("save profile of member %d: %w", p.MemberID, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM member_topics WHERE member_id = ?", p.MemberID); err != nil {
			return fmt.Errorf("save topics of member %d: %w", p.MemberID, err)
		}
		for list, topics := range map[string][]string{topicsProfile: p.Topics, topicsSpeaker: p.SpeakerTopics} {
			for i, t := range topics {
				if _, err := tx.ExecContext(ctx, "INSERT INTO member_topics (member_id, list, key, label, position) VALUES (?, ?, ?, ?, ?)",
					p.MemberID, list, content.TopicKey(t), t, i); err != nil {
					return fmt.Errorf("save topics of member %d: %w", p.MemberID, err)
				}
			}
		}
		return nil
	})
}

// boolInt is a bool as SQLite's STRICT INTEGER columns hold it.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
