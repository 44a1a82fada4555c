package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// germanUIWords are words of the navigation, the forms and the running text
// of the pages that an English page must not show. Glossed domain terms
// (Land, Länder, Kreis, Gemeinde, OZG-Leistung, EfA, LeiKa) are allowed, and so
// is register data, which the page marks lang="de".
var germanUIWords = strings.Fields(`
	und oder der die das den dem des ein eine einer eines mit für von vom zum zur nicht keine kein nach bei
	ist sind wird werden wurde wurden noch auch nur alle aller über unter seit bis je ab hier
	Sie Ihre Ihr Ihren Bitte bitte
	Lösung Lösungen Themenfelder Themenfeld Einblicke Vergleich vergleichen Anmelden Abmelden Konto
	Impressum Datenschutz Barrierefreiheit Datenquellen Lizenzen Sicherheitshinweise Sicherheitshinweis
	Suche Suchen suchen Speichern speichern Abbrechen Zurück zurück Weiter weiter Bearbeiten bearbeiten Löschen löschen
	Seite Seiten Treffer Sortierung sortieren zurücksetzen anzeigen Anzeigen Ergebnisse Übersicht
	Nachnutzung Nachnutzungen Nachnutzer Anbieter Betreiber Reifegrad Quelle Stand geprüft
	Karte Tabelle insgesamt Anzahl Leistungen Einwohner Lücken Abdeckung Rendite Nachfrage Historie Umgebung
	Beschreibung Kurzbeschreibung Lizenz Kosten Kontakt Ansprechpartner Versionen Änderungen geändert angelegt
	Antrag beantragen Passwort E-Mail-Adresse Rolle Benutzer Verwaltung Zeitraum Datum
	interessiert Vertrag Betrieb beendet bestätigt offen gelesen veröffentlicht Entwurf
`)

var wordRE = regexp.MustCompile(`[\p{L}][\p{L}\-]*`)

// glossRE is a German term with its English gloss, as the issue asks for
// domain terms without an English equivalent: "Themenfeld (topic area)".
var glossRE = regexp.MustCompile(`[\p{L}][\p{L}\-]* \([a-z][a-z ]*\)`)

// englishTargets are one page of every type, for anonymous readers.
var englishTargets = append(append([]string{}, pageTargets...),
	"/loesungen/wohngeld-online/historie", "/gemeinden/010010000000/historie", "/laender/01/historie",
	"/laender/01/luecken", "/gemeinden/064360007007/luecken", "/gemeinden/010010000000/umgebung",
	"/einblicke", "/einblicke/rendite", "/einblicke/abdeckung", "/einblicke/luecken", "/einblicke/nachfrage",
	"/sicherheitshinweise", "/api", "/anmelden", "/konto/beantragen", "/passwort-vergessen",
	"/loesungen?seite=abc", "/vergleich?l=Kaputt!,elster",
)

