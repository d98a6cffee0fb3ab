package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// sigInbox is a receiving server on loopback: its handler verifies every
// request with v and answers as the inbox does (202, or 401 {"error"}).
type sigInbox struct {
	srv  *httptest.Server
	v    *Verifier
	last chan sigOutcome
}

type sigOutcome struct {
	keyID, owner string
	err          error
}

func newSigInbox(t *testing.T, v *Verifier) *sigInbox {
	in := &sigInbox{v: v, last: make(chan sigOutcome, 1)}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodGet {
			body = nil
		}
		keyID, owner, err := in.v.Verify(r.Context(), r, body)
		in.last <- sigOutcome{keyID, owner, err}
		var ve *VerifyError
		if errors.As(err, &ve) {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": ve.Reason})
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

// send puts req on the wire and returns what the inbox's Verify said.
func (in *sigInbox) send(t *testing.T, req *http.Request) sigOutcome {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return <-in.last
}

// sigEnv is a peer with actor alice (key 0) and an inbox that fetches keys
// from the peer with signed GETs.
type sigEnv struct {
	peer         *sigPeer
	inbox        *sigInbox
	fetcher      *KeyFetcher
	actor, keyID string
	alice        Signer
}

func newSigEnv(t *testing.T) *sigEnv {
	e := &sigEnv{peer: newSigPeer(t)}
	e.fetcher = sigFetcherFor(t, e.peer)
	e.actor, e.keyID = e.peer.actor(t, "/users/alice", sigSPKI(t, sigKey(0)))
	e.alice = Signer{KeyID: e.keyID, Key: sigKey(0)}
	e.inbox = newSigInbox(t, &Verifier{Keys: e.fetcher})
	return e
}

func (e *sigEnv) req(t *testing.T, method, path string, body []byte) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.inbox.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/activity+json")
	}
	return req
}

