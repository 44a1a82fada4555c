package search_test

import (
	"context"
	"fmt"
	"testing"
	"time"
	"slices"
)

func TestTmpPerQuery(t *testing.T) {
	ix := syntheticIndexT(t, "/tmp/efa-synth")
	ctx := context.Background()
	for _, kind := range []string{"plain","fuzzy","prefix","faceted"} {
	for _, q := range benchQueries[kind] {
		var d []time.Duration
		var total int
		for i := 0; i < 60; i++ {
			s := time.Now()
			r, err := ix.SearchSolutions(ctx, q)
			if err != nil { t.Fatal(err) }
			total = r.Total
			d = append(d, time.Since(s))
		}
		slices.Sort(d)
		fmt.Printf("%-8s %-70s total=%6d p50=%v max=%v\n", kind, fmt.Sprintf("%+v", q)[:70], total, d[30], d[59])
	}
	}
}
