package server_test

import (
	"net/http"
	"strings"
	"testing"

	"efa-register/internal/server/servertest"
)

// Every page names the SVG favicon, which is served; /favicon.ico, which
// browsers ask for where no page names an icon, redirects to it.
func TestFavicon(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/", http.StatusOK)
	if href, _ := doc.Find(`head link[rel="icon"][type="image/svg+xml"]`).Attr("href"); href != "/static/favicon.svg" {
		t.Errorf("start page icon link = %q", href)
	}
	rec := servertest.Do(t, app, http.MethodGet, "/static/favicon.svg", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" ||
		!strings.HasPrefix(rec.Body.String(), `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.Contains(rec.Body.String(), `fill="#2044aa"`) {
		t.Errorf("/static/favicon.svg = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	rec = servertest.Do(t, app, http.MethodGet, "/favicon.ico", nil)
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/static/favicon.svg" {
		t.Errorf("/favicon.ico = %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
}
