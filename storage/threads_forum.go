package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kring/content"
)

const threadColumns = `t.id, t.iri, t.forum_id, f.name, t.title, t.author, t.author_name, t.author_handle, t.created_at,
	t.last_activity, t.reply_count, t.locked, t.pinned, t.answer_iri, t.deleted`

const threadFrom = ` FROM threads t JOIN forums f ON f.id = t.forum_id `

func scanThread(row rowScanner) (*content.Thread, error) {
	var t content.Thread
	var created, last int64
	err := row.Scan(&t.ID, &t.IRI, &t.ForumID, &t.Forum, &t.Title, &t.Author, &t.AuthorName, &t.AuthorHandle, &created,
		&last, &t.ReplyCount, &t.Locked, &t.Pinned, &t.AnswerIRI, &t.Deleted)
	if err != nil {
		return nil, err
	}
	t.Created, t.LastActivity = fromMillis(created), fromMillis(last)
	return &t, nil
}

// StartThread stores a thread's Page (an object, local or received) and
// its row in the forum's list, in one transaction. A second copy of the
// same Page changes nothing and reports started=false.
func (db *DB) StartThread(ctx context.Context, forumID int64, o *content.Object) (started bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		inserted, err := insertObject(ctx, tx, o)
		if err != nil || !inserted {
			return err
		}
		started = true
		return insertThread(ctx, tx, forumID, o)
	})
	return started, err
}

func insertThread(ctx context.Context, tx querier, forumID int64, o *content.Object) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO threads (iri, forum_id, title, author, author_name, author_handle, created_at, last_activity)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.IRI, forumID, o.Name, o.AttributedTo, o.AuthorName, o.AuthorHandle,
		millis(o.Published), millis(o.Published))
	if err != nil {
		return fmt.Errorf("store thread %s: %w", o.IRI, err)
	}
	return nil
}

// ThreadByIRI returns a thread by its Page's id.
func (db *DB) ThreadByIRI(ctx context.Context, iri string) (*content.Thread, error) {
	t, err := scanThread(db.queryRow(ctx, "SELECT "+threadColumns+threadFrom+"WHERE t.iri = ?", iri))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("thread " + iri)
	}
	if err != nil {
		return nil, fmt.Errorf("read thread %s: %w", iri, err)
	}
	return t, nil
}

// ThreadByID returns a thread by its row id, the id in its page's
// address: moved and deleted threads too, so that the page can redirect
// or answer 410.
func (db *DB) ThreadByID(ctx context.Context, id int64) (*content.Thread, error) {
	t, err := scanThread(db.queryRow(ctx, "SELECT "+threadColumns+threadFrom+"WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("thread")
	}
	if err != nil {
		return nil, fmt.Errorf("read thread %d: %w", id, err)
	}
	return t, nil
}

// ThreadOf returns the thread an object belongs to: its own, when it is a
// thread's Page, or the one its reply tree hangs from.
func (db *DB) ThreadOf(ctx context.Context, objectIRI string) (*content.Thread, error) {
	if t, err := db.ThreadByIRI(ctx, objectIRI); err == nil || content.KindOf(err) != content.KindNotFound {
		return t, err
	}
	var root string
	err := db.queryRow(ctx, "SELECT root FROM objects WHERE iri = ?", objectIRI).Scan(&root)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && root == "") {
		return nil, notFound("thread of " + objectIRI)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", objectIRI, err)
	}
	return db.ThreadByIRI(ctx, root)
}

// ThreadFilter selects a forum's threads for a page.
type ThreadFilter struct {
	ForumID  int64
	Answered *bool     // nil: all; else only (un)answered threads
	Before   time.Time // last activity before this (paging); zero: from the newest
	BeforeID int64     // tie-break for Before
	Limit    int
}

// MaxThreadPage caps how many threads one page lists.
const MaxThreadPage = 100

