package search_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

// allPages collects every hit of q, page by page.
func allPages(t *testing.T, ix *search.Index, q search.Query) []string {
	t.Helper()
	var out []string
	for q.Page = 1; ; q.Page++ {
		res, err := ix.SearchSolutions(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slugsOf(res)...)
		if q.Page*q.PerPage >= res.Total {
			if len(out) != res.Total {
				t.Fatalf("%+v: %d hits on all pages, total %d", q, len(out), res.Total)
			}
			return out
		}
	}
}

// The facet columns are read once per index segment and put together per
// snapshot: after a write (a new segment) and a delete (a document masked
// in an old segment) counts, filters and field sorts still agree with the
// database.
func TestColumnsFollowWritesAndDeletes(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx := context.Background()
	if _, err := ix.SearchSolutions(ctx, search.Query{Sort: search.SortAdoptions}); err != nil {
		t.Fatal(err)
	}

	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("spaltentest", "Zählsonde Spaltentest", "Prüft die Facettenspalten", "10160")); err != nil {
		t.Fatal(err)
	}
	for _, land := range []string{"01", "02", "03", "04", "05", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16"} {
		if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "spaltentest",
			AdopterKind: catalog.KindLand, AdopterKey: land, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteSolution(ctx, catalog.SystemPrincipal("test"), "elster"); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	adoptions, err := st.AllAdoptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range adoptions {
		count[a.Solution.Slug]++
	}
	sols, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dbSlugs []string
	for _, s := range sols {
		dbSlugs = append(dbSlugs, s.Slug)
	}

	// Sorted by adoptions over pages of 7: every solution once, in order.
	byAdoptions := allPages(t, ix, search.Query{Sort: search.SortAdoptions, PerPage: 7})
	if got, want := slices.Sorted(slices.Values(byAdoptions)), slices.Sorted(slices.Values(dbSlugs)); !slices.Equal(got, want) {
		t.Fatalf("sorted by adoptions: %v, database %v", got, want)
	}
	if count["spaltentest"] != 15 || !slices.Contains(byAdoptions, "spaltentest") {
		t.Errorf("the new solution: %d adoptions", count["spaltentest"])
	}
	for i := 1; i < len(byAdoptions); i++ {
		if a, b := count[byAdoptions[i-1]], count[byAdoptions[i]]; a < b {
			t.Errorf("sorted by adoptions: %s (%d) before %s (%d)", byAdoptions[i-1], a, byAdoptions[i], b)
		}
	}
	// By name, page by page, as on one page.
	byName := allPages(t, ix, search.Query{Sort: search.SortName, PerPage: 4})
	onePage, err := ix.SearchSolutions(ctx, search.Query{Sort: search.SortName, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byName, slugsOf(onePage)) {
		t.Errorf("by name in pages of 4: %v\non one page: %v", byName, slugsOf(onePage))
	}

	all, err := ix.SearchSolutions(ctx, search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want, n := dbFacets(t, st, func(catalog.Solution, map[string]bool) bool { return true })
	if all.Total != n {
		t.Errorf("total %d, database %d", all.Total, n)
	}
	compareFacets(t, "after writes", indexFacets(all), want)

	// The new solution is in the bitmaps of its values, the deleted one in none.
	in06, err := ix.SearchSolutions(ctx, search.Query{ProviderLands: []string{"06"}, AdoptedInLands: []string{"16"}, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(slugsOf(in06), "spaltentest") {
		t.Errorf("provider 06, adopted in 16: %v", slugsOf(in06))
	}
	gone, err := ix.SearchSolutions(ctx, search.Query{Text: "ELSTER", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(slugsOf(gone), "elster") {
		t.Errorf("deleted solution still found: %v", slugsOf(gone))
	}
}

// With text and selected facets, each selected facet is counted among the
// text's matches that pass the other facets' filters.
func TestFacetCountsWithTextMatchDatabase(t *testing.T) {
	ix, st := sharedIndex(t)
	ctx := context.Background()
	const text = "Antrag"
	matches, err := ix.SearchSolutions(ctx, search.Query{Text: text, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	inText := map[string]bool{}
	for _, s := range slugsOf(matches) {
		inText[s] = true
	}
	if len(inText) < 10 || len(inText) != matches.Total {
		t.Fatalf("%q finds %d solutions (total %d): too few for this test", text, len(inText), matches.Total)
	}
	live := func(s catalog.Solution) bool { return s.Status == catalog.SolutionLive }
	adoptedIn := func(lands map[string]bool) bool { return lands["05"] || lands["09"] }
	q := search.Query{Text: text, Statuses: []catalog.SolutionStatus{catalog.SolutionLive}, AdoptedInLands: []string{"05", "09"}, PerPage: 100}
	highlights := map[string]map[string][]string{}
	for _, sortBy := range []string{search.SortRelevance, search.SortName, search.SortUpdated, search.SortAdoptions} {
		q.Sort = sortBy
		res, err := ix.SearchSolutions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, n := dbFacets(t, st, func(s catalog.Solution, lands map[string]bool) bool {
			return inText[s.Slug] && live(s) && adoptedIn(lands)
		})
		wantStatus, _ := dbFacets(t, st, func(s catalog.Solution, lands map[string]bool) bool { return inText[s.Slug] && adoptedIn(lands) })
		wantAdopted, _ := dbFacets(t, st, func(s catalog.Solution, lands map[string]bool) bool { return inText[s.Slug] && live(s) })
		want[search.FacetStatus] = wantStatus[search.FacetStatus]
		want[search.FacetAdoptedIn] = wantAdopted[search.FacetAdoptedIn]
		if res.Total != n || len(res.Hits) != n || n == 0 {
			t.Errorf("sort %s: total %d, %d hits, database %d", sortBy, res.Total, len(res.Hits), n)
		}
		compareFacets(t, "text, live, adopted in 05 or 09, sort "+sortBy, indexFacets(res), want)
		// A field sort fetches the page's highlights separately: they are the
		// relevance sort's.
		marked := 0
		for _, h := range res.Hits {
			if sortBy == search.SortRelevance {
				highlights[h.Slug] = h.Highlights
			} else if !reflect.DeepEqual(h.Highlights, highlights[h.Slug]) {
				t.Errorf("sort %s: %s highlights %v, by relevance %v", sortBy, h.Slug, h.Highlights, highlights[h.Slug])
			}
			if len(h.Highlights) > 0 {
				marked++
			}
		}
		if marked == 0 {
			t.Errorf("sort %s: no hit has a highlight", sortBy)
		}
	}
}
