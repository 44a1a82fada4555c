package store_test

import (
	"context"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

func TestPageQueriesOnSeed(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)

	// nachnutzungen.csv: adopters in all 16 Länder (the 200-euro one-off payment), 2 Kreise, 18 Gemeinden.
	r, err := s.AdoptionReach(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Laender != 16 || r.Kreise != 2 || r.Gemeinden != 18 {
		t.Errorf("reach = %+v, want 16 Länder, 2 Kreise, 18 Gemeinden", r)
	}

	// Rhein-Kreis Neuss (05162) piloted Unterhaltsvorschuss Online itself.
	ak, total, err := s.AdoptionsByKreis(ctx, "05162", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if total != int64(len(ak)) || total == 0 {
		t.Errorf("AdoptionsByKreis: %d listed, %d in all", len(ak), total)
	}
	if one, total1, err := s.AdoptionsByKreis(ctx, "05162", 0, 1); err != nil || len(one) != 1 || total1 != total {
		t.Errorf("AdoptionsByKreis limit 1: %d listed of %d (%v)", len(one), total1, err)
	}
	perOrg, err := s.AdoptionCountsInKreis(ctx, "05162")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, n := range perOrg {
		sum += n
	}
	if sum != total {
		t.Errorf("AdoptionCountsInKreis sums to %d, want %d", sum, total)
	}
	var kreisOwn bool
	for _, a := range ak {
		if a.Organisation.KreisKey != "05162" {
			t.Errorf("adoption by %s is not in Kreis 05162", a.Organisation.Name)
		}
		if a.Organisation.Kind == catalog.KindKreis && a.Solution.Slug == "unterhaltsvorschuss-online" {
			kreisOwn = true
		}
	}
	if !kreisOwn {
		t.Errorf("Rhein-Kreis Neuss adoption of unterhaltsvorschuss-online missing: %d adoptions", len(ak))
	}

	// Wohngeld (10092): the adoptions of every solution that covers it.
	byService, err := s.AdoptionsByService(ctx, "10092")
	if err != nil {
		t.Fatal(err)
	}
	sols, err := s.SolutionsByService(ctx, "10092")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, sol := range sols {
		as, err := s.AdoptionsBySolution(ctx, sol.Slug)
		if err != nil {
			t.Fatal(err)
		}
		want += len(as)
	}
	if len(sols) < 2 || len(byService) != want || want == 0 {
		t.Errorf("AdoptionsByService(10092) = %d over %d solutions, want %d", len(byService), len(sols), want)
	}

	ids := []uint{byService[0].ID, 999999}
	m, err := s.AdoptionsByIDs(ctx, ids)
	if err != nil || len(m) != 1 || m[byService[0].ID].Solution == nil || m[byService[0].ID].Organisation == nil {
		t.Errorf("AdoptionsByIDs = %v, %v", m, err)
	}

	gs, err := s.GemeindenInKreis(ctx, "05162")
	if err != nil || len(gs) != 8 {
		t.Errorf("Gemeinden in Rhein-Kreis Neuss = %d (%v), want 8", len(gs), err)
	}
	centres, err := s.KreisCentres(ctx, []string{"05162", "99999"})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := centres["05162"]; !ok || c[0] < 51 || c[0] > 51.3 || c[1] < 6.4 || c[1] > 6.9 || len(centres) != 1 {
		t.Errorf("centre of Rhein-Kreis Neuss = %v (%d centres)", c, len(centres))
	}

	counts, err := s.ServiceSolutionCounts(ctx, sols[0].Services[0].TopicFieldID)
	if err != nil {
		t.Fatal(err)
	}
	if counts["10092"] != int64(len(sols)) {
		t.Errorf("solutions for 10092 = %d, want %d", counts["10092"], len(sols))
	}

	elster, err := s.SolutionBySlug(ctx, "elster")
	if err != nil {
		t.Fatal(err)
	}
	ac, err := s.AdoptionCounts(ctx, []uint{elster.ID})
	if err != nil || ac[elster.ID].Total != 15 || ac[elster.ID].Live != 15 {
		t.Errorf("ELSTER adoption counts = %+v, %v; want 15 live of 15", ac[elster.ID], err)
	}
	bySlug, err := s.SolutionsBySlugs(ctx, []string{"elster", "wohngeld-online", "gibt-es-nicht"})
	if err != nil || len(bySlug) != 2 || bySlug["wohngeld-online"].Provider == nil || bySlug["wohngeld-online"].Provider.Key != "01" {
		t.Errorf("SolutionsBySlugs = %d solutions, %v", len(bySlug), err)
	}
	names, err := s.SolutionNames(ctx)
	if err != nil || len(names) != 50 || names[0].Slug == "" || names[0].Name > names[1].Name {
		t.Errorf("SolutionNames = %d, %v", len(names), err)
	}
}

func TestOrderingOfPageQueries(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	// Nordrhein-Westfalen provides 13 solutions; sorted by adoptions the most adopted comes first.
	p, err := s.FindSolutions(ctx, store.SolutionFilter{ProviderLand: "05", Sort: "adoptions", PerPage: 13})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint, len(p.Items))
	for i, it := range p.Items {
		ids[i] = it.ID
	}
	counts, err := s.AdoptionCounts(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(p.Items); i++ {
		if counts[p.Items[i-1].ID].Total < counts[p.Items[i].ID].Total {
			t.Errorf("sort by adoptions: %s (%d) before %s (%d)", p.Items[i-1].Slug, counts[p.Items[i-1].ID].Total,
				p.Items[i].Slug, counts[p.Items[i].ID].Total)
		}
	}
	if len(p.Items) != 13 || counts[p.Items[0].ID].Total == 0 {
		t.Errorf("NRW solutions = %d, first has %d adoptions", len(p.Items), counts[p.Items[0].ID].Total)
	}

	// In NRW the Land's own adoptions come before those of Kreise and Gemeinden.
	list, total, err := s.AdoptionsInLand(ctx, "05", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.AdoptionsByLand(ctx, "05")
	if err != nil {
		t.Fatal(err)
	}
	if total != int64(len(all)) || len(list) != 3 {
		t.Fatalf("AdoptionsInLand = %d of %d, want 3 of %d", len(list), total, len(all))
	}
	if list[0].Organisation.Kind != catalog.KindLand {
		t.Errorf("first adoption in NRW is by %s (%s), want the Land", list[0].Organisation.Name, list[0].Organisation.Kind)
	}
	perKreis, err := s.AdoptionCountsByKreis(ctx, "05")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, n := range perKreis {
		sum += n
	}
	var municipal int64
	for _, a := range all {
		if a.Organisation.Kind != catalog.KindLand {
			municipal++
		}
	}
	if sum != municipal || perKreis["05162"] == 0 {
		t.Errorf("adoptions per Kreis sum to %d, want %d (Rhein-Kreis Neuss: %d)", sum, municipal, perKreis["05162"])
	}
}

// The pages of a Land's adoptions, at any page size, put together are the
// whole ordered list: none twice, none missing, each organisation's
// adoptions together and by solution name.
func TestAdoptionsInLandPagesAddUp(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	for _, land := range []string{"01", "05", "09"} {
		whole, total, err := s.AdoptionsInLand(ctx, land, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(whole)) != total || total < 3 {
			t.Fatalf("Land %s: %d adoptions in one page, total %d", land, len(whole), total)
		}
		for i := 1; i < len(whole); i++ {
			a, b := whole[i-1], whole[i]
			if a.OrganisationID == b.OrganisationID && a.Solution.Name > b.Solution.Name {
				t.Errorf("Land %s: %q before %q within %s", land, a.Solution.Name, b.Solution.Name, a.Organisation.Name)
			}
		}
		for _, size := range []int{1, 2, 3, 7} {
			var got []uint
			for offset := 0; offset < int(total)+size; offset += size {
				page, n, err := s.AdoptionsInLand(ctx, land, offset, size)
				if err != nil || n != total || len(page) > size {
					t.Fatalf("Land %s offset %d size %d: %d items, total %d, %v", land, offset, size, len(page), n, err)
				}
				for _, a := range page {
					got = append(got, a.ID)
				}
			}
			if len(got) != len(whole) {
				t.Fatalf("Land %s size %d: %d adoptions over the pages, want %d", land, size, len(got), len(whole))
			}
			for i := range got {
				if got[i] != whole[i].ID {
					t.Fatalf("Land %s size %d: item %d is adoption %d, want %d", land, size, i, got[i], whole[i].ID)
				}
			}
		}
	}
}
