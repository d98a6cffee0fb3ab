package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"kring/content"
)

// DirectoryFilter narrows the members directory. Empty fields do not
// filter; Limit 0 returns every match (the open-data export).
type DirectoryFilter struct {
	Organisation string // exact, case-insensitive
	Region       string // exact, case-insensitive
	TopicKey     string // content.TopicKey of a topic of expertise or speaker topic
	Query        string // words matched in name, username, organisation, role and topics
	Offset       int
	Limit        int
}

// DirectoryEntry is one listed member with their profile. The member's
// e-mail address, password hash, keys and times are left empty: the
// directory is public and never needs them.
type DirectoryEntry struct {
	Member  content.Member
	Profile content.Profile
}

// FacetValue is an organisation or region with how many listed members
// have it.
type FacetValue struct {
	Value string
	Count int
}

// DirectoryFacets are the values the directory's filters offer, each
// among listed members only and by name: organisations and regions
// compared case-insensitively (in their most common spelling), topics
// by content.TopicKey over both lists (a member counts once per topic).
type DirectoryFacets struct {
	Organisations []FacetValue
	Regions       []FacetValue
	Topics        []TopicCount
}

// Directory lists the members who chose to be listed and are neither
// suspended nor deleted, by name, with the number of matches before
// Offset and Limit apply.
//
// Filtering happens here rather than in SQL because SQLite compares case
// only in ASCII, and a directory of regions such as "Fryslân" needs
// Unicode folding; a node's directory is small enough to read whole.
func (db *DB) Directory(ctx context.Context, f DirectoryFilter) ([]DirectoryEntry, int, error) {
	all, err := db.listedMembers(ctx, f.TopicKey)
	if err != nil {
		return nil, 0, err
	}
	entries, total := filterDirectory(all, f)
	return entries, total, nil
}

// DirectoryPage is Directory with the facets of the whole directory, for
// the directory page: both from one read of the listed members.
func (db *DB) DirectoryPage(ctx context.Context, f DirectoryFilter) ([]DirectoryEntry, int, *DirectoryFacets, error) {
	all, err := db.listedMembers(ctx, "")
	if err != nil {
		return nil, 0, nil, err
	}
	facets := directoryFacets(all)
	entries, total := filterDirectory(all, f)
	return entries, total, facets, nil
}

// filterDirectory applies a filter to listed members, reusing their slice.
func filterDirectory(all []DirectoryEntry, f DirectoryFilter) ([]DirectoryEntry, int) {
	words := directoryWords(f.Query)
	matches := all[:0]
	for _, e := range all {
		if directoryFilterMatches(f.Organisation, e.Profile.Organisation) && directoryFilterMatches(f.Region, e.Profile.Region) &&
			hasTopic(&e.Profile, f.TopicKey) && directoryMatches(e, words) {
			matches = append(matches, e)
		}
	}
	total := len(matches)
	start := min(max(f.Offset, 0), total)
	end := total
	if f.Limit > 0 {
		end = min(start+f.Limit, total)
	}
	return matches[start:end], total
}

// hasTopic reports whether a profile holds a topic in either list; an
// empty key matches every profile.
func hasTopic(p *content.Profile, key string) bool {
	if key == "" {
		return true
	}
	return slices.ContainsFunc(slices.Concat(p.Topics, p.SpeakerTopics), func(t string) bool { return content.TopicKey(t) == key })
}

// DirectoryFacetValues reads the organisations, regions and topics of
// listed members for the directory's filters.
func (db *DB) DirectoryFacetValues(ctx context.Context) (*DirectoryFacets, error) {
	all, err := db.listedMembers(ctx, "")
	if err != nil {
		return nil, err
	}
	return directoryFacets(all), nil
}

func directoryFacets(all []DirectoryEntry) *DirectoryFacets {
	orgs, regions, topics := newFacetTally(), newFacetTally(), newFacetTally()
	for _, e := range all {
		orgs.add(directoryFold(e.Profile.Organisation), e.Profile.Organisation)
		regions.add(directoryFold(e.Profile.Region), e.Profile.Region)
		seen := map[string]bool{}
		for _, t := range slices.Concat(e.Profile.Topics, e.Profile.SpeakerTopics) {
			if k := content.TopicKey(t); !seen[k] {
				seen[k] = true
				topics.add(k, t)
			}
		}
	}
	out := &DirectoryFacets{}
	for _, c := range orgs.counts() {
		out.Organisations = append(out.Organisations, FacetValue{Value: c.Label, Count: c.Count})
	}
	for _, c := range regions.counts() {
		out.Regions = append(out.Regions, FacetValue{Value: c.Label, Count: c.Count})
	}
	out.Topics = topics.counts()
	return out
}

// directoryMemberColumns are memberColumns without the secrets and the
// times: the directory is public and shows neither, and the key PEMs are
// most of a members row.
const directoryMemberColumns = `m.id, m.username, m.display_name, '', m.bio, m.language, m.role, m.suspended,
	'', '', '', 0, 0, 0`

// listedMembers reads every listed, live member with their profile and
// topics, by name; a topicKey narrows them to members with that topic
// in either list.
func (db *DB) listedMembers(ctx context.Context, topicKey string) ([]DirectoryEntry, error) {
	where := "p.listed = 1 AND m.suspended = 0 AND m.deleted_at = 0"
	args := []any{}
	if topicKey != "" {
		where += " AND EXISTS (SELECT 1 FROM member_topics t WHERE t.member_id = m.id AND t.key = ?)"
		args = append(args, topicKey)
	}
	return db.profiledMembers(ctx, where, args...)
}

