package federation

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"kring/content"
	"kring/storage/storagetest"
)

// Fuzz targets of discovery: the WebFinger resource a peer asks about
// (serving side), the JRD a peer answers and the handle we resolve
// (client side), and the NodeInfo documents we serve.

// noNetwork is a transport that sends nothing: fuzzed input must never
// reach a real server. It records the last URL it was asked for.
type noNetwork struct {
	mu   sync.Mutex
	last *url.URL
}

var errNoNetwork = errors.New("fuzzing: no network")

func (nn *noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	nn.mu.Lock()
	nn.last = r.URL
	nn.mu.Unlock()
	return nil, errNoNetwork
}

// fuzzNode is a node on a database in a temporary folder, made once per
// fuzzing process (f's setup runs once per worker), whose client reaches
// no network.
func fuzzNode(f *testing.F) (*Node, *noNetwork) {
	f.Helper()
	db := storagetest.Open(f)
	n, err := New(db, Config{Host: "kring.test", Version: testVersion})
	if err != nil {
		f.Fatal(err)
	}
	nn := &noNetwork{}
	n.client.hc.Transport = nn // the key fetcher shares this client
	return n, nn
}

func FuzzWebFingerResource(f *testing.F) {
	for _, s := range []string{
		"acct:alice@kring.test", "acct:Alice@KRING.test", "@alice@kring.test", "alice@kring.test", "acct:bob@kring.test",
		"https://kring.test/users/alice", "https://kring.test/@alice/", "https://kring.test/actor", "https://kring.test/groups/tuin",
		"acct:kring.test@kring.test", "acct:tuin@kring.test", "acct:alice@other.example", "acct:@kring.test", "acct:alice@",
		"https://kring.test/users/", "https://kring.test/users/a/b", "http://[::1", "mailto:alice@kring.test", "acct:a@b@kring.test",
		"https://KRING.test:443/users/alice", "acct:alice%00@kring.test", "",
	} {
		f.Add(s, "")
		f.Add(s, relSelf)
	}
	n, _ := fuzzNode(f)
	storagetest.Member(f, n.db, "alice", content.RoleMember, "password one two")
	storagetest.Member(f, n.db, "bob", content.RoleMember, "password one two")
	if err := n.db.SetMemberSuspended(context.Background(), "bob", true); err != nil {
		f.Fatal(err)
	}
	handler := n.handler(n.serveWebFinger)
	f.Fuzz(func(t *testing.T, resource, rel string) {
		q := url.Values{"resource": {resource}}
		if rel != "" {
			q.Set("rel", rel)
		}
		r := httptest.NewRequest(http.MethodGet, "/.well-known/webfinger?"+q.Encode(), nil)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		var doc jrd
		switch w.Code {
		case http.StatusOK:
			if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt != "application/jrd+json" {
				t.Fatalf("resource %q: Content-Type %q", resource, w.Header().Get("Content-Type"))
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("resource %q: answer is not a JRD: %v", resource, err)
			}
		case http.StatusBadRequest, http.StatusNotFound:
			var e struct{ Error string }
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Fatalf("resource %q: %d without an error message: %q", resource, w.Code, w.Body)
			}
			return
		default:
			t.Fatalf("resource %q: status %d (%s), want 200, 400 or 404", resource, w.Code, w.Body)
		}
		user, host, ok := strings.Cut(strings.TrimPrefix(doc.Subject, "acct:"), "@")
		if !strings.HasPrefix(doc.Subject, "acct:") || !ok || host != "kring.test" || user == "" || user != strings.ToLower(user) {
			t.Fatalf("resource %q: subject %q, want acct:<name>@kring.test", resource, doc.Subject)
		}
		if user == "bob" {
			t.Fatalf("resource %q: a suspended member is found", resource)
		}
		for _, l := range doc.Links {
			if rel != "" && l.Rel != rel {
				t.Fatalf("resource %q, rel %q: link %+v was not asked for", resource, rel, l)
			}
			if !strings.HasPrefix(l.Href, "https://kring.test/") {
				t.Fatalf("resource %q: link %+v is not ours", resource, l)
			}
		}
		if rel == "" && (len(doc.Links) == 0 || doc.Links[0].Rel != relSelf || doc.Links[0].Type != activityType) {
			t.Fatalf("resource %q: links %+v, want the self link first", resource, doc.Links)
		}
	})
}

