package store

import (
	"context"
	"fmt"

	"efa-register/internal/catalog"
)

// Adoption writes on behalf of a principal: the HTML forms and the JSON API
// share them, so the rules (who may write, which transitions) are the same
// for both.

// RegisterAdoptionAs creates or updates the adoption of a solution by an
// organisation on behalf of p.
func (s *Store) RegisterAdoptionAs(ctx context.Context, p catalog.Principal, in AdoptionInput) (catalog.Adoption, error) {
	org, err := s.OrganisationByKey(ctx, in.AdopterKind, in.AdopterKey)
	if err != nil {
		v := catalog.ValidationError{}
		v.Add("adopter", "Unbekannte Organisation.")
		return catalog.Adoption{}, &v
	}
	if !p.CanEditAdoptionsOf(org) {
		return catalog.Adoption{}, fmt.Errorf("register adoption for %s:%s: %w", org.Kind, org.Key, catalog.ErrForbidden)
	}
	in.Adoption.Confirmation = catalog.ConfirmationNone
	return s.RegisterAdoption(ctx, p.Actor(), in)
}

// AdoptionForEdit loads an adoption the principal may change as adopter.
func (s *Store) AdoptionForEdit(ctx context.Context, p catalog.Principal, id uint) (catalog.Adoption, error) {
	a, err := s.AdoptionByID(ctx, id)
	if err != nil {
		return a, err
	}
	if a.Organisation == nil || !p.CanEditAdoptionsOf(*a.Organisation) {
		return a, fmt.Errorf("adoption %d: %w", id, catalog.ErrForbidden)
	}
	return a, nil
}

// ConfirmAdoptionAs records the provider's answer on behalf of p.
func (s *Store) ConfirmAdoptionAs(ctx context.Context, p catalog.Principal, id uint, c catalog.Confirmation) (catalog.Adoption, error) {
	a, err := s.AdoptionByID(ctx, id)
	if err != nil {
		return a, err
	}
	if a.Solution == nil || !p.CanEditSolution(*a.Solution) {
		return a, fmt.Errorf("confirm adoption %d: %w", id, catalog.ErrForbidden)
	}
	return s.ConfirmAdoption(ctx, p.Actor(), id, c)
}
