package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// Reads over the whole register go in batches (SQLite allows 32,766
// variables per statement; 50,000 solutions did not fit one IN list). With
// batches of 7 rows the seed data spans many batches: the answers must be
// those of one batch.
func TestBatchedReadsMatchOneBatch(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	read := func() (sols []catalog.Solution, adoptions []catalog.Adoption, x store.ExportData, counts map[uint]store.AdoptionCount) {
		t.Helper()
		var err error
		if sols, err = st.AllSolutions(ctx); err != nil {
			t.Fatal(err)
		}
		if adoptions, err = st.AllAdoptions(ctx); err != nil {
			t.Fatal(err)
		}
		if x, err = st.Export(ctx, time.Now(), 0); err != nil {
			t.Fatal(err)
		}
		ids := make([]uint, 0, len(sols))
		for _, s := range sols {
			ids = append(ids, s.ID)
		}
		if counts, err = st.AdoptionCounts(ctx, ids); err != nil {
			t.Fatal(err)
		}
		return
	}
	sols, adoptions, x, counts := read()
	if len(sols) != 50 || len(adoptions) < 70 || len(x.Solutions) != 50 || len(counts) < 10 {
		t.Fatalf("seed: %d solutions, %d adoptions, export %d solutions, counts for %d", len(sols), len(adoptions), len(x.Solutions), len(counts))
	}
	for _, a := range adoptions {
		if a.Organisation == nil || a.Solution == nil || a.Organisation.ID != a.OrganisationID || a.Solution.ID != a.SolutionID {
			t.Fatalf("adoption %d: organisation or solution not attached", a.ID)
		}
	}
	restore := store.SetBatchRowsForTest(7)
	defer restore()
	sols7, adoptions7, x7, counts7 := read()
	for what, d := range map[string]string{
		"all solutions":   cmp.Diff(sols, sols7),
		"all adoptions":   cmp.Diff(adoptions, adoptions7),
		"export":          cmp.Diff(x, x7),
		"adoption counts": cmp.Diff(counts, counts7),
	} {
		if d != "" {
			t.Errorf("%s in batches of 7 differ (-one batch +batches):\n%s", what, d)
		}
	}
}
