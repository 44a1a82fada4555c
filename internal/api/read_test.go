package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/insights"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// TestOpenAPIDocumentCoversEveryRoute: the document is valid OpenAPI 3.1,
// and the API routes of the router and the paths of the document are the
// same set, so no endpoint is undocumented and none documented is missing.
func TestOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	doc, _ := spec(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	app, _ := servertest.Shared(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range app.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && r.Path != "/feed.json" && r.Path != "/feed.atom" {
			continue
		}
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "*") || r.Path == "/api/v1" {
			continue
		}
		// Echo writes path parameters as :name, OpenAPI as {name}.
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		routed[r.Method+" "+strings.Join(parts, "/")] = true
	}
	for k := range routed {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !routed[k] {
			t.Errorf("openapi.json documents %s, which no route serves", k)
		}
	}
	if len(routed) < 20 {
		t.Errorf("only %d API routes found: %v", len(routed), routed)
	}
}

type listOf[T any] struct {
	Total int `json:"total"`
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Items []T `json:"items"`
}

func TestAPISolutions(t *testing.T) {
	app, st := servertest.Shared(t)
	cl := newClient(t, app)
	ctx := context.Background()
	all, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var p listOf[feed.Solution]
	cl.json("/api/v1/solutions?sort=name", http.StatusOK, &p)
	if p.Total != len(all) || p.Page != 1 || p.Limit != 20 || len(p.Items) != 20 {
		t.Fatalf("first page: total %d page %d limit %d items %d", p.Total, p.Page, p.Limit, len(p.Items))
	}
	// The last page holds the rest.
	var last listOf[feed.Solution]
	cl.json("/api/v1/solutions?sort=name&page=3", http.StatusOK, &last)
	if len(last.Items) != len(all)-40 {
		t.Errorf("page 3 has %d items, want %d", len(last.Items), len(all)-40)
	}

	// Without q and sort: by name.
	var byDefault listOf[feed.Solution]
	cl.json("/api/v1/solutions?limit=100", http.StatusOK, &byDefault)
	names := make([]string, len(byDefault.Items))
	for i, s := range byDefault.Items {
		names[i] = s.Name
	}
	if len(names) != len(all) || !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(collate(a), collate(b)) }) {
		t.Errorf("default order is not by name: %v", names)
	}

	// Filter by provider: the same set the database holds.
	want := map[string]bool{}
	for _, s := range all {
		if s.Provider != nil && s.Provider.Kind == catalog.KindLand && s.Provider.Key == "06" {
			want[s.Slug] = true
		}
	}
	var hessen listOf[feed.Solution]
	cl.json("/api/v1/solutions?provider=06&limit=100", http.StatusOK, &hessen)
	if hessen.Total != len(want) || len(hessen.Items) != len(want) || len(want) == 0 {
		t.Errorf("provider=06: %d solutions, want %d", hessen.Total, len(want))
	}
	for _, s := range hessen.Items {
		if !want[s.Slug] || s.Provider == nil || s.Provider.URN != catalog.ARSURNPrefix+"060000000000" {
			t.Errorf("provider=06 returned %s by %+v", s.Slug, s.Provider)
		}
	}

	// One solution: the same facts the database holds.
	sol := all[0]
	var one feed.Solution
	cl.json("/api/v1/solutions/"+sol.Slug, http.StatusOK, &one)
	if one.Slug != sol.Slug || one.Name != sol.Name || one.Verified != string(sol.Verified) || len(one.OZGIDs) != len(sol.Services) {
		t.Errorf("solution %s = %+v", sol.Slug, one)
	}
	cl.json("/api/v1/solutions/gibt-es-nicht", http.StatusNotFound, nil)

	// Its adoptions.
	adoptions, _, err := st.FindAdoptions(ctx, store.AdoptionsWhere{SolutionSlug: sol.Slug})
	if err != nil {
		t.Fatal(err)
	}
	var ap listOf[feed.Adoption]
	cl.json("/api/v1/solutions/"+sol.Slug+"/adoptions", http.StatusOK, &ap)
	if ap.Total != len(adoptions) || len(ap.Items) != len(adoptions) {
		t.Errorf("%s has %d adoptions in the API, %d in the database", sol.Slug, ap.Total, len(adoptions))
	}
	cl.json("/api/v1/solutions/gibt-es-nicht/adoptions", http.StatusNotFound, nil)

	// Malformed parameters are named.
	cl.badParam("/api/v1/solutions?limit=0", "limit")
	cl.badParam("/api/v1/solutions?limit=abc", "limit")
	cl.badParam("/api/v1/solutions?provider=17", "provider")
	cl.badParam("/api/v1/solutions?maturity=5", "maturity")
	cl.badParam("/api/v1/solutions?sort=beliebt", "sort")
	cl.badParam("/api/v1/solutions/Kein_Slug", "slug")
	cl.badParam("/api/v1/solutions/x/adoptions?page=0", "page")
}

