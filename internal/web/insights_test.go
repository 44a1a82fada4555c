package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"efa-register/internal/insights"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

func newInsightsApp(t *testing.T) (http.Handler, *store.Store) {
	t.Helper()
	st := storetest.Seeded(t)
	ctx := context.Background()
	day := time.Now().UTC().Format("2006-01-02")
	if err := st.AddZeroResults(ctx, map[store.ZeroResultKey]int64{{Day: day, Query: "hundesteuer"}: 7, {Day: day, Query: "fischerei kiel"}: 2}); err != nil {
		t.Fatal(err)
	}
	e, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	return server.New(server.Deps{Store: st, Insights: e, Version: "test"}), st
}

func TestInsightPages(t *testing.T) {
	app, st := newInsightsApp(t)
	get := func(target string) (*goquery.Document, int, string) {
		rec := servertest.Do(t, app, "GET", target, nil)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		return doc, rec.Code, rec.Body.String()
	}
	doc, code, body := get("/einblicke/rendite")
	// The seed solutions carry no costs: every live adoption is estimated with
	// the default build cost, labelled as such, with the public sources linked.
	sols := doc.Find("[data-testid=rendite-loesungen]")
	if code != 200 || !strings.Contains(sols.Text(), "Schätzung mit Standardwert") || strings.Contains(sols.Text(), "nicht bezifferbar") {
		t.Errorf("savings page = %d; seed solutions must be estimated with the default value: %.300q", code, sols.Text())
	}
	if href, _ := sols.Find("a:contains('Kosten eintragen')").First().Attr("href"); !strings.HasSuffix(href, "/bearbeiten#feld-buildCostEur") {
		t.Errorf("no invitation to enter costs per solution: %q", href)
	}
	if doc.Find("[data-testid=method] li").Length() < 5 {
		t.Error("savings page lacks the method")
	}
	if fig := doc.Find("[data-testid=key-figures] dd").First().Text(); !strings.HasPrefix(fig, "rund ") || !strings.HasSuffix(fig, " Mio. €") ||
		!strings.Contains(doc.Find("[data-testid=key-figures] dt").First().Text(), "Schätzung") ||
		doc.Find("[data-testid=chart-diagramm-rendite]").Length() != 1 {
		t.Errorf("headline = %q with %d charts", fig, doc.Find("[data-testid=chart-diagramm-rendite]").Length())
	}
	if srcs := doc.Find("[data-testid=method-sources] a"); srcs.Length() != 2 || !strings.HasPrefix(srcs.First().AttrOr("href", ""), "https://www.heise.de/") {
		t.Errorf("sources of the default estimate: %d links", srcs.Length())
	}
	if !strings.Contains(doc.Find("[data-testid=method]").Text(), "2.705.882 €") {
		t.Errorf("method does not state the default build cost: %q", doc.Find("[data-testid=method]").Text())
	}
	if doc.Find("[data-testid=callout]").Length() != 1 || !strings.Contains(doc.Find("[data-testid=callout]").Text(), "Entwicklungskosten") {
		t.Error("no invitation to providers to enter their costs")
	}
	// Public pages name no environment variables (operator hints live in docs/OPERATIONS.md).
	if strings.Contains(body, "EFA_") {
		t.Error("the savings page names an environment variable")
	}
	doc, code, _ = get("/einblicke/luecken")
	stats, _ := st.Stats(context.Background())
	rows := doc.Find("[data-testid=weisse-flecken] tbody tr").Length()
	if code != 200 || rows == 0 || int64(rows) >= stats.Services {
		t.Errorf("white spots = %d rows (of %d services), status %d", rows, stats.Services, code)
	}
	doc, code, _ = get("/einblicke/abdeckung")
	if code != 200 || doc.Find("[data-testid=abdeckung-themenfelder] tbody tr").Length() != 14 || doc.Find("[data-testid=abdeckung-matrix] thead th").Length() != 17 {
		t.Errorf("coverage page = %d", code)
	}
	doc, code, _ = get("/einblicke/nachfrage")
	first := doc.Find("[data-testid=nachfrage-30] tbody tr").First()
	if code != 200 || !strings.Contains(first.Text(), "hundesteuer") || !strings.Contains(first.Text(), "7") {
		t.Errorf("demand radar = %d: %q", code, first.Text())
	}
	doc, code, _ = get("/laender/05/luecken")
	if code != 200 || doc.Find("[data-testid=land-luecken] tbody tr").Length() == 0 {
		t.Errorf("NRW gaps = %d", code)
	}
	for _, target := range []string{"/einblicke/unbekannt", "/laender/99/luecken", "/einblicke/rendite/nichts.csv"} {
		if _, code, _ := get(target); code != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", target, code)
		}
	}
}

