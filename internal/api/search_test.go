package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// newSearchApp returns the real router with a search index over a freshly
// seeded database.
func newSearchApp(t testing.TB) (http.Handler, *search.Index, *store.Store) {
	t.Helper()
	st := storetest.Seeded(t)
	ix, err := search.Open(context.Background(), filepath.Join(t.TempDir(), "index"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return server.New(server.Deps{Store: st, Search: ix, Version: "test"}), ix, st
}

type searchBody struct {
	Total   int  `json:"total"`
	Page    int  `json:"page"`
	Limit   int  `json:"limit"`
	Relaxed bool `json:"relaxed"`
	Hits    []struct {
		Type       string              `json:"type"`
		ID         string              `json:"id"`
		Name       string              `json:"name"`
		Score      float64             `json:"score"`
		Highlights map[string][]string `json:"highlights"`
	} `json:"hits"`
	Facets map[string][]struct {
		Value    string `json:"value"`
		Label    string `json:"label"`
		Count    int    `json:"count"`
		Selected bool   `json:"selected"`
	} `json:"facets"`
}

func (b searchBody) ids() []string {
	var out []string
	for _, h := range b.Hits {
		out = append(out, h.Type+":"+h.ID)
	}
	return out
}

func TestAPISearch(t *testing.T) {
	app, _, _ := newSearchApp(t)
	cl := newClient(t, app)

	var b searchBody
	cl.json("/api/v1/search?q=Wohngeld&type=solution", http.StatusOK, &b)
	if b.Total != 2 || len(b.Hits) != 2 || b.Hits[0].ID != "wohngeld-online" || b.Hits[0].Type != "solution" ||
		b.Hits[0].Score <= b.Hits[1].Score || b.Page != 1 || b.Limit != 20 {
		t.Errorf("q=Wohngeld&type=solution: %+v", b)
	}
	if hl := b.Hits[0].Highlights["name"]; len(hl) == 0 || !strings.Contains(hl[0], "<mark>Wohngeld</mark>") {
		t.Errorf("highlights: %v", b.Hits[0].Highlights)
	}
	for _, k := range search.FacetKeys {
		if _, ok := b.Facets[k]; !ok {
			t.Errorf("facet %s missing", k)
		}
	}

	// Without type: solutions and OZG-Leistungen merged by score.
	b = searchBody{}
	cl.json("/api/v1/search?q=Wohngeld", http.StatusOK, &b)
	if ids := b.ids(); !slices.Contains(ids, "service:10092") || !slices.Contains(ids, "solution:wohngeld-online") {
		t.Errorf("q=Wohngeld: %v", ids)
	}
	for i := 1; i < len(b.Hits); i++ {
		if b.Hits[i].Score > b.Hits[i-1].Score {
			t.Errorf("merged hits not by score at %d: %v", i, b.ids())
		}
	}

	// Services only, by OZG-ID and by LeiKa text.
	b = searchBody{}
	cl.json("/api/v1/search?q=10092&type=service", http.StatusOK, &b)
	if len(b.Hits) == 0 || b.Hits[0].ID != "10092" || b.Hits[0].Name != "Wohngeld" {
		t.Errorf("q=10092&type=service: %+v", b.Hits)
	}

	// Facet filters, repeated or comma-separated, and paging.
	var one, two searchBody
	cl.json("/api/v1/search?type=solution&provider=02&provider=04&limit=3", http.StatusOK, &one)
	cl.json("/api/v1/search?type=solution&provider=02,04&limit=3&page=2", http.StatusOK, &two)
	if one.Total < 4 || one.Total != two.Total || len(one.Hits) != 3 || slices.Contains(one.ids(), two.ids()[0]) {
		t.Errorf("provider=02,04 pages: %d %v / %d %v", one.Total, one.ids(), two.Total, two.ids())
	}
	selected := 0
	for _, v := range one.Facets["provider"] {
		if v.Selected {
			selected++
		}
	}
	if selected != 2 {
		t.Errorf("selected providers: %+v", one.Facets["provider"])
	}

	// Sorted by adoptions: the counts only go down.
	b = searchBody{}
	cl.json("/api/v1/search?sort=adoptions&limit=5", http.StatusOK, &b)
	if len(b.Hits) != 5 || b.Hits[0].Type != "solution" {
		t.Errorf("sort=adoptions: %v", b.ids())
	}

	// Nothing found is a 200 with no hits.
	b = searchBody{}
	cl.json("/api/v1/search?q=Raketenstartrampe", http.StatusOK, &b)
	if b.Total != 0 || len(b.Hits) != 0 || b.Hits == nil {
		t.Errorf("nothing found: %+v", b)
	}

	for target, param := range map[string]string{
		"/api/v1/search?type=gemeinde":                   "type",
		"/api/v1/search?maturity=7":                      "maturity",
		"/api/v1/search?provider=17":                     "provider",
		"/api/v1/search?adoptedIn=DE":                    "adoptedIn",
		"/api/v1/search?status=kaputt":                   "status",
		"/api/v1/search?topicField=abc":                  "topicField",
		"/api/v1/search?openSource=vielleicht":           "openSource",
		"/api/v1/search?sort=beliebtheit":                "sort",
		"/api/v1/search?page=0":                          "page",
		"/api/v1/search?limit=500":                       "limit",
		"/api/v1/search?page=200&limit=100":              "page",
		"/api/v1/search?q=" + strings.Repeat("x", 501):   "q",
		"/api/v1/search?type=service&provider=05":        "type",
		"/api/v1/organisations/lookup?q=":                "q",
		"/api/v1/organisations/lookup?q=Kiel&limit=51":   "limit",
		"/api/v1/organisations/lookup?q=Kiel&limit=zehn": "limit",
	} {
		cl.badParam(target, param)
	}
}

func TestAPIOrganisationLookup(t *testing.T) {
	app, _, _ := newSearchApp(t)
	cl := newClient(t, app)
	var b struct {
		Hits []struct {
			Kind, Key, Name, LandKey, LandName, AGS, ARS, Postcode, URN string
			Population                                                  int64
		} `json:"hits"`
	}
	cl.json("/api/v1/organisations/lookup?q=Muenster&limit=3", http.StatusOK, &b)
	if len(b.Hits) == 0 || b.Hits[0].Name != "Münster, Stadt" || b.Hits[0].LandName != "Nordrhein-Westfalen" ||
		b.Hits[0].URN != "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:055150000000" {
		t.Errorf("Muenster: %+v", b.Hits)
	}
	cl.json("/api/v1/organisations/lookup?q=10115", http.StatusOK, &b)
	if len(b.Hits) == 0 || b.Hits[0].Name != "Berlin, Stadt" {
		t.Errorf("10115: %+v", b.Hits)
	}
	cl.json("/api/v1/organisations/lookup?q=01001000", http.StatusOK, &b)
	if len(b.Hits) == 0 || b.Hits[0].Name != "Flensburg, Stadt" || b.Hits[0].AGS != "01001000" {
		t.Errorf("01001000: %+v", b.Hits)
	}
}

func TestSearchWithoutIndexAnswers503(t *testing.T) {
	app := server.New(server.Deps{Store: storetest.Seeded(t), Version: "test"})
	for _, target := range []string{"/api/v1/search?q=Wohngeld", "/api/v1/organisations/lookup?q=Kiel"} {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s without index = %d %s", target, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}

// benchSearch pairs an API request with the same query made in process.
type benchSearch struct {
	params string
	query  search.Query
}

var benchSearches = []benchSearch{
	{"q=Wohngeld", search.Query{Text: "Wohngeld"}},
	{"q=F%C3%BChrerschein", search.Query{Text: "Führerschein"}},
	{"q=Baugenemigung", search.Query{Text: "Baugenemigung"}},
	{"q=Einb%C3%BCrg", search.Query{Text: "Einbürg"}},
	{"q=Antrag&provider=05&status=live", search.Query{Text: "Antrag", ProviderLands: []string{"05"}, Statuses: []catalog.SolutionStatus{catalog.SolutionLive}}},
	{"topicField=1&adoptedIn=09", search.Query{TopicFieldIDs: []uint{1}, AdoptedInLands: []string{"09"}}},
}

// benchApp is the router over the seed data or, with EFA_SYNTHETIC_DIR, over
// the synthetic catalogue made by efa gen-synthetic.
func benchApp(b *testing.B) (http.Handler, *search.Index, string) {
	dir := os.Getenv("EFA_SYNTHETIC_DIR")
	if dir == "" {
		app, ix, _ := newSearchApp(b)
		return app, ix, "seed"
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "efa.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return server.New(server.Deps{Store: st, Search: ix, Version: "bench"}), ix, "synthetic"
}

// BenchmarkSearchHTTPvsInProcess measures requests per second of
// GET /api/v1/search over loopback TCP against the same queries made on the
// index in process, in alternating rounds of the same run, with the same
// concurrency; it reports both rates and their ratio.
func BenchmarkSearchHTTPvsInProcess(b *testing.B) {
	app, ix, set := benchApp(b)
	srv := httptest.NewServer(app)
	defer srv.Close()
	workers := 4 * runtime.GOMAXPROCS(0)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	ctx := context.Background()
	run := func(n int, op func(i int) error) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					if err := op(i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	inProcess := func(i int) error {
		q := benchSearches[i%len(benchSearches)].query
		q.PerPage = 20
		_, err := ix.SearchSolutions(ctx, q)
		return err
	}
	overHTTP := func(i int) error {
		res, err := client.Get(srv.URL + "/api/v1/search?type=solution&limit=20&" + benchSearches[i%len(benchSearches)].params)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return err
	}
	// warm up both paths (connections, caches)
	run(2*workers, inProcess)
	run(2*workers, overHTTP)
	b.ResetTimer()
	var tIn, tHTTP time.Duration
	const rounds = 4
	per := max(b.N/rounds, workers)
	for range rounds {
		tIn += run(per, inProcess)
		tHTTP += run(per, overHTTP)
	}
	b.StopTimer()
	inRate := float64(per*rounds) / tIn.Seconds()
	httpRate := float64(per*rounds) / tHTTP.Seconds()
	b.ReportMetric(inRate, "inproc-req/s")
	b.ReportMetric(httpRate, "http-req/s")
	b.ReportMetric(httpRate/inRate, "http/inproc")
	b.Logf("%s data: %d requests each, %d workers: in process %.0f/s, HTTP %.0f/s, ratio %.2f", set, per*rounds, workers, inRate, httpRate, httpRate/inRate)
}
