package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// BenchmarkChangesPage reads change-feed pages of 1,000 records from the
// middle of the log, on the seed data or on the synthetic register in
// $EFA_BENCH_SYNTHETIC_DIR (made by "efa gen-synthetic"; 1,000,000 adoption
// events): what each call of a portal's full sync costs in the store.
func BenchmarkChangesPage(b *testing.B) {
	ctx := context.Background()
	var st *store.Store
	if dir := os.Getenv("EFA_BENCH_SYNTHETIC_DIR"); dir != "" {
		var err error
		if st, err = store.Open(ctx, filepath.Join(dir, "efa.db"), nil); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
	} else {
		st = storetest.Seeded(b)
	}
	head, err := st.LastEventSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	after, records := head/2, 0
	for b.Loop() {
		page, err := st.ChangesAfter(ctx, catalog.Principal{}, after, 1000, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		records += len(page.Changes)
		if after = page.Next; !page.More {
			after = head / 2
		}
	}
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
}
