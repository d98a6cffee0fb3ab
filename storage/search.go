package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Search kinds, as a filter and on each hit. KindMember covers members of
// this node and known accounts elsewhere.
const (
	SearchPost   = "post"
	SearchThread = "thread"
	SearchReply  = "reply"
	SearchEvent  = "event"
	SearchMember = "member"
)

// SearchKinds lists the kinds a search can be narrowed to.
var SearchKinds = []string{SearchPost, SearchThread, SearchReply, SearchEvent, SearchMember}

// Paging: page numbers rather than a keyset, because a bm25 score is no
// stable cursor (every new row changes the scores of the others); pages
// beyond MaxSearchPage are refused, as nobody reads that far and deep
// offsets cost a scan of everything before them.
const (
	DefaultSearchPerPage = 20
	MaxSearchPerPage     = 50
	MaxSearchPage        = 20
)

// SearchViewer is who searches: MemberID 0 for an anonymous visitor (and
// the CLI), else the member, whose actor id storage works out as it does
// for every local author.
type SearchViewer struct {
	MemberID int64
}

// SearchQuery is one search.
type SearchQuery struct {
	Text   string
	Kind   string    // "" for all, else one of SearchKinds
	Author string    // the author's actor id; "" for anyone
	Forum  string    // a forum's name: only its threads and replies
	Since  time.Time // published (an event: starting) at or after; zero: any
	Until  time.Time // published (an event: starting) before; zero: any
	Newest bool      // newest first instead of best match first
	Page   int       // from 1
	Limit  int       // hits per page; 0 means DefaultSearchPerPage
	Viewer SearchViewer
}

// Fragment is a piece of a highlighted title or snippet: Match marks the
// words the query matched. Text is plain text, to be escaped when shown.
type Fragment struct {
	Text  string
	Match bool
}

// SearchHit is one result, with what it takes to link and show it.
type SearchHit struct {
	Kind    string
	Title   []Fragment
	Snippet []Fragment
	Date    time.Time // published; an event's start; a member's joining; zero for remote actors
	Local   bool

	AuthorName   string
	AuthorHandle string // user@host
	Username     string // a local post's author or a member

	Slug      string // a local post
	IRI       string // the object's, event's or actor's id
	URL       string // where it lives on its own server (received things)
	ObjectID  int64  // a thread's or reply's object row, for the #c anchor
	ThreadID  int64  // the thread a thread Page or a reply belongs to
	Forum     string // that thread's forum
	PostSlug  string // a comment: the local post it hangs under...
	PostOwner string // ...and that post's author
	EventID   int64  // an event's row (received events' pages use it)
}

// SearchResult is one page of hits.
type SearchResult struct {
	Hits []SearchHit
	Page int
	More bool // a next page exists
}

// Search finds what the viewer may read, best match (or newest) first.
func (db *DB) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	match, _ := SearchTerms(q.Text)
	res := &SearchResult{Page: max(q.Page, 1)}
	if match == "" {
		return res, nil
	}
	if res.Page > MaxSearchPage {
		return res, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultSearchPerPage
	}
	limit = min(limit, MaxSearchPerPage)
	if err := db.SyncSearch(ctx); err != nil {
		return nil, err
	}
	prefix, err := db.localActorPrefix(ctx)
	if err != nil {
		return nil, err
	}
	me := ""
	if q.Viewer.MemberID != 0 {
		var username string
		if err := db.queryRow(ctx, "SELECT username FROM members WHERE id = ?", q.Viewer.MemberID).Scan(&username); err != nil {
			return nil, fmt.Errorf("read searching member %d: %w", q.Viewer.MemberID, err)
		}
		me = prefix + username
	}
	sqlText, args := searchSQL(q, match, prefix, me)
	args = append(args, sql.Named("limit", limit+1), sql.Named("offset", (res.Page-1)*limit))
	rows, err := db.read.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Text, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		h, id, err := scanHit(rows)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q.Text, err)
		}
		res.Hits, ids = append(res.Hits, h), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Text, err)
	}
	if len(res.Hits) > limit {
		res.Hits, ids, res.More = res.Hits[:limit], ids[:limit], true
	}
	return res, db.highlight(ctx, match, ids, res.Hits)
}

// localActorPrefix is what a member's actor id is their username after,
// as federation.IRIs builds it: the node's own rows have no actor column.
func (db *DB) localActorPrefix(ctx context.Context) (string, error) {
	var scheme, host string
	err := db.queryRow(ctx, "SELECT scheme, host FROM node WHERE id = 1").Scan(&scheme, &host)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read node for search: %w", err)
	}
	return scheme + "://" + host + "/users/", nil
}

// highlight fills in the marked titles and snippets of the page's hits
// only: computed in the search itself, they would be made for every match
// before the sort keeps a page of them.
func (db *DB) highlight(ctx context.Context, match string, ids []int64, hits []SearchHit) error {
	if len(ids) == 0 {
		return nil
	}
	marks := strings.Repeat(", ?", len(ids))[2:]
	args := []any{markOpen, markClose, markOpen, markClose, match}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT rowid, highlight(search_fts, 0, ?, ?), snippet(search_fts, 1, ?, ?, '…', 24)
		FROM search_fts WHERE search_fts MATCH ? AND rowid IN (`+marks+`)`, args...)
	if err != nil {
		return fmt.Errorf("highlight search results: %w", err)
	}
	defer rows.Close()
	at := map[int64]int{}
	for i, id := range ids {
		at[id] = i
	}
	for rows.Next() {
		var id int64
		var title, snippet string
		if err := rows.Scan(&id, &title, &snippet); err != nil {
			return fmt.Errorf("highlight search results: %w", err)
		}
		h := &hits[at[id]]
		h.Title, h.Snippet = fragments(strings.TrimSpace(title)), fragments(strings.TrimSpace(snippet))
	}
	return rows.Err()
}

// fragments splits text marked by highlight() or snippet() at the marks.
func fragments(marked string) []Fragment {
	var out []Fragment
	for marked != "" {
		before, rest, found := strings.Cut(marked, markOpen)
		if before != "" {
			out = append(out, Fragment{Text: before})
		}
		if !found {
			break
		}
		hit, after, _ := strings.Cut(rest, markClose)
		if hit != "" {
			out = append(out, Fragment{Text: hit, Match: true})
		}
		marked = after
	}
	return out
}
