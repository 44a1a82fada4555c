package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// AdoptionInput registers or updates the adoption of a solution by an organisation.
type AdoptionInput struct {
	SolutionSlug string
	AdopterKind  catalog.OrgKind
	AdopterKey   string
	Adoption     catalog.Adoption // Status, Since, ContractType, Note, Source
	// Release, when set, is the version of the solution the adopter runs
	// ("" clears it); nil keeps what is stored (nothing for a new adoption).
	Release *string
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

// Every write of an adoption goes through this file, and each exported one
// takes the catalog.Principal it writes for and checks it here: the adopter's
// own registration needs CanEditAdoptionsOf(adopter), a provider's claim and
// the provider's answer need CanEditSolution. No feature can write around it.

// adoptionMode says in whose name an adoption is written.
type adoptionMode int

const (
	// asAdopter is the adopter's own registration: the principal must edit
	// the adopting organisation's adoptions.
	asAdopter adoptionMode = iota
	// asClaim is a provider's report (a publiccode.yml usedBy list): for an
	// adopter the principal may edit it is the adopter's own registration,
	// otherwise, for a solution the principal edits, a claim
	// (catalog.ConfirmationClaimed) that counts nowhere until the adopter
	// accepts it, and that never changes an adoption the adopter registered.
	asClaim
)

// forbiddenAdopter is the refusal of a write for an organisation the
// principal may not act for. Its text up to ": forbidden" is German because
// the bulk import shows it per row.
func forbiddenAdopter(org catalog.Organisation) error {
	return &ForbiddenError{Msg: i18n.M("storeerr.adoption_forbidden", "Org", org.Name)}
}

// RegisterAdoption creates the adoption of a solution by an organisation on
// behalf of p, or updates it when one exists (one record per pair). p must
// be allowed to edit the adopting organisation's adoptions
// (catalog.Principal.CanEditAdoptionsOf); otherwise the error wraps
// catalog.ErrForbidden and nothing is written. The status may only move
// along the lifecycle. A changed status or date resets the provider's
// confirmation; registering over a provider's claim makes it the adopter's
// own (confirmed when status and date are the claimed ones).
func (s *Store) RegisterAdoption(ctx context.Context, p catalog.Principal, in AdoptionInput) (catalog.Adoption, error) {
	var out catalog.Adoption
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var err error
		out, err = t.writeAdoption(p, in, asAdopter)
		return err
	})
	if err != nil {
		return in.Adoption, translate(err, "register adoption")
	}
	return out, nil
}

// UpdateAdoption changes the status, date, contract type and note of the
// adoption with id, for p, through the same write path and rules as
// RegisterAdoption: p must edit the adopting organisation's adoptions
// (otherwise the error wraps catalog.ErrForbidden and nothing is written),
// the status only moves along the lifecycle, and a changed status or date
// resets the provider's confirmation. Solution and adopter stay as they are.
func (s *Store) UpdateAdoption(ctx context.Context, p catalog.Principal, id uint, a catalog.Adoption) (catalog.Adoption, error) {
	return s.UpdateAdoptionRelease(ctx, p, id, a, nil)
}

// UpdateAdoptionRelease is UpdateAdoption that also sets the release the
// adopter runs (one of the solution's releases; "" clears it, nil keeps it).
func (s *Store) UpdateAdoptionRelease(ctx context.Context, p catalog.Principal, id uint, a catalog.Adoption, release *string) (catalog.Adoption, error) {
	var out catalog.Adoption
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		old, err := t.loadAdoption(id)
		if err != nil {
			return err
		}
		if !p.CanEditAdoptionsOf(*old.Organisation) {
			return forbiddenAdopter(*old.Organisation)
		}
		a.Source = ""
		out, err = t.writeAdoption(p, AdoptionInput{SolutionSlug: old.Solution.Slug, AdopterKind: old.Organisation.Kind,
			AdopterKey: old.Organisation.Key, Adoption: a, Release: release}, asAdopter)
		return err
	})
	if err != nil {
		return a, translate(err, "update adoption")
	}
	return out, nil
}

