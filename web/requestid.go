package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// requestIDHeader names a request's id, both ways: a proxy in front may
// send one, so that its log and ours meet on the same id; every response
// carries it back, so that a member who reports an error can quote it.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an id taken from a request header.
const maxRequestIDLen = 64

type requestIDKey struct{}

// withRequestID returns ctx carrying a request's id, for the log handler
// and whatever else runs on behalf of the request.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id of the HTTP request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDOf is the id a request arrived with, when it is a sane one
// (short, and only letters, digits and "-_.:" so that it cannot forge log
// lines), otherwise a new random one.
func requestIDOf(r *http.Request) string {
	if id := r.Header.Get(requestIDHeader); validRequestID(id) {
		return id
	}
	return newRequestID()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// requestIDAttr is the key every log line of a request carries its id
// under (GUIDE.md §2's fixed keys).
const requestIDAttr = "request_id"

// RequestIDHandler wraps h so that every record logged with the context of
// an HTTP request (the *Context logging methods, LogAttrs) carries the
// request's id as request_id, in whichever component logs it. A record
// that already names request_id keeps its own.
func RequestIDHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*requestIDHandler); ok {
		return h
	}
	return &requestIDHandler{inner: h}
}

type requestIDHandler struct {
	inner slog.Handler
	named bool // WithAttrs already added a request_id
}

func (h *requestIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" && !h.named && !recordHas(rec, requestIDAttr) {
		rec = rec.Clone()
		rec.AddAttrs(slog.String(requestIDAttr, id))
	}
	return h.inner.Handle(ctx, rec)
}

func (h *requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	named := h.named
	for _, a := range attrs {
		named = named || a.Key == requestIDAttr
	}
	return &requestIDHandler{inner: h.inner.WithAttrs(attrs), named: named}
}

func (h *requestIDHandler) WithGroup(name string) slog.Handler {
	// The id of a line logged through a group lands inside the group;
	// Kring's loggers use none.
	return &requestIDHandler{inner: h.inner.WithGroup(name), named: h.named}
}

func recordHas(rec slog.Record, key string) bool {
	found := false
	rec.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}
