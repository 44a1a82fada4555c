package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
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
		"provider": {"Bayern", "Schleswig-Holstein"}, "verified": {"teilweise geprüft", "geprüft"},
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

// hitSlugs are the slugs of the hits on one catalogue page, in order.
func hitSlugs(doc *goquery.Document) []string {
	var out []string
	doc.Find(servertest.TID("results") + " " + servertest.TID("solution-link")).Each(func(_ int, a *goquery.Selection) {
		out = append(out, strings.TrimPrefix(a.AttrOr("href", ""), "/loesungen/"))
	})
	return out
}

// "Trefferliste herunterladen" exports exactly the hits of the search, in the order of the list.
func TestCatalogueHitExport(t *testing.T) {
	app, _ := servertest.Shared(t)
	const q = "q=Wohngeld&status=live"
	doc, _ := servertest.GetDoc(t, app, "/loesungen?"+q, http.StatusOK)
	want := hitSlugs(doc)
	if len(want) == 0 || len(want) >= 20 {
		t.Fatalf("hits for %s = %q", q, want)
	}
	links := doc.Find(servertest.TID("hit-downloads") + " a")
	if links.Length() != 2 || links.First().AttrOr("href", "") != "/loesungen.csv?q=Wohngeld&status=live" || links.Last().AttrOr("href", "") != "/loesungen.xlsx?q=Wohngeld&status=live" {
		t.Errorf("hit downloads = %d %q", links.Length(), links.First().AttrOr("href", ""))
	}
	rec := servertest.Do(t, app, "GET", "/loesungen.csv?"+q, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "efa-trefferliste-") {
		t.Fatalf("/loesungen.csv = %d %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "Kurzbezeichnung" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no slug column in %q", rows[0])
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[col])
	}
	if !cmp.Equal(got, want) {
		t.Errorf("export = %q, want the hits %q", got, want)
	}
	// The whole catalogue's columns, the same header as the catalogue export.
	all := servertest.Do(t, app, "GET", "/api/v1/export/solutions.csv", nil).Body.String()
	if header := strings.SplitN(strings.TrimPrefix(all, "\ufeff"), "\r\n", 2)[0]; header != strings.Join(rows[0], ";") {
		t.Errorf("header %q differs from the catalogue export %q", strings.Join(rows[0], ";"), header)
	}
	// XLSX: the same rows.
	rec = servertest.Do(t, app, "GET", "/loesungen.xlsx?"+q, nil)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheet, _ := f.GetRows("Trefferliste"); len(sheet) != len(want)+1 || sheet[1][col] != want[0] {
		t.Errorf("XLSX = %d rows", len(sheet))
	}
	// Without a search or filter, the hit list is the catalogue: no second link.
	doc, _ = servertest.GetDoc(t, app, "/loesungen", http.StatusOK)
	if n := doc.Find(servertest.TID("hit-downloads") + " a").Length(); n != 0 {
		t.Errorf("%d hit-list links without a search", n)
	}
	if rec := servertest.Do(t, app, "GET", "/loesungen.csv?status=kaputt", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("bad parameter = %d", rec.Code)
	}
}