// writeAdoption is the one write path of an adoption's fields.
func (t *tx) writeAdoption(p catalog.Principal, in AdoptionInput, how adoptionMode) (catalog.Adoption, error) {
	a := in.Adoption
	// The confirmation is never the writer's to set.
	a.Confirmation = catalog.ConfirmationNone
	if err := a.Validate(); err != nil {
		return a, err
	}
	var v catalog.ValidationError
	var sol catalog.Solution
	if err := t.db.Preload("Provider").Where("slug = ?", in.SolutionSlug).First(&sol).Error; err != nil {
		v.AddM("solution", i18n.M("storeerr.solution_unknown"))
	}
	var org catalog.Organisation
	if err := t.db.Where("kind = ? AND key = ?", in.AdopterKind, in.AdopterKey).First(&org).Error; err != nil {
		v.AddM("adopter", i18n.M("storeerr.org_unknown"))
	}
	if in.Release != nil {
		a.Release = strings.TrimSpace(*in.Release)
		if a.Release != "" && sol.ID != 0 {
			var n int64
			if err := t.db.Model(&catalog.Release{}).Where("solution_id = ? AND version = ?", sol.ID, a.Release).Count(&n).Error; err != nil {
				return a, err
			}
			if n == 0 {
				v.AddM("release", i18n.M("storeerr.release_unknown", "Version", a.Release))
			}
		}
	} else {
		a.Release = ""
	}
	if err := v.Err(); err != nil {
		return a, err
	}
	claim := false
	switch {
	case p.CanEditAdoptionsOf(org):
	case how == asClaim && p.CanEditSolution(sol):
		claim = true
	default:
		return a, forbiddenAdopter(org)
	}
	adopter := orgEntityID(&org)
	var old catalog.Adoption
	err := t.db.Where("solution_id = ? AND organisation_id = ?", sol.ID, org.ID).First(&old).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		a.ID, a.SolutionID, a.OrganisationID, a.RegisteredBy = 0, sol.ID, org.ID, t.actor
		if claim {
			a.Confirmation = catalog.ConfirmationClaimed
		}
		if err := t.db.Create(&a).Error; err != nil {
			return a, err
		}
		_, err = t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionCreate, nil, adoptionRecord(&a, sol.Slug, adopter))
		return a, err
	case err != nil:
		return a, err
	}
	if claim && !old.Claimed() {
		v.AddM("adopter", i18n.M("storeerr.adopter_registered_self", "Org", org.Name))
		return old, &v
	}
	if !catalog.CanTransition(old.Status, a.Status) {
		v.AddM("status", i18n.M("storeerr.status_transition", "From", old.Status.Msg(), "To", a.Status.Msg()))
		return a, &v
	}
	next := old
	next.Status, next.Since, next.ContractType, next.Note = a.Status, a.Since, a.ContractType, a.Note
	if in.Release != nil {
		next.Release = a.Release
	}
	if a.Source != "" {
		next.Source = a.Source
	}
	switch {
	case claim:
		// The provider updates its own claim; it stays one.
	case old.Claimed():
		// The adopter registers over the claim: from now on it is theirs.
		next.RegisteredBy, next.Confirmation = t.actor, catalog.ConfirmationNone
		if next.Status == old.Status && next.Since == old.Since {
			next.Confirmation = catalog.ConfirmationConfirmed
		}
	case next.Status != old.Status || next.Since != old.Since:
		next.Confirmation = catalog.ConfirmationNone
	}
	changed, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(old.ID), 10), catalog.ActionUpdate,
		adoptionRecord(&old, sol.Slug, adopter), adoptionRecord(&next, sol.Slug, adopter))
	if err != nil || !changed {
		return old, err
	}
	return next, t.db.Select("*").Omit("Solution", "Organisation").Updates(&next).Error
}

