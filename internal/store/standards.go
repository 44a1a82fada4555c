package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
	"efa-register/seed"
)

// vocabulary is the controlled list of standards embedded in seed/standards.csv;
// it is fixed data of the binary, parsed once.
var vocabulary = sync.OnceValues(func() (*catalog.Vocabulary, error) {
	f, err := seed.FS.Open("standards.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return catalog.ParseVocabulary(f)
})

// Vocabulary returns the controlled list of standards (seed/standards.csv).
// The file is embedded and checked by the tests, so a parse error is a
// broken build and panics.
func Vocabulary() *catalog.Vocabulary {
	v, err := vocabulary()
	if err != nil {
		panic(fmt.Sprintf("store: vocabulary: %v", err))
	}
	return v
}

// checkProfile sorts and checks a solution's standards profile against the vocabulary.
func checkProfile(sol *catalog.Solution, v *catalog.ValidationError) {
	p, err := sol.StandardsProfile.Check(Vocabulary())
	sol.StandardsProfile = p
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		for f, msg := range ve.Fields {
			if m, ok := ve.Msgs[f]; ok {
				v.AddM(f, m)
			} else {
				v.Add(f, msg)
			}
		}
	}
}

// environmentID is the entity id of an organisation's environment in the event log.
func environmentID(o catalog.Organisation) string { return string(o.Kind) + ":" + o.Key }

// EnvironmentOf returns the standards the organisation recorded itself, by key.
func (s *Store) EnvironmentOf(ctx context.Context, orgID uint) ([]string, error) {
	var keys []string
	err := s.r.WithContext(ctx).Model(&catalog.EnvironmentEntry{}).Where("organisation_id = ?", orgID).
		Order("standard").Pluck("standard", &keys).Error
	return keys, translate(err, "environment")
}

