package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// A Gemeinde merged by a reference-data refresh says so on its page and
// names its successor; lookups no longer offer it.
func TestRetiredGemeindePage(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	gemeinden, err := st.OrganisationsByKind(ctx, catalog.KindGemeinde, "01")
	if err != nil {
		t.Fatal(err)
	}
	const merged, successor = "010620060060", "010010000000" // Reinbek into Flensburg, for the test
	var rows []store.GemeindeRow
	for _, g := range gemeinden {
		if g.Key == merged {
			continue
		}
		kreis, _ := st.OrganisationByKey(ctx, catalog.KindKreis, g.KreisKey)
		rows = append(rows, store.GemeindeRow{ARS: g.ARS, AGS: g.AGS, Name: g.Name, Type: g.Type, LandKey: g.LandKey, KreisKey: g.KreisKey,
			KreisName: kreis.Name, KreisType: kreis.Type, Postcode: g.Postcode, Population: g.Population, AreaKm2: g.AreaKm2, Lat: g.Lat, Lon: g.Lon})
	}
	if _, err := st.RefreshGemeinden(ctx, "system:import", rows, map[string]string{merged: successor}, store.RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	app := server.New(server.Deps{Store: st, Version: "test"})
	rec := servertest.Do(t, app, http.MethodGet, "/gemeinden/"+merged, nil)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `data-testid="org-retired"`) || !strings.Contains(body, "Nachfolger:") || !strings.Contains(body, "Flensburg") {
		t.Errorf("retired Gemeinde page = %d", rec.Code)
	}
	if rec := servertest.Do(t, app, http.MethodGet, "/gemeinden/"+successor, nil); strings.Contains(rec.Body.String(), `data-testid="org-retired"`) {
		t.Error("the successor is shown as retired")
	}
	orgs, _ := st.LookupOrganisations(ctx, "Reinbek", 10)
	for _, o := range orgs {
		if o.Key == merged {
			t.Error("lookup still offers the retired Gemeinde")
		}
	}
}
