package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"efa-register/internal/export"
	"efa-register/internal/server/servertest"
)

// The comparison as CSV, XLSX and JSON holds one row per property with a
// value per solution and whether they differ, the same as the page.
func TestCompareExports(t *testing.T) {
	app, _ := servertest.Shared(t)
	const q = "?l=elster&l=wohngeld-online"
	names := []string{"ELSTER (u. a. Grundsteuer-/Einkommensteuererklärung)", "Wohngeld (Online-Wohngeldantrag)"}

	rec := servertest.Do(t, app, "GET", "/vergleich.json"+q, nil)
	var doc struct {
		Solutions []struct{ Slug, Name, URL string }
		Fields    []struct {
			Key, Label string
			Values     []string
			Differs    bool
		}
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
		t.Fatalf("/vergleich.json = %d %.200q", rec.Code, rec.Body.String())
	}
	if len(doc.Solutions) != 2 || doc.Solutions[0].Slug != "elster" || doc.Solutions[1].Name != names[1] || doc.Solutions[1].URL != "/loesungen/wohngeld-online" {
		t.Errorf("solutions = %+v", doc.Solutions)
	}
	fields := map[string]struct {
		values  []string
		differs bool
	}{}
	for _, f := range doc.Fields {
		fields[f.Key] = struct {
			values  []string
			differs bool
		}{f.Values, f.Differs}
	}
	for key, want := range map[string][]string{
		"provider": {"Bayern", "Schleswig-Holstein"}, "verified": {"nicht geprüft", "geprüft"},
		"adoptions": {"15", "7"}, "adoptionsLive": {"15", "7"},
	} {
		if got := fields[key]; !cmp.Equal(got.values, want) || !got.differs {
			t.Errorf("JSON %s = %q differs %v, want %q differing", key, got.values, got.differs, want)
		}
	}
	if len(doc.Fields) < 15 {
		t.Errorf("JSON has %d fields", len(doc.Fields))
	}

	rec = servertest.Do(t, app, "GET", "/vergleich.csv"+q, nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.Contains(rec.Header().Get("Content-Disposition"), `vergleich.csv`) {
		t.Fatalf("/vergleich.csv = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != len(doc.Fields)+1 {
		t.Fatalf("CSV: %d rows (want %d), %v", len(rows), len(doc.Fields)+1, err)
	}
	if want := []string{"Merkmal", names[0] + " (elster)", names[1] + " (wohngeld-online)", "unterschiedlich"}; !cmp.Equal(rows[0], want) {
		t.Errorf("CSV header = %q", rows[0])
	}
	for i, f := range doc.Fields {
		differs := "nein"
		if f.Differs {
			differs = "ja"
		}
		// Text cells pass the formula defusing of every CSV ("—" gets an apostrophe).
		if want := []string{f.Label, export.Defuse(f.Values[0]), export.Defuse(f.Values[1]), differs}; !cmp.Equal(rows[i+1], want) {
			t.Errorf("CSV row %d = %q, want %q", i+1, rows[i+1], want)
		}
	}

	rec = servertest.Do(t, app, "GET", "/vergleich.xlsx"+q, nil)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != 200 || err != nil {
		t.Fatalf("/vergleich.xlsx = %d, %v", rec.Code, err)
	}
	defer f.Close()
	sheet, _ := f.GetRows("Vergleich")
	if len(sheet) != len(rows) || sheet[1][0] != "Anbieter" || sheet[1][1] != "Bayern" || sheet[1][2] != "Schleswig-Holstein" {
		t.Errorf("XLSX rows = %d, first %q", len(sheet), sheet[1])
	}

	// Unusable parameters: 400, as a German problem document for JSON.
	for target, wantType := range map[string]string{
		"/vergleich.json?l=elster&l=gibt-es-nicht": "application/problem+json",
		"/vergleich.json?l=elster":                 "application/problem+json",
		"/vergleich.csv?l=Kaputt!&l=elster":        "text/html",
	} {
		rec := servertest.Do(t, app, "GET", target, nil)
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), wantType) {
			t.Errorf("%s = %d %q", target, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if body := servertest.Do(t, app, "GET", "/vergleich.json?l=elster&l=gibt-es-nicht", nil).Body.String(); !strings.Contains(body, "„gibt-es-nicht“ gibt es nicht") {
		t.Errorf("problem = %s", body)
	}
}

// The comparison page links its downloads; the later drop-downs offer the
// solutions for the same OZG-Leistung first; the OZG-Leistung page offers the comparison.
func TestCompareAlternativesAndEntry(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/vergleich?l=wohngeld-online", http.StatusOK)
	selects := doc.Find(servertest.TID("compare-form") + " select[name=l]")
	if n := selects.First().Find("optgroup").Length(); n != 0 {
		t.Errorf("first drop-down has %d groups", n)
	}
	second := selects.Eq(1)
	groups := second.Find("optgroup")
	if groups.Length() != 2 || !strings.Contains(groups.First().AttrOr("label", ""), "Wohngeld (Online-Wohngeldantrag)") {
		t.Fatalf("second drop-down groups = %d %q", groups.Length(), groups.First().AttrOr("label", ""))
	}
	alts := groups.First().Find("option")
	if alts.Length() < 1 || alts.First().AttrOr("value", "") != "sozialplattform-wohngeld" {
		t.Errorf("alternatives = %q", servertest.Texts(alts))
	}
	// Every solution appears once: alternatives plus the rest are all 50.
	if n := second.Find("option").Length(); n != 51 {
		t.Errorf("second drop-down offers %d options, want 50 + none", n)
	}
	if groups.Eq(1).Find(`option[value="sozialplattform-wohngeld"]`).Length() != 0 {
		t.Error("an alternative is offered twice")
	}

	doc, _ = servertest.GetDoc(t, app, "/vergleich?l=elster,wohngeld-online", http.StatusOK)
	links := doc.Find(servertest.TID("compare-downloads") + " a")
	if hrefs := []string{links.Eq(0).AttrOr("href", ""), links.Eq(1).AttrOr("href", ""), links.Eq(2).AttrOr("href", "")}; !cmp.Equal(hrefs,
		[]string{"/vergleich.csv?l=elster&l=wohngeld-online", "/vergleich.xlsx?l=elster&l=wohngeld-online", "/vergleich.json?l=elster&l=wohngeld-online"}) {
		t.Errorf("downloads = %q", hrefs)
	}

	doc, _ = servertest.GetDoc(t, app, "/leistungen/10092", http.StatusOK)
	href := doc.Find(servertest.TID("service-compare")).AttrOr("href", "")
	if !strings.HasPrefix(href, "/vergleich?l=") || !strings.Contains(href, "wohngeld-online") || !strings.Contains(href, "sozialplattform-wohngeld") {
		t.Errorf("Wohngeld page compare link = %q", href)
	}
	if doc, _ := servertest.GetDoc(t, app, "/leistungen/10160", http.StatusOK); doc.Find(servertest.TID("service-compare")).Length() != 0 {
		t.Error("a Leistung without two solutions offers a comparison")
	}
}
