package search_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

// dbFacets counts the facet values of the solutions that pass keep,
// computed from the database rows, not from the index.
func dbFacets(t *testing.T, st *store.Store, keep func(s catalog.Solution, lands map[string]bool) bool) (map[string]map[string]int, int) {
	t.Helper()
	ctx := context.Background()
	sols, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adoptions, err := st.AllAdoptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	landsOf := map[uint]map[string]bool{}
	for _, a := range adoptions {
		if landsOf[a.SolutionID] == nil {
			landsOf[a.SolutionID] = map[string]bool{}
		}
		if a.Organisation.LandKey != "" {
			landsOf[a.SolutionID][a.Organisation.LandKey] = true
		}
	}
	out := map[string]map[string]int{}
	for _, k := range search.FacetKeys {
		out[k] = map[string]int{}
	}
	n := 0
	for _, s := range sols {
		if !keep(s, landsOf[s.ID]) {
			continue
		}
		n++
		if s.TopicFieldID != nil {
			out[search.FacetTopicField][strconv.Itoa(int(*s.TopicFieldID))]++
		}
		if s.Provider != nil {
			switch s.Provider.Kind {
			case catalog.KindBund:
				out[search.FacetProvider]["DE"]++
			case catalog.KindLand:
				out[search.FacetProvider][s.Provider.Key]++
			}
		}
		out[search.FacetStatus][string(s.Status)]++
		if s.Maturity != nil {
			out[search.FacetMaturity][strconv.Itoa(*s.Maturity)]++
		}
		for l := range landsOf[s.ID] {
			out[search.FacetAdoptedIn][l]++
		}
		out[search.FacetOpenSource][strconv.FormatBool(search.IsOpenSource(s))]++
		for _, e := range s.StandardsProfile {
			if std, ok := store.Vocabulary().Get(e.Standard); ok {
				out[search.FacetStandardPrefix+std.Dimension][e.Standard]++
			}
		}
	}
	return out, n
}

func indexFacets(res search.Result) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, k := range search.FacetKeys {
		out[k] = map[string]int{}
		for _, v := range res.Facets[k] {
			if v.Count > 0 {
				out[k][v.Value] = v.Count
			}
		}
	}
	return out
}

func compareFacets(t *testing.T, what string, got, want map[string]map[string]int) {
	t.Helper()
	for _, k := range search.FacetKeys {
		for v, n := range want[k] {
			if got[k][v] != n {
				t.Errorf("%s: facet %s value %s: index %d, database %d", what, k, v, got[k][v], n)
			}
		}
		for v, n := range got[k] {
			if _, ok := want[k][v]; !ok {
				t.Errorf("%s: facet %s value %s: index %d, database none", what, k, v, n)
			}
		}
	}
}

func TestFacetCountsMatchDatabase(t *testing.T) {
	ix, st := sharedIndex(t)
	ctx := context.Background()

	all, err := ix.SearchSolutions(ctx, search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want, n := dbFacets(t, st, func(catalog.Solution, map[string]bool) bool { return true })
	if all.Total != n || n != 50 {
		t.Errorf("browse all: total %d, database %d", all.Total, n)
	}
	compareFacets(t, "no filter", indexFacets(all), want)
	if len(want[search.FacetAdoptedIn]) < 5 || len(want[search.FacetProvider]) < 5 {
		t.Fatalf("seed data too thin for this test: %v", want)
	}
	for _, k := range search.FacetKeys {
		if _, ok := all.Facets[k]; !ok {
			t.Errorf("facet %s missing", k)
		}
	}

	// Provider NW: the provider facet is counted without its own selection,
	// every other facet within NW's solutions.
	nw, err := ix.SearchSolutions(ctx, search.Query{ProviderLands: []string{"05"}, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	wantNW, nNW := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool {
		return s.Provider != nil && s.Provider.Kind == catalog.KindLand && s.Provider.Key == "05"
	})
	page, err := st.FindSolutions(ctx, store.SolutionFilter{ProviderLand: "05", PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if nw.Total != nNW || int64(nw.Total) != page.Total {
		t.Errorf("provider 05: index %d, database %d, FindSolutions %d", nw.Total, nNW, page.Total)
	}
	wantNW[search.FacetProvider] = want[search.FacetProvider]
	compareFacets(t, "provider=05", indexFacets(nw), wantNW)
	var selected []string
	for _, v := range nw.Facets[search.FacetProvider] {
		if v.Selected {
			selected = append(selected, v.Value+"="+v.Label)
		}
	}
	if !slices.Equal(selected, []string{"05=Nordrhein-Westfalen"}) {
		t.Errorf("selected provider values: %v", selected)
	}

	// Two facets: provider HH or HB and adopted in some Land, status live.
	q := search.Query{ProviderLands: []string{"02", "04"}, Statuses: []catalog.SolutionStatus{catalog.SolutionLive, catalog.SolutionPilot}}
	res, err := ix.SearchSolutions(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	inProv := func(s catalog.Solution) bool {
		return s.Provider != nil && s.Provider.Kind == catalog.KindLand && (s.Provider.Key == "02" || s.Provider.Key == "04")
	}
	inStatus := func(s catalog.Solution) bool {
		return s.Status == catalog.SolutionLive || s.Status == catalog.SolutionPilot
	}
	wantBoth, nBoth := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return inProv(s) && inStatus(s) })
	wantProv, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return inStatus(s) })
	wantStatus, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return inProv(s) })
	wantBoth[search.FacetProvider] = wantProv[search.FacetProvider]
	wantBoth[search.FacetStatus] = wantStatus[search.FacetStatus]
	if res.Total != nBoth {
		t.Errorf("HH/HB live/pilot: index %d, database %d", res.Total, nBoth)
	}
	compareFacets(t, "provider=02,04 status=live,pilot", indexFacets(res), wantBoth)

	// Adopted in a Land agrees with the store's own filter.
	for _, land := range []string{"02", "05", "06", "09"} {
		res, err := ix.SearchSolutions(ctx, search.Query{AdoptedInLands: []string{land}, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		page, err := st.FindSolutions(ctx, store.SolutionFilter{AdoptedInLand: land, PerPage: 200})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, s := range page.Items {
			want = append(want, s.Slug)
		}
		got := slugsOf(res)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("adoptedIn=%s: index %v, database %v", land, got, want)
		}
	}
}

