package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/web"
)

// serveConfig is what `kring serve` needs.
type serveConfig struct {
	commonConfig
	Listen string
	// Host, when set, must be the node's host: a guard against serving
	// the wrong data folder.
	Host string
	Dev  bool
	// InitHost initialises an empty data folder with this host first, so
	// that `make run` needs no other step.
	InitHost string
	// Resolve maps hosts to addresses for outgoing requests (tests).
	Resolve map[string]string
	// AuthorizedFetch requires signed GETs of collections and objects.
	AuthorizedFetch bool
	// DeliveryBackoff is the first retry's wait of a failed delivery
	// (zero: the default); a hidden flag for tests on loopback.
	DeliveryBackoff time.Duration
	// MetricsListen, when set, serves /metrics on a listener of its own
	// (ops.go); MetricsToken, when set, serves it on the public listener
	// too, to requests that bear the token.
	MetricsListen string
	MetricsToken  string
	// InboxLimits are the inbox's budgets (serve_limits.go); nil keeps
	// federation's defaults.
	InboxLimits *federation.InboxLimits
}

// firstAdminName is the first admin member's username: "admin" is reserved.
const firstAdminName = "beheerder"

func serveCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the web server",
		UsageText: "kring serve [--listen ADDR] [--data DIR] [--dev] [--host HOST] [--init-host HOST] [--metrics-listen ADDR] [--metrics-token TOKEN]",
		Description: "On the first start, when the node has no members, serve creates the admin member\n" +
			`"` + firstAdminName + `" and prints its one-time password. SIGINT or SIGTERM stop it gracefully.`,
		Flags: append(append(commonFlags(),
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "address to listen on", EnvVars: []string{"KRING_LISTEN"}},
			&cli.StringFlag{Name: "host", Usage: "the node's public host; refuse to start if the data folder belongs to another", EnvVars: []string{"KRING_HOST"}},
			&cli.BoolFlag{Name: "dev", Usage: "development mode: plain http, cookies without Secure", EnvVars: []string{"KRING_DEV"}},
			&cli.StringFlag{Name: "init-host", Usage: "initialise an empty data folder for this host first", EnvVars: []string{"KRING_INIT_HOST"}},
			resolveFlag(),
			&cli.BoolFlag{Name: "authorized-fetch", Usage: "require HTTP signatures on GETs of collections and objects (Mastodon's secure mode)",
				EnvVars: []string{"KRING_AUTHORIZED_FETCH"}},
			&cli.DurationFlag{Name: "delivery-backoff", Hidden: true, Usage: "wait before a failed delivery's first retry (default 30s; for tests)",
				EnvVars: []string{"KRING_DELIVERY_BACKOFF"}},
		), append(metricsFlags(), inboxLimitFlags()...)...),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			resolve, err := parseResolve(c.StringSlice("resolve"))
			if err != nil {
				return err
			}
			metricsListen, metricsToken, err := metricsConfigFrom(c)
			if err != nil {
				return err
			}
			inboxLimits, err := inboxLimitsFrom(c)
			if err != nil {
				return err
			}
			return runServe(c.Context, serveConfig{
				commonConfig:    common,
				Listen:          strings.TrimSpace(c.String("listen")),
				Host:            strings.TrimSpace(c.String("host")),
				Dev:             c.Bool("dev"),
				InitHost:        strings.TrimSpace(c.String("init-host")),
				Resolve:         resolve,
				AuthorizedFetch: c.Bool("authorized-fetch"),
				DeliveryBackoff: c.Duration("delivery-backoff"),
				MetricsListen:   metricsListen,
				MetricsToken:    metricsToken,
				InboxLimits:     inboxLimits,
			}, s)
		},
	}
}

