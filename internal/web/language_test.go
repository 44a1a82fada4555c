package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/server/servertest"
)

// TestLanguageChoice: the switch keeps path and query and is remembered,
// Accept-Language decides without a choice, German is the default, and pages
// say that they vary by language.
func TestLanguageChoice(t *testing.T) {
	app, _ := servertest.Shared(t)
	env := &servertest.Env{App: app}
	c := env.Client(t)

	doc, rec := getDocWith(t, c, "/loesungen?q=Wohngeld&status=live")
	if doc.Find("html").AttrOr("lang", "") != "de" {
		t.Fatal("default language is not German")
	}
	if v := strings.Join(rec.Header().Values("Vary"), ","); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
		t.Errorf("Vary = %q", v)
	}
	sw := doc.Find(servertest.TID("sprachwahl"))
	href := sw.AttrOr("href", "")
	u, err := url.Parse(href)
	if err != nil || u.Path != "/loesungen" || u.Query().Get("q") != "Wohngeld" || u.Query().Get("status") != "live" || u.Query().Get("lang") != "en" {
		t.Fatalf("switch link %q does not keep path and query", href)
	}
	if sw.AttrOr("lang", "") != "en" || servertest.Text(sw) != "English" {
		t.Errorf("switch %q lang=%q", servertest.Text(sw), sw.AttrOr("lang", ""))
	}

	doc, _ = getDocWith(t, c, href)
	if doc.Find("html").AttrOr("lang", "") != "en" || doc.Find(`nav a[href="/loesungen"]`).First().Text() != "Solutions" {
		t.Fatalf("after the switch: lang=%q", doc.Find("html").AttrOr("lang", ""))
	}
	// Remembered: the next page without ?lang is English, even for a German browser.
	c.Header["Accept-Language"] = "de-DE"
	doc, _ = getDocWith(t, c, "/themenfelder")
	if doc.Find("html").AttrOr("lang", "") != "en" {
		t.Error("the choice was not remembered")
	}
	back := doc.Find(servertest.TID("sprachwahl"))
	if servertest.Text(back) != "Deutsch" || back.AttrOr("lang", "") != "de" {
		t.Errorf("switch back: %q", servertest.Text(back))
	}
	getDocWith(t, c, back.AttrOr("href", ""))
	if doc, _ = getDocWith(t, c, "/themenfelder"); doc.Find("html").AttrOr("lang", "") != "de" {
		t.Error("switching back to German was not remembered")
	}

	// Without a choice, Accept-Language decides; an unsupported one gives German.
	for accept, want := range map[string]string{"en-US,en;q=0.9": "en", "fr-FR": "de", "": "de", "fr;q=0.9,en;q=0.8": "en"} {
		doc, _ := servertest.GetDoc(t, app, "/", http.StatusOK, "Accept-Language", accept)
		if got := doc.Find("html").AttrOr("lang", ""); got != want {
			t.Errorf("Accept-Language %q: lang=%q, want %q", accept, got, want)
		}
	}
	// An unknown ?lang is ignored.
	if doc, _ := servertest.GetDoc(t, app, "/?lang=xx", http.StatusOK); doc.Find("html").AttrOr("lang", "") != "de" {
		t.Error("?lang=xx changed the language")
	}
	// problem+json follows Accept-Language.
	rec = servertest.Do(t, app, http.MethodGet, "/api/v1/solutions/gibt-es-nicht", map[string]string{"Accept-Language": "en"})
	if !strings.Contains(rec.Body.String(), `"title":"Not found"`) {
		t.Errorf("English problem: %s", rec.Body.String())
	}
	rec = servertest.Do(t, app, http.MethodGet, "/api/v1/solutions/gibt-es-nicht", nil)
	if !strings.Contains(rec.Body.String(), `"title":"Nicht gefunden"`) {
		t.Errorf("German problem: %s", rec.Body.String())
	}
}

func getDocWith(t *testing.T, c *servertest.Client, target string) (*goquery.Document, *httptest.ResponseRecorder) {
	t.Helper()
	rec := c.Do(http.MethodGet, target, nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d", target, rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, rec
}
