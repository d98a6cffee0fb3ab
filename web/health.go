package web

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout keeps a health check from hanging on a stuck database:
// the prober wants an answer, not a timeout of its own.
const healthTimeout = 2 * time.Second

// healthz answers 200 "ok" when the database answers, 503 otherwise. It is
// for machines, so it is plain text and not translated.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "request_id", reqFrom(r.Context()).id, "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unavailable"))
		return nil
	}
	w.Write([]byte("ok"))
	return nil
}
