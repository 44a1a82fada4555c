package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"efa-register/views"
)

func TestStartPage(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/", http.StatusOK)
	figures := map[string]string{
		"figure-solutions": "50",
		"figure-adoptions": "70",
		"figure-laender":   "16 von 16",
		"figure-gemeinden": "18 von 10.794",
	}
	for id, want := range figures {
		if got := servertest.Text(doc.Find(servertest.TID(id))); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	form := doc.Find(`form[action="/loesungen"]`)
	if form.Length() != 1 || form.Find(`input[name="q"][type="search"]`).Length() != 1 {
		t.Error("start page has no search box that leads to the catalogue")
	}
	// The seed import is no news (TestStartPageNewsLeavesOutTheSeedImport covers a real change).
	if n := doc.Find(servertest.TID("latest-changes") + " li").Length(); n != 0 {
		t.Errorf("latest changes = %d, want none after the seed", n)
	}
	if n := doc.Find(servertest.TID("map-region")).Length(); n != 16 {
		t.Errorf("start map has %d regions", n)
	}
	rows := doc.Find(servertest.TID("map-table") + " tbody tr")
	if rows.Length() != 16 {
		t.Fatalf("map table has %d rows", rows.Length())
	}
	// The table beside the map carries the same number as the shape's title.
	nrwTitle := servertest.Text(doc.Find(`[data-land="05"] title`))
	var nrwRow string
	rows.Each(func(_ int, r *goquery.Selection) {
		if servertest.Text(r.Find("th")) == "Nordrhein-Westfalen" {
			nrwRow = servertest.Text(r.Find("td").First())
		}
	})
	if nrwRow == "" || nrwTitle != "Nordrhein-Westfalen: "+nrwRow+" Nachnutzungen" {
		t.Errorf("NRW: map title %q, table %q", nrwTitle, nrwRow)
	}
}

func TestSolutionPage(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	doc, _ := servertest.GetDoc(t, app, "/loesungen/wohngeld-online", http.StatusOK)
	if got := servertest.Text(doc.Find("h1")); got != "Wohngeld (Online-Wohngeldantrag)" {
		t.Errorf("h1 = %q", got)
	}
	if got := servertest.Text(doc.Find("head title")); got != "Wohngeld (Online-Wohngeldantrag) – EfA-Register" {
		t.Errorf("title = %q", got)
	}
	provider := doc.Find(servertest.TID("provider"))
	if href, _ := provider.Attr("href"); servertest.Text(provider) != "Schleswig-Holstein" || href != "/laender/01" {
		t.Errorf("provider = %q -> %q", servertest.Text(provider), href)
	}
	if got := servertest.Text(doc.Find("header " + servertest.TID("verified"))); got != "Daten geprüft" {
		t.Errorf("verified badge = %q", got)
	}
	if got := servertest.Text(doc.Find("header " + servertest.TID("solution-status"))); got != "Pilotbetrieb" {
		t.Errorf("status badge = %q", got)
	}
	if got := servertest.Texts(doc.Find(servertest.TID("solution-services") + " a")); !cmp.Equal(got, []string{"10092 – Wohngeld"}) {
		t.Errorf("services = %q", got)
	}
	adoptions, err := st.AdoptionsBySolution(ctx, "wohngeld-online")
	if err != nil {
		t.Fatal(err)
	}
	adopters := doc.Find(servertest.TID("adopter"))
	if adopters.Length() != len(adoptions) || len(adoptions) != 7 {
		t.Errorf("adopters listed = %d, store has %d", adopters.Length(), len(adoptions))
	}
	// Grouped by Land: Schleswig-Holstein's six pilot towns and Nordrhein-Westfalen itself.
	groups := servertest.Texts(doc.Find(".adopter-group h3"))
	if !cmp.Equal(groups, []string{"Schleswig-Holstein", "Nordrhein-Westfalen"}) {
		t.Errorf("adopter groups = %q", groups)
	}
	adopters.Each(func(_ int, a *goquery.Selection) {
		if got := servertest.Text(a.Find(servertest.TID("confirmation"))); got != "aus Quelle übernommen, nicht vom Anbieter bestätigt" {
			t.Errorf("adopter %q confirmation = %q", servertest.Text(a.Find(".adopter-list__name")), got)
		}
	})
	if got := servertest.Text(doc.Find(servertest.TID("adoption-count"))); got != "7 eingetragene Nachnutzungen, davon 7 in Betrieb." {
		t.Errorf("adoption count = %q", got)
	}
	if n := doc.Find(servertest.TID("map-region")).Length(); n != 16 {
		t.Errorf("map regions = %d", n)
	}
	// Six Gemeinden in Schleswig-Holstein adopted it: six points; the Land NRW colours its shape instead.
	if n := doc.Find(servertest.TID("map-point")).Length(); n != 6 {
		t.Errorf("map points = %d, want 6", n)
	}
	if c, _ := doc.Find(`[data-land="01"]`).Attr("class"); !strings.Contains(c, "map-provider") {
		t.Errorf("Schleswig-Holstein class = %q, want the provider colour", c)
	}
	if c, _ := doc.Find(`[data-land="05"]`).Attr("class"); !strings.Contains(c, "map-live") {
		t.Errorf("NRW class = %q, want live adoption by the Land", c)
	}
	if n := doc.Find(servertest.TID("map-table") + " tbody tr").Length(); n != 16 {
		t.Errorf("map table rows = %d", n)
	}
	similar := doc.Find(servertest.TID("similar") + " " + servertest.TID("solution-link"))
	if similar.Length() == 0 {
		t.Error("no similar solutions")
	}
	similar.Each(func(_ int, a *goquery.Selection) {
		if href, _ := a.Attr("href"); href == "/loesungen/wohngeld-online" {
			t.Error("similar solutions list the solution itself")
		}
	})
	if !slices.Contains(servertest.Texts(similar), "Sozialplattform – Wohngeld (Antragsweg in NRW-Pilotkommunen)") {
		t.Errorf("similar = %q, want the other Wohngeld solution", servertest.Texts(similar))
	}
	history := doc.Find(servertest.TID("history") + " > li")
	if history.Length() != 1 || !strings.Contains(servertest.Text(history), "angelegt durch Datenimport aus öffentlichen Quellen") {
		t.Errorf("history = %q", servertest.Texts(history))
	}
	if got := servertest.Text(doc.Find(servertest.TID("provenance"))); !strings.Contains(got, "Daten geprüft") || !strings.Contains(got, "Quelle") {
		t.Errorf("provenance = %q", got)
	}

	// ELSTER's row is only partly confirmed by its source: the page says so.
	doc, _ = servertest.GetDoc(t, app, "/loesungen/elster", http.StatusOK)
	if got := servertest.Text(doc.Find("header " + servertest.TID("verified"))); got != "Daten teilweise geprüft" {
		t.Errorf("ELSTER verified badge = %q", got)
	}
}

func TestSolutionPageShowsConfirmation(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	app := server.New(server.Deps{Store: st, Version: "test"})
	adoptions, err := st.AdoptionsBySolution(ctx, "wohngeld-online")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmAdoption(ctx, catalog.SystemPrincipal("test"), adoptions[0].ID, catalog.ConfirmationConfirmed); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmAdoption(ctx, catalog.SystemPrincipal("test"), adoptions[1].ID, catalog.ConfirmationDisputed); err != nil {
		t.Fatal(err)
	}
	doc, _ := servertest.GetDoc(t, app, "/loesungen/wohngeld-online", http.StatusOK)
	got := map[string]int{}
	for _, s := range servertest.Texts(doc.Find(servertest.TID("confirmation"))) {
		got[s]++
	}
	want := map[string]int{"vom Anbieter bestätigt": 1, "vom Anbieter bestritten": 1, "aus Quelle übernommen, nicht vom Anbieter bestätigt": 5}
	if !cmp.Equal(got, want) {
		t.Errorf("confirmation labels = %v, want %v", got, want)
	}
	// Without a search index the page still renders and says why similar solutions are missing.
	if note := servertest.Text(doc.Find("#aehnlich").Parent().Find(".empty-note")); !strings.Contains(note, "Suchindex") {
		t.Errorf("similar note = %q", note)
	}
}

func TestServicePage(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	doc, _ := servertest.GetDoc(t, app, "/leistungen/10092", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("service-name"))); got != "Wohngeld" {
		t.Errorf("name = %q", got)
	}
	svc, err := st.ServiceByID(ctx, "10092")
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(servertest.TID("leika-table") + " tbody tr").Length(); n != len(svc.Leika) || n == 0 {
		t.Errorf("LeiKa rows = %d, want %d", n, len(svc.Leika))
	}
	sols, err := st.SolutionsByService(ctx, "10092")
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	covered := map[string]bool{}
	for _, s := range sols {
		wantNames = append(wantNames, s.Name)
		covered[s.Provider.LandKey] = true
		as, err := st.AdoptionsBySolution(ctx, s.Slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			covered[a.Organisation.LandKey] = true
		}
	}
	if got := servertest.Texts(doc.Find(servertest.TID("service-solutions") + " " + servertest.TID("solution-link"))); !cmp.Equal(got, wantNames) {
		t.Errorf("solutions = %q, want %q", got, wantNames)
	}
	spots := servertest.Texts(doc.Find(servertest.TID("white-spots") + " li"))
	if len(spots) != 16-len(covered) || slices.Contains(spots, "Schleswig-Holstein") || slices.Contains(spots, "Nordrhein-Westfalen") {
		t.Errorf("white spots = %q (%d Länder covered)", spots, len(covered))
	}
	if got := servertest.Text(doc.Find(servertest.TID("coverage"))); !strings.HasPrefix(got, strconv.Itoa(len(covered))+" von 16 Ländern") {
		t.Errorf("coverage = %q", got)
	}
	if n := doc.Find(servertest.TID("map-region")).Length(); n != 16 {
		t.Errorf("map regions = %d", n)
	}
	// An OZG-Leistung without any solution: every Land is a white spot.
	doc, _ = servertest.GetDoc(t, app, "/leistungen/10001", http.StatusOK)
	if n := doc.Find(servertest.TID("white-spots") + " li").Length(); n != 16 {
		t.Errorf("white spots of 10001 = %d, want 16", n)
	}
	if doc.Find(servertest.TID("service-solutions")).Length() != 0 || !strings.Contains(servertest.Text(doc.Find("#loesungen").Parent()), "noch keine Lösung") {
		t.Error("10001 should say it has no solution yet")
	}
}