// FuzzWebFingerJRD reads arbitrary WebFinger answers as Resolve does: an
// actor id comes out only as an http(s) URL, and it is the first
// ActivityPub self link.
func FuzzWebFingerJRD(f *testing.F) {
	for _, b := range fixtureDocs(f, "webfinger") {
		f.Add(b)
	}
	f.Add([]byte(`{"links":[{"rel":"self","type":"application/activity+json","href":"javascript:alert(1)"}]}`))
	f.Add([]byte(`{"links":[{"rel":"self","type":"text/html","href":"https://a.example/@x"},{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"https://a.example/users/x"}]}`))
	f.Add([]byte(`{"links":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		href, err := jrdSelfLink(body)
		if err != nil {
			if href != "" {
				t.Fatalf("jrdSelfLink(%q) = %q with the error %v", body, href, err)
			}
			return
		}
		u, perr := url.Parse(href)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("jrdSelfLink(%q) = %q, not an http(s) URL", body, href)
		}
		var doc struct {
			Links []struct{ Rel, Type, Href string }
		}
		if json.Unmarshal(body, &doc) != nil {
			t.Fatalf("jrdSelfLink accepted %q, which encoding/json cannot read", body)
		}
		for _, l := range doc.Links {
			if l.Rel == relSelf && (strings.HasPrefix(l.Type, activityType) || strings.HasPrefix(l.Type, "application/ld+json")) && l.Href != "" {
				if l.Href != href {
					t.Fatalf("jrdSelfLink(%q) = %q, but the first ActivityPub self link is %q", body, href, l.Href)
				}
				return
			}
		}
		t.Fatalf("jrdSelfLink(%q) = %q, which is no ActivityPub self link of the document", body, href)
	})
}

// FuzzResolveHandle resolves arbitrary handles with a client that
// reaches no network: a handle is refused as KindInvalid, or its
// WebFinger request goes to the handle's own host and asks for exactly
// acct:user@host.
func FuzzResolveHandle(f *testing.F) {
	for _, s := range []string{"alice@a.example", "@alice@a.example", "acct:alice@a.example:8443", "https://a.example/users/alice",
		"alice@a.example/x", "alice@", "@a.example", "alice@a.example@b.example", "alice@a.example?x=1", "alice@[::1]:80", "a%2fb@c.example",
		"alice@evil.example\\@good.example", "alice@a b", "alice@a.example#frag", " alice@a.example "} {
		f.Add(s)
	}
	n, nn := fuzzNode(f)
	f.Fuzz(func(t *testing.T, target string) {
		nn.mu.Lock()
		nn.last = nil
		nn.mu.Unlock()
		iri, err := n.Resolve(context.Background(), target)
		trimmed := strings.TrimSpace(target)
		if strings.HasPrefix(trimmed, "https://") || strings.HasPrefix(trimmed, "http://") {
			if err != nil || iri != trimmed {
				t.Fatalf("Resolve(%q) = %q, %v, want the URL itself", target, iri, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("Resolve(%q) = %q without a network", target, iri)
		}
		nn.mu.Lock()
		asked := nn.last
		nn.mu.Unlock()
		if content.KindOf(err) == content.KindInvalid {
			if asked != nil {
				t.Fatalf("Resolve(%q) refused the handle but asked %s", target, asked)
			}
			return
		}
		if asked == nil {
			return // refused before sending: a URL net/http cannot send
		}
		handle := strings.TrimPrefix(strings.TrimPrefix(trimmed, "acct:"), "@")
		_, host, _ := strings.Cut(handle, "@")
		if !strings.EqualFold(asked.Host, host) || asked.Path != "/.well-known/webfinger" {
			t.Fatalf("Resolve(%q) asked %s: not the handle's host %q", target, asked, host)
		}
		if got := asked.Query().Get("resource"); got != "acct:"+handle {
			t.Fatalf("Resolve(%q) asked for resource %q, want %q", target, got, "acct:"+handle)
		}
	})
}

var softwareNamePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// FuzzNodeInfo serves the NodeInfo documents of a node whose name and
// description are anything an admin may type: valid JSON in the shape
// the schema asks for, with the name and description intact.
func FuzzNodeInfo(f *testing.F) {
	for _, b := range fixtureDocs(f, "nodeinfo") {
		var doc struct{ Metadata map[string]any }
		if json.Unmarshal(b, &doc) == nil {
			name, _ := doc.Metadata["nodeName"].(string)
			desc, _ := doc.Metadata["nodeDescription"].(string)
			f.Add(name, desc)
		}
	}
	f.Add("Kring \"test\" <b>", "line\nbreak \u2028 \x00 \xff")
	n, _ := fuzzNode(f)
	links := n.handler(n.serveNodeInfoLinks)
	docs := map[string]http.Handler{"2.0": n.handler(n.serveNodeInfo("2.0")), "2.1": n.handler(n.serveNodeInfo("2.1"))}
	f.Fuzz(func(t *testing.T, name, description string) {
		if err := n.db.UpdateNode(context.Background(), name, description, content.LanguageDutch); err != nil {
			return // refused as the settings page refuses it
		}
		stored, err := n.db.Node(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		links.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/nodeinfo", nil))
		var wk struct{ Links []struct{ Rel, Href string } }
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &wk) != nil || len(wk.Links) != 2 {
			t.Fatalf("/.well-known/nodeinfo: %d %s", w.Code, w.Body)
		}
		for version, h := range docs {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/nodeinfo/"+version, nil))
			if w.Code != http.StatusOK {
				t.Fatalf("nodeinfo %s: status %d: %s", version, w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, nodeInfoSchema(version)+"#") {
				t.Fatalf("nodeinfo %s: Content-Type %q", version, ct)
			}
			var doc nodeInfo
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("nodeinfo %s is not JSON: %v\n%s", version, err, w.Body)
			}
			if doc.Version != version || !softwareNamePattern.MatchString(doc.Software.Name) ||
				len(doc.Protocols) != 1 || doc.Protocols[0] != "activitypub" || doc.Services.Inbound == nil || doc.Services.Outbound == nil {
				t.Fatalf("nodeinfo %s does not follow the schema: %s", version, w.Body)
			}
			if version == "2.0" && (doc.Software.Repository != "" || doc.Software.Homepage != "") {
				t.Fatalf("nodeinfo 2.0 has 2.1's software links: %s", w.Body)
			}
			// encoding/json writes invalid UTF-8 as U+FFFD; nothing else
			// may change.
			if doc.Metadata.NodeName != jsonText(stored.Name) || doc.Metadata.NodeDescription != jsonText(stored.Description) {
				t.Fatalf("nodeinfo %s: metadata %+v, stored name %q, description %q", version, doc.Metadata, stored.Name, stored.Description)
			}
		}
	})
}

// jsonText is s as encoding/json writes it: each byte that is not
// UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// fixtureDocs returns the JSON files of one folder of
// ../shared/fixtures/activitypub, or nothing (saying so) without it.
func fixtureDocs(f *testing.F, folder string) [][]byte {
	f.Helper()
	dir := fuzzCorpusDir()
	if dir == "" {
		f.Log("../shared/fixtures/activitypub is not there: fuzzing without the real payloads as seeds")
		return nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, folder, "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fuzzCorpusDir finds shared/fixtures/activitypub in the working
// directory or a parent (as fedtest.CorpusDir does, which this package's
// own tests cannot import).
func fuzzCorpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "fixtures", "activitypub")
		if _, err := os.Stat(filepath.Join(c, "MANIFEST.tsv")); err == nil {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestResolveRefusesHandlesWithoutHost holds what FuzzResolveHandle
// found: "0@:" has no host, and is refused before anything is sent.
func TestResolveRefusesHandlesWithoutHost(t *testing.T) {
	n, err := New(storagetest.Open(t), Config{Host: "kring.test"})
	if err != nil {
		t.Fatal(err)
	}
	n.client.hc.Transport = &noNetwork{}
	for _, h := range []string{"0@:", "0@0:", "a@:80", "a@[::1", "a@b\\c.example", "a@b.example/x"} {
		if _, err := n.Resolve(t.Context(), h); content.KindOf(err) != content.KindInvalid {
			t.Errorf("Resolve(%q) = %v, want a KindInvalid error", h, err)
		}
	}
}
