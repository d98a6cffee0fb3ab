package federation

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzz targets of the signature headers: the draft-cavage Signature
// parameters, RFC 8941 dictionaries (RFC 9421's Signature-Input and
// Signature, RFC 9530's Content-Digest), Digest, and the verifier fed
// every one of them at once.

func FuzzCavageParams(f *testing.F) {
	for _, s := range []string{
		`keyId="https://a.test/u#k,1", algorithm=rsa-sha256,headers="(request-target) host",signature="a\"b"`,
		`keyId="https://mastodon.example/users/alice#main-key",algorithm="hs2019",created=1700000000,expires=1700000300.5,headers="(request-target) (created) (expires) host digest",signature="c2ln"`,
		`keyId="a",keyId="b"`, `keyId="open`, `novalue`, `=x`, "\v=x", `a=,b=""`, `k="\\\"",`, ` , ,`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		p, err := parseCavageParams(h)
		if err != nil {
			if p != nil {
				t.Fatalf("parseCavageParams(%q) returned %v with the error %v", h, p, err)
			}
			return
		}
		for name := range p {
			if !isToken(name) {
				t.Fatalf("parseCavageParams(%q) gave the parameter name %q", h, name)
			}
		}
		// Written back in the canonical form (every value quoted, names
		// in order), the header must read the same.
		again, err := parseCavageParams(writeCavageParams(p))
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("parseCavageParams(%q) = %q, written back %q reads %q, %v", h, p, writeCavageParams(p), again, err)
		}
	})
}

// writeCavageParams is the draft's serialisation: name="value", with
// '"' and '\' escaped.
func writeCavageParams(p map[string]string) string {
	var b strings.Builder
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n + `="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p[n]))
		b.WriteByte('"')
	}
	return b.String()
}

func FuzzStructuredFields(f *testing.F) {
	for _, s := range []string{
		`sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://a.test/u#k";alg="rsa-v1_5-sha256"`,
		`sig1=:c2lnbmF0dXJl:, sig2=:YWJj:;x=?0`,
		`sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:YQ==:`,
		`a, b;x=1;y="z", c=(1 -2 tok/en:x *star);p, d=?1, e=?0`,
		`sig-b22=( "@method" "@authority" );created=1618884473;keyid="test-key-rsa-pss"`,
		`a=1.5`, `a="\q"`, `a=:no`, `A=1`, `a=,`, `a=1,`, `a=99999999999999999`, `a=-`, "a=:YQ\n==:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		dict, err := parseSFDictionary(h)
		if err != nil {
			if dict != nil {
				t.Fatalf("parseSFDictionary(%q) returned %v with the error %v", h, dict, err)
			}
			return
		}
		for _, m := range dict {
			checkSFValue(t, h, m.value)
		}
		// The serialisers write what RFC 9421's signature base holds: a
		// parsed dictionary written back must parse to itself.
		out := serializeSFDictionary(dict)
		again, err := parseSFDictionary(out)
		if err != nil {
			t.Fatalf("parseSFDictionary(%q) written back as %q does not parse: %v", h, out, err)
		}
		if !reflect.DeepEqual(normSF(again), normSF(dict)) {
			t.Fatalf("parseSFDictionary(%q) = %#v\nwritten back as %q it reads %#v", h, dict, out, again)
		}
		if out2 := serializeSFDictionary(again); out2 != out {
			t.Fatalf("serialisation is not stable: %q then %q", out, out2)
		}
	})
}

// checkSFValue checks that only the bare item types the parser promises
// come out of it.
func checkSFValue(t *testing.T, h string, v sfValue) {
	t.Helper()
	check := func(x any) {
		switch x.(type) {
		case string, sfToken, int64, []byte, bool:
		default:
			t.Fatalf("parseSFDictionary(%q) gave a bare item of type %T", h, x)
		}
	}
	if !v.isList {
		check(v.bareItem)
	}
	for _, it := range v.items {
		check(it.bareItem)
		for _, p := range it.params {
			check(p.value)
		}
	}
	for _, p := range v.params {
		check(p.value)
	}
}

// serializeSFDictionary writes a dictionary with the package's item and
// inner-list serialisers.
func serializeSFDictionary(dict []sfMember) string {
	var b strings.Builder
	for i, m := range dict {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.key + "=")
		if m.value.isList {
			b.WriteString(serializeSFInnerList(m.value))
		} else {
			b.WriteString(serializeSFItem(sfItem{m.value.bareItem, m.value.params}))
		}
	}
	return b.String()
}

// normSF makes empty and nil byte sequences and slices compare equal.
func normSF(dict []sfMember) []sfMember {
	out := slices.Clone(dict)
	for i := range out {
		v := &out[i].value
		if b, ok := v.bareItem.([]byte); ok && len(b) == 0 {
			v.bareItem = []byte{}
		}
		if len(v.items) == 0 {
			v.items = nil
		}
		if len(v.params) == 0 {
			v.params = nil
		}
		for j := range v.items {
			if b, ok := v.items[j].bareItem.([]byte); ok && len(b) == 0 {
				v.items[j].bareItem = []byte{}
			}
			if len(v.items[j].params) == 0 {
				v.items[j].params = nil
			}
		}
	}
	return out
}

