package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Codes of a VerifyError, short and fixed so that they can label metrics.
const (
	CodeUnsigned      = "unsigned"       // no signature at all
	CodeMalformed     = "malformed"      // a signature header that cannot be parsed
	CodeAlgorithm     = "algorithm"      // an algorithm we do not verify
	CodeMissingHeader = "missing_header" // a required header is absent or not signed
	CodeStaleDate     = "stale_date"     // the signature has expired
	CodeFutureDate    = "future_date"    // the signature was made too far ahead of our clock
	CodeBadDigest     = "bad_digest"     // Digest or Content-Digest does not match the body
	CodeKeyFetch      = "key_fetch"      // the signer's key could not be obtained
	CodeBadSignature  = "bad_signature"  // the signature does not verify
)

// Mastodon's time window (SignedRequest#matches_time_window?): a signature
// expires 5 minutes after creation unless it says otherwise, never later
// than 12 hours after, and one hour of clock skew is forgiven either way.
// A Date-signed request is thus good from 1 hour before its Date to 65
// minutes after.
const (
	sigDefaultExpiry = 5 * time.Minute
	sigMaxExpiry     = 12 * time.Hour
	sigClockSkew     = time.Hour
)

// VerifyError says why a request's signature was refused. Reason is written
// for a human on the other server (the inbox answers 401 {"error": Reason})
// and includes the cause; Code is one of the Code constants; Err, when set,
// is the underlying error (a key fetch's *HTTPError, say).
type VerifyError struct {
	Code, Reason string
	Err          error
}

func (e *VerifyError) Error() string { return e.Reason }

func (e *VerifyError) Unwrap() error { return e.Err }

// verifyErr builds a VerifyError whose Reason already names the cause, so
// that the 401 body alone tells the sender what went wrong.
func verifyErr(code, reason string, err error) *VerifyError {
	if err != nil {
		reason += ": " + err.Error()
	}
	return &VerifyError{Code: code, Reason: reason, Err: err}
}

// KeyResolver finds the public key named by a signature's keyId. It is the
// seam between verifying (pure) and fetching keys (I/O); KeyFetcher is the
// real one.
type KeyResolver interface {
	// PublicKey returns the PEM key for keyID and the IRI of the actor that
	// owns it; refresh asks to bypass any cache (key rotation).
	PublicKey(ctx context.Context, keyID string, refresh bool) (owner string, pemText string, err error)
}

// Verifier checks the HTTP signatures of incoming requests: draft-cavage
// (Signature or Authorization: Signature) and RFC 9421 (Signature-Input).
// Its zero value plus Keys is ready; it is safe for concurrent use.
type Verifier struct {
	Keys KeyResolver
	Now  func() time.Time // nil means time.Now
	// Scheme is how peers reach this node ("https" behind a TLS proxy),
	// needed to rebuild RFC 9421's @target-uri. Empty tries https, then http.
	Scheme string

	mu     sync.Mutex
	parsed map[string]*rsa.PublicKey // PEM text -> key, so hot keys are parsed once
}

// maxParsedKeys bounds the parsed-key memo; it is cleared when full.
const maxParsedKeys = 4096

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks the signature of r, whose raw body has already been read
// (body is nil for a GET), and returns the keyId and the actor that owns
// it. A refusal is a *VerifyError. The caller still has to check that the
// owner is the activity's actor.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (keyID, owner string, err error) {
	var verr *VerifyError
	if r.Header.Get("Signature-Input") != "" {
		keyID, owner, verr = v.verifyRFC9421(ctx, r, body)
	} else {
		keyID, owner, verr = v.verifyCavage(ctx, r, body)
	}
	if verr != nil {
		return keyID, "", verr // a typed nil must not become a non-nil error
	}
	return keyID, owner, nil
}