// germanIn returns the German UI words of an English page: in its text and
// in the attributes a reader or a screen reader meets, leaving out what the
// page marks as German (data, the language switch) and what people typed
// into the form fields.
func germanIn(doc *goquery.Document) []string {
	doc.Find(`[lang="de"], script, style, textarea`).Remove()
	var texts []string
	texts = append(texts, doc.Find("title").Text(), doc.Find("body").Text())
	doc.Find("[aria-label], [title], [placeholder], [alt], input[type=submit][value], meta[name=description]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "placeholder", "alt", "content"} {
			if v, ok := s.Attr(a); ok {
				texts = append(texts, v)
			}
		}
		if s.Is("input[type=submit]") {
			texts = append(texts, s.AttrOr("value", ""))
		}
	})
	found := map[string]bool{}
	for _, t := range texts {
		for _, w := range wordRE.FindAllString(glossRE.ReplaceAllString(t, ""), -1) {
			if german[w] {
				found[w] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for w := range found {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

var german = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range germanUIWords {
		m[w] = true
	}
	return m
}()

// checkEnglish fails when an English page is not in English.
func checkEnglish(t *testing.T, target string, rec *httptest.ResponseRecorder) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	if l := doc.Find("html").AttrOr("lang", ""); l != "en" {
		t.Errorf("%s: <html lang=%q>, want en", target, l)
	}
	if words := germanIn(doc); len(words) > 0 {
		t.Errorf("%s: German words on the English page: %s", target, strings.Join(words, ", "))
	}
}

// TestEnglishPages renders every page type in English, as a visitor and in
// each logged-in role's own pages, and fails on any German UI word.
func TestEnglishPages(t *testing.T) {
	app, _ := servertest.Shared(t)
	for _, target := range englishTargets {
		t.Run(testName(target), func(t *testing.T) {
			rec := servertest.Do(t, app, http.MethodGet, target, map[string]string{"Accept-Language": "en-GB,en;q=0.9"})
			if rec.Code >= 500 {
				t.Fatalf("%s: %d", target, rec.Code)
			}
			checkEnglish(t, target, rec)
		})
	}

	env := servertest.NewEnv(t, server.AuthConfig{})
	provider, err := env.Store.Principal(t.Context(), env.User(t, "anbieter").ID)
	if err != nil {
		t.Fatal(err)
	}
	adv, err := env.Store.CreateAdvisory(t.Context(), provider, "wohngeld-online", store.AdvisoryInput{Title: "Sitzungsübernahme",
		Summary: "Angreifer übernehmen fremde Sitzungen.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N",
		AffectedVersions: "bis 3.1", FixedVersion: "3.2", Action: "Auf 3.2 aktualisieren.",
		Distribution: catalog.DistributionRestricted, Status: catalog.AdvisoryPublished})
	if err != nil {
		t.Fatal(err)
	}
	advisory := fmt.Sprintf("/sicherheitshinweise/%d", adv.ID)
	edit := fmt.Sprintf("/nachnutzungen/%d/bearbeiten", env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA))
	for role, targets := range map[string][]string{
		"redaktion-a": {"/konto", "/konto/tokens", "/konto/passwort", edit, "/loesungen/wohngeld-online", "/loesungen/wohngeld-online/nachnutzung",
			advisory, "/gemeinden/" + servertest.GemeindeA + "/umgebung", "/gemeinden/" + servertest.GemeindeA},
		"anbieter": {"/konto", "/loesungen/wohngeld-online", "/loesungen/wohngeld-online/bearbeiten", "/loesungen/neu", "/loesungen/import",
			"/loesungen/wohngeld-online/sicherheitshinweise/neu", advisory, advisory + "/bearbeiten",
			"/loesungen/wohngeld-online/versionen", fmt.Sprintf("/loesungen/wohngeld-online?hinweis=%d", adv.ID)},
		"koordination-sh": {"/verwaltung/antraege", "/verwaltung/benutzer", "/verwaltung/import", "/laender/01"},
		"admin":           {"/konto", "/verwaltung/webhooks", "/verwaltung/benutzer", "/loesungen/elster/bearbeiten"},
	} {
		c := env.As(t, role)
		c.Header["Accept-Language"] = "en"
		for _, target := range targets {
			t.Run(role+testName(target), func(t *testing.T) {
				rec := c.Do(http.MethodGet, target, nil, nil)
				if rec.Code >= 300 {
					t.Fatalf("%s as %s: %d", target, role, rec.Code)
				}
				checkEnglish(t, role+" "+target, rec)
			})
		}
	}

	// A form sent with errors answers in English.
	c := env.As(t, "redaktion-a")
	c.Header["Accept-Language"] = "en"
	rec := c.Do(http.MethodPost, "/loesungen/wohngeld-online/nachnutzung", url.Values{"since": {"irgendwann"}, "status": {"live"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("form with errors = %d", rec.Code)
	}
	checkEnglish(t, "adoption form with errors", rec)
}

// testName makes a page address a subtest name that -run can select
// ("/laender/01" becomes "_laender_01").
func testName(target string) string {
	return strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(target)
}
