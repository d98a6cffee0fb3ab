package federation

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignatureBaseVector rebuilds the signature base of RFC 9421's
// Appendix B.2 request with the shape of B.2.2's covered components: every
// derived component we support, header fields, and the re-serialised
// @signature-params line.
func TestSignatureBaseVector(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://example.com/foo?param=Value&Pet=dog", strings.NewReader(`{"hello": "world"}`))
	req.Header.Set("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Length", "18")
	req.Header.Set("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
	// Written with the optional spaces RFC 8941 allows inside an inner
	// list: the @signature-params line must be the canonical form.
	input := `sig-b22=( "@method" "@authority" "@path" "@query" "@target-uri" "@request-target" "@scheme" "date" "content-type" "content-length" "content-digest" );created=1618884473;keyid="test-key-rsa-pss"`
	dict, err := parseSFDictionary(input)
	if err != nil {
		t.Fatal(err)
	}
	if len(dict) != 1 || dict[0].key != "sig-b22" || !dict[0].value.isList {
		t.Fatalf("parsed %+v", dict)
	}
	got, verr := newSigMessage(req, "https", "example.com:443").signatureBase(dict[0].value)
	if verr != nil {
		t.Fatal(verr)
	}
	want := `"@method": POST
"@authority": example.com
"@path": /foo
"@query": ?param=Value&Pet=dog
"@target-uri": https://example.com/foo?param=Value&Pet=dog
"@request-target": /foo?param=Value&Pet=dog
"@scheme": https
"date": Tue, 20 Apr 2021 02:07:55 GMT
"content-type": application/json
"content-length": 18
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"@signature-params": ("@method" "@authority" "@path" "@query" "@target-uri" "@request-target" "@scheme" "date" "content-type" "content-length" "content-digest");created=1618884473;keyid="test-key-rsa-pss"`
	if got != want {
		t.Errorf("signature base:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseSFDictionary(t *testing.T) {
	d, err := parseSFDictionary(`a=(), b=:AQI=:, c;x=?0, d=tok/en:1;y="q\"s";z=-12`)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 4 {
		t.Fatalf("got %d members", len(d))
	}
	if b, _ := d[1].value.bareItem.([]byte); len(b) != 2 || b[0] != 1 {
		t.Errorf("byte sequence: %v", d[1].value.bareItem)
	}
	if v, _ := d[2].value.bareItem.(bool); !v || d[2].value.param("x") != false {
		t.Errorf("bare key: %+v", d[2].value)
	}
	if d[3].value.bareItem != sfToken("tok/en:1") || d[3].value.param("y") != `q"s` || d[3].value.param("z") != int64(-12) {
		t.Errorf("token with params: %+v", d[3].value)
	}
	for _, bad := range []string{`A=1`, `a=("x"`, `a=1,`, `a="\n"`, `a=1.5`, `a=:!!:`, `a=(1 2)x`} {
		if _, err := parseSFDictionary(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

// sign9421 signs req over names with params, for signatures SignRFC9421
// does not make. alg picks PKCS#1 v1.5 SHA-256 or PSS SHA-512.
func sign9421(t *testing.T, req *http.Request, s Signer, names []string, params []sfParam, pss bool) {
	t.Helper()
	req.Header["Host"] = []string{req.URL.Host}
	input := sfValue{isList: true, params: params}
	for _, n := range names {
		input.items = append(input.items, sfItem{bareItem: n})
	}
	base, verr := newSigMessage(req, req.URL.Scheme, req.URL.Host).signatureBase(input)
	if verr != nil {
		t.Fatal(verr)
	}
	var sig []byte
	var err error
	if pss {
		sum := sha512.Sum512([]byte(base))
		sig, err = rsa.SignPSS(rand.Reader, s.Key, crypto.SHA512, sum[:], &rsa.PSSOptions{SaltLength: 64})
	} else {
		sum := sha256.Sum256([]byte(base))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, sum[:])
	}
	must(t, err)
	req.Header.Set("Signature-Input", "sig1="+serializeSFInnerList(input))
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func TestVerifyRFC9421(t *testing.T) {
	body := []byte(sigActivity)
	other := []byte(strings.Replace(sigActivity, "Like", "Delete", 1))
	tests := []sigCase{
		{"POST signed by SignRFC9421", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox?x=1", body)
			must(t, e.alice.SignRFC9421(r, body))
			return r
		}, ""},
		{"GET signed by SignRFC9421", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			must(t, e.alice.SignRFC9421(r, nil))
			return r
		}, ""},
		{"rsa-pss-sha512 with alg", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			r.Header.Set("Content-Digest", ContentDigestHeader(body))
			sign9421(t, r, e.alice, []string{"@method", "@target-uri", "content-digest"},
				[]sfParam{{"created", time.Now().Unix()}, {"keyid", e.keyID}, {"alg", "rsa-pss-sha512"}}, true)
			return r
		}, ""},
		{"body does not match Content-Digest", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", other)
			must(t, e.alice.SignRFC9421(r, body))
			return r
		}, CodeBadDigest},
		{"Content-Digest replaced along with the body", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", other)
			must(t, e.alice.SignRFC9421(r, body))
			r.Header.Set("Content-Digest", ContentDigestHeader(other))
			return r
		}, CodeBadSignature},
		{"created 2 hours ago", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
			must(t, s.SignRFC9421(r, body))
			return r
		}, CodeStaleDate},
		{"content-digest not covered on a POST", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			sign9421(t, r, e.alice, []string{"@method", "@target-uri"},
				[]sfParam{{"created", time.Now().Unix()}, {"keyid", e.keyID}}, false)
			return r
		}, CodeMissingHeader},
		{"no created", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			sign9421(t, r, e.alice, []string{"@method", "@target-uri"}, []sfParam{{"keyid", e.keyID}}, false)
			return r
		}, CodeMissingHeader},
		{"unsupported alg", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			sign9421(t, r, e.alice, []string{"@method", "@target-uri"},
				[]sfParam{{"created", time.Now().Unix()}, {"keyid", e.keyID}, {"alg", "ed25519"}}, false)
			return r
		}, CodeAlgorithm},
		{"signed by another key", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, Signer{KeyID: e.keyID, Key: sigKey(1)}.SignRFC9421(r, body))
			return r
		}, CodeBadSignature},
		{"label without a signature", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignRFC9421(r, body))
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
			return r
		}, CodeMalformed},
	}
	runSigCases(t, tests, true)
}

func TestSignRFC9421Headers(t *testing.T) {
	r, _ := http.NewRequest("POST", "https://b.test/inbox", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/activity+json")
	s := Signer{KeyID: "https://a.test/u#main-key", Key: sigKey(0), Now: func() time.Time { return time.Unix(1700000000, 0) }}
	must(t, s.SignRFC9421(r, []byte("{}")))
	want := `sig1=("@method" "@target-uri" "content-digest" "content-type");created=1700000000;keyid="https://a.test/u#main-key"`
	if got := r.Header.Get("Signature-Input"); got != want {
		t.Errorf("Signature-Input %q\nwant %q", got, want)
	}
	if got := r.Header.Get("Content-Digest"); got != "sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:" {
		t.Errorf("Content-Digest %q", got)
	}
}
