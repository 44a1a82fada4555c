package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"

	"efa-register/internal/catalog"
)

// SearchSolution is a solution as the search index needs it: its own fields,
// the provider, the OZG-IDs it covers (services without LeiKa; the index keeps
// the service texts itself), its number of adoptions and the Länder in which
// it was adopted (by the Land or one of its Kreise or Gemeinden).
type SearchSolution struct {
	catalog.Solution
	AdoptionCount  int
	AdoptedInLands []string
}

// SolutionsForSearch returns the solutions with the given slugs in the shape
// the search index needs; slugs that do not exist are left out.
func (s *Store) SolutionsForSearch(ctx context.Context, slugs []string) ([]SearchSolution, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	var out []SearchSolution
	// SQLite limits the number of bound variables; 500 slugs a query stays far below it.
	for start := 0; start < len(slugs); start += 500 {
		end := min(start+500, len(slugs))
		var sols []catalog.Solution
		err := s.r.WithContext(ctx).Preload("Provider").
			Preload("Services", orderServices).
			Where("slug IN ?", slugs[start:end]).Order("id").Find(&sols).Error
		if err != nil {
			return nil, translate(err, "solutions for search")
		}
		part, err := s.withAdoptionFacts(ctx, sols)
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// EachSolutionForSearch calls fn with every solution, in batches of at most
// batch, ordered by id. It is how the search index is rebuilt without holding
// a large catalogue in memory at once.
func (s *Store) EachSolutionForSearch(ctx context.Context, batch int, fn func([]SearchSolution) error) error {
	if batch <= 0 {
		batch = 1000
	}
	var lastID uint
	for {
		var sols []catalog.Solution
		err := s.r.WithContext(ctx).Preload("Provider").
			Preload("Services", orderServices).
			Where("id > ?", lastID).Order("id").Limit(batch).Find(&sols).Error
		if err != nil {
			return translate(err, "solutions for search")
		}
		if len(sols) == 0 {
			return nil
		}
		lastID = sols[len(sols)-1].ID
		part, err := s.withAdoptionFacts(ctx, sols)
		if err != nil {
			return err
		}
		if err := fn(part); err != nil {
			return err
		}
		if len(sols) < batch {
			return nil
		}
	}
}

// withAdoptionFacts adds the adoption count and the adopting Länder.
func (s *Store) withAdoptionFacts(ctx context.Context, sols []catalog.Solution) ([]SearchSolution, error) {
	if len(sols) == 0 {
		return nil, nil
	}
	ids := make([]uint, len(sols))
	for i, sol := range sols {
		ids[i] = sol.ID
	}
	type row struct {
		SolutionID uint
		LandKey    string
		N          int
	}
	var rows []row
	err := s.r.WithContext(ctx).Model(&catalog.Adoption{}).
		Select("adoptions.solution_id, o.land_key, count(*) AS n").
		Joins("JOIN organisations o ON o.id = adoptions.organisation_id").
		Where("adoptions.solution_id IN ?", ids).Where(counted("adoptions"), catalog.ConfirmationClaimed).
		Group("adoptions.solution_id, o.land_key").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "adoption facts for search")
	}
	count := map[uint]int{}
	lands := map[uint][]string{}
	for _, r := range rows {
		count[r.SolutionID] += r.N
		if r.LandKey != "" {
			lands[r.SolutionID] = append(lands[r.SolutionID], r.LandKey)
		}
	}
	out := make([]SearchSolution, len(sols))
	for i, sol := range sols {
		l := lands[sol.ID]
		sort.Strings(l)
		out[i] = SearchSolution{Solution: sol, AdoptionCount: count[sol.ID], AdoptedInLands: l}
	}
	return out, nil
}

// SolutionSlugsByServices returns the slugs of the solutions covering any of the OZG-Leistungen.
func (s *Store) SolutionSlugsByServices(ctx context.Context, ozgIDs []string) ([]string, error) {
	if len(ozgIDs) == 0 {
		return nil, nil
	}
	var slugs []string
	err := s.r.WithContext(ctx).Model(&catalog.Solution{}).Distinct("slug").
		Where("id IN (?)", s.r.Table("solution_services").Select("solution_id").Where("service_id IN ?", ozgIDs)).
		Order("slug").Pluck("slug", &slugs).Error
	return slugs, translate(err, "solution slugs by services")
}

