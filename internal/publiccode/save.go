package publiccode

import (
	"context"
	"fmt"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// UsedBySource is the Source of adoptions registered from a usedBy list.
const UsedBySource = "publiccode.yml usedBy"

// Saver is what Save writes through; *store.Store has it.
type Saver interface {
	CreateSolution(ctx context.Context, p catalog.Principal, in store.SolutionInput) (catalog.Solution, error)
	ClaimAdoptions(ctx context.Context, p catalog.Principal, inputs []store.AdoptionInput, mode store.BatchMode) ([]store.BatchRow, bool, error)
	ReleaseRecorder
}

// ReleaseRecorder records releases; *store.Store has it.
type ReleaseRecorder interface {
	Releases(ctx context.Context, slug string) ([]catalog.Release, error)
	AddRelease(ctx context.Context, p catalog.Principal, slug string, r catalog.Release) (catalog.Release, error)
}

// RecordRelease adds the release a file names (softwareVersion and
// releaseDate) to the solution, unless that version is recorded already;
// it reports whether it added one.
func RecordRelease(ctx context.Context, rr ReleaseRecorder, p catalog.Principal, slug string, r *catalog.Release) (bool, error) {
	if r == nil {
		return false, nil
	}
	rels, err := rr.Releases(ctx, slug)
	if err != nil {
		return false, err
	}
	for _, have := range rels {
		if have.Version == r.Version {
			return false, nil
		}
	}
	if _, err := rr.AddRelease(ctx, p, slug, *r); err != nil {
		return false, fmt.Errorf("publiccode: release %s of %s: %w", r.Version, slug, err)
	}
	return true, nil
}

// Chosen is a usedBy entry the provider accepted, with the organisation and status.
type Chosen struct {
	Name   string
	Kind   catalog.OrgKind
	Key    string
	Status catalog.AdoptionStatus
}

// SaveResult is what Save wrote.
type SaveResult struct {
	Solution catalog.Solution
	// Adopted are the usedBy entries written; Claimed those of them stored
	// as the provider's claims („vom Anbieter gemeldet“, counted nowhere
	// until the adopter accepts), the others were registered for adopters
	// the uploader acts for. Rejected are the ones the register refused,
	// with the reason.
	Adopted  []Chosen
	Claimed  []Chosen
	Rejected []string
	// Release is the version recorded from softwareVersion and releaseDate; "" when none was.
	Release string
}

// Save creates the draft's solution for the provider and records the chosen
// usedBy entries, for p, through the store's claim path
// (store.ClaimAdoptions): for an organisation p may not act for, the entry
// is the provider's claim („vom Anbieter gemeldet“), which counts in no
// figure until the organisation accepts it; it never changes an adoption the
// organisation registered itself. Source is "publiccode.yml usedBy". The
// solution is one transaction and the adoptions another; a refused adoption
// is reported, never silently left out.
func Save(ctx context.Context, sv Saver, p catalog.Principal, d *Draft, providerKind catalog.OrgKind, providerKey string, adopters []Chosen) (SaveResult, error) {
	var res SaveResult
	sol, err := sv.CreateSolution(ctx, p, store.SolutionInput{Solution: d.Solution, ProviderKind: providerKind, ProviderKey: providerKey, OZGIDs: d.OZGIDs})
	if err != nil {
		return res, err
	}
	res.Solution = sol
	if ok, err := RecordRelease(ctx, sv, p, sol.Slug, d.Release); err != nil {
		return res, err
	} else if ok {
		res.Release = d.Release.Version
	}
	return ClaimUsedBy(ctx, sv, p, res, adopters)
}

// ClaimUsedBy records the chosen usedBy entries of a solution that is
// already saved (res.Solution), as Save does after the create; the API's
// create from a publiccode.yml calls it after its own create.
func ClaimUsedBy(ctx context.Context, sv Saver, p catalog.Principal, res SaveResult, adopters []Chosen) (SaveResult, error) {
	sol := res.Solution
	if len(adopters) == 0 {
		return res, nil
	}
	inputs := make([]store.AdoptionInput, len(adopters))
	for i, a := range adopters {
		inputs[i] = store.AdoptionInput{SolutionSlug: sol.Slug, AdopterKind: a.Kind, AdopterKey: a.Key,
			Adoption: catalog.Adoption{Status: a.Status, Source: UsedBySource,
				Note: fmt.Sprintf("Laut publiccode.yml des Anbieters (usedBy: „%s“); von der Organisation nicht bestätigt.", a.Name)}}
	}
	rows, _, err := sv.ClaimAdoptions(ctx, p, inputs, store.ApplyValid)
	if err != nil {
		return res, fmt.Errorf("publiccode: register usedBy of %s: %w", sol.Slug, err)
	}
	for i, r := range rows {
		if r.Err != nil {
			res.Rejected = append(res.Rejected, fmt.Sprintf("%s: %v", adopters[i].Name, r.Err))
			continue
		}
		res.Adopted = append(res.Adopted, adopters[i])
		if r.Adoption.Claimed() {
			res.Claimed = append(res.Claimed, adopters[i])
		}
	}
	return res, nil
}

// MatchedAdopters returns the usedBy entries with exactly one matching
// organisation, as the command line registers them without asking.
func (d *Draft) MatchedAdopters() []Chosen {
	var out []Chosen
	for _, a := range d.Adopters {
		if a.Match != nil {
			out = append(out, Chosen{Name: a.Name, Kind: a.Match.Kind, Key: a.Match.Key, Status: a.Status})
		}
	}
	return out
}
