package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// scrape fetches /metrics and parses it.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := servertest.Serve(h, servertest.Local(httptest.NewRequest(http.MethodGet, "/metrics", nil)))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns the metric of family name whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestMetricsCountRequestsByRouteAndStatus(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{})
	for range 3 {
		servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil))
	}
	servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/gibt-es-nicht", nil))
	servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/noch-eine-falsche-seite", nil))
	servertest.Serve(app, httptest.NewRequest("BREW", "/api/v1/stats", nil))
	fams := scrape(t, app)

	stats := series(fams, "efa_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/stats", "status": "200"})
	if stats == nil || stats.GetCounter().GetValue() != 3 {
		t.Errorf("GET /api/v1/stats 200 counted %v, want 3", stats)
	}
	// Unknown paths share one label, so scanners cannot blow up the series.
	nf := series(fams, "efa_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"})
	if nf == nil || nf.GetCounter().GetValue() != 2 {
		t.Errorf("404s counted %v, want 2 under route=unmatched", nf)
	}
	if m := series(fams, "efa_http_requests_total", map[string]string{"method": "OTHER"}); m == nil {
		t.Error("unknown method not folded into OTHER")
	}
	for _, f := range fams["efa_http_requests_total"].GetMetric() {
		for _, l := range f.GetLabel() {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "falsche") {
				t.Errorf("raw path leaked into a label: %s", l.GetValue())
			}
		}
	}
	h := series(fams, "efa_http_request_duration_seconds", map[string]string{"route": "/api/v1/stats", "status": "200"})
	if h == nil || h.GetHistogram().GetSampleCount() != 3 || h.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("latency histogram for /api/v1/stats: %v", h)
	}
	if up := series(fams, "efa_db_up", nil); up == nil || up.GetGauge().GetValue() != 1 {
		t.Errorf("efa_db_up = %v", up)
	}
	if seq := series(fams, "efa_db_last_event_seq", nil); seq == nil || seq.GetGauge().GetValue() < 17000 {
		t.Errorf("efa_db_last_event_seq = %v, want the seed's events", seq)
	}
	if db := series(fams, "efa_db_file_bytes", map[string]string{"file": "db"}); db == nil || db.GetGauge().GetValue() < 1<<20 {
		t.Errorf("efa_db_file_bytes{file=db} = %v", db)
	}
	if bi := series(fams, "efa_build_info", map[string]string{"version": "test"}); bi == nil || bi.GetGauge().GetValue() != 1 {
		t.Errorf("efa_build_info = %v", bi)
	}
	for _, name := range []string{"process_resident_memory_bytes", "go_goroutines", "efa_http_requests_in_flight"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
	for _, reason := range []string{"rate_limit", "overload", "body_too_large"} {
		if m := series(fams, "efa_http_rejected_total", map[string]string{"reason": reason}); m == nil || m.GetCounter().GetValue() != 0 {
			t.Errorf("efa_http_rejected_total{reason=%s} = %v, want 0", reason, m)
		}
	}
}

func TestMetricsAndReadyzReportIndexLag(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	app := server.New(server.Deps{Store: st, Search: ix, Version: "test"})
	gauge := func(fams map[string]*dto.MetricFamily, name string) float64 {
		t.Helper()
		m := series(fams, name, nil)
		if m == nil {
			t.Fatalf("%s missing", name)
		}
		return m.GetGauge().GetValue()
	}
	readyz := func(app http.Handler) (int, map[string]any) {
		rec := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return rec.Code, body
	}
	last, err := st.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, app)
	if gauge(fams, "efa_index_lag_events") != 0 || gauge(fams, "efa_index_up") != 1 ||
		gauge(fams, "efa_index_applied_event_seq") != float64(last) || gauge(fams, "efa_index_documents") < 600 {
		t.Errorf("index metrics after open: %s", servertest.GrepLines(servertest.Serve(app, servertest.Local(httptest.NewRequest(http.MethodGet, "/metrics", nil))).Body.String(), "efa_index"))
	}
	code, body := readyz(app)
	if code != 200 || body["eventSeq"] != float64(last) || body["searchEventSeq"] != float64(last) ||
		body["search"] != "aktuell" || body["sqliteVersion"] == "" || body["searchDocuments"].(float64) < 600 {
		t.Errorf("/readyz = %d %v", code, body)
	}

	// Two writes the index has not followed yet (nobody runs Follow here).
	for _, ars := range []string{"031010000000", "031020000000"} {
		if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "elfe", AdopterKind: catalog.KindGemeinde,
			AdopterKey: ars, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
			t.Fatal(err)
		}
	}
	fams = scrape(t, app)
	if lag := gauge(fams, "efa_index_lag_events"); lag != 2 || gauge(fams, "efa_index_up") != 0 || gauge(fams, "efa_db_last_event_seq") != float64(last+2) {
		t.Errorf("after two unapplied writes: lag %v, up %v", lag, gauge(fams, "efa_index_up"))
	}
	// The attack of issue 15 row 9: a few parallel writes must not take the
	// instance out of its load balancer. Two events behind for less than
	// 5 s is within the tolerance, and the lag is reported.
	if code, body := readyz(app); code != http.StatusOK || body["searchEventSeq"] != float64(last) || body["eventSeq"] != float64(last+2) ||
		body["searchLagEvents"] != float64(2) || body["search"] != "folgt" || body["searchLagSeconds"].(float64) > 5 {
		t.Errorf("/readyz with an index two events behind = %d %v", code, body)
	}
	// Beyond the tolerance (in events, or in time) the instance is not ready.
	for name, ops := range map[string]server.Ops{"events": {MaxIndexLagEvents: 1}, "age": {MaxIndexLagAge: time.Nanosecond}} {
		strict := server.New(server.Deps{Store: st, Search: ix, Version: "test", Ops: ops})
		if code, body := readyz(strict); code != http.StatusServiceUnavailable || body["search"] != "Suchindex nicht aktuell" || body["searchLagEvents"] != float64(2) {
			t.Errorf("/readyz beyond the %s tolerance = %d %v", name, code, body)
		}
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := gauge(scrape(t, app), "efa_index_lag_events"); lag != 0 {
		t.Errorf("lag after catch-up = %v", lag)
	}
	if code, _ := readyz(app); code != 200 {
		t.Errorf("/readyz after catch-up = %d", code)
	}
}

