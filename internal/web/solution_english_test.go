package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

var solEnglish = map[string]string{"Accept-Language": "en-GB,en;q=0.9"}

// TestSolutionPageInEnglish: the solution page speaks English around the
// register's German data, which it marks lang="de".
func TestSolutionPageInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc := servertest.Doc(t, servertest.Do(t, app, http.MethodGet, "/loesungen/wohngeld-online", solEnglish))
	if got := strings.Join(strings.Fields(doc.Find(`[data-testid="adoption-count"]`).Text()), " "); !strings.HasSuffix(got, "registered adoptions, 7 of them in operation.") {
		t.Errorf("adoption count = %q", got)
	}
	facts := doc.Find(`[data-testid="solution-facts"]`).Text()
	for _, want := range []string{"Provider", "Partners and alliance", "Current release", "not given by the provider", "Topic area"} {
		if !strings.Contains(facts, want) {
			t.Errorf("facts lack %q: %q", want, facts)
		}
	}
	if lang, _ := doc.Find(`[data-testid="solution-name"]`).Attr("lang"); lang != "de" {
		t.Errorf("the solution's name is not marked German: lang=%q", lang)
	}
	if got := doc.Find(`[data-testid="registered"]`).Text(); !strings.Contains(got, "from the data import") {
		t.Errorf("registered = %q", got)
	}
	if got := doc.Find(`[data-testid="adopter"] .adopter-list__since`).First().Text(); got != "since 18 Dec 2019" {
		t.Errorf("since = %q, want the English date", got)
	}
	// German stays German.
	de := servertest.Doc(t, servertest.Do(t, app, http.MethodGet, "/loesungen/wohngeld-online", nil))
	if got := de.Find(`[data-testid="adopter"] .adopter-list__since`).First().Text(); got != "seit 18.12.2019" {
		t.Errorf("seit = %q", got)
	}
	if _, marked := de.Find(`[data-testid="solution-name"]`).Attr("lang"); marked {
		t.Errorf("the German page marks the solution's name")
	}
}

// TestCompareInEnglish: the comparison page, its downloads and its problems
// in English.
func TestCompareInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	const q = "?l=elster&l=wohngeld-online"
	doc := servertest.Doc(t, servertest.Do(t, app, http.MethodGet, "/vergleich"+q, solEnglish))
	if got := doc.Find(`[data-testid="compare-row"][data-field="provider"] th`).Text(); !strings.Contains(got, "Provider") || !strings.Contains(got, "different") {
		t.Errorf("provider row = %q", got)
	}
	if got := doc.Find(`[data-testid="compare-row"][data-field="verified"] td`).Last().Text(); got != "verified" {
		t.Errorf("verified = %q", got)
	}
	if lang, _ := doc.Find(`[data-testid="compare-row"][data-field="operator"] td`).First().Attr("lang"); lang != "de" {
		t.Errorf("the operator (register data) is not marked German")
	}

	rec := servertest.Do(t, app, http.MethodGet, "/vergleich.csv"+q, solEnglish)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("CSV = %d %v", rec.Code, err)
	}
	if rows[0][0] != "Property" || rows[0][3] != "different" || rows[1][0] != "Provider" || rows[1][3] != "yes" {
		t.Errorf("CSV = %q / %q", rows[0], rows[1])
	}

	rec = servertest.Do(t, app, http.MethodGet, "/vergleich.xlsx"+q, solEnglish)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheet, _ := f.GetRows("Comparison"); len(sheet) < 2 || sheet[1][0] != "Provider" {
		t.Errorf("XLSX sheet Comparison = %q", sheet)
	}

	if body := servertest.Do(t, app, http.MethodGet, "/vergleich.json?l=elster&l=gibt-es-nicht", solEnglish).Body.String(); !strings.Contains(body, "“gibt-es-nicht” does not exist") {
		t.Errorf("problem = %s", body)
	}
	doc = servertest.Doc(t, servertest.Do(t, app, http.MethodGet, "/vergleich?l=Kaputt!,elster", solEnglish))
	if got := doc.Find(`[data-testid="compare-problems"]`).Text(); !strings.Contains(got, "“Kaputt!” is not a valid short name of a solution.") {
		t.Errorf("problems = %q", got)
	}
}

// TestReleasesInEnglish: the provider's releases page and its flash
// messages in English.
func TestReleasesInEnglish(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "anbieter")
	c.Header["Accept-Language"] = "en"
	const page = "/loesungen/wohngeld-online/versionen"
	if rec := c.Do("POST", page, url.Values{"version": {"1.0.0"}, "date": {"01.03.2025"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("record = %d", rec.Code)
	}
	doc := servertest.Doc(t, c.Do("GET", page, nil, nil))
	if got := doc.Find("h1").Text(); got != "Releases" {
		t.Errorf("h1 = %q", got)
	}
	if got := doc.Find("main").Text(); !strings.Contains(got, "Release 1.0.0 has been registered.") || !strings.Contains(got, "1 Mar 2025") {
		t.Errorf("no English notice or date: %.500q", got)
	}
	show := servertest.Doc(t, c.Do("GET", "/loesungen/wohngeld-online", nil, nil))
	if got := strings.Join(strings.Fields(show.Find(`[data-testid="current-release"]`).Text()), " "); got != "1.0.0 released 1 Mar 2025" {
		t.Errorf("current release = %q", got)
	}
	if got := show.Find(`[data-testid="older-release-adopters"]`).Text(); got != "No adopter reports running an older release." {
		t.Errorf("older = %q", got)
	}
}
