package insights

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// benchEngine opens the engine on the seed data, or on the synthetic
// register in $EFA_BENCH_SYNTHETIC_DIR (made by "efa gen-synthetic").
func benchEngine(b *testing.B) (*Engine, string) {
	b.Helper()
	ctx := context.Background()
	var st *store.Store
	label := "seed"
	if dir := os.Getenv("EFA_BENCH_SYNTHETIC_DIR"); dir != "" {
		var err error
		if st, err = store.Open(ctx, filepath.Join(dir, "efa.db"), nil); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		label = "synthetic"
	} else {
		st = storetest.Seeded(b)
	}
	start := time.Now()
	e, err := Open(ctx, st, DefaultSavingsConfig, nil)
	if err != nil {
		b.Fatal(err)
	}
	stats, _ := st.Stats(ctx)
	b.Logf("%s: %d solutions, %d adoptions; replaying the event log took %v", label, stats.Solutions, stats.Adoptions, time.Since(start))
	return e, label
}

// BenchmarkScoreboard measures reading the scoreboard from the counters and reports its p99.
func BenchmarkScoreboard(b *testing.B) {
	e, _ := benchEngine(b)
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t := time.Now()
		if rows := e.Scoreboard(); len(rows) != 16 {
			b.Fatalf("rows = %d", len(rows))
		}
		lat = append(lat, time.Since(t))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkUpdatePerWrite measures the cost of folding one adoption event
// into the counters: a live adoption by a Gemeinde, and by a whole Land
// (which covers every Gemeinde of the Land for each of the solution's services).
func BenchmarkUpdatePerWrite(b *testing.B) {
	e, _ := benchEngine(b)
	s := e.s
	var slug string
	for _, sol := range s.sols {
		if sol != nil && len(sol.services) > 0 {
			slug = sol.slug
			break
		}
	}
	// An id after every adoption of the register.
	id := strconv.Itoa(len(s.adoptions) + 1)
	for _, c := range []struct{ name, adopter string }{{"gemeinde", "gemeinde:010010000000"}, {"land-rp", "land:07"}} {
		b.Run(c.name, func(b *testing.B) {
			create := func(seq uint64) catalog.Event {
				return catalog.Event{Seq: seq, At: time.Now(), EntityType: catalog.EntityAdoption, EntityID: id, Action: catalog.ActionCreate,
					Changes: `{"solution":[null,"` + slug + `"],"adopter":[null,"` + c.adopter + `"],"status":[null,"live"]}`}
			}
			del := func(seq uint64) catalog.Event {
				return catalog.Event{Seq: seq, At: time.Now(), EntityType: catalog.EntityAdoption, EntityID: id, Action: catalog.ActionDelete,
					Changes: `{"solution":["` + slug + `",null],"adopter":["` + c.adopter + `",null],"status":["live",null]}`}
			}
			seq := s.applied
			for b.Loop() {
				seq++
				s.apply(create(seq))
				seq++
				s.apply(del(seq))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N)/1000, "µs/event")
		})
	}
}

// BenchmarkSavingsAfterWrite measures the first read of the savings after
// a write (what the first visitor of /einblicke/rendite waits for): a live
// adoption is registered, then the savings are read.
func BenchmarkSavingsAfterWrite(b *testing.B) {
	e, _ := benchEngine(b)
	s := e.s
	var slug string
	for _, sol := range s.sols {
		if sol != nil {
			slug = sol.slug
			break
		}
	}
	e.Savings()
	id, seq := strconv.Itoa(len(s.adoptions)+1), s.applied
	for b.Loop() {
		seq++
		e.mu.Lock()
		s.apply(catalog.Event{Seq: seq, At: time.Now(), EntityType: catalog.EntityAdoption, EntityID: id, Action: catalog.ActionCreate,
			Changes: `{"solution":[null,"` + slug + `"],"adopter":[null,"gemeinde:010010000000"],"status":[null,"live"]}`})
		e.mu.Unlock()
		if sv := e.Savings(); sv.Quantified == 0 {
			b.Fatal("no adoption counted")
		}
	}
}
