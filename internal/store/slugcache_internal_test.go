package store

import (
	"context"
	"fmt"
	"testing"

	"efa-register/internal/catalog"
)

// The slug cache names each adoption's solution, reads only what it does
// not know, leaves out an adoption whose solution is gone, and starts again
// empty when it would pass its bound.
func TestSlugCache(t *testing.T) {
	s := openCopy(t, seededTemplate(t))
	ctx := context.Background()
	var sols []catalog.Solution
	if err := s.r.WithContext(ctx).Select("id", "slug").Order("id").Limit(3).Find(&sols).Error; err != nil || len(sols) < 3 {
		t.Fatalf("seed solutions: %v %v", sols, err)
	}
	list := []catalog.Adoption{{ID: 1, SolutionID: sols[0].ID}, {ID: 2, SolutionID: 999999}, {ID: 3, SolutionID: sols[1].ID}, {ID: 4, SolutionID: sols[0].ID}}
	var c slugCache
	out, err := c.attach(s.r.WithContext(ctx), list)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Solution.Slug != sols[0].Slug || out[1].Solution.Slug != sols[1].Slug || out[2].Solution != out[0].Solution {
		t.Fatalf("attached: %+v", out)
	}
	// The first read takes every slug at once.
	var total int64
	if err := s.r.WithContext(ctx).Model(&catalog.Solution{}).Count(&total).Error; err != nil {
		t.Fatal(err)
	}
	if int64(len(c.m)) != total || c.m[sols[2].ID] != sols[2].Slug {
		t.Fatalf("cache after the first read: %d of %d solutions", len(c.m), total)
	}
	// Known slugs are not read again: a cancelled read cannot answer.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	db := s.r.WithContext(cancelled)
	if out, err := c.attach(db, []catalog.Adoption{{ID: 5, SolutionID: sols[1].ID}}); err != nil || out[0].Solution.Slug != sols[1].Slug {
		t.Fatalf("from the cache: %+v %v", out, err)
	}
	delete(c.m, sols[2].ID)
	if _, err := c.attach(db, []catalog.Adoption{{ID: 6, SolutionID: sols[2].ID}}); err == nil {
		t.Fatal("an unknown slug was not read from the database")
	}
	// At the bound the cache starts again with what it just read.
	for id := uint(1_000_000); len(c.m) < slugCacheMax; id++ {
		c.m[id] = "platzhalter"
	}
	if _, err := c.attach(s.r.WithContext(ctx), []catalog.Adoption{{ID: 7, SolutionID: sols[2].ID}}); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 || c.m[sols[2].ID] != sols[2].Slug {
		t.Fatalf("cache past its bound holds %d entries", len(c.m))
	}
}

// TestAdoptionIDsIn: close ids are read as one range, spread ones one by
// one, and ids that are no numbers select nothing.
func TestAdoptionIDsIn(t *testing.T) {
	for _, c := range []struct {
		ids  []string
		cond string
		args string
	}{
		{[]string{"12", "10", "13", "15"}, "adoptions.id BETWEEN ? AND ?", "[10 15]"},
		{[]string{"1", "500"}, "adoptions.id IN ?", "[[1 500]]"},
		{[]string{"x", "7"}, "adoptions.id BETWEEN ? AND ?", "[7 7]"},
		{[]string{"x"}, "1 = 0", "[]"},
	} {
		cond, args := adoptionIDsIn(c.ids)
		if cond != c.cond || fmt.Sprint(args) != c.args {
			t.Errorf("%v: %q %v, want %q %s", c.ids, cond, args, c.cond, c.args)
		}
	}
}
