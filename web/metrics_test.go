package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

const testMetricsToken = "metrics-token-for-tests"

// newObservedNode is a federated node whose workers are stopped, with a
// metrics token; the test starts the workers when it wants deliveries.
func newObservedNode(t *testing.T, cfg Config) (*testNode, *federation.Node) {
	t.Helper()
	db := storagetest.Open(t)
	logs := &syncBuffer{}
	logger := slog.New(RequestIDHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ts := httptest.NewUnstartedServer(nil)
	host := ts.Listener.Addr().String()
	fed, err := federation.New(db, federation.Config{Host: host, Dev: true, Logger: logger})
	if err != nil {
		t.Fatalf("new federation: %v", err)
	}
	cfg.Host, cfg.Dev, cfg.Logger, cfg.Federation = host, true, logger, fed
	s, err := newServer(db, cfg)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	s.start()
	t.Cleanup(s.Close)
	ts.Config.Handler = s
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(fed.Close) // before the server and the database close
	return &testNode{t: t, db: db, srv: s, ts: ts, clock: &fakeClock{now: time.Now()}, logs: logs}, fed
}

// scrape GETs url with the token and parses the answer as the Prometheus
// text format, as Prometheus itself would.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: status %d\n%s", url, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v", err)
	}
	return families
}

// metricValue is the value of the sample of family name whose labels
// include want; ok is false when there is none.
func metricValue(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func wantMetric(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := metricValue(families, name, labels)
	if !ok {
		t.Errorf("no %s%v in the scrape", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// TestMetricsMoveWithTraffic: page GETs, signed and unsigned inbox POSTs
// and a delivery raise exactly their series.
func TestMetricsMoveWithTraffic(t *testing.T) {
	t.Parallel()
	n, fed := newObservedNode(t, Config{MetricsToken: testMetricsToken})
	metricsURL := n.ts.URL + "/metrics"
	alice := n.member("alice", "Alice")
	remote := fedtest.NewRemote(t)
	ana := remote.AddActor("ana", fedtest.Key(t, 0))

	before := scrape(t, metricsURL, testMetricsToken)
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "kring_database_size_bytes",
		"kring_delivery_queue_pending", "kring_delivery_queue_oldest_age_seconds", "kring_inbox_accepted_total", "kring_deliveries_total"} {
		if _, ok := before[name]; !ok {
			t.Errorf("no %s in the scrape", name)
		}
	}
	wantMetric(t, before, "kring_inbox_accepted_total", nil, 0)
	wantMetric(t, before, "kring_delivery_queue_pending", nil, 0)
	wantMetric(t, before, "kring_delivery_queue_oldest_age_seconds", nil, 0)
	if size, _ := metricValue(before, "kring_database_size_bytes", nil); size <= 0 {
		t.Errorf("kring_database_size_bytes = %v, want the file's size", size)
	}

	b := n.browser()
	for range 3 {
		if res := b.get("/"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %d", res.StatusCode)
		}
	}
	if res := b.get("/@alice"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /@alice: %d", res.StatusCode)
	}
	b.get("/no/such/page/at/all")

	note := remote.Base + "/notes/1"
	body, _ := json.Marshal(map[string]any{
		"@context": federation.ASContext, "id": note + "/activity", "type": "Create", "actor": ana.ID,
		"to":     []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": ana.ID, "content": "<p>Hoi</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}},
	})
	if got := fedtest.Post(t, fed.IRIs().SharedInbox(), body, ana.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("signed inbox POST: %d %s", got.Status, got.Body)
	}
	for range 2 {
		if got := fedtest.Post(t, fed.IRIs().SharedInbox(), body, nil); got.Status != http.StatusUnauthorized {
			t.Fatalf("unsigned inbox POST: %d %s", got.Status, got.Body)
		}
	}
	if _, err := fed.Follow(context.Background(), alice, ana.ID); err != nil {
		t.Fatal(err)
	}

	after := scrape(t, metricsURL, testMetricsToken)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": "/{$}", "method": "GET", "code": "200"}, 3)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": "/{handle}", "method": "GET", "code": "200"}, 1)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": routeNone, "method": "GET", "code": "404"}, 1)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": "/inbox", "method": "POST", "code": "202"}, 1)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": "/inbox", "method": "POST", "code": "401"}, 2)
	wantMetric(t, after, "kring_http_requests_total", map[string]string{"route": "/metrics", "method": "GET", "code": "200"}, 1)
	wantMetric(t, after, "kring_http_request_duration_seconds", map[string]string{"route": "/{$}", "method": "GET"}, 3)
	wantMetric(t, after, "kring_inbox_accepted_total", nil, 1)
	wantMetric(t, after, "kring_inbox_refused_total", map[string]string{"reason": federation.CodeUnsigned}, 2)
	wantMetric(t, after, "kring_delivery_queue_pending", nil, 1)
	if age, _ := metricValue(after, "kring_delivery_queue_oldest_age_seconds", nil); age < 0 || age > 60 {
		t.Errorf("oldest pending delivery is %vs old, want a moment", age)
	}
	wantMetric(t, after, "kring_deliveries_total", map[string]string{"outcome": "delivered"}, 0)

	// The workers deliver the Follow; the queue empties and the
	// delivered count moves.
	fed.Start(context.Background())
	remote.WaitFor(t, 10*time.Second, "the Follow", func(r fedtest.Received) bool {
		_, typ, _ := r.Activity()
		return typ == "Follow"
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, metricsURL, testMetricsToken)
		delivered, _ := metricValue(m, "kring_deliveries_total", map[string]string{"outcome": "delivered"})
		pending, _ := metricValue(m, "kring_delivery_queue_pending", nil)
		if delivered == 1 && pending == 0 {
			wantMetric(t, m, "kring_delivery_queue_oldest_age_seconds", nil, 0)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the delivery: delivered %v, pending %v; want 1 and 0", delivered, pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsAccess: /metrics on the public listener is there only with
// the token; the separate listener's handler serves it to anyone unless a
// token is set.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	open := newTestNode(t)
	locked, _ := newObservedNode(t, Config{MetricsToken: testMetricsToken})
	get := func(h http.Handler, url, auth string) int {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		path    string
		auth    string
		want    int
	}{
		{"public without a token is 404", open.srv, "/metrics", "", http.StatusNotFound},
		{"public without a token ignores a bearer", open.srv, "/metrics", "Bearer anything", http.StatusNotFound},
		{"public with a token, none sent", locked.srv, "/metrics", "", http.StatusUnauthorized},
		{"public with a token, a wrong one sent", locked.srv, "/metrics", "Bearer " + testMetricsToken + "x", http.StatusUnauthorized},
		{"public with a token, not as bearer", locked.srv, "/metrics", "Basic " + testMetricsToken, http.StatusUnauthorized},
		{"public with the token", locked.srv, "/metrics", "Bearer " + testMetricsToken, http.StatusOK},
		{"own listener, no token configured", open.srv.MetricsHandler(), "/metrics", "", http.StatusOK},
		{"own listener, other paths", open.srv.MetricsHandler(), "/", "", http.StatusNotFound},
		{"own listener with a token, none sent", locked.srv.MetricsHandler(), "/metrics", "", http.StatusUnauthorized},
		{"own listener with the token", locked.srv.MetricsHandler(), "/metrics", "Bearer " + testMetricsToken, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := get(tc.handler, tc.path, tc.auth); got != tc.want {
				t.Errorf("GET %s: %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

// TestMetricsRegistryPerServer: two servers in one process count apart.
func TestMetricsRegistryPerServer(t *testing.T) {
	t.Parallel()
	a, b := newTestNode(t), newTestNode(t)
	a.browser().get("/")
	count := func(n *testNode) float64 {
		rec := httptest.NewRecorder()
		n.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		parser := expfmt.NewTextParser(model.LegacyValidation)
		families, err := parser.TextToMetricFamilies(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := metricValue(families, "kring_http_requests_total", map[string]string{"route": "/{$}"})
		return v
	}
	if got, want := count(a), 1.0; got != want {
		t.Errorf("server a counted %v requests of /, want %v", got, want)
	}
	if got := count(b); got != 0 {
		t.Errorf("server b counted %v requests of /, want 0 (it served none)", got)
	}
}

func TestTokensEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "abc", false},
	} {
		if got := tokensEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("tokensEqual(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