// signWithHTTPSig signs with go-fed/httpsig directly, to craft signatures
// that Signer would never make (other header lists, hs2019 with created).
func signWithHTTPSig(t *testing.T, req *http.Request, body []byte, s Signer, algo httpsig.Algorithm, dAlgo httpsig.DigestAlgorithm, headers []string, expiresIn int64) {
	t.Helper()
	req.Header["Host"] = []string{req.URL.Host}
	if req.Header.Get("Date") == "" {
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	hs, _, err := httpsig.NewSigner([]httpsig.Algorithm{algo}, dAlgo, headers, httpsig.Signature, expiresIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := hs.SignRequest(s.Key, s.KeyID, req, body); err != nil {
		t.Fatal(err)
	}
}

const sigActivity = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.test/1","type":"Like","actor":"https://a.test/u","object":"https://b.test/n"}`

func TestVerifyCavage(t *testing.T) {
	body := []byte(sigActivity)
	ago := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(-d) } }
	tests := []sigCase{
		{"POST signed by SignPost", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignPost(r, body))
			return r
		}, ""},
		{"GET signed by SignGet with Accept", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			r.Header.Set("Accept", activityAccept)
			must(t, e.alice.SignGet(r))
			if !strings.Contains(r.Header.Get("Signature"), `headers="(request-target) host date accept"`) {
				t.Errorf("Signature %q does not sign accept", r.Header.Get("Signature"))
			}
			return r
		}, ""},
		{"GET with a query string", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob/outbox?page=1&min_id=3", nil)
			must(t, e.alice.SignGet(r))
			return r
		}, ""},
		{"(request-target) signed without the query string", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob/outbox", nil)
			must(t, e.alice.SignGet(r))
			r.URL.RawQuery = "page=2"
			return r
		}, ""},
		{"escaped path", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox/caf%C3%A9%20x", body)
			must(t, e.alice.SignPost(r, body))
			return r
		}, ""},
		{"Authorization: Signature", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignPost(r, body))
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
			return r
		}, ""},
		{"no algorithm parameter (hs2019)", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignPost(r, body))
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="rsa-sha256",`, "", 1))
			return r
		}, ""},
		{"hs2019 with (created) and (expires)", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, body, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"(request-target)", "host", "(created)", "(expires)", "digest"}, 300)
			r.Header.Del("Date")
			return r
		}, ""},
		{"hs2019 signed with RSA-SHA512", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, body, e.alice, httpsig.RSA_SHA512, httpsig.DigestSha256,
				[]string{"(request-target)", "host", "date", "digest"}, 0)
			return r
		}, ""},
		{"Date 64 minutes old", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(64 * time.Minute)
			must(t, s.SignPost(r, body))
			return r
		}, ""},
		{"Date 59 minutes ahead", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(-59 * time.Minute)
			must(t, s.SignPost(r, body))
			return r
		}, ""},
		{"unsigned", func(t *testing.T, e *sigEnv) *http.Request {
			return e.req(t, "POST", "/inbox", body)
		}, CodeUnsigned},
		{"signed with another key than the keyId's", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, Signer{KeyID: e.keyID, Key: sigKey(1)}.SignPost(r, body))
			return r
		}, CodeBadSignature},
		{"tampered body", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", []byte(strings.Replace(sigActivity, "Like", "Delete", 1)))
			must(t, e.alice.SignPost(r, body))
			return r
		}, CodeBadDigest},
		{"Digest SHA-512 only", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, body, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha512,
				[]string{"(request-target)", "host", "date", "digest"}, 0)
			return r
		}, CodeBadDigest},
		{"digest not signed on a POST", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, nil, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"(request-target)", "host", "date", "content-type"}, 0)
			return r
		}, CodeMissingHeader},
		{"host not signed on a GET", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			signWithHTTPSig(t, r, nil, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"(request-target)", "date"}, 0)
			return r
		}, CodeMissingHeader},
		{"POST signing digest instead of (request-target)", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, body, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"host", "date", "digest"}, 0)
			return r
		}, ""},
		{"GET without (request-target)", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "GET", "/users/bob", nil)
			signWithHTTPSig(t, r, nil, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"host", "date"}, 0)
			return r
		}, CodeMissingHeader},
		{"neither date nor (created) signed", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			signWithHTTPSig(t, r, body, e.alice, httpsig.RSA_SHA256, httpsig.DigestSha256,
				[]string{"(request-target)", "host", "digest"}, 0)
			return r
		}, CodeMissingHeader},
		{"Date 13 hours old", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(13 * time.Hour)
			must(t, s.SignPost(r, body))
			return r
		}, CodeStaleDate},
		{"Date 66 minutes old", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(66 * time.Minute)
			must(t, s.SignPost(r, body))
			return r
		}, CodeStaleDate},
		{"Date 61 minutes ahead", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(-61 * time.Minute)
			must(t, s.SignPost(r, body))
			return r
		}, CodeFutureDate},
		{"unsigned created parameter cannot refresh an old request", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(3 * time.Hour)
			must(t, s.SignPost(r, body))
			sig := strings.Replace(r.Header.Get("Signature"), `algorithm="rsa-sha256"`, `algorithm="hs2019",created=`+fmt.Sprint(time.Now().Unix()), 1)
			r.Header.Set("Signature", sig)
			return r
		}, CodeStaleDate},
		{"unsigned expires parameter cannot extend the window", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			s := e.alice
			s.Now = ago(3 * time.Hour)
			must(t, s.SignPost(r, body))
			r.Header.Set("Signature", r.Header.Get("Signature")+`,expires=`+fmt.Sprint(time.Now().Add(time.Hour).Unix()))
			return r
		}, CodeStaleDate},
		{"unknown algorithm", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignPost(r, body))
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "rsa-sha256", "hmac-sha256", 1))
			return r
		}, CodeAlgorithm},
		{"unparseable Signature", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, e.alice.SignPost(r, body))
			r.Header.Set("Signature", `keyId="`+e.keyID+`",signature="abc`)
			return r
		}, CodeMalformed},
		{"key cannot be fetched", func(t *testing.T, e *sigEnv) *http.Request {
			r := e.req(t, "POST", "/inbox", body)
			must(t, Signer{KeyID: e.peer.url("/users/nobody#main-key"), Key: sigKey(0)}.SignPost(r, body))
			return r
		}, CodeKeyFetch},
	}
	runSigCases(t, tests, false)
}

func TestVerifyKeyRotation(t *testing.T) {
	e := newSigEnv(t)
	now := time.Now()
	e.fetcher.Now = func() time.Time { return now }
	body := []byte(sigActivity)

	r := e.req(t, "POST", "/inbox", body)
	must(t, e.alice.SignPost(r, body))
	if got := e.inbox.send(t, r); got.err != nil {
		t.Fatalf("before rotation: %v", got.err)
	}
	// Alice rotates her key; our cache still holds the old one.
	e.peer.actor(t, "/users/alice", sigSPKI(t, sigKey(1)))
	now = now.Add(2 * time.Minute)
	r = e.req(t, "POST", "/inbox", body)
	must(t, Signer{KeyID: e.keyID, Key: sigKey(1)}.SignPost(r, body))
	if got := e.inbox.send(t, r); got.err != nil || got.owner != e.actor {
		t.Fatalf("after rotation: owner %q, err %v", got.owner, got.err)
	}
	if n := e.peer.count("/users/alice"); n != 2 {
		t.Errorf("actor fetched %d times, want 2 (cache, then one refetch)", n)
	}
}

