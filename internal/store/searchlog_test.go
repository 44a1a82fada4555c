package store_test

import (
	"context"
	"slices"
	"testing"

	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

func TestZeroResultCounters(t *testing.T) {
	s := storetest.Seeded(t)
	ctx := context.Background()
	before, err := s.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	add := func(m map[store.ZeroResultKey]int64) {
		t.Helper()
		if err := s.AddZeroResults(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	add(map[store.ZeroResultKey]int64{
		{Day: "2026-01-01", Query: "raketenstart"}: 2,
		{Day: "2026-01-01", Query: "zeppelin"}:     1,
		{Day: "2025-12-01", Query: "zeppelin"}:     9, // older than the window below
	})
	add(map[store.ZeroResultKey]int64{
		{Day: "2026-01-01", Query: "raketenstart"}: 3, // adds to the same counter
		{Day: "2026-01-02", Query: "zeppelin"}:     4,
		{Day: "2026-01-02", Query: ""}:             5, // ignored
	})
	add(nil)
	got, err := s.ZeroResultQueries(ctx, "2026-01-01", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.ZeroResultCount{{Query: "raketenstart", Count: 5, Days: 1}, {Query: "zeppelin", Count: 5, Days: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("from 2026-01-01: %+v, want %+v", got, want)
	}
	all, _ := s.ZeroResultQueries(ctx, "2000-01-01", 1)
	if len(all) != 1 || all[0] != (store.ZeroResultCount{Query: "zeppelin", Count: 14, Days: 3}) {
		t.Errorf("all time, limit 1: %+v", all)
	}
	// Counters are statistics, not register data: no events, no change feed.
	if after, _ := s.LastEventSeq(ctx); after != before {
		t.Errorf("counters appended events: %d -> %d", before, after)
	}
}
