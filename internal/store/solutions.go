package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// SolutionFilter selects, sorts and pages solutions.
type SolutionFilter struct {
	// Query matches the name or summary (case-insensitive substring); the
	// search package does real full-text search.
	Query         string
	TopicFieldID  uint
	ProviderLand  string // Länderschlüssel of the providing Land, or "DE" for the Bund
	Status        catalog.SolutionStatus
	OZGID         string
	AdoptedInLand string // Länderschlüssel: adopted by the Land or one of its Kreise/Gemeinden
	Sort          string // "name" (default), "updated", "adoptions"
	Page, PerPage int
}

// SolutionPage is one page of a solution list.
type SolutionPage struct {
	Items         []catalog.Solution
	Total         int64
	Page, PerPage int
}

// Pages is the number of pages.
func (p SolutionPage) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// FindSolutions returns the solutions matching f, with provider and services.
func (s *Store) FindSolutions(ctx context.Context, f SolutionFilter) (SolutionPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 20
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	q := s.r.WithContext(ctx).Model(&catalog.Solution{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + strings.ToLower(t) + "%"
		q = q.Where("lower(solutions.name) LIKE ? OR lower(solutions.summary) LIKE ?", like, like)
	}
	if f.TopicFieldID != 0 {
		q = q.Where("solutions.topic_field_id = ?", f.TopicFieldID)
	}
	if f.Status != "" {
		q = q.Where("solutions.status = ?", f.Status)
	}
	if f.ProviderLand != "" {
		kind := catalog.KindLand
		if f.ProviderLand == catalog.BundKey {
			kind = catalog.KindBund
		}
		q = q.Where("solutions.provider_id IN (?)",
			s.r.Model(&catalog.Organisation{}).Select("id").Where("kind = ? AND key = ?", kind, f.ProviderLand))
	}
	if f.OZGID != "" {
		q = q.Where("solutions.id IN (?)", s.r.Table("solution_services").Select("solution_id").Where("service_id = ?", f.OZGID))
	}
	if f.AdoptedInLand != "" {
		q = q.Where("solutions.id IN (?)", s.r.Model(&catalog.Adoption{}).Select("adoptions.solution_id").
			Joins("JOIN organisations o ON o.id = adoptions.organisation_id").
			Where("o.land_key = ?", f.AdoptedInLand))
	}
	page := SolutionPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&page.Total).Error; err != nil {
		return page, translate(err, "count solutions")
	}
	switch f.Sort {
	case "updated":
		q = q.Order("solutions.updated_at desc").Order("solutions.name")
	case "adoptions":
		// A plain string: GORM drops a clause.Expr given to Order.
		q = q.Order("(SELECT count(*) FROM adoptions a WHERE a.solution_id = solutions.id) DESC").Order("solutions.name")
	default:
		q = q.Order("solutions.name")
	}
	err := q.Preload("Provider").Preload("Services", orderServices).
		Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&page.Items).Error
	return page, translate(err, "find solutions")
}

// AllSolutions returns every solution with provider and services, by name.
func (s *Store) AllSolutions(ctx context.Context) ([]catalog.Solution, error) {
	out, err := findSolutions(s.r.WithContext(ctx))
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, translate(err, "all solutions")
}

// SolutionBySlug returns one solution with its provider and services.
func (s *Store) SolutionBySlug(ctx context.Context, slug string) (catalog.Solution, error) {
	var sol catalog.Solution
	err := s.r.WithContext(ctx).Preload("Provider").
		Preload("Services", orderServices).
		Where("slug = ?", slug).First(&sol).Error
	return sol, translate(err, fmt.Sprintf("solution %q", slug))
}

// SolutionsByService returns the solutions that cover an OZG-Leistung.
func (s *Store) SolutionsByService(ctx context.Context, ozgID string) ([]catalog.Solution, error) {
	p, err := s.FindSolutions(ctx, SolutionFilter{OZGID: ozgID, PerPage: 200})
	return p.Items, err
}

// solutionRecord is the flat shape of a solution in the event log: the
// provider by its key and the services by OZG-ID.
func solutionRecord(sol *catalog.Solution) map[string]any {
	if sol == nil {
		return nil
	}
	copy := *sol
	copy.Provider, copy.Services = nil, nil
	m := fields(&copy)
	if sol.Provider != nil {
		m["provider"] = string(sol.Provider.Kind) + ":" + sol.Provider.Key
	}
	ids := sol.OZGIDs()
	sort.Strings(ids)
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	m["ozgIds"] = list
	if sol.Publiccode != nil {
		m["publiccode"] = fields(sol.Publiccode)
	}
	return m
}

