package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"efa-register/internal/server/servertest"
)

// TestPageCacheKeysByLanguage: the start page's figures are cached per data
// version; a page cached for a German reader must not reach an English one,
// nor the other way round.
func TestPageCacheKeysByLanguage(t *testing.T) {
	for _, order := range [][]string{{"de", "en", "de"}, {"en", "de", "en"}} {
		app := servertest.NewApp(t)
		for _, l := range order {
			want, notWant := "Nachnutzungen je Land", "Adoptions per Land"
			if l == "en" {
				want, notWant = notWant, want
			}
			doc, _ := servertest.GetDoc(t, app, "/", http.StatusOK, "Accept-Language", l)
			caption := servertest.Text(doc.Find(servertest.TID("map-table") + " caption"))
			title := servertest.Text(doc.Find("#karte-start-title"))
			if title != want || strings.Contains(caption, notWant) {
				t.Errorf("order %v, %s reader: map title %q (caption %q), want %q", order, l, title, caption, want)
			}
			changes := servertest.Text(doc.Find(servertest.TID("latest-changes")))
			if l == "en" && (strings.Contains(changes, "Lösung geändert") || strings.Contains(changes, "Nachnutzung angelegt")) {
				t.Errorf("order %v: German latest changes on the English start page: %q", order, changes)
			}
		}
	}
}

// TestHomeInEnglish: texts and numbers of the start page per language.
func TestHomeInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	docDE, _ := servertest.GetDoc(t, app, "/", http.StatusOK, "Accept-Language", "de")
	docEN, _ := servertest.GetDoc(t, app, "/", http.StatusOK, "Accept-Language", "en")
	gemDE := servertest.Text(docDE.Find(servertest.TID("figure-gemeinden")))
	gemEN := servertest.Text(docEN.Find(servertest.TID("figure-gemeinden")))
	if !regexp.MustCompile(`^\d+ von \d{1,2}\.\d{3}$`).MatchString(gemDE) {
		t.Errorf("German Gemeinden figure %q, want e.g. 12 von 10.794", gemDE)
	}
	if !regexp.MustCompile(`^\d+ of \d{1,2},\d{3}$`).MatchString(gemEN) {
		t.Errorf("English Gemeinden figure %q, want e.g. 12 of 10,794", gemEN)
	}
	if got := servertest.Text(docEN.Find("#kennzahlen")); got != "Key figures" {
		t.Errorf("English heading %q", got)
	}
	if got := docEN.Find("#start-q").AttrOr("placeholder", ""); !strings.HasPrefix(got, "e.g. ") {
		t.Errorf("English placeholder %q", got)
	}
	if got := strings.Join(servertest.Texts(docEN.Find(servertest.TID("topic-table")+" thead th")), "|"); got != "Topic area|OZG services|Solutions" {
		t.Errorf("English topic table head %q", got)
	}
	// Register data (Themenfeld names) is marked German on the English page.
	if docEN.Find(servertest.TID("topic-table")+` tbody th a[lang="de"]`).Length() != 14 {
		t.Error("Themenfeld names on the English start page are not marked lang=de")
	}
	if docDE.Find(`[lang="de"]`).Not("html").Length() != 0 {
		t.Error("German page marks data lang=de")
	}
}

// TestCatalogueInEnglish: counts, facets, chips, problems and pagination of
// the catalogue in English.
func TestCatalogueInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/loesungen?status=live", http.StatusOK, "Accept-Language", "en")
	if got := servertest.Text(doc.Find(servertest.TID("result-count"))); !regexp.MustCompile(`^\d+ solutions found$`).MatchString(got) {
		t.Errorf("result count %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("facet-status") + " legend")); got != "Status" {
		t.Errorf("status legend %q", got)
	}
	if got := servertest.Text(doc.Find(`label[for="f-status-live"]`)); !strings.HasPrefix(got, "in operation (") || !strings.HasSuffix(got, "results)") {
		t.Errorf("status facet option %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("chip"))); !strings.HasPrefix(got, "Status: in operation") {
		t.Errorf("chip %q", got)
	}
	if got := servertest.Text(doc.Find(`#katalog-sortierung option[value="name"]`)); got != "Name" {
		t.Errorf("sort option %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?seite=abc", http.StatusBadRequest, "Accept-Language", "en")
	if got := servertest.Text(doc.Find(servertest.TID("catalogue-problems"))); !strings.Contains(got, "“abc” is not a page number (parameter “seite”); the value was ignored.") {
		t.Errorf("problems %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("pagination") + " .pagination__status")); !regexp.MustCompile(`^Page 1 of \d+$`).MatchString(got) {
		t.Errorf("pagination status %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?seite=abc", http.StatusBadRequest, "Accept-Language", "de")
	if got := servertest.Text(doc.Find(servertest.TID("catalogue-problems"))); !strings.Contains(got, "„abc“ ist keine Seitenzahl (Parameter „seite“); der Wert wurde nicht berücksichtigt.") {
		t.Errorf("German problems %q", got)
	}
}

// TestErrorPageInEnglish: the error page in both languages.
func TestErrorPageInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	for _, c := range []struct{ lang, title, home string }{{"de", "Fehler 404", "Zur Startseite"}, {"en", "Error 404", "Go to the home page"}} {
		doc, _ := servertest.GetDoc(t, app, "/gibt-es-nicht", http.StatusNotFound, "Accept-Language", c.lang)
		if got := servertest.Text(doc.Find(".kern-alert .kern-title")); got != c.title {
			t.Errorf("%s: alert title %q, want %q", c.lang, got, c.title)
		}
		if got := servertest.Text(doc.Find(`main a[href="/"]`)); got != c.home {
			t.Errorf("%s: link %q, want %q", c.lang, got, c.home)
		}
	}
}

// TestHistoryInEnglish: a history in English names the actor with "by" and
// counts the fields in English.
func TestHistoryInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/loesungen/wohngeld-online/historie", http.StatusOK, "Accept-Language", "en")
	if got := servertest.Text(doc.Find("h1")); got != "Change history" {
		t.Errorf("heading %q", got)
	}
	first := servertest.Text(doc.Find(servertest.TID("history") + " li").First())
	if !strings.Contains(first, " by ") || !regexp.MustCompile(`\d+ fields?`).MatchString(first) || strings.Contains(first, "durch") {
		t.Errorf("first entry %q", first)
	}
}