func (v *Verifier) verifyCavage(ctx context.Context, r *http.Request, body []byte) (string, string, *VerifyError) {
	raw := r.Header.Get("Signature")
	if raw == "" {
		if auth := r.Header.Get("Authorization"); len(auth) > 10 && strings.EqualFold(auth[:10], "Signature ") {
			raw = auth[10:]
		}
	}
	if raw == "" {
		return "", "", verifyErr(CodeUnsigned, "request not signed: no Signature header", nil)
	}
	p, err := parseCavageParams(raw)
	if err != nil {
		return "", "", verifyErr(CodeMalformed, "cannot parse the Signature header", err)
	}
	keyID := p["keyId"]
	if keyID == "" || p["signature"] == "" {
		return keyID, "", verifyErr(CodeMalformed, "Signature header lacks keyId or signature (both are required)", nil)
	}
	alg := strings.ToLower(p["algorithm"])
	if alg == "" {
		alg = "hs2019"
	}
	if alg != "rsa-sha256" && alg != "hs2019" {
		return keyID, "", verifyErr(CodeAlgorithm, fmt.Sprintf("unsupported signature algorithm %q (only rsa-sha256 and hs2019 are accepted)", alg), nil)
	}
	names := strings.Fields(strings.ToLower(p["headers"]))
	if _, ok := p["headers"]; !ok {
		names = []string{"date"} // the draft's default
		if alg == "hs2019" {
			names = []string{"(created)"}
		}
	}
	if verr := checkSignedNames(names, r.Method); verr != nil {
		return keyID, "", verr
	}
	created, expires, verr := cavageTimes(p, alg, names, r.Header)
	if verr != nil {
		return keyID, "", verr
	}
	if verr := checkWindow(created, expires, v.now()); verr != nil {
		return keyID, "", verr
	}
	if slices.Contains(names, "digest") {
		if verr := checkDigest(r.Header.Values("Digest"), body); verr != nil {
			return keyID, "", verr
		}
	}
	sig, err := decodeSigBase64(p["signature"])
	if err != nil {
		return keyID, "", verifyErr(CodeMalformed, "signature parameter is not base64", err)
	}
	target := sigRequestTarget(r)
	withQuery, verr := cavageSigningString(r, target, names, p, alg)
	if verr != nil {
		return keyID, "", verr
	}
	candidates := []string{withQuery}
	if path, _, ok := strings.Cut(target, "?"); ok && slices.Contains(names, "(request-target)") {
		// Mastodon also accepts a (request-target) without the query string,
		// which older Mastodons signed by mistake.
		if alt, verr := cavageSigningString(r, path, names, p, alg); verr == nil {
			candidates = append(candidates, alt)
		}
	}
	hashes := []crypto.Hash{crypto.SHA256}
	if alg == "hs2019" {
		hashes = append(hashes, crypto.SHA512) // as GoToSocial tries
	}
	owner, verr := v.withKey(ctx, keyID, func(pub *rsa.PublicKey) bool {
		return verifyPKCS1(pub, sig, candidates, hashes)
	}, withQuery)
	return keyID, owner, verr
}

// checkSignedNames applies Mastodon's verify_signature_strength!, a little
// stricter: only a POST may sign digest instead of (request-target). A GET
// signed without it could be replayed against any path of this host.
func checkSignedNames(names []string, method string) *VerifyError {
	signed := func(n string) bool { return slices.Contains(names, n) }
	var reason string
	switch {
	case !signed("date") && !signed("(created)"):
		reason = "the Date header or the (created) pseudo-header must be signed"
	case !signed("(request-target)") && (method != http.MethodPost || !signed("digest")):
		reason = "the (request-target) pseudo-header must be signed (a POST may sign Digest instead)"
	case method == http.MethodGet && !signed("host"):
		reason = "the Host header must be signed on a GET"
	case method == http.MethodPost && !signed("digest"):
		reason = "the Digest header must be signed on a POST"
	default:
		return nil
	}
	return verifyErr(CodeMissingHeader, fmt.Sprintf("%s (signed: %q)", reason, strings.Join(names, " ")), nil)
}

// cavageTimes finds when the signature was made: the created parameter
// (hs2019) or the Date header; expires is zero when not given. A parameter
// counts only when its pseudo-header is signed: otherwise anyone replaying
// a captured request could rewrite it to move the window.
func cavageTimes(p map[string]string, alg string, names []string, h http.Header) (created, expires time.Time, verr *VerifyError) {
	if c := p["created"]; alg == "hs2019" && c != "" && slices.Contains(names, "(created)") {
		t, err := unixParam(c)
		if err != nil {
			return created, expires, verifyErr(CodeMalformed, fmt.Sprintf("created parameter %q is not a Unix time", c), nil)
		}
		created = t
	} else if d := h.Get("Date"); d != "" && slices.Contains(names, "date") {
		t, err := http.ParseTime(d)
		if err != nil {
			return created, expires, verifyErr(CodeMalformed, fmt.Sprintf("Date header %q is not an HTTP date", d), err)
		}
		created = t
	} else {
		return created, expires, verifyErr(CodeMissingHeader, "no signed Date header or (created), so the signature's age is unknown", nil)
	}
	if e := p["expires"]; e != "" && slices.Contains(names, "(expires)") {
		t, err := unixParam(e)
		if err != nil {
			return created, expires, verifyErr(CodeMalformed, fmt.Sprintf("expires parameter %q is not a Unix time", e), nil)
		}
		expires = t
	}
	return created, expires, nil
}

