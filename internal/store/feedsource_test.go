package store_test

import (
	"context"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

func head(t *testing.T, s *store.Store) uint64 {
	t.Helper()
	seq, err := s.LastEventSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestExportIsCompleteAndConsistent(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	x, err := s.Export(ctx, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if x.Cursor != head(t, s) || x.Cursor == 0 || x.LastChange.IsZero() {
		t.Errorf("cursor %d at %v, head %d", x.Cursor, x.LastChange, head(t, s))
	}
	if len(x.TopicFields) != 14 || len(x.LifeSituations) != 55 || len(x.Services) != 557 || len(x.Solutions) != 50 || len(x.Adoptions) != 70 {
		t.Fatalf("export counts: %d topics, %d situations, %d services, %d solutions, %d adoptions",
			len(x.TopicFields), len(x.LifeSituations), len(x.Services), len(x.Solutions), len(x.Adoptions))
	}
	leika := 0
	for _, sv := range x.Services {
		leika += len(sv.Leika)
	}
	// 5,249 LeiKa rows, a few of which the catalogue assigns to no OZG-Leistung.
	if leika < 5000 || leika > 5249 {
		t.Errorf("services carry %d LeiKa rows", leika)
	}
	for i := 1; i < len(x.Solutions); i++ {
		if x.Solutions[i-1].Slug >= x.Solutions[i].Slug {
			t.Fatalf("solutions not ordered by slug at %d", i)
		}
	}
	for i, a := range x.Adoptions {
		if a.Organisation == nil || a.Solution == nil || a.Solution.Slug == "" {
			t.Fatalf("adoption %d lacks adopter or solution: %+v", a.ID, a)
		}
		if i > 0 && x.Adoptions[i-1].ID >= a.ID {
			t.Fatalf("adoptions not ordered by id at %d", i)
		}
	}
}

func newSolution(slug string) store.SolutionInput {
	return store.SolutionInput{Solution: catalog.Solution{Slug: slug, Name: "Test " + slug, Summary: "Zusammenfassung",
		Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo}, ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}
}

func TestChangesMapEventsToCurrentObjects(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	start := head(t, s)

	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("feed-eins")); err != nil {
		t.Fatal(err)
	}
	in := newSolution("feed-eins")
	in.Solution.Name = "Feed Eins, umbenannt"
	if _, err := s.UpdateSolution(ctx, catalog.SystemPrincipal("test"), "feed-eins", in); err != nil {
		t.Fatal(err)
	}
	a, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "feed-eins", AdopterKind: catalog.KindGemeinde,
		AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionInterested}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("feed-zwei")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSolution(ctx, catalog.SystemPrincipal("test"), "feed-zwei"); err != nil {
		t.Fatal(err)
	}

	b, err := s.ChangesAfter(ctx, catalog.Principal{}, start, 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		typ, id string
		gone    bool
	}
	var got []rec
	for _, c := range b.Changes {
		got = append(got, rec{c.EntityType, c.EntityID, c.Gone()})
	}
	want := []rec{
		{catalog.EntitySolution, "feed-eins", false}, // create, shown as it is now
		{catalog.EntitySolution, "feed-eins", false}, // update
		{catalog.EntityAdoption, itoa(a.ID), false},
		{catalog.EntitySolution, "feed-zwei", true}, // created, but deleted since: a tombstone
		{catalog.EntitySolution, "feed-zwei", true},
	}
	if len(got) != len(want) {
		t.Fatalf("changes = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if b.Changes[0].Solution.Name != "Feed Eins, umbenannt" || b.Changes[0].Solution.Provider == nil || len(b.Changes[0].Solution.Services) != 1 {
		t.Errorf("created record does not carry the current object: %+v", b.Changes[0].Solution)
	}
	if ad := b.Changes[2].Adoption; ad.Organisation == nil || ad.Organisation.AGS != "01001000" || ad.Solution.Slug != "feed-eins" {
		t.Errorf("adoption record = %+v", ad)
	}
	if b.Next != head(t, s) || b.More {
		t.Errorf("next %d (head %d), more %v", b.Next, head(t, s), b.More)
	}

	// Paging: limit 2 cuts after whole events and hands out a resumable cursor.
	p1, err := s.ChangesAfter(ctx, catalog.Principal{}, start, 2, time.Now())
	if err != nil || len(p1.Changes) != 2 || !p1.More || p1.Next != p1.Changes[1].Seq {
		t.Fatalf("page 1: %+v, %v", p1, err)
	}
	p2, err := s.ChangesAfter(ctx, catalog.Principal{}, p1.Next, 2, time.Now())
	if err != nil || len(p2.Changes) != 2 || p2.Changes[0].Seq <= p1.Next {
		t.Fatalf("page 2: %+v, %v", p2, err)
	}
	// Nothing new: an empty page with the same cursor.
	empty, err := s.ChangesAfter(ctx, catalog.Principal{}, b.Next, 10, time.Now())
	if err != nil || len(empty.Changes) != 0 || empty.Next != b.Next || empty.More {
		t.Errorf("caught-up page = %+v, %v", empty, err)
	}
}

// TestChangesFromZeroSkipsIrrelevantEventsInBoundedPages: the seed's first
// events (more than 5,000) create organisations, which the feed does not
// carry; the first page is still full, not an empty page with a cursor.
func TestChangesFromZeroSkipsIrrelevantEventsInBoundedPages(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	evs, err := s.Events(ctx, 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.EntityType != catalog.EntityOrganisation || ev.Action != catalog.ActionCreate {
			t.Fatalf("event %d is %s %s, want the reference data's organisations first", ev.Seq, ev.Action, ev.EntityType)
		}
	}
	if len(evs) != 5000 {
		t.Fatalf("the log starts with %d events", len(evs))
	}
	b, err := s.ChangesAfter(ctx, catalog.Principal{}, 0, 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !b.More || len(b.Changes) != 100 || b.Next != b.Changes[99].Seq || b.Changes[0].Seq <= 5000 {
		t.Fatalf("first page: next %d, more %v, %d changes", b.Next, b.More, len(b.Changes))
	}
	// Following the feed to the end yields every solution once as created.
	created, seenServices := map[string]bool{}, map[string]bool{}
	cursor, pages := uint64(0), 0
	for {
		p, err := s.ChangesAfter(ctx, catalog.Principal{}, cursor, 1000, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		services := 0
		for _, c := range p.Changes {
			if c.EntityType == catalog.EntitySolution && !c.Gone() {
				created[c.EntityID] = true
			}
			if c.EntityType == catalog.EntityService {
				services++
				seenServices[c.EntityID] = true
			}
		}
		// An OZG-Leistung record carries its LeiKa list: a page holds about a hundred at most.
		if services > 110 {
			t.Errorf("page %d holds %d OZG-Leistungen", pages, services)
		}
		if p.Next < cursor || pages > 100 {
			t.Fatalf("cursor went from %d to %d", cursor, p.Next)
		}
		cursor = p.Next
		if !p.More {
			break
		}
	}
	if st, err := s.Stats(ctx); err != nil || st.Services == 0 || int64(len(seenServices)) != st.Services {
		t.Errorf("the feed named %d OZG-Leistungen of %d (%v)", len(seenServices), st.Services, err)
	}
	if len(created) != 50 || cursor != head(t, s) {
		t.Errorf("followed %d pages to %d (head %d), saw %d solutions", pages, cursor, head(t, s), len(created))
	}
}

func TestLatestActivity(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("aktuell")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "aktuell", AdopterKind: catalog.KindLand,
		AdopterKey: "14", Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("geloescht")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSolution(ctx, catalog.SystemPrincipal("test"), "geloescht"); err != nil {
		t.Fatal(err)
	}
	items, err := s.LatestActivity(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	// The seed import is no news: the new solution and its adoption are all
	// (the deleted solution is left out).
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	if it := items[0]; it.Adoption == nil || it.Solution.Slug != "aktuell" || it.Adoption.Organisation.Key != "14" {
		t.Errorf("newest item = %+v", it)
	}
	if it := items[1]; it.Adoption != nil || it.Solution.Slug != "aktuell" || it.Event.Action != catalog.ActionCreate {
		t.Errorf("second item = %+v", it)
	}
	for _, it := range items {
		if it.Solution.Slug == "geloescht" {
			t.Error("a deleted solution is still in the news")
		}
		if it.Event.Seq == 0 || it.Solution.Name == "" {
			t.Errorf("incomplete item %+v", it)
		}
	}
}

func TestFindAdoptionsAndOrganisations(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	all, err := s.Export(ctx, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	first := all.Adoptions[0]
	bySol, _, err := s.FindAdoptions(ctx, store.AdoptionsWhere{SolutionSlug: first.Solution.Slug})
	if err != nil || len(bySol) == 0 {
		t.Fatalf("by solution: %v, %v", bySol, err)
	}
	for _, a := range bySol {
		if a.Solution.Slug != first.Solution.Slug {
			t.Errorf("adoption %d of %s in list of %s", a.ID, a.Solution.Slug, first.Solution.Slug)
		}
	}
	byOrg, _, err := s.FindAdoptions(ctx, store.AdoptionsWhere{AdopterKind: first.Organisation.Kind, AdopterKey: first.Organisation.Key})
	if err != nil || len(byOrg) == 0 || byOrg[0].Organisation.Key != first.Organisation.Key {
		t.Fatalf("by organisation: %v, %v", byOrg, err)
	}
	// By Land: the adoptions whose adopter lies in the Land, computed independently.
	land := first.Organisation.LandKey
	want := 0
	for _, a := range all.Adoptions {
		if a.Organisation.LandKey == land {
			want++
		}
	}
	byLand, total, err := s.FindAdoptions(ctx, store.AdoptionsWhere{AdopterLand: land})
	if err != nil || len(byLand) != want || total != int64(want) {
		t.Errorf("by Land %s: %d adoptions (total %d), want %d (%v)", land, len(byLand), total, want, err)
	}
	if want > 1 {
		page2, total, err := s.FindAdoptions(ctx, store.AdoptionsWhere{AdopterLand: land, Page: 2, PerPage: 1})
		if err != nil || len(page2) != 1 || total != int64(want) || page2[0].ID != byLand[1].ID {
			t.Errorf("page 2 of 1: %+v, total %d, %v", page2, total, err)
		}
	}
	if _, _, err := s.FindAdoptions(ctx, store.AdoptionsWhere{}); err == nil {
		t.Error("an empty selection must be refused")
	}

	p, err := s.FindOrganisations(ctx, store.OrganisationFilter{Kind: catalog.KindKreis, LandKey: "06", PerPage: 10})
	if err != nil || p.Total != 26 || len(p.Items) != 10 || p.Items[0].Key != "06411" {
		t.Errorf("Kreise of Hessen: total %d, %d items, first %+v, %v", p.Total, len(p.Items), p.Items, err)
	}
	byAGS, err := s.FindOrganisations(ctx, store.OrganisationFilter{AGS: "01001000"})
	if err != nil || byAGS.Total != 1 || byAGS.Items[0].ARS != "010010000000" {
		t.Errorf("by AGS: %+v, %v", byAGS, err)
	}
}

func TestHeadReader(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	h, err := s.NewHeadReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	before, err := h.Head(ctx)
	if err != nil || before != head(t, s) {
		t.Fatalf("head %d, %v; want %d", before, err, head(t, s))
	}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("kopf")); err != nil {
		t.Fatal(err)
	}
	after, _ := h.Head(ctx)
	if after != before+1 {
		t.Errorf("head after one write = %d, want %d", after, before+1)
	}
	at, err := s.EventTime(ctx, after)
	if err != nil || time.Since(at) > time.Minute || time.Since(at) < 0 {
		t.Errorf("event time %v, %v", at, err)
	}
}

func itoa(id uint) string {
	const digits = "0123456789"
	if id == 0 {
		return "0"
	}
	var b []byte
	for ; id > 0; id /= 10 {
		b = append([]byte{digits[id%10]}, b...)
	}
	return string(b)
}

func TestExportSkipsUnchangedCatalogue(t *testing.T) {
	ctx := context.Background()
	s := storetest.Seeded(t)
	full, err := s.Export(ctx, time.Now(), 0)
	if err != nil || full.CatalogueSeq == 0 || len(full.Services) != 557 {
		t.Fatalf("first export: seq %d, %d services, %v", full.CatalogueSeq, len(full.Services), err)
	}
	again, err := s.Export(ctx, time.Now(), full.CatalogueSeq)
	if err != nil || again.Services != nil || again.TopicFields != nil || len(again.Solutions) != len(full.Solutions) ||
		len(again.Adoptions) != len(full.Adoptions) || again.CatalogueSeq != full.CatalogueSeq {
		t.Fatalf("export with known catalogue: %d services, %d solutions, %v", len(again.Services), len(again.Solutions), err)
	}
	// A stale known value reads the catalogue again.
	if x, _ := s.Export(ctx, time.Now(), full.CatalogueSeq-1); len(x.Services) != 557 {
		t.Errorf("stale catalogue seq: %d services", len(x.Services))
	}
}
