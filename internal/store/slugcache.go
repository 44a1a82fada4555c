package store

import (
	"maps"
	"slices"
	"sync"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// slugCacheMax bounds slugCache; beyond it the cache starts again empty.
const slugCacheMax = 1 << 17

// slugCache knows the slugs of solutions by id, for the adoptions of the
// change feed and the export: reading the slug beside each adoption meant a
// random read in the solutions table (40 MB at 50,000 solutions) per
// adoption, half the time of a change-feed page. Neither an id nor a slug
// ever changes (ids are not reused: AUTOINCREMENT in SQLite, sequences in
// PostgreSQL; UpdateSolution keeps the slug), so an entry is never stale, on
// any instance; the entry of a deleted solution is merely unused. It holds
// the slugs alone (some 3 MB at 50,000 solutions; a catalog.Solution per
// entry took 25 MB). The zero value is ready to use.
type slugCache struct {
	mu sync.RWMutex
	m  map[uint]string
}

// attach sets each adoption's Solution to a Solution with its id and slug,
// one per solution shared by the adoptions of the list (read-only), reading
// the slugs not yet known through db. An adoption whose solution is gone (it
// was deleted, with its adoptions, between two reads outside a transaction)
// is left out of the list it returns.
func (c *slugCache) attach(db *gorm.DB, list []catalog.Adoption) ([]catalog.Adoption, error) {
	shared := map[uint]*catalog.Solution{}
	var missing []uint
	c.mu.RLock()
	for i := range list {
		id := list[i].SolutionID
		if _, ok := shared[id]; ok {
			continue
		}
		if slug, ok := c.m[id]; ok {
			shared[id] = &catalog.Solution{ID: id, Slug: slug}
		} else {
			shared[id] = nil
			missing = append(missing, id)
		}
	}
	c.mu.RUnlock()
	if len(missing) > 0 {
		slices.Sort(missing)
		found := make(map[uint]string, len(missing))
		if c.empty() {
			// The first reader (a full sync, an export) meets every solution
			// soon: one read of all slugs (the slug index, a few MB at 50,000
			// solutions) instead of a query per thousand.
			var rows []idSlug
			if err := db.Model(&catalog.Solution{}).Select("id", "slug").Limit(slugCacheMax).Find(&rows).Error; err != nil {
				return nil, err
			}
			for _, r := range rows {
				found[r.ID] = r.Slug
			}
			missing = slices.DeleteFunc(missing, func(id uint) bool { _, ok := found[id]; return ok })
		}
		for chunk := range slices.Chunk(missing, batchRows) {
			var rows []idSlug
			if err := db.Model(&catalog.Solution{}).Select("id", "slug").Where("id IN ?", chunk).Find(&rows).Error; err != nil {
				return nil, err
			}
			for _, r := range rows {
				found[r.ID] = r.Slug
			}
		}
		for id, slug := range found {
			if _, ok := shared[id]; ok {
				shared[id] = &catalog.Solution{ID: id, Slug: slug}
			}
		}
		c.mu.Lock()
		if c.m == nil || len(c.m)+len(found) > slugCacheMax {
			c.m = make(map[uint]string, len(found))
		}
		maps.Copy(c.m, found)
		c.mu.Unlock()
	}
	out := list[:0]
	for _, a := range list {
		if a.Solution = shared[a.SolutionID]; a.Solution != nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// idSlug is what attach reads of a solution.
type idSlug struct {
	ID   uint
	Slug string
}

// empty reports whether nothing is known yet.
func (c *slugCache) empty() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m) == 0
}
