package store

import (
	"context"
	"fmt"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// Releases are part of their solution: adding or removing one is written as
// an update event of the solution with the field "release <version>", so it
// shows in the solution's history, the change feed and the webhooks like
// any other change the provider makes, and only the provider may make it.

// releaseField is the field name of a release in the solution's events.
func releaseField(version string) string { return "release " + version }

// releaseRecord is the shape of a release in the event log.
func releaseRecord(r catalog.Release) map[string]any {
	m := map[string]any{"version": r.Version, "date": r.Date}
	if r.Notes != "" {
		m["notes"] = r.Notes
	}
	if r.URL != "" {
		m["url"] = r.URL
	}
	return m
}

// Releases returns the releases of a solution, newest first (by date, then
// by entry); the first is the current release.
func (s *Store) Releases(ctx context.Context, slug string) ([]catalog.Release, error) {
	var out []catalog.Release
	err := s.r.WithContext(ctx).Joins("JOIN solutions ON solutions.id = releases.solution_id").
		Where("solutions.slug = ?", slug).Order("releases.date desc").Order("releases.id desc").Find(&out).Error
	return out, translate(err, fmt.Sprintf("releases of %q", slug))
}

// AddRelease records a new release of the solution for p, who must edit
// the solution (catalog.Principal.CanEditSolution). A version is entered once.
func (s *Store) AddRelease(ctx context.Context, p catalog.Principal, slug string, r catalog.Release) (catalog.Release, error) {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		sol, err := t.loadSolution(slug)
		if err != nil {
			return err
		}
		if err := t.mayEditSolution(p, sol); err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		var n int64
		if err := t.db.Model(&catalog.Release{}).Where("solution_id = ? AND version = ?", sol.ID, r.Version).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			v := &catalog.ValidationError{}
			v.AddM("version", i18n.M("storeerr.release_exists", "Version", r.Version))
			return v
		}
		r.ID, r.SolutionID, r.Solution, r.CreatedAt = 0, sol.ID, nil, t.now
		if err := t.db.Create(&r).Error; err != nil {
			return err
		}
		f := releaseField(r.Version)
		_, err = t.event(catalog.EntitySolution, slug, catalog.ActionUpdate, map[string]any{f: nil}, map[string]any{f: releaseRecord(r)})
		return err
	})
	return r, translate(err, fmt.Sprintf("add release of %q", slug))
}

// Release returns one release of a solution by its version.
func (s *Store) Release(ctx context.Context, slug, version string) (catalog.Release, error) {
	var r catalog.Release
	err := s.r.WithContext(ctx).Joins("JOIN solutions ON solutions.id = releases.solution_id").
		Where("solutions.slug = ? AND releases.version = ?", slug, version).First(&r).Error
	return r, translate(err, fmt.Sprintf("release %q of %q", version, slug))
}

// editableRelease loads a release of the solution for p, who must edit the
// solution, and runs the precondition (nil for none) on it.
func (t *tx) editableRelease(p catalog.Principal, slug, version string, precondition func(catalog.Release) error) (catalog.Solution, catalog.Release, error) {
	var r catalog.Release
	sol, err := t.loadSolution(slug)
	if err != nil {
		return sol, r, err
	}
	if err := t.mayEditSolution(p, sol); err != nil {
		return sol, r, err
	}
	if err := t.db.Where("solution_id = ? AND version = ?", sol.ID, version).First(&r).Error; err != nil {
		return sol, r, err
	}
	if precondition != nil {
		err = precondition(r)
	}
	return sol, r, err
}

