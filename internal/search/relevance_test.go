package search_test

import (
	"context"
	"strings"
	"testing"

	"efa-register/internal/search"
)

// relevanceCases are queries as a Land CIO or a municipality types them:
// inflected, with typos, without umlauts, abbreviated, as compounds. Each
// names the solution (slug) or OZG-Leistung (OZG-ID) that must be among the
// first three hits in the real seed data.
var relevanceCases = []struct {
	query string
	kind  string // "solution" or "service"
	want  string
	why   string
}{
	{"Wohngeld", "solution", "wohngeld-online", "plain word"},
	{"Wohngeldes", "solution", "wohngeld-online", "genitive"},
	{"Anträge auf Wohngeld", "solution", "wohngeld-online", "plural, stop word"},
	{"Wohngeldantrag", "solution", "sozialplattform-wohngeld", "compound finds the part Wohngeld"},
	{"Fuehrerschein", "solution", "fuehrerschein-ersatzausfertigung", "ue for ü"},
	{"Fuhrerschein", "solution", "fuehrerschein-ersatzausfertigung", "umlaut dropped"},
	{"Führerschein umschreiben", "solution", "fuehrerschein-umschreibung", "verb for noun (prefix/stem)"},
	{"Führerscheinantrag", "solution", "digitaler-fuehrerscheinantrag", "compound"},
	{"Baugenemigung", "solution", "digitale-baugenehmigung", "typo"},
	{"Bauvorbescheid", "solution", "bauvorbescheid-digital", "plain word"},
	{"Kfz", "solution", "i-kfz", "abbreviation"},
	{"Kfz-Zulassung", "solution", "i-kfz", "abbreviation in a hyphenated compound"},
	{"Auto ummelden", "solution", "i-kfz", "everyday word, LeiKa text"},
	{"Ummeldung", "solution", "i-kfz", "only in LeiKa names"},
	{"BAföG", "solution", "bafoeg-digital", "abbreviation with umlaut"},
	{"Bafoeg Antrag", "solution", "bafoeg-digital", "oe for ö"},
	{"Einbuergerungsantrag", "solution", "digitaler-einbuergerungsantrag", "ue and compound"},
	{"Einbürg", "solution", "digitaler-einbuergerungsantrag", "prefix while typing"},
	{"Elterngeld beantragen", "solution", "elterngeld-digital", "verb not in the text"},
	{"Kindergeld", "solution", "elfe", "in the name list"},
	{"Geburtsurkunde", "solution", "elfe", "compound with linking s"},
	{"Unterhaltsvorschus", "solution", "unterhaltsvorschuss-online", "typo"},
	{"Kinderzuschlag", "solution", "kinderzuschlag-digital", "plain word"},
	{"Grundsteuer", "solution", "elster", "inside a hyphenated list"},
	{"Einkommensteuererklärung", "solution", "elster", "long compound"},
	{"Briefwahl", "solution", "wahlen-digital", "plain word"},
	{"Wahlschein beantragen", "solution", "wahlen-digital", "verb not in the text"},
	{"Fischereischein", "solution", "fischereischein-digital", "plain word"},
	{"Angeln", "solution", "fischereischein-digital", "everyday word"},
	{"Ehrenamtskarte", "solution", "ehrenamtskarte", "compound"},
	{"Eheschliessung", "solution", "ehe-digital", "ss for ß"},
	{"heiraten", "solution", "ehe-digital", "everyday word"},
	{"Parkausweis für Anwohner", "solution", "bewohnerparkausweis", "synonym inside a compound"},
	{"Wohnsitzanmeldung", "solution", "elektronische-wohnsitzanmeldung", "compound"},
	{"Umzug melden", "solution", "elektronische-wohnsitzanmeldung", "everyday words"},
	{"Bürgergeld", "solution", "sozialplattform-buergergeld", "plain word"},
	{"Hartz IV", "solution", "sozialplattform-buergergeld", "old everyday name"},
	{"Grundsicherung im Alter", "solution", "sozialplattform-grundsicherung", "several words"},
	{`"Hilfe zum Lebensunterhalt"`, "solution", "sozialplattform-hilfe-zum-lebensunterhalt", "phrase"},
	{"Mutterschutz", "solution", "mutterschutzmeldung", "part of a compound"},
	{"Aufenthaltserlaubnis", "solution", "aufenthaltstitel-erwerbstaetigkeit", "related compound"},
	{"Daueraufenthalt", "solution", "daueraufenthaltsbescheinigung", "part of a compound"},
	{"P-Schein", "solution", "p-schein", "hyphenated short name"},
	{"Energiepreispauschale", "solution", "einmalzahlung-200", "word in brackets"},
	{"Heimarbeit", "solution", "heimarbeitsanzeige", "part of a compound with linking s"},
	{"Feuerwerk abbrennen", "solution", "abbrennen-pyrotechnik", "everyday word"},
	{"eForms", "solution", "vermittlungsdienst-eforms-de", "product name"},
	{"Wohngeld", "service", "10092", "service by name"},
	{"10092", "service", "10092", "service by OZG-ID"},
	{"Gewerbeanmeldung", "service", "10294", "LeiKa name as compound"},
	{"Kita-Platz", "service", "10019", "abbreviation"},
	{"Personalausweis", "service", "10119", "plain word"},
	{"Taxigenehmigung", "service", "10447", "LeiKa name"},
	{"Hundehaltung", "service", "10160", "plain word"},
}

func TestRelevance(t *testing.T) {
	ix, _ := sharedIndex(t)
	ctx := context.Background()
	if len(relevanceCases) < 30 {
		t.Fatalf("only %d relevance cases", len(relevanceCases))
	}
	for _, c := range relevanceCases {
		var got []string
		switch c.kind {
		case "solution":
			res, err := ix.SearchSolutions(ctx, search.Query{Text: c.query, PerPage: 3})
			if err != nil {
				t.Fatalf("%q: %v", c.query, err)
			}
			for _, h := range res.Hits {
				got = append(got, h.Slug)
			}
		case "service":
			hits, err := ix.SearchServices(ctx, c.query, 3)
			if err != nil {
				t.Fatalf("%q: %v", c.query, err)
			}
			for _, h := range hits {
				got = append(got, h.OZGID)
			}
		}
		found := false
		for _, g := range got {
			found = found || g == c.want
		}
		if !found {
			t.Errorf("%-28q (%s): want %s in the top 3, got [%s]", c.query, c.why, c.want, strings.Join(got, " "))
		}
	}
}
