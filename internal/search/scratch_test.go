package search

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

func TestScratchAnalysis(t *testing.T) {
	var texts []string
	for _, f := range []string{"../../seed/ozg_leistungen.csv", "../../seed/leika_leistungen_ozg.csv", "../../seed/ozg_themenfelder.csv", "../../seed/ozg_lebenslagen.csv"} {
		fh, _ := os.Open(f)
		rows, _ := csv.NewReader(fh).ReadAll()
		for _, r := range rows[1:] {
			texts = append(texts, r[1])
		}
	}
	dict := buildDictionary(texts)
	fmt.Println("dict size", len(dict))
	tm := analysis.NewTokenMap()
	for _, w := range dict {
		tm.AddToken(w)
	}
	f := &decompoundFilter{dict: tm}
	for _, w := range []string{"Wohngeldantrag", "Anträge", "Wohngeldes", "Führerscheinantrag", "Fuehrerschein", "Baugenehmigung", "Baugenemigung", "Kindergeld", "Einbürgerungsantrag", "Fahrzeugzulassung", "Kraftfahrzeugzulassung", "Ummeldung", "BAföG", "Bafoeg", "Wohnsitzanmeldung", "Verkehr", "Elterngeldantrag", "Hundesteuer", "Gewerbeanmeldung", "Straße", "Strasse", "Parkausweis", "Bewohnerparkausweis", "Personalausweis", "Eheschließung", "Sozialhilfe"} {
		toks := stemAnalyzer.Analyze([]byte(w))
		toks = f.Filter(toks)
		var s []string
		for _, tk := range toks {
			s = append(s, string(tk.Term))
		}
		fmt.Println(w, "=>", s, "fold:", fold(w))
	}
}