// BatchRow is the outcome of one row of a bulk registration.
type BatchRow struct {
	Adoption catalog.Adoption
	// Err is the reason a row was rejected (a *catalog.ValidationError or an
	// error wrapping catalog.ErrForbidden); nil when accepted.
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

// RegisterAdoptions registers many adoptions for p in one transaction, each
// row as RegisterAdoption would (a row for an organisation p may not act for
// is rejected with catalog.ErrForbidden). Each row is tried on its own
// savepoint; a rejected row leaves no trace. It returns one result per input
// and whether the accepted rows were written.
func (s *Store) RegisterAdoptions(ctx context.Context, p catalog.Principal, inputs []AdoptionInput, mode BatchMode) ([]BatchRow, bool, error) {
	return s.writeAdoptions(ctx, p, inputs, mode, asAdopter, "register adoptions")
}

// ClaimAdoptions records what a provider reports about who uses its
// solution (the usedBy list of a publiccode.yml), for p: a row whose adopter
// p may edit is registered as the adopter's own (as RegisterAdoptions
// would); any other row, for a solution p edits (catalog.Principal.CanEditSolution),
// is stored as a claim (catalog.ConfirmationClaimed, „vom Anbieter
// gemeldet“) that counts in no figure until the adopter accepts it
// (AnswerAdoptionClaim) or registers it itself. A claim never changes an
// adoption the adopter registered (the row is rejected); a row for a
// solution p does not edit is rejected with catalog.ErrForbidden.
func (s *Store) ClaimAdoptions(ctx context.Context, p catalog.Principal, inputs []AdoptionInput, mode BatchMode) ([]BatchRow, bool, error) {
	return s.writeAdoptions(ctx, p, inputs, mode, asClaim, "claim adoptions")
}

func (s *Store) writeAdoptions(ctx context.Context, p catalog.Principal, inputs []AdoptionInput, mode BatchMode, how adoptionMode, what string) ([]BatchRow, bool, error) {
	rows := make([]BatchRow, len(inputs))
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		rejected := false
		for i, in := range inputs {
			sp := fmt.Sprintf("row%d", i)
			if err := t.db.SavePoint(sp).Error; err != nil {
				return err
			}
			mark := len(t.pending)
			a, err := t.writeAdoption(p, in, how)
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
		return rows, false, translate(err, what)
	}
	return rows, true, nil
}

// loadAdoption reads an adoption with its organisation and its solution
// (with provider) inside a write.
func (t *tx) loadAdoption(id uint) (catalog.Adoption, error) {
	var a catalog.Adoption
	err := t.db.Preload("Organisation").Preload("Solution").Preload("Solution.Provider").First(&a, id).Error
	if err == nil && (a.Organisation == nil || a.Solution == nil) {
		err = fmt.Errorf("adoption %d without organisation or solution: %w", id, catalog.ErrNotFound)
	}
	return a, err
}

// setConfirmation changes an adoption's confirmation with its event.
func (t *tx) setConfirmation(a *catalog.Adoption, c catalog.Confirmation) error {
	old := *a
	a.Confirmation = c
	adopter := orgEntityID(a.Organisation)
	changed, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionUpdate,
		adoptionRecord(&old, a.Solution.Slug, adopter), adoptionRecord(a, a.Solution.Slug, adopter))
	if err != nil || !changed {
		return err
	}
	return t.db.Model(&catalog.Adoption{}).Where("id = ?", a.ID).Updates(map[string]any{"confirmation": c, "updated_at": t.now}).Error
}

// ConfirmAdoption records the provider's answer (confirmed or disputed) to
// an adoption, for p, who must edit the solution
// (catalog.Principal.CanEditSolution). A provider's own claim is not theirs
// to confirm: only the adopter accepts it (AnswerAdoptionClaim).
func (s *Store) ConfirmAdoption(ctx context.Context, p catalog.Principal, id uint, c catalog.Confirmation) (catalog.Adoption, error) {
	var out catalog.Adoption
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		if c != catalog.ConfirmationConfirmed && c != catalog.ConfirmationDisputed {
			v := catalog.ValidationError{}
			v.AddM("confirmation", i18n.M("storeerr.confirm_or_dispute"))
			return &v
		}
		var err error
		if out, err = t.loadAdoption(id); err != nil {
			return err
		}
		if !p.CanEditSolution(*out.Solution) {
			return fmt.Errorf("store: confirm adoption %d: %w", id, catalog.ErrForbidden)
		}
		if out.Claimed() {
			v := catalog.ValidationError{}
			v.AddM("confirmation", i18n.M("storeerr.claim_only_adopter"))
			return &v
		}
		return t.setConfirmation(&out, c)
	})
	return out, translate(err, "confirm adoption")
}

// AnswerAdoptionClaim is the adopter's answer to a provider's claim, for p,
// who must edit the adopting organisation's adoptions
// (catalog.Principal.CanEditAdoptionsOf): accepted, the adoption counts and
// is confirmed (both sides say so); rejected, it is deleted. An adoption that
// is no claim is a conflict.
func (s *Store) AnswerAdoptionClaim(ctx context.Context, p catalog.Principal, id uint, accept bool) (catalog.Adoption, error) {
	var out catalog.Adoption
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var err error
		if out, err = t.loadAdoption(id); err != nil {
			return err
		}
		if !p.CanEditAdoptionsOf(*out.Organisation) {
			return fmt.Errorf("store: answer claim %d: %w", id, catalog.ErrForbidden)
		}
		if !out.Claimed() {
			return fmt.Errorf("store: adoption %d is no provider's claim: %w", id, catalog.ErrConflict)
		}
		if !accept {
			return t.deleteAdoption(&out)
		}
		return t.setConfirmation(&out, catalog.ConfirmationConfirmed)
	})
	return out, translate(err, "answer adoption claim")
}

