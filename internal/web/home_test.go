package web_test

import (
	"efa-register/internal/server/servertest"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestHomeListsTopicFields(t *testing.T) {
	app := servertest.NewApp(t)
	rec := servertest.Do(t, app, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows := doc.Find("#themenfelder ~ div table tbody tr")
	if rows.Length() != 14 {
		t.Fatalf("start page lists %d Themenfelder, want 14", rows.Length())
	}
	var found bool
	rows.Each(func(_ int, r *goquery.Selection) {
		if strings.TrimSpace(r.Find("th").Text()) == "Arbeit & Ruhestand" {
			found = true
			cells := r.Find("td")
			// 11 solutions of the seed name Arbeit & Ruhestand via their first OZG-Leistung or Themenfeld.
			if cells.Eq(0).Text() == "0" || cells.Eq(1).Text() == "0" {
				t.Errorf("Arbeit & Ruhestand counts: %q / %q", cells.Eq(0).Text(), cells.Eq(1).Text())
			}
		}
	})
	if !found {
		t.Error("Arbeit & Ruhestand missing")
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "de" {
		t.Errorf("html lang = %q", lang)
	}
	if doc.Find("a.skip-link[href='#inhalt']").Length() != 1 || doc.Find("main#inhalt").Length() != 1 {
		t.Error("skip link or main landmark missing")
	}
}
