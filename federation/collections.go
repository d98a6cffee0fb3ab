package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"kring/content"
)

// Media types the node answers with. AS2 carries a charset as Mastodon's
// does; JRD and NodeInfo are JSON, which is UTF-8 by definition.
const (
	activityContentType = "application/activity+json; charset=utf-8"
	jrdContentType      = "application/jrd+json"
	jsonContentType     = "application/json"
)

// writeActivityJSON answers an ActivityStreams document.
func writeActivityJSON(w http.ResponseWriter, status int, v any) error {
	return writeJSON(w, activityContentType, status, v)
}

// writeJRD answers a WebFinger or host-meta JSON resource descriptor.
func writeJRD(w http.ResponseWriter, status int, v any) error {
	return writeJSON(w, jrdContentType, status, v)
}

// writeJSON encodes v before writing anything, so that an encoding error
// can still become a clean 500 instead of half a body. HTML is not escaped:
// AS2 content is HTML, and \u003cp\u003e helps nobody.
func writeJSON(w http.ResponseWriter, contentType string, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", contentType, err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the peer hung up: nothing left to tell it
	return nil
}

// statusError is an answer that no domain error kind names, such as 410
// Gone for a suspended actor or 400 for a malformed query parameter.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// errStatus builds a statusError.
func errStatus(status int, format string, args ...any) error {
	return &statusError{status: status, msg: fmt.Sprintf(format, args...)}
}

// fedHandler is a federation endpoint that returns its error to
// answerError rather than writing it itself.
type fedHandler func(w http.ResponseWriter, r *http.Request) error

// handler adapts a fedHandler to net/http.
func (n *Node) handler(h fedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			n.answerError(w, r, err)
		}
	})
}

// answerError is the one place a federation error becomes a response:
// JSON {"error": "..."} with the status of its kind. Internal errors are
// logged and answered without detail.
func (n *Node) answerError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var se *statusError
	if errors.As(err, &se) {
		status, msg = se.status, se.msg
	} else if de, ok := content.AsError(err); ok && de.Kind != content.KindInternal {
		msg = de.Message
		switch de.Kind {
		case content.KindInvalid:
			status = http.StatusBadRequest
		case content.KindNotFound:
			status = http.StatusNotFound
		case content.KindConflict:
			status = http.StatusConflict
		case content.KindForbidden:
			status = http.StatusForbidden
		case content.KindUnauthorized:
			status = http.StatusUnauthorized
		}
	}
	if status >= 500 {
		n.log.ErrorContext(r.Context(), "federation request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, msg)
}

// writeError answers JSON {"error": msg}, as Mastodon answers errors.
func writeError(w http.ResponseWriter, status int, msg string) {
	_ = writeJSON(w, jsonContentType, status, map[string]string{"error": msg}) // a map of strings always encodes
}

// collectionSource pages a collection: total count and the items (IRIs or raw JSON objects) of one page.
// A limit of 0 asks for the total only.
type collectionSource func(ctx context.Context, owner string, offset, limit int) (total int, items []any, err error)

// emptyCollection is the source of a collection that has no storage yet.
func emptyCollection(context.Context, string, int, int) (int, []any, error) { return 0, nil, nil }

// setCollectionSources plugs in the storage behind the members' outbox,
// followers and following collections; a nil source serves an empty one.
func (n *Node) setCollectionSources(outbox, followers, following collectionSource) {
	n.outboxItems, n.followerItems, n.followingItems = outbox, followers, following
}

// collectionPageSize is the most items one page holds: a ?limit= may ask
// for fewer, never more, so that no request makes a page expensive.
const collectionPageSize = 20

// maxCollectionPage bounds ?page=: SQLite walks every skipped row of an
// OFFSET, so a deep page costs what all the pages before it cost. 10,000
// pages of 20 are 200,000 items, more than any collection here holds.
const maxCollectionPage = 10_000

type orderedCollection struct {
	Context    string `json:"@context"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	TotalItems int    `json:"totalItems"`
	First      string `json:"first"`
}

type orderedCollectionPage struct {
	Context      string `json:"@context"`
	ID           string `json:"id"`
	Type         string `json:"type"`
	TotalItems   int    `json:"totalItems"`
	PartOf       string `json:"partOf"`
	Next         string `json:"next,omitempty"`
	Prev         string `json:"prev,omitempty"`
	OrderedItems []any  `json:"orderedItems"`
}

// serveCollection answers the OrderedCollection whose id is id, or with
// ?page=N its Nth OrderedCollectionPage. Pages are numbered from 1.
func serveCollection(w http.ResponseWriter, r *http.Request, id, owner string, src collectionSource) error {
	if src == nil {
		src = emptyCollection
	}
	q := r.URL.Query()
	limit := collectionPageSize
	limitParam := ""
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 {
			return errStatus(http.StatusBadRequest, "limit %q is not a positive number", v)
		}
		limit = min(l, collectionPageSize)
		if limit != collectionPageSize {
			limitParam = "&limit=" + strconv.Itoa(limit)
		}
	}
	pageLink := func(p int) string { return id + "?page=" + strconv.Itoa(p) + limitParam }
	v := q.Get("page")
	if v == "" {
		total, _, err := src(r.Context(), owner, 0, 0)
		if err != nil {
			return fmt.Errorf("count collection %s: %w", id, err)
		}
		return writeActivityJSON(w, http.StatusOK, orderedCollection{
			Context: ASContext, ID: id, Type: "OrderedCollection", TotalItems: total, First: pageLink(1),
		})
	}
	page := 1
	if v != "true" { // Mastodon's own first-page links say ?page=true
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > maxCollectionPage {
			return errStatus(http.StatusBadRequest, "page %q is not a page number", v)
		}
		page = p
	}
	offset := (page - 1) * limit
	total, items, err := src(r.Context(), owner, offset, limit)
	if err != nil {
		return fmt.Errorf("page %d of collection %s: %w", page, id, err)
	}
	if len(items) > limit { // a source that ignores limit must not break the cap
		items = items[:limit]
	}
	p := orderedCollectionPage{
		Context: ASContext, ID: pageLink(page), Type: "OrderedCollectionPage", TotalItems: total,
		PartOf: id, OrderedItems: append([]any{}, items...),
	}
	if offset+len(items) < total {
		p.Next = pageLink(page + 1)
	}
	if page > 1 {
		p.Prev = pageLink(page - 1)
	}
	return writeActivityJSON(w, http.StatusOK, p)
}