func TestAPIAdoptionsByOrganisationAndLand(t *testing.T) {
	app, st := servertest.Shared(t)
	cl := newClient(t, app)
	ctx := context.Background()
	x, err := st.Export(ctx, timeNow(), 0)
	if err != nil {
		t.Fatal(err)
	}
	first := x.Adoptions[0]
	var one feed.Adoption
	cl.json("/api/v1/adoptions/"+feed.AdoptionID(first.ID), http.StatusOK, &one)
	if one.Solution != first.Solution.Slug || one.Adopter.Key != first.Organisation.Key || one.Status != string(first.Status) {
		t.Errorf("adoption %d = %+v", first.ID, one)
	}
	cl.json("/api/v1/adoptions/999999", http.StatusNotFound, nil)
	cl.badParam("/api/v1/adoptions/abc", "id")

	org := first.Organisation
	var byOrg listOf[feed.Adoption]
	cl.json("/api/v1/organisations/"+string(org.Kind)+"/"+org.Key+"/adoptions", http.StatusOK, &byOrg)
	n := 0
	for _, a := range x.Adoptions {
		if a.OrganisationID == first.OrganisationID {
			n++
		}
	}
	if byOrg.Total != n || len(byOrg.Items) != n {
		t.Errorf("adoptions of %s: %d, want %d", org.Key, byOrg.Total, n)
	}

	// By Land: everything adopted by the Land, its Kreise and Gemeinden, paged.
	perLand := map[string]int{}
	for _, a := range x.Adoptions {
		perLand[a.Organisation.LandKey]++
	}
	var land string
	for k, v := range perLand {
		if v > perLand[land] || land == "" {
			land = k
		}
	}
	var byLand listOf[feed.Adoption]
	cl.json("/api/v1/states/"+land+"/adoptions?limit=2", http.StatusOK, &byLand)
	if byLand.Total != perLand[land] || len(byLand.Items) != min(2, perLand[land]) || byLand.Limit != 2 {
		t.Errorf("adoptions in Land %s: total %d items %d, want %d", land, byLand.Total, len(byLand.Items), perLand[land])
	}
	for _, a := range byLand.Items {
		if a.Adopter.LandKey != land {
			t.Errorf("adoption %s of %s listed under Land %s", a.ID, a.Adopter.ID, land)
		}
	}
	cl.badParam("/api/v1/states/17/adoptions", "key")
	cl.badParam("/api/v1/states/06/adoptions?limit=5000", "limit")
}

