package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kring/federation"
	"kring/storage"
)

// metrics are the node's Prometheus metrics, in a registry of the
// Server's own (never the global default): two Servers in one process,
// as in parallel tests, count apart.
//
// What it serves:
//
//	kring_http_requests_total{route,method,code}         counter
//	kring_http_request_duration_seconds{route,method}    histogram
//	kring_inbox_accepted_total                            counter
//	kring_inbox_refused_total{reason}                     counter
//	kring_fetch_refused_total{reason}                     counter
//	kring_deliveries_total{outcome}                       counter: delivered, retried, failed
//	kring_delivery_queue_pending                          gauge
//	kring_delivery_queue_oldest_age_seconds               gauge
//	kring_database_size_bytes, kring_database_free_bytes,
//	kring_database_wal_bytes                              gauges
//	go_*, process_*                                       the Go runtime and the process
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handler  http.Handler
}

// routeNone labels requests that matched no route, so that probes of
// random paths cannot grow the label set.
const routeNone = "none"

func newMetrics(db *storage.DB, fed *federation.Node, logger *slog.Logger) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kring_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kring_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration,
		&storageCollector{db: db},
	)
	if fed != nil {
		m.registry.MustRegister(&federationCollector{fed: fed})
	}
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		// A failed storage query leaves its metrics out of the scrape, and
		// says why in the log, rather than failing the whole scrape.
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            slog.NewLogLogger(logger.With("component", "metrics").Handler(), slog.LevelWarn),
		MaxRequestsInFlight: 2,
		Timeout:             metricsScrapeTimeout,
	})
	return m
}

// metricsScrapeTimeout bounds one scrape, the storage queries included.
const metricsScrapeTimeout = 10 * time.Second

// observe counts one answered request. r is the request the router saw,
// so r.Pattern names the route that served it ("" when none did).
func (m *metrics) observe(r *http.Request, status int, took time.Duration) {
	route := routeNone
	if r.Pattern != "" {
		// "GET /notes/{id}" → "/notes/{id}": the method has its own label.
		_, path, found := strings.Cut(r.Pattern, " ")
		if !found {
			path = r.Pattern
		}
		route = path
	}
	method := metricMethod(r.Method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(took.Seconds())
}

// metricMethod keeps the method label to the methods HTTP defines.
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// federationCollector reads the federation node's counters at scrape time.
type federationCollector struct{ fed *federation.Node }

var (
	inboxAcceptedDesc = prometheus.NewDesc("kring_inbox_accepted_total",
		"Activities the inbox verified, stored and answered with 202.", nil, nil)
	inboxRefusedDesc = prometheus.NewDesc("kring_inbox_refused_total",
		"Inbox POSTs refused, by reason (unsigned, bad_signature, stale_date, actor_mismatch, ...).", []string{"reason"}, nil)
	fetchRefusedDesc = prometheus.NewDesc("kring_fetch_refused_total",
		"GETs refused under authorized fetch for want of a valid signature, by reason.", []string{"reason"}, nil)
	deliveriesDesc = prometheus.NewDesc("kring_deliveries_total",
		"Delivery attempts by outcome: delivered, retried (failed, rescheduled) or failed (given up).", []string{"outcome"}, nil)
)

func (c *federationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxAcceptedDesc
	ch <- inboxRefusedDesc
	ch <- fetchRefusedDesc
	ch <- deliveriesDesc
}

func (c *federationCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.fed.Counters()
	ch <- prometheus.MustNewConstMetric(inboxAcceptedDesc, prometheus.CounterValue, float64(n.InboxAccepted))
	for reason, v := range n.InboxRefused {
		ch <- prometheus.MustNewConstMetric(inboxRefusedDesc, prometheus.CounterValue, float64(v), reason)
	}
	for reason, v := range n.FetchRefused {
		ch <- prometheus.MustNewConstMetric(fetchRefusedDesc, prometheus.CounterValue, float64(v), reason)
	}
	for outcome, v := range map[string]int64{"delivered": n.Delivered, "retried": n.Retried, "failed": n.Failed} {
		ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(v), outcome)
	}
}

// storageCollector reads the delivery queue and the database's size at
// scrape time: two small queries, no counters to keep in step.
type storageCollector struct{ db *storage.DB }

var (
	queuePendingDesc = prometheus.NewDesc("kring_delivery_queue_pending",
		"Deliveries waiting to be sent or retried.", nil, nil)
	queueAgeDesc = prometheus.NewDesc("kring_delivery_queue_oldest_age_seconds",
		"Age of the oldest pending delivery; 0 when none is pending. A growing age means the queue does not keep up.", nil, nil)
	dbSizeDesc = prometheus.NewDesc("kring_database_size_bytes",
		"Size of the SQLite database file (pages times page size).", nil, nil)
	dbFreeDesc = prometheus.NewDesc("kring_database_free_bytes",
		"Part of the database file in free pages.", nil, nil)
	dbWALDesc = prometheus.NewDesc("kring_database_wal_bytes",
		"Size of the write-ahead log beside the database.", nil, nil)
)

func (c *storageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queuePendingDesc, queueAgeDesc, dbSizeDesc, dbFreeDesc, dbWALDesc} {
		ch <- d
	}
}

func (c *storageCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), metricsScrapeTimeout)
	defer cancel()
	if q, err := c.db.DeliveryQueueDepth(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(queuePendingDesc, err)
	} else {
		age := 0.0
		if !q.OldestPending.IsZero() {
			age = max(time.Since(q.OldestPending).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(queuePendingDesc, prometheus.GaugeValue, float64(q.Pending))
		ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, age)
	}
	if s, err := c.db.Sizes(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(dbSizeDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(dbSizeDesc, prometheus.GaugeValue, float64(s.Database))
		ch <- prometheus.MustNewConstMetric(dbFreeDesc, prometheus.GaugeValue, float64(s.Free))
		ch <- prometheus.MustNewConstMetric(dbWALDesc, prometheus.GaugeValue, float64(s.WAL))
	}
}

// MetricsHandler serves the metrics to whoever can reach it: mount it on
// a listener of its own on a private address (kring serve
// --metrics-listen). With a metrics token it asks for the token there too.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.scrapeAllowed(w, r) {
			return
		}
		s.metrics.serve(w, r)
	})
	return mux
}

// publicMetrics is /metrics on the public listener: there only with a
// metrics token, which the scraper sends as "Authorization: Bearer TOKEN".
// Without one it is not there at all.
func (s *Server) publicMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.MetricsToken == "" {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "metrics are not served on the public listener without a token"}
	}
	if !s.scrapeAllowed(w, r) {
		return nil
	}
	s.metrics.serve(w, r)
	return nil
}

func (m *metrics) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	m.handler.ServeHTTP(w, r)
}

// scrapeAllowed checks the bearer token when one is configured, and
// answers 401 when it is missing or wrong.
func (s *Server) scrapeAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.MetricsToken == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && tokensEqual(got, s.cfg.MetricsToken) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="kring metrics"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte("metrics need the bearer token\n"))
	return false
}

// tokensEqual compares in constant time, lengths included: both sides are
// hashed first, so a wrong guess learns nothing from the timing.
func tokensEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