func TestInsightCSVDownloads(t *testing.T) {
	app, _ := newInsightsApp(t)
	for target, want := range map[string]string{
		"/laender.csv":                      "Rang Reichweite",
		"/einblicke/rendite/laender.csv":    "Schleswig-Holstein",
		"/einblicke/rendite/loesungen.csv":  "Schätzung mit Standardwert",
		"/einblicke/abdeckung/laender.csv":  "Familie & Kind",
		"/einblicke/luecken/leistungen.csv": "OZG-ID",
		"/einblicke/nachfrage/tage-90.csv":  "hundesteuer;7;1",
		"/laender/01/luecken.csv":           "erreicht",
	} {
		rec := servertest.Do(t, app, "GET", target, nil)
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(body, "\ufeff") || !strings.Contains(body, want) ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("%s = %d %q: %.200q", target, rec.Code, rec.Header().Get("Content-Type"), body)
		}
	}
}

// The scoreboard as an Excel file holds the same rows as the API, numbers as numbers.
func TestScoreboardXLSX(t *testing.T) {
	app, _ := newInsightsApp(t)
	rec := servertest.Do(t, app, "GET", "/laender.xlsx", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), `filename="laendervergleich.xlsx"`) {
		t.Fatalf("/laender.xlsx = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Ländervergleich")
	if err != nil || len(rows) != 17 {
		t.Fatalf("sheet Ländervergleich: %d rows, %v", len(rows), err)
	}
	if rows[0][1] != "Land" || rows[0][2] != "Einwohner" {
		t.Errorf("header %q", rows[0])
	}
	seen := map[string]bool{}
	for _, h := range rows[0] {
		if seen[h] {
			t.Errorf("header %q appears twice in %q", h, rows[0])
		}
		seen[h] = true
	}
	var sb struct {
		States []struct {
			LandKey    string `json:"landKey"`
			Made       int    `json:"made"`
			Population int64  `json:"population"`
		} `json:"states"`
	}
	if err := json.Unmarshal(servertest.Do(t, app, "GET", "/api/v1/scoreboard", nil).Body.Bytes(), &sb); err != nil || len(sb.States) != 16 {
		t.Fatalf("scoreboard: %v", err)
	}
	for i, st := range sb.States {
		row := rows[i+1]
		if row[0] != st.LandKey || row[8] != strconv.Itoa(st.Made) {
			t.Errorf("row %d: %q, API %+v", i+1, row[:9], st)
		}
		typ, err := f.GetCellType("Ländervergleich", "C"+strconv.Itoa(i+2))
		if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("population of %s is stored as %v (%v), want a number", st.LandKey, typ, err)
		}
	}
}

func TestInsightsAPI(t *testing.T) {
	app, st := newInsightsApp(t)
	var sb struct {
		Laender []struct {
			LandKey string         `json:"landKey"`
			Made    int            `json:"made"`
			Ranks   map[string]int `json:"ranks"`
		} `json:"states"`
	}
	rec := servertest.Do(t, app, "GET", "/api/v1/scoreboard", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &sb); err != nil || len(sb.Laender) != 16 {
		t.Fatalf("scoreboard = %d %v", rec.Code, err)
	}
	counts, _ := st.CountsPerLand(context.Background())
	for i, l := range sb.Laender {
		if int64(l.Made) != counts[i].AdoptionsMade || l.Ranks["made"] < 1 || l.Ranks["made"] > 16 {
			t.Errorf("%s: made %d, database %d, rank %d", l.LandKey, l.Made, counts[i].AdoptionsMade, l.Ranks["made"])
		}
	}
	var cov struct {
		Name    string `json:"name"`
		Laender []struct {
			LandKey string  `json:"landKey"`
			Share   float64 `json:"share"`
		} `json:"states"`
	}
	rec = servertest.Do(t, app, "GET", "/api/v1/coverage/services/10092", nil)
	json.Unmarshal(rec.Body.Bytes(), &cov)
	if rec.Code != 200 || cov.Name != "Wohngeld" || cov.Laender[4].Share < 0.999 || cov.Laender[0].Share <= 0 {
		t.Errorf("Wohngeld coverage = %d %+v", rec.Code, cov)
	}
	var sv struct {
		NotQuantifiable int     `json:"notQuantifiable"`
		TotalEur        float64 `json:"totalEur"`
		EstimatedEur    float64 `json:"estimatedEur"`
		Assumptions     struct {
			DefaultBuildCostEur float64 `json:"defaultBuildCostEur"`
			DefaultSources      []struct {
				URL string `json:"url"`
			} `json:"defaultSources"`
		} `json:"assumptions"`
		Solutions []struct {
			SavingEUR *float64 `json:"savingEur"`
			Basis     string   `json:"basis"`
			Live      int      `json:"live"`
		} `json:"solutions"`
	}
	rec = servertest.Do(t, app, "GET", "/api/v1/savings", nil)
	json.Unmarshal(rec.Body.Bytes(), &sv)
	if sv.NotQuantifiable != 0 || sv.TotalEur <= 0 || sv.EstimatedEur != sv.TotalEur || len(sv.Solutions) == 0 ||
		sv.Assumptions.DefaultBuildCostEur < 2705882 || sv.Assumptions.DefaultBuildCostEur > 2705883 || len(sv.Assumptions.DefaultSources) != 2 {
		t.Errorf("savings = %.600s", rec.Body.String())
	}
	for _, s := range sv.Solutions {
		// Every live adoption of a seed solution saves the default build cost less 10 % onboarding.
		if s.Basis != "estimate" || s.SavingEUR == nil || math.Abs(*s.SavingEUR-float64(s.Live)*0.9*828000000/306) > 0.01 {
			t.Errorf("solution savings %+v", s)
		}
	}
	for target, code := range map[string]int{"/api/v1/coverage/services/abc": 400, "/api/v1/coverage/services/99999": 404,
		"/api/v1/demand?days=0": 400, "/api/v1/demand?days=90": 200, "/api/v1/white-spots": 200} {
		rec := servertest.Do(t, app, "GET", target, nil)
		if rec.Code != code {
			t.Errorf("%s = %d, want %d", target, rec.Code, code)
		}
		if code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: error is %q, want problem+json", target, rec.Header().Get("Content-Type"))
		}
	}
}

