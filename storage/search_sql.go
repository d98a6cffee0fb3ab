package storage

import (
	"database/sql"
	"strings"
)

// The search statement: the index joined to the row each entry names
// (by rowid: id*8 + kind, migration 0013), kept only where the viewer may
// read the row, then filtered, ranked and cut to a page. Parameters are
// named: @me (viewer's actor id), @member (viewer's member id, 0 when
// anonymous), @prefix (a local member's actor id before the username).

const searchFrom = `
FROM search_fts s
LEFT JOIN posts p ON (s.rowid & 7) = 1 AND p.id = (s.rowid >> 3)
LEFT JOIN members pm ON pm.id = p.author_id
LEFT JOIN objects o ON (s.rowid & 7) = 2 AND o.id = (s.rowid >> 3)
LEFT JOIN threads t ON t.iri = o.iri
LEFT JOIN threads rt ON o.root <> '' AND rt.iri = o.root
LEFT JOIN forums f ON f.id = COALESCE(t.forum_id, rt.forum_id)
LEFT JOIN posts rp ON o.root <> '' AND rp.iri = o.root
LEFT JOIN members rpm ON rpm.id = rp.author_id
LEFT JOIN events e ON (s.rowid & 7) = 3 AND e.id = (s.rowid >> 3)
LEFT JOIN members m ON (s.rowid & 7) = 4 AND m.id = (s.rowid >> 3)
LEFT JOIN remote_actors a ON (s.rowid & 7) = 5 AND a.id = (s.rowid >> 3)
`

// kindSQL classifies an entry: an object is a thread when it opened one,
// a reply when it answers something, else a post received from elsewhere.
const kindSQL = `(CASE s.rowid & 7 WHEN 1 THEN 'post'
	WHEN 2 THEN CASE WHEN t.id IS NOT NULL THEN 'thread' WHEN o.in_reply_to <> '' THEN 'reply' ELSE 'post' END
	WHEN 3 THEN 'event' ELSE 'member' END)`

// dateSQL is what a date range and "newest first" go by.
const dateSQL = `(CASE s.rowid & 7 WHEN 1 THEN p.published_at WHEN 2 THEN o.published WHEN 3 THEN e.start_at
	WHEN 4 THEN m.created_at END)`

const searchColumns = `s.rowid, ` + kindSQL + `, COALESCE(` + dateSQL + `, 0),
	COALESCE(p.slug, ''), COALESCE(pm.username, ''), COALESCE(pm.display_name, ''),
	COALESCE(o.id, 0), COALESCE(o.iri, ''), COALESCE(o.url, ''), COALESCE(o.local, 0), COALESCE(o.author_name, ''), COALESCE(o.author_handle, ''),
	COALESCE(t.id, rt.id, 0), COALESCE(f.name, ''), COALESCE(rp.slug, ''), COALESCE(rpm.username, ''),
	COALESCE(e.id, 0), COALESCE(e.iri, ''), COALESCE(e.url, ''), COALESCE(e.local, 0), COALESCE(e.organizer_name, ''),
	COALESCE(m.username, ''), COALESCE(m.display_name, ''),
	COALESCE(a.iri, ''), COALESCE(a.url, ''), COALESCE(a.name, ''), COALESCE(a.username, ''), COALESCE(a.host, '')`

// suspendedSQL says that the remote actor in column actor, whose host is
// the expression host, is refused by the federation policy: suspended one
// by one or by domain, or outside the allowlist. Suspending purges what
// was stored (policy_effects.go); this also covers rows that a policy
// change has not reached yet.
func suspendedSQL(host, actor string) string {
	return `(EXISTS (SELECT 1 FROM actor_policies ap WHERE ap.actor = ` + actor + ` AND ap.severity = 'suspend')
	OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'suspend' AND ` + matchSQL(host, "d.domain") + `)
	OR (EXISTS (SELECT 1 FROM federation_policy WHERE mode = 'allowlist')
		AND NOT EXISTS (SELECT 1 FROM domain_allows d WHERE ` + matchSQL(host, "d.domain") + `)))`
}

