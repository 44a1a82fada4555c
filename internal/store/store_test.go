package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"efa-register/seed"
)

// openSeeded opens a fresh copy of a database seeded with the real data.
func openSeeded(t *testing.T) *store.Store { return storetest.Seeded(t) }

func countEvents(t *testing.T, s *store.Store) uint64 {
	t.Helper()
	seq, err := s.LastEventSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestSeedCountsAndIdempotence(t *testing.T) {
	ctx := context.Background()
	// Seed from scratch here; the other tests use copies of a seeded template.
	s := storetest.Empty(t)
	if _, err := s.Seed(ctx, seed.FS); err != nil {
		t.Fatal(err)
	}
	want := store.Stats{States: 16, Districts: 401, Municipalities: 10794, TopicFields: 14, LifeSituations: 55,
		Services: 557, LeikaServices: 5249, Solutions: 50, Adoptions: 70}
	got, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("stats after first seed:\n got %+v\nwant %+v", got, want)
	}
	events := countEvents(t, s)
	rep, err := s.Seed(ctx, seed.FS)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 0 {
		t.Errorf("second seed created %d and updated %d records, want none", rep.Created, rep.Updated)
	}
	again, _ := s.Stats(ctx)
	if again != want {
		t.Errorf("stats after second seed: %+v", again)
	}
	if after := countEvents(t, s); after != events {
		t.Errorf("second seed appended %d events", after-events)
	}
}

func TestKnownFacts(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	fl, err := s.OrganisationByAGS(ctx, "01001000")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fl.Name, "Flensburg") || fl.ARS != "010010000000" || fl.LandKey != "01" {
		t.Errorf("AGS 01001000 = %+v, want Flensburg with ARS 010010000000", fl)
	}
	if byARS, err := s.OrganisationByARS(ctx, "010010000000"); err != nil || byARS.AGS != "01001000" {
		t.Errorf("ARS lookup = %+v, %v", byARS, err)
	}
	svc, err := s.ServiceByID(ctx, "10092")
	if err != nil || svc.Name != "Wohngeld" {
		t.Fatalf("OZG-ID 10092 = %q, %v; want Wohngeld", svc.Name, err)
	}
	if len(svc.Leika) == 0 {
		t.Error("Wohngeld has no LeiKa services")
	}
	page, err := s.FindSolutions(ctx, store.SolutionFilter{Query: "Online-Wohngeldantrag"})
	if err != nil || page.Total != 1 {
		t.Fatalf("find Online-Wohngeldantrag: %d, %v", page.Total, err)
	}
	sol := page.Items[0]
	if sol.Name != "Wohngeld (Online-Wohngeldantrag)" || sol.Provider == nil || sol.Provider.Name != "Schleswig-Holstein" {
		t.Errorf("solution = %q by %+v, want Wohngeld (Online-Wohngeldantrag) by Schleswig-Holstein", sol.Name, sol.Provider)
	}
	if ids := sol.OZGIDs(); len(ids) != 1 || ids[0] != "10092" {
		t.Errorf("Wohngeld covers %v, want [10092]", ids)
	}
	if sol.Verified != catalog.VerifiedYes {
		t.Errorf("verified = %q, want ja", sol.Verified)
	}
	elster, _ := s.SolutionBySlug(ctx, "elster")
	if elster.Verified != catalog.VerifiedPartial {
		t.Errorf("ELSTER verified = %q, want teilweise (as the corrected source list says)", elster.Verified)
	}
	adoptions, _ := s.AdoptionsBySolution(ctx, "wohngeld-online")
	if len(adoptions) != 7 {
		t.Errorf("Wohngeld adoptions = %d, want 7 (NRW and six pilot towns)", len(adoptions))
	}
	frankfurt, _ := s.OrganisationsByNamePrefix(ctx, "frankfurt", 10)
	var gemeinden []string
	for _, o := range frankfurt {
		if o.Kind == catalog.KindGemeinde {
			gemeinden = append(gemeinden, o.Name+" ("+o.LandKey+")")
		}
	}
	if strings.Join(gemeinden, "|") != "Frankfurt am Main, Stadt (06)|Frankfurt (Oder), Stadt (12)" {
		t.Errorf("Gemeinden with prefix Frankfurt = %v", gemeinden)
	}
}