func TestScoreboardPage(t *testing.T) {
	app, st := newInsightsApp(t)
	counts, _ := st.CountsPerLand(context.Background())
	best, most := "", int64(-1)
	for _, c := range counts {
		if c.AdoptionsMade > most {
			best, most = c.Land.Name, c.AdoptionsMade
		}
	}
	rec := servertest.Do(t, app, "GET", "/laender?sortierung=made&richtung=ab", nil)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	rows := doc.Find("[data-testid=scoreboard-row]")
	if rec.Code != 200 || rows.Length() != 16 {
		t.Fatalf("scoreboard = %d, %d rows", rec.Code, rows.Length())
	}
	first := rows.First()
	if got := strings.TrimSpace(first.Find("th").Text()); got != best || !strings.Contains(first.Text(), "Rang 1") {
		t.Errorf("first row sorted by adoptions = %q (%q), want %s with rank 1", got, first.Text(), best)
	}
	if sorted, _ := doc.Find("th[aria-sort=descending]").Attr("aria-sort"); sorted != "descending" {
		t.Error("sorted column lacks aria-sort")
	}
	if doc.Find("[data-testid=map-region]").Length() != 16 || doc.Find("[data-testid=chart-diagramm-nachnutzungen] rect").Length() != 16 {
		t.Error("scoreboard lacks the map or the chart")
	}
	// One figure per column, each column defined in a visible sentence.
	doc.Find("[data-testid=scoreboard-row] td").Each(func(_ int, td *goquery.Selection) {
		if strings.ContainsAny(td.Text(), "()") {
			t.Errorf("cell %q holds more than one figure", strings.TrimSpace(td.Text()))
		}
	})
	heads := doc.Find("[data-testid=scoreboard] thead th a")
	defs := doc.Find("[data-testid=scoreboard-definitions] dt")
	if heads.Length() != 5 || defs.Length() != heads.Length() {
		t.Errorf("%d columns, %d definitions", heads.Length(), defs.Length())
	}
	heads.Each(func(i int, a *goquery.Selection) {
		label := strings.TrimSuffix(strings.TrimSpace(a.Text()), ", sortieren")
		if dt := strings.TrimSpace(defs.Eq(i).Text()); dt != label || len(strings.TrimSpace(defs.Eq(i).Next().Text())) < 30 {
			t.Errorf("column %q defined as %q: %q", label, dt, defs.Eq(i).Next().Text())
		}
	})
	for _, bad := range []string{"/laender?sortierung=beliebt", "/laender?richtung=seitwaerts"} {
		if rec := servertest.Do(t, app, "GET", bad, nil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "<main") {
			t.Errorf("%s = %d, want a 400 page", bad, rec.Code)
		}
	}
	rec = servertest.Do(t, app, "GET", "/laender/05", nil)
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if n := doc.Find("[data-testid=land-ranks] tbody tr").Length(); n < 1 {
		t.Errorf("Land page rank history rows = %d", n)
	}
}