// DeleteAdoption removes one adoption and appends its delete event, for p,
// who must edit the adopting organisation's adoptions; a provider may also
// withdraw its own claim.
func (s *Store) DeleteAdoption(ctx context.Context, p catalog.Principal, id uint) error {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		a, err := t.loadAdoption(id)
		if err != nil {
			return err
		}
		if !p.CanEditAdoptionsOf(*a.Organisation) && !(a.Claimed() && p.CanEditSolution(*a.Solution)) {
			return fmt.Errorf("store: delete adoption %d: %w", id, catalog.ErrForbidden)
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
	db := s.r.WithContext(ctx)
	q := db.Model(&catalog.Adoption{}).Select(adoptionOwnColumns).
		Joins("JOIN organisations ON organisations.id = adoptions.organisation_id").
		Joins("JOIN solutions ON solutions.id = adoptions.solution_id")
	// The id last: a stable order, so pages cut from it neither repeat nor lose a row.
	rows, err := where(q).Order("organisations.land_key").Order("organisations.name").Order("solutions.name").Order("adoptions.id").Rows()
	if err != nil {
		return nil, translate(err, "adoptions "+what)
	}
	defer rows.Close()
	// Scanned column by column: GORM's reflection cost more than the query
	// for the thousands of adoptions of an OZG-Leistung at national scale.
	var out []catalog.Adoption
	var a catalog.Adoption
	dest := adoptionFields(&a)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, translate(err, "adoptions "+what)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "adoptions "+what)
	}
	rows.Close()
	return out, translate(attachAdoptionRefs(db, out), "adoptions "+what)
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

// AdoptionsByOrganisationPage returns one page (offset, limit) of the
// adoptions an organisation made, by solution name, and how many there are.
func (s *Store) AdoptionsByOrganisationPage(ctx context.Context, kind catalog.OrgKind, key string, offset, limit int) ([]catalog.Adoption, int64, error) {
	var total int64
	err := s.r.WithContext(ctx).Model(&catalog.Adoption{}).Where("organisation_id IN (?)",
		s.r.Model(&catalog.Organisation{}).Select("id").Where("kind = ? AND key = ?", kind, key)).Count(&total).Error
	if err != nil {
		return nil, 0, translate(err, "count adoptions by organisation")
	}
	list, err := s.adoptions(ctx, "by organisation", func(q *gorm.DB) *gorm.DB {
		return q.Where("organisations.kind = ? AND organisations.key = ?", kind, key).Offset(offset).Limit(limit)
	})
	return list, total, err
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

// counted is the condition (on the adoptions table or its alias) that
// leaves out providers' claims, which count in no figure until the adopter
// accepts them. Its one argument is catalog.ConfirmationClaimed.
func counted(alias string) string { return "COALESCE(" + alias + ".confirmation, '') <> ?" }

// PendingAdoptionClaims returns the providers' claims waiting for the
// organisation's answer (AnswerAdoptionClaim), by solution name.
func (s *Store) PendingAdoptionClaims(ctx context.Context, kind catalog.OrgKind, key string) ([]catalog.Adoption, error) {
	return s.adoptions(ctx, "claims of organisation", func(q *gorm.DB) *gorm.DB {
		return q.Where("organisations.kind = ? AND organisations.key = ? AND adoptions.confirmation = ?", kind, key, catalog.ConfirmationClaimed)
	})
}

// AdoptionFacts returns what the search index must agree with: per
// Länderschlüssel the slugs of the solutions adopted in the Land (by the Land
// or one of its Kreise and Gemeinden), and the number of adoptions per slug;
// providers' claims are not counted.
func (s *Store) AdoptionFacts(ctx context.Context) (inLand map[string]map[string]bool, count map[string]int, err error) {
	all, err := s.AllAdoptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	inLand, count = map[string]map[string]bool{}, map[string]int{}
	for _, a := range all {
		if a.Solution == nil || a.Organisation == nil || a.Claimed() {
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

// ForbiddenError is a refusal shown to people: Msg says what the actor may
// not do. It matches catalog.ErrForbidden with errors.Is; Error is the
// German text followed by ": forbidden" (the bulk import cuts there).
type ForbiddenError struct {
	Msg i18n.Message
}

func (e *ForbiddenError) Error() string { return e.Msg.String() + ": " + catalog.ErrForbidden.Error() }

// Unwrap makes errors.Is(err, catalog.ErrForbidden) true.
func (e *ForbiddenError) Unwrap() error { return catalog.ErrForbidden }

// ForbiddenMsg returns the message of a ForbiddenError in err, for
// i18n.Localize; ok is false when err holds none.
func ForbiddenMsg(err error) (m i18n.Message, ok bool) {
	var fe *ForbiddenError
	if errors.As(err, &fe) {
		return fe.Msg, true
	}
	return i18n.Message{}, false
}
