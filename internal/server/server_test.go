package server_test

import (
	"efa-register/internal/server/servertest"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestErrorsByKindOfClient(t *testing.T) {
	app := servertest.NewApp(t)
	rec := servertest.Do(t, app, http.MethodGet, "/gibt-es-nicht", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "nicht gefunden") ||
		!strings.Contains(rec.Body.String(), "<main") {
		t.Errorf("HTML 404 = %d %q", rec.Code, rec.Body.String())
	}
	rec = servertest.Do(t, app, http.MethodGet, "/gibt-es-nicht", map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "<main") || !strings.Contains(rec.Body.String(), "role=\"alert\"") {
		t.Errorf("htmx 404 should be a bare fragment: %q", rec.Body.String())
	}
	rec = servertest.Do(t, app, http.MethodGet, "/api/v1/gibt-es-nicht", nil)
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 404 || p["status"] != float64(404) ||
		rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("API 404 = %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestHealthAndStats(t *testing.T) {
	app := servertest.NewApp(t)
	if rec := servertest.Do(t, app, http.MethodGet, "/healthz", nil); rec.Code != 200 {
		t.Errorf("/healthz = %d", rec.Code)
	}
	rec := servertest.Do(t, app, http.MethodGet, "/api/v1/stats", nil)
	var st map[string]int
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st["solutions"] != 50 || st["municipalities"] != 10794 {
		t.Errorf("/api/v1/stats = %q", rec.Body.String())
	}
	if rec := servertest.Do(t, app, http.MethodGet, "/static/vendor/htmx/htmx.min.js", nil); rec.Code != 200 {
		t.Errorf("htmx asset = %d", rec.Code)
	}
}

func TestHeadRequests(t *testing.T) {
	app := servertest.NewApp(t)
	rec := servertest.Do(t, app, http.MethodHead, "/", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("HEAD / = %d, %d body bytes, %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"))
	}
	if rec := servertest.Do(t, app, http.MethodHead, "/gibt-es-nicht", nil); rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("HEAD unknown = %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