func TestTopicPages(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	doc, _ := servertest.GetDoc(t, app, "/themenfelder", http.StatusOK)
	rows := doc.Find(servertest.TID("topic-table") + " tbody tr")
	if rows.Length() != 14 {
		t.Fatalf("Themenfelder = %d", rows.Length())
	}
	topics, err := st.TopicFields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var arbeit catalog.TopicField
	for _, tf := range topics {
		if tf.Name == "Arbeit & Ruhestand" {
			arbeit = tf
		}
	}
	doc, _ = servertest.GetDoc(t, app, "/themenfelder/"+strconv.Itoa(int(arbeit.ID)), http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("topic-name"))); got != "Arbeit & Ruhestand" {
		t.Errorf("h1 = %q", got)
	}
	services, err := st.ServicesByTopicField(ctx, arbeit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(servertest.TID("topic-services") + " tbody tr").Length(); n != len(services) {
		t.Errorf("services = %d, want %d", n, len(services))
	}
	var wohngeld string
	doc.Find(servertest.TID("topic-services") + " tbody tr").Each(func(_ int, r *goquery.Selection) {
		if servertest.Text(r.Find("th")) == "Wohngeld" {
			wohngeld = servertest.Text(r.Find("td").Last())
		}
	})
	if wohngeld != "2" {
		t.Errorf("Wohngeld has %q solutions in the table, want 2", wohngeld)
	}
	if doc.Find(servertest.TID("topic-solutions")+" "+servertest.TID("solution-item")).Length() == 0 {
		t.Error("no solutions listed for Arbeit & Ruhestand")
	}
	for _, bad := range []string{"/themenfelder/99", "/themenfelder/abc", "/themenfelder/0"} {
		servertest.GetDoc(t, app, bad, http.StatusNotFound)
	}
}