// Threads lists a forum's live threads by last activity, newest first,
// one keyset page at a time. Pinned threads are listed by PinnedThreads.
func (db *DB) Threads(ctx context.Context, f ThreadFilter) ([]content.Thread, error) {
	where := []string{"t.forum_id = ?", "t.deleted = 0", "t.pinned = 0"}
	args := []any{f.ForumID}
	if f.Answered != nil {
		where, args = append(where, "t.answered = ?"), append(args, *f.Answered)
	}
	if !f.Before.IsZero() {
		where = append(where, "(t.last_activity < ? OR (t.last_activity = ? AND t.id < ?))")
		args = append(args, millis(f.Before), millis(f.Before), f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > MaxThreadPage {
		f.Limit = 30
	}
	return db.threadList(ctx, "SELECT "+threadColumns+threadFrom+"WHERE "+strings.Join(where, " AND ")+
		" ORDER BY t.last_activity DESC, t.id DESC LIMIT ?", append(args, f.Limit)...)
}

// PinnedThreads lists a forum's pinned threads, newest activity first.
func (db *DB) PinnedThreads(ctx context.Context, forumID int64) ([]content.Thread, error) {
	return db.threadList(ctx, "SELECT "+threadColumns+threadFrom+
		"WHERE t.forum_id = ? AND t.pinned = 1 AND t.deleted = 0 ORDER BY t.last_activity DESC LIMIT ?", forumID, MaxThreadPage)
}

func (db *DB) threadList(ctx context.Context, query string, args ...any) ([]content.Thread, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	var out []content.Thread
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("list threads: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// CountThreads counts a forum's live threads.
func (db *DB) CountThreads(ctx context.Context, forumID int64) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM threads WHERE forum_id = ? AND deleted = 0", forumID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count threads: %w", err)
	}
	return n, nil
}

// ThreadChange is what a moderator (or the author, for the answer) changes
// on a thread; nil fields stay as they are. The change and its line in
// the moderation log are written together.
type ThreadChange struct {
	Locked    *bool
	Pinned    *bool
	AnswerIRI *string // "" clears the answer
	ForumID   int64   // move to this forum; 0 stays
	Deleted   bool
	Log       content.ModEntry
}

// ChangeThread applies a moderation change to a thread and logs it.
func (db *DB) ChangeThread(ctx context.Context, iri string, c ThreadChange) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		var sets []string
		var args []any
		if c.Locked != nil {
			sets, args = append(sets, "locked = ?"), append(args, *c.Locked)
		}
		if c.Pinned != nil {
			sets, args = append(sets, "pinned = ?"), append(args, *c.Pinned)
		}
		if c.AnswerIRI != nil {
			sets, args = append(sets, "answer_iri = ?", "answered = ?"), append(args, *c.AnswerIRI, *c.AnswerIRI != "")
		}
		if c.ForumID != 0 {
			sets, args = append(sets, "forum_id = ?"), append(args, c.ForumID)
		}
		if c.Deleted {
			sets = append(sets, "deleted = 1")
		}
		if len(sets) > 0 {
			res, err := tx.ExecContext(ctx, "UPDATE threads SET "+strings.Join(sets, ", ")+" WHERE iri = ?", append(args, iri)...)
			if err != nil {
				return fmt.Errorf("change thread %s: %w", iri, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("thread " + iri)
			}
		}
		return insertModEntry(ctx, tx, c.Log, db.now())
	})
}

func insertModEntry(ctx context.Context, tx *sql.Tx, e content.ModEntry, now time.Time) error {
	if e.Action == "" {
		return nil
	}
	var forum any
	if e.ForumID != 0 {
		forum = e.ForumID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO modlog (forum_id, moderator, action, target, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		forum, e.Moderator, string(e.Action), e.Target, e.Reason, millis(now))
	if err != nil {
		return fmt.Errorf("log %s of %s: %w", e.Action, e.Target, err)
	}
	return nil
}

// LogModeration records a moderation action that changes no thread row
// (a deleted reply, say) in the moderation log.
func (db *DB) LogModeration(ctx context.Context, e content.ModEntry) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error { return insertModEntry(ctx, tx, e, db.now()) })
}

