package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// metrics are the Prometheus series of one server. Each server has its own
// registry (no global state), so tests can run several side by side.
type metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	// inFlight is the concurrency limit's semaphore (useOps), whose length
	// is the number of requests being served: counting them again would cost
	// every request two more atomic operations on a shared counter.
	inFlight atomic.Pointer[chan struct{}]
	rejected *prometheus.CounterVec
	handler  http.Handler
	// series are the request series resolved per method, route and status.
	series seriesCache
}

// knownMethods bounds the method label; anything else is "OTHER".
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func newMetrics(s *server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "efa_http_request_duration_seconds",
		Help:    "Time from receiving a request to the end of its response, by method, route template and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "efa_http_requests_in_flight",
		Help: "Requests being served right now.",
	}, func() float64 {
		if sem := m.inFlight.Load(); sem != nil {
			return float64(len(*sem))
		}
		return 0
	})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "efa_http_rejected_total",
		Help: "Requests refused before a handler ran, by reason (rate_limit, overload, body_too_large).",
	}, []string{"reason"})
	for _, r := range []string{"rate_limit", "overload", "body_too_large"} {
		m.rejected.WithLabelValues(r)
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "efa_build_info",
		Help:        "Always 1; the labels name the running version, the linked SQLite (empty on PostgreSQL) and the database with its version.",
		ConstLabels: prometheus.Labels{"version": s.Version, "sqlite_version": s.Store.SQLiteVersion(), "database_version": s.Store.DatabaseVersion()},
	})
	build.Set(1)
	m.reg.MustRegister(requestCounter{m.duration}, m.duration, inFlight, m.rejected, build, &stateCollector{s: s},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// observe records one finished request.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	k := seriesKey{method, route, status}
	rs, ok := m.series.get(k)
	if !ok {
		rs = m.series.put(k, requestSeries{duration: m.duration.WithLabelValues(method, route, strconv.Itoa(status))})
	}
	rs.duration.Observe(d.Seconds())
}

// descRequests is the request counter, by method, route template and status.
var descRequests = prometheus.NewDesc("efa_http_requests_total",
	"HTTP requests served, by method, route template and status code.", []string{"method", "route", "status"}, nil)

// requestCounter reports efa_http_requests_total from the sample counts of
// the duration histogram, which counts the same requests under the same
// labels: one counter less to bump on every request.
type requestCounter struct{ duration *prometheus.HistogramVec }

func (rc requestCounter) Describe(ch chan<- *prometheus.Desc) { ch <- descRequests }

func (rc requestCounter) Collect(ch chan<- prometheus.Metric) {
	hists := make(chan prometheus.Metric)
	go func() {
		rc.duration.Collect(hists)
		close(hists)
	}()
	for h := range hists {
		var d dto.Metric
		if err := h.Write(&d); err != nil || d.Histogram == nil {
			continue
		}
		var method, route, status string
		for _, l := range d.GetLabel() {
			switch l.GetName() {
			case "method":
				method = l.GetValue()
			case "route":
				route = l.GetValue()
			case "status":
				status = l.GetValue()
			}
		}
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(d.Histogram.GetSampleCount()), method, route, status)
	}
}

// seriesKey names the series of one kind of request; methods and routes are
// bounded sets, and so are the status codes the application answers with.
type seriesKey struct {
	method, route string
	status        int
}

// requestSeries are the resolved series of one seriesKey.
type requestSeries struct {
	duration prometheus.Observer
}

// seriesCache maps seriesKeys to their resolved series. Looking a series up
// in the vectors hashes the label values on every request; here a request
// reads an immutable map without locking or allocating, and the rare new
// kind of request copies the map.
type seriesCache struct {
	mu sync.Mutex
	m  atomic.Pointer[map[seriesKey]requestSeries]
}

func (c *seriesCache) get(k seriesKey) (requestSeries, bool) {
	if m := c.m.Load(); m != nil {
		rs, ok := (*m)[k]
		return rs, ok
	}
	return requestSeries{}, false
}

func (c *seriesCache) put(k seriesKey, rs requestSeries) requestSeries {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if have, ok := (*old)[k]; ok {
			return have
		}
	}
	next := make(map[seriesKey]requestSeries, 1+mapLen(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[k] = rs
	c.m.Store(&next)
	return rs
}

func mapLen(m *map[seriesKey]requestSeries) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// handleMetrics serves the Prometheus text format: with MetricsToken set to
// whoever sends it, else only to a loopback client that came through no
// proxy (a scraper on the same host). The per-route counters name admin
// pages and failed logins: nothing for the public.
func (s *server) handleMetrics(c echo.Context) error {
	r := c.Request()
	if want := s.Ops.MetricsToken; want != "" {
		got, ok := bearerToken(r)
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return echo.NewHTTPError(http.StatusUnauthorized, i18n.M("server.metrics_token"))
		}
	} else if peer, ok := peerAddr(r); !ok || !peer.IsLoopback() || r.Header.Get(echo.HeaderXForwardedFor) != "" || r.Header.Get("Forwarded") != "" {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("server.metrics_local"))
	}
	s.metrics.handler.ServeHTTP(c.Response(), r)
	return nil
}

