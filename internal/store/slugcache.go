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
// any instance; the entry of a deleted solution is merely unused. The zero
// value is ready to use.
type slugCache struct {
	mu sync.RWMutex
	// m holds one Solution per id with ID and Slug set, shared by every
	// adoption that refers to it: read-only.
	m map[uint]*catalog.Solution
}

// attach sets each adoption's Solution to a shared, read-only Solution with
// its id and slug, reading the slugs not yet known through db. An adoption
// whose solution is gone (it was deleted, with its adoptions, between two
// reads outside a transaction) is left out of the list it returns.
func (c *slugCache) attach(db *gorm.DB, list []catalog.Adoption) ([]catalog.Adoption, error) {
	var missing []uint
	c.mu.RLock()
	for i := range list {
		if list[i].Solution = c.m[list[i].SolutionID]; list[i].Solution == nil {
			missing = append(missing, list[i].SolutionID)
		}
	}
	c.mu.RUnlock()
	if len(missing) == 0 {
		return list, nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	found := make(map[uint]*catalog.Solution, len(missing))
	for chunk := range slices.Chunk(missing, batchRows) {
		var rows []catalog.Solution
		if err := db.Model(&catalog.Solution{}).Select("id", "slug").Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			found[r.ID] = &catalog.Solution{ID: r.ID, Slug: r.Slug}
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m)+len(found) > slugCacheMax {
		c.m = make(map[uint]*catalog.Solution, len(found))
	}
	maps.Copy(c.m, found)
	c.mu.Unlock()
	out := list[:0]
	for _, a := range list {
		if a.Solution == nil {
			if a.Solution = found[a.SolutionID]; a.Solution == nil {
				continue
			}
		}
		out = append(out, a)
	}
	return out, nil
}