func FuzzDigest(f *testing.F) {
	f.Add("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", []byte("{}"))
	f.Add("sha-512=abc, SHA-256=", "sha-512=:YQ==:", []byte(""))
	f.Add("md5=x,sha=y", "sha-256=(1 2)", []byte("x"))
	f.Fuzz(func(t *testing.T, digest, contentDigest string, body []byte) {
		if verr := checkDigest([]string{digest}, body); verr == nil {
			if !slices.Contains(strings.Split(strings.ReplaceAll(digest, " ", ""), ","), strings.ReplaceAll(DigestHeader(body), "SHA-256=", "")) &&
				!strings.Contains(strings.ToLower(strings.ReplaceAll(digest, " ", "")), strings.ToLower(DigestHeader(body))) {
				t.Fatalf("Digest %q accepted for a body that hashes to %s", digest, DigestHeader(body))
			}
		} else if verr.Code != CodeBadDigest {
			t.Fatalf("Digest %q refused with code %s, want %s", digest, verr.Code, CodeBadDigest)
		}
		if verr := checkContentDigest([]string{contentDigest}, body); verr == nil {
			if !strings.Contains(contentDigest, strings.TrimPrefix(ContentDigestHeader(body), "sha-256=")) {
				t.Fatalf("Content-Digest %q accepted for a body that hashes to %s", contentDigest, ContentDigestHeader(body))
			}
		} else if verr.Code != CodeBadDigest {
			t.Fatalf("Content-Digest %q refused with code %s, want %s", contentDigest, verr.Code, CodeBadDigest)
		}
		// What we send must pass our own check.
		if verr := checkDigest([]string{DigestHeader(body)}, body); verr != nil {
			t.Fatalf("our own Digest refused: %v", verr)
		}
		if verr := checkContentDigest([]string{ContentDigestHeader(body)}, body); verr != nil {
			t.Fatalf("our own Content-Digest refused: %v", verr)
		}
	})
}

// fuzzSigNow is the verifier's clock in FuzzVerify, and when its seeds
// were signed.
var fuzzSigNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	fuzzSigActor = "https://remote.example/users/alice"
	fuzzSigKeyID = fuzzSigActor + "#main-key"
)

var verifyCodes = []string{CodeUnsigned, CodeMalformed, CodeAlgorithm, CodeMissingHeader, CodeStaleDate,
	CodeFutureDate, CodeBadDigest, CodeKeyFetch, CodeBadSignature}

// FuzzVerify gives the verifier arbitrary signature headers and bodies,
// seeded with requests that carry valid signatures of both kinds. A
// request it accepts must be signed by the one known key over the body it
// carries; every refusal is a *VerifyError with a known code.
func FuzzVerify(f *testing.F) {
	signer := Signer{KeyID: fuzzSigKeyID, Key: sigKey(0), Now: func() time.Time { return fuzzSigNow }}
	body := []byte(`{"id":"https://remote.example/a/1","type":"Like","actor":"` + fuzzSigActor + `"}`)
	add := func(post bool, rfc9421 bool) {
		method := http.MethodGet
		var b []byte
		if post {
			method, b = http.MethodPost, body
		}
		req, err := http.NewRequest(method, "https://kring.test/inbox", bytes.NewReader(b))
		if err != nil {
			f.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/activity+json")
		switch {
		case rfc9421:
			err = signer.SignRFC9421(req, b)
			req.Header.Set("Date", fuzzSigNow.Format(http.TimeFormat))
		case post:
			err = signer.SignPost(req, b)
		default:
			err = signer.SignGet(req)
		}
		if err != nil {
			f.Fatal(err)
		}
		h := req.Header
		f.Add(post, h.Get("Signature"), h.Get("Signature-Input"), h.Get("Digest"), h.Get("Content-Digest"), h.Get("Date"), b)
	}
	add(true, false)
	add(false, false)
	add(true, true)
	add(false, true)
	v := &Verifier{Keys: staticKeys{fuzzSigKeyID: {fuzzSigActor, sigSPKI(f, sigKey(0))}}, Now: func() time.Time { return fuzzSigNow }}
	f.Fuzz(func(t *testing.T, post bool, signature, signatureInput, digest, contentDigest, date string, body []byte) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		r := &http.Request{Method: method, URL: &url.URL{Path: "/inbox"}, RequestURI: "/inbox", Host: "kring.test", Header: http.Header{}}
		r.Header["Host"] = []string{"kring.test"}
		r.Header.Set("Content-Type", "application/activity+json")
		r.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
		for name, val := range map[string]string{"Signature": signature, "Signature-Input": signatureInput,
			"Digest": digest, "Content-Digest": contentDigest, "Date": date} {
			if val != "" {
				r.Header[name] = []string{val} // as sent, not canonicalised by Set
			}
		}
		keyID, owner, err := v.Verify(context.Background(), r, body)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || !slices.Contains(verifyCodes, ve.Code) || ve.Reason == "" {
				t.Fatalf("Verify refused with %T %v, want a *VerifyError with a known code and a reason", err, err)
			}
			if owner != "" {
				t.Fatalf("Verify refused (%v) but named the owner %q", err, owner)
			}
			return
		}
		if keyID != fuzzSigKeyID || owner != fuzzSigActor {
			t.Fatalf("Verify accepted key %q of %q, want %q of %q", keyID, owner, fuzzSigKeyID, fuzzSigActor)
		}
		if post && !strings.Contains(digest, DigestHeader(body)[len("SHA-256="):]) &&
			!strings.Contains(contentDigest, ContentDigestHeader(body)[len("sha-256="):]) {
			t.Fatalf("Verify accepted a POST whose body (%q) matches neither Digest %q nor Content-Digest %q", body, digest, contentDigest)
		}
	})
}

// TestCavageParamNamesAreTokens holds what FuzzCavageParams found: a
// name of white space, or with separators in it, is refused.
func TestCavageParamNamesAreTokens(t *testing.T) {
	for _, h := range []string{"\v=x", "\v,=", `keyId="a",a b="c"`, `"x"="y"`} {
		if p, err := parseCavageParams(h); err == nil {
			t.Errorf("parseCavageParams(%q) = %q, want an error", h, p)
		}
	}
}