func TestLandPages(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	doc, _ := servertest.GetDoc(t, app, "/laender", http.StatusOK)
	if n := doc.Find(servertest.TID("scoreboard-row")).Length(); n != 16 {
		t.Errorf("scoreboard = %d rows", n)
	}
	if n := doc.Find(servertest.TID("map-region")).Length(); n != 16 {
		t.Errorf("map regions = %d", n)
	}
	doc, _ = servertest.GetDoc(t, app, "/laender/05", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("land-name"))); got != "Nordrhein-Westfalen" {
		t.Errorf("h1 = %q", got)
	}
	provided, err := st.FindSolutions(ctx, store.SolutionFilter{ProviderLand: "05", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(servertest.TID("land-provided") + " " + servertest.TID("solution-item")).Length(); n != int(provided.Total) || n != 13 {
		t.Errorf("provided = %d, want %d", n, provided.Total)
	}
	all, err := st.AdoptionsByLand(ctx, "05")
	if err != nil {
		t.Fatal(err)
	}
	own := doc.Find(servertest.TID("land-own-adoptions") + " tbody tr").Length()
	municipal := doc.Find(servertest.TID("land-municipal-adoptions") + " tbody tr").Length()
	if own+municipal != len(all) || own == 0 || municipal == 0 {
		t.Errorf("adoptions: %d own + %d municipal, store has %d", own, municipal, len(all))
	}
	if got := servertest.Text(doc.Find(servertest.TID("land-adoptions"))); got != strconv.Itoa(len(all)) {
		t.Errorf("figure = %q, want %d", got, len(all))
	}
	kreise, err := st.OrganisationsByKind(ctx, catalog.KindKreis, "05")
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(servertest.TID("land-kreise") + " tbody tr").Length(); n != len(kreise) || n != 53 {
		t.Errorf("Kreise = %d, want %d", n, len(kreise))
	}
	// NRW's adopting Gemeinden are points on the map.
	if doc.Find(servertest.TID("map-point")).Length() == 0 {
		t.Error("no adopting Gemeinden on the NRW map")
	}

	_, rec := servertest.GetDoc(t, app, "/laender/nw", http.StatusMovedPermanently)
	if loc := rec.Header().Get("Location"); loc != "/laender/05" {
		t.Errorf("/laender/nw redirects to %q", loc)
	}
	for _, bad := range []string{"/laender/17", "/laender/xx", "/laender/00", "/laender/DE"} {
		servertest.GetDoc(t, app, bad, http.StatusNotFound)
	}
}

func TestOrganisationPages(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/kreise/05162", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("org-name"))); got != "Rhein-Kreis Neuss" {
		t.Errorf("Kreis h1 = %q", got)
	}
	if n := doc.Find(servertest.TID("kreis-gemeinden") + " tbody tr").Length(); n != 8 {
		t.Errorf("Gemeinden of Rhein-Kreis Neuss = %d, want 8", n)
	}
	if got := servertest.Text(doc.Find(servertest.TID("org-adoptions"))); !strings.Contains(got, "Unterhaltsvorschuss Online") {
		t.Errorf("Kreis adoptions = %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("land-adoptions"))); !strings.Contains(got, "Nordrhein-Westfalen") && !strings.Contains(got, "Unterhaltsvorschuss") {
		t.Errorf("Land adoptions on Kreis page = %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/gemeinden/064360007007", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("org-name"))); got != "Hofheim am Taunus, Kreisstadt" {
		t.Errorf("Gemeinde h1 = %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("org-ars"))); got != "064360007007" {
		t.Errorf("ARS = %q", got)
	}
	rows := doc.Find(servertest.TID("org-adoptions") + " tbody tr")
	if rows.Length() != 1 || !strings.HasPrefix(servertest.Text(rows.Find("th")), "ELFE") {
		t.Errorf("Hofheim adoptions = %q", servertest.Texts(rows))
	}
	if got := servertest.Text(rows.Find("td").Last()); got != "aus Quelle übernommen, nicht vom Anbieter bestätigt" {
		t.Errorf("confirmation = %q", got)
	}
	crumbs := servertest.Texts(doc.Find(".breadcrumbs li"))
	if !cmp.Equal(crumbs, []string{"Start", "Länder", "Hessen", "Main-Taunus-Kreis", "Hofheim am Taunus, Kreisstadt"}) {
		t.Errorf("breadcrumbs = %q", crumbs)
	}

	_, rec := servertest.GetDoc(t, app, "/gemeinden/06436007", http.StatusMovedPermanently)
	if loc := rec.Header().Get("Location"); loc != "/gemeinden/064360007007" {
		t.Errorf("AGS redirects to %q", loc)
	}
	for _, bad := range []string{"/gemeinden/999999999999", "/gemeinden/abc", "/gemeinden/99999999", "/kreise/99999", "/kreise/1"} {
		servertest.GetDoc(t, app, bad, http.StatusNotFound)
	}
}

// The Kreis and Gemeinde pages draw the Gemeinden of the Kreis, zoomed to
// them: filled with an own adoption, open without, the page's own on top.
func TestOrganisationMaps(t *testing.T) {
	app, _ := servertest.Shared(t)
	type point struct{ class, title string }
	mapOf := func(path string, zoomed bool) (string, []point) {
		t.Helper()
		doc, _ := servertest.GetDoc(t, app, path, http.StatusOK)
		svg := doc.Find(servertest.TID("map") + " svg.map__svg")
		if svg.Length() != 1 {
			t.Fatalf("%s: %d maps", path, svg.Length())
		}
		var pts []point
		svg.Find(servertest.TID("map-point")).Each(func(_ int, p *goquery.Selection) {
			class, _ := p.Attr("class")
			if r, _ := p.Attr("r"); zoomed && r == "4.5" {
				t.Errorf("%s: point radius not scaled to the zoom", path)
			}
			pts = append(pts, point{strings.TrimPrefix(class, "map__point "), servertest.Text(p.Find("title"))})
		})
		vb, _ := svg.Attr("viewBox")
		return vb, pts
	}
	germany, _ := mapOf("/laender/05", false)

	vb, pts := mapOf("/kreise/01056", true) // Pinneberg: 49 Gemeinden, Helgoland far out at sea
	if vb == germany || len(pts) != 49 {
		t.Fatalf("Pinneberg: viewBox %q (Germany %q), %d points", vb, germany, len(pts))
	}
	var adopted []string
	for _, p := range pts {
		if p.class == "map-point--adopted" {
			adopted = append(adopted, p.title)
		} else if p.class != "map-point--none" || !strings.HasSuffix(p.title, ": keine eigene Nachnutzung") {
			t.Errorf("Pinneberg point %+v", p)
		}
	}
	if !cmp.Equal(adopted, []string{"Pinneberg, Stadt: 1 eigene Nachnutzung"}) {
		t.Errorf("Pinneberg adopting Gemeinden: %q", adopted)
	}
	var x0, y0, w, h float64
	if n, err := fmt.Sscanf(vb, "%f %f %f %f", &x0, &y0, &w, &h); n != 4 || err != nil {
		t.Fatalf("Pinneberg viewBox %q: %v", vb, err)
	}
	if w > 60 {
		t.Errorf("Pinneberg's view is %.1f wide: Helgoland should not widen it", w)
	}

	_, pts = mapOf("/gemeinden/064360007007", true) // Hofheim among the 12 Gemeinden of the Main-Taunus-Kreis
	if len(pts) != 12 {
		t.Fatalf("Main-Taunus-Kreis: %d points", len(pts))
	}
	if last := pts[len(pts)-1]; last != (point{"map-point--adopted map-point--self", "diese Gemeinde – Hofheim am Taunus, Kreisstadt: 1 eigene Nachnutzung"}) {
		t.Errorf("the page's own Gemeinde, drawn last: %+v", last)
	}
}

func TestComparePage(t *testing.T) {
	app, _ := servertest.Shared(t)
	for _, target := range []string{"/vergleich?l=elster,wohngeld-online", "/vergleich?l=elster&l=wohngeld-online"} {
		doc, _ := servertest.GetDoc(t, app, target, http.StatusOK)
		names := servertest.Texts(doc.Find(servertest.TID("compare-solution")))
		want := []string{"ELSTER (u. a. Grundsteuer-/Einkommensteuererklärung)", "Wohngeld (Online-Wohngeldantrag)"}
		if !cmp.Equal(names, want) {
			t.Errorf("%s: solutions = %q", target, names)
		}
		head := servertest.Texts(doc.Find(servertest.TID("compare-table") + " thead th"))
		if !cmp.Equal(head, append([]string{"Merkmal"}, want...)) {
			t.Errorf("%s: head = %q", target, head)
		}
		row := func(key string) []string {
			return servertest.Texts(doc.Find(servertest.TID("compare-table") + ` tbody tr[data-field="` + key + `"] td`))
		}
		if got := row("provider"); !cmp.Equal(got, []string{"Bayern", "Schleswig-Holstein"}) {
			t.Errorf("Anbieter row = %q", got)
		}
		if got := row("verified"); !cmp.Equal(got, []string{"teilweise geprüft", "geprüft"}) {
			t.Errorf("Prüfstand row = %q", got)
		}
		if got := row("adoptions"); !cmp.Equal(got, []string{"15", "7"}) {
			t.Errorf("Nachnutzungen row = %q", got)
		}
		// Rows whose values differ are marked in words, not by colour alone; equal rows are not.
		doc.Find(servertest.TID("compare-row")).Each(func(_ int, r *goquery.Selection) {
			vals := servertest.Texts(r.Find("td"))
			differs := vals[0] != vals[1]
			_, marked := r.Attr("data-differs")
			if marked != differs || strings.Contains(r.Find("th").Text(), "unterschiedlich") != differs {
				t.Errorf("row %s %q: marked %v, differs %v", r.AttrOr("data-field", ""), vals, marked, differs)
			}
		})
		if doc.Find(servertest.TID("compare-table")+" [data-differs]").Length() == 0 || doc.Find(servertest.TID("compare-table")+" tbody tr:not([data-differs])").Length() == 0 {
			t.Error("expected both differing and equal rows")
		}
		if doc.Find(servertest.TID("compare-problems")).Length() != 0 {
			t.Errorf("unexpected problems: %q", servertest.Text(doc.Find(servertest.TID("compare-problems"))))
		}
	}

	// The picker: four select lists of all 50 solutions, the chosen ones selected.
	doc, _ := servertest.GetDoc(t, app, "/vergleich?l=elster", http.StatusOK)
	selects := doc.Find(servertest.TID("compare-form") + " select[name=l]")
	if selects.Length() != 4 || selects.First().Find("option").Length() != 51 {
		t.Errorf("picker: %d selects, %d options", selects.Length(), selects.First().Find("option").Length())
	}
	if v, _ := selects.First().Find("option[selected]").Attr("value"); v != "elster" {
		t.Errorf("first slot = %q", v)
	}
	if doc.Find(servertest.TID("compare-one")).Length() != 1 || doc.Find(servertest.TID("compare-table")).Length() != 0 {
		t.Error("one solution should ask for a second, not show a table")
	}

	// Bad input: a friendly page with what could not be used, never a 500.
	doc, _ = servertest.GetDoc(t, app, "/vergleich?l=elster,gibt-es-nicht,Kaputt!,wohngeld-online,elster", http.StatusBadRequest)
	problems := servertest.Texts(doc.Find(servertest.TID("compare-problems") + " li"))
	want := []string{"„Kaputt!“ ist keine gültige Kurzbezeichnung einer Lösung.", "Die Lösung „gibt-es-nicht“ gibt es nicht (mehr)."}
	if !cmp.Equal(problems, want) {
		t.Errorf("problems = %q", problems)
	}
	if n := doc.Find(servertest.TID("compare-solution")).Length(); n != 2 {
		t.Errorf("compared %d solutions, want the 2 valid ones", n)
	}
	doc, _ = servertest.GetDoc(t, app, "/vergleich?l=elster,wohngeld-online,elfe,sozialplattform-wohngeld,unterhaltsvorschuss-online", http.StatusBadRequest)
	if n := doc.Find(servertest.TID("compare-solution")).Length(); n != 4 || !strings.Contains(servertest.Text(doc.Find(servertest.TID("compare-problems"))), "höchstens 4") {
		t.Errorf("five solutions: %d compared, problems %q", n, servertest.Text(doc.Find(servertest.TID("compare-problems"))))
	}
}

func TestLegalPages(t *testing.T) {
	app, _ := servertest.Shared(t)
	pages := map[string]string{
		"/impressum":        "Impressum",
		"/datenschutz":      "Datenschutz",
		"/barrierefreiheit": "Erklärung zur Barrierefreiheit",
		"/datenquellen":     "Datenquellen und Lizenzen",
	}
	for path, h1 := range pages {
		doc, _ := servertest.GetDoc(t, app, path, http.StatusOK)
		if got := servertest.Text(doc.Find("h1")); got != h1 {
			t.Errorf("%s: h1 = %q", path, got)
		}
		if href, _ := doc.Find(`footer a[aria-current="page"]`).Attr("href"); href != path {
			t.Errorf("%s: footer marks %q as current", path, href)
		}
	}
	doc, _ := servertest.GetDoc(t, app, "/datenquellen", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("destatis-attribution"))); !strings.Contains(got, "© Statistisches Bundesamt (Destatis)") ||
		!strings.Contains(got, "Datenlizenz Deutschland – Namensnennung – Version 2.0") {
		t.Errorf("Destatis attribution = %q", got)
	}
	if n := doc.Find(servertest.TID("sources-table") + " tbody tr").Length(); n != 7 {
		t.Errorf("sources = %d rows", n)
	}
	// The default estimate of the Digitalisierungsrendite is shown with its public sources.
	if est := doc.Find(servertest.TID("estimate-sources")); !strings.Contains(est.Text(), "2.705.882 €") || est.Find(`a[href^="https://"]`).Length() != 2 {
		t.Errorf("estimate sources = %q", servertest.Text(est))
	}
	// Without operator details the pages say so instead of inventing them.
	doc, _ = servertest.GetDoc(t, app, "/impressum", http.StatusOK)
	if doc.Find(servertest.TID("operator-missing")).Length() != 1 || doc.Find(servertest.TID("operator")).Length() != 0 {
		t.Error("unconfigured operator not flagged")
	}
	configured := server.New(server.Deps{Store: storetest.Seeded(t), Version: "1.2.3",
		Operator: views.Operator{Name: "Landesamt für Digitales", Address: "Musterweg 1\n12345 Musterstadt", Email: "efa@land.example"}})
	for _, path := range []string{"/impressum", "/datenschutz", "/barrierefreiheit"} {
		doc, _ := servertest.GetDoc(t, configured, path, http.StatusOK)
		op := doc.Find(servertest.TID("operator"))
		if !strings.Contains(servertest.Text(op), "Landesamt für Digitales") || op.Find(`a[href="mailto:efa@land.example"]`).Length() != 1 {
			t.Errorf("%s: operator = %q", path, servertest.Text(op))
		}
	}
	doc, _ = servertest.GetDoc(t, configured, "/impressum", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("version"))); got != "1.2.3" {
		t.Errorf("version = %q", got)
	}
}

