package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"efa-register/internal/httpx"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// TestCatalogueDownloadsShareTheExportSlots: the downloads of the catalogue
// take the export slots of the API: with an XLSX export running, another
// Excel download is refused with 429, Retry-After and a German page that
// points to CSV, while the CSV download is served; with every slot taken,
// the CSV download is refused too.
func TestCatalogueDownloadsShareTheExportSlots(t *testing.T) {
	gate := httpx.NewExportGate(2)
	env := servertest.NewEnvWithDeps(t, func(d *server.Deps) { d.Exports = gate })
	get := func(target string) (int, string, string) {
		rec := httptest.NewRecorder()
		env.App.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, rec.Header().Get("Retry-After"), string(body)
	}
	release, err := gate.Acquire("xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if code, retry, body := get("/loesungen.xlsx?q=Wohngeld"); code != http.StatusTooManyRequests || retry != "30" ||
		!strings.Contains(body, "Gerade wird schon eine Excel-Datei erstellt") || !strings.Contains(body, "CSV-Datei") {
		t.Errorf("second XLSX: %d, Retry-After %q, %.400s", code, retry, body)
	}
	if code, _, body := get("/loesungen.csv?q=Wohngeld"); code != http.StatusOK || !strings.Contains(body, "Wohngeld") {
		t.Errorf("CSV beside the XLSX: %d %.200s", code, body)
	}
	other, err := gate.Acquire("json")
	if err != nil {
		t.Fatal(err)
	}
	if code, retry, body := get("/loesungen.csv?q=Wohngeld"); code != http.StatusTooManyRequests || retry != "30" ||
		!strings.Contains(body, "Gerade werden schon 2 Downloads und Exporte erstellt, mehr gleichzeitig sind nicht möglich") {
		t.Errorf("CSV with every slot taken: %d, Retry-After %q, %.400s", code, retry, body)
	}
	release()
	other()
	if code, _, _ := get("/loesungen.xlsx?q=Wohngeld"); code != http.StatusOK {
		t.Errorf("XLSX once the slots are free: %d", code)
	}
}