// ModLog lists the moderation log, newest first; forumID 0 lists all.
func (db *DB) ModLog(ctx context.Context, forumID int64, limit int) ([]content.ModEntry, error) {
	q := "SELECT id, COALESCE(forum_id, 0), moderator, action, target, reason, created_at FROM modlog"
	var args []any
	if forumID != 0 {
		q, args = q+" WHERE forum_id = ?", append(args, forumID)
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read moderation log: %w", err)
	}
	defer rows.Close()
	var out []content.ModEntry
	for rows.Next() {
		var e content.ModEntry
		var action string
		var created int64
		if err := rows.Scan(&e.ID, &e.ForumID, &e.Moderator, &action, &e.Target, &e.Reason, &created); err != nil {
			return nil, err
		}
		e.Action, e.CreatedAt = content.ModAction(action), fromMillis(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// BanFromForum bans an actor from a forum and logs it.
func (db *DB) BanFromForum(ctx context.Context, forumID int64, actor, reason, moderator string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO forum_bans (forum_id, actor, reason, moderator, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (forum_id, actor) DO UPDATE SET reason = excluded.reason`, forumID, actor, reason, moderator, millis(db.now()))
		if err != nil {
			return fmt.Errorf("ban %s: %w", actor, err)
		}
		return insertModEntry(ctx, tx, content.ModEntry{ForumID: forumID, Moderator: moderator, Action: content.ModBan, Target: actor, Reason: reason}, db.now())
	})
}

// UnbanFromForum lifts a ban and logs it; lifting no ban changes nothing.
func (db *DB) UnbanFromForum(ctx context.Context, forumID int64, actor, moderator string) (bool, error) {
	var lifted bool
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM forum_bans WHERE forum_id = ? AND actor = ?", forumID, actor)
		if err != nil {
			return fmt.Errorf("unban %s: %w", actor, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		lifted = true
		return insertModEntry(ctx, tx, content.ModEntry{ForumID: forumID, Moderator: moderator, Action: content.ModUnban, Target: actor}, db.now())
	})
	return lifted, err
}

// BanOf reports whether an actor is banned from a forum, and why.
func (db *DB) BanOf(ctx context.Context, forumID int64, actor string) (reason string, banned bool, err error) {
	err = db.queryRow(ctx, "SELECT reason FROM forum_bans WHERE forum_id = ? AND actor = ?", forumID, actor).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read bans: %w", err)
	}
	return reason, true, nil
}

// IsBanned reports whether an actor is banned from a forum.
func (db *DB) IsBanned(ctx context.Context, forumID int64, actor string) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM forum_bans WHERE forum_id = ? AND actor = ?", forumID, actor).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read bans: %w", err)
	}
	return true, nil
}

// SetModerator adds or removes a member as moderator of a forum.
func (db *DB) SetModerator(ctx context.Context, forumID, memberID int64, on bool) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		q := "INSERT OR IGNORE INTO forum_moderators (forum_id, member_id) VALUES (?, ?)"
		if !on {
			q = "DELETE FROM forum_moderators WHERE forum_id = ? AND member_id = ?"
		}
		if _, err := tx.ExecContext(ctx, q, forumID, memberID); err != nil {
			return fmt.Errorf("set moderator of forum %d: %w", forumID, err)
		}
		return nil
	})
}

// Moderators lists the usernames of a forum's moderators.
func (db *DB) Moderators(ctx context.Context, forumID int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT m.username FROM forum_moderators fm JOIN members m ON m.id = fm.member_id
		WHERE fm.forum_id = ? ORDER BY m.username`, forumID)
	if err != nil {
		return nil, fmt.Errorf("list moderators: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// IsModerator reports whether a member moderates a forum.
func (db *DB) IsModerator(ctx context.Context, forumID, memberID int64) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM forum_moderators WHERE forum_id = ? AND member_id = ?", forumID, memberID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read moderators: %w", err)
	}
	return true, nil
}

// Watch makes a member watch a thread (or stop watching it).
func (db *DB) Watch(ctx context.Context, memberID int64, threadIRI string, on bool) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		q := "INSERT OR IGNORE INTO thread_watches (member_id, thread_iri) VALUES (?, ?)"
		if !on {
			q = "DELETE FROM thread_watches WHERE member_id = ? AND thread_iri = ?"
		}
		_, err := tx.ExecContext(ctx, q, memberID, threadIRI)
		return err
	})
}

// IsWatching reports whether a member watches a thread.
func (db *DB) IsWatching(ctx context.Context, memberID int64, threadIRI string) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM thread_watches WHERE member_id = ? AND thread_iri = ?", memberID, threadIRI).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read watches: %w", err)
	}
	return true, nil
}

// Watchers lists the members who watch a thread.
func (db *DB) Watchers(ctx context.Context, threadIRI string) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT member_id FROM thread_watches WHERE thread_iri = ?", threadIRI)
	if err != nil {
		return nil, fmt.Errorf("list watchers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RetitleThread changes the title forum pages list a thread under, after
// its author edited the question.
func (db *DB) RetitleThread(ctx context.Context, iri, title string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE threads SET title = ? WHERE iri = ?", title, iri); err != nil {
			return fmt.Errorf("retitle thread %s: %w", iri, err)
		}
		return nil
	})
}