func TestCatalogue(t *testing.T) {
	app, st := servertest.Shared(t)
	ctx := context.Background()
	doc, _ := servertest.GetDoc(t, app, "/loesungen", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("result-count"))); got != "50 Lösungen gefunden" {
		t.Errorf("count = %q", got)
	}
	if n := doc.Find(servertest.TID("results") + " " + servertest.TID("solution-item")).Length(); n != 20 {
		t.Errorf("first page = %d items", n)
	}
	last := doc.Find(servertest.TID("pagination") + ` a[aria-label="Seite 3 (letzte)"], ` + servertest.TID("pagination") + ` a[aria-label="Seite 3"]`)
	if href, _ := last.First().Attr("href"); href != "/loesungen?seite=3" {
		t.Errorf("link to page 3 = %q", href)
	}
	// Sorted by name without a search text.
	names := servertest.Texts(doc.Find(servertest.TID("results") + " " + servertest.TID("solution-link")))
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(fold(a), fold(b)) }) {
		t.Errorf("not sorted by name: %q", names)
	}

	doc, _ = servertest.GetDoc(t, app, "/loesungen?q=Wohngeld", http.StatusOK)
	first := servertest.Text(doc.Find(servertest.TID("results") + " " + servertest.TID("solution-link")).First())
	if !strings.Contains(first, "Wohngeld") {
		t.Errorf("first hit for Wohngeld = %q", first)
	}
	if v, _ := doc.Find(servertest.TID("catalogue-q")).Attr("value"); v != "Wohngeld" {
		t.Errorf("search box keeps %q", v)
	}
	if sel, _ := doc.Find(servertest.TID("catalogue-sort") + " option[selected]").Attr("value"); sel != "relevanz" {
		t.Errorf("sort with text = %q, want relevanz", sel)
	}

	// A facet narrows the list; its count matches the database.
	live, err := st.FindSolutions(ctx, store.SolutionFilter{Status: catalog.SolutionLive, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen", http.StatusOK)
	opt := doc.Find("#f-status-live")
	if label := servertest.Text(doc.Find(`label[for="f-status-live"]`)); label != "in Betrieb ("+strconv.Itoa(int(live.Total))+" Treffer)" {
		t.Errorf("facet label = %q, want %d live", label, live.Total)
	}
	if opt.Length() != 1 {
		t.Fatal("no facet checkbox for status live")
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?status=live", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("result-count"))); got != strconv.Itoa(int(live.Total))+" Lösungen gefunden" {
		t.Errorf("count with status=live = %q", got)
	}
	if _, ok := doc.Find("#f-status-live").Attr("checked"); !ok {
		t.Error("selected facet is not checked")
	}
	chip := doc.Find(servertest.TID("chip"))
	if href, _ := chip.Attr("href"); servertest.Text(chip) != "Status: in Betrieb × (Filter entfernen)" || href != "/loesungen" {
		t.Errorf("chip = %q -> %q", servertest.Text(chip), href)
	}
	doc.Find(servertest.TID("results") + " " + servertest.TID("solution-status")).Each(func(_ int, s *goquery.Selection) {
		if servertest.Text(s) != "in Betrieb" {
			t.Errorf("status=live lists a solution with status %q", servertest.Text(s))
		}
	})

	// Two filters, a text and a sort: the links keep the whole state.
	doc, _ = servertest.GetDoc(t, app, "/loesungen?status=live&anbieter=05&anbieter=01&q=Wohngeld&sortierung=nachnutzungen", http.StatusOK)
	var chipURLs []string
	doc.Find(servertest.TID("chip")).Each(func(_ int, c *goquery.Selection) {
		href, _ := c.Attr("href")
		chipURLs = append(chipURLs, href)
	})
	for _, u := range chipURLs {
		parsed, _ := url.Parse(u)
		if parsed.Query().Get("sortierung") != "nachnutzungen" {
			t.Errorf("chip link %q drops the sort", u)
		}
	}
	if len(chipURLs) != 4 {
		t.Errorf("chips = %q, want text, status and two providers", chipURLs)
	}

	// htmx: the result region only, the count out of band, the canonical URL for the history.
	_, rec := servertest.GetDoc(t, app, "/loesungen?q=&status=live&sortierung=name&open_source=", http.StatusOK, "HX-Request", "true")
	body := rec.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "<main") || !strings.Contains(body, `hx-swap-oob="true"`) {
		t.Errorf("htmx answer is not the bare region: %.200q", body)
	}
	if got := rec.Header().Get("HX-Push-Url"); got != "/loesungen?status=live" {
		t.Errorf("HX-Push-Url = %q", got)
	}
	if rec.Header().Get("Vary") == "" {
		t.Error("no Vary header on a page that differs for htmx")
	}
}