func TestAPICatalogue(t *testing.T) {
	app, st := servertest.Shared(t)
	cl := newClient(t, app)
	ctx := context.Background()

	var wohngeld struct {
		feed.Service
		Solutions []struct{ Slug, Name string } `json:"solutions"`
	}
	cl.json("/api/v1/services/10092", http.StatusOK, &wohngeld)
	if wohngeld.Name != "Wohngeld" || len(wohngeld.Leika) == 0 {
		t.Fatalf("10092 = %+v", wohngeld.Service)
	}
	for _, l := range wohngeld.Leika {
		if l.Key != "" && l.URN != catalog.LeikaURNPrefix+l.Key {
			t.Errorf("LeiKa %s has URN %q", l.Key, l.URN)
		}
	}
	covering, err := st.SolutionsByService(ctx, "10092")
	if err != nil {
		t.Fatal(err)
	}
	if len(wohngeld.Solutions) != len(covering) || len(covering) == 0 {
		t.Errorf("Wohngeld is covered by %d solutions in the API, %d in the database", len(wohngeld.Solutions), len(covering))
	}
	cl.json("/api/v1/services/99999", http.StatusNotFound, nil)
	cl.badParam("/api/v1/services/123", "ozgId")

	services, err := st.Services(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var topic uint = services[0].TopicFieldID
	n := 0
	for _, s := range services {
		if s.TopicFieldID == topic {
			n++
		}
	}
	var sp listOf[feed.Service]
	cl.json("/api/v1/services?topicField="+itoa(int(topic))+"&limit=100", http.StatusOK, &sp)
	if sp.Total != n || len(sp.Items) != min(n, 100) {
		t.Errorf("services of Themenfeld %d: %d, want %d", topic, sp.Total, n)
	}
	var all listOf[feed.Service]
	cl.json("/api/v1/services", http.StatusOK, &all)
	if all.Total != 557 || len(all.Items) != 20 || all.Items[0].OZGID >= all.Items[1].OZGID {
		t.Errorf("services: total %d, %d items", all.Total, len(all.Items))
	}
	cl.badParam("/api/v1/services?topicField=x", "topicField")

	var topics listOf[feed.TopicField]
	cl.json("/api/v1/topic-fields", http.StatusOK, &topics)
	if topics.Total != 14 || len(topics.Items) != 14 {
		t.Errorf("topic fields: %d", topics.Total)
	}
}

func TestAPIOrganisationsAndStates(t *testing.T) {
	app, st := servertest.Shared(t)
	cl := newClient(t, app)
	ctx := context.Background()

	var kreise listOf[feed.Organisation]
	cl.json("/api/v1/organisations?kind=kreis&land=06&limit=5", http.StatusOK, &kreise)
	if kreise.Total != 26 || len(kreise.Items) != 5 || kreise.Items[0].Key != "06411" || kreise.Items[0].URN != catalog.ARSURNPrefix+"064110000000" {
		t.Errorf("Kreise of Hessen: %+v", kreise)
	}
	var byAGS listOf[feed.Organisation]
	cl.json("/api/v1/organisations?ags=01001000", http.StatusOK, &byAGS)
	if byAGS.Total != 1 || byAGS.Items[0].ID != "gemeinde:010010000000" || !strings.HasPrefix(byAGS.Items[0].Name, "Flensburg") {
		t.Errorf("AGS 01001000: %+v", byAGS)
	}
	var flensburg feed.Organisation
	cl.json("/api/v1/organisations/gemeinde/010010000000", http.StatusOK, &flensburg)
	if flensburg.AGS != "01001000" || flensburg.Population <= 0 || flensburg.URN != catalog.ARSURNPrefix+"010010000000" || flensburg.Postcode == "" {
		t.Errorf("Flensburg = %+v", flensburg)
	}
	cl.json("/api/v1/organisations/gemeinde/019999999999", http.StatusNotFound, nil)
	cl.badParam("/api/v1/organisations?kind=dorf", "kind")
	cl.badParam("/api/v1/organisations?ars=123", "ars")
	cl.badParam("/api/v1/organisations?ags=0100100", "ags")
	cl.badParam("/api/v1/organisations?land=00", "land")
	cl.badParam("/api/v1/organisations/land/17", "key")
	cl.badParam("/api/v1/organisations/stadt/x", "kind")

	counts, err := st.CountsPerLand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var states listOf[feed.LandStats]
	cl.json("/api/v1/states", http.StatusOK, &states)
	if len(states.Items) != 16 {
		t.Fatalf("%d Länder", len(states.Items))
	}
	for i, s := range states.Items {
		c := counts[i]
		if s.Key != c.Land.Key || s.SolutionsProvided != c.Provided || s.AdoptionsMade != c.AdoptionsMade ||
			s.LiveAdoptionsMade != c.LiveAdoptionsMade || s.AdoptionsReceived != c.AdoptionsReceived ||
			s.AdoptingMunicipalities != c.AdoptingMunicipalities || s.URN != catalog.ARSURNPrefix+c.Land.Key+"0000000000" {
			t.Errorf("Land %s: API %+v, database %+v", c.Land.Key, s, c)
		}
	}

	var stats map[string]int
	cl.json("/api/v1/stats", http.StatusOK, &stats)
	if stats["solutions"] != 50 || stats["states"] != 16 {
		t.Errorf("stats = %v", stats)
	}
}

// TestAPISearchEndpointsConform checks the search helper's endpoints against
// the document this file's tests hold every endpoint to.
func TestAPISearchEndpointsConform(t *testing.T) {
	app, _ := servertest.Shared(t)
	cl := newClient(t, app)
	var res struct {
		Total int `json:"total"`
		Hits  []struct {
			Type, ID string
		} `json:"hits"`
	}
	cl.json("/api/v1/search?q=Wohngeld", http.StatusOK, &res)
	if res.Total == 0 || len(res.Hits) == 0 {
		t.Errorf("search Wohngeld: %+v", res)
	}
	cl.json("/api/v1/search?q=Wohngeld&type=service&limit=5", http.StatusOK, &res)
	if len(res.Hits) == 0 || res.Hits[0].Type != "service" {
		t.Errorf("service search: %+v", res)
	}
	var lookup struct {
		Hits []struct {
			Name string `json:"name"`
			URN  string `json:"urn"`
		} `json:"hits"`
	}
	cl.json("/api/v1/organisations/lookup?q=Flensburg", http.StatusOK, &lookup)
	if len(lookup.Hits) == 0 || !strings.HasPrefix(lookup.Hits[0].Name, "Flensburg") {
		t.Errorf("lookup Flensburg: %+v", lookup)
	}
	cl.badParam("/api/v1/search?q=x&type=alles", "type")
	cl.badParam("/api/v1/organisations/lookup?q=", "q")
}

func TestAPIExportGzipCORSAndDocument(t *testing.T) {
	app, st := servertest.Shared(t)
	cl := newClient(t, app)

	plain := cl.get("/api/v1/export")
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("export = %d %v", plain.Code, plain.Header())
	}
	var x struct {
		Cursor    string          `json:"cursor"`
		Solutions []feed.Solution `json:"solutions"`
		Adoptions []feed.Adoption `json:"adoptions"`
		Services  []feed.Service  `json:"services"`
	}
	if err := json.Unmarshal(plain.Body.Bytes(), &x); err != nil {
		t.Fatal(err)
	}
	head, _ := st.LastEventSeq(context.Background())
	if x.Cursor != feed.Cursor(head) || len(x.Solutions) != 50 || len(x.Adoptions) != 70 || len(x.Services) != 557 {
		t.Errorf("export: cursor %s (head %d), %d solutions, %d adoptions, %d services", x.Cursor, head, len(x.Solutions), len(x.Adoptions), len(x.Services))
	}

	zipped := cl.get("/api/v1/export", "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= plain.Body.Len()/3 {
		t.Fatalf("gzip export: %s, %d bytes vs %d", zipped.Header().Get("Content-Encoding"), zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("the gzip export differs from the plain one")
	}
	if zipped.Header().Get("ETag") == plain.Header().Get("ETag") || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("the gzip variant needs its own ETag and Vary: %v / %v", zipped.Header(), plain.Header())
	}
	if no := cl.get("/api/v1/export", "Accept-Encoding", "gzip;q=0"); no.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 must not get gzip")
	}

	// CORS: any origin may read; a preflight offers only safe methods.
	cors := cl.get("/api/v1/states", "Origin", "https://portal.example.org")
	if cors.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(cors.Header().Get("Access-Control-Expose-Headers"), "Etag") &&
		!strings.Contains(cors.Header().Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("CORS headers: %v", cors.Header())
	}
	if f := cl.get("/feed.json", "Origin", "https://portal.example.org"); f.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("feed CORS: %v", f.Header())
	}
	pre := httpDo(app, http.MethodOptions, "/api/v1/export", "Origin", "https://portal.example.org",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
	if pre.Code != http.StatusNoContent || !strings.Contains(pre.Header().Get("Access-Control-Allow-Methods"), "GET") ||
		strings.Contains(pre.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", pre.Code, pre.Header())
	}

	// The change feed refuses cursors it never handed out.
	cl.badParam("/api/v1/changes?after=abc", "after")
	cl.badParam("/api/v1/changes?after=-1", "after")
	cl.badParam("/api/v1/changes?after=999999999", "after")
	cl.badParam("/api/v1/changes?limit=1001", "limit")
	var cp struct {
		Changes []json.RawMessage `json:"changes"`
		Next    string            `json:"next"`
		More    bool              `json:"more"`
	}
	cl.json("/api/v1/changes?after="+x.Cursor, http.StatusOK, &cp)
	if len(cp.Changes) != 0 || cp.Next != x.Cursor || cp.More {
		t.Errorf("changes after the export's cursor on an unchanged register: %+v", cp)
	}

	// The document itself, cacheable.
	docRec := cl.get("/api/v1/openapi.json")
	if docRec.Code != 200 || !bytes.Equal(docRec.Body.Bytes(), api.OpenAPI) {
		t.Fatalf("openapi.json = %d", docRec.Code)
	}
	if again := cl.get("/api/v1/openapi.json", "If-None-Match", docRec.Header().Get("ETag")); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("openapi.json revalidation = %d, %d bytes", again.Code, again.Body.Len())
	}
}