func TestWritesAppendOneEventEach(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	start := countEvents(t, s)
	lastAction := func() catalog.Action {
		evs, err := s.Events(ctx, countEvents(t, s)-1, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %v %v", evs, err)
		}
		return evs[0].Action
	}
	in := store.SolutionInput{
		Solution:     catalog.Solution{Slug: "test-loesung", Name: "Testlösung", Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo},
		ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"},
	}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("user:test"), in); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s) - start; n != 1 || lastAction() != catalog.ActionCreate {
		t.Fatalf("create appended %d events", n)
	}
	in.Solution.Summary = "Neu"
	in.OZGIDs = []string{"10092", "10000"}
	sol, err := s.UpdateSolution(ctx, catalog.SystemPrincipal("user:test"), "test-loesung", in)
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s) - start; n != 2 || lastAction() != catalog.ActionUpdate {
		t.Fatalf("update: %d events", n)
	}
	if len(sol.Services) != 2 {
		t.Errorf("services after update = %d", len(sol.Services))
	}
	evs, _ := s.EventsFor(ctx, catalog.EntitySolution, "test-loesung", 1)
	changes := store.DecodeChanges(evs[0])
	if len(changes) != 2 || changes[0].Field != "ozgIds" || changes[1].Field != "summary" {
		t.Errorf("update changes = %+v, want ozgIds and summary", changes)
	}
	// An update without changes writes nothing.
	if _, err := s.UpdateSolution(ctx, catalog.SystemPrincipal("user:test"), "test-loesung", in); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s) - start; n != 2 {
		t.Fatalf("no-op update appended an event (%d)", n)
	}
	a, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("user:test"), store.AdoptionInput{SolutionSlug: "test-loesung",
		AdopterKind: catalog.KindGemeinde, AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionInterested}})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s) - start; n != 3 || lastAction() != catalog.ActionCreate {
		t.Fatalf("adoption create: %d", n)
	}
	a2, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("user:test"), store.AdoptionInput{SolutionSlug: "test-loesung",
		AdopterKind: catalog.KindGemeinde, AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Since: "2026-11"}})
	if err != nil || a2.ID != a.ID {
		t.Fatalf("re-register: %v (id %d vs %d)", err, a2.ID, a.ID)
	}
	if n := countEvents(t, s) - start; n != 4 || lastAction() != catalog.ActionUpdate {
		t.Fatalf("adoption update: %d", n)
	}
	if err := s.DeleteSolution(ctx, catalog.SystemPrincipal("user:test"), "test-loesung"); err != nil {
		t.Fatal(err)
	}
	// Deleting the solution deletes its adoption first: two delete events.
	if n := countEvents(t, s) - start; n != 6 || lastAction() != catalog.ActionDelete {
		t.Fatalf("delete: %d events", n)
	}
	if _, err := s.SolutionBySlug(ctx, "test-loesung"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted solution lookup: %v", err)
	}
	// The slug of a deleted solution is never given out again.
	var ve *catalog.ValidationError
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("user:test"), in); !errors.As(err, &ve) || !strings.Contains(ve.Fields["slug"], "nicht wiederverwendet") {
		t.Errorf("reusing a deleted slug: %v", err)
	}
}

func TestValidationWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	start := countEvents(t, s)
	stats, _ := s.Stats(ctx)
	valid := func() store.SolutionInput {
		return store.SolutionInput{Solution: catalog.Solution{Slug: "neu", Name: "Neu", Status: catalog.SolutionLive, Verified: catalog.VerifiedNo},
			OZGIDs: []string{"10092"}}
	}
	cases := []struct {
		name, field, msg string
		write            func() error
	}{
		{"empty name", "name", "Bitte geben Sie einen Namen an.", func() error {
			in := valid()
			in.Solution.Name = "  "
			_, err := s.CreateSolution(ctx, catalog.SystemPrincipal("t"), in)
			return err
		}},
		{"unknown OZG-ID", "ozgIds", "Unbekannte OZG-ID 99999.", func() error {
			in := valid()
			in.OZGIDs = []string{"99999"}
			_, err := s.CreateSolution(ctx, catalog.SystemPrincipal("t"), in)
			return err
		}},
		{"bad ARS", "key", "Der Regionalschlüssel (ARS) muss aus 12 Ziffern bestehen.", func() error {
			_, err := s.CreateOrganisation(ctx, "t", catalog.Organisation{Kind: catalog.KindGemeinde, Key: "01001", Name: "X"})
			return err
		}},
		{"invalid status transition", "status", "Der Status kann nicht von „in Betrieb“ zu „interessiert“ wechseln.", func() error {
			// Flensburg runs Wohngeld live (seed); going back to "interested" is not allowed.
			_, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("t"), store.AdoptionInput{SolutionSlug: "wohngeld-online", AdopterKind: catalog.KindGemeinde,
				AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionInterested}})
			return err
		}},
		{"bad date", "since", "Bitte geben Sie das Datum als TT.MM.JJJJ, MM.JJJJ oder JJJJ (auch JJJJ-MM-TT) an, z. B. 01.11.2026.", func() error {
			_, err := s.RegisterAdoption(ctx, catalog.SystemPrincipal("t"), store.AdoptionInput{SolutionSlug: "wohngeld-online", AdopterKind: catalog.KindGemeinde,
				AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Since: "2021-13"}})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write()
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if got := ve.Fields[c.field]; got != c.msg {
				t.Errorf("message for %s = %q, want %q", c.field, got, c.msg)
			}
		})
	}
	if n := countEvents(t, s); n != start {
		t.Errorf("failed writes appended %d events", n-start)
	}
	if after, _ := s.Stats(ctx); after != stats {
		t.Errorf("failed writes changed counts: %+v", after)
	}
}

