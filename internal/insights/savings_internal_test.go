package insights

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store/storetest"
)

// After writes, the savings computed again only for the solutions they
// touched equal the savings computed from scratch, to the cent.
func TestSavingsAfterWritesEqualAFullComputation(t *testing.T) {
	e, err := Open(context.Background(), storetest.Seeded(t), DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := e.Savings()
	s := e.s
	// Two solutions: one gets the provider's build cost below, the other keeps the estimate.
	var costed, plain string
	for _, sol := range s.sols {
		if sol != nil && sol.build == nil {
			if costed == "" {
				costed = sol.slug
			} else if plain == "" {
				plain = sol.slug
			}
		}
	}
	if plain == "" {
		t.Fatal("seed has fewer than two solutions without build cost")
	}
	seq := s.applied
	next := func(entity, id string, action catalog.Action, changes string) {
		seq++
		e.mu.Lock()
		s.apply(catalog.Event{Seq: seq, At: time.Now(), EntityType: entity, EntityID: id, Action: action, Changes: changes})
		e.mu.Unlock()
	}
	id := strconv.Itoa(len(s.adoptions) + 1)
	next(catalog.EntityAdoption, id, catalog.ActionCreate, `{"solution":[null,"`+plain+`"],"adopter":[null,"gemeinde:010010000000"],"status":[null,"live"]}`)
	next(catalog.EntitySolution, costed, catalog.ActionUpdate, `{"buildCostEur":[null,1234567]}`)
	mid := e.Savings()
	if mid.Quantified != before.Quantified+1 {
		t.Errorf("quantified after a live adoption: %d, want %d", mid.Quantified, before.Quantified+1)
	}
	next(catalog.EntityAdoption, id, catalog.ActionUpdate, `{"solution":["`+plain+`","`+costed+`"]}`)
	got := e.Savings()

	e.mu.Lock()
	s.savAll = true
	want := s.savings(e.cfg)
	e.mu.Unlock()
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.01 }
	if got.Quantified != want.Quantified || got.NotQuantifiable != want.NotQuantifiable || got.Estimated != want.Estimated ||
		!near(got.Total, want.Total) || !near(got.EstimatedTotal, want.EstimatedTotal) || len(got.BySolution) != len(want.BySolution) {
		t.Fatalf("incremental %+v\nfull %+v", got, want)
	}
	for land, v := range want.ByLand {
		if !near(got.ByLand[land], v) || got.QuantifiedByLand[land] != want.QuantifiedByLand[land] || got.OpenByLand[land] != want.OpenByLand[land] {
			t.Errorf("Land %q: incremental %.2f/%d/%d, full %.2f/%d/%d", land, got.ByLand[land], got.QuantifiedByLand[land], got.OpenByLand[land],
				v, want.QuantifiedByLand[land], want.OpenByLand[land])
		}
	}
	for i := range want.BySolution {
		if got.BySolution[i].Slug != want.BySolution[i].Slug || !near(got.BySolution[i].Saving, want.BySolution[i].Saving) {
			t.Errorf("solution %d: incremental %+v, full %+v", i, got.BySolution[i], want.BySolution[i])
		}
	}
}
