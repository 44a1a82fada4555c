package insights_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/store"
)

// fixture is a tiny register with hand-computable figures: two Länder, two
// Gemeinden each, three OZG-Leistungen.
//
//	Land 01 Nordland: pop 1000, KS 60; Gemeinden A1 (600), A2 (400)
//	Land 02 Südland:  pop 3000, KS 40; Gemeinden B1 (1000), B2 (2000)
var fixture = fstest.MapFS{
	"laender.csv": {Data: []byte("land_schluessel,name,kuerzel,einwohner,flaeche_km2,koenigsteiner_schluessel_2016_prozent\n" +
		"01,Nordland,NL,1000,10,60\n02,Südland,SL,3000,30,40\n")},
	"kreise.csv": {Data: []byte("kreis_schluessel,name,kreis_typ,land_schluessel,einwohner\n01001,Nordkreis,Landkreis,01,1000\n02001,Südkreis,Landkreis,02,3000\n")},
	"gemeinden.csv": {Data: []byte("ags,ars,name,gemeindetyp,land_schluessel,kreis_schluessel,einwohner,flaeche_km2,plz,lat,lon\n" +
		"01001001,010010001001,A1,Stadt,01,01001,600,1,,54,9\n" +
		"01001002,010010001002,A2,Stadt,01,01001,400,1,,54,9\n" +
		"02001001,020010001001,B1,Stadt,02,02001,1000,1,,48,9\n" +
		"02001002,020010001002,B2,Stadt,02,02001,2000,1,,48,9\n")},
	"ozg_themenfelder.csv": {Data: []byte("themenfeld_id,themenfeld,federfuehrendes_land,federfuehrendes_bundesressort,federfuehrung_verifiziert,quelle_federfuehrung\n1,Testfeld,,,nein,\n")},
	"ozg_lebenslagen.csv":  {Data: []byte("lebenslage_id,themenfeld_id,themenfeld,lebenslage\n")},
	"ozg_leistungen.csv": {Data: []byte("ozg_id,bezeichnung,lebenslage,themenfeld\n" +
		"10001,Leistung Eins,,Testfeld\n10002,Leistung Zwei,,Testfeld\n10003,Leistung Drei,,Testfeld\n10004,Leistung Vier,,Testfeld\n")},
	"leika_leistungen_ozg.csv": {Data: []byte("leika_schluessel,bezeichnung,ozg_id,ozg_leistung,leika_typ,gesetz_kurz,rechtsgrundlage\n")},
	"loesungen.csv":            {Data: []byte("slug,name,ozg_ids,themenfeld,anbieter,anbieter_hinweis,partner,betreiber,status,status_hinweis,bekannte_nachnutzer,verifiziert,verifiziert_hinweis,quelle\n")},
	"nachnutzungen.csv":        {Data: []byte("loesung,art,schluessel,status,seit,quelle,hinweis\n")},
}

func ptr[T any](v T) *T { return &v }

// newFixture seeds the fixture and registers two solutions and four adoptions:
//
//	alpha (Nordland; 10001, 10002; build 1,000,000, yearly 100,000, Königsteiner Schlüssel)
//	  live in Land 02 (whole Land) and in Gemeinde A2
//	beta (Südland; 10003; no costs)
//	  interested in A1, live in B1
func newFixture(t *testing.T) (*store.Store, *insights.Engine) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "efa.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Seed(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	sol := func(slug, land string, ids []string, build, yearly *int64, key string) {
		_, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), store.SolutionInput{Solution: catalog.Solution{Slug: slug, Name: slug, Status: catalog.SolutionLive,
			Verified: catalog.VerifiedNo, BuildCostEUR: build, YearlyCostEUR: yearly, CostSharing: key}, ProviderKind: catalog.KindLand, ProviderKey: land, OZGIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
	}
	sol("alpha", "01", []string{"10001", "10002"}, ptr[int64](1000000), ptr[int64](100000), "koenigstein")
	sol("beta", "02", []string{"10003"}, nil, nil, "")
	adopt := func(slug string, kind catalog.OrgKind, key string, status catalog.AdoptionStatus) {
		if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: slug, AdopterKind: kind, AdopterKey: key,
			Adoption: catalog.Adoption{Status: status}}); err != nil {
			t.Fatal(err)
		}
	}
	adopt("alpha", catalog.KindLand, "02", catalog.AdoptionLive)
	adopt("alpha", catalog.KindGemeinde, "010010001002", catalog.AdoptionLive)
	adopt("beta", catalog.KindGemeinde, "010010001001", catalog.AdoptionInterested)
	adopt("beta", catalog.KindGemeinde, "020010001001", catalog.AdoptionLive)
	e, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, e
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

