package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"efa-register/internal/server"
	"efa-register/internal/store/storetest"
)

// newApp returns the real router over a freshly seeded SQLite file.
func newApp(t *testing.T) *echo.Echo {
	t.Helper()
	return server.New(server.Deps{Store: storetest.Seeded(t), Version: "test"})
}

func do(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHomeListsTopicFields(t *testing.T) {
	app := newApp(t)
	rec := do(t, app, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows := doc.Find("#themenfelder ~ div table tbody tr")
	if rows.Length() != 14 {
		t.Fatalf("start page lists %d Themenfelder, want 14", rows.Length())
	}
	var found bool
	rows.Each(func(_ int, r *goquery.Selection) {
		if strings.TrimSpace(r.Find("th").Text()) == "Arbeit & Ruhestand" {
			found = true
			cells := r.Find("td")
			// 11 solutions of the seed name Arbeit & Ruhestand via their first OZG-Leistung or Themenfeld.
			if cells.Eq(0).Text() == "0" || cells.Eq(1).Text() == "0" {
				t.Errorf("Arbeit & Ruhestand counts: %q / %q", cells.Eq(0).Text(), cells.Eq(1).Text())
			}
		}
	})
	if !found {
		t.Error("Arbeit & Ruhestand missing")
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "de" {
		t.Errorf("html lang = %q", lang)
	}
	if doc.Find("a.skip-link[href='#inhalt']").Length() != 1 || doc.Find("main#inhalt").Length() != 1 {
		t.Error("skip link or main landmark missing")
	}
}

func TestErrorsByKindOfClient(t *testing.T) {
	app := newApp(t)
	rec := do(t, app, http.MethodGet, "/gibt-es-nicht", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "nicht gefunden") ||
		!strings.Contains(rec.Body.String(), "<main") {
		t.Errorf("HTML 404 = %d %q", rec.Code, rec.Body.String())
	}
	rec = do(t, app, http.MethodGet, "/gibt-es-nicht", map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "<main") || !strings.Contains(rec.Body.String(), "role=\"alert\"") {
		t.Errorf("htmx 404 should be a bare fragment: %q", rec.Body.String())
	}
	rec = do(t, app, http.MethodGet, "/api/v1/gibt-es-nicht", nil)
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 404 || p["status"] != float64(404) ||
		rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("API 404 = %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestHealthAndStats(t *testing.T) {
	app := newApp(t)
	if rec := do(t, app, http.MethodGet, "/healthz", nil); rec.Code != 200 {
		t.Errorf("/healthz = %d", rec.Code)
	}
	rec := do(t, app, http.MethodGet, "/api/v1/stats", nil)
	var st map[string]int
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st["solutions"] != 50 || st["municipalities"] != 10794 {
		t.Errorf("/api/v1/stats = %q", rec.Body.String())
	}
	if rec := do(t, app, http.MethodGet, "/static/vendor/htmx/htmx.min.js", nil); rec.Code != 200 {
		t.Errorf("htmx asset = %d", rec.Code)
	}
}

func TestHeadRequests(t *testing.T) {
	app := newApp(t)
	rec := do(t, app, http.MethodHead, "/", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("HEAD / = %d, %d body bytes, %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"))
	}
	if rec := do(t, app, http.MethodHead, "/gibt-es-nicht", nil); rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("HEAD unknown = %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
