package search_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"efa-register/internal/search"
)

func TestScratchQueries(t *testing.T) {
	start := time.Now()
	ix, _ := sharedIndex(t)
	fmt.Println("open", time.Since(start))
	for _, q := range []string{"Wohngeld", "Wohngeldantrag", "Anträge Wohngeld", "Wohngeldes", "Fuehrerschein", "Fuhrerschein", "Baugenemigung", "Kfz", "BAföG", "Bafoeg", "Ummeldung", "Einbürgerung", "Elterngeld beantragen", "Führersch", "Kindergeld", "Grundsteuer", "Briefwahl", "Hartz IV", "Bürgergeld", "Sozialhilfe", "Angeln", "Parkausweis Anwohner", "Fahrzeugzulassung", "Ehe", "Heirat", "Aufenthaltserlaubnis", "Steuererklärung", "Unterhalt", "xyzzy"} {
		res, err := ix.SearchSolutions(context.Background(), search.Query{Text: q, PerPage: 3})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, h := range res.Hits {
			s = append(s, fmt.Sprintf("%s(%.2f)", h.Slug, h.Score))
		}
		fmt.Printf("%-25s total=%d relaxed=%v %v\n", q, res.Total, res.Relaxed, s)
		if len(res.Hits) > 0 {
			fmt.Println("    snippet:", res.Hits[0].Snippet, res.Hits[0].Highlights[ "name"])
		}
	}
}
