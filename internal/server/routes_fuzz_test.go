package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// fuzzApp is the real router over a seeded database with a real search
// index and insight engine, wired as efa serve wires them.
func fuzzApp(f *testing.F) (*echo.Echo, *store.Store) {
	f.Helper()
	st := storetest.Seeded(f)
	ix, err := search.Open(context.Background(), filepath.Join(f.TempDir(), "index"), st, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ix.Close() })
	eng, err := insights.Open(context.Background(), st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		f.Fatal(err)
	}
	return server.New(server.Deps{Store: st, Search: ix, Insights: eng, Version: "fuzz"}), st
}

// getRoutes lists the GET route templates of the app, sorted, so a fuzz
// input's route number always means the same route. New routes are fuzzed
// as soon as they are registered.
func getRoutes(e *echo.Echo) []string {
	var out []string
	for _, r := range e.Routes() {
		if r.Method == http.MethodGet {
			out = append(out, r.Path)
		}
	}
	sort.Strings(out)
	return out
}

// fill replaces the :params and * of a route template with param.
func fill(tmpl, param string) string {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || s == "*" || strings.HasSuffix(s, "*") {
			segs[i] = strings.TrimSuffix(s, "*") + url.PathEscape(param)
			if strings.HasPrefix(s, ":") {
				segs[i] = url.PathEscape(param)
			}
		}
	}
	return strings.Join(segs, "/")
}

// checkAnswer fails on a server error, a missing security header, or an API
// error that is not a problem document.
func checkAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s %s = %d: %.300s", req.Method, req.URL, rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("%s %s: no Content-Security-Policy", req.Method, req.URL)
	}
	if strings.HasPrefix(req.URL.Path, "/api/") && rec.Code >= 400 && rec.Code != http.StatusNotFound &&
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s %s = %d with %q, want application/problem+json", req.Method, req.URL, rec.Code, rec.Header().Get("Content-Type"))
	}
}

// FuzzGETRoutes sends every GET route (search, catalogue, solution, Land,
// API lists, lookups, …) fuzzed path parameters and query strings: the
// parameters of outside input. No input may cause a server error.
func FuzzGETRoutes(f *testing.F) {
	app, _ := fuzzApp(f)
	routes := getRoutes(app)
	seeds := []struct {
		path, param, query string
	}{
		{"/api/v1/search", "", "q=Wohngeld&type=solution&provider=05,06&sort=adoptions&page=2&limit=10"},
		{"/api/v1/search", "", "q=%C3%BCbergabe&type=service&topicField=3"},
		{"/api/v1/search", "", "page=99999999999999999999&limit=-1"},
		{"/api/v1/search", "", "adoptedIn=99&maturity=9&openSource=vielleicht&status=x"},
		{"/api/v1/organisations/lookup", "", "q=Kiel&limit=5"},
		{"/api/v1/organisations/lookup", "", "q=%FF%FE"},
		{"/loesungen", "", "q=Kindergeld&status=live&sortierung=name&seite=3&land=06&open_source=ja&reifegrad=3"},
		{"/loesungen", "", "themenfeld=0&anbieter=DE&anbieter=17&sortierung=x&seite=-1"},
		{"/loesungen/:slug", "elfe", ""},
		{"/loesungen/:slug", "../../etc/passwd", ""},
		{"/laender/:code", "06", ""},
		{"/laender/:code", "6", "x=1"},
		{"/gemeinden/:ars", "031010000000", ""},
		{"/kreise/:key", "03101", ""},
		{"/leistungen/:id", "10003", ""},
		{"/vergleich", "", "l=elfe&l=elfe&l=x&l=" + strings.Repeat("a", 300)},
		{"/api/v1/solutions", "", "limit=100&page=1&sort=updated"},
		{"/api/v1/changes", "", "after=-1&limit=0"},
		{"/api/v1/export", "", ""},
		{"/static*", "css/app.css", ""},
	}
	for _, s := range seeds {
		for i, r := range routes {
			if r == s.path {
				f.Add(uint16(i), s.param, s.query)
			}
		}
	}
	f.Add(uint16(0), "", "")
	f.Fuzz(func(t *testing.T, route uint16, param, query string) {
		if len(routes) == 0 {
			t.Skip()
		}
		tmpl := routes[int(route)%len(routes)]
		// net/http refuses request lines with control characters or spaces,
		// so no handler ever sees them.
		if strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = ""
		req.URL.RawPath = ""
		u, err := url.Parse(fill(tmpl, param))
		if err != nil {
			return
		}
		req.URL = u
		req.URL.RawQuery = query
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		checkAnswer(t, req, rec)
	})
}

// FuzzAPIWriteBodies sends fuzzed JSON bodies to the write API with a valid
// token: POST /api/v1/adoptions and PATCH /api/v1/adoptions/{id}. Bad
// bodies get 4xx problem documents, never a server error.
func FuzzAPIWriteBodies(f *testing.F) {
	app, st := fuzzApp(f)
	ctx := context.Background()
	const ars = "031010000000"
	org, err := st.OrganisationByKey(ctx, catalog.KindGemeinde, ars)
	if err != nil {
		f.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "fuzz", store.NewUser{Name: "Fuzz", Email: "fuzz@example.org",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: ars, Role: catalog.RoleEditor}}})
	if err != nil {
		f.Fatal(err)
	}
	secret, hash, err := auth.NewSecret("efa_")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "fuzz", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "fuzz",
		Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		f.Fatal(err)
	}
	a, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("fuzz"), store.AdoptionInput{SolutionSlug: "elfe", AdopterKind: catalog.KindGemeinde, AdopterKey: ars,
		Adoption: catalog.Adoption{Status: catalog.AdoptionInterested}})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range []string{
		`{"solution": "elfe", "adopterKind": "gemeinde", "adopterKey": "031010000000", "status": "live", "since": "2026-11"}`,
		`{"solution": "elfe", "adopterKind": "gemeinde", "adopterKey": "031010000000", "status": "interested"}`,
		`{"status": "ended", "note": "` + strings.Repeat("ä", 1200) + `"}`,
		`{"solution": null, "adopterKind": 5, "status": ["live"]}`,
		`{"since": "2026-02-30", "contractType": "\u0000"}`,
		`{"solution": "elfe"`,
		`[]`, `null`, `"x"`, ``,
		`{"solution": "elfe", "solution": "andere", "adopterKind": "kreis", "adopterKey": "03101", "status": "live"}`,
	} {
		f.Add(false, []byte(b))
		f.Add(true, []byte(b))
	}
	f.Fuzz(func(t *testing.T, patch bool, body []byte) {
		method, target := http.MethodPost, "/api/v1/adoptions"
		if patch {
			method, target = http.MethodPatch, fmt.Sprintf("/api/v1/adoptions/%d", a.ID)
		}
		req := httptest.NewRequest(method, target, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		checkAnswer(t, req, rec)
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusUnauthorized {
			t.Fatalf("%s %s = %d: the adoption or the token got lost: %s", method, target, rec.Code, rec.Body.String())
		}
	})
}
