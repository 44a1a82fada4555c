package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// AdoptionInput registers or updates the adoption of a solution by an organisation.
type AdoptionInput struct {
	SolutionSlug string
	AdopterKind  catalog.OrgKind
	AdopterKey   string
	Adoption     catalog.Adoption // Status, Since, ContractType, Note, Source
}

// adoptionRecord is the flat shape of an adoption in the event log.
func adoptionRecord(a *catalog.Adoption, slug, adopter string) map[string]any {
	if a == nil {
		return nil
	}
	m := fields(a)
	m["solution"] = slug
	m["adopter"] = adopter
	return m
}

// RegisterAdoption creates the adoption of a solution by an organisation, or
// updates it when one exists (one record per pair). The status may only move
// along the lifecycle. A changed registration resets the provider's confirmation.
func (s *Store) RegisterAdoption(ctx context.Context, actor string, in AdoptionInput) (catalog.Adoption, error) {
	var out catalog.Adoption
	if err := in.Adoption.Validate(); err != nil {
		return in.Adoption, err
	}
	err := s.write(ctx, actor, func(t *tx) error {
		var err error
		out, err = t.registerAdoption(in, nil)
		return err
	})
	return out, translate(err, "register adoption")
}

// registerAdoption is RegisterAdoption inside a transaction; allow (when not
// nil) may refuse the adopting organisation.
func (t *tx) registerAdoption(in AdoptionInput, allow func(catalog.Organisation) error) (catalog.Adoption, error) {
	a := in.Adoption
	if err := a.Validate(); err != nil {
		return a, err
	}
	var v catalog.ValidationError
	var sol catalog.Solution
	if err := t.db.Where("slug = ?", in.SolutionSlug).First(&sol).Error; err != nil {
		v.Add("solution", "Unbekannte Lösung.")
	}
	var org catalog.Organisation
	if err := t.db.Where("kind = ? AND key = ?", in.AdopterKind, in.AdopterKey).First(&org).Error; err != nil {
		v.Add("adopter", "Unbekannte Organisation.")
	}
	if err := v.Err(); err != nil {
		return a, err
	}
	if allow != nil {
		if err := allow(org); err != nil {
			return a, err
		}
	}
	adopter := orgEntityID(&org)
	var old catalog.Adoption
	err := t.db.Where("solution_id = ? AND organisation_id = ?", sol.ID, org.ID).First(&old).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		a.ID, a.SolutionID, a.OrganisationID, a.RegisteredBy = 0, sol.ID, org.ID, t.actor
		a.Confirmation = catalog.ConfirmationNone
		if err := t.db.Create(&a).Error; err != nil {
			return a, err
		}
		_, err = t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionCreate, nil, adoptionRecord(&a, sol.Slug, adopter))
		return a, err
	case err != nil:
		return a, err
	}
	if !catalog.CanTransition(old.Status, a.Status) {
		v.Add("status", fmt.Sprintf("Der Status kann nicht von „%s“ zu „%s“ wechseln.", old.Status.Label(), a.Status.Label()))
		return a, &v
	}
	next := old
	next.Status, next.Since, next.ContractType, next.Note = a.Status, a.Since, a.ContractType, a.Note
	if a.Source != "" {
		next.Source = a.Source
	}
	if next.Status != old.Status || next.Since != old.Since {
		next.Confirmation = catalog.ConfirmationNone
	}
	changed, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(old.ID), 10), catalog.ActionUpdate,
		adoptionRecord(&old, sol.Slug, adopter), adoptionRecord(&next, sol.Slug, adopter))
	if err != nil || !changed {
		return old, err
	}
	return next, t.db.Select("*").Updates(&next).Error
}

// BatchRow is the outcome of one row of a bulk registration.
type BatchRow struct {
	Adoption catalog.Adoption
	// Err is the reason a row was rejected (a *catalog.ValidationError or catalog.ErrForbidden); nil when accepted.
	Err error
}

// BatchMode says what RegisterAdoptions does with a batch.
type BatchMode int

// The batch modes.
const (
	// ApplyValid writes the accepted rows and skips the rejected ones.
	ApplyValid BatchMode = iota
	// AllOrNothing writes nothing when a row is rejected.
	AllOrNothing
	// DryRun checks every row and writes nothing.
	DryRun
)

// errBatchRejected rolls back a batch that must not be written.
var errBatchRejected = errors.New("batch rolled back")

// RegisterAdoptions registers many adoptions in one transaction. Each row is
// tried on its own savepoint; a rejected row leaves no trace. It returns one
// result per input and whether the accepted rows were written.
func (s *Store) RegisterAdoptions(ctx context.Context, actor string, inputs []AdoptionInput, allow func(catalog.Organisation) error, mode BatchMode) ([]BatchRow, bool, error) {
	rows := make([]BatchRow, len(inputs))
	err := s.write(ctx, actor, func(t *tx) error {
		rejected := false
		for i, in := range inputs {
			sp := fmt.Sprintf("row%d", i)
			if err := t.db.SavePoint(sp).Error; err != nil {
				return err
			}
			mark := len(t.pending)
			a, err := t.registerAdoption(in, allow)
			if err != nil {
				if !errors.Is(err, catalog.ErrInvalid) && !errors.Is(err, catalog.ErrForbidden) {
					return err
				}
				if err := t.db.RollbackTo(sp).Error; err != nil {
					return err
				}
				t.pending = t.pending[:mark]
				rows[i].Err, rejected = err, true
				continue
			}
			rows[i].Adoption = a
		}
		if mode == DryRun || (rejected && mode == AllOrNothing) {
			return errBatchRejected
		}
		return nil
	})
	if errors.Is(err, errBatchRejected) {
		return rows, false, nil
	}
	if err != nil {
		return rows, false, translate(err, "register adoptions")
	}
	return rows, true, nil
}