// limitedSQL says that a remote actor is limited (Mastodon's silenced):
// found only by whoever follows them.
func limitedSQL(host, actor string) string {
	return `(EXISTS (SELECT 1 FROM actor_policies ap WHERE ap.actor = ` + actor + ` AND ap.severity = 'limit')
	OR EXISTS (SELECT 1 FROM domain_blocks d WHERE d.severity = 'limit' AND ` + matchSQL(host, "d.domain") + `))`
}

// followsSQL says that the viewer follows the actor in column actor.
func followsSQL(actor string) string {
	return `(@member <> 0 AND EXISTS (SELECT 1 FROM follows fl WHERE fl.follower = @me AND fl.followee = ` + actor + ` AND fl.state = 'accepted'))`
}

// addressedSQL says that the stored document of object o names x in its
// to or cc.
func addressedSQL(x string) string {
	return `(json_valid(o.raw) AND (EXISTS (SELECT 1 FROM json_each(o.raw, '$.to') WHERE value = ` + x + `)
		OR EXISTS (SELECT 1 FROM json_each(o.raw, '$.cc') WHERE value = ` + x + `)))`
}

// goneMemberSQL says that the local member named by the expression
// username is suspended or deleted.
func goneMemberSQL(username string) string {
	return `EXISTS (SELECT 1 FROM members mm WHERE mm.username = ` + username + ` AND (mm.suspended = 1 OR mm.deleted_at <> 0))`
}

// visibleSQL is who may read which entry:
//   - a post: published, by a member in good standing; public to all,
//     unlisted to members only (Mastodon keeps unlisted out of public
//     search), followers-only to its author and their accepted followers;
//   - an object: live, not from a suspended server or actor or member;
//     public to all and unlisted to members unless its author is limited;
//     otherwise to its author, to whom it names (mentions, to, cc) and to
//     the author's followers when it is addressed to them (or, for a
//     public one of a limited author, at all);
//   - an event: live, not refused by policy nor by a suspended member;
//     a limited organiser's only to their followers;
//   - a member: not suspended nor deleted; a remote actor: not refused,
//     and a limited one only to their followers.
var visibleSQL = `(CASE s.rowid & 7
WHEN 1 THEN p.state = 'published' AND pm.suspended = 0 AND pm.deleted_at = 0 AND (
	p.visibility = 'public'
	OR (p.visibility = 'unlisted' AND @member <> 0)
	OR (p.visibility = 'followers' AND @member <> 0 AND (p.author_id = @member OR ` + followsSQL("@prefix || pm.username") + `)))
WHEN 2 THEN o.deleted = 0
	AND (o.local = 1 OR NOT ` + suspendedSQL("o.origin", "o.attributed_to") + `)
	AND NOT (o.local = 1 AND o.attributed_to LIKE @prefix || '%' AND ` + goneMemberSQL("substr(o.attributed_to, length(@prefix) + 1)") + `)
	AND (
		(o.limited = 0 AND (s.scope = 'public' OR (s.scope = 'unlisted' AND @member <> 0)))
		OR (@member <> 0 AND (o.attributed_to = @me
			OR EXISTS (SELECT 1 FROM mentions mn WHERE mn.object_iri = o.iri AND mn.actor_iri = @me)
			OR ` + addressedSQL("@me") + `
			OR (` + followsSQL("o.attributed_to") + ` AND (s.scope <> 'private' OR ` +
	addressedSQL("COALESCE((SELECT NULLIF(ra.followers, '') FROM remote_actors ra WHERE ra.iri = o.attributed_to), o.attributed_to || '/followers')") + `)))))
WHEN 3 THEN e.deleted = 0
	AND (e.local = 1 OR NOT ` + suspendedSQL("e.origin", "e.organizer") + `)
	AND NOT EXISTS (SELECT 1 FROM members mm WHERE mm.id = e.creator_id AND (mm.suspended = 1 OR mm.deleted_at <> 0))
	AND (e.limited = 0 OR ` + followsSQL("e.organizer") + `)
WHEN 4 THEN m.suspended = 0 AND m.deleted_at = 0
WHEN 5 THEN NOT ` + suspendedSQL(hostSQL("a.iri"), "a.iri") + `
	AND (NOT ` + limitedSQL(hostSQL("a.iri"), "a.iri") + ` OR ` + followsSQL("a.iri") + `)
ELSE 0 END)`

