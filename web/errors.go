package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"kring/content"
)

// handlerFunc is a handler that reports failure by returning an error;
// fail turns the error into the answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// problem is an error that already knows its answer: the status and the
// catalogue key of the message the visitor sees. err and detail are for
// the log only.
type problem struct {
	status     int
	key        string
	args       []any
	field      string // the form field at fault, if any
	retryAfter time.Duration
	allow      string // for 405
	detail     string
	err        error
}

func (p *problem) Error() string {
	switch {
	case p.err != nil:
		return p.err.Error()
	case p.detail != "":
		return p.detail
	}
	return p.key
}

func (p *problem) Unwrap() error { return p.err }

// kindStatus and kindKey answer domain errors that carry no catalogue entry
// of their own.
var (
	kindStatus = map[content.Kind]int{
		content.KindInvalid:      http.StatusBadRequest,
		content.KindNotFound:     http.StatusNotFound,
		content.KindConflict:     http.StatusConflict,
		content.KindForbidden:    http.StatusForbidden,
		content.KindUnauthorized: http.StatusUnauthorized,
	}
	kindKey = map[content.Kind]string{
		content.KindInvalid:      "error.invalid",
		content.KindNotFound:     "error.not_found",
		content.KindConflict:     "error.conflict",
		content.KindForbidden:    "error.forbidden",
		content.KindUnauthorized: "error.unauthorized",
	}
)

// codeArgs fills the placeholders of translated domain messages whose
// English original has a number in it.
var codeArgs = map[string][]any{
	"password.short":    {content.MinPasswordLen},
	"password.long":     {content.MaxPasswordLen},
	"display_name.long": {content.MaxDisplayNameLen},
	"bio.long":          {content.MaxBioLen},
	"username.long":     {content.MaxUsernameLen},
}

// problemOf is the one place that decides how an error is answered: its
// status and the safe, translatable message. Anything it does not
// recognise is a 500 whose detail only reaches the log.
func (s *Server) problemOf(err error) *problem {
	if p, ok := errors.AsType[*problem](err); ok {
		return p
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &problem{status: http.StatusRequestEntityTooLarge, key: "error.too_large", err: err}
	}
	if e, ok := content.AsError(err); ok && e.Kind != content.KindInternal {
		key := kindKey[e.Kind]
		if k := "error.code." + e.Code; e.Code != "" && s.hasKey(k) {
			key = k
		}
		return &problem{status: kindStatus[e.Kind], key: key, args: codeArgs[e.Code], field: e.Field, err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &problem{status: http.StatusServiceUnavailable, key: "error.unavailable", err: err}
	}
	return &problem{status: http.StatusInternalServerError, key: "error.internal", err: err}
}

// hasKey reports whether every catalogue has key, so a message never
// appears in one language and as a raw key in another.
func (s *Server) hasKey(key string) bool {
	for _, c := range s.catalogs {
		if _, ok := c[key]; !ok {
			return false
		}
	}
	return true
}

// statusTitle names each status the node answers with.
var statusTitle = map[int]string{
	http.StatusBadRequest:            "error.title.bad_request",
	http.StatusUnauthorized:          "error.title.unauthorized",
	http.StatusForbidden:             "error.title.forbidden",
	http.StatusNotFound:              "error.title.not_found",
	http.StatusMethodNotAllowed:      "error.title.method_not_allowed",
	http.StatusConflict:              "error.title.conflict",
	http.StatusGone:                  "error.title.gone",
	http.StatusRequestEntityTooLarge: "error.title.too_large",
	http.StatusUnsupportedMediaType:  "error.title.unsupported_type",
	http.StatusUnprocessableEntity:   "error.title.invalid",
	http.StatusTooManyRequests:       "error.title.too_many_requests",
	http.StatusInternalServerError:   "error.title.internal",
	http.StatusServiceUnavailable:    "error.title.unavailable",
}

type errorPage struct {
	Title     string
	Message   string
	RequestID string // shown for server faults so a report can be matched to the log
}

// fail answers a request whose handler returned err with an HTML error
// page in the visitor's language, and logs the detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := reqFrom(r.Context())
	p := s.problemOf(err)
	s.logProblem(r, p)
	if !st.prepared {
		s.prepareLight(r, st)
	}
	s.problemHeaders(w, p)
	cat := s.catalogs[st.lang]
	titleKey, ok := statusTitle[p.status]
	if !ok {
		titleKey = statusTitle[http.StatusInternalServerError]
	}
	page := errorPage{Title: cat.t(titleKey), Message: cat.t(p.key, p.args...)}
	if p.status >= 500 {
		page.RequestID = st.id
	}
	if rerr := s.render(w, r, p.status, "error", page); rerr != nil {
		s.log.Error("render error page", "request_id", st.id, "err", rerr)
		http.Error(w, page.Message, p.status)
	}
}

// problemHeaders sets the headers a problem's status calls for.
func (s *Server) problemHeaders(w http.ResponseWriter, p *problem) {
	if p.retryAfter > 0 {
		secs := int((p.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if p.allow != "" {
		w.Header().Set("Allow", p.allow)
	}
}

// logProblem logs server faults with their detail; a visitor's mistakes
// are routine and only logged at debug level.
func (s *Server) logProblem(r *http.Request, p *problem) {
	level := slog.LevelDebug
	if p.status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "request failed",
		slog.String("request_id", reqFrom(r.Context()).id),
		slog.Int("status", p.status),
		slog.String("err", p.Error()))
}