func TestCatalogueBadParameters(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := servertest.GetDoc(t, app, "/loesungen?seite=abc&status=kaputt&reifegrad=9&anbieter=17&themenfeld=999&land=DE&open_source=vielleicht&sortierung=zufall", http.StatusBadRequest)
	problems := servertest.Texts(doc.Find(servertest.TID("catalogue-problems") + " li"))
	for _, param := range []string{"seite", "status", "reifegrad", "anbieter", "themenfeld", "land", "open_source", "sortierung"} {
		found := false
		for _, p := range problems {
			found = found || strings.Contains(p, "Parameter „"+param+"“")
		}
		if !found {
			t.Errorf("no notice about %s in %q", param, problems)
		}
	}
	// The usable rest still works: the whole catalogue.
	if got := servertest.Text(doc.Find(servertest.TID("result-count"))); got != "50 Lösungen gefunden" {
		t.Errorf("count = %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?seite=99", http.StatusBadRequest)
	if got := servertest.Text(doc.Find(servertest.TID("catalogue-problems"))); !strings.Contains(got, "Seite 99 gibt es nicht") {
		t.Errorf("page 99 notice = %q", got)
	}
	if cur := servertest.Text(doc.Find(".pagination__current")); cur != "Seite 3" {
		t.Errorf("shown page = %q, want the last", cur)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?seite=100000", http.StatusBadRequest)
	if got := servertest.Text(doc.Find(servertest.TID("catalogue-problems"))); !strings.Contains(got, "ersten 10.000 Treffer") {
		t.Errorf("deep page notice = %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen?q="+url.QueryEscape(strings.Repeat("Wohngeld ", 40)), http.StatusBadRequest)
	if got := servertest.Text(doc.Find(servertest.TID("catalogue-problems"))); !strings.Contains(got, "zu lang") {
		t.Errorf("long query notice = %q", got)
	}
	// Search unavailable: a 503 page in the layout, not a crash.
	noSearch := server.New(server.Deps{Store: storetest.Seeded(t), Version: "test"})
	doc, _ = servertest.GetDoc(t, noSearch, "/loesungen", http.StatusServiceUnavailable)
	if doc.Find("main h1").Length() != 1 {
		t.Error("503 without layout")
	}
}

func TestNotFoundPages(t *testing.T) {
	app, _ := servertest.Shared(t)
	for _, target := range []string{"/loesungen/gibt-es-nicht", "/loesungen/Kaputt!", "/leistungen/99999", "/leistungen/123", "/leistungen/abcde",
		"/gibt-es-nicht"} {
		doc, _ := servertest.GetDoc(t, app, target, http.StatusNotFound)
		if doc.Find("main#inhalt").Length() != 1 || !strings.Contains(servertest.Text(doc.Find("main")), "nicht gefunden") {
			t.Errorf("%s: 404 page without layout or message", target)
		}
		if servertest.Text(doc.Find("h1")) != "Nicht gefunden" {
			t.Errorf("%s: h1 = %q", target, servertest.Text(doc.Find("h1")))
		}
	}
}

// pageTargets are one page of every type, for the checks all pages share.
var pageTargets = []string{
	"/", "/loesungen", "/loesungen?q=Wohngeld&status=live", "/loesungen/wohngeld-online", "/loesungen/elster",
	"/leistungen/10092", "/themenfelder", "/themenfelder/1", "/laender", "/laender/05", "/kreise/05162",
	"/gemeinden/064360007007", "/vergleich", "/vergleich?l=elster,wohngeld-online", "/impressum", "/datenschutz",
	"/barrierefreiheit", "/datenquellen", "/gibt-es-nicht",
}

var reID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_:.-]*$`)

func TestEveryPageFollowsTheRules(t *testing.T) {
	app, _ := servertest.Shared(t)
	for _, target := range pageTargets {
		want := http.StatusOK
		if target == "/gibt-es-nicht" {
			want = http.StatusNotFound
		}
		doc, rec := servertest.GetDoc(t, app, target, want)
		body := rec.Body.String()
		// The CSP forbids inline styles and scripts.
		if doc.Find("[style]").Length() > 0 || strings.Contains(body, " style=") {
			t.Errorf("%s: inline style", target)
		}
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/") {
				t.Errorf("%s: inline or foreign script %q", target, src)
			}
		})
		// Pages make no request to any other host.
		doc.Find("[src], link[href]").Each(func(_ int, s *goquery.Selection) {
			for _, attr := range []string{"src", "href"} {
				if v, ok := s.Attr(attr); ok && !strings.HasPrefix(v, "/") {
					t.Errorf("%s: %s=%q loads from elsewhere", target, attr, v)
				}
			}
		})
		if n := doc.Find("h1").Length(); n != 1 {
			t.Errorf("%s: %d h1", target, n)
		}
		if doc.Find("title").Text() == "" || doc.Find("main#inhalt").Length() != 1 || doc.Find(`a.skip-link[href="#inhalt"]`).Length() != 1 {
			t.Errorf("%s: title, main landmark or skip link missing", target)
		}
		seen := map[string]bool{}
		doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			if seen[id] || !reID.MatchString(id) {
				t.Errorf("%s: duplicate or malformed id %q", target, id)
			}
			seen[id] = true
		})
		// Every form control has a label.
		doc.Find("input:not([type=hidden]), select").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("%s: control %q without exactly one label", target, id)
			}
		})
	}
}

func fold(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "Ä", "a", "Ö", "o", "Ü", "u").Replace(strings.ToLower(s))
}