// Typing a query switches the sort to relevance unless the user chose one;
// the htmx answer refreshes the sort control with the results.
func TestCatalogueRelevanceWhenQuerying(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/loesungen", http.StatusOK)
	if v := doc.Find(servertest.TID("catalogue-sort-shown")).AttrOr("value", "?"); v != "name" {
		t.Fatalf("default shown = %q", v)
	}
	relevance, _ := servertest.GetDoc(t, app, "/loesungen?q=Wohngeld&sortierung=relevanz", http.StatusOK)
	byName, _ := servertest.GetDoc(t, app, "/loesungen?q=Wohngeld&sortierung=name", http.StatusOK)
	if cmp.Equal(hitSlugs(relevance), hitSlugs(byName)) {
		t.Fatalf("relevance and name give the same order %q; the test needs a query where they differ", hitSlugs(byName))
	}

	// Live search as the form sends it: the select still says "name", as the page showed by default.
	doc, rec := servertest.GetDoc(t, app, "/loesungen?q=Wohngeld&sortierung=name&sortierung_vorgabe=name", http.StatusOK, "HX-Request", "true")
	if got := hitSlugs(doc); !cmp.Equal(got, hitSlugs(relevance)) {
		t.Errorf("typed query sorted %q, want relevance %q", got, hitSlugs(relevance))
	}
	if got := rec.Header().Get("HX-Push-Url"); got != "/loesungen?q=Wohngeld" {
		t.Errorf("HX-Push-Url = %q", got)
	}
	field := doc.Find("#katalog-sortierung-feld[hx-swap-oob]")
	if field.Length() != 1 || field.Find("option[selected]").AttrOr("value", "") != "relevanz" || field.Find(servertest.TID("catalogue-sort-shown")).AttrOr("value", "") != "relevanz" {
		t.Errorf("sort control out of band: %d, selected %q", field.Length(), field.Find("option[selected]").AttrOr("value", ""))
	}

	// A sort the user chose stays when the query changes.
	doc, rec = servertest.GetDoc(t, app, "/loesungen?q=Wohngeld&sortierung=name&sortierung_vorgabe=relevanz", http.StatusOK, "HX-Request", "true")
	if got := hitSlugs(doc); !cmp.Equal(got, hitSlugs(byName)) || rec.Header().Get("HX-Push-Url") != "/loesungen?q=Wohngeld&sortierung=name" {
		t.Errorf("chosen sort: %q, push %q", got, rec.Header().Get("HX-Push-Url"))
	}
	if v := doc.Find(servertest.TID("catalogue-sort-shown")).AttrOr("value", "?"); v != "" {
		t.Errorf("a chosen sort is marked as default %q", v)
	}
	// When the select itself sent the request it keeps its focus: no out-of-band copy.
	doc, _ = servertest.GetDoc(t, app, "/loesungen?q=Wohngeld&sortierung=nachnutzungen&sortierung_vorgabe=relevanz", http.StatusOK,
		"HX-Request", "true", "HX-Trigger", "katalog-sortierung")
	if doc.Find("#katalog-sortierung-feld").Length() != 0 {
		t.Error("the sort control was swapped while it had the focus")
	}
	// Clearing the query returns to the name order.
	doc, _ = servertest.GetDoc(t, app, "/loesungen?q=&sortierung=relevanz&sortierung_vorgabe=relevanz", http.StatusOK)
	if v := doc.Find(servertest.TID("catalogue-sort")+" option[selected]").AttrOr("value", ""); v != "name" {
		t.Errorf("sort after clearing the query = %q", v)
	}
}

// A search without hits points to the matching OZG-Leistungen: "Hundesteuer"
// is a LeiKa name of "Hundehaltung", which has no solution yet.
func TestCatalogueZeroHitsSuggestServices(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/loesungen?q=Hundesteuer", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("result-count"))); got != "Keine Lösung gefunden" {
		t.Fatalf("count = %q", got)
	}
	hints := doc.Find(servertest.TID("service-hint"))
	first := hints.First()
	if hints.Length() == 0 || first.Find("a").AttrOr("href", "") != "/leistungen/10160" || servertest.Text(first.Find("a")) != "Hundehaltung" ||
		!strings.Contains(servertest.Text(first), "noch keine Lösung im Register") {
		t.Errorf("hints = %q", servertest.Texts(hints))
	}
	// The htmx live search shows them too.
	doc, _ = servertest.GetDoc(t, app, "/loesungen?q=Hundesteuer", http.StatusOK, "HX-Request", "true")
	if doc.Find(servertest.TID("service-hint")).Length() == 0 {
		t.Error("no hints in the htmx answer")
	}
	// A search with hits shows none.
	doc, _ = servertest.GetDoc(t, app, "/loesungen?q=Wohngeld", http.StatusOK)
	if doc.Find(servertest.TID("service-hints")).Length() != 0 {
		t.Error("hints beside hits")
	}
}

// The comparison lines the standards profiles up, one row per entry either
// solution names, and marks in words where they differ.
func TestCompareProfilesHighlightDifferences(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/vergleich?l=ehe-digital,elektronische-wohnsitzanmeldung", http.StatusOK)
	row := func(key string) *goquery.Selection {
		return doc.Find(servertest.TID("compare-table") + ` tbody tr[data-field="` + key + `"]`)
	}
	bundid, eid := row("standard:bundid"), row("standard:eid")
	if got := servertest.Texts(bundid.Find("td")); !cmp.Equal(got, []string{"setzt um", "setzt um"}) {
		t.Errorf("BundID row = %q", got)
	}
	if _, marked := bundid.Attr("data-differs"); marked || strings.Contains(bundid.Find("th").Text(), "unterschiedlich") {
		t.Error("equal BundID row is marked as different")
	}
	if got := servertest.Texts(eid.Find("td")); !cmp.Equal(got, []string{"nicht angegeben", "setzt um"}) {
		t.Errorf("eID row = %q", got)
	}
	if _, marked := eid.Attr("data-differs"); !marked || !strings.Contains(eid.Find("th").Text(), "unterschiedlich") {
		t.Error("the differing eID row is not marked in words")
	}
	if !strings.Contains(eid.Find("th").Text(), "Standardprofil – eID: Online-Ausweisfunktion (eID)") {
		t.Errorf("eID row label = %q", servertest.Text(eid.Find("th")))
	}
}