// SolutionInput is what a writer supplies for a solution: its fields, the
// provider by kind and key, and the OZG-IDs it covers.
type SolutionInput struct {
	Solution     catalog.Solution
	ProviderKind catalog.OrgKind
	ProviderKey  string
	OZGIDs       []string
	// Precondition, when set, is called inside the write transaction with
	// the stored solution (provider and services loaded, services by
	// OZG-ID) before an update or delete; an error from it stops the write.
	// The API checks If-Match here, so no other write can slip in between.
	Precondition func(current catalog.Solution) error
	// Idempotency, when set on a create, records the request under its key
	// in the same transaction (see Idempotency).
	Idempotency *Idempotency
}

// resolve validates the input and loads the provider and services inside tx.
func (in *SolutionInput) resolve(t *tx) (catalog.Solution, error) {
	sol := in.Solution
	if err := sol.Validate(); err != nil {
		return sol, err
	}
	var v catalog.ValidationError
	checkProfile(&sol, &v)
	sol.Provider, sol.ProviderID = nil, nil
	if in.ProviderKey != "" {
		var org catalog.Organisation
		err := t.db.Where("kind = ? AND key = ?", in.ProviderKind, in.ProviderKey).First(&org).Error
		if err != nil {
			v.AddM("provider", i18n.M("storeerr.provider_unknown"))
		} else {
			sol.Provider, sol.ProviderID = &org, &org.ID
		}
	}
	sol.Services = nil
	seen := map[string]bool{}
	for _, id := range in.OZGIDs {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if !catalog.ValidOZGID(id) {
			v.AddM("ozgIds", i18n.M("storeerr.ozg_id_invalid", "ID", id))
			continue
		}
		var svc catalog.Service
		if err := t.db.Where("id = ?", id).First(&svc).Error; err != nil {
			v.AddM("ozgIds", i18n.M("storeerr.ozg_id_unknown", "ID", id))
			continue
		}
		sol.Services = append(sol.Services, svc)
	}
	if sol.TopicFieldID == nil && len(sol.Services) > 0 {
		tf := sol.Services[0].TopicFieldID
		sol.TopicFieldID = &tf
	}
	return sol, v.Err()
}

// CreateSolution validates and stores a new solution and appends its event.
// p must act for the provider (catalog.Principal.CanEditSolution).
func (s *Store) CreateSolution(ctx context.Context, p catalog.Principal, in SolutionInput) (catalog.Solution, error) {
	var out catalog.Solution
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		sol, err := in.resolve(t)
		if err != nil {
			return err
		}
		if err := t.mayEditSolution(p, sol); err != nil {
			return err
		}
		if err := mayProvide(p, sol); err != nil {
			return err
		}
		var n int64
		t.db.Model(&catalog.Solution{}).Where("slug = ?", sol.Slug).Count(&n)
		if n > 0 {
			v := catalog.ValidationError{}
			v.AddM("slug", i18n.M("storeerr.slug_taken"))
			return &v
		}
		if t.slugUsed(sol.Slug) {
			v := catalog.ValidationError{}
			v.AddM("slug", i18n.M("storeerr.slug_retired"))
			return &v
		}
		sol.ID = 0
		services := sol.Services
		if err := t.db.Omit("Services.*", "Provider").Create(&sol).Error; err != nil {
			return err
		}
		sol.Services = services
		if _, err := t.event(catalog.EntitySolution, sol.Slug, catalog.ActionCreate, nil, solutionRecord(&sol)); err != nil {
			return err
		}
		out = sol
		if in.Idempotency != nil {
			stored, err := t.loadSolution(sol.Slug)
			if err != nil {
				return err
			}
			return t.recordIdempotency(p, in.Idempotency, stored)
		}
		return nil
	})
	return out, translate(err, fmt.Sprintf("create solution %q", in.Solution.Slug))
}

// UpdateSolution replaces the fields of the solution with the given slug
// (the slug itself stays) and appends an event with what changed. p must
// act for the provider before and after the change.
func (s *Store) UpdateSolution(ctx context.Context, p catalog.Principal, slug string, in SolutionInput) (catalog.Solution, error) {
	var out catalog.Solution
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		old, err := t.loadSolution(slug)
		if err != nil {
			return err
		}
		if err := t.mayEditSolution(p, old); err != nil {
			return err
		}
		if in.Precondition != nil {
			if err := in.Precondition(old); err != nil {
				return err
			}
		}
		in.Solution.Slug = slug
		out, _, err = t.replaceSolution(p, old, in)
		return err
	})
	return out, translate(err, fmt.Sprintf("update solution %q", slug))
}

