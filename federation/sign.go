package federation

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// Headers signed on outgoing requests: exactly what Mastodon signs, so that
// the strictest peer finds everything it requires.
var (
	postSignedHeaders = []string{httpsig.RequestTarget, "host", "date", "digest", "content-type"}
	getSignedHeaders  = []string{httpsig.RequestTarget, "host", "date"}
)

// Signer signs requests on behalf of one actor key (draft-cavage HTTP
// signatures, rsa-sha256).
type Signer struct {
	KeyID string          // the key's id, "<actor id>#main-key"
	Key   *rsa.PrivateKey // nil: requests go out unsigned
	// Now is the signing clock; nil means time.Now. Tests sign in the past.
	Now func() time.Time
}

func (s Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SignPost signs an outgoing POST of body. It sets Date (now), Host (in the
// header map, which is what the signature library reads) and Digest
// (SHA-256 of body), and signs "(request-target) host date digest
// content-type". The caller sets Content-Type first. Sign each attempt when
// it is sent: a signature is good for about an hour at the receiver.
func (s Signer) SignPost(req *http.Request, body []byte) error {
	if req.Header.Get("Content-Type") == "" {
		return fmt.Errorf("sign POST %s: Content-Type must be set before signing", req.URL)
	}
	req.Header.Set("Digest", DigestHeader(body))
	return s.sign(req, postSignedHeaders)
}

// SignGet signs an outgoing GET: "(request-target) host date", plus
// "accept" when an Accept header is set, as Mastodon does.
func (s Signer) SignGet(req *http.Request) error {
	names := getSignedHeaders
	if req.Header.Get("Accept") != "" {
		names = append(names[:len(names):len(names)], "accept")
	}
	return s.sign(req, names)
}

func (s Signer) sign(req *http.Request, names []string) error {
	if s.Key == nil || s.KeyID == "" {
		return fmt.Errorf("sign %s %s: signer has no key", req.Method, req.URL)
	}
	// httpsig reads Host from the header map, while net/http sends
	// req.Host (or URL.Host): make both the same value.
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.Host = host
	req.Header["Host"] = []string{host}
	req.Header.Set("Date", s.now().UTC().Format(http.TimeFormat))
	// Re-signing (a retry, a redirect) must replace, not add, a signature.
	req.Header.Del("Signature")

	// httpsig.Signer is not safe for concurrent use; building one is cheap.
	hs, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, names, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("sign %s %s: %w", req.Method, req.URL, err)
	}
	// httpsig puts r.URL.Path (decoded) in (request-target), but the wire
	// carries the escaped path; sign a shallow copy whose Path is what is
	// sent so that paths with escapes verify. Headers are shared.
	wire := *req
	u := *req.URL
	u.Path, u.RawPath = req.URL.EscapedPath(), ""
	wire.URL = &u
	if err := hs.SignRequest(s.Key, s.KeyID, &wire, nil); err != nil {
		return fmt.Errorf("sign %s %s: %w", req.Method, req.URL, err)
	}
	return fixAlgorithm(req.Header)
}

// fixAlgorithm replaces the algorithm="hs2019" that go-fed/httpsig v1.1.0
// always writes with "rsa-sha256": what Mastodon writes, and what older
// peers that predate hs2019 understand. The algorithm parameter is not part
// of the signed string, so the signature stays valid.
func fixAlgorithm(h http.Header) error {
	v := h.Get("Signature")
	fixed := strings.Replace(v, `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1)
	if fixed == v {
		return errors.New("sign: unexpected Signature header from httpsig: no algorithm parameter")
	}
	h.Set("Signature", fixed)
	return nil
}

// --- Reading the draft-cavage format (the verifier's side) ---

// parseCavageParams reads `name="value",name=value` pairs. Quoted values
// may contain commas and backslash escapes; a repeated name is refused
// (two keyIds would be ambiguous).
func parseCavageParams(h string) (map[string]string, error) {
	p := make(map[string]string, 6)
	for i := 0; i < len(h); {
		for i < len(h) && (h[i] == ' ' || h[i] == '\t' || h[i] == ',') {
			i++
		}
		if i == len(h) {
			break
		}
		eq := strings.IndexByte(h[i:], '=')
		name := ""
		if eq > 0 {
			name = strings.TrimSpace(h[i : i+eq])
		}
		if !isToken(name) {
			// A name is a token: not empty, not white space ("\v=x"),
			// no separators ("\v,=", which read back as another
			// header); both found by FuzzCavageParams.
			return nil, fmt.Errorf("expected name=value at %q", h[i:])
		}
		i += eq + 1
		var val string
		var ok bool
		if i < len(h) && h[i] == '"' {
			val, i, ok = quotedParam(h, i+1)
			if !ok {
				return nil, fmt.Errorf("unterminated quoted value for %s", name)
			}
		} else {
			end := strings.IndexByte(h[i:], ',')
			if end < 0 {
				end = len(h) - i
			}
			val = strings.TrimSpace(h[i : i+end])
			i += end
		}
		if _, dup := p[name]; dup {
			return nil, fmt.Errorf("parameter %s appears twice", name)
		}
		p[name] = val
	}
	return p, nil
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTChar(s[i]) {
			return false
		}
	}
	return true
}

// quotedParam reads a quoted value starting after its opening quote and
// returns it and the index after the closing quote.
func quotedParam(h string, i int) (string, int, bool) {
	// Fast path: no escapes (always, in practice), so no copy.
	if end := strings.IndexAny(h[i:], `"\`); end >= 0 && h[i+end] == '"' {
		return h[i : i+end], i + end + 1, true
	}
	var b strings.Builder
	for ; i < len(h); i++ {
		switch c := h[i]; {
		case c == '\\' && i+1 < len(h):
			i++
			b.WriteByte(h[i])
		case c == '"':
			return b.String(), i + 1, true
		default:
			b.WriteByte(c)
		}
	}
	return "", i, false
}

// cavageSigningString rebuilds the signed string from the request as it
// arrived, one "name: value" line per signed name, in the sender's order.
func cavageSigningString(r *http.Request, target string, names []string, p map[string]string, alg string) (string, *VerifyError) {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(n)
		b.WriteString(": ")
		switch n {
		case "(request-target)":
			b.WriteString(strings.ToLower(r.Method))
			b.WriteByte(' ')
			b.WriteString(target)
		case "(created)", "(expires)":
			param := n[1 : len(n)-1]
			if alg != "hs2019" {
				return "", verifyErr(CodeMalformed, fmt.Sprintf("pseudo-header %s is only valid with algorithm hs2019, not %s", n, alg), nil)
			}
			if p[param] == "" {
				return "", verifyErr(CodeMalformed, fmt.Sprintf("pseudo-header %s is signed but the %s parameter is missing", n, param), nil)
			}
			b.WriteString(p[param])
		default:
			vals := sigHeaderValues(r, n)
			if len(vals) == 0 {
				return "", verifyErr(CodeMissingHeader, fmt.Sprintf("header %q is signed but absent from the request", n), nil)
			}
			for j, val := range vals {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(val))
			}
		}
	}
	return b.String(), nil
}

// sigHeaderValues reads a header as sent; Host lives in r.Host on the server
// side, not in the header map.
func sigHeaderValues(r *http.Request, name string) []string {
	vals := r.Header.Values(name)
	if len(vals) == 0 && name == "host" && r.Host != "" {
		return []string{r.Host}
	}
	return vals
}

// sigRequestTarget is the request-target as sent on the request line (origin
// form), or rebuilt from the URL for requests not read from the wire.
func sigRequestTarget(r *http.Request) string {
	t := r.RequestURI
	if strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
		t = "" // absolute form, as sent to a proxy: use the parsed URL
	}
	if t == "" || t == "*" {
		t = r.URL.RequestURI()
	}
	return t
}