func TestFacetsFollowEdits(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx := context.Background()
	three := 3
	for _, slug := range []string{"wohngeld-online", "elster"} {
		sol, err := st.SolutionBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		in := store.SolutionInput{Solution: sol, OZGIDs: sol.OZGIDs()}
		in.Solution.Maturity = &three
		in.Solution.Licence = "EUPL-1.2"
		if sol.Provider != nil {
			in.ProviderKind, in.ProviderKey = sol.Provider.Kind, sol.Provider.Key
		}
		if _, err := st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), slug, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	yes := true
	res, err := ix.SearchSolutions(ctx, search.Query{Maturities: []int{3}, OpenSource: &yes})
	if err != nil {
		t.Fatal(err)
	}
	got := slugsOf(res)
	sort.Strings(got)
	if !slices.Equal(got, []string{"elster", "wohngeld-online"}) {
		t.Errorf("maturity 3 and open source: %v", got)
	}
	want, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool {
		return s.Maturity != nil && *s.Maturity == 3 && search.IsOpenSource(s)
	})
	wantMat, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return search.IsOpenSource(s) })
	wantOS, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return s.Maturity != nil && *s.Maturity == 3 })
	want[search.FacetMaturity] = wantMat[search.FacetMaturity]
	want[search.FacetOpenSource] = wantOS[search.FacetOpenSource]
	compareFacets(t, "maturity=3 openSource=true", indexFacets(res), want)
	for _, v := range res.Facets[search.FacetMaturity] {
		if v.Value == "3" && (v.Label != "Reifegrad 3" || !v.Selected || v.Count != 2) {
			t.Errorf("maturity 3 facet value: %+v", v)
		}
	}
}

