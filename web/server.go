package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// Config is what the web layer needs from the command line.
type Config struct {
	Host   string // public host, e.g. kring.example.nl or localhost:8080
	Dev    bool   // development: plain http allowed, cookies without Secure
	Logger *slog.Logger
	// Federation serves the ActivityPub endpoints and the AS2 side of
	// pages that negotiate; nil runs the web pages alone.
	Federation *federation.Node
	MediaDir   string // where uploaded images live: <data>/media
	// MetricsToken, when set, serves /metrics on the public listener to
	// requests with "Authorization: Bearer <token>" (metrics.go).
	MetricsToken string
}

// Server is the node's HTTP handler. Call Close when done with it to stop
// its background sweeper.
type Server struct {
	db      *storage.DB
	cfg     Config
	log     *slog.Logger
	origins []string // what a same-origin browser sends as Origin
	now     func() time.Time

	mux     *http.ServeMux
	handler http.Handler
	metrics *metrics // Prometheus metrics, a registry per Server (metrics.go)

	catalogs map[content.Language]catalog
	pages    *pageTemplates
	static   *staticFiles

	node      nodeCache
	sitePages sitePageCache // the static pages the menu lists (pages_site.go)

	// ipLimit counts every login attempt from one client address, which
	// also bounds the password-hashing work one client can cause;
	// accountLimit counts failed attempts against one member.
	ipLimit      *limiter
	accountLimit *limiter
	// writeLimit counts a member's saves and previews of posts: rendering
	// Markdown costs CPU, and a hostile text costs much more.
	writeLimit *limiter
	// ipWriteLimit counts saves from one client address, whoever is
	// logged in; registerLimit counts registrations and searchLimit
	// searches from one address (ratelimit.go sets them up).
	ipWriteLimit  *limiter
	registerLimit *limiter
	searchLimit   *limiter
	downloadLimit *limiter // open-data downloads from one address

	sweepEvery time.Duration // how often expired sessions and limiter entries go
	stop       context.CancelFunc
	done       chan struct{}
	closeOnce  sync.Once
}

// The login limits; tests may lower them on an unstarted Server.
const (
	defaultLoginWindow      = 15 * time.Minute
	defaultAccountFailures  = 5
	defaultIPAttempts       = 20
	defaultSweepEvery       = time.Minute
	defaultNodeCacheTimeout = 5 * time.Second
)

// New builds the handler with every route and starts its background
// sweeper; Close stops it.
func New(db *storage.DB, cfg Config) (*Server, error) {
	s, err := newServer(db, cfg)
	if err != nil {
		return nil, err
	}
	s.start()
	return s, nil
}

// newServer builds a Server without starting its sweeper, so that tests
// can adjust limits and the clock first.
func newServer(db *storage.DB, cfg Config) (*Server, error) {
	if db == nil {
		return nil, errors.New("web: no database")
	}
	if err := content.ValidateHost(cfg.Host); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		db:         db,
		cfg:        cfg,
		log:        logger.With("component", "web"),
		origins:    []string{"https://" + cfg.Host},
		now:        time.Now,
		mux:        http.NewServeMux(),
		sweepEvery: defaultSweepEvery,
	}
	if cfg.Dev {
		s.origins = append(s.origins, "http://"+cfg.Host)
	}
	s.node.ttl = defaultNodeCacheTimeout
	s.metrics = newMetrics(db, cfg.Federation, s.log)
	s.ipLimit = newLimiter(defaultIPAttempts, defaultLoginWindow, s.clock)
	s.accountLimit = newLimiter(defaultAccountFailures, defaultLoginWindow, s.clock)
	s.writeLimit = newLimiter(defaultWrites, defaultWriteWindow, s.clock)
	s.ipWriteLimit = newLimiter(defaultIPWrites, defaultWriteWindow, s.clock)
	s.registerLimit = newLimiter(defaultRegistrations, defaultRegistrationWindow, s.clock)
	s.searchLimit = newLimiter(defaultSearches, defaultSearchWindow, s.clock)
	s.downloadLimit = newLimiter(defaultDownloads, defaultDownloadWindow, s.clock)

	var err error
	if s.catalogs, err = loadCatalogs(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.static, err = loadStatic(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if err := s.checkTemplates(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.pages = &pageTemplates{s: s, pages: map[content.Language]map[string]*template.Template{}}
	if err := s.registerRoutes(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.handler = s.logRequests(s.secureHeaders(s.recoverPanics(http.HandlerFunc(s.dispatch))))
	return s, nil
}

// clock lets tests move time for the limiters and sessions by replacing
// s.now before start.
func (s *Server) clock() time.Time { return s.now() }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// start runs the sweeper. Expired sessions are also refused on read, so
// the sweeper only keeps the table and the limiter maps small.
func (s *Server) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.sweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sweep(ctx)
			}
		}
	}()
}

func (s *Server) sweep(ctx context.Context) {
	s.ipLimit.cleanup()
	s.accountLimit.cleanup()
	s.writeLimit.cleanup()
	s.ipWriteLimit.cleanup()
	s.registerLimit.cleanup()
	s.searchLimit.cleanup()
	s.downloadLimit.cleanup()
	// Received posts queue for the search index; folding them in here
	// keeps the first search after a busy hour short.
	if err := s.db.SyncSearch(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("sweep search queue", "err", err)
	}
	n, err := s.db.DeleteExpiredSessions(ctx, s.now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("sweep expired sessions", "err", err)
	case n > 0:
		s.log.Debug("swept expired sessions", "count", n)
	}
}

// Close stops the background sweeper and waits for it. It is safe to call
// more than once; the database stays open.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			s.stop()
			<-s.done
		}
	})
}

// Timeouts of the HTTP server: slow clients cannot hold connections open.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// serverLimits are the HTTP server's limits on slow and large requests.
// Production uses defaultServerLimits; tests shorten them to watch a slow
// client being cut off on a real listener.
type serverLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxHeaderBytes                int
}

func defaultServerLimits() serverLimits {
	return serverLimits{ReadHeader: readHeaderTimeout, Read: readTimeout, Write: writeTimeout, Idle: idleTimeout,
		MaxHeaderBytes: maxHeaderBytes}
}

func newHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return newHTTPServerWith(h, logger, defaultServerLimits())
}

func newHTTPServerWith(h http.Handler, logger *slog.Logger, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Run serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting, lets in-flight requests finish (up to a deadline) and
// returns nil on a clean shutdown.
func Run(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := newHTTPServer(h, logger)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "addr", ln.Addr().String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), serveErr)
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutdown %s: %w", ln.Addr(), err)
	}
	return nil
}