func TestAPIPageListsEveryOperation(t *testing.T) {
	app, _ := servertest.Shared(t)
	doc, _ := spec(t)
	ops := 0
	for _, item := range doc.Paths.Map() {
		ops += len(item.Operations())
	}
	d, rec := servertest.GetDoc(t, app, "/api", http.StatusOK)
	if got := d.Find("#endpunkte ~ div table tbody tr").Length(); got != ops {
		t.Errorf("API page lists %d operations, the document has %d", got, ops)
	}
	if h1 := strings.TrimSpace(d.Find("h1").Text()); h1 != "Programmierschnittstelle (API)" {
		t.Errorf("h1 = %q", h1)
	}
	if d.Find(`a[href="/api/v1/openapi.json"]`).Length() == 0 || d.Find("main#inhalt").Length() != 1 {
		t.Error("link to openapi.json or main landmark missing")
	}
	var paths []string
	d.Find("#endpunkte ~ div table tbody th code").Each(func(_ int, s *goquery.Selection) { paths = append(paths, s.Text()) })
	if !contains(paths, "/api/v1/changes") || !contains(paths, "/api/v1/search") {
		t.Errorf("paths on the page: %v", paths)
	}
	if strings.Contains(rec.Body.String(), "style=") || strings.Contains(rec.Body.String(), "<script>") {
		t.Error("inline style or script on the API page")
	}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func timeNow() time.Time { return time.Now() }

// collate compares names the way a German reader sorts them: case and umlauts aside.
func collate(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "Ä", "a", "Ö", "o", "Ü", "u").Replace(strings.ToLower(s))
}