func TestSortPageAndValidate(t *testing.T) {
	ix, st := sharedIndex(t)
	ctx := context.Background()

	byAdoptions, err := ix.SearchSolutions(ctx, search.Query{Sort: search.SortAdoptions, PerPage: 5})
	if err != nil {
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
	most := 0
	for _, n := range count {
		most = max(most, n)
	}
	if first := byAdoptions.Hits[0].Slug; count[first] != most {
		t.Errorf("sort by adoptions: first %s has %d adoptions, the most is %d", first, count[first], most)
	}
	for i := 1; i < len(byAdoptions.Hits); i++ {
		if count[byAdoptions.Hits[i-1].Slug] < count[byAdoptions.Hits[i].Slug] {
			t.Errorf("sort by adoptions out of order at %d", i)
		}
	}

	byName, err := ix.SearchSolutions(ctx, search.Query{Text: "Sozialplattform", Sort: search.SortName, PerPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	page2, err := ix.SearchSolutions(ctx, search.Query{Text: "Sozialplattform", Sort: search.SortName, PerPage: 3, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, h := range append(byName.Hits, page2.Hits...) {
		names = append(names, h.Name)
	}
	if len(names) != 6 || byName.Total < 9 || byName.Total != page2.Total {
		t.Fatalf("Sozialplattform pages: %v (total %d / %d)", names, byName.Total, page2.Total)
	}
	if !sort.SliceIsSorted(names, func(i, j int) bool { return names[i] < names[j] }) {
		t.Errorf("sorted by name: %v", names)
	}
	if byName.Page != 1 || page2.Page != 2 || page2.PerPage != 3 {
		t.Errorf("page numbers: %d %d %d", byName.Page, page2.Page, page2.PerPage)
	}

	for _, q := range []search.Query{{Sort: "beliebt"}, {Statuses: []catalog.SolutionStatus{"kaputt"}}, {Maturities: []int{5}},
		{ProviderLands: []string{"17"}}, {AdoptedInLands: []string{"DE"}}, {Page: 1000, PerPage: 100}} {
		_, err := ix.SearchSolutions(ctx, q)
		var ve *catalog.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%+v: err %v, want a validation error", q, err)
		}
	}
	// Filters without text: scores stay finite (they end up in JSON).
	onlyFilters, err := ix.SearchSolutions(ctx, search.Query{ProviderLands: []string{"02", "04"}, PerPage: 3})
	if err != nil || onlyFilters.Total == 0 {
		t.Fatalf("filters only: %v %d", err, onlyFilters.Total)
	}
	for _, h := range onlyFilters.Hits {
		if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) {
			t.Errorf("%s: score %v", h.Slug, h.Score)
		}
	}
	res, err := ix.SearchSolutions(ctx, search.Query{PerPage: 1000})
	if err != nil || res.PerPage != search.MaxPerPage || len(res.Hits) != 50 {
		t.Errorf("PerPage 1000: err %v, per page %d, %d hits", err, res.PerPage, len(res.Hits))
	}
}

func TestHighlightsAndPhrases(t *testing.T) {
	ix, _ := sharedIndex(t)
	ctx := context.Background()
	res, err := ix.SearchSolutions(ctx, search.Query{Text: "Grundsteuer"})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("Grundsteuer: %v", err)
	}
	name := res.Hits[0].Highlights["name"]
	if len(name) == 0 || name[0] != "ELSTER (u. a. <mark>Grundsteuer</mark>-/Einkommensteuererklärung)" {
		t.Errorf("name highlight: %q", name)
	}
	// An OZG service's LeiKa text is escaped around the marks.
	hits, err := ix.SearchServices(ctx, "Ummeldung", 10)
	if err != nil || len(hits) == 0 {
		t.Fatalf("Ummeldung: %v", err)
	}
	for _, h := range hits {
		if h.Snippet != "" && !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("snippet without mark: %q", h.Snippet)
		}
	}
	// A quoted phrase must appear as such; the words alone find more.
	phrase, _ := ix.SearchSolutions(ctx, search.Query{Text: `"Hilfe zum Lebensunterhalt"`})
	words, _ := ix.SearchSolutions(ctx, search.Query{Text: `Hilfe Lebensunterhalt`})
	if phrase.Total == 0 || phrase.Hits[0].Slug != "sozialplattform-hilfe-zum-lebensunterhalt" || phrase.Total > words.Total {
		t.Errorf("phrase: %v (total %d), words total %d", slugsOf(phrase), phrase.Total, words.Total)
	}
	// When no solution has every word, those with some are shown, flagged.
	relaxed, _ := ix.SearchSolutions(ctx, search.Query{Text: "Wohngeld Raumfahrt"})
	if !relaxed.Relaxed || relaxed.Total == 0 || relaxed.Hits[0].Slug != "wohngeld-online" {
		t.Errorf("relaxed: %v %v", relaxed.Relaxed, slugsOf(relaxed))
	}
}

// The standards profile has one facet per dimension, counted like the
// others: a filter in one dimension narrows the counts of the others and
// leaves its own dimension's counts as without it.
func TestStandardFacetCounts(t *testing.T) {
	ix, st := sharedIndex(t)
	ctx := context.Background()
	all, err := ix.SearchSolutions(ctx, search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	counts := indexFacets(all)
	if counts["standard-account"]["bundid"] != 2 || counts["standard-payment"]["epaybl"] != 1 || counts["standard-eid"]["eid"] != 1 {
		t.Errorf("profile facets of the seed = %v %v %v", counts["standard-account"], counts["standard-payment"], counts["standard-eid"])
	}
	for _, v := range all.Facets["standard-account"] {
		if v.Value == "bundid" && v.Label != "BundID (Nutzerkonto Bund)" {
			t.Errorf("label of bundid = %q", v.Label)
		}
	}
	res, err := ix.SearchSolutions(ctx, search.Query{Standards: []string{"bundid"}, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := slugsOf(res)
	sort.Strings(got)
	if !slices.Equal(got, []string{"ehe-digital", "elektronische-wohnsitzanmeldung"}) {
		t.Errorf("standard=bundid: %v", got)
	}
	want, _ := dbFacets(t, st, func(s catalog.Solution, _ map[string]bool) bool { return s.StandardsProfile.Mode("bundid") != "" })
	wantAll, _ := dbFacets(t, st, func(catalog.Solution, map[string]bool) bool { return true })
	want["standard-account"] = wantAll["standard-account"]
	compareFacets(t, "standard=bundid", indexFacets(res), want)
	if c := indexFacets(res)["standard-payment"]; len(c) != 0 {
		t.Errorf("payment counts within the BundID solutions = %v, want none", c)
	}
	// Two dimensions AND: BundID and eID leave only the eWA.
	res, err = ix.SearchSolutions(ctx, search.Query{Standards: []string{"bundid", "eid"}})
	if err != nil || !slices.Equal(slugsOf(res), []string{"elektronische-wohnsitzanmeldung"}) {
		t.Errorf("bundid+eid: %v %v", slugsOf(res), err)
	}
	if _, err := ix.SearchSolutions(ctx, search.Query{Standards: []string{"xgibtsnicht"}}); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("unknown standard: %v, want a validation error", err)
	}
}