// SetEnvironment replaces what the organisation runs with the given
// standards. Only the organisation's own members may (checked here, on the
// one write path); unknown keys are a validation error on field "standards".
func (s *Store) SetEnvironment(ctx context.Context, p catalog.Principal, org catalog.Organisation, standards []string) error {
	v := Vocabulary()
	var ve catalog.ValidationError
	var keys []string
	for _, k := range standards {
		if _, ok := v.Get(k); !ok {
			ve.AddM("standards", i18n.M("storeerr.standard_unknown", "Key", k))
			continue
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var stored catalog.Organisation
		if err := t.db.Where("kind = ? AND key = ?", org.Kind, org.Key).First(&stored).Error; err != nil {
			return err
		}
		if !p.CanEditEnvironmentOf(stored) {
			return fmt.Errorf("environment of %s for %s: %w", environmentID(stored), p.Actor(), catalog.ErrForbidden)
		}
		if err := ve.Err(); err != nil {
			return err
		}
		var old []string
		if err := t.db.Model(&catalog.EnvironmentEntry{}).Where("organisation_id = ?", stored.ID).Order("standard").Pluck("standard", &old).Error; err != nil {
			return err
		}
		changed, err := t.event(catalog.EntityEnvironment, environmentID(stored), catalog.ActionUpdate,
			map[string]any{"standards": anyList(old)}, map[string]any{"standards": anyList(keys)})
		if err != nil || !changed {
			return err
		}
		if err := t.db.Where("organisation_id = ?", stored.ID).Delete(&catalog.EnvironmentEntry{}).Error; err != nil {
			return err
		}
		for _, k := range keys {
			if err := t.db.Create(&catalog.EnvironmentEntry{OrganisationID: stored.ID, Standard: k}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "set environment of "+environmentID(org))
}

func anyList(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// EnvironmentLevels returns the organisation's own environment followed by
// those of its Kreis (for a Gemeinde) and its Land (for a Gemeinde or
// Kreis): the levels catalog.EffectiveEnvironment merges.
func (s *Store) EnvironmentLevels(ctx context.Context, org catalog.Organisation) ([]catalog.OrgEnvironment, error) {
	levels := []catalog.OrgEnvironment{{Org: org}}
	if org.Kind == catalog.KindGemeinde && org.KreisKey != "" {
		if k, err := s.OrganisationByKey(ctx, catalog.KindKreis, org.KreisKey); err == nil {
			levels = append(levels, catalog.OrgEnvironment{Org: k})
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
	}
	if (org.Kind == catalog.KindGemeinde || org.Kind == catalog.KindKreis) && org.LandKey != "" {
		if l, err := s.OrganisationByKey(ctx, catalog.KindLand, org.LandKey); err == nil {
			levels = append(levels, catalog.OrgEnvironment{Org: l})
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
	}
	for i := range levels {
		keys, err := s.EnvironmentOf(ctx, levels[i].Org.ID)
		if err != nil {
			return nil, err
		}
		levels[i].Standards = keys
	}
	return levels, nil
}

// EffectiveEnvironment returns the environment the fit check uses for the
// organisation: its own entries, per dimension the Kreis's or Land's where it has none.
func (s *Store) EffectiveEnvironment(ctx context.Context, org catalog.Organisation) (catalog.Environment, error) {
	levels, err := s.EnvironmentLevels(ctx, org)
	if err != nil {
		return nil, err
	}
	return catalog.EffectiveEnvironment(Vocabulary(), levels...), nil
}

// FitsBySlug checks every solution that has a standards profile against
// env and returns the results by slug (solutions without a profile are
// absent: their fit is unknown). It streams the profiles from a cursor, so
// only the results are held, never the solutions.
func (s *Store) FitsBySlug(ctx context.Context, env catalog.Environment) (map[string]catalog.FitResult, error) {
	rows, err := s.r.WithContext(ctx).Model(&catalog.Solution{}).Select("slug", "standards_profile").
		Where("standards_profile IS NOT NULL AND standards_profile <> ''").Rows()
	if err != nil {
		return nil, translate(err, "solution profiles")
	}
	defer rows.Close()
	v := Vocabulary()
	out := map[string]catalog.FitResult{}
	for rows.Next() {
		var slug string
		var p catalog.Profile
		if err := rows.Scan(&slug, &p); err != nil {
			return nil, translate(err, "solution profiles")
		}
		out[slug] = catalog.CheckFit(v, p, env).Result
	}
	return out, translate(rows.Err(), "solution profiles")
}

// ProfilesByID returns the standards profiles of the solutions with the
// given ids (those without a profile are absent).
func (s *Store) ProfilesByID(ctx context.Context, ids []uint) (map[uint]catalog.Profile, error) {
	out := make(map[uint]catalog.Profile, len(ids))
	for chunk := range slices.Chunk(ids, batchRows) {
		rows, err := s.r.WithContext(ctx).Model(&catalog.Solution{}).Select("id", "standards_profile").
			Where("id IN ? AND standards_profile IS NOT NULL AND standards_profile <> ''", chunk).Rows()
		if err != nil {
			return nil, translate(err, "solution profiles")
		}
		for rows.Next() {
			var id uint
			var p catalog.Profile
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return nil, translate(err, "solution profiles")
			}
			out[id] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, translate(err, "solution profiles")
		}
	}
	return out, nil
}

// ProfileCounts returns how many solutions have a standards profile, and how many there are.
func (s *Store) ProfileCounts(ctx context.Context) (withProfile, total int64, err error) {
	db := s.r.WithContext(ctx).Model(&catalog.Solution{})
	if err = db.Count(&total).Error; err != nil {
		return 0, 0, translate(err, "count solutions")
	}
	err = s.r.WithContext(ctx).Model(&catalog.Solution{}).Where("standards_profile IS NOT NULL AND standards_profile <> ''").Count(&withProfile).Error
	return withProfile, total, translate(err, "count solution profiles")
}
