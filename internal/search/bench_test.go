package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// The benchmarks run on the real seed data and, when EFA_SYNTHETIC_DIR names
// a folder made by `efa gen-synthetic` (50,000 synthetic solutions, 1,000,000
// synthetic adoptions), on that too. They never run in `make test`:
//
//	EFA_SYNTHETIC_DIR=/tmp/efa-synth go test -run '^$' -bench . -benchtime 2000x ./internal/search/
//
// bench/search/run.sh runs everything side by side and prints the figures.

// benchQueries are the query mixes measured.
var benchQueries = map[string][]search.Query{
	"plain": {{Text: "Wohngeld"}, {Text: "Führerschein"}, {Text: "Baugenehmigung"}, {Text: "Einbürgerung"}, {Text: "Gewerbe Anmeldung"},
		{Text: "Elterngeld beantragen"}},
	"fuzzy":  {{Text: "Baugenemigung"}, {Text: "Fuehrerschien"}, {Text: "Wohngelt"}, {Text: "Einbürgerunng"}, {Text: "Kindergelt"}},
	"prefix": {{Text: "Führersch"}, {Text: "Wohng"}, {Text: "Einbürg"}, {Text: "Bauvor"}, {Text: "Gewer"}},
	"faceted": {
		{Text: "Antrag", ProviderLands: []string{"05"}, Statuses: []catalog.SolutionStatus{catalog.SolutionLive}},
		{TopicFieldIDs: []uint{1}, AdoptedInLands: []string{"09"}},
		{Text: "Führerschein", Maturities: []int{3, 4}},
		{ProviderLands: []string{"02", "04"}, Sort: search.SortAdoptions},
		{Text: "Wohngeld", AdoptedInLands: []string{"06", "07"}, Statuses: []catalog.SolutionStatus{catalog.SolutionLive, catalog.SolutionPilot}},
	},
}

// benchIndex opens the index of a data set: "seed" or "synthetic".
func benchIndex(b *testing.B, set string) *search.Index {
	b.Helper()
	switch set {
	case "seed":
		ix, _ := sharedIndex(b)
		return ix
	case "synthetic":
		dir := os.Getenv("EFA_SYNTHETIC_DIR")
		if dir == "" {
			b.Skip("EFA_SYNTHETIC_DIR not set (make one with efa gen-synthetic)")
		}
		if _, err := os.Stat(filepath.Join(dir, "SYNTHETISCH.txt")); err != nil {
			b.Fatalf("%s is not a synthetic data folder: %v", dir, err)
		}
		return syntheticIndexT(b, dir)
	}
	b.Fatalf("unknown data set %s", set)
	return nil
}

var synth struct {
	ix *search.Index
	st *store.Store
}

func syntheticIndexT(b testing.TB, dir string) *search.Index {
	if synth.ix != nil {
		return synth.ix
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "efa.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("opened the synthetic index in %v", time.Since(start))
	synth.ix, synth.st = ix, st
	fixtureClosers = append(fixtureClosers, func() { ix.Close(); st.Close() })
	return ix
}

// reportLatency records each operation's duration and reports the median and the 99th percentile.
func reportLatency(b *testing.B, op func(i int) error) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[min(len(d)-1, len(d)*99/100)].Microseconds())/1000, "p99-ms")
}

func BenchmarkSearchLatency(b *testing.B) {
	for _, set := range []string{"seed", "synthetic"} {
		for _, kind := range []string{"plain", "fuzzy", "prefix", "faceted"} {
			b.Run(set+"/"+kind, func(b *testing.B) {
				ix := benchIndex(b, set)
				qs := benchQueries[kind]
				ctx := context.Background()
				reportLatency(b, func(i int) error {
					_, err := ix.SearchSolutions(ctx, qs[i%len(qs)])
					return err
				})
			})
		}
	}
}

func BenchmarkLookupLatency(b *testing.B) {
	ix := benchIndex(b, "seed")
	qs := []string{"Muenster", "Frankfurt", "10115", "01001000", "Bad", "Neu", "Sankt Au", "064120000000", "Hessen", "Kl"}
	ctx := context.Background()
	reportLatency(b, func(i int) error {
		_, err := ix.LookupOrganisations(ctx, qs[i%len(qs)], 10)
		return err
	})
}

func BenchmarkSimilarLatency(b *testing.B) {
	for _, set := range []string{"seed", "synthetic"} {
		b.Run(set, func(b *testing.B) {
			ix := benchIndex(b, set)
			ctx := context.Background()
			d := search.Draft{Name: "Wohngeldantrag online", Description: "Antrag auf Mietzuschuss und Lastenzuschuss", OZGIDs: []string{"10092"}}
			reportLatency(b, func(int) error { _, err := ix.SimilarToDraft(ctx, d, 5); return err })
		})
	}
}

// BenchmarkIndexBuild rebuilds the index from the database; for the
// synthetic set only with EFA_BENCH_BUILD=1 (it takes a while).
func BenchmarkIndexBuild(b *testing.B) {
	for _, set := range []string{"seed", "synthetic"} {
		b.Run(set, func(b *testing.B) {
			var st *store.Store
			switch set {
			case "seed":
				st = storetest.Seeded(b)
			case "synthetic":
				if os.Getenv("EFA_SYNTHETIC_DIR") == "" || os.Getenv("EFA_BENCH_BUILD") == "" {
					b.Skip("set EFA_SYNTHETIC_DIR and EFA_BENCH_BUILD=1")
				}
				benchIndex(b, set)
				st = synth.st
			}
			var docs uint64
			var size int64
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), fmt.Sprintf("index-%d", i))
				if err := search.Reindex(context.Background(), dir, st, nil, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				size = dirBytes(dir)
				ix, err := search.Open(context.Background(), dir, st, nil)
				if err != nil {
					b.Fatal(err)
				}
				docs, _ = ix.DocCount()
				ix.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(docs), "docs")
			b.ReportMetric(float64(size)/1e6, "index-MB")
		})
	}
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
