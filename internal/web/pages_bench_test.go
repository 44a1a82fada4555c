package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// The page benchmarks render through the real router on the seed data and,
// when EFA_SYNTHETIC_DIR names a folder made by `efa gen-synthetic`
// (50,000 synthetic solutions, 1,000,000 synthetic adoptions), on that too.
// They never run in `make test`; bench/ui/run.sh runs them side by side:
//
//	EFA_SYNTHETIC_DIR=/tmp/efa-synth go test -run '^$' -bench 'Page' -benchtime 200x ./internal/web/

// benchSet is a data set's store and index and a solution with many adoptions.
type benchSet struct {
	st   *store.Store
	ix   *search.Index
	app  *echo.Echo
	slug string
}

// fresh returns a new app over the same data: its page caches are empty.
func (bs *benchSet) fresh() *echo.Echo {
	return server.New(server.Deps{Store: bs.st, Search: bs.ix, Version: "bench"})
}

var benchSets = map[string]*benchSet{}

// benchData returns the data set "seed" or "synthetic".
func benchData(b *testing.B, set string) *benchSet {
	b.Helper()
	if bs, ok := benchSets[set]; ok {
		return bs
	}
	var bs *benchSet
	switch set {
	case "seed":
		app, st := servertest.Shared(b)
		bs = &benchSet{st: st, ix: servertest.SharedIndex(b), app: app, slug: "einmalzahlung-200"}
	case "synthetic":
		dir := os.Getenv("EFA_SYNTHETIC_DIR")
		if dir == "" {
			b.Skip("EFA_SYNTHETIC_DIR not set (make one with efa gen-synthetic)")
		}
		if _, err := os.Stat(filepath.Join(dir, "SYNTHETISCH.txt")); err != nil {
			b.Fatalf("%s is not a synthetic data folder: %v", dir, err)
		}
		ctx := context.Background()
		st, err := store.Open(ctx, filepath.Join(dir, "efa.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, nil)
		if err != nil {
			b.Fatal(err)
		}
		benchClosers = append(benchClosers, func() { ix.Close(); st.Close() })
		top, err := st.FindSolutions(ctx, store.SolutionFilter{Sort: "adoptions", PerPage: 1})
		if err != nil || len(top.Items) == 0 {
			b.Fatalf("most adopted synthetic solution: %v", err)
		}
		bs = &benchSet{st: st, ix: ix, slug: top.Items[0].Slug}
		bs.app = bs.fresh()
	}
	benchSets[set] = bs
	return bs
}

// benchPages are the pages measured, by name.
func benchPages(slug string) [][2]string {
	return [][2]string{
		{"catalogue", "/loesungen"},
		{"catalogue-search", "/loesungen?q=Wohngeld&status=live"},
		{"catalogue-htmx", "/loesungen?status=live&sortierung=nachnutzungen&seite=2"},
		{"solution", "/loesungen/" + slug},
		{"start", "/"},
		{"land", "/laender/05"},
	}
}

// BenchmarkPageRender is the server-side time to answer a page (routing,
// queries, search, template into a buffer), without the network. cold-ms is
// the median of three requests to new apps (aggregates and search results
// computed), p50/p99 are the repeated requests (per-version caches warm, as
// between two writes).
func BenchmarkPageRender(b *testing.B) {
	for _, set := range []string{"seed", "synthetic"} {
		for i, pg := range benchPages("") {
			b.Run(set+"/"+pg[0], func(b *testing.B) {
				bs := benchData(b, set)
				path := benchPages(bs.slug)[i][1]
				serve := func(app *echo.Echo) (time.Duration, int) {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					if pg[0] == "catalogue-htmx" {
						req.Header.Set("HX-Request", "true")
					}
					rec := httptest.NewRecorder()
					start := time.Now()
					app.ServeHTTP(rec, req)
					d := time.Since(start)
					if rec.Code != http.StatusOK {
						b.Fatalf("GET %s = %d", path, rec.Code)
					}
					return d, rec.Body.Len()
				}
				// Cold: a new app whose caches are empty computes every aggregate and search.
				b.StopTimer()
				var cold []time.Duration
				for range 3 {
					d, _ := serve(bs.fresh())
					cold = append(cold, d)
				}
				slices.Sort(cold)
				b.StartTimer()
				var bytes int
				durations := make([]time.Duration, 0, b.N)
				for n := 0; n < b.N; n++ {
					d, size := serve(bs.app)
					durations = append(durations, d)
					bytes = size
				}
				b.StopTimer()
				slices.Sort(durations)
				b.ReportMetric(float64(cold[1].Microseconds())/1000, "cold-ms")
				b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(durations[min(len(durations)-1, len(durations)*99/100)].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(bytes)/1024, "KiB")
			})
		}
	}
}

// BenchmarkPageThroughput compares requests per second over loopback HTTP:
// the catalogue page against an Echo hello-world handler, in the same run
// with the same client and concurrency.
func BenchmarkPageThroughput(b *testing.B) {
	hello := echo.New()
	hello.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hallo Welt") })
	targets := []struct {
		name string
		app  func(b *testing.B) (http.Handler, string)
	}{
		{"hello-world", func(*testing.B) (http.Handler, string) { return hello, "/" }},
		{"seed/catalogue", func(b *testing.B) (http.Handler, string) { return benchData(b, "seed").app, "/loesungen" }},
		{"seed/catalogue-search", func(b *testing.B) (http.Handler, string) {
			return benchData(b, "seed").app, "/loesungen?q=Wohngeld&status=live"
		}},
		{"synthetic/catalogue", func(b *testing.B) (http.Handler, string) {
			return benchData(b, "synthetic").app, "/loesungen"
		}},
		{"synthetic/catalogue-search", func(b *testing.B) (http.Handler, string) {
			return benchData(b, "synthetic").app, "/loesungen?q=Wohngeld&status=live"
		}},
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			h, path := tg.app(b)
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
			defer client.CloseIdleConnections()
			url := srv.URL + path
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("GET %s = %d", path, resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