func itoa(n int) string { return strconv.Itoa(n) }

// httpDo makes an unvalidated request (for OPTIONS, which the document does not list).
func httpDo(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestAPIInsightsAndFilesConform calls the endpoints other parts of the
// register serve under /api/v1 (insights, spreadsheet and publiccode.yml
// exports) through the contract harness, so their answers cannot drift from
// the document either.
func TestAPIInsightsAndFilesConform(t *testing.T) {
	ctx := context.Background()
	_, st := servertest.Shared(t)
	eng, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, server.New(server.Deps{Store: st, Insights: eng, Version: "test"}))

	var board struct {
		Laender []struct {
			LandKey  string `json:"landKey"`
			Provided int    `json:"provided"`
		} `json:"states"`
	}
	cl.json("/api/v1/scoreboard", http.StatusOK, &board)
	if len(board.Laender) != 16 {
		t.Errorf("scoreboard has %d Länder", len(board.Laender))
	}
	cl.json("/api/v1/savings", http.StatusOK, nil)
	cl.json("/api/v1/savings?page=1&limit=5", http.StatusOK, nil)
	cl.json("/api/v1/savings?page=1000", http.StatusNotFound, nil)
	cl.badParam("/api/v1/savings?limit=1001", "limit")
	cl.badParam("/api/v1/savings?page=0", "page")
	var cov struct {
		OZGID string `json:"ozgId"`
	}
	cl.json("/api/v1/coverage/services/10092", http.StatusOK, &cov)
	if cov.OZGID != "10092" {
		t.Errorf("coverage = %+v", cov)
	}
	var spots struct {
		Total    int `json:"total"`
		Services []struct {
			OZGID string `json:"ozgId"`
		} `json:"services"`
	}
	cl.json("/api/v1/white-spots", http.StatusOK, &spots)
	if spots.Total == 0 || spots.Total != len(spots.Services) || spots.Total >= 557 {
		t.Errorf("white spots: %d of %d listed", spots.Total, len(spots.Services))
	}
	cl.json("/api/v1/demand?days=7", http.StatusOK, nil)

	for _, target := range []string{"/api/v1/export/solutions.csv", "/api/v1/export/solutions.xlsx",
		"/api/v1/export/adoptions.csv?land=05", "/api/v1/export/adoptions.xlsx"} {
		if rec := cl.get(target); rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			t.Errorf("%s = %d, %d bytes", target, rec.Code, rec.Body.Len())
		}
	}
	cl.badParam("/api/v1/export/adoptions.csv?land=99", "land")
	all, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rec := cl.get("/api/v1/solutions/" + all[0].Slug + "/publiccode.yml"); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "publiccodeYmlVersion") {
		t.Errorf("publiccode.yml = %d %.200s", rec.Code, rec.Body.String())
	}
}