func TestScoreboardHandComputed(t *testing.T) {
	_, e := newFixture(t)
	rows := e.Scoreboard()
	if len(rows) != 2 {
		t.Fatalf("rows = %d", len(rows))
	}
	n, s := rows[0], rows[1]
	// Nordland: provides alpha; alpha adopted by Südland (external) and A2 (internal);
	// A1 and A2 adopted (2); coverage: 10001 and 10002 reach A2 = 400 of 1000.
	if n.Provided != 1 || n.ReceivedExternal != 1 || n.ReceivedInternal != 1 || n.Made != 2 || n.MadeLive != 1 ||
		!near(n.MadePer100k, 200) || n.ServicesCovered != 2 || !near(n.Coverage, 0.4) || !near(n.Reach, 0.8) {
		t.Errorf("Nordland = %+v", n)
	}
	// Südland: provides beta; beta adopted by A1 (external, interested) and B1 (internal);
	// Südland itself and B1 adopted (2, both live); coverage 10001, 10002: 100 %, 10003: B1 1000 of 3000.
	if s.Provided != 1 || s.ReceivedExternal != 1 || s.ReceivedInternal != 1 || s.Made != 2 || s.MadeLive != 2 ||
		!near(s.MadePer100k, 66.667) || s.ServicesCovered != 3 || !near(s.Coverage, (1+1+1.0/3)/3) || !near(s.Reach, 1+1+1.0/3) {
		t.Errorf("Südland = %+v", s)
	}
	wantRanks := map[string][2]int{
		insights.ColProvided: {1, 1}, insights.ColReceivedExternal: {1, 1}, insights.ColMade: {1, 1},
		insights.ColMadePer100k: {1, 2}, insights.ColReach: {2, 1},
	}
	for col, want := range wantRanks {
		if n.Ranks[col] != want[0] || s.Ranks[col] != want[1] {
			t.Errorf("ranks %s = %d/%d, want %d/%d", col, n.Ranks[col], s.Ranks[col], want[0], want[1])
		}
	}
}

