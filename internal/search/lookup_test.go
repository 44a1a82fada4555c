package search_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

func TestLookupOrganisations(t *testing.T) {
	ix, _ := sharedIndex(t)
	ctx := context.Background()
	lookup := func(q string, n int) []search.OrgHit {
		t.Helper()
		hits, err := ix.LookupOrganisations(ctx, q, n)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return hits
	}
	describe := func(hs []search.OrgHit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, string(h.Kind)+":"+h.Name+" ("+h.LandName+")")
		}
		return out
	}

	// Umlaut written out: Münster in NRW first (the biggest Münster).
	m := lookup("Muenster", 5)
	if len(m) == 0 || m[0].Name != "Münster, Stadt" || m[0].LandKey != "05" || m[0].LandName != "Nordrhein-Westfalen" || m[0].Kind != catalog.KindGemeinde {
		t.Errorf("Muenster: %v", describe(m))
	}
	if m2 := lookup("münster", 5); len(m2) == 0 || m2[0] != m[0] {
		t.Errorf("münster and Muenster differ: %v", describe(m2))
	}

	// Frankfurt: both cities, each with its Land.
	f := describe(lookup("Frankfurt", 10))
	for _, want := range []string{"gemeinde:Frankfurt am Main, Stadt (Hessen)", "gemeinde:Frankfurt (Oder), Stadt (Brandenburg)"} {
		if !slices.Contains(f, want) {
			t.Errorf("Frankfurt: %v lacks %s", f, want)
		}
	}

	// Postcode without an exact match: the nearest postcode area, Berlin.
	if b := lookup("10115", 3); len(b) == 0 || b[0].Name != "Berlin, Stadt" || b[0].Kind != catalog.KindGemeinde {
		t.Errorf("10115: %v", describe(b))
	}
	// Exact postcode.
	if k := lookup("24103", 3); len(k) == 0 || !strings.HasPrefix(k[0].Name, "Kiel") {
		t.Errorf("24103: %v", describe(k))
	}
	// AGS and ARS.
	if fl := lookup("01001000", 3); len(fl) == 0 || fl[0].Kind != catalog.KindGemeinde || fl[0].Name != "Flensburg, Stadt" || fl[0].AGS != "01001000" {
		t.Errorf("01001000: %v", describe(fl))
	}
	if fl := lookup("010010000000", 3); len(fl) == 0 || fl[0].Key != "010010000000" {
		t.Errorf("ARS of Flensburg: %v", describe(fl))
	}
	// Land key and Kreis key.
	if l := lookup("06", 3); len(l) == 0 || l[0].Kind != catalog.KindLand || l[0].Name != "Hessen" {
		t.Errorf("06: %v", describe(l))
	}
	if k := lookup("05515", 3); len(k) == 0 || k[0].Kind != catalog.KindKreis || k[0].Name != "Münster, Stadt" {
		t.Errorf("05515: %v", describe(k))
	}
	// Several words, each a prefix; a Land by name.
	if h := lookup("bad hom", 5); len(h) == 0 || !strings.HasPrefix(h[0].Name, "Bad Homburg") {
		t.Errorf("bad hom: %v", describe(h))
	}
	if h := lookup("Hessen", 3); len(h) == 0 || h[0].Kind != catalog.KindLand {
		t.Errorf("Hessen: %v", describe(h))
	}
	if n := len(lookup("Stadt", 7)); n != 7 {
		t.Errorf("limit 7 gave %d", n)
	}
	for _, q := range []string{"", "   ", "Xyzzyburg", "99999999"} {
		if h := lookup(q, 5); len(h) != 0 {
			t.Errorf("%q: %v", q, describe(h))
		}
	}
}

func TestLookupFollowsNewOrganisations(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx := context.Background()
	if _, err := st.CreateOrganisation(ctx, "test", catalog.Organisation{Kind: catalog.KindITProvider, Key: "dataport", Name: "Dataport AöR"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	hits, err := ix.LookupOrganisations(ctx, "dataport", 3)
	if err != nil || len(hits) != 1 || hits[0].Kind != catalog.KindITProvider {
		t.Errorf("Dataport after create: %v %+v", err, hits)
	}
}

func TestSimilar(t *testing.T) {
	ix, _ := sharedIndex(t)
	ctx := context.Background()
	hits, err := ix.Similar(ctx, "wohngeld-online", 3)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, h := range hits {
		got = append(got, h.Slug)
	}
	if len(got) == 0 || got[0] != "sozialplattform-wohngeld" || slices.Contains(got, "wohngeld-online") {
		t.Errorf("similar to wohngeld-online: %v", got)
	}
	fs, err := ix.Similar(ctx, "fuehrerschein-umschreibung", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range fs {
		if !strings.Contains(h.Slug, "fuehrerschein") {
			t.Errorf("similar to fuehrerschein-umschreibung: %s", h.Slug)
		}
	}
	if _, err := ix.Similar(ctx, "gibt-es-nicht", 3); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("unknown slug: %v", err)
	}

	// "Gibt es schon?": a draft of a new Wohngeld service finds the existing ones.
	draft, err := ix.SimilarToDraft(ctx, search.Draft{Name: "Wohngeldantrag online", Description: "Antrag auf Mietzuschuss", OZGIDs: []string{"10092"}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var dslugs []string
	for _, h := range draft {
		dslugs = append(dslugs, h.Slug)
	}
	if len(dslugs) < 2 || !slices.Contains(dslugs[:2], "wohngeld-online") || !slices.Contains(dslugs[:2], "sozialplattform-wohngeld") {
		t.Errorf("draft Wohngeld: %v", dslugs)
	}
	// Only the OZG-ID, no words in common.
	byID, err := ix.SimilarToDraft(ctx, search.Draft{Name: "Neues Portal", OZGIDs: []string{"10519"}}, 3)
	if err != nil || len(byID) < 2 {
		t.Fatalf("draft by OZG-ID: %v %v", err, byID)
	}
	for _, h := range byID[:2] {
		if h.Slug != "digitale-baugenehmigung" && h.Slug != "bauvorbescheid-digital" {
			t.Errorf("draft with OZG-ID 10519: %s", h.Slug)
		}
	}
	if empty, err := ix.SimilarToDraft(ctx, search.Draft{}, 3); err != nil || len(empty) != 0 {
		t.Errorf("empty draft: %v %v", err, empty)
	}
}

func TestZeroResultsAreCounted(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx := context.Background()
	for _, q := range []string{"Raketenstartgenehmigung", "  raketenstartgenehmigung ", "Wohngeld", "anna.muster@example.de"} {
		if _, err := ix.SearchSolutions(ctx, search.Query{Text: q}); err != nil {
			t.Fatal(err)
		}
	}
	// With a filter the text may well exist elsewhere: not counted.
	if _, err := ix.SearchSolutions(ctx, search.Query{Text: "Raketenstartgenehmigung", ProviderLands: []string{"06"}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.FlushZeroResults(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.ZeroResultQueries(ctx, "2000-01-01", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.ZeroResultCount{{Query: "raketenstartgenehmigung", Count: 2, Days: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("zero-result counts = %+v, want %+v", got, want)
	}
	// Counters survive Close (it flushes).
	if _, err := ix.SearchSolutions(ctx, search.Query{Text: "Raketenstartgenehmigung"}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	got, _ = st.ZeroResultQueries(ctx, "2000-01-01", 10)
	if len(got) != 1 || got[0].Count != 3 {
		t.Errorf("after Close: %+v", got)
	}
}