// UpdateRelease replaces the date, notes and link of a recorded release for
// p, who must edit the solution; the version stays. precondition, when not
// nil, is called with the stored release inside the write transaction (the
// API checks If-Match there); an error from it stops the write.
func (s *Store) UpdateRelease(ctx context.Context, p catalog.Principal, slug, version string, r catalog.Release, precondition func(catalog.Release) error) (catalog.Release, error) {
	var out catalog.Release
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		_, old, err := t.editableRelease(p, slug, version, precondition)
		if err != nil {
			return err
		}
		r.Version = old.Version
		if err := r.Validate(); err != nil {
			return err
		}
		r.ID, r.SolutionID, r.Solution, r.CreatedAt = old.ID, old.SolutionID, nil, old.CreatedAt
		out = r
		f := releaseField(r.Version)
		changed, err := t.event(catalog.EntitySolution, slug, catalog.ActionUpdate, map[string]any{f: releaseRecord(old)}, map[string]any{f: releaseRecord(r)})
		if err != nil || !changed {
			return err
		}
		return t.db.Model(&old).Select("date", "notes", "url").Updates(map[string]any{"date": r.Date, "notes": r.Notes, "url": r.URL}).Error
	})
	return out, translate(err, fmt.Sprintf("update release %q of %q", version, slug))
}

// DeleteRelease removes a release of the solution for p (who must edit the
// solution). A release that adopters still name is kept: the conflict says
// how many do.
func (s *Store) DeleteRelease(ctx context.Context, p catalog.Principal, slug, version string) error {
	return s.DeleteReleaseIf(ctx, p, slug, version, nil)
}

// DeleteReleaseIf is DeleteRelease with a precondition checked on the
// stored release inside the write transaction (nil for none).
func (s *Store) DeleteReleaseIf(ctx context.Context, p catalog.Principal, slug, version string, precondition func(catalog.Release) error) error {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		sol, r, err := t.editableRelease(p, slug, version, precondition)
		if err != nil {
			return err
		}
		var n int64
		if err := t.db.Model(&catalog.Adoption{}).Where("solution_id = ? AND release = ?", sol.ID, version).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			v := &catalog.ValidationError{}
			v.AddM("version", i18n.M("storeerr.release_in_use", "Count", n, "Version", version))
			return v
		}
		if err := t.db.Delete(&catalog.Release{}, r.ID).Error; err != nil {
			return err
		}
		f := releaseField(r.Version)
		_, err = t.event(catalog.EntitySolution, slug, catalog.ActionUpdate, map[string]any{f: releaseRecord(r)}, map[string]any{f: nil})
		return err
	})
	return translate(err, fmt.Sprintf("delete release %q of %q", version, slug))
}

// ReleaseStanding is what the solution page shows about releases: the
// current release and how many adopters that run the solution (onboarding
// or live, claims left out) run an older one or named none.
type ReleaseStanding struct {
	Current *catalog.Release
	// Older counts the running adopters that name another release than the current one.
	Older int64
	// OnCurrent counts those that name the current release.
	OnCurrent int64
	// Unknown counts the running adopters that named no release.
	Unknown int64
}

// ReleaseStandingOf returns the release standing of a solution.
func (s *Store) ReleaseStandingOf(ctx context.Context, slug string) (ReleaseStanding, error) {
	var st ReleaseStanding
	rels, err := s.Releases(ctx, slug)
	if err != nil || len(rels) == 0 {
		return st, err
	}
	st.Current = &rels[0]
	var rows []struct {
		Release string
		N       int64
	}
	err = s.r.WithContext(ctx).Model(&catalog.Adoption{}).Select("COALESCE(adoptions.release, '') AS release, count(*) AS n").
		Joins("JOIN solutions ON solutions.id = adoptions.solution_id").
		Where("solutions.slug = ? AND adoptions.status IN ? AND "+counted("adoptions"), slug,
			[]catalog.AdoptionStatus{catalog.AdoptionOnboarding, catalog.AdoptionLive}, catalog.ConfirmationClaimed).
		Group("COALESCE(adoptions.release, '')").Scan(&rows).Error
	if err != nil {
		return st, translate(err, "release standing")
	}
	for _, r := range rows {
		switch r.Release {
		case "":
			st.Unknown += r.N
		case st.Current.Version:
			st.OnCurrent += r.N
		default:
			st.Older += r.N
		}
	}
	return st, nil
}