// authorSQL matches the author filter, an actor id, against each kind.
const authorSQL = `(CASE s.rowid & 7
WHEN 1 THEN @prefix || pm.username = @author
WHEN 2 THEN o.attributed_to = @author
WHEN 3 THEN e.organizer = @author OR EXISTS (SELECT 1 FROM members mm WHERE mm.id = e.creator_id AND @prefix || mm.username = @author)
WHEN 4 THEN @prefix || m.username = @author
WHEN 5 THEN a.iri = @author
ELSE 0 END)`

// searchSQL builds the statement for q; match is the FTS5 query.
func searchSQL(q SearchQuery, match, prefix, me string) (string, []any) {
	where := []string{"search_fts MATCH @match", visibleSQL}
	args := []any{sql.Named("match", match), sql.Named("me", me), sql.Named("member", q.Viewer.MemberID),
		sql.Named("prefix", prefix)}
	if q.Kind != "" {
		where, args = append(where, kindSQL+" = @kind"), append(args, sql.Named("kind", q.Kind))
		if q.Kind == SearchMember {
			where = append(where, "(s.rowid & 7) IN (4, 5)")
		}
	}
	if q.Author != "" {
		where, args = append(where, authorSQL), append(args, sql.Named("author", q.Author))
	}
	if q.Forum != "" {
		where, args = append(where, "f.name = @forum"), append(args, sql.Named("forum", q.Forum))
	}
	if !q.Since.IsZero() {
		where, args = append(where, dateSQL+" >= @since"), append(args, sql.Named("since", millis(q.Since)))
	}
	if !q.Until.IsZero() {
		where, args = append(where, dateSQL+" < @until"), append(args, sql.Named("until", millis(q.Until)))
	}
	order := "bm25(search_fts, 4.0, 1.0), s.rowid DESC"
	if q.Newest {
		order = dateSQL + " DESC, s.rowid DESC"
	}
	return "SELECT " + searchColumns + searchFrom + "WHERE " + strings.Join(where, "\n\tAND ") +
		"\nORDER BY " + order + "\nLIMIT @limit OFFSET @offset", args
}

func scanHit(rows *sql.Rows) (SearchHit, int64, error) {
	var h SearchHit
	var id, date int64
	var postAuthorName, memberName, actorName, actorUser, actorHost string
	var objIRI, objURL, eventIRI, eventURL, actorIRI, actorURL, objAuthorName, objHandle, eventOrganizer string
	var objLocal, eventLocal bool
	var objectID, eventID int64
	var memberUser string
	err := rows.Scan(&id, &h.Kind, &date,
		&h.Slug, &h.Username, &postAuthorName,
		&objectID, &objIRI, &objURL, &objLocal, &objAuthorName, &objHandle,
		&h.ThreadID, &h.Forum, &h.PostSlug, &h.PostOwner,
		&eventID, &eventIRI, &eventURL, &eventLocal, &eventOrganizer,
		&memberUser, &memberName,
		&actorIRI, &actorURL, &actorName, &actorUser, &actorHost)
	if err != nil {
		return h, 0, err
	}
	if date != 0 {
		h.Date = fromMillis(date)
	}
	switch id & 7 {
	case 1:
		h.Local, h.AuthorName = true, postAuthorName
	case 2:
		h.ObjectID, h.IRI, h.URL, h.Local, h.AuthorName, h.AuthorHandle = objectID, objIRI, objURL, objLocal, objAuthorName, objHandle
	case 3:
		h.EventID, h.IRI, h.URL, h.Local, h.AuthorName = eventID, eventIRI, eventURL, eventLocal, eventOrganizer
	case 4:
		h.Local, h.Username, h.AuthorName = true, memberUser, memberName
	case 5:
		h.IRI, h.URL, h.AuthorName = actorIRI, actorURL, actorName
		if actorUser != "" {
			h.AuthorHandle = actorUser + "@" + actorHost
		}
	}
	return h, id, nil
}
