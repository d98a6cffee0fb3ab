package federation

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestClientAddressPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"host":%q}`, r.Host)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	tests := []struct {
		name    string
		cfg     ClientConfig
		url     string
		wantErr string // "" means the fetch succeeds
	}{
		{"loopback refused", ClientConfig{}, srv.URL, "refusing to connect to 127.0.0.1: loopback address"},
		{"loopback allowed in development", ClientConfig{AllowPrivate: true}, srv.URL, ""},
		{"loopback allowed by prefix", ClientConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, srv.URL, ""},
		{"other prefix does not help", ClientConfig{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, srv.URL, "loopback"},
		// A name mapped (as DNS would) to loopback is judged on the
		// address actually dialled, not on the name.
		{"name resolving to loopback refused", ClientConfig{Resolve: map[string]string{"b.test": "127.0.0.1:" + port}}, "http://b.test/x", "refusing to connect to 127.0.0.1"},
		{"name resolving to loopback in development", ClientConfig{AllowPrivate: true, Resolve: map[string]string{"b.test": "127.0.0.1:" + port}}, "http://b.test/x", ""},
		{"host:port mapping", ClientConfig{AllowPrivate: true, Resolve: map[string]string{"b.test:8443": "127.0.0.1:" + port}}, "http://b.test:8443/x", ""},
		{"ip-only mapping keeps the port", ClientConfig{AllowPrivate: true, Resolve: map[string]string{"b.test": "127.0.0.1"}}, "http://b.test:" + port + "/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := NewClient(tt.cfg).GetJSON(t.Context(), tt.url, "application/json")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The request keeps its Host: the mapping is below HTTP.
			if u, _ := url.Parse(tt.url); !bytes.Contains(body, []byte(`"host":"`+u.Host+`"`)) {
				t.Errorf("server saw %s for %s", body, tt.url)
			}
		})
	}
}

func TestAddrKind(t *testing.T) {
	tests := map[string]string{
		"127.0.0.2":       "loopback",
		"::1":             "loopback",
		"10.1.2.3":        "private",
		"172.16.0.1":      "private",
		"192.168.1.1":     "private",
		"fd00::1":         "private",
		"169.254.169.254": "link-local",
		"fe80::1":         "link-local",
		"239.1.2.3":       "multicast",
		"224.0.0.1":       "link-local",
		"ff02::1":         "link-local",
		"0.0.0.0":         "unspecified",
		"::":              "unspecified",
		"100.64.0.1":      "shared (CGNAT)",
		"240.0.0.1":       "reserved",
		"64:ff9b::7f00:1": "loopback",
		"2002:a00:1::":    "private",
		"93.184.216.34":   "",
		"2606:4700::1111": "",
	}
	for ip, want := range tests {
		if got := addrKind(netip.MustParseAddr(ip)); got != want {
			t.Errorf("addrKind(%s) = %q, want %q", ip, got, want)
		}
	}
}

func TestClientResponses(t *testing.T) {
	var gotUA, gotSig string
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotSig = r.UserAgent(), r.Header.Get("Signature")
		w.Header().Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
		w.Write([]byte(`{"id":"x"}`))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this actor is gone", http.StatusGone)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>"))
	})
	big := bytes.Repeat([]byte("a"), 100)
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Write(big[:50])
		w.(http.Flusher).Flush() // no Content-Length: the limit must hold while reading
		w.Write(big[50:])
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) { w.Write(big[:64]) })
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(ClientConfig{AllowPrivate: true, UserAgent: "Kring/test (+https://a.test/)", MaxResponse: 64})
	s := Signer{KeyID: "https://a.test/actor#main-key", Key: sigKey(0)}
	ctx := t.Context()

	if _, err := c.GetActivity(ctx, srv.URL+"/ok", s); err != nil {
		t.Fatal(err)
	}
	if gotUA != "Kring/test (+https://a.test/)" {
		t.Errorf("User-Agent %q", gotUA)
	}
	if !strings.Contains(gotSig, `headers="(request-target) host date accept"`) {
		t.Errorf("GET not signed as Mastodon signs: %q", gotSig)
	}

	_, err := c.GetActivity(ctx, srv.URL+"/gone", s)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusGone || !strings.Contains(err.Error(), "this actor is gone") {
		t.Errorf("410: got %v", err)
	}
	if _, err := c.GetActivity(ctx, srv.URL+"/html", s); err == nil || !strings.Contains(err.Error(), "not an ActivityStreams type") {
		t.Errorf("text/html accepted: %v", err)
	}
	for _, p := range []string{"/big", "/big-chunked"} {
		if _, err := c.GetJSON(ctx, srv.URL+p, ""); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("%s: 100 bytes read with a 64-byte limit: %v", p, err)
		}
	}
	if b, err := c.GetJSON(ctx, srv.URL+"/exact", ""); err != nil || len(b) != 64 {
		t.Errorf("exactly the limit: %d bytes, %v", len(b), err)
	}

	// Three redirects are followed, and each hop is signed for its target.
	gotSig = ""
	if _, err := c.GetActivity(ctx, srv.URL+"/redirect/2", s); err != nil {
		t.Errorf("3 redirects: %v", err)
	}
	if !strings.Contains(gotSig, "keyId=") {
		t.Error("redirected GET arrived unsigned")
	}
	if _, err := c.GetActivity(ctx, srv.URL+"/redirect/3", s); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("4 redirects: %v", err)
	}
}

func TestClientRedirectSignedForNewTarget(t *testing.T) {
	e := newSigEnv(t)
	e.peer.verifier = &Verifier{Keys: staticKeys{e.keyID: {e.actor, sigSPKI(t, sigKey(0))}}}
	e.peer.set("/objects/1", map[string]any{"id": e.peer.url("/objects/1"), "type": "Note"})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, e.peer.url("/objects/1"), http.StatusMovedPermanently)
	})
	from := httptest.NewServer(mux)
	defer from.Close()
	c := NewClient(ClientConfig{AllowPrivate: true})
	if _, err := c.GetActivity(t.Context(), from.URL+"/n/1", e.alice); err != nil {
		t.Fatalf("the peer refused the redirected GET: %v", err)
	}
}

func TestClientPost(t *testing.T) {
	e := newSigEnv(t)
	c := NewClient(ClientConfig{AllowPrivate: true})
	body := []byte(sigActivity)
	if err := c.PostActivity(t.Context(), e.inbox.srv.URL+"/inbox", body, e.alice); err != nil {
		t.Fatal(err)
	}
	if got := <-e.inbox.last; got.err != nil || got.owner != e.actor {
		t.Fatalf("inbox verified owner %q, err %v", got.owner, got.err)
	}

	// A refusal surfaces as an HTTPError quoting the body; a redirect is
	// not followed (the POST would be replayed unsigned or as a GET).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		http.Error(w, strings.Repeat("x", 1000), http.StatusInternalServerError)
	}))
	defer srv.Close()
	err := c.PostActivity(t.Context(), srv.URL+"/inbox", body, e.alice)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 500 || len(he.Body) != 256 {
		t.Errorf("500: got %v", err)
	}
	err = c.PostActivity(t.Context(), srv.URL+"/moved", body, e.alice)
	if !errors.As(err, &he) || he.Status != http.StatusFound {
		t.Errorf("302 on POST: got %v", err)
	}
}

func TestIsActivityMediaType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/activity+json":                                            true,
		"application/activity+json; charset=utf-8":                             true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/ld+json":                                                  true,
		`application/ld+json; profile="https://example.com/other"`:             false,
		"application/json; charset=utf-8":                                      true,
		"text/html":                                                            false,
		"":                                                                     false,
	} {
		if got := isActivityMediaType(ct); got != want {
			t.Errorf("isActivityMediaType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func BenchmarkSignPost(b *testing.B) {
	s := Signer{KeyID: "http://a.test/users/alice#main-key", Key: sigKey(0)}
	body := []byte(sigActivity)
	b.Run("rsa-only", func(b *testing.B) {
		h := sha256.Sum256(body)
		for b.Loop() {
			if _, err := rsa.SignPKCS1v15(nil, s.Key, crypto.SHA256, h[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SignPost", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, "http://h0001.test/inbox", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			if err := s.SignPost(req, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
