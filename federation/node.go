package federation

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"kring/content"
	"kring/storage"
)

// Config is what federation needs from the command line.
type Config struct {
	Host    string // the node's public host
	Dev     bool   // plain http and loopback peers allowed
	Version string // software version, for NodeInfo and the User-Agent
	Logger  *slog.Logger
	Client  ClientConfig
	// AuthorizedFetch requires signed GETs for collections and objects,
	// as Mastodon's secure mode does.
	AuthorizedFetch bool
	// DeliveryBackoff is the wait before a failed delivery's first retry;
	// it doubles with every further attempt. Zero means 30 s. Tests on
	// loopback shorten it; a live node has no reason to.
	DeliveryBackoff time.Duration
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
	keyCache sync.Map // local actor IRI -> signingKey (outbox.go)

	policyCache policyCache // the federation policy in force (policy.go)
	// inboxLimit holds the inbox's budgets per host and per failing
	// address (hostlimit.go); SetInboxLimits may swap it while serving.
	inboxLimit atomic.Pointer[inboxLimiter]

	delivery  *deliverer
	inbox     groupCommit[*content.InboxItem, bool] // stores verified activities (inbox.go)
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
	if cfg.DeliveryBackoff <= 0 {
		cfg.DeliveryBackoff = defaultBackoff
	}
	n := &Node{db: db, cfg: cfg, iris: NewIRIs(cfg.Host, cfg.Dev), log: cfg.Logger.With("component", "federation"),
		inboxWake: make(chan struct{}, 1)}
	n.inbox.many, n.inbox.one = db.PutInboxBatch, db.PutInbox
	n.inboxLimit.Store(newInboxLimiter(DefaultInboxLimits(), time.Now))
	cc := cfg.Client
	if cc.UserAgent == "" {
		cc.UserAgent = "Kring/" + cfg.Version + " (+" + n.iris.Base() + "/)"
	}
	if cfg.Dev {
		cc.AllowPrivate = true
	}
	cc.Refuse = n.refuseRequest // federation policy (policy.go)
	n.client = NewClient(cc)
	n.keys = &KeyFetcher{Client: n.client, Signer: func() Signer {
		s, err := n.instanceSigner(context.Background())
		if err != nil {
			n.log.Error("instance key", "err", err)
		}
		return s
	}, Local: n.storedKey}
	n.verifier = &Verifier{Keys: n.keys, Now: func() time.Time { return time.Now() }}
	n.delivery = newDeliverer(n)
	n.setCollectionSources(n.outboxSource, n.followersSource, n.followingSource)
	return n, nil
}

// storedKey answers a signature's key from the actors already stored
// (within actorTTL of their fetch), so that a peer's deliveries cost no
// fetch once its actor is known. Only a key on its actor's host counts:
// an actor document cannot claim another server's keyId.
func (n *Node) storedKey(ctx context.Context, keyID string) (owner, pemText string, ok bool) {
	a, err := n.db.RemoteActorByKeyID(ctx, keyID)
	if err != nil || a.PublicKeyPEM == "" || hostOf(keyID) != hostOf(a.IRI) || n.now().Sub(a.FetchedAt) >= actorTTL {
		return "", "", false
	}
	return a.IRI, a.PublicKeyPEM, true
}

// IRIs returns the node's IRI builder.
func (n *Node) IRIs() IRIs { return n.iris }

// Routes lists every federation endpoint.
func (n *Node) Routes() []Route {
	var rs []Route
	rs = append(rs, n.discoveryRoutes()...)
	rs = append(rs, n.actorRoutes()...)
	rs = append(rs, n.groupRoutes()...)
	rs = append(rs, n.orgRoutes()...)
	rs = append(rs, n.speakersRoutes()...)
	rs = append(rs, n.inboxRoutes()...)
	rs = append(rs, n.objectRoutes()...)
	rs = append(rs, n.eventRoutes()...)
	if n.cfg.AuthorizedFetch {
		for i, rt := range rs {
			if signedFetchRoutes[rt.Pattern] {
				rs[i].Handler = n.requireSignedFetch(rt.Handler)
			}
		}
	}
	return rs
}