func TestCoverageFollowsWrites(t *testing.T) {
	st, e := newFixture(t)
	ctx := context.Background()
	cov := e.Service("10003")
	if cov.Solutions != 1 || cov.Laender[1].CoveredPop != 1000 || cov.Laender[0].CoveredPop != 0 || len(cov.Gemeinden) != 1 {
		t.Fatalf("10003 coverage = %+v", cov)
	}
	// The Südkreis adopts beta live: B1 and B2 (3000) are covered, B1 still once.
	if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "beta", AdopterKind: catalog.KindKreis, AdopterKey: "02001",
		Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
		t.Fatal(err)
	}
	if err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if c := e.Service("10003").Laender[1]; c.CoveredPop != 3000 || !near(c.Share, 1) || c.Gemeinden != 2 {
		t.Errorf("after Kreis adoption: %+v", c)
	}
	// Ending B1's own adoption keeps B1 covered through its Kreis.
	if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "beta", AdopterKind: catalog.KindGemeinde, AdopterKey: "020010001001",
		Adoption: catalog.Adoption{Status: catalog.AdoptionEnded}}); err != nil {
		t.Fatal(err)
	}
	e.CatchUp(ctx)
	if c := e.Service("10003").Laender[1]; c.CoveredPop != 3000 {
		t.Errorf("after B1 ended: covered %d, want 3000 (through the Kreis)", c.CoveredPop)
	}
	if rows := e.Scoreboard(); rows[1].MadeLive != 2 || rows[1].Made != 3 {
		t.Errorf("Südland after writes = %+v", rows[1])
	}
	// Deleting alpha removes its adoptions from every counter.
	if err := st.DeleteSolution(ctx, catalog.SystemPrincipal("test"), "alpha"); err != nil {
		t.Fatal(err)
	}
	e.CatchUp(ctx)
	rows := e.Scoreboard()
	if rows[0].Provided != 0 || rows[0].ReceivedExternal != 0 || rows[0].Made != 1 || rows[0].ServicesCovered != 0 {
		t.Errorf("Nordland after deleting alpha = %+v", rows[0])
	}
	spots := e.WhiteSpots()
	if len(spots) != 3 || spots[0].OZGID != "10001" || spots[2].OZGID != "10004" {
		t.Errorf("white spots = %+v", spots)
	}
	gaps := e.LandGaps("01")
	if len(gaps) != 1 || gaps[0].OZGID != "10003" || gaps[0].Share != 0 || len(gaps[0].Solutions) != 1 || gaps[0].Solutions[0].Slug != "beta" {
		t.Errorf("Nordland gaps = %+v", gaps)
	}
}

