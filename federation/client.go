package federation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Limits of the outbound client. A peer that is slow or sends too much
// must not hold a worker: every step has a deadline and a body cap.
const (
	dialTimeout           = 5 * time.Second
	tlsHandshakeTimeout   = 5 * time.Second
	responseHeaderTimeout = 10 * time.Second
	requestTimeout        = 30 * time.Second
	defaultMaxResponse    = 1 << 20 // 1 MiB, as Mastodon's body_with_limit
	maxRedirects          = 3
	errorSnippet          = 256 // response bytes quoted in an HTTPError
)

// Media types for ActivityStreams fetches, in Mastodon's order.
const activityAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// ClientConfig configures the outbound HTTP client.
type ClientConfig struct {
	UserAgent string // "Kring/VERSION (+https://host/)"
	// AllowPrivate lets the client reach loopback, private and link-local
	// addresses: development mode, where nodes federate on 127.0.0.x.
	AllowPrivate bool
	// Allow lists networks reachable even when AllowPrivate is false
	// (a peer on the LAN, a test network).
	Allow []netip.Prefix
	// Resolve maps "host" or "host:port" to "ip:port" (or "ip"), as curl's
	// --resolve: several nodes federate on loopback without DNS. The mapping
	// applies at dial time, so Host headers and signatures keep the name;
	// the target still goes through the address policy.
	Resolve map[string]string
	// MaxResponse caps a response body; zero means 1 MiB.
	MaxResponse int64
	// Refuse, when set, is asked before every request and redirect and
	// may refuse it (the node's federation policy, policy.go).
	Refuse func(ctx context.Context, u *url.URL) error
}

// Client is the node's only way to talk HTTP to other servers: timeouts,
// size limits, redirect limits and a dial-time address policy that keeps
// remote input (actor ids, inbox URLs) from reaching internal services.
// It is safe for concurrent use.
type Client struct {
	cfg ClientConfig
	hc  *http.Client
}

// HTTPError is a non-2xx answer from a peer. Callers look at Status (404
// and 410 mean gone; 429 and 5xx mean later).
type HTTPError struct {
	Method string
	URL    string
	Status int
	Body   string // up to 256 bytes of the response, for diagnostics
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s %s: status %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// signerKey carries the Signer of a GET in its context so that a redirect
// is signed again for its new target.
type signerKey struct{}

// NewClient builds the client; one per node, so connections are reused.
func NewClient(cfg ClientConfig) *Client {
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = defaultMaxResponse
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Kring"
	}
	c := &Client{cfg: cfg}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: c.control}
	tr := &http.Transport{
		Proxy: nil, // never a proxy from the environment: it would bypass the address policy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, c.mapAddr(addr))
		},
		ForceAttemptHTTP2:     true, // a custom DialContext disables HTTP/2 otherwise
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   4,
		MaxConnsPerHost:       8,
		IdleConnTimeout:       90 * time.Second,
	}
	c.hc = &http.Client{Transport: tr, Timeout: requestTimeout, CheckRedirect: c.checkRedirect}
	return c
}

// mapAddr applies the Resolve table to a dial address.
func (c *Client) mapAddr(addr string) string {
	if len(c.cfg.Resolve) == 0 {
		return addr
	}
	to, ok := c.cfg.Resolve[addr]
	if !ok {
		host, port, err := net.SplitHostPort(addr)
		if to, ok = c.cfg.Resolve[host]; !ok || err != nil {
			return addr
		}
		if _, _, err := net.SplitHostPort(to); err != nil {
			to = net.JoinHostPort(to, port) // "ip" alone keeps the URL's port
		}
	}
	return to
}

// control runs for every connection attempt with the resolved address, so
// a name that resolves (or is rebound) to an internal address is refused
// where it counts: right before connecting.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %s: not an IP address", address)
	}
	if why := c.refused(ap.Addr().Unmap()); why != "" {
		return fmt.Errorf("refusing to connect to %s: %s address (private and local addresses are reachable only in development mode or when allowed)", ap.Addr(), why)
	}
	return nil
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	reserved4 = netip.MustParsePrefix("240.0.0.0/4")
	bench4    = netip.MustParsePrefix("198.18.0.0/15")
	ietf4     = netip.MustParsePrefix("192.0.0.0/24")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// refused names the kind of a forbidden address, or returns "".
