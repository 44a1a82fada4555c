package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// BenchmarkAPIAdoptionWrites measures adoption registrations per second
// through POST /api/v1/adoptions with a token, over real HTTP on loopback,
// against the real SQLite file (WAL, synchronous=FULL). Every request is a
// real write: Flensburg's editor registers or updates (with a new note) its
// adoption of one of the 50 seeded solutions.
func BenchmarkAPIAdoptionWrites(b *testing.B) {
	env := servertest.NewEnv(b, server.AuthConfig{})
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	tok := env.Token(b, "redaktion-a")
	all, err := env.Store.AllSolutions(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	// Leave out the solutions Flensburg already runs: going back to
	// "interested" is not allowed.
	existing, _ := env.Store.AdoptionsByOrganisation(context.Background(), "gemeinde", servertest.GemeindeA)
	taken := map[uint]bool{}
	for _, a := range existing {
		taken[a.SolutionID] = true
	}
	var sols []catalog.Solution
	for _, s := range all {
		if !taken[s.ID] {
			sols = append(sols, s)
		}
	}
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var mu sync.Mutex
			lat := make([]time.Duration, 0, b.N)
			failed := 0
			next := make(chan int)
			var wg sync.WaitGroup
			for w := 0; w < clients; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						body := fmt.Sprintf(`{"solution":%q,"adopterKind":"gemeinde","adopterKey":%q,"status":"interested","note":"Lauf %d"}`,
							sols[i%len(sols)].Slug, servertest.GemeindeA, i)
						req, _ := http.NewRequest("POST", srv.URL+"/api/v1/adoptions", bytes.NewBufferString(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+tok)
						start := time.Now()
						res, err := srv.Client().Do(req)
						d := time.Since(start)
						ok := err == nil && (res.StatusCode == http.StatusCreated || res.StatusCode == http.StatusOK)
						if res != nil {
							res.Body.Close()
						}
						mu.Lock()
						lat = append(lat, d)
						if !ok {
							failed++
						}
						mu.Unlock()
					}
				}()
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				next <- i
			}
			close(next)
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
			if failed > 0 {
				b.Errorf("%d of %d writes failed", failed, b.N)
			}
		})
	}
}
