package export

import (
	"bytes"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// TestSolutionsTableInEnglish checks the headers and labels of the
// human-facing table in English while the German one stays as it was.
func TestSolutionsTableInEnglish(t *testing.T) {
	yes := true
	sols := []catalog.Solution{{Slug: "abc", Name: "Abc", Status: catalog.SolutionStatus("live"), Verified: catalog.VerifiedNo, EfAMinimumMet: &yes, AccessChannel: "fit-store"}}
	var en, de bytes.Buffer
	if err := WriteCSV(&en, SolutionsTableIn(i18n.EN, sols, nil, nil, "")); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&de, SolutionsTable(sols, nil, nil, "")); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(en.String(), "\n")
	for _, want := range []string{"Short name;Name;Short description;Provider", "Reifegrad (maturity level)", "Last changed;Address in the register"} {
		if !strings.Contains(head, want) {
			t.Errorf("English header %q lacks %q", head, want)
		}
	}
	if !strings.Contains(en.String(), ";yes;") {
		t.Errorf("English row lacks yes: %q", en.String())
	}
	if !strings.Contains(de.String(), "Kurzbezeichnung;Name;Kurzbeschreibung;Anbieter") || !strings.Contains(de.String(), ";ja;") {
		t.Errorf("German table changed: %q", de.String())
	}
	if got := AdoptionsSheetIn(i18n.EN); got.Name != "Adoptions" || got.Columns[3].Header != "Adopter" {
		t.Errorf("AdoptionsSheetIn(en) = %q %+v", got.Name, got.Columns[:4])
	}
}