// ConfirmAdoption records the provider's answer to an adoption.
func (s *Store) ConfirmAdoption(ctx context.Context, actor string, id uint, c catalog.Confirmation) (catalog.Adoption, error) {
	var out catalog.Adoption
	err := s.write(ctx, actor, func(t *tx) error {
		if c != catalog.ConfirmationConfirmed && c != catalog.ConfirmationDisputed {
			v := catalog.ValidationError{}
			v.Add("confirmation", "Bitte bestätigen oder bestreiten Sie die Nachnutzung.")
			return &v
		}
		if err := t.db.Preload("Solution").Preload("Organisation").First(&out, id).Error; err != nil {
			return err
		}
		old := out
		out.Confirmation = c
		adopter := orgEntityID(out.Organisation)
		changed, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(id), 10), catalog.ActionUpdate,
			adoptionRecord(&old, out.Solution.Slug, adopter), adoptionRecord(&out, out.Solution.Slug, adopter))
		if err != nil || !changed {
			return err
		}
		return t.db.Model(&catalog.Adoption{}).Where("id = ?", id).Update("confirmation", c).Error
	})
	return out, translate(err, "confirm adoption")
}

// DeleteAdoption removes one adoption and appends its delete event.
func (s *Store) DeleteAdoption(ctx context.Context, actor string, id uint) error {
	err := s.write(ctx, actor, func(t *tx) error {
		var a catalog.Adoption
		if err := t.db.First(&a, id).Error; err != nil {
			return err
		}
		return t.deleteAdoption(&a)
	})
	return translate(err, "delete adoption")
}

func (t *tx) deleteAdoption(a *catalog.Adoption) error {
	var sol catalog.Solution
	var org catalog.Organisation
	if err := t.db.First(&sol, a.SolutionID).Error; err != nil {
		return err
	}
	if err := t.db.First(&org, a.OrganisationID).Error; err != nil {
		return err
	}
	if err := t.db.Delete(&catalog.Adoption{}, a.ID).Error; err != nil {
		return err
	}
	_, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionDelete, adoptionRecord(a, sol.Slug, orgEntityID(&org)), nil)
	return err
}

func (s *Store) adoptions(ctx context.Context, what string, where func(*gorm.DB) *gorm.DB) ([]catalog.Adoption, error) {
	var out []catalog.Adoption
	db := s.r.WithContext(ctx)
	q := db.Model(&catalog.Adoption{}).
		Joins("JOIN organisations ON organisations.id = adoptions.organisation_id").
		Joins("JOIN solutions ON solutions.id = adoptions.solution_id")
	err := where(q).Order("organisations.land_key").Order("organisations.name").Order("solutions.name").Find(&out).Error
	if err == nil {
		err = attachAdoptionRefs(db, out)
	}
	return out, translate(err, "adoptions "+what)
}

// AdoptionsBySolution returns the adoptions of one solution, by Land and name.
func (s *Store) AdoptionsBySolution(ctx context.Context, slug string) ([]catalog.Adoption, error) {
	return s.adoptions(ctx, "by solution", func(q *gorm.DB) *gorm.DB { return q.Where("solutions.slug = ?", slug) })
}

// AdoptionsByOrganisation returns the adoptions an organisation made.
func (s *Store) AdoptionsByOrganisation(ctx context.Context, kind catalog.OrgKind, key string) ([]catalog.Adoption, error) {
	return s.adoptions(ctx, "by organisation", func(q *gorm.DB) *gorm.DB {
		return q.Where("organisations.kind = ? AND organisations.key = ?", kind, key)
	})
}

// AdoptionsByLand returns the adoptions made by a Land and its Kreise and Gemeinden.
func (s *Store) AdoptionsByLand(ctx context.Context, landKey string) ([]catalog.Adoption, error) {
	return s.adoptions(ctx, "by Land", func(q *gorm.DB) *gorm.DB { return q.Where("organisations.land_key = ?", landKey) })
}

// AllAdoptions returns every adoption.
func (s *Store) AllAdoptions(ctx context.Context) ([]catalog.Adoption, error) {
	return s.adoptions(ctx, "all", func(q *gorm.DB) *gorm.DB { return q })
}

// AdoptionByID returns one adoption with its organisation and its solution (with provider).
func (s *Store) AdoptionByID(ctx context.Context, id uint) (catalog.Adoption, error) {
	var a catalog.Adoption
	err := s.r.WithContext(ctx).Preload("Organisation").Preload("Solution").Preload("Solution.Provider").First(&a, id).Error
	return a, translate(err, fmt.Sprintf("adoption %d", id))
}

// AdoptionFacts returns what the search index must agree with: per
// Länderschlüssel the slugs of the solutions adopted in the Land (by the Land
// or one of its Kreise and Gemeinden), and the number of adoptions per slug.
func (s *Store) AdoptionFacts(ctx context.Context) (inLand map[string]map[string]bool, count map[string]int, err error) {
	all, err := s.AllAdoptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	inLand, count = map[string]map[string]bool{}, map[string]int{}
	for _, a := range all {
		if a.Solution == nil || a.Organisation == nil {
			continue
		}
		count[a.Solution.Slug]++
		if l := a.Organisation.LandKey; l != "" {
			if inLand[l] == nil {
				inLand[l] = map[string]bool{}
			}
			inLand[l][a.Solution.Slug] = true
		}
	}
	return inLand, count, nil
}
