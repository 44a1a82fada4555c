package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"efa-register/internal/insights"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// BenchmarkScoreboardHTTP measures GET /laender and GET /api/v1/scoreboard
// through the real router, on the seed data or on the synthetic register in
// $EFA_BENCH_SYNTHETIC_DIR (efa gen-synthetic: 1,000,000 adoptions), and
// reports p50 and p99.
func BenchmarkScoreboardHTTP(b *testing.B) {
	ctx := context.Background()
	var st *store.Store
	if dir := os.Getenv("EFA_BENCH_SYNTHETIC_DIR"); dir != "" {
		var err error
		if st, err = store.Open(ctx, filepath.Join(dir, "efa.db"), nil); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
	} else {
		st = storetest.Seeded(b)
	}
	start := time.Now()
	eng, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.WaitHistory(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("insights loaded and history replayed in %v", time.Since(start))
	app := server.New(server.Deps{Store: st, Insights: eng, Version: "bench"})
	for _, target := range []string{"/laender", "/api/v1/scoreboard", "/laender/05"} {
		b.Run(target, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t := time.Now()
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				lat = append(lat, time.Since(t))
				if rec.Code != 200 {
					b.Fatalf("%s = %d", target, rec.Code)
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
