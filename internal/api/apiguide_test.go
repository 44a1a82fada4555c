package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/server/servertest"
)

// TestAPIPageInEnglish: the API guide in English lists the same operations
// with English summaries (the German ones are the document's x-summary-de),
// while code samples stay as they are.
func TestAPIPageInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	de, _ := servertest.GetDoc(t, app, "/api", http.StatusOK)
	en, _ := servertest.GetDoc(t, app, "/api", http.StatusOK, "Accept-Language", "en")
	if h1 := servertest.Text(en.Find("h1")); h1 != "Application programming interface (API)" {
		t.Errorf("h1 = %q", h1)
	}
	rows := func(d *goquery.Document) *goquery.Selection { return d.Find("#endpunkte ~ div table tbody tr") }
	if rows(en).Length() != rows(de).Length() || rows(en).Length() == 0 {
		t.Fatalf("English page lists %d operations, German %d", rows(en).Length(), rows(de).Length())
	}
	purpose := func(d *goquery.Document) string { return servertest.Text(rows(d).First().Find("td").Last()) }
	if got := purpose(en); got != "Full export with cursor" {
		t.Errorf("first row (en) = %q", got)
	}
	if got := purpose(de); got != "Vollständiger Export mit Cursor" {
		t.Errorf("first row (de) = %q", got)
	}
	var write string
	rows(en).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "DELETE") && write == "" {
			write = servertest.Text(s)
		}
	})
	if !strings.HasSuffix(write, "(with API token)") {
		t.Errorf("write operation = %q", write)
	}
	if got := servertest.Text(en.Find("#api-spiegeln")); got != "Export, change feed and documentation" {
		t.Errorf("group heading = %q", got)
	}
	// Code stays code: the German error example is marked German.
	if ex := en.Find(`#fehler ~ p code[lang="de"]`); !strings.Contains(ex.Text(), "erwartet wird eine ganze Zahl") {
		t.Errorf("error example = %q", ex.Text())
	}
	if en.Find(`code:contains("GET /api/v1/changes?after=CURSOR")`).Length() != 1 {
		t.Error("code sample of the change feed missing")
	}
}
