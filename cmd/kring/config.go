package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
	"kring/web"
)

// streams are the process's standard streams, passed down so that commands
// write where main says and never reach for os.Stdout themselves.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// commonConfig is what every command that touches the data folder needs.
type commonConfig struct {
	DataDir   string
	LogLevel  slog.Level
	LogFormat string // "text" or "json"
}

// dbPath is the database file inside the data folder.
func (c commonConfig) dbPath() string { return filepath.Join(c.DataDir, storage.FileName) }

// commonFlags are accepted by every command that opens the data folder.
// Each call returns new flags: urfave/cli keeps parse state in them.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Value: "./data", Usage: "data folder holding " + storage.FileName, EnvVars: []string{"KRING_DATA"}},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"KRING_LOG_LEVEL"}},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json", EnvVars: []string{"KRING_LOG_FORMAT"}},
	}
}

// commonConfigFrom reads the common flags.
func commonConfigFrom(c *cli.Context) (commonConfig, error) {
	cfg := commonConfig{DataDir: strings.TrimSpace(c.String("data")), LogFormat: strings.ToLower(c.String("log-format"))}
	if cfg.DataDir == "" {
		return cfg, usageError(c, "--data is empty")
	}
	switch level := strings.ToLower(c.String("log-level")); level {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		return cfg, usageError(c, "unknown log level %q: use debug, info, warn or error", level)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, usageError(c, "unknown log format %q: use text or json", cfg.LogFormat)
	}
	return cfg, nil
}

// newLogger logs to w (stderr) in the configured format and level. A line
// logged with an HTTP request's context carries its request_id, whichever
// component logs it.
func newLogger(w io.Writer, cfg commonConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.RequestIDHandler(h))
}

// openDB opens the node's database, which must exist. A missing database
// becomes an error naming the data folder, so the message can say where
// it looked and what to run.
func openDB(ctx context.Context, cfg commonConfig, opts storage.Options) (*storage.DB, error) {
	db, err := storage.Open(ctx, cfg.dbPath(), opts)
	if err != nil {
		return nil, inDataDir(cfg.DataDir, err)
	}
	return db, nil
}

// openNode opens a database that `kring init` finished and whose schema
// matches this binary, and returns the node's settings. It does not
// migrate: that is `kring migrate up`, after a backup, or `kring serve`.
func openNode(ctx context.Context, cfg commonConfig) (*storage.DB, *content.Node, error) {
	db, err := openDB(ctx, cfg, storage.Options{})
	if err != nil {
		return nil, nil, err
	}
	node, err := checkNode(ctx, db, cfg)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, node, nil
}

// checkNode refuses a database behind this binary's schema and one
// without the node's settings.
func checkNode(ctx context.Context, db *storage.DB, cfg commonConfig) (*content.Node, error) {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v < storage.LatestVersion() {
		return nil, failure(fmt.Sprintf("kring backup FILE --data %s, then kring migrate up --data %s", cfg.DataDir, cfg.DataDir),
			"the database in %s is at schema version %d; this kring needs version %d", cfg.DataDir, v, storage.LatestVersion())
	}
	node, err := db.Node(ctx)
	if errors.Is(err, storage.ErrNotInitialised) {
		return nil, inDataDir(cfg.DataDir, fmt.Errorf("%w: %w", errNoNodeSettings, err))
	}
	return node, err
}

// noArgs refuses arguments to a command that takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError(c, "unexpected argument %q", c.Args().First())
	}
	return nil
}

// needArgs returns exactly as many arguments as the command's ArgsUsage
// names, or a usage error that shows the expected form.
func needArgs(c *cli.Context, names ...string) ([]string, error) {
	if c.NArg() == len(names) {
		return c.Args().Slice(), nil
	}
	form := helpName(c) + " " + strings.Join(names, " ")
	try := fmt.Sprintf("%s (see %s --help)", form, helpName(c))
	if c.NArg() < len(names) {
		return nil, &userError{msg: "missing " + strings.Join(names[c.NArg():], " "), try: try, code: exitUsage}
	}
	return nil, &userError{msg: fmt.Sprintf("unexpected argument %q", c.Args().Get(len(names))), try: try, code: exitUsage}
}