func TestSavingsByCostSharingKey(t *testing.T) {
	st, e := newFixture(t)
	ctx := context.Background()
	est, err := insights.DefaultEstimate()
	if err != nil {
		t.Fatal(err)
	}
	// beta has no costs of its own: its one live adoption (B1, Südland) avoids
	// the default build cost less 10 % onboarding, without operation.
	beta := 0.9 * est.BuildCostEUR
	// Avoided per live adoption of alpha: 1,000,000 build + 5 × 100,000 operation = 1,500,000.
	// Cost: 10 % onboarding (100,000) + the adopter's share of 5 × 100,000.
	// Participants: Nordland (provider), Südland, A2.
	cases := []struct {
		key             string
		suedland, gemA2 float64
	}{
		// Weights: Nordland 60, Südland 40, A2 60 × 400/1000 = 24; total 124.
		{"koenigstein", 1500000 - 100000 - 500000*40.0/124, 1500000 - 100000 - 500000*24.0/124},
		// Weights: 1000, 3000, 400; total 4400.
		{"population", 1500000 - 100000 - 500000*3000.0/4400, 1500000 - 100000 - 500000*400.0/4400},
		// Three equal shares.
		{"equal", 1500000 - 100000 - 500000.0/3, 1500000 - 100000 - 500000.0/3},
	}
	for _, c := range cases {
		if _, err := st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), "alpha", store.SolutionInput{Solution: catalog.Solution{Name: "alpha", Status: catalog.SolutionLive,
			Verified: catalog.VerifiedNo, BuildCostEUR: ptr[int64](1000000), YearlyCostEUR: ptr[int64](100000), CostSharing: c.key},
			ProviderKind: catalog.KindLand, ProviderKey: "01", OZGIDs: []string{"10001", "10002"}}); err != nil {
			t.Fatal(err)
		}
		e.CatchUp(ctx)
		sv := e.Savings()
		if sv.Quantified != 3 || sv.NotQuantifiable != 0 || sv.Estimated != 1 || !near(sv.EstimatedTotal, beta) {
			t.Fatalf("%s: quantified %d, not quantifiable %d, estimated %d (%.2f)", c.key, sv.Quantified, sv.NotQuantifiable, sv.Estimated, sv.EstimatedTotal)
		}
		if !near(sv.ByLand["02"], c.suedland+beta) || !near(sv.ByLand["01"], c.gemA2) || !near(sv.Total, c.suedland+c.gemA2+beta) ||
			!near(sv.EstimatedByLand["02"], beta) || sv.EstimatedByLand["01"] != 0 {
			t.Errorf("%s: Südland %.2f (want %.2f), Nordland %.2f (want %.2f), total %.2f", c.key, sv.ByLand["02"], c.suedland+beta, sv.ByLand["01"], c.gemA2, sv.Total)
		}
		for _, s := range sv.BySolution {
			if s.Slug == "beta" && (s.Basis != insights.BasisEstimate || s.Quantified != 1 || !near(s.Saving, beta)) {
				t.Errorf("beta should rest on the default estimate: %+v", s)
			}
			if s.Slug == "alpha" && (s.Basis != insights.BasisProvider || s.Note != "") {
				t.Errorf("alpha should rest on the provider's full figures: %+v", s)
			}
		}
	}
	// Without yearly costs alpha counts its build cost only, and says so.
	st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), "alpha", store.SolutionInput{Solution: catalog.Solution{Name: "alpha", Status: catalog.SolutionLive,
		Verified: catalog.VerifiedNo, BuildCostEUR: ptr[int64](1000000), CostSharing: "equal"}, ProviderKind: catalog.KindLand, ProviderKey: "01", OZGIDs: []string{"10001"}})
	e.CatchUp(ctx)
	sv := e.Savings()
	if sv.Quantified != 3 || !near(sv.Total, 2*900000+beta) {
		t.Errorf("without yearly costs: %+v", sv)
	}
	for _, s := range sv.BySolution {
		if s.Slug == "alpha" && (s.Note != insights.NoteNoYearlyCost || s.Basis != insights.BasisProvider) {
			t.Errorf("alpha without yearly costs: %+v", s)
		}
	}
	// With no estimate at all, nothing without the provider's build cost is quantifiable.
	e2, err := insights.Open(ctx, st, insights.SavingsConfig{Years: 5, OnboardingShare: 0.1, Estimate: &insights.Estimate{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sv := e2.Savings(); sv.Quantified != 2 || sv.NotQuantifiable != 1 {
		t.Errorf("without an estimate: quantified %d, open %d", sv.Quantified, sv.NotQuantifiable)
	}
}

// The default estimate is read from the seed files and carries its sources.
func TestDefaultEstimate(t *testing.T) {
	est, err := insights.DefaultEstimate()
	if err != nil {
		t.Fatal(err)
	}
	if !near(est.BuildCostEUR, 828000000.0/306) || len(est.Figures) != 2 {
		t.Fatalf("estimate = %+v", est)
	}
	for _, f := range est.Figures {
		if f.Source == "" || !strings.HasPrefix(f.URL, "https://") || f.AsOf == "" || f.Meaning == "" {
			t.Errorf("figure without a complete source: %+v", f)
		}
	}
	if _, err := insights.LoadEstimate(fstest.MapFS{insights.EstimateFile: {Data: []byte("kennzahl,wert,einheit,bedeutung,quelle,adresse,stand\nefa_loesungen,0,Anzahl,x,y,z,2024\n")}}); err == nil {
		t.Error("a zero figure was accepted")
	}
}

// WaitLoaded waits for the figures up to its bound: false while nothing
// loads, true as soon as a load that finishes meanwhile has them, and at
// once when they are there.
func TestWaitLoaded(t *testing.T) {
	ctx := context.Background()
	st, loaded := newFixture(t)
	if !loaded.WaitLoaded(ctx, time.Hour) {
		t.Fatal("a loaded engine waits")
	}
	eng, err := insights.New(st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if eng.WaitLoaded(ctx, 50*time.Millisecond) || time.Since(began) < 50*time.Millisecond {
		t.Fatalf("an engine that does not load reported its figures after %v", time.Since(began))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if eng.WaitLoaded(cancelled, time.Hour) {
		t.Fatal("a cancelled wait reported the figures")
	}
	got := make(chan bool)
	go func() { got <- eng.WaitLoaded(ctx, time.Hour) }()
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ok := <-got:
		if !ok {
			t.Fatal("the wait ended without the figures")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not end with the load")
	}
}
