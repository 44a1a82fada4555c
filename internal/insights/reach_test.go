package insights_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/store"
)

// reachFixture is a register where the right reach ranking is known by
// construction (issue 16: the old "Reichweite", averaged over the services a
// Land covers, ranked a Land with two Land-wide services above one with ten):
//
//	01 Zweiland   pop 1,000: the Land adopts "zwei" (2 services) live          → reach 2
//	02 Zehnland   pop 2,000: Gemeinde C1 (1,000) adopts "zehn" (10 services) live → reach 10 × 0.5 = 5
//	03 Großland   pop 10,000: the Land adopts "zwei" live                       → reach 2 (size does not count)
//	04 Leerland   pop 1,000: only an adoption of "zehn" with status interested  → reach 0
var reachFixture = func() fstest.MapFS {
	var services strings.Builder
	services.WriteString("ozg_id,bezeichnung,lebenslage,themenfeld\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&services, "%d,Leistung %d,,Testfeld\n", 10000+i, i)
	}
	return fstest.MapFS{
		"laender.csv": {Data: []byte("land_schluessel,name,kuerzel,einwohner,flaeche_km2,koenigsteiner_schluessel_2016_prozent\n" +
			"01,Zweiland,ZL,1000,10,10\n02,Zehnland,XL,2000,10,20\n03,Großland,GL,10000,10,60\n04,Leerland,LL,1000,10,10\n")},
		"kreise.csv": {Data: []byte("kreis_schluessel,name,kreis_typ,land_schluessel,einwohner\n" +
			"01001,Kreis Z,Landkreis,01,1000\n02001,Kreis X,Landkreis,02,2000\n03001,Kreis G,Landkreis,03,10000\n04001,Kreis L,Landkreis,04,1000\n")},
		"gemeinden.csv": {Data: []byte("ags,ars,name,gemeindetyp,land_schluessel,kreis_schluessel,einwohner,flaeche_km2,plz,lat,lon\n" +
			"01001001,010010001001,Z1,Stadt,01,01001,1000,1,,54,9\n" +
			"02001001,020010001001,C1,Stadt,02,02001,1000,1,,50,9\n" +
			"02001002,020010001002,C2,Stadt,02,02001,1000,1,,50,9\n" +
			"03001001,030010001001,G1,Stadt,03,03001,10000,1,,52,9\n" +
			"04001001,040010001001,L1,Stadt,04,04001,1000,1,,48,9\n")},
		"ozg_themenfelder.csv":     {Data: []byte("themenfeld_id,themenfeld,federfuehrendes_land,federfuehrendes_bundesressort,federfuehrung_verifiziert,quelle_federfuehrung\n1,Testfeld,,,nein,\n")},
		"ozg_lebenslagen.csv":      {Data: []byte("lebenslage_id,themenfeld_id,themenfeld,lebenslage\n")},
		"ozg_leistungen.csv":       {Data: []byte(services.String())},
		"leika_leistungen_ozg.csv": {Data: []byte("leika_schluessel,bezeichnung,ozg_id,ozg_leistung,leika_typ,gesetz_kurz,rechtsgrundlage\n")},
		"loesungen.csv":            {Data: []byte("slug,name,ozg_ids,themenfeld,anbieter,anbieter_hinweis,partner,betreiber,status,status_hinweis,bekannte_nachnutzer,verifiziert,verifiziert_hinweis,quelle\n")},
		"nachnutzungen.csv":        {Data: []byte("loesung,art,schluessel,status,seit,quelle,hinweis\n")},
	}
}()

func TestReachRanksDoingMoreFirst(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "efa.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Seed(ctx, reachFixture); err != nil {
		t.Fatal(err)
	}
	ids := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprint(10000+i))
		}
		return out
	}
	for slug, services := range map[string][]string{"zwei": ids(1, 2), "zehn": ids(3, 12)} {
		if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), store.SolutionInput{Solution: catalog.Solution{Slug: slug, Name: slug, Status: catalog.SolutionLive,
			Verified: catalog.VerifiedNo}, ProviderKind: catalog.KindLand, ProviderKey: "03", OZGIDs: services}); err != nil {
			t.Fatal(err)
		}
	}
	adopt := func(slug string, kind catalog.OrgKind, key string, status catalog.AdoptionStatus) {
		t.Helper()
		if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: slug, AdopterKind: kind, AdopterKey: key,
			Adoption: catalog.Adoption{Status: status}}); err != nil {
			t.Fatal(err)
		}
	}
	adopt("zwei", catalog.KindLand, "01", catalog.AdoptionLive)
	adopt("zehn", catalog.KindGemeinde, "020010001001", catalog.AdoptionLive)
	adopt("zwei", catalog.KindLand, "03", catalog.AdoptionLive)
	adopt("zehn", catalog.KindGemeinde, "040010001001", catalog.AdoptionInterested)

	e, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, want map[string]struct {
		reach float64
		rank  int
	}) {
		t.Helper()
		for _, r := range e.Scoreboard() {
			w := want[r.Name]
			if !near(r.Reach, w.reach) || r.Ranks[insights.ColReach] != w.rank {
				t.Errorf("%s: %s reach %.3f rank %d, want %.3f rank %d", when, r.Name, r.Reach, r.Ranks[insights.ColReach], w.reach, w.rank)
			}
		}
	}
	type want = map[string]struct {
		reach float64
		rank  int
	}
	check("loaded", want{"Zehnland": {5, 1}, "Zweiland": {2, 2}, "Großland": {2, 2}, "Leerland": {0, 4}})
	// The old average over covered services put Zweiland (100 %) above Zehnland (50 %).
	for _, r := range e.Scoreboard() {
		if r.Name == "Zweiland" && !near(r.Coverage, 1) || r.Name == "Zehnland" && !near(r.Coverage, 0.5) {
			t.Errorf("%s coverage %.3f", r.Name, r.Coverage)
		}
	}

	// Leerland's adoption goes live and C2 adopts too: the engine follows the log.
	adopt("zehn", catalog.KindGemeinde, "040010001001", catalog.AdoptionLive)
	adopt("zehn", catalog.KindGemeinde, "020010001002", catalog.AdoptionLive)
	if err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("after writes", want{"Zehnland": {10, 1}, "Leerland": {10, 1}, "Zweiland": {2, 3}, "Großland": {2, 3}})
}