// SolutionSlugsByTopicField returns the slugs of the solutions of one Themenfeld.
func (s *Store) SolutionSlugsByTopicField(ctx context.Context, topicFieldID uint) ([]string, error) {
	var slugs []string
	err := s.r.WithContext(ctx).Model(&catalog.Solution{}).Where("topic_field_id = ?", topicFieldID).
		Order("slug").Pluck("slug", &slugs).Error
	return slugs, translate(err, "solution slugs by topic field")
}

// SolutionSlugsByOrganisation returns the slugs of the solutions that the
// organisation (kind and key) provides or has adopted.
func (s *Store) SolutionSlugsByOrganisation(ctx context.Context, kind catalog.OrgKind, key string) ([]string, error) {
	org := s.r.Model(&catalog.Organisation{}).Select("id").Where("kind = ? AND key = ?", kind, key)
	var slugs []string
	err := s.r.WithContext(ctx).Model(&catalog.Solution{}).
		Where("provider_id IN (?) OR id IN (?)", org,
			s.r.Model(&catalog.Adoption{}).Select("solution_id").Where("organisation_id IN (?)", org)).
		Order("slug").Pluck("slug", &slugs).Error
	return slugs, translate(err, "solution slugs by organisation")
}

// AdoptionSolutionSlug returns the slug of the solution an adoption belongs to.
func (s *Store) AdoptionSolutionSlug(ctx context.Context, adoptionID string) (string, error) {
	id, err := strconv.ParseUint(adoptionID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("store: adoption id %q: %w", adoptionID, catalog.ErrInvalid)
	}
	var slugs []string
	err = s.r.WithContext(ctx).Model(&catalog.Solution{}).
		Where("id = (?)", s.r.Model(&catalog.Adoption{}).Select("solution_id").Where("id = ?", id)).
		Pluck("slug", &slugs).Error
	if err != nil {
		return "", translate(err, "solution of adoption")
	}
	if len(slugs) == 0 {
		return "", fmt.Errorf("store: adoption %d: %w", id, catalog.ErrNotFound)
	}
	return slugs[0], nil
}

// ServiceIDsOfLeika returns the OZG-IDs that LeiKa services with the given key belong to.
func (s *Store) ServiceIDsOfLeika(ctx context.Context, leikaKey string) ([]string, error) {
	var ids []string
	err := s.r.WithContext(ctx).Model(&catalog.LeikaService{}).Distinct("service_id").
		Where("key = ? AND service_id IS NOT NULL", leikaKey).Pluck("service_id", &ids).Error
	return ids, translate(err, "services of LeiKa "+leikaKey)
}

// AllOrganisations returns every organisation, ordered by kind and key.
func (s *Store) AllOrganisations(ctx context.Context) ([]catalog.Organisation, error) {
	var out []catalog.Organisation
	err := s.r.WithContext(ctx).Order("kind").Order("key").Find(&out).Error
	return out, translate(err, "all organisations")
}

// OrganisationsForLookup returns every organisation with only the fields a
// type-ahead lookup shows (kind, key, name, ARS, AGS, Land, Kreis, postcode,
// population), ordered by kind and key; it reads about half as much as
// AllOrganisations.
func (s *Store) OrganisationsForLookup(ctx context.Context) ([]catalog.Organisation, error) {
	rows, err := s.r.WithContext(ctx).Model(&catalog.Organisation{}).
		Select("id, kind, key, name, ars, ags, land_key, kreis_key, postcode, population").
		Order("kind").Order("key").Rows()
	if err != nil {
		return nil, translate(err, "organisations for lookup")
	}
	defer rows.Close()
	var out []catalog.Organisation
	for rows.Next() {
		var o catalog.Organisation
		var ars, ags, land, kreis, postcode sql.NullString
		if err := rows.Scan(&o.ID, &o.Kind, &o.Key, &o.Name, &ars, &ags, &land, &kreis, &postcode, &o.Population); err != nil {
			return nil, translate(err, "organisations for lookup")
		}
		o.ARS, o.AGS, o.LandKey, o.KreisKey, o.Postcode = ars.String, ags.String, land.String, kreis.String, postcode.String
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "organisations for lookup")
	}
	return out, nil
}
