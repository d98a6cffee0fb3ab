package federation

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

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
	db       *storage.DB
	cfg      Config
	iris     IRIs
	log      *slog.Logger
	client   *Client
	keys     *KeyFetcher
	verifier *Verifier
	metrics  metrics
	keyCache sync.Map // local actor IRI -> *rsa.PrivateKey

	delivery  *deliverer
	inboxWake chan struct{}
	stop      context.CancelFunc
	workers   sync.WaitGroup

	outboxItems, followerItems, followingItems collectionSource
}

// Route is one federation endpoint for the web layer to mount. MaxBody is
// the largest request body it accepts.
type Route struct {
	Pattern string
	Handler http.Handler
	MaxBody int64
}

// New builds the federation side of the node. Start runs its workers.
func New(db *storage.DB, cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	n := &Node{db: db, cfg: cfg, iris: NewIRIs(cfg.Host, cfg.Dev), log: cfg.Logger.With("component", "federation"),
		inboxWake: make(chan struct{}, 1)}
	cc := cfg.Client
	if cc.UserAgent == "" {
		cc.UserAgent = "Kring/" + cfg.Version + " (+" + n.iris.Base() + "/)"
	}
	if cfg.Dev {
		cc.AllowPrivate = true
	}
	n.client = NewClient(cc)
	n.keys = &KeyFetcher{Client: n.client, Signer: func() Signer {
		s, err := n.instanceSigner(context.Background())
		if err != nil {
			n.log.Error("instance key", "err", err)
		}
		return s
	}}
	n.verifier = &Verifier{Keys: n.keys, Now: func() time.Time { return time.Now() }}
	n.delivery = newDeliverer(n)
	n.setCollectionSources(n.outboxSource, n.followersSource, n.followingSource)
	return n, nil
}

// IRIs returns the node's IRI builder.
func (n *Node) IRIs() IRIs { return n.iris }

// Routes lists every federation endpoint.
func (n *Node) Routes() []Route {
	var rs []Route
	rs = append(rs, n.discoveryRoutes()...)
	rs = append(rs, n.actorRoutes()...)
	rs = append(rs, n.inboxRoutes()...)
	rs = append(rs, n.objectRoutes()...)
	return rs
}
