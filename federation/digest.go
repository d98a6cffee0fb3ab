package federation

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// DigestHeader is the RFC 3230 Digest header value for body, the only form
// Mastodon accepts: "SHA-256=<base64>".
func DigestHeader(body []byte) string {
	return "SHA-256=" + bodySHA256(body)
}

// ContentDigestHeader is the RFC 9530 Content-Digest value for body, as
// covered by RFC 9421 signatures: "sha-256=:<base64>:".
func ContentDigestHeader(body []byte) string {
	return "sha-256=:" + bodySHA256(body) + ":"
}

func bodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// checkDigest compares the Digest header with the raw body, as Mastodon's
// verify_body_digest! does: SHA-256 only, the base64 value exactly. The
// signature only proves the header was not altered; without this check a
// tampered body would pass (go-fed/httpsig does not do it).
func checkDigest(values []string, body []byte) *VerifyError {
	if len(values) == 0 {
		return verifyErr(CodeMissingHeader, "digest is signed but the request has no Digest header", nil)
	}
	want := bodySHA256(body)
	var algs []string
	for _, item := range strings.Split(strings.Join(values, ","), ",") {
		alg, val, _ := strings.Cut(strings.TrimSpace(item), "=")
		algs = append(algs, alg)
		if !strings.EqualFold(alg, "sha-256") {
			continue
		}
		val = strings.TrimSpace(val)
		if val == want {
			return nil
		}
		if b, err := base64.StdEncoding.DecodeString(val); err != nil || len(b) != sha256.Size {
			return verifyErr(CodeBadDigest, fmt.Sprintf("Digest SHA-256 value %q is not a base64 SHA-256 digest", val), nil)
		}
		return verifyErr(CodeBadDigest, fmt.Sprintf("Digest does not match the body: header says SHA-256=%s, the %d-byte body hashes to SHA-256=%s", val, len(body), want), nil)
	}
	return verifyErr(CodeBadDigest, fmt.Sprintf("Digest offers %s but not SHA-256, the only algorithm accepted", strings.Join(algs, ", ")), nil)
}

// checkContentDigest compares an RFC 9530 Content-Digest (a structured
// dictionary of byte sequences) with the raw body. Only sha-256 counts.
func checkContentDigest(values []string, body []byte) *VerifyError {
	if len(values) == 0 {
		return verifyErr(CodeMissingHeader, "content-digest is signed but the request has no Content-Digest header", nil)
	}
	dict, err := parseSFDictionary(strings.Join(values, ", "))
	if err != nil {
		return verifyErr(CodeBadDigest, fmt.Sprintf("Content-Digest is not a structured dictionary: %v", err), nil)
	}
	want := bodySHA256(body)
	var algs []string
	for _, m := range dict {
		algs = append(algs, m.key)
		if m.key != "sha-256" {
			continue
		}
		b, ok := m.value.bareItem.([]byte)
		if m.value.isList || !ok {
			return verifyErr(CodeBadDigest, "Content-Digest sha-256 is not a byte sequence (:base64:)", nil)
		}
		got := base64.StdEncoding.EncodeToString(b)
		if got == want {
			return nil
		}
		return verifyErr(CodeBadDigest, fmt.Sprintf("Content-Digest does not match the body: header says sha-256=:%s:, the %d-byte body hashes to sha-256=:%s:", got, len(body), want), nil)
	}
	return verifyErr(CodeBadDigest, fmt.Sprintf("Content-Digest offers %s but not sha-256, the only algorithm accepted", strings.Join(algs, ", ")), nil)
}

// --- RFC 8941 structured fields ---
//
// Content-Digest, and RFC 9421's Signature-Input and Signature, are
// structured-field dictionaries. This is the subset they use: strings,
// tokens, integers, byte sequences and booleans, with parameters, in items
// and inner lists. Decimals, dates and display strings are refused.

type sfToken string

type sfParam struct {
	key   string
	value any // string, sfToken, int64, []byte or bool
}

type sfItem struct {
	bareItem any
	params   []sfParam
}

// sfValue is a dictionary member: an item or an inner list, with params.
type sfValue struct {
	isList   bool
	items    []sfItem
	bareItem any
	params   []sfParam
}

func (v sfValue) param(key string) any {
	for _, p := range v.params {
		if p.key == key {
			return p.value
		}
	}
	return nil
}

type sfMember struct {
	key   string
	value sfValue
}

type sfParser struct {
	s string
	i int
}

