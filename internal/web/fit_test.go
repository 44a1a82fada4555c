package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// firstGemeindeIn returns a Gemeinde of the Land.
func firstGemeindeIn(t *testing.T, st *store.Store, kreis string) catalog.Organisation {
	t.Helper()
	gs, err := st.GemeindenInKreis(context.Background(), kreis)
	if err != nil || len(gs) == 0 {
		t.Fatalf("Gemeinden in %s: %v", kreis, err)
	}
	return gs[0]
}

// The gap lists put the OZG-Leistungen with a fitting solution first and
// can be narrowed to them; a Gemeinde inherits its Land's environment; the
// insight page counts the solutions with a profile.
func TestGapListsByFit(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	sys := catalog.SystemPrincipal("test")
	nrw, err := st.OrganisationByKey(ctx, catalog.KindLand, "05")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetEnvironment(ctx, sys, nrw, []string{"epaybl", "betrieb-zentral"}); err != nil {
		t.Fatal(err)
	}
	// A solution for the Hundesteuer (10160, no solution in the seed) that fits NRW.
	in := store.SolutionInput{Solution: catalog.Solution{Slug: "hundesteuer-passt", Name: "Hundesteuer passt", Status: catalog.SolutionLive,
		Verified: catalog.VerifiedNo, StandardsProfile: catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeRequires}}},
		ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10160"}}
	if _, err := st.CreateSolution(ctx, sys, in); err != nil {
		t.Fatal(err)
	}
	app := newInsightsAppOn(t, st)
	rows := func(target string) []*goquery.Selection {
		t.Helper()
		doc, _ := servertest.GetDoc(t, app, target, http.StatusOK)
		var out []*goquery.Selection
		doc.Find(`[data-testid$="-luecken"] tbody tr`).Each(func(_ int, tr *goquery.Selection) { out = append(out, tr) })
		return out
	}
	// fitting checks that every gap with a fitting solution comes before all others and returns them.
	fitting := func(target string, col int) []string {
		t.Helper()
		var fits []string
		rest := false
		for _, tr := range rows(target) {
			if servertest.Text(tr.Children().Eq(col)) == "passt" {
				if rest {
					t.Errorf("%s: fitting gap %q after one that does not fit", target, servertest.Text(tr))
				}
				fits = append(fits, servertest.Text(tr.Children().First()))
			} else {
				rest = true
			}
		}
		if !rest {
			t.Errorf("%s: every gap fits", target)
		}
		return fits
	}
	fits := fitting("/laender/05/luecken", 2)
	if !slices.Contains(fits, "Hundehaltung (10160)") {
		t.Errorf("NRW's fitting gaps %q lack the Hundesteuer", fits)
	}
	only := rows("/laender/05/luecken?passt=ja")
	if len(only) != len(fits) {
		t.Errorf("passt=ja: %d rows, want the %d fitting ones", len(only), len(fits))
	}
	for _, tr := range only {
		if servertest.Text(tr.Children().Eq(2)) != "passt" {
			t.Errorf("passt=ja lists %q", servertest.Text(tr))
		}
	}
	servertest.GetDoc(t, app, "/laender/05/luecken?passt=vielleicht", http.StatusBadRequest)

	// A Gemeinde of NRW: the Land's environment is its default.
	g := firstGemeindeIn(t, st, "05162")
	if gf := fitting("/gemeinden/"+g.Key+"/luecken", 1); !slices.Contains(gf, "Hundehaltung (10160)") {
		t.Errorf("%s's fitting gaps %q lack the Hundesteuer", g.Name, gf)
	}
	doc, _ := servertest.GetDoc(t, app, "/gemeinden/"+g.Key+"/umgebung", http.StatusOK)
	if !strings.Contains(servertest.Text(doc.Find(servertest.TID("umgebung-vorgabe"))), "Nordrhein-Westfalen") {
		t.Errorf("%s's environment does not name the Land's default", g.Name)
	}
	if doc.Find(servertest.TID("umgebung-form")).Length() != 0 {
		t.Error("an anonymous visitor sees the environment form")
	}
	// No dead end: the visitor is shown the way in.
	if doc.Find(servertest.TID("umgebung-nur-mitglieder")+` a[href="/anmelden"]`).Length() != 1 {
		t.Error("the environment page offers a visitor no way to log in")
	}

	doc, _ = servertest.GetDoc(t, app, "/einblicke/luecken", http.StatusOK)
	var fig string
	doc.Find(servertest.TID("key-figures") + " div").Each(func(_ int, d *goquery.Selection) {
		if servertest.Text(d.Find("dt")) == "Lösungen mit Standardprofil" {
			fig = servertest.Text(d.Find("dd"))
		}
	})
	if fig != "4 von 51" {
		t.Errorf("solutions with a profile = %q, want 4 von 51", fig)
	}
}

// The solution form edits the standards profile; a bad mode is a German
// error at the field, and the page shows the saved profile and, to a
// member, whether it fits their organisation.
func TestSolutionFormProfile(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	prov := env.As(t, "anbieter")
	form := url.Values{"name": {"Profil im Formular"}, "provider": {"land:01"}, "status": {"pilot"}, "ozg": {"10092"}, "aktion": {"speichern"},
		"profil-bundid": {"implements"}, "profil-epaybl": {"vielleicht"}}
	rec := prov.Do("POST", "/loesungen/neu", form, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Bitte wählen Sie, wie die Lösung diesen Standard nutzt.") {
		t.Fatalf("bad mode = %d", rec.Code)
	}
	form.Set("profil-epaybl", "requires")
	if rec := prov.Do("POST", "/loesungen/neu", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("save = %d %.300s", rec.Code, rec.Body)
	}
	sol, err := env.Store.SolutionBySlug(context.Background(), "profil-im-formular")
	if err != nil || sol.StandardsProfile.Mode("epaybl") != catalog.ModeRequires || sol.StandardsProfile.Mode("bundid") != catalog.ModeImplements {
		t.Fatalf("stored profile = %+v (%v)", sol.StandardsProfile, err)
	}
	edit := prov.Do("GET", "/loesungen/profil-im-formular/bearbeiten", nil, nil)
	if d := servertest.Doc(t, edit); d.Find(`#feld-profil-epaybl option[selected][value="requires"]`).Length() != 1 {
		t.Error("the edit form does not show the stored mode")
	}
	// Gemeinde A's editor sees the fit for Gemeinde A (no environment yet: unknown).
	page := servertest.Doc(t, env.As(t, "redaktion-a").Do("GET", "/loesungen/profil-im-formular", nil, nil))
	if got := servertest.Text(page.Find(servertest.TID("solution-fits") + " " + servertest.TID("fit-result"))); got != "unbekannt" {
		t.Errorf("fit for Gemeinde A = %q", got)
	}
	if got := servertest.Texts(page.Find(servertest.TID("standardprofil") + " tbody th")); len(got) != 2 {
		t.Errorf("profile rows = %q", got)
	}
	anon := servertest.Doc(t, env.Client(t).Do("GET", "/loesungen/profil-im-formular", nil, nil))
	if anon.Find(servertest.TID("solution-fits")).Length() != 0 {
		t.Error("an anonymous visitor sees a fit check")
	}
}
