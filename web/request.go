package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"kring/content"
)

// request is what the middleware learns about one request; handlers read
// it with reqFrom. It is only touched by the request's own goroutine.
type request struct {
	id       string
	prepared bool

	node    *content.Node
	session *content.Session // nil when anonymous
	member  *content.Member  // the logged-in member, nil when anonymous
	lang    content.Language
	csrf    string // the token this page's forms carry
}

type requestKey struct{}

func withRequest(ctx context.Context, st *request) context.Context {
	return context.WithValue(ctx, requestKey{}, st)
}

// reqFrom returns the request state; outside the middleware (in a unit
// test calling a helper directly) it returns an empty one.
func reqFrom(ctx context.Context) *request {
	if st, ok := ctx.Value(requestKey{}).(*request); ok {
		return st
	}
	return &request{}
}

// prepare loads what every page needs: the node's settings, the session
// and the language, and makes sure an anonymous visitor has a CSRF cookie
// for the forms on the page.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request, st *request) error {
	ctx := r.Context()
	node, err := s.node.get(ctx, s)
	if err != nil {
		return err
	}
	st.node = node
	sess, member, err := s.loadSession(ctx, w, r)
	if err != nil {
		return err
	}
	st.session, st.member = sess, member
	st.lang = chooseLanguage(r, member, node.DefaultLanguage)
	st.csrf = s.formToken(w, r, st)
	st.prepared = true
	return nil
}

// prepareLight fills what an error page needs without failing: it is used
// when prepare itself failed or never ran, so it trusts only the cache and
// the request's own headers.
func (s *Server) prepareLight(r *http.Request, st *request) {
	if st.node == nil {
		st.node = s.node.cached()
		if st.node == nil {
			st.node = &content.Node{Host: s.cfg.Host, Name: s.cfg.Host, DefaultLanguage: content.Languages[0]}
		}
	}
	if st.lang == "" {
		st.lang = chooseLanguage(r, st.member, st.node.DefaultLanguage)
	}
	st.prepared = true
}

// nodeCache keeps the node's settings for a few seconds: every page shows
// them and they change rarely (only through the CLI).
type nodeCache struct {
	ttl time.Duration

	mu   sync.Mutex
	node *content.Node
	at   time.Time
}

func (c *nodeCache) get(ctx context.Context, s *Server) (*content.Node, error) {
	now := s.now()
	c.mu.Lock()
	if c.node != nil && now.Sub(c.at) < c.ttl {
		n := c.node
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := s.db.Node(ctx)
	if err != nil {
		return nil, fmt.Errorf("load node settings: %w", err)
	}
	c.mu.Lock()
	c.node, c.at = n, now
	c.mu.Unlock()
	return n, nil
}

func (c *nodeCache) cached() *content.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.node
}
