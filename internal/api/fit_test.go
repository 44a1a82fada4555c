package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// The fit endpoint answers exactly {"result", "reasons"}; the Gemeinde's
// own entry overrides its Land's default; the organisation's adoption list
// carries the same fit object.
func TestAPIOrganisationFit(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	sys := catalog.SystemPrincipal("test")
	land, err := env.Store.OrganisationByKey(ctx, catalog.KindLand, "01")
	if err != nil {
		t.Fatal(err)
	}
	a, err := env.Store.OrganisationByKey(ctx, catalog.KindGemeinde, servertest.GemeindeA)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Store.SetEnvironment(ctx, sys, land, []string{"epaybl", "betrieb-zentral"}); err != nil {
		t.Fatal(err)
	}
	in := store.SolutionInput{Solution: catalog.Solution{Slug: "passt-api", Name: "Passt API", Status: catalog.SolutionLive, Verified: catalog.VerifiedNo,
		StandardsProfile: catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeRequires}, {Standard: "betrieb-zentral", Mode: catalog.ModeImplements}}},
		ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}
	if _, err := env.Store.CreateSolution(ctx, sys, in); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, env.App)
	fit := func(target string) map[string]any {
		t.Helper()
		var m map[string]any
		rec := cl.json(target, http.StatusOK, nil)
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m["result"] == nil || m["reasons"] == nil {
			t.Fatalf("%s = %v, want exactly result and reasons", target, m)
		}
		return m
	}
	base := "/api/v1/organisations/gemeinde/" + servertest.GemeindeA + "/fit?solution="
	if m := fit(base + "passt-api"); m["result"] != "fits" {
		t.Errorf("with the Land's default ePayBL: %v, want fits", m)
	}
	if err := env.Store.SetEnvironment(ctx, sys, a, []string{"pmpayment"}); err != nil {
		t.Fatal(err)
	}
	m := fit(base + "passt-api")
	if m["result"] != "fits-with-changes" || !strings.Contains(m["reasons"].([]any)[0].(string), "benötigt ePayBL; Sie nutzen pmPayment") {
		t.Errorf("with the Gemeinde's own pmPayment: %v", m)
	}
	if m := fit(base + "wohngeld-online"); m["result"] != "unknown" {
		t.Errorf("solution without profile: %v, want unknown", m)
	}
	cl.badParam("/api/v1/organisations/gemeinde/"+servertest.GemeindeA+"/fit", "solution")
	cl.badParam(base+"Kaputt!", "solution")
	cl.json(base+"gibt-es-nicht", http.StatusNotFound, nil)
	cl.json("/api/v1/organisations/gemeinde/999999999999/fit?solution=passt-api", http.StatusNotFound, nil)

	// The list checks each adoption against its own solution's profile.
	if _, err := env.Store.RegisterAdoption(ctx, sys, store.AdoptionInput{SolutionSlug: "passt-api", AdopterKind: catalog.KindGemeinde,
		AdopterKey: servertest.GemeindeA, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			Solution string `json:"solution"`
			Fit      struct {
				Result  string   `json:"result"`
				Reasons []string `json:"reasons"`
			} `json:"fit"`
		} `json:"items"`
	}
	cl.json("/api/v1/organisations/gemeinde/"+servertest.GemeindeA+"/adoptions", http.StatusOK, &list)
	if len(list.Items) == 0 {
		t.Fatal("Gemeinde A has no adoptions in the fixture")
	}
	found := false
	for _, it := range list.Items {
		if it.Fit.Result == "" || len(it.Fit.Reasons) == 0 {
			t.Errorf("adoption of %s without fit: %+v", it.Solution, it.Fit)
		}
		if it.Solution == "passt-api" {
			found = true
			if it.Fit.Result != m["result"] || it.Fit.Reasons[0] != m["reasons"].([]any)[0] {
				t.Errorf("adoption of passt-api: fit %+v, want the fit endpoint's %v", it.Fit, m)
			}
		}
	}
	if !found {
		t.Error("the adoption of passt-api is not in the list")
	}
}

// The provider API writes the standards profile; unknown entries are a 422 naming the field.
func TestAPISolutionProfileWrite(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	cl := newClient(t, env.App)
	tok := env.Token(t, "anbieter")
	rec := cl.send(http.MethodPost, "/api/v1/solutions", `{"name":"Profil-Test","provider":{"kind":"land","key":"01"},"status":"planned",
		"standardsProfile":[{"standard":"xbau","mode":"requires"},{"standard":"fit-connect","mode":"implements"}]}`, "Authorization", "Bearer "+tok)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		StandardsProfile []catalog.ProfileEntry `json:"standardsProfile"`
	}
	cl.json("/api/v1/solutions/profil-test", http.StatusOK, &got)
	if len(got.StandardsProfile) != 2 || got.StandardsProfile[0].Standard != "fit-connect" || got.StandardsProfile[1].Mode != catalog.ModeRequires {
		t.Errorf("profile = %+v", got.StandardsProfile)
	}
	rec = cl.send(http.MethodPost, "/api/v1/solutions", `{"name":"Profil-Falsch","provider":{"kind":"land","key":"01"},"status":"planned",
		"standardsProfile":[{"standard":"xgibtsnicht","mode":"requires"}]}`, "Authorization", "Bearer "+tok)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "standardsProfile") || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("unknown standard: %d %s", rec.Code, rec.Body)
	}
}

// /api/v1/search filters by the standards profile and counts one facet per dimension.
func TestAPISearchByStandard(t *testing.T) {
	app, _, _ := newSearchApp(t)
	cl := newClient(t, app)
	var b searchBody
	cl.json("/api/v1/search?type=solution&standard=bundid", http.StatusOK, &b)
	if b.Total != 2 {
		t.Errorf("standard=bundid: %d hits, want 2 (Ehe digital, eWA)", b.Total)
	}
	found := false
	for _, v := range b.Facets["standard-account"] {
		found = found || v.Value == "bundid" && v.Count == 2 && v.Selected
	}
	if !found {
		t.Errorf("facet standard-account = %+v", b.Facets["standard-account"])
	}
	cl.badParam("/api/v1/search?standard=xgibtsnicht", "standard")
}

// The German variant of the publiccode.yml export carries the standards
// profile under the register's extension key; the standard file does not
// (the standard's parser refuses unknown keys).
func TestPubliccodeExportCarriesProfile(t *testing.T) {
	app, _ := servertest.Shared(t)
	const profile = "x-efa-standardprofil:\n  - eintrag: epaybl\n    nutzung: setzt-um\n"
	rec := servertest.Do(t, app, http.MethodGet, "/api/v1/solutions/digitaler-einbuergerungsantrag/publiccode.yml?extension=de", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), profile) {
		t.Errorf("German export = %d\n%s", rec.Code, rec.Body)
	}
	rec = servertest.Do(t, app, http.MethodGet, "/api/v1/solutions/digitaler-einbuergerungsantrag/publiccode.yml", nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "x-efa-standardprofil") {
		t.Errorf("standard export = %d carries the extension key\n%s", rec.Code, rec.Body)
	}
}
