package store

import (
	"slices"
	"sort"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// batchRows bounds the rows one statement reads by a list of ids. SQLite
// allows at most 32,766 variables in a statement, and GORM preloads with one
// IN list of every parent row: a query over the whole register (50,000
// solutions, 1,000,000 adoptions) must read its related rows in batches.
var batchRows = 5000 // a variable for tests

func orderServices(db *gorm.DB) *gorm.DB { return db.Order("services.id") }

// findSolutions returns the solutions q selects (q must not be ordered), with
// provider and services, read in batches of batchRows, by slug.
func findSolutions(q *gorm.DB) ([]catalog.Solution, error) {
	var out, batch []catalog.Solution
	err := q.Preload("Provider").Preload("Services", orderServices).
		FindInBatches(&batch, batchRows, func(*gorm.DB, int) error {
			out = append(out, batch...)
			return nil
		}).Error
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out, err
}

// byIDs reads the rows of T with the given ids in batches, keyed by id.
func byIDs[T any](q *gorm.DB, ids []uint, id func(*T) uint) (map[uint]*T, error) {
	out := make(map[uint]*T, len(ids))
	for chunk := range slices.Chunk(ids, batchRows) {
		var part []T
		if err := q.Session(&gorm.Session{}).Where("id IN ?", chunk).Find(&part).Error; err != nil {
			return nil, err
		}
		for i := range part {
			out[id(&part[i])] = &part[i]
		}
	}
	return out, nil
}

// attachAdoptionRefs sets the organisation and the solution (with its
// provider) of each adoption, shared between adoptions.
func attachAdoptionRefs(db *gorm.DB, list []catalog.Adoption) error {
	seenOrg, seenSol := map[uint]bool{}, map[uint]bool{}
	var orgIDs, solIDs []uint
	for _, a := range list {
		if !seenOrg[a.OrganisationID] {
			seenOrg[a.OrganisationID] = true
			orgIDs = append(orgIDs, a.OrganisationID)
		}
		if !seenSol[a.SolutionID] {
			seenSol[a.SolutionID] = true
			solIDs = append(solIDs, a.SolutionID)
		}
	}
	orgs, err := byIDs(db, orgIDs, func(o *catalog.Organisation) uint { return o.ID })
	if err != nil {
		return err
	}
	sols, err := byIDs(db.Preload("Provider"), solIDs, func(s *catalog.Solution) uint { return s.ID })
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Organisation = orgs[list[i].OrganisationID]
		list[i].Solution = sols[list[i].SolutionID]
	}
	return nil
}