func TestRolledBackWriteLeavesNoEvent(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	start := countEvents(t, s)
	in := store.SolutionInput{Solution: catalog.Solution{Slug: "elster", Name: "Doppelt", Status: catalog.SolutionLive, Verified: catalog.VerifiedNo}}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("t"), in); !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("duplicate slug: %v", err)
	}
	// Cancelled context: the transaction never commits.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	in.Solution.Slug = "abgebrochen"
	if _, err := s.CreateSolution(cctx, catalog.SystemPrincipal("t"), in); err == nil {
		t.Fatal("write with cancelled context succeeded")
	}
	if n := countEvents(t, s); n != start {
		t.Errorf("rolled-back writes appended %d events", n-start)
	}
	if _, err := s.SolutionBySlug(ctx, "abgebrochen"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("rolled-back solution exists: %v", err)
	}
}

func TestCountsPerLand(t *testing.T) {
	s := openSeeded(t)
	counts, err := s.CountsPerLand(context.Background())
	if err != nil || len(counts) != 16 {
		t.Fatalf("counts: %d, %v", len(counts), err)
	}
	sh := counts[0]
	// SH provides Wohngeld and Fischereischein; NW adopted both (2 received);
	// six SH towns run Wohngeld and SH itself adopted four other solutions.
	if sh.Land.Key != "01" || sh.Provided != 2 || sh.AdoptionsReceived != 2 || sh.AdoptingMunicipalities != 6 || sh.AdoptionsMade != 11 {
		t.Errorf("SH counts = %+v", sh)
	}
	// Wohngeld (SH) adopted by NW counts as received; the six SH pilot towns do not.
	var total int64
	for _, c := range counts {
		total += c.AdoptionsMade
	}
	if total != 70 {
		t.Errorf("adoptions made across Länder = %d, want 70", total)
	}
}

func TestLookupFoldsUmlauts(t *testing.T) {
	s := openSeeded(t)
	ctx := context.Background()
	for _, q := range []string{"über", "Über", "ÜBERL"} {
		orgs, err := s.OrganisationsByNamePrefix(ctx, q, 20)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range orgs {
			found = found || strings.HasPrefix(o.Name, "Überlingen")
		}
		if !found {
			t.Errorf("prefix %q does not find Überlingen (%d results)", q, len(orgs))
		}
	}
}

func TestSeedNeverOverwritesNewerData(t *testing.T) {
	s := openSeeded(t)
	ctx := context.Background()
	// A later writer changes Flensburg (as a reference-data refresh would).
	if err := s.RenameOrganisationForTest(ctx, "system:import", catalog.KindGemeinde, "010010000000", "Flensburg (umbenannt)"); err != nil {
		t.Fatal(err)
	}
	before := countEvents(t, s)
	if _, err := s.Seed(ctx, seed.FS); err != nil {
		t.Fatal(err)
	}
	o, _ := s.OrganisationByKey(ctx, catalog.KindGemeinde, "010010000000")
	if o.Name != "Flensburg (umbenannt)" || countEvents(t, s) != before {
		t.Errorf("seed overwrote newer data: %q, %d new events", o.Name, countEvents(t, s)-before)
	}
}
