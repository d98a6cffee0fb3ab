package federation

import (
	"log/slog"
	"net/http"

	"kring/storage"
)

// Config is what federation needs from the command line.
type Config struct {
	Host    string // the node's public host
	Dev     bool   // plain http and loopback peers allowed
	Version string // software version, for NodeInfo and the User-Agent
	Logger  *slog.Logger
	Client  ClientConfig
}

// Node is the node's ActivityPub side: its routes, its workers and its
// outbound client.
type Node struct {
	db     *storage.DB
	cfg    Config
	iris   IRIs
	log    *slog.Logger
	client *Client
}

// Route is one federation endpoint for the web layer to mount. MaxBody is
// the largest request body it accepts.
type Route struct {
	Pattern string
	Handler http.Handler
	MaxBody int64
}

// New builds the federation side of the node.
func New(db *storage.DB, cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	n := &Node{db: db, cfg: cfg, iris: NewIRIs(cfg.Host, cfg.Dev), log: cfg.Logger.With("component", "federation")}
	cc := cfg.Client
	if cc.UserAgent == "" {
		cc.UserAgent = "Kring/" + cfg.Version + " (+" + n.iris.Base() + "/)"
	}
	if cfg.Dev {
		cc.AllowPrivate = true
	}
	n.client = NewClient(cc)
	return n, nil
}

// IRIs returns the node's IRI builder.
func (n *Node) IRIs() IRIs { return n.iris }

// Routes lists every federation endpoint.
func (n *Node) Routes() []Route {
	var rs []Route
	rs = append(rs, n.discoveryRoutes()...)
	rs = append(rs, n.actorRoutes()...)
	return rs
}
