package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

// The open data: what anyone may read on the node's pages, published as
// datasets for portals to harvest. Only local content is in them: what
// other servers sent is theirs to publish, not ours. The reads page by
// row id, so that an export streams in short queries instead of holding
// a read connection while a slow client downloads.

// The datasets' names, as in their URLs (/data/posts.csv).
const (
	DatasetPosts   = "posts"
	DatasetThreads = "threads"
	DatasetEvents  = "events"
	DatasetMembers = "members"
)

// Datasets lists the datasets in the order the data page shows them.
var Datasets = []string{DatasetPosts, DatasetThreads, DatasetEvents, DatasetMembers}

// MaxOpenDataPage bounds one page of an export read.
const MaxOpenDataPage = 500

// goodStandingSQL says that the member in column m is neither suspended
// nor deleted: their content leaves the public pages with them.
const goodStandingSQL = "m.suspended = 0 AND m.deleted_at = 0"

// openPostsWhere is a post in the open data: published, public (unlisted
// posts are readable by link but left out of listings, and so out of the
// data) and by a member in good standing.
const openPostsWhere = " WHERE p.state = 'published' AND p.visibility = 'public' AND " + goodStandingSQL

// OpenPosts returns the next page of open-data posts after row id
// afterID, by id.
func (db *DB) OpenPosts(ctx context.Context, afterID int64, limit int) ([]content.Post, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+postColumns+postFrom+openPostsWhere+" AND p.id > ? ORDER BY p.id LIMIT ?",
		afterID, pageSize(limit))
	if err != nil {
		return nil, fmt.Errorf("read open data posts: %w", err)
	}
	defer rows.Close()
	var out []content.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("read open data posts: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// OpenThread is a forum thread in the open data: its row in the forum's
// list and the Page that started it.
type OpenThread struct {
	content.Thread
	Page       content.Object
	ForumTitle string
}

// openThreadsFrom joins a thread to its Page and its author. Threads
// started on other servers are left out (their Page is not local), and
// so are deleted ones and those of members who are gone. Every forum is
// readable by anyone: MembersOnlyThreads only limits who may start one.
// actorPrefix is the node's "<base>/users/", which a local author's
// actor id starts with.
const openThreadsFrom = ` FROM threads t JOIN forums f ON f.id = t.forum_id JOIN objects o ON o.iri = t.iri
	JOIN members m ON ? || m.username = o.attributed_to
	WHERE t.deleted = 0 AND o.local = 1 AND o.deleted = 0 AND o.public = 1 AND ` + goodStandingSQL

// OpenThreads returns the next page of open-data threads after row id
// afterID, by id.
func (db *DB) OpenThreads(ctx context.Context, actorPrefix string, afterID int64, limit int) ([]OpenThread, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+threadColumns+", f.title, "+prefixed("o.", objectColumns)+", o.tags"+
		openThreadsFrom+" AND t.id > ? ORDER BY t.id LIMIT ?", actorPrefix, afterID, pageSize(limit))
	if err != nil {
		return nil, fmt.Errorf("read open data threads: %w", err)
	}
	defer rows.Close()
	var out []OpenThread
	for rows.Next() {
		var ot OpenThread
		if err := scanOpenThread(rows, &ot); err != nil {
			return nil, fmt.Errorf("read open data threads: %w", err)
		}
		out = append(out, ot)
	}
	return out, rows.Err()
}

// scanOpenThread reads threadColumns, the forum's title, objectColumns
// and the Page's tags, and drops the Page's received document: the
// export is built from the columns.
func scanOpenThread(row rowScanner, ot *OpenThread) error {
	var created, last int64
	var published, updated int64
	var attachments, tags string
	o := &ot.Page
	err := row.Scan(&ot.ID, &ot.IRI, &ot.ForumID, &ot.Forum, &ot.Title, &ot.Author, &ot.AuthorName, &ot.AuthorHandle, &created,
		&last, &ot.ReplyCount, &ot.Locked, &ot.Pinned, &ot.AnswerIRI, &ot.Deleted, &ot.ForumTitle,
		&o.ID, &o.IRI, &o.Type, &o.AttributedTo, &o.Local, &o.Name, &o.Summary, &o.Content,
		&o.InReplyTo, &o.URL, &o.Public, &published, &updated, &o.Raw, &o.Deleted,
		&o.Root, &o.Path, &o.AuthorName, &o.AuthorHandle, &o.AuthorURL, &o.Language, &attachments,
		&o.LikeCount, &o.AnnounceCount, &o.ReplyCount, &tags)
	if err != nil {
		return err
	}
	ot.Created, ot.LastActivity = fromMillis(created), fromMillis(last)
	o.Published, o.Updated, o.Raw = fromMillis(published), timeOrZero(updated), ""
	o.Tags = strings.Fields(tags)
	return nil
}

// openEventsWhere is an event in the open data: written here, not
// deleted, and not by a member who is gone. Cancelled events stay: their
// pages stay up, and the status says they are off. Every local event is
// public: events have no narrower audience.
const openEventsWhere = ` WHERE e.local = 1 AND e.deleted = 0
	AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = e.creator_id AND NOT (` + goodStandingSQL + `))`

// OpenEvents returns the next page of open-data events after row id
// afterID, by id.
func (db *DB) OpenEvents(ctx context.Context, afterID int64, limit int) ([]*content.Event, error) {
	return db.eventList(ctx, "SELECT "+eventColumns+" FROM events e"+openEventsWhere+" AND e.id > ? ORDER BY e.id LIMIT ?",
		afterID, pageSize(limit))
}

func pageSize(limit int) int {
	if limit <= 0 || limit > MaxOpenDataPage {
		return MaxOpenDataPage
	}
	return limit
}

// DatasetStat is how many items a dataset holds and when the newest of
// them last changed (zero when it is empty).
type DatasetStat struct {
	Count    int
	Modified time.Time
}

// OpenDataStats counts each dataset. The members are those Directory
// lists; actorPrefix is as for OpenThreads.
func (db *DB) OpenDataStats(ctx context.Context, actorPrefix string) (map[string]DatasetStat, error) {
	queries := map[string]struct {
		sql  string
		args []any
	}{
		DatasetPosts: {"SELECT COUNT(*), COALESCE(MAX(MAX(p.published_at, p.updated_at)), 0)" + postFrom + openPostsWhere, nil},
		DatasetThreads: {"SELECT COUNT(*), COALESCE(MAX(MAX(o.published, o.updated)), 0)" + openThreadsFrom,
			[]any{actorPrefix}},
		DatasetEvents: {"SELECT COUNT(*), COALESCE(MAX(MAX(e.published, e.updated)), 0) FROM events e" + openEventsWhere, nil},
		DatasetMembers: {`SELECT COUNT(*), COALESCE(MAX(MAX(mp.updated_at, m.updated_at)), 0)
			FROM member_profiles mp JOIN members m ON m.id = mp.member_id WHERE mp.listed = 1 AND ` + goodStandingSQL, nil},
	}
	out := make(map[string]DatasetStat, len(queries))
	for name, q := range queries {
		var st DatasetStat
		var modified int64
		if err := db.queryRow(ctx, q.sql, q.args...).Scan(&st.Count, &modified); err != nil {
			return nil, fmt.Errorf("count open data %s: %w", name, err)
		}
		st.Modified = timeOrZero(modified)
		out[name] = st
	}
	// The directory decides who is listed; its count is the one that
	// the members export holds.
	_, total, err := db.Directory(ctx, DirectoryFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("count open data members: %w", err)
	}
	st := out[DatasetMembers]
	st.Count = total
	out[DatasetMembers] = st
	return out, nil
}