func (c *Client) refused(ip netip.Addr) string {
	if c.cfg.AllowPrivate {
		return ""
	}
	for _, p := range c.cfg.Allow {
		if p.Contains(ip) {
			return ""
		}
	}
	return addrKind(ip)
}

func addrKind(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.IsUnspecified():
		return "unspecified"
	case cgnat.Contains(ip):
		return "shared (CGNAT)"
	case thisNet.Contains(ip), reserved4.Contains(ip), bench4.Contains(ip), ietf4.Contains(ip):
		return "reserved"
	case nat64.Contains(ip):
		// NAT64 embeds an IPv4 address in the last 4 bytes: judge that one.
		b := ip.As16()
		return addrKind(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		b := ip.As16()
		return addrKind(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if via[0].Method != http.MethodGet && via[0].Method != http.MethodHead {
		// A redirected POST would be resent as a GET or without its
		// signature matching: hand the 3xx back as it is.
		return http.ErrUseLastResponse
	}
	if len(via) > maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
	}
	if c.cfg.Refuse != nil {
		if err := c.cfg.Refuse(req.Context(), req.URL); err != nil {
			return err
		}
	}
	if s, ok := req.Context().Value(signerKey{}).(Signer); ok {
		// The old signature names the old target; sign the new one.
		req.Host = ""
		if err := s.SignGet(req); err != nil {
			return err
		}
	}
	return nil
}

// GetActivity fetches an ActivityStreams document with a GET signed by
// signer (unsigned when signer has no key). It checks the status (200),
// the media type and the size, and returns the body; any other status is
// an *HTTPError. Comparing the document's id with url is the caller's job.
func (c *Client) GetActivity(ctx context.Context, url string, signer Signer) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	req.Header.Set("Accept", activityAccept)
	if signer.Key != nil {
		if err := signer.SignGet(req); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", url, err)
		}
		req = req.WithContext(context.WithValue(ctx, signerKey{}, signer))
	}
	body, resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{Method: req.Method, URL: url, Status: resp.StatusCode}
	}
	if ct := resp.Header.Get("Content-Type"); !isActivityMediaType(ct) {
		return nil, fmt.Errorf("fetch %s: Content-Type %q is not an ActivityStreams type", url, ct)
	}
	return body, nil
}

// GetJSON does an unsigned GET (WebFinger, NodeInfo) with the given Accept
// and returns the body of a 2xx answer.
func (c *Client) GetJSON(ctx context.Context, url, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	body, _, err := c.do(req)
	return body, err
}

// PostActivity signs body for inbox and POSTs it as
// application/activity+json. Any 2xx is success; otherwise an *HTTPError.
func (c *Client) PostActivity(ctx context.Context, inbox string, body []byte, signer Signer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", inbox, err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Accept", activityAccept)
	if err := signer.SignPost(req, body); err != nil {
		return fmt.Errorf("deliver to %s: %w", inbox, err)
	}
	_, _, err = c.do(req)
	return err
}

// do sends req and reads at most MaxResponse bytes of a 2xx body. The
// response body is always drained and closed so the connection is reused.
func (c *Client) do(req *http.Request) ([]byte, *http.Response, error) {
	if c.cfg.Refuse != nil {
		if err := c.cfg.Refuse(req.Context(), req.URL); err != nil {
			return nil, nil, err
		}
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, errorSnippet))
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // small leftovers only: reuse the connection
		return nil, resp, &HTTPError{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	}
	max := c.cfg.MaxResponse
	if resp.ContentLength > max {
		return nil, resp, fmt.Errorf("%s %s: response of %d bytes exceeds the %d-byte limit", req.Method, req.URL, resp.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, resp, fmt.Errorf("%s %s: read response: %w", req.Method, req.URL, err)
	}
	if int64(len(body)) > max {
		return nil, resp, fmt.Errorf("%s %s: response exceeds the %d-byte limit", req.Method, req.URL, max)
	}
	return body, resp, nil
}

// isActivityMediaType accepts what Mastodon accepts on fetch: activity+json,
// ld+json (with the ActivityStreams profile, or none), and plain JSON,
// which some servers send for AS2 documents.
func isActivityMediaType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json", "application/json":
		return true
	case "application/ld+json":
		p, ok := params["profile"]
		return !ok || strings.Contains(" "+p+" ", " https://www.w3.org/ns/activitystreams ")
	}
	return false
}
