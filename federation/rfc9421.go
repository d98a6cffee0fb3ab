package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// RFC 9421 HTTP Message Signatures. Mastodon 4.5 verifies them and retries
// a delivery with one after its draft-cavage signature got a 400 or 401.
// Only what ActivityPub peers use is implemented: RSA keys, the derived
// components without parameters, and plain header fields.

// rfc9421Label is the label our signatures carry (RFC 9421's examples use it).
const rfc9421Label = "sig1"

// sigMessage is what a signature base is built from, the same for a request
// we send and a request we receive.
type sigMessage struct {
	method    string
	scheme    string // "https" or "http"
	authority string // host[:port], lowercase, default port removed
	target    string // origin-form request-target: path?query
	req       *http.Request
}

func newSigMessage(r *http.Request, scheme, host string) sigMessage {
	return sigMessage{
		method:    r.Method,
		scheme:    strings.ToLower(scheme),
		authority: normAuthority(host, scheme),
		target:    sigRequestTarget(r),
		req:       r,
	}
}

func normAuthority(host, scheme string) string {
	host = strings.ToLower(host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return host
}

// componentValue is RFC 9421 §2.1 (fields) and §2.2 (derived components).
func (m sigMessage) componentValue(name string) (string, *VerifyError) {
	path, query, _ := strings.Cut(m.target, "?")
	switch name {
	case "@method":
		return m.method, nil
	case "@target-uri":
		return m.scheme + "://" + m.authority + m.target, nil
	case "@authority":
		return m.authority, nil
	case "@scheme":
		return m.scheme, nil
	case "@request-target":
		return m.target, nil
	case "@path":
		if path == "" {
			path = "/"
		}
		return path, nil
	case "@query":
		return "?" + query, nil
	}
	if strings.HasPrefix(name, "@") {
		return "", verifyErr(CodeMalformed, fmt.Sprintf("derived component %q is not supported", name), nil)
	}
	if name != strings.ToLower(name) {
		return "", verifyErr(CodeMalformed, fmt.Sprintf("component %q must be lowercase", name), nil)
	}
	vals := sigHeaderValues(m.req, name)
	if len(vals) == 0 {
		return "", verifyErr(CodeMissingHeader, fmt.Sprintf("header %q is signed but absent from the request", name), nil)
	}
	for i := range vals {
		vals[i] = strings.TrimSpace(vals[i])
	}
	return strings.Join(vals, ", "), nil
}

// signatureBase is RFC 9421 §2.5: one `"name": value` line per covered
// component, then the @signature-params line, which re-serialises the
// Signature-Input member.
func (m sigMessage) signatureBase(input sfValue) (string, *VerifyError) {
	var b strings.Builder
	seen := make(map[string]bool, len(input.items))
	for _, it := range input.items {
		name, ok := it.bareItem.(string)
		if !ok {
			return "", verifyErr(CodeMalformed, "a covered component is not a string", nil)
		}
		if len(it.params) > 0 {
			return "", verifyErr(CodeMalformed, fmt.Sprintf("component parameters (%s) are not supported", serializeSFItem(it)), nil)
		}
		if seen[name] {
			return "", verifyErr(CodeMalformed, fmt.Sprintf("component %q is covered twice", name), nil)
		}
		seen[name] = true
		val, verr := m.componentValue(name)
		if verr != nil {
			return "", verr
		}
		b.WriteString(serializeSFItem(it))
		b.WriteString(": ")
		b.WriteString(val)
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(serializeSFInnerList(input))
	return b.String(), nil
}

// SignRFC9421 signs req with an RFC 9421 signature (label sig1) covering
// "@method" "@target-uri", plus "content-digest" and "content-type" when
// body is not nil (it sets Content-Digest), with created and keyid. The
// alg parameter is left out, as Mastodon does: the key determines it.
func (s Signer) SignRFC9421(req *http.Request, body []byte) error {
	if s.Key == nil || s.KeyID == "" {
		return fmt.Errorf("sign %s %s: signer has no key", req.Method, req.URL)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.Host = host
	req.Header["Host"] = []string{host}
	req.Header.Del("Signature")
	req.Header.Del("Signature-Input")
	names := []string{"@method", "@target-uri"}
	if body != nil {
		req.Header.Set("Content-Digest", ContentDigestHeader(body))
		names = append(names, "content-digest")
		if req.Header.Get("Content-Type") != "" {
			names = append(names, "content-type")
		}
	}
	input := sfValue{isList: true}
	for _, n := range names {
		input.items = append(input.items, sfItem{bareItem: n})
	}
	input.params = []sfParam{{"created", s.now().Unix()}, {"keyid", s.KeyID}}
	base, verr := newSigMessage(req, req.URL.Scheme, host).signatureBase(input)
	if verr != nil {
		return fmt.Errorf("sign %s %s: %w", req.Method, req.URL, verr)
	}
	sum := sha256.Sum256([]byte(base))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, sum[:])
	if err != nil {
		return fmt.Errorf("sign %s %s: %w", req.Method, req.URL, err)
	}
	req.Header.Set("Signature-Input", rfc9421Label+"="+serializeSFInnerList(input))
	req.Header.Set("Signature", rfc9421Label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

func (v *Verifier) verifyRFC9421(ctx context.Context, r *http.Request, body []byte) (string, string, *VerifyError) {
	inputs, err := parseSFDictionary(strings.Join(r.Header.Values("Signature-Input"), ", "))
	if err != nil {
		return "", "", verifyErr(CodeMalformed, "cannot parse the Signature-Input header", err)
	}
	sigs, err := parseSFDictionary(strings.Join(r.Header.Values("Signature"), ", "))
	if err != nil {
		return "", "", verifyErr(CodeMalformed, "cannot parse the Signature header as an RFC 9421 dictionary", err)
	}
	// Verify the first labelled signature that has both halves.
	var (
		input sfValue
		sig   []byte
		label string
	)
	for _, in := range inputs {
		for _, s := range sigs {
			if b, ok := s.value.bareItem.([]byte); ok && s.key == in.key && in.value.isList && !s.value.isList {
				input, sig, label = in.value, b, in.key
				break
			}
		}
		if label != "" {
			break
		}
	}
	if label == "" {
		return "", "", verifyErr(CodeMalformed, "no Signature-Input label has a matching byte-sequence Signature", nil)
	}
	keyID, _ := input.param("keyid").(string)
	if keyID == "" {
		return "", "", verifyErr(CodeMalformed, fmt.Sprintf("signature %s has no keyid parameter", label), nil)
	}
	created, ok := input.param("created").(int64)
	if !ok {
		return keyID, "", verifyErr(CodeMissingHeader, fmt.Sprintf("signature %s has no created parameter (required)", label), nil)
	}
	expires, _ := input.param("expires").(int64)
	alg, _ := input.param("alg").(string)
	if alg != "" && alg != "rsa-v1_5-sha256" && alg != "rsa-pss-sha512" {
		return keyID, "", verifyErr(CodeAlgorithm, fmt.Sprintf("unsupported alg %q (rsa-v1_5-sha256 and rsa-pss-sha512 are accepted)", alg), nil)
	}
	var names []string
	for _, it := range input.items {
		if n, ok := it.bareItem.(string); ok {
			names = append(names, n)
		}
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	switch {
	case !has("@method") || !has("@target-uri"):
		return keyID, "", verifyErr(CodeMissingHeader, fmt.Sprintf("the @method and @target-uri components must be signed (signed: %q)", names), nil)
	case r.Method == http.MethodPost && !has("content-digest"):
		return keyID, "", verifyErr(CodeMissingHeader, fmt.Sprintf("the Content-Digest header must be signed on a POST (signed: %q)", names), nil)
	}
	var exp time.Time
	if expires != 0 {
		exp = time.Unix(expires, 0)
	}
	if verr := checkWindow(time.Unix(created, 0), exp, v.now()); verr != nil {
		return keyID, "", verr
	}
	if has("content-digest") {
		if verr := checkContentDigest(r.Header.Values("Content-Digest"), body); verr != nil {
			return keyID, "", verr
		}
	}
	schemes := []string{"https", "http"}
	if v.Scheme != "" {
		schemes = []string{v.Scheme}
	}
	var bases []string
	for _, sc := range schemes {
		base, verr := newSigMessage(r, sc, r.Host).signatureBase(input)
		if verr != nil {
			return keyID, "", verr
		}
		bases = append(bases, base)
	}
	owner, verr := v.withKey(ctx, keyID, func(pub *rsa.PublicKey) bool {
		return verify9421(pub, alg, sig, bases)
	}, bases[0])
	return keyID, owner, verr
}

// verify9421 checks sig over any base with alg, or with both RSA
// algorithms when alg is absent (RFC 9421 lets the key decide).
func verify9421(pub *rsa.PublicKey, alg string, sig []byte, bases []string) bool {
	for _, base := range bases {
		if alg == "" || alg == "rsa-v1_5-sha256" {
			sum := sha256.Sum256([]byte(base))
			if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil {
				return true
			}
		}
		if alg == "" || alg == "rsa-pss-sha512" {
			sum := sha512.Sum512([]byte(base))
			if rsa.VerifyPSS(pub, crypto.SHA512, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
				return true
			}
		}
	}
	return false
}
