package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// readCSV parses a CSV export: UTF-8 with byte order mark and semicolons.
func readCSV(t *testing.T, rec *httptest.ResponseRecorder) [][]string {
	t.Helper()
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("CSV has no byte order mark: %q", body[:min(len(body), 20)])
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// readXLSX opens an XLSX export with excelize and returns the rows of its sheet.
func readXLSX(t *testing.T, rec *httptest.ResponseRecorder, sheet string) ([][]string, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("open XLSX: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %v, want [%s]", got, sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows, f
}

func column(rows [][]string, name string) int {
	for i, h := range rows[0] {
		if h == name {
			return i
		}
	}
	return -1
}

func TestExportSolutions(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	all, _ := st.AllSolutions(ctx)
	adoptions, _ := st.AdoptionsBySolution(ctx, "wohngeld-online")

	rec := servertest.Do(t, app, "GET", "/api/v1/export/solutions.csv", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), `attachment; filename="efa-loesungen-`) ||
		!strings.HasSuffix(rec.Header().Get("Content-Disposition"), `.csv"`) {
		t.Fatalf("CSV = %d %v", rec.Code, rec.Header())
	}
	rows := readCSV(t, rec)
	if len(rows) != len(all)+1 || rows[0][0] != "Kurzbezeichnung" {
		t.Fatalf("CSV rows %d, want %d; header %v", len(rows), len(all)+1, rows[0])
	}
	check := func(kind string, rows [][]string) {
		t.Helper()
		found := false
		for _, r := range rows[1:] {
			if r[0] != "wohngeld-online" {
				continue
			}
			found = true
			for col, want := range map[string]string{"Anbieter": "Schleswig-Holstein", "Anbieter (Art:Schlüssel)": "land:01",
				"Nachnutzungen": strconv.Itoa(len(adoptions)), "OZG-IDs": "10092", "Status": "Pilotbetrieb",
				"Adresse im Register": "http://example.com/loesungen/wohngeld-online"} {
				if i := column(rows, col); i < 0 || r[i] != want {
					t.Errorf("%s: %s = %q, want %q", kind, col, r[max(i, 0)], want)
				}
			}
			if i := column(rows, "Prüfstand"); r[i] == "" {
				t.Errorf("%s: no check level", kind)
			}
		}
		if !found {
			t.Errorf("%s: no row for wohngeld-online", kind)
		}
	}
	check("CSV", rows)

	rec = servertest.Do(t, app, "GET", "/api/v1/export/solutions.xlsx", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("XLSX = %d %v", rec.Code, rec.Header())
	}
	xrows, f := readXLSX(t, rec, "Lösungen")
	if len(xrows) != len(all)+1 {
		t.Fatalf("XLSX rows %d, want %d", len(xrows), len(all)+1)
	}
	check("XLSX", xrows)
	// Counts are numbers, not text: a spreadsheet can sum them.
	cell, _ := excelize.CoordinatesToCellName(column(xrows, "Nachnutzungen")+1, 2)
	if typ, _ := f.GetCellType("Lösungen", cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("count cell %s has type %v", cell, typ)
	}
	if panes, _ := f.GetPanes("Lösungen"); !panes.Freeze {
		t.Error("header row not frozen")
	}
}

func TestExportAdoptions(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	inSH, _ := st.AdoptionsByLand(ctx, "01")
	all, _ := st.AllAdoptions(ctx)
	if len(inSH) == 0 || len(all) <= len(inSH) {
		t.Fatalf("fixture: %d adoptions in SH of %d", len(inSH), len(all))
	}
	rec := servertest.Do(t, app, "GET", "/api/v1/export/adoptions.xlsx", nil)
	rows, _ := readXLSX(t, rec, "Nachnutzungen")
	if rec.Code != 200 || len(rows) != len(all)+1 {
		t.Fatalf("all adoptions: %d, %d rows, want %d", rec.Code, len(rows), len(all)+1)
	}
	rec = servertest.Do(t, app, "GET", "/api/v1/export/adoptions.xlsx?land=01", nil)
	rows, _ = readXLSX(t, rec, "Nachnutzungen")
	if len(rows) != len(inSH)+1 {
		t.Fatalf("SH adoptions: %d rows, want %d", len(rows), len(inSH)+1)
	}
	for _, r := range rows[1:] {
		if r[column(rows, "Land")] != "Schleswig-Holstein" {
			t.Errorf("row of another Land: %v", r)
		}
	}
	if !strings.Contains(rec.Header().Get("Content-Disposition"), `filename="efa-nachnutzungen-land-01-`) {
		t.Errorf("filename %q", rec.Header().Get("Content-Disposition"))
	}
	rec = servertest.Do(t, app, "GET", "/api/v1/export/adoptions.csv?solution=wohngeld-online&land=01", nil)
	csvRows := readCSV(t, rec)
	bySol, _ := st.AdoptionsBySolution(ctx, "wohngeld-online")
	want := 0
	for _, a := range bySol {
		if a.Organisation.LandKey == "01" {
			want++
		}
	}
	if want == 0 || want == len(bySol) || len(csvRows) != want+1 {
		t.Errorf("wohngeld-online in SH: %d rows, want %d of %d", len(csvRows)-1, want, len(bySol))
	}
	for _, r := range csvRows[1:] {
		if r[0] != "wohngeld-online" || r[column(csvRows, "Rückmeldung des Anbieters")] == "" {
			t.Errorf("row %v", r)
		}
	}
	for target, param := range map[string]string{
		"/api/v1/export/adoptions.csv?land=17":          "land",
		"/api/v1/export/adoptions.csv?land=01&land=02":  "land",
		"/api/v1/export/adoptions.xlsx?solution=Nicht!": "solution",
	} {
		rec := servertest.Do(t, app, "GET", target, nil)
		var p struct {
			Errors map[string]string `json:"errors"`
		}
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 400 || p.Errors[param] == "" {
			t.Errorf("%s = %d %s", target, rec.Code, rec.Body.String())
		}
	}
	if rec := servertest.Do(t, app, "GET", "/api/v1/export/adoptions.csv?solution=gibt-es-nicht", nil); rec.Code != 404 {
		t.Errorf("unknown solution = %d", rec.Code)
	}
}

// TestExportDefusesFormulas: text that a spreadsheet would run as a formula
// stays text in both formats.
func TestExportDefusesFormulas(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	note := `=HYPERLINK("http://evil.example","Klick")`
	if _, err := env.Store.RegisterAdoption(context.Background(), catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "i-kfz", AdopterKind: catalog.KindGemeinde,
		AdopterKey: servertest.GemeindeB, Adoption: catalog.Adoption{Status: catalog.AdoptionInterested, Note: note}}); err != nil {
		t.Fatal(err)
	}
	c := env.As(t, "anonym")
	rows := readCSV(t, c.Do("GET", "/api/v1/export/adoptions.csv?solution=i-kfz", nil, nil))
	var found bool
	for _, r := range rows[1:] {
		if r[column(rows, "Notiz")] == "'"+note {
			found = true
		}
	}
	if !found {
		t.Errorf("CSV does not defuse the formula: %v", rows)
	}
	xrows, f := readXLSX(t, c.Do("GET", "/api/v1/export/adoptions.xlsx?solution=i-kfz", nil, nil), "Nachnutzungen")
	for i, r := range xrows[1:] {
		cell, _ := excelize.CoordinatesToCellName(column(xrows, "Notiz")+1, i+2)
		if r[column(xrows, "Notiz")] == note {
			found = false
			if formula, _ := f.GetCellFormula("Nachnutzungen", cell); formula != "" {
				t.Errorf("XLSX cell %s is a formula %q", cell, formula)
			}
		}
	}
	if found {
		t.Error("XLSX lacks the note as text")
	}
}