// profiledMembers reads the members with a profile that where (on
// members m and member_profiles p) selects, their topics included, by
// name: three queries whatever their number.
func (db *DB) profiledMembers(ctx context.Context, where string, args ...any) ([]DirectoryEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.organisation, p.job_title, p.region, p.languages, p.links, p.listed, p.speaker,
		p.speaker_formats, p.speaker_languages, p.pitch, `+directoryMemberColumns+`
		FROM members m JOIN member_profiles p ON p.member_id = m.id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	defer rows.Close()
	var out []DirectoryEntry
	byID := map[int64]int{}
	for rows.Next() {
		e, err := scanDirectoryEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("read profiles: %w", err)
		}
		byID[e.Member.ID] = len(out)
		out = append(out, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	if err := db.profileTopics(ctx, out, byID, where, args); err != nil {
		return nil, err
	}
	// Fold each name once, not once per comparison.
	keys := make(map[int64]string, len(out))
	for _, e := range out {
		keys[e.Member.ID] = directoryFold(directoryName(&e.Member))
	}
	slices.SortFunc(out, func(a, b DirectoryEntry) int {
		return cmp.Or(cmp.Compare(keys[a.Member.ID], keys[b.Member.ID]), cmp.Compare(a.Member.Username, b.Member.Username))
	})
	return out, nil
}

func scanDirectoryEntry(row rowScanner) (*DirectoryEntry, error) {
	var p content.Profile
	var languages, links, formats, speakerLanguages string
	m, err := scanMember(row, &p.Organisation, &p.JobTitle, &p.Region, &languages, &links, &p.Listed, &p.Speaker, &formats,
		&speakerLanguages, &p.Pitch)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		raw string
		to  any
	}{{languages, &p.Languages}, {links, &p.Links}, {formats, &p.SpeakerFormats}, {speakerLanguages, &p.SpeakerLanguages}} {
		if err := json.Unmarshal([]byte(f.raw), f.to); err != nil {
			return nil, fmt.Errorf("profile of member %d: %w", m.ID, err)
		}
	}
	p.MemberID = m.ID
	return &DirectoryEntry{Member: *m, Profile: p}, nil
}

// profileTopics fills the topics of the entries profiledMembers read
// with the same where, in each member's order.
func (db *DB) profileTopics(ctx context.Context, entries []DirectoryEntry, byID map[int64]int, where string, args []any) error {
	if len(entries) == 0 {
		return nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT t.member_id, t.list, t.label FROM member_topics t
		JOIN member_profiles p ON p.member_id = t.member_id JOIN members m ON m.id = t.member_id
		WHERE `+where+` ORDER BY t.member_id, t.list, t.position`, args...)
	if err != nil {
		return fmt.Errorf("read directory topics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var list, label string
		if err := rows.Scan(&id, &list, &label); err != nil {
			return fmt.Errorf("read directory topics: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		p := &entries[i].Profile
		if list == topicsSpeaker {
			p.SpeakerTopics = append(p.SpeakerTopics, label)
		} else {
			p.Topics = append(p.Topics, label)
		}
	}
	return rows.Err()
}

func directoryName(m *content.Member) string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	return m.Username
}

// directoryFold is the form names and words are compared in: lowercase, without
// diacritics, spaces collapsed, so "Fryslân" and "FRYSLAN" are one.
func directoryFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.Join(strings.Fields(s), " ")) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// directoryFilterMatches reports whether value matches a filter; an empty filter
// matches everything.
func directoryFilterMatches(filter, value string) bool {
	return filter == "" || directoryFold(filter) == directoryFold(value)
}

func directoryWords(q string) []string {
	return strings.Fields(directoryFold(q))
}

// directoryMatches reports whether every word occurs in the entry's name,
// username, organisation, role or topics; a word also matches a topic
// by key, so "opendata" finds "Open data".
func directoryMatches(e DirectoryEntry, words []string) bool {
	if len(words) == 0 {
		return true
	}
	p := &e.Profile
	fields := []string{e.Member.DisplayName, e.Member.Username, p.Organisation, p.JobTitle}
	var keys []string
	for _, t := range slices.Concat(p.Topics, p.SpeakerTopics) {
		fields = append(fields, t)
		keys = append(keys, content.TopicKey(t))
	}
	text := directoryFold(strings.Join(fields, "\n"))
	for _, w := range words {
		if !strings.Contains(text, w) && !slices.Contains(keys, content.TopicKey(w)) {
			return false
		}
	}
	return true
}

// facetTally counts values under a key and remembers each key's most common
// spelling (the first seen, on a tie).
type facetTally struct {
	order    []string
	count    map[string]int
	spelling map[string]map[string]int
	first    map[string][]string
}

func newFacetTally() *facetTally {
	return &facetTally{count: map[string]int{}, spelling: map[string]map[string]int{}, first: map[string][]string{}}
}

func (t *facetTally) add(key, label string) {
	if key == "" {
		return
	}
	if _, ok := t.count[key]; !ok {
		t.order = append(t.order, key)
		t.spelling[key] = map[string]int{}
	}
	t.count[key]++
	if t.spelling[key][label] == 0 {
		t.first[key] = append(t.first[key], label)
	}
	t.spelling[key][label]++
}

// counts returns the keys with their counts and spellings, by label.
func (t *facetTally) counts() []TopicCount {
	out := make([]TopicCount, 0, len(t.order))
	for _, k := range t.order {
		best := ""
		for _, l := range t.first[k] {
			if t.spelling[k][l] > t.spelling[k][best] {
				best = l
			}
		}
		out = append(out, TopicCount{Key: k, Label: best, Count: t.count[k]})
	}
	slices.SortFunc(out, func(a, b TopicCount) int {
		return cmp.Or(cmp.Compare(directoryFold(a.Label), directoryFold(b.Label)), cmp.Compare(a.Key, b.Key))
	})
	return out
}
