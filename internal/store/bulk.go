package store

import (
	"context"
	"fmt"
	"strconv"

	"efa-register/internal/catalog"
)

// BulkSolution is a solution for a bulk load: the caller has resolved the
// provider (Solution.Provider and ProviderID set) and the covered services.
type BulkSolution struct {
	Solution catalog.Solution
	OZGIDs   []string
}

// BulkAdoption is an adoption for a bulk load, by database ids, with the
// natural keys the event log records.
type BulkAdoption struct {
	Adoption     catalog.Adoption // SolutionID, OrganisationID, Status, Since, Note, Source set
	SolutionSlug string
	AdopterKey   string // kind:key of the organisation
}

// InsertSolutionsBulk creates many solutions in one transaction, with their
// services and one create event each, and returns them with their ids. It
// skips the per-record lookups of CreateSolution and is meant for generated
// data sets (efa gen-synthetic); validation still applies.
func (s *Store) InsertSolutionsBulk(ctx context.Context, actor string, sols []BulkSolution) ([]catalog.Solution, error) {
	out := make([]catalog.Solution, len(sols))
	for i := range sols {
		sol := sols[i].Solution
		if err := sol.Validate(); err != nil {
			return nil, fmt.Errorf("store: bulk solution %q: %w", sol.Slug, err)
		}
		sol.ID = 0
		out[i] = sol
	}
	err := s.write(ctx, actor, func(t *tx) error {
		rows := make([]*catalog.Solution, len(out))
		for i := range out {
			rows[i] = &out[i]
		}
		if err := t.db.Omit("Services", "Provider").CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
		var links []map[string]any
		for i := range out {
			out[i].Services = nil
			for _, id := range sols[i].OZGIDs {
				links = append(links, map[string]any{"solution_id": out[i].ID, "service_id": id})
				out[i].Services = append(out[i].Services, catalog.Service{ID: id})
			}
			if _, err := t.event(catalog.EntitySolution, out[i].Slug, catalog.ActionCreate, nil, solutionRecord(&out[i])); err != nil {
				return err
			}
		}
		if len(links) > 0 {
			if err := t.db.Table("solution_services").CreateInBatches(links, 500).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, translate(err, "bulk insert solutions")
	}
	return out, nil
}

// InsertAdoptionsBulk creates many adoptions in one transaction, with one
// create event each. Pairs that already exist make the whole batch fail. It
// writes for every organisation at once without looking each up, so p must
// be the system (catalog.SystemPrincipal) or a platform admin; anyone else
// gets catalog.ErrForbidden and nothing is written.
func (s *Store) InsertAdoptionsBulk(ctx context.Context, p catalog.Principal, adoptions []BulkAdoption) error {
	if !p.Admin {
		return fmt.Errorf("store: bulk insert adoptions as %s: %w", p.Actor(), catalog.ErrForbidden)
	}
	actor := p.Actor()
	rows := make([]*catalog.Adoption, len(adoptions))
	for i := range adoptions {
		a := adoptions[i].Adoption
		if err := a.Validate(); err != nil {
			return fmt.Errorf("store: bulk adoption %d: %w", i, err)
		}
		a.ID = 0
		if a.RegisteredBy == "" {
			a.RegisteredBy = actor
		}
		rows[i] = &a
	}
	err := s.write(ctx, actor, func(t *tx) error {
		if err := t.db.CreateInBatches(rows, 1000).Error; err != nil {
			return err
		}
		for i, a := range rows {
			if _, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionCreate, nil,
				adoptionRecord(a, adoptions[i].SolutionSlug, adoptions[i].AdopterKey)); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "bulk insert adoptions")
}