// replaceSolution writes in over old (loaded with provider and services)
// and appends an update event when anything changed; it reports whether
// something did. p must act for the new provider too.
func (t *tx) replaceSolution(p catalog.Principal, old catalog.Solution, in SolutionInput) (catalog.Solution, bool, error) {
	sol, err := in.resolve(t)
	if err != nil {
		return old, false, err
	}
	if err := t.mayEditSolution(p, sol); err != nil {
		return old, false, err
	}
	if sol.ProviderID != nil && (old.ProviderID == nil || *old.ProviderID != *sol.ProviderID) {
		if err := mayProvide(p, sol); err != nil {
			return old, false, err
		}
	}
	sol.ID, sol.CreatedAt = old.ID, old.CreatedAt
	// A writer that knows nothing of the publiccode.yml data (the form, the
	// JSON API) keeps it; only a publiccode.yml import replaces it.
	if sol.Publiccode == nil {
		sol.Publiccode = old.Publiccode
	}
	changed, err := t.event(catalog.EntitySolution, old.Slug, catalog.ActionUpdate, solutionRecord(&old), solutionRecord(&sol))
	if err != nil || !changed {
		return old, false, err
	}
	services := sol.Services
	if err := t.db.Omit("Services", "Provider").Select("*").Updates(&sol).Error; err != nil {
		return old, false, err
	}
	if err := t.db.Model(&sol).Omit("Services.*").Association("Services").Replace(services); err != nil {
		return old, false, err
	}
	sol.Services = services
	return sol, true, nil
}

// DeleteSolution removes a solution and its adoptions, appending a delete
// event for each. p must act for the provider.
func (s *Store) DeleteSolution(ctx context.Context, p catalog.Principal, slug string) error {
	return s.DeleteSolutionIf(ctx, p, slug, nil)
}

// DeleteSolutionIf is DeleteSolution with a precondition that is checked
// inside the write transaction on the stored solution (nil: none), after
// the permission check.
func (s *Store) DeleteSolutionIf(ctx context.Context, p catalog.Principal, slug string, precondition func(current catalog.Solution) error) error {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		old, err := t.loadSolution(slug)
		if err != nil {
			return err
		}
		if err := t.mayEditSolution(p, old); err != nil {
			return err
		}
		if precondition != nil {
			if err := precondition(old); err != nil {
				return err
			}
		}
		var adoptions []catalog.Adoption
		if err := t.db.Where("solution_id = ?", old.ID).Find(&adoptions).Error; err != nil {
			return err
		}
		for i := range adoptions {
			if err := t.deleteAdoption(&adoptions[i]); err != nil {
				return err
			}
		}
		if err := t.db.Model(&old).Association("Services").Clear(); err != nil {
			return err
		}
		if err := t.db.Delete(&catalog.Solution{}, old.ID).Error; err != nil {
			return err
		}
		_, err = t.event(catalog.EntitySolution, slug, catalog.ActionDelete, solutionRecord(&old), nil)
		return err
	})
	return translate(err, fmt.Sprintf("delete solution %q", slug))
}

// loadSolution reads a solution inside the transaction as SolutionBySlug
// does: with provider and services (by OZG-ID).
func (t *tx) loadSolution(slug string) (catalog.Solution, error) {
	var sol catalog.Solution
	err := t.db.Preload("Provider").Preload("Services", orderServices).Where("slug = ?", slug).First(&sol).Error
	return sol, err
}

// mayProvide is the rule of the registration form, kept where every write
// passes: a solution is created for (or moved to) a provider only by whom
// acts for it and only when it is a kind of organisation that provides
// solutions (Bund, Land, IT service provider); a Gemeinde's editor adopts,
// it does not provide. Admins and the register itself are free.
func mayProvide(p catalog.Principal, sol catalog.Solution) error {
	if p.Admin || sol.Provider == nil || p.CanProvideFor(*sol.Provider) {
		return nil
	}
	return fmt.Errorf("solution %q: %s does not provide solutions for %s: %w", sol.Slug, p.Actor(), sol.Provider.Key, catalog.ErrForbidden)
}

// mayEditSolution is the permission check of every solution write: the
// principal acts for the solution's provider (admins and the register
// itself for any).
func (t *tx) mayEditSolution(p catalog.Principal, sol catalog.Solution) error {
	if sol.Provider == nil && sol.ProviderID != nil {
		var prov catalog.Organisation
		if err := t.db.First(&prov, *sol.ProviderID).Error; err != nil {
			return err
		}
		sol.Provider = &prov
	}
	if !p.CanEditSolution(sol) {
		return fmt.Errorf("solution %q for %s: %w", sol.Slug, p.Actor(), catalog.ErrForbidden)
	}
	return nil
}

// slugUsed reports whether the event log knows the slug: identifiers of
// deleted solutions are never given out again, so a mirror never mixes them up.
func (t *tx) slugUsed(slug string) bool {
	var n int64
	t.db.Model(&catalog.Event{}).Where("entity_type = ? AND entity_id = ?", catalog.EntitySolution, slug).Count(&n)
	return n > 0
}