func parseSFDictionary(s string) ([]sfMember, error) {
	p := &sfParser{s: strings.TrimSpace(s)}
	var out []sfMember
	for p.i < len(p.s) {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		v := sfValue{bareItem: true} // a bare key means true
		if p.peek() == '=' {
			p.i++
			v, err = p.itemOrInnerList()
		} else {
			v.params, err = p.parameters()
		}
		if err != nil {
			return nil, err
		}
		out = append(out, sfMember{key, v})
		p.ows()
		if p.i == len(p.s) {
			break
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("expected ',' at offset %d", p.i)
		}
		p.i++
		p.ows()
		if p.i == len(p.s) {
			return nil, fmt.Errorf("trailing comma")
		}
	}
	return out, nil
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) ows() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !(c >= 'a' && c <= 'z' || c == '*') {
		return "", fmt.Errorf("expected a key at offset %d", p.i)
	}
	for p.i < len(p.s) && strings.IndexByte("abcdefghijklmnopqrstuvwxyz0123456789_-.*", p.s[p.i]) >= 0 {
		p.i++
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) itemOrInnerList() (sfValue, error) {
	if p.peek() != '(' {
		it, err := p.item()
		return sfValue{bareItem: it.bareItem, params: it.params}, err
	}
	p.i++
	v := sfValue{isList: true}
	for {
		for p.peek() == ' ' {
			p.i++
		}
		if p.peek() == ')' {
			p.i++
			break
		}
		it, err := p.item()
		if err != nil {
			return v, err
		}
		v.items = append(v.items, it)
		if c := p.peek(); c != ' ' && c != ')' {
			return v, fmt.Errorf("expected ' ' or ')' in inner list at offset %d", p.i)
		}
	}
	var err error
	v.params, err = p.parameters()
	return v, err
}

func (p *sfParser) item() (sfItem, error) {
	b, err := p.bareItem()
	if err != nil {
		return sfItem{}, err
	}
	params, err := p.parameters()
	return sfItem{b, params}, err
}

func (p *sfParser) parameters() ([]sfParam, error) {
	var out []sfParam
	for p.peek() == ';' {
		p.i++
		for p.peek() == ' ' {
			p.i++
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		var v any = true
		if p.peek() == '=' {
			p.i++
			if v, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		out = append(out, sfParam{k, v})
	}
	return out, nil
}

func (p *sfParser) bareItem() (any, error) {
	c := p.peek()
	switch {
	case c == '"':
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s) && (p.s[p.i+1] == '"' || p.s[p.i+1] == '\\'):
				p.i++
				b.WriteByte(p.s[p.i])
			case c == '"':
				p.i++
				return b.String(), nil
			case c < 0x20 || c > 0x7e || c == '\\':
				return nil, fmt.Errorf("invalid character in string at offset %d", p.i)
			default:
				b.WriteByte(c)
			}
		}
		return nil, fmt.Errorf("unterminated string")
	case c == ':':
		end := strings.IndexByte(p.s[p.i+1:], ':')
		if end < 0 {
			return nil, fmt.Errorf("unterminated byte sequence")
		}
		b, err := base64.StdEncoding.DecodeString(p.s[p.i+1 : p.i+1+end])
		if err != nil {
			return nil, fmt.Errorf("byte sequence: %w", err)
		}
		p.i += end + 2
		return b, nil
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return p.s[p.i-1] == '1', nil
		}
		return nil, fmt.Errorf("invalid boolean at offset %d", p.i)
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i++; p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9'; p.i++ {
		}
		if p.peek() == '.' {
			return nil, fmt.Errorf("decimals are not supported (offset %d)", start)
		}
		n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil || p.i-start > 16 {
			return nil, fmt.Errorf("invalid integer at offset %d", start)
		}
		return n, nil
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '*':
		start := p.i
		for p.i < len(p.s) && (isTChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
			p.i++
		}
		return sfToken(p.s[start:p.i]), nil
	}
	return nil, fmt.Errorf("unexpected character %q at offset %d", c, p.i)
}

func isTChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func serializeSFInnerList(v sfValue) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, it := range v.items {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(serializeSFItem(it))
	}
	b.WriteByte(')')
	writeSFParams(&b, v.params)
	return b.String()
}

func serializeSFItem(it sfItem) string {
	var b strings.Builder
	writeSFBare(&b, it.bareItem)
	writeSFParams(&b, it.params)
	return b.String()
}

func writeSFParams(b *strings.Builder, params []sfParam) {
	for _, p := range params {
		b.WriteByte(';')
		b.WriteString(p.key)
		if v, ok := p.value.(bool); ok && v {
			continue
		}
		b.WriteByte('=')
		writeSFBare(b, p.value)
	}
}

func writeSFBare(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteByte('"')
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
		b.WriteByte('"')
	case sfToken:
		b.WriteString(string(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case []byte:
		b.WriteString(":" + base64.StdEncoding.EncodeToString(v) + ":")
	case bool:
		if v {
			b.WriteString("?1")
		} else {
			b.WriteString("?0")
		}
	}
}