// TestSignatureCrossCheck verifies Signer's output with go-fed/httpsig's
// own verifier, on the server side of a real connection.
func TestSignatureCrossCheck(t *testing.T) {
	k := sigKey(0)
	errs := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := httpsig.NewVerifier(r)
		if err == nil {
			err = v.Verify(&k.PublicKey, httpsig.RSA_SHA256)
		}
		errs <- err
	}))
	defer srv.Close()
	s := Signer{KeyID: "https://a.test/users/a#main-key", Key: k}
	body := []byte(sigActivity)

	post, _ := http.NewRequest("POST", srv.URL+"/users/b/inbox", bytes.NewReader(body))
	post.Header.Set("Content-Type", "application/activity+json")
	must(t, s.SignPost(post, body))
	get, _ := http.NewRequest("GET", srv.URL+"/users/b?x=1", nil)
	get.Header.Set("Accept", activityAccept)
	must(t, s.SignGet(get))
	for _, r := range []*http.Request{post, get} {
		if !strings.Contains(r.Header.Get("Signature"), `algorithm="rsa-sha256"`) {
			t.Errorf("Signature %q lacks algorithm=\"rsa-sha256\"", r.Header.Get("Signature"))
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-errs; err != nil {
			t.Errorf("%s: httpsig refuses our signature: %v", r.Method, err)
		}
	}
	if got, want := post.Header.Get("Digest"), DigestHeader(body); got != want {
		t.Errorf("Digest %q, want %q", got, want)
	}
}

func TestSignPostNeedsContentType(t *testing.T) {
	r := httptest.NewRequest("POST", "http://b.test/inbox", nil)
	if err := (Signer{KeyID: "k", Key: sigKey(0)}).SignPost(r, nil); err == nil {
		t.Error("signed a POST without Content-Type")
	}
}

func TestParseCavageParams(t *testing.T) {
	p, err := parseCavageParams(`keyId="https://a.test/u#k,1", algorithm=rsa-sha256,headers="(request-target) host",signature="a\"b"`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"keyId": "https://a.test/u#k,1", "algorithm": "rsa-sha256", "headers": "(request-target) host", "signature": `a"b`}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
	for _, bad := range []string{`keyId="a",keyId="b"`, `keyId="open`, `novalue`} {
		if _, err := parseCavageParams(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkVerifyPost measures a full verify of a signed POST with Digest
// (parse, window, digest, signing string, RSA) with the key already cached.
func BenchmarkVerifyPost(b *testing.B) {
	s := Signer{KeyID: "https://a.test/users/alice#main-key", Key: sigKey(0)}
	body := bytes.Repeat([]byte(sigActivity), 10) // ~2.5 KB, a typical Create{Note}
	out, _ := http.NewRequest("POST", "https://b.test/users/bob/inbox", bytes.NewReader(body))
	out.Header.Set("Content-Type", "application/activity+json")
	must(b, s.SignPost(out, body))
	in := httptest.NewRequest("POST", "https://b.test/users/bob/inbox", bytes.NewReader(body))
	in.Header = out.Header.Clone()
	delete(in.Header, "Host") // as on the server side: only r.Host
	v := &Verifier{Keys: staticKeys{s.KeyID: {"https://a.test/users/alice", sigSPKI(b, sigKey(0))}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.Verify(ctx, in, body); err != nil {
			b.Fatal(err)
		}
	}
}

// sigCase is a request built against a fresh sigEnv and the verifier's
// expected verdict: "" accepts, else the refusal code.
type sigCase struct {
	name     string
	build    func(t *testing.T, e *sigEnv) *http.Request
	wantCode string
}

// runSigCases verifies each case's request at a fresh inbox. With
// exactKeyID an accepted request must name e.keyID, else any keyId of
// the actor will do.
func runSigCases(t *testing.T, tests []sigCase, exactKeyID bool) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSigEnv(t)
			got := e.inbox.send(t, tt.build(t, e))
			if tt.wantCode == "" {
				if got.err != nil {
					t.Fatalf("refused: %v", got.err)
				}
				if got.owner != e.actor || got.keyID == "" || (exactKeyID && got.keyID != e.keyID) {
					t.Errorf("got keyID %q owner %q, want %q %q", got.keyID, got.owner, e.keyID, e.actor)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(got.err, &ve) {
				t.Fatalf("got %v, want a *VerifyError with code %s", got.err, tt.wantCode)
			}
			if ve.Code != tt.wantCode {
				t.Errorf("got code %s (%s), want %s", ve.Code, ve.Reason, tt.wantCode)
			}
			if ve.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}
