package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// contentSecurityPolicy allows nothing inline: pages use no script at all
// and only the node's own stylesheet.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"

// secureHeaders sets the security headers on every response, before any
// handler runs, so error pages and static files carry them too.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !s.cfg.Dev {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of a response for the log
// and for panic recovery.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id (requestid.go), logs one line and
// counts it in the metrics (metrics.go) when it ends. Only the path is
// logged: queries, cookies and bodies may hold secrets.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &request{id: requestIDOf(r)}
		r = r.WithContext(withClientKey(withRequestID(withRequest(r.Context(), st), st.id), ipKey(clientIP(r))))
		w.Header().Set(requestIDHeader, st.id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", st.id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", sw.bytes))
		s.metrics.observe(r, status, time.Since(start))
	})
}

// recoverPanics turns a panicking handler into a 500 page instead of a
// dropped connection, and logs the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler meant to abort the connection
			}
			s.log.Error("panic", "request_id", reqFrom(r.Context()).id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw.status == 0 {
				s.fail(sw, r, &problem{status: http.StatusInternalServerError, key: "error.internal", detail: "panic"})
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// maxFormBytes bounds a form post: the largest legitimate one, a bio of
// 2000 characters, is far below it.
const maxFormBytes = 64 << 10

// limitBody caps the body of a state-changing request; reading past the cap
// fails with http.MaxBytesError, which fail answers with 413.
func limitBody(w http.ResponseWriter, r *http.Request, max int64) error {
	if !unsafeMethod(r.Method) {
		return nil
	}
	if r.ContentLength > max {
		return &problem{status: http.StatusRequestEntityTooLarge, key: "error.too_large",
			detail: fmt.Sprintf("body of %d bytes", r.ContentLength)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	return nil
}