// TestDownloadLinksOnPages: the pages that show the tables offer them as
// CSV and XLSX, and every link answers with the file.
func TestDownloadLinksOnPages(t *testing.T) {
	app, _ := servertest.Shared(t)
	for page, want := range map[string][]string{
		"/loesungen":                 {"/api/v1/export/solutions.csv", "/api/v1/export/solutions.xlsx"},
		"/laender/01":                {"/api/v1/export/adoptions.csv?land=01", "/api/v1/export/adoptions.xlsx?land=01"},
		"/loesungen/wohngeld-online": {"/api/v1/export/adoptions.csv?solution=wohngeld-online", "/api/v1/export/adoptions.xlsx?solution=wohngeld-online", "/loesungen/wohngeld-online/publiccode.yml"},
	} {
		rec := servertest.Do(t, app, "GET", page, nil)
		d, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil || rec.Code != 200 {
			t.Fatalf("%s = %d %v", page, rec.Code, err)
		}
		var got []string
		d.Find(`[data-testid=downloads] a, a[data-testid=publiccode-export]`).Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			got = append(got, href)
		})
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s links %v, want %v", page, got, want)
		}
		for _, href := range got {
			res := servertest.Do(t, app, "GET", href, nil)
			if res.Code != 200 || !strings.HasPrefix(res.Header().Get("Content-Disposition"), "attachment") || res.Body.Len() < 100 {
				t.Errorf("%s = %d %v", href, res.Code, res.Header())
			}
		}
	}
}