// stateCollector reads the state of the database, the search index and the
// webhook deliveries at scrape time, so the figures are never stale.
type stateCollector struct{ s *server }

var (
	descDBUp = prometheus.NewDesc("efa_db_up",
		"1 when the database answers a query, 0 otherwise.", nil, nil)
	descDBLastEvent = prometheus.NewDesc("efa_db_last_event_seq",
		"Sequence number of the newest event in the event log.", nil, nil)
	descDBBytes = prometheus.NewDesc("efa_db_file_bytes",
		"Size of the database files on disk, by file (db, wal).", []string{"file"}, nil)
	descIndexUp = prometheus.NewDesc("efa_index_up",
		"1 when the search index is open and has applied every event, 0 otherwise.", nil, nil)
	descIndexSeq = prometheus.NewDesc("efa_index_applied_event_seq",
		"Sequence number of the last event the search index has applied.", nil, nil)
	descIndexLag = prometheus.NewDesc("efa_index_lag_events",
		"Events in the log the search index has not applied yet.", nil, nil)
	descIndexDocs = prometheus.NewDesc("efa_index_documents",
		"Documents (solutions and OZG-Leistungen) in the search index.", nil, nil)
	// Webhooks are labelled by id, never by URL: a receiver URL may carry a
	// token in its query.
	descHooks = prometheus.NewDesc("efa_webhooks_registered",
		"Registered webhook receivers.", nil, nil)
	descHookPending = prometheus.NewDesc("efa_webhook_pending_events",
		"Events in the log after the webhook's cursor, not delivered yet.", []string{"webhook"}, nil)
	descHookFailures = prometheus.NewDesc("efa_webhook_failures",
		"Failed attempts at the batch now due (0 after a delivery).", []string{"webhook"}, nil)
	descHookLastOK = prometheus.NewDesc("efa_webhook_last_attempt_success",
		"1 when the newest delivery attempt succeeded, 0 when it failed.", []string{"webhook"}, nil)
	descHookLastAt = prometheus.NewDesc("efa_webhook_last_attempt_timestamp_seconds",
		"Unix time of the newest delivery attempt.", []string{"webhook"}, nil)
)

func (sc *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descDBUp
	ch <- descDBLastEvent
	ch <- descDBBytes
	ch <- descIndexUp
	ch <- descIndexSeq
	ch <- descIndexLag
	ch <- descIndexDocs
	ch <- descHooks
	ch <- descHookPending
	ch <- descHookFailures
	ch <- descHookLastOK
	ch <- descHookLastAt
}

func (sc *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st := sc.s.Store
	up := 1.0
	if err := st.Ping(ctx); err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(descDBUp, prometheus.GaugeValue, up)
	last, err := st.LastEventSeq(ctx)
	if err == nil {
		ch <- prometheus.MustNewConstMetric(descDBLastEvent, prometheus.GaugeValue, float64(last))
	}
	if ix := sc.s.Search; ix != nil {
		// Read the applied sequence after the log's last one, so a write
		// in between cannot make the lag negative.
		applied := ix.AppliedSeq()
		ch <- prometheus.MustNewConstMetric(descIndexSeq, prometheus.GaugeValue, float64(applied))
		if err == nil {
			ch <- prometheus.MustNewConstMetric(descIndexLag, prometheus.GaugeValue, float64(last-min(applied, last)))
		}
		ready := 0.0
		if ix.Ready(ctx) == nil {
			ready = 1
		}
		ch <- prometheus.MustNewConstMetric(descIndexUp, prometheus.GaugeValue, ready)
		if n, err := ix.DocCount(); err == nil {
			ch <- prometheus.MustNewConstMetric(descIndexDocs, prometheus.GaugeValue, float64(n))
		}
	}
	hooks, herr := st.Webhooks(ctx)
	if herr != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descHooks, prometheus.GaugeValue, float64(len(hooks)))
	for _, h := range hooks {
		id := strconv.FormatUint(uint64(h.ID), 10)
		if err == nil {
			ch <- prometheus.MustNewConstMetric(descHookPending, prometheus.GaugeValue, float64(last-min(h.Cursor, last)), id)
		}
		ch <- prometheus.MustNewConstMetric(descHookFailures, prometheus.GaugeValue, float64(h.Failures), id)
		if ds, err := st.WebhookDeliveries(ctx, h.ID, 1); err == nil && len(ds) == 1 {
			ok := 0.0
			if ds[0].Outcome == store.DeliveryDelivered {
				ok = 1
			}
			ch <- prometheus.MustNewConstMetric(descHookLastOK, prometheus.GaugeValue, ok, id)
			ch <- prometheus.MustNewConstMetric(descHookLastAt, prometheus.GaugeValue, float64(ds[0].At.Unix()), id)
		}
	}
	for file, suffix := range map[string]string{"db": "", "wal": "-wal"} {
		if st.Path() == "" {
			break // PostgreSQL: no file of ours
		}
		if fi, err := os.Stat(st.Path() + suffix); err == nil {
			ch <- prometheus.MustNewConstMetric(descDBBytes, prometheus.GaugeValue, float64(fi.Size()), file)
		}
	}
}
