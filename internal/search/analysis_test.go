package search

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

func dictOf(words ...string) analysis.TokenMap {
	m := analysis.NewTokenMap()
	for _, w := range words {
		m.AddToken(w)
	}
	return m
}

func TestSplitCompound(t *testing.T) {
	dict := dictOf("wohngeld", "wohn", "geld", "antrag", "kind", "bau", "genehmigung", "einburgerung", "fahrzeug", "zulassung", "geburt", "urkund")
	cases := map[string][]string{
		"wohngeldantrag":      {"wohngeld", "antrag"},     // fewest parts wins over wohn+geld+antrag
		"kindergeld":          {"kind", "geld"},           // linking element -er-
		"baugenehmigung":      {"bau", "genehmigung"},     // three-letter first part
		"einburgerungsantrag": {"einburgerung", "antrag"}, // Fugen-s
		"fahrzeugzulassung":   {"fahrzeug", "zulassung"},  // plain join
		"geburtsurkund":       {"geburt", "urkund"},       // stems, as the text analyzer makes them
		"wohngeld":            {"wohn", "geld"},           // a dictionary word that is itself a compound
		"antrag":              nil,                        // too short to split
		"wohngeldformular":    nil,                        // "formular" unknown: no partial splits
		"geldwohnx":           nil,                        // leftover letters
		"bau1genehmigung":     nil,                        // not only letters
	}
	for word, want := range cases {
		if got := splitCompound(word, dict); !slices.Equal(got, want) {
			t.Errorf("splitCompound(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestGermanAnalysis(t *testing.T) {
	m, err := newMapping(buildDictionary([]string{"Wohngeld", "Antrag auf Wohngeld", "Bauen und Wohnen", "Genehmigungen", "Einbürgerung"}))
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(analyzerText)
	terms := func(s string) []string {
		var out []string
		for _, tok := range a.Analyze([]byte(s)) {
			out = append(out, string(tok.Term))
		}
		return out
	}
	cases := map[string][]string{
		"Führerschein":    {"fuhrerschein"},
		"Fuehrerschein":   {"fuhrerschein"},
		"Fuhrerschein":    {"fuhrerschein"},
		"Anträge":         {"antrag"},
		"Antrag":          {"antrag"},
		"Wohngeldes":      {"wohngeld"},
		"Straße":          {"strass"},
		"Strasse":         {"strass"},
		"BAföG":           {"bafog"},
		"Bafoeg":          {"bafog"},
		"Wohngeldantrag":  {"wohngeldantrag", "wohngeld", "antrag"},
		"Baugenehmigung":  {"baugenehmigung", "bau", "genehmigung"},
		"der die das und": nil,
	}
	for in, want := range cases {
		if got := terms(in); !slices.Equal(got, want) {
			t.Errorf("analyse %q = %q, want %q", in, got, want)
		}
	}
	if got := fold("Münster (Westf.), Stadt"); got != "munster westf stadt" {
		t.Errorf("fold = %q", got)
	}
}

func TestNormaliseAndPersonalData(t *testing.T) {
	if got := normaliseQuery("  Raketen   STARTgenehmigung "); got != "raketen startgenehmigung" {
		t.Errorf("normaliseQuery = %q", got)
	}
	long := normaliseQuery(string(make([]rune, 0)) + "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z")
	if n := len([]rune(long)); n > 100 {
		t.Errorf("normalised query has %d runes", n)
	}
	for q, personal := range map[string]bool{"max.muster@example.de": true, "Tel 0611 123456": true, "Az 2023/123456": true,
		"Wohngeld 2024": false, "10115 Berlin": false} {
		if looksPersonal(q) != personal {
			t.Errorf("looksPersonal(%q) = %v", q, !personal)
		}
	}
}
