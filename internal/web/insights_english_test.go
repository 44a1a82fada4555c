package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// TestInsightPagesInEnglish: the scoreboard, the insight pages, their
// downloads and errors in English, numbers in English notation; the German
// texts stay as they were.
func TestInsightPagesInEnglish(t *testing.T) {
	app, _ := newInsightsApp(t)
	en := []string{"Accept-Language", "en-GB,en;q=0.9"}

	doc, _ := servertest.GetDoc(t, app, "/laender?sortierung=made&richtung=ab", http.StatusOK, en...)
	if got := servertest.Text(doc.Find("h1")); got != "Länder (federal states) compared" {
		t.Errorf("scoreboard heading %q", got)
	}
	first := doc.Find(servertest.TID("scoreboard-row")).First()
	if !strings.Contains(servertest.Text(first), "Rank 1") {
		t.Errorf("first row %q lacks its rank in English", servertest.Text(first))
	}
	decimal := regexp.MustCompile(`^\d+\.\d\d Rank \d+$`)
	if cell := servertest.Text(first.Find("td").Eq(3)); !decimal.MatchString(cell) {
		t.Errorf("adoptions per 100,000 = %q, want an English decimal with its rank", cell)
	}
	if got := servertest.Text(doc.Find(servertest.TID("scoreboard") + " thead th a").First()); got != "Provided, sort" {
		t.Errorf("first sortable column %q", got)
	}
	if defs := servertest.Text(doc.Find(servertest.TID("scoreboard-definitions"))); !strings.Contains(defs, "Ten services across the whole Land give 10.0") {
		t.Errorf("column definitions not in English: %.200q", defs)
	}
	if legend := servertest.Text(doc.Find(".map__legend")); !strings.Contains(legend, "1 to 2 adoptions") {
		t.Errorf("map legend %q", legend)
	}
	if title := servertest.Text(doc.Find(`[data-testid=map-region][data-land="05"] title`)); !regexp.MustCompile(`^Nordrhein-Westfalen: \d+ adoptions?$`).MatchString(title) {
		t.Errorf("map region title %q", title)
	}
	if got := servertest.Text(doc.Find(servertest.TID("chart-diagramm-nachnutzungen") + " figcaption")); got != "Own adoptions per 100,000 inhabitants – the figures are in the table." {
		t.Errorf("chart caption %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/einblicke/rendite", http.StatusOK, en...)
	if fig := servertest.Text(doc.Find(servertest.TID("key-figures") + " dd").First()); !regexp.MustCompile(`^about €\d+\.\d million$`).MatchString(fig) {
		t.Errorf("headline = %q, want about €….… million", fig)
	}
	if m := servertest.Text(doc.Find(servertest.TID("method"))); !strings.Contains(m, "€2,705,882 per solution") || !strings.Contains(m, "10.00%") {
		t.Errorf("method not in English notation: %.300q", m)
	}
	src := doc.Find(servertest.TID("method-sources") + " li").First()
	if txt := servertest.Text(src); !strings.HasPrefix(txt, "€828,000,000: federal funds") || !strings.Contains(txt, "as of Oct 2024") || src.AttrOr("lang", "") != "" {
		t.Errorf("estimate source %q (lang %q)", txt, src.AttrOr("lang", ""))
	}
	if sols := servertest.Text(doc.Find(servertest.TID("rendite-loesungen"))); !strings.Contains(sols, "estimate with default value") || !strings.Contains(sols, "Enter costs") {
		t.Errorf("per-solution table not in English: %.300q", sols)
	}

	doc, _ = servertest.GetDoc(t, app, "/einblicke/abdeckung", http.StatusOK, en...)
	if got := strings.Join(servertest.Texts(doc.Find(servertest.TID("abdeckung-themenfelder")+" thead th")), "|"); got != "Topic area|OZG services|with a solution|reachable live" {
		t.Errorf("coverage table head %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/einblicke/nachfrage", http.StatusOK, en...)
	if got := servertest.Text(doc.Find(servertest.TID("nachfrage-30") + " caption")); got != "Most frequent searches without results in the last 30 days" {
		t.Errorf("demand caption %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/einblicke", http.StatusOK, en...)
	if got := servertest.Texts(doc.Find(servertest.TID("einblicke") + " a")); strings.Join(got, "|") != "Länder (federal states) compared|Return on digitalisation|Coverage|Gaps|Demand" {
		t.Errorf("insight links %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/laender/01/luecken", http.StatusOK, en...)
	if got := servertest.Text(doc.Find("h1")); got != "Where is a solution still missing in Schleswig-Holstein?" {
		t.Errorf("gaps heading %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("land-luecken") + " tbody tr").First().Find("td").Eq(1)); got != "unknown" {
		t.Errorf("best fit %q, want unknown", got)
	}

	// Errors in the reader's language.
	rec := servertest.Do(t, app, http.MethodGet, "/laender?sortierung=beliebt", map[string]string{"Accept-Language": "en"})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Unknown sort order ‘beliebt’.") {
		t.Errorf("unknown sort order in English = %d", rec.Code)
	}
	rec = servertest.Do(t, app, http.MethodGet, "/laender?sortierung=beliebt", nil)
	if !strings.Contains(rec.Body.String(), "Unbekannte Sortierung „beliebt“.") {
		t.Error("unknown sort order: the German message changed")
	}
}

// TestInsightDownloadsInEnglish: the human-facing tables speak the reader's
// language and keep the format German spreadsheet programs open (BOM, semicolons).
func TestInsightDownloadsInEnglish(t *testing.T) {
	app, _ := newInsightsApp(t)
	for target, want := range map[string]string{
		"/laender.csv":                     "Land key;Land;Population;Provided;Rank provided;",
		"/einblicke/rendite/laender.csv":   "Land;Saving (estimate);of which with default value;adoptions counted",
		"/einblicke/rendite/loesungen.csv": "estimate with default value",
		"/laender/01/luecken.csv":          "OZG service;reached;best fit;solutions to adopt (with fit)",
	} {
		rec := servertest.Do(t, app, http.MethodGet, target, map[string]string{"Accept-Language": "en"})
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.HasPrefix(body, "\ufeff") || !strings.Contains(body, want) {
			t.Errorf("%s in English = %d: %.200q", target, rec.Code, body)
		}
	}
	rec := servertest.Do(t, app, http.MethodGet, "/einblicke/rendite/laender.csv", map[string]string{"Accept-Language": "en"})
	if !regexp.MustCompile(`\nSchleswig-Holstein;€\d{1,3}(,\d{3})+;`).MatchString(rec.Body.String()) {
		t.Errorf("amounts not in English notation: %.300q", rec.Body.String())
	}
	rec = servertest.Do(t, app, http.MethodGet, "/laender.xlsx", map[string]string{"Accept-Language": "en"})
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheet := f.GetSheetName(0); sheet != "Länder compared" {
		t.Errorf("sheet %q", sheet)
	}
	if h, _ := f.GetCellValue("Länder compared", "O1"); h != "Rank reach" {
		t.Errorf("XLSX header O1 = %q", h)
	}
}

// TestLandAndOrganisationPagesInEnglish: the frames of the Land, Kreis,
// Gemeinde and environment pages in English with glossed German terms and
// the register's German data marked.
func TestLandAndOrganisationPagesInEnglish(t *testing.T) {
	app, _ := newInsightsApp(t)
	en := []string{"Accept-Language", "en"}
	doc, _ := servertest.GetDoc(t, app, "/laender/05", http.StatusOK, en...)
	facts := strings.Join(servertest.Texts(doc.Find(".facts dt, .facts dd")), "|")
	for _, want := range []string{"Länderschlüssel (state code)|05", "Population|17,947,221", "Königsteiner Schlüssel (Königstein key: the federal states' funding share) 2016|21.14%"} {
		if !strings.Contains(facts, want) {
			t.Errorf("Land facts %q lack %q", facts, want)
		}
	}
	if got := strings.Join(servertest.Texts(doc.Find(servertest.TID("land-municipal-adoptions")+" thead th")), "|"); got != "Adopter|Solution|Status|Since|Confirmation" {
		t.Errorf("adoption table head %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("land-kreise") + " caption")); got != "Kreise (districts) and kreisfreie Städte (cities not in a district) in Nordrhein-Westfalen" {
		t.Errorf("Kreise caption %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/gemeinden/064360007007", http.StatusOK, en...)
	pre := doc.Find(".page-header .kern-preline")
	if got := servertest.Text(pre); got != "Gemeinde (municipality) · Stadt" || pre.Find(`span[lang="de"]`).Text() != "Stadt" {
		t.Errorf("preline %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("org-facts") + " dt").First()); got != "Land (federal state)" {
		t.Errorf("first fact %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/gemeinden/064360007007", http.StatusOK)
	if got := servertest.Text(doc.Find(".page-header .kern-preline")); got != "Stadt" {
		t.Errorf("German preline %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/kreise/05162", http.StatusOK, en...)
	if got := servertest.Text(doc.Find(".map__legend")); !strings.Contains(got, "Gemeinde with its own adoption") {
		t.Errorf("Kreis map legend %q", got)
	}
}

// TestEnvironmentInEnglish: a member edits the environment in English: the
// form, the standards (German names, marked) and the flash message.
func TestEnvironmentInEnglish(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "redaktion-a")
	c.Header["Accept-Language"] = "en"
	target := "/gemeinden/" + servertest.GemeindeA + "/umgebung"
	doc := servertest.Doc(t, c.Do(http.MethodGet, target, nil, nil))
	if got := servertest.Text(doc.Find("h1")); !strings.HasPrefix(got, "Environment of ") {
		t.Errorf("heading %q", got)
	}
	labels := doc.Find(servertest.TID("umgebung-form") + " label")
	if labels.Length() == 0 || labels.Filter(`[lang="de"]`).Length() != labels.Length() {
		t.Errorf("%d standards, %d marked German", labels.Length(), labels.Filter(`[lang="de"]`).Length())
	}
	if got := servertest.Text(doc.Find(servertest.TID("umgebung-form") + " button")); got != "Save environment" {
		t.Errorf("button %q", got)
	}
	rec := c.Do(http.MethodPost, target, url.Values{"standard": {"epaybl"}}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save = %d", rec.Code)
	}
	doc = servertest.Doc(t, c.Do(http.MethodGet, target, nil, nil))
	if !strings.Contains(servertest.Text(doc.Find("main")), "The environment of Flensburg, Stadt has been saved.") {
		t.Errorf("no English notice: %.300q", servertest.Text(doc.Find("main")))
	}
}
