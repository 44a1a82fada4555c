package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// Issue 15 row 11: probes have a small budget of their own, and /metrics
// is closed to the public unless a token is configured.
func TestProbesHaveTheirOwnLimitAndMetricsAreClosed(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{RateLimit: 1000})
	probe := func(path, remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = remote
		return servertest.Serve(app, req)
	}
	var codes []int
	for range 30 {
		codes = append(codes, probe("/readyz", "203.0.113.50:1").Code)
	}
	ok, limited := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	if ok < 15 || ok > 25 || ok+limited != 30 {
		t.Errorf("30 probes from one client: %d answered, %d limited (%v); want the burst answered and the rest 429", ok, limited, codes)
	}
	// Another client's probes and the pages are unaffected.
	if rec := probe("/healthz", "203.0.113.51:1"); rec.Code != http.StatusOK {
		t.Errorf("probe of another client = %d", rec.Code)
	}
	if rec := probe("/api/v1/stats", "203.0.113.50:1"); rec.Code != http.StatusOK {
		t.Errorf("API after probe flood = %d", rec.Code)
	}

	// /metrics: 403 from a remote client, or from loopback through a proxy.
	if rec := probe("/metrics", "198.51.100.9:1"); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "efa_http") ||
		!strings.Contains(rec.Body.String(), "EFA_METRICS_TOKEN") {
		t.Errorf("/metrics from a remote client = %d %.100q", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:9"
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	if rec := servertest.Serve(app, req); rec.Code != http.StatusForbidden {
		t.Errorf("/metrics through a local proxy = %d", rec.Code)
	}
	if rec := probe("/metrics", "[::1]:9"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "efa_http_requests_total") {
		t.Errorf("/metrics from loopback = %d", rec.Code)
	}
}

// Issue 15 row 9: a token holder has a budget of its own, higher than the
// anonymous one, but not none.
func TestTokenHoldersHaveTheirOwnRateLimit(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	token := env.Token(t, "redaktion-a")
	app := server.New(server.Deps{Store: env.Store, Version: "test", Ops: server.Ops{RateLimit: 0.001, RateBurst: 2, TokenRateLimit: 0.001, TokenRateBurst: 4}})
	get := func(auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)
		req.RemoteAddr = "203.0.113.9:1000"
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return servertest.Serve(app, req)
	}
	var codes []int
	for _, auth := range []string{"", "", "", "Bearer " + token, "bearer " + token, "BEARER " + token, "Bearer " + token, "Bearer " + token} {
		codes = append(codes, get(auth).Code)
	}
	// Anonymous: burst 2. The token's own burst of 4 (the first token request
	// is the one that finds the anonymous budget empty and the token valid),
	// the scheme in any case, then 429.
	if want := []int{200, 200, 429, 200, 200, 200, 200, 429}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v", codes, want)
	}
	if rec := get("Bearer " + token); rec.Header().Get("Retry-After") == "" {
		t.Error("token over its budget: no Retry-After")
	}
}

// Issue 15 rows 12 and 13: /static without a redirect loop; the API's
// Authorization scheme is case-insensitive; malformed query strings are
// refused; requests refused before routing are labelled with their route.
func TestStaticQueryAndSchemeEdges(t *testing.T) {
	app, logs := servertest.NewOpsApp(t, server.Ops{RateLimit: 0.001, RateBurst: 1})
	get := func(target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = "192.0.2.80:1"
		return servertest.Serve(app, req)
	}
	for _, p := range []string{"/static", "/static/", "/static/css", "/static/css/", "/static/vendor/"} {
		target, hops := p, 0
		for ; hops < 5; hops++ {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.RemoteAddr = fmt.Sprintf("192.0.2.%d:1", 100+hops)
			rec := servertest.Serve(app, req)
			if rec.Code != http.StatusMovedPermanently {
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s ends in %d, want 404", p, rec.Code)
				}
				break
			}
			target = rec.Header().Get("Location")
		}
		if hops > 1 {
			t.Errorf("%s: %d redirects", p, hops)
		}
	}
	if rec := get("/static/css/app.css"); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}

	for target, want := range map[string]string{
		"/api/v1/solutions?q=wohngeld;limit=1": "„;“",
		"/api/v1/solutions?q=%zz":              "Prozent-Kodierung",
	} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = "192.0.2.90:1"
		rec := servertest.Serve(app, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s = %d %q %q", target, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/loesungen?q=a;b", nil)
	req.RemoteAddr = "192.0.2.91:1"
	if rec := servertest.Serve(app, req); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Query-String") {
		t.Errorf("page with ';' = %d", rec.Code)
	}

	// The second request of this client is over its budget: refused before
	// routing, it still carries its route in the log and the metrics.
	get("/api/v1/stats")
	if rec := get("/api/v1/stats"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second request = %d, want 429", rec.Code)
	}
	if lines := servertest.GrepLines(logs.String(), `"status":429`); !strings.Contains(lines, `"route":"/api/v1/stats"`) {
		t.Errorf("429 log line without its route: %s", lines)
	}
	metrics := servertest.Serve(app, servertest.Local(httptest.NewRequest(http.MethodGet, "/metrics", nil))).Body.String()
	if !strings.Contains(servertest.GrepLines(metrics, `status="429"`), `route="/api/v1/stats"`) {
		t.Errorf("429 not counted under its route:\n%s", servertest.GrepLines(metrics, "429"))
	}
}