// runServe serves until ctx is done (SIGINT, SIGTERM), lets in-flight
// requests finish, then closes the database, which folds the WAL back.
func runServe(ctx context.Context, cfg serveConfig, s streams) (err error) {
	if err := checkServePermissions(cfg.DataDir); err != nil { // perms.go
		return err
	}
	logger := newLogger(s.err, cfg.commonConfig)
	db, node, err := openServeDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close database: %w", cerr))
		}
	}()
	if cfg.Host != "" && cfg.Host != node.Host {
		return failure("leave out --host, or use the data folder of the node for "+cfg.Host,
			"the node in %s was initialised for host %q, not %q; the host cannot change because every actor id and follower on the fediverse depends on it",
			cfg.DataDir, node.Host, cfg.Host)
	}

	scheme := "https"
	if cfg.Dev {
		scheme = "http"
	}
	if err := db.SetNodeScheme(ctx, scheme); err != nil {
		return err
	}
	node.Scheme = scheme
	fed, err := newFederation(db, node, fedOptions{Resolve: cfg.Resolve, AuthorizedFetch: cfg.AuthorizedFetch, DeliveryBackoff: cfg.DeliveryBackoff}, logger)
	if err != nil {
		return err
	}
	if cfg.InboxLimits != nil {
		if err := fed.SetInboxLimits(*cfg.InboxLimits); err != nil {
			return err
		}
	}
	if err := fed.EnsureOrganisation(ctx, "", ""); err != nil {
		// The node works without it; the admin learns why and how to fix it.
		logger.Warn("no organisation actor", "err", err, "fix", "kring init --org-handle NAME names a free handle")
	}
	srv, err := web.New(db, web.Config{Host: node.Host, Dev: cfg.Dev, Logger: logger, Federation: fed, MediaDir: storage.MediaDir(cfg.DataDir),
		MetricsToken: cfg.MetricsToken})
	if err != nil {
		return fmt.Errorf("build web server: %w", err)
	}
	// Stops the web server's background work before the database closes.
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return failure(fmt.Sprintf("stop whatever uses %s, or choose another address, e.g. --listen 127.0.0.1:8081", cfg.Listen),
			"cannot listen on %s: %v", cfg.Listen, unwrapOp(err))
	}
	metricsLn, err := listenMetrics(cfg.MetricsListen)
	if err != nil {
		ln.Close()
		return err
	}
	if err := ensureFirstAdmin(ctx, db, node, cfg.Dev, s.err); err != nil {
		ln.Close()
		closeListener(metricsLn)
		return err
	}

	// Key generation and argon2 (19 MiB) at first start leave a heap the
	// runtime would keep until its two-minute forced GC: hand it back now so
	// an idle node stays small from the start.
	debug.FreeOSMemory()
	// Workers stop after the web server (deferred calls run in reverse):
	// an activity accepted during shutdown is still stored, and processed
	// on the next start.
	fed.Start(ctx)
	defer fed.Close()
	logger.Info("listening", "addr", ln.Addr().String(), "host", node.Host, "dev", cfg.Dev, "data", cfg.DataDir, "metrics", metricsWhere(metricsLn, cfg.MetricsToken))
	if err := runListeners(ctx, logger, ln, srv, metricsLn, srv.MetricsHandler()); err != nil {
		return err // names the address already
	}
	logger.Info("stopped")
	return nil
}

// openServeDB opens and migrates the database, first initialising it when
// --init-host asks for that, and returns the node's settings.
func openServeDB(ctx context.Context, cfg serveConfig, logger *slog.Logger) (*storage.DB, *content.Node, error) {
	if cfg.InitHost != "" {
		if err := content.ValidateHost(cfg.InitHost); err != nil {
			return nil, nil, err
		}
	}
	db, err := storage.Open(ctx, cfg.dbPath(), storage.Options{Create: cfg.InitHost != "", Migrate: true})
	if err != nil {
		return nil, nil, inDataDir(cfg.DataDir, err)
	}
	if cfg.InitHost != "" {
		created, err := ensureNode(ctx, db, content.Node{Host: cfg.InitHost, Name: "Kring", DefaultLanguage: content.LanguageDutch})
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		if created {
			logger.Info("initialised node", "host", cfg.InitHost, "data", cfg.DataDir)
		}
	}
	node, err := db.Node(ctx)
	if err != nil {
		db.Close()
		if errors.Is(err, storage.ErrNotInitialised) {
			err = fmt.Errorf("%w: %w", errNoNodeSettings, err)
		}
		return nil, nil, inDataDir(cfg.DataDir, err)
	}
	return db, node, nil
}

// ensureFirstAdmin creates the admin member when the node has none yet and
// prints its password once, to w (stderr), never to the log.
func ensureFirstAdmin(ctx context.Context, db *storage.DB, node *content.Node, dev bool, w io.Writer) error {
	n, err := db.CountMembers(ctx)
	if err != nil || n > 0 {
		return err
	}
	m, err := content.NewMember(firstAdminName, "Beheerder", "", content.RoleAdmin, node.DefaultLanguage)
	if err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	password := generatePassword(m.Username)
	if err := setSecrets(m, password); err != nil {
		return err
	}
	// CreateFirstAdmin counts again inside its transaction, so two starts
	// racing here create one admin between them.
	created, err := db.CreateFirstAdmin(ctx, m)
	if err != nil || !created {
		return err
	}
	scheme := "https"
	if dev {
		scheme = "http"
	}
	line := fmt.Sprintf("Created admin member %q with one-time password: %s — log in at %s://%s/login and change it in Settings.",
		m.Username, password, scheme, node.Host)
	rule := strings.Repeat("=", len([]rune(line)))
	fmt.Fprintf(w, "\n%s\n%s\n%s\n\n", rule, line, rule)
	return nil
}

// unwrapOp drops the "listen tcp ADDR:" prefix that the message already says.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