// unixParam reads a Unix time; fractions (sent by a few servers) are cut,
// as Mastodon's to_i does.
func unixParam(s string) (time.Time, error) {
	s, _, _ = strings.Cut(s, ".")
	n, err := strconv.ParseInt(s, 10, 64)
	return time.Unix(n, 0), err
}

// checkWindow is Mastodon's matches_time_window?; expires may be zero.
func checkWindow(created, expires, now time.Time) *VerifyError {
	if expires.IsZero() {
		expires = created.Add(sigDefaultExpiry)
	}
	if limit := created.Add(sigMaxExpiry); expires.After(limit) {
		expires = limit
	}
	if created.After(now.Add(sigClockSkew)) {
		return verifyErr(CodeFutureDate, fmt.Sprintf("signed request date outside acceptable time window: created %s is more than 1h ahead of our clock (%s)",
			created.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)), nil)
	}
	if now.After(expires.Add(sigClockSkew)) {
		return verifyErr(CodeStaleDate, fmt.Sprintf("signed request date outside acceptable time window: created %s, expired %s (plus 1h skew) before our clock (%s); sign each request when it is sent",
			created.UTC().Format(time.RFC3339), expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)), nil)
	}
	return nil
}

// withKey resolves keyID and runs check; when the cached key fails it
// fetches the key once more (the actor may have rotated it), as Mastodon
// does. signed is the rebuilt string, echoed in the refusal so that the
// sender can compare it with what it signed.
func (v *Verifier) withKey(ctx context.Context, keyID string, check func(*rsa.PublicKey) bool, signed string) (string, *VerifyError) {
	if v.Keys == nil {
		return "", verifyErr(CodeKeyFetch, "no key resolver configured", nil)
	}
	owner, pemText, err := v.Keys.PublicKey(ctx, keyID, false)
	if err != nil {
		return "", verifyErr(CodeKeyFetch, fmt.Sprintf("cannot get the signer's key %s", keyID), err)
	}
	pub, err := v.parseKey(pemText)
	if err != nil {
		return "", verifyErr(CodeKeyFetch, fmt.Sprintf("cannot read the signer's key %s", keyID), err)
	}
	if check(pub) {
		return owner, nil
	}
	fail := fmt.Sprintf("signature does not verify with the public key %s (owner %s); the signed string rebuilt from the request was %q", keyID, owner, signed)
	owner2, pem2, err := v.Keys.PublicKey(ctx, keyID, true)
	if err != nil {
		return "", verifyErr(CodeBadSignature, fail+"; refetching the key failed", err)
	}
	if pem2 == pemText {
		return "", verifyErr(CodeBadSignature, fail, nil)
	}
	if pub2, err := v.parseKey(pem2); err == nil && check(pub2) {
		return owner2, nil
	}
	return "", verifyErr(CodeBadSignature, fail+" (also after refetching the key)", nil)
}

func (v *Verifier) parseKey(pemText string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	pub, ok := v.parsed[pemText]
	v.mu.Unlock()
	if ok {
		return pub, nil
	}
	pub, err := ParsePublicKeyPEM(pemText)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.parsed == nil || len(v.parsed) >= maxParsedKeys {
		v.parsed = make(map[string]*rsa.PublicKey)
	}
	v.parsed[pemText] = pub
	v.mu.Unlock()
	return pub, nil
}

// verifyPKCS1 reports whether sig is an RSA PKCS#1 v1.5 signature of any
// candidate string under any of the hashes.
func verifyPKCS1(pub *rsa.PublicKey, sig []byte, candidates []string, hashes []crypto.Hash) bool {
	for _, h := range hashes {
		for _, c := range candidates {
			if rsa.VerifyPKCS1v15(pub, h, sigDigest(h, c), sig) == nil {
				return true
			}
		}
	}
	return false
}

func sigDigest(h crypto.Hash, s string) []byte {
	if h == crypto.SHA512 {
		sum := sha512.Sum512([]byte(s))
		return sum[:]
	}
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// decodeSigBase64 accepts padded and unpadded standard base64.
func decodeSigBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}
