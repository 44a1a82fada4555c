package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"efa-register/internal/insights"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store/storetest"
)

// While the in-memory views load, /readyz answers 503 and says what is
// loading, every public page answers 200 (the insight pages with a notice
// instead of their figures), and the API and downloads that need the
// figures answer 503 with Retry-After. Once loaded, all is ready.
func TestReadinessWhileViewsLoad(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	// The engine is made but not loaded yet: exactly the state of efa serve
	// between opening its listener and the end of the background load.
	eng, err := insights.New(st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	app := server.New(server.Deps{Store: st, Search: ix, Insights: eng, Version: "test", Log: servertest.TestLog})
	get := func(target string) *httptest.ResponseRecorder {
		return servertest.Serve(app, httptest.NewRequest(http.MethodGet, target, nil))
	}
	readyz := func() (int, map[string]any) {
		rec := get("/readyz")
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return rec.Code, body
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || body["insights"] != "wird aufgebaut" {
		t.Errorf("/readyz while loading = %d %v", code, body)
	}
	pages := []string{"/", "/loesungen", "/laender", "/laender/01", "/laender/01/luecken", "/einblicke", "/einblicke/rendite",
		"/einblicke/abdeckung", "/einblicke/luecken", "/einblicke/nachfrage", "/leistungen/10092", "/themenfelder", "/kreise/01001"}
	notice := `data-testid="auswertung-aufbau"`
	// The start page waits insights.FallbackWait for the figures before it
	// counts from the database: here they never come, so it answers after it.
	for _, p := range pages {
		rec := get(p)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s while loading = %d, want 200", p, rec.Code)
		}
		if p == "/einblicke/rendite" || p == "/einblicke/abdeckung" || p == "/einblicke/luecken" || p == "/laender" || p == "/laender/01/luecken" {
			if !strings.Contains(rec.Body.String(), notice) || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s while loading: no loading notice (Cache-Control %q)", p, rec.Header().Get("Cache-Control"))
			}
		}
	}
	// htmx asks for the fragment only.
	req := httptest.NewRequest(http.MethodGet, "/einblicke/rendite", nil)
	req.Header.Set("HX-Request", "true")
	if rec := servertest.Serve(app, req); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), notice) || strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("htmx GET /einblicke/rendite while loading = %d %.200q", rec.Code, rec.Body.String())
	}
	for _, p := range []string{"/api/v1/scoreboard", "/api/v1/savings", "/laender.csv", "/einblicke/rendite/laender.csv"} {
		rec := get(p)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" {
			t.Errorf("GET %s while loading = %d, Retry-After %q; want 503 with Retry-After 5", p, rec.Code, rec.Header().Get("Retry-After"))
		}
	}

	// /readyz caches its answer for a second, but not past the end of the
	// load: asked again at once, it is ready (the rank history may still be
	// replaying; that is reported, not waited for).
	if code, _ := readyz(); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the load = %d", code)
	}
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(); code != http.StatusOK || body["insights"] != "aktuell" {
		t.Errorf("/readyz right after the load = %d %v", code, body)
	}
	if err := eng.WaitHistory(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(); code != http.StatusOK || body["insights"] != "aktuell" {
		t.Errorf("/readyz once loaded = %d %v", code, body)
	}
	for _, p := range append(pages, "/api/v1/scoreboard", "/laender.csv") {
		rec := get(p)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), notice) {
			t.Errorf("GET %s once loaded = %d (notice shown: %v)", p, rec.Code, strings.Contains(rec.Body.String(), notice))
		}
	}
}
