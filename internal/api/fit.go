package api

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// HandleOrganisationFit answers whether a solution fits an organisation:
// GET /api/v1/organisations/{kind}/{key}/fit?solution={slug} with
// {"result": "fits"|"fits-with-changes"|"does-not-fit"|"unknown", "reasons": [...]}.
func (s *API) HandleOrganisationFit(c echo.Context) error {
	kind, key, err := orgKeyParams(c)
	if err != nil {
		return err
	}
	slug := c.QueryParam("solution")
	if slug == "" {
		return badParam("solution", i18n.M("apierr.param_solution_required"))
	}
	if !catalog.ValidSlug(slug) {
		return badParam("solution", i18n.M("apierr.param_slug"))
	}
	ctx := c.Request().Context()
	org, err := s.Store.OrganisationByKey(ctx, kind, key)
	if err != nil {
		return err
	}
	sol, err := s.Store.SolutionBySlug(ctx, slug)
	if err != nil {
		return err
	}
	env, err := s.Store.EffectiveEnvironment(ctx, org)
	if err != nil {
		return err
	}
	return s.serveJSON(c, catalog.CheckFit(store.Vocabulary(), sol.StandardsProfile, env))
}

// adoptionFit is an adoption in an organisation's list with the fit of its
// solution for that organisation.
type adoptionFit struct {
	feed.Adoption
	Fit catalog.Fit `json:"fit"`
}

// HandleOrganisationAdoptions lists what an organisation adopted, each
// with the fit of the solution for it: GET /api/v1/organisations/{kind}/{key}/adoptions.
func (s *API) HandleOrganisationAdoptions(c echo.Context) error {
	kind, key, err := orgKeyParams(c)
	if err != nil {
		return err
	}
	page, limit, err := pageParams(c, 100, 1000)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	org, err := s.Store.OrganisationByKey(ctx, kind, key)
	if err != nil {
		return err
	}
	list, total, err := s.Store.FindAdoptions(ctx, store.AdoptionsWhere{AdopterKind: kind, AdopterKey: key, Page: page, PerPage: limit})
	if err != nil {
		return err
	}
	env, err := s.Store.EffectiveEnvironment(ctx, org)
	if err != nil {
		return err
	}
	ids := make([]uint, len(list))
	for i, a := range list {
		ids[i] = a.SolutionID
	}
	profiles, err := s.Store.ProfilesByID(ctx, ids)
	if err != nil {
		return err
	}
	v := store.Vocabulary()
	items := make([]adoptionFit, 0, len(list))
	for _, a := range list {
		items = append(items, adoptionFit{Adoption: feed.NewAdoption(a, a.Solution.Slug, *a.Organisation), Fit: catalog.CheckFit(v, profiles[a.SolutionID], env)})
	}
	return s.serveJSON(c, listPage[adoptionFit]{Total: total, Page: page, Limit: limit, Items: items})
}