func TestMetricsReportWebhookDeliveryState(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	app := server.New(server.Deps{Store: st, Version: "test"})
	if m := series(scrape(t, app), "efa_webhooks_registered", nil); m == nil || m.GetGauge().GetValue() != 0 {
		t.Errorf("no webhooks: efa_webhooks_registered = %v", m)
	}
	last, err := st.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := st.AddWebhook(ctx, "test", "https://portal.example/hook?token=nicht-in-metriken", "ein-geheimnis-mit-16-zeichen", last-4)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(time.Minute)
	if err := st.RecordDelivery(ctx, store.WebhookDelivery{WebhookID: h.ID, Batch: "b1", FromCursor: last - 4, ToCursor: last,
		Records: 4, Attempt: 1, At: time.Now(), Outcome: store.DeliveryFailed, HTTPStatus: 500, NextAttempt: &next}); err != nil {
		t.Fatal(err)
	}
	rec := servertest.Serve(app, servertest.Local(httptest.NewRequest(http.MethodGet, "/metrics", nil)))
	if strings.Contains(rec.Body.String(), "portal.example") || strings.Contains(rec.Body.String(), "nicht-in-metriken") {
		t.Error("a webhook URL reached the metrics")
	}
	fams := scrape(t, app)
	id := map[string]string{"webhook": fmt.Sprint(h.ID)}
	// 4 events before the registration, plus the registration's own event.
	for name, want := range map[string]float64{"efa_webhook_pending_events": 5, "efa_webhook_failures": 1, "efa_webhook_last_attempt_success": 0} {
		if m := series(fams, name, id); m == nil || m.GetGauge().GetValue() != want {
			t.Errorf("%s = %v, want %v", name, m, want)
		}
	}
	if err := st.RecordDelivery(ctx, store.WebhookDelivery{WebhookID: h.ID, Batch: "b1", FromCursor: last - 4, ToCursor: last + 1,
		Records: 4, Attempt: 2, At: time.Now(), Outcome: store.DeliveryDelivered, HTTPStatus: 204}); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, app)
	for name, want := range map[string]float64{"efa_webhook_pending_events": 0, "efa_webhook_failures": 0, "efa_webhook_last_attempt_success": 1} {
		if m := series(fams, name, id); m == nil || m.GetGauge().GetValue() != want {
			t.Errorf("after delivery %s = %v, want %v", name, m, want)
		}
	}
	if m := series(fams, "efa_webhooks_registered", nil); m == nil || m.GetGauge().GetValue() != 1 {
		t.Errorf("efa_webhooks_registered = %v, want 1", m)
	}
}

// With EFA_METRICS_TOKEN set, /metrics answers only to that bearer token.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-0123456789abcdef"
	app, _ := servertest.NewOpsApp(t, server.Ops{MetricsToken: token})
	for name, auth := range map[string]string{"none": "", "wrong": "Bearer scrape-0123456789abcdeX", "basic": "Basic " + token, "prefix": "Bearer " + token[:10]} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := servertest.Serve(app, req)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != `Bearer realm="metrics"` || strings.Contains(rec.Body.String(), "efa_http") {
			t.Errorf("%s: %d %q %.80q", name, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if rec := servertest.Serve(app, req); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "efa_http_request_duration_seconds") {
		t.Errorf("with the token: %d %.80q", rec.Code, rec.Body.String())
	}
}
