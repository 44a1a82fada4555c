package insights_test

import (
	"context"
	"reflect"
	"testing"

	"efa-register/internal/insights"
	"efa-register/internal/store/storetest"
)

// On the real seed data the scoreboard agrees with counts taken by SQL.
func TestScoreboardMatchesDatabaseOnSeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	e, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.CountsPerLand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	laender, err := st.Laender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fromCounters, ok := e.CountsPerLand(laender)
	if !ok || !reflect.DeepEqual(fromCounters, counts) {
		t.Errorf("CountsPerLand from the counters (ok %v) differs from the database:\n%+v\n%+v", ok, fromCounters, counts)
	}
	stats, _ := st.Stats(ctx)
	rows := e.Scoreboard()
	if len(rows) != 16 {
		t.Fatalf("rows = %d", len(rows))
	}
	var made int
	for i, r := range rows {
		c := counts[i]
		if r.LandKey != c.Land.Key || int64(r.Provided) != c.Provided || int64(r.Made) != c.AdoptionsMade ||
			int64(r.MadeLive) != c.LiveAdoptionsMade || int64(r.ReceivedExternal) != c.AdoptionsReceived ||
			int64(r.AdoptingMunicipalities) != c.AdoptingMunicipalities {
			t.Errorf("%s: scoreboard %+v, database %+v", r.Name, r, c)
		}
		made += r.Made
	}
	if int64(made) != stats.Adoptions {
		t.Errorf("adoptions made across Länder = %d, database has %d", made, stats.Adoptions)
	}
	if spots := e.WhiteSpots(); len(spots) == 0 || len(spots) >= 557 {
		t.Errorf("white spots = %d of 557", len(spots))
	}
	// Einmalzahlung 200 runs live in all 16 Länder but names no OZG-Leistung;
	// Wohngeld (10092) reaches all of NRW through the Land's own adoption.
	cov := e.Service("10092")
	if cov.Laender[4].LandKey != "05" || cov.Laender[4].Share < 0.999 {
		t.Errorf("Wohngeld in NRW = %+v", cov.Laender[4])
	}
}
