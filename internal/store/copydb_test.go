package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestCopyToPostgresKeepsIDsAndSequence copies a seeded SQLite register,
// with gaps in its ids from deletions, into an empty PostgreSQL database:
// every table arrives whole, ids and event sequence numbers are the same,
// the next write continues both, and a second copy into the now full target
// is refused.
func TestCopyToPostgresKeepsIDsAndSequence(t *testing.T) {
	ctx := context.Background()
	target := storetest.EmptyURL(t) // skips without PostgreSQL
	src, err := store.Open(ctx, storetest.Path(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sys := catalog.SystemPrincipal("test")
	// A solution created and deleted leaves a gap in the ids and a delete event.
	if _, err := src.CreateSolution(ctx, sys, copySolution("wird-geloescht")); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteSolution(ctx, sys, "wird-geloescht"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateSolution(ctx, sys, copySolution("bleibt")); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Open(t, target)
	var tables []string
	rep, err := src.CopyTo(ctx, dst, func(table string, done, total int64) {
		if done == 0 {
			tables = append(tables, table)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range rep.Tables {
		if tc.Source != tc.Target {
			t.Errorf("%s: %d rows in the source, %d in the target", tc.Table, tc.Source, tc.Target)
		}
	}
	if len(tables) < 15 {
		t.Errorf("copied only the tables %v", tables)
	}

	srcEvents, _ := src.Events(ctx, 0, 1<<30)
	dstEvents, _ := dst.Events(ctx, 0, 1<<30)
	if len(srcEvents) != len(dstEvents) || len(srcEvents) < 1000 {
		t.Fatalf("events: %d in the source, %d in the target", len(srcEvents), len(dstEvents))
	}
	for i := range srcEvents {
		s, d := srcEvents[i], dstEvents[i]
		if s.Seq != d.Seq || s.EntityType != d.EntityType || s.EntityID != d.EntityID || s.Action != d.Action ||
			s.Changes != d.Changes || !s.At.Truncate(time.Microsecond).Equal(d.At) { // PostgreSQL keeps microseconds
			t.Fatalf("event %d differs: %+v / %+v", i, s, d)
		}
	}
	srcSols, _ := src.AllSolutions(ctx)
	dstSols, _ := dst.AllSolutions(ctx)
	if len(srcSols) != len(dstSols) {
		t.Fatalf("solutions: %d / %d", len(srcSols), len(dstSols))
	}
	ids := map[string]uint{}
	for _, s := range srcSols {
		ids[s.Slug] = s.ID
	}
	for _, d := range dstSols {
		if ids[d.Slug] != d.ID {
			t.Errorf("solution %s has id %d in the target, %d in the source", d.Slug, d.ID, ids[d.Slug])
		}
	}

	// The next write continues the ids and the event sequence.
	last := srcEvents[len(srcEvents)-1].Seq
	next, err := dst.CreateSolution(ctx, sys, copySolution("nach-dem-umzug"))
	if err != nil {
		t.Fatal(err)
	}
	if next.ID <= ids["bleibt"] {
		t.Errorf("new solution got id %d, the highest copied is %d", next.ID, ids["bleibt"])
	}
	if seq, _ := dst.LastEventSeq(ctx); seq != last+1 {
		t.Errorf("the first event after the copy is %d, want %d", seq, last+1)
	}

	if _, err := src.CopyTo(ctx, dst, nil); !errors.Is(err, store.ErrTargetNotEmpty) {
		t.Errorf("a second copy into the full target: %v, want ErrTargetNotEmpty", err)
	}
}

func copySolution(slug string) store.SolutionInput {
	return store.SolutionInput{Solution: catalog.Solution{Slug: slug, Name: "Umzugsprobe " + slug, Summary: "Für den Umzug.",
		Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo}, ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}
}
