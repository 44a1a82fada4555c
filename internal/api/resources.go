package api

import (
	"context"
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/internal/store"
)

// The read endpoints of /api/v1 over the register's objects. Objects have
// the same form here as in the export and the change feed (package feed).

// listPage is the envelope of every list answer.
type listPage[T any] struct {
	Total int64 `json:"total"`
	Page  int   `json:"page"`
	Limit int   `json:"limit"`
	Items []T   `json:"items"`
}

// paginate cuts one page out of a list held in memory.
func paginate[T any](all []T, page, limit int) listPage[T] {
	p := listPage[T]{Total: int64(len(all)), Page: page, Limit: limit, Items: []T{}}
	if start := (page - 1) * limit; start < len(all) {
		p.Items = all[start:min(start+limit, len(all))]
	}
	return p
}

// HandleSolution returns one solution: GET /api/v1/solutions/{slug}.
func (s *API) HandleSolution(c echo.Context) error {
	slug, err := pathSlug(c)
	if err != nil {
		return err
	}
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	return s.serveJSON(c, feed.NewSolution(sol))
}

func adoptionDocs(list []catalog.Adoption) []feed.Adoption {
	out := make([]feed.Adoption, 0, len(list))
	for _, a := range list {
		out = append(out, feed.NewAdoption(a, a.Solution.Slug, *a.Organisation))
	}
	return out
}

// serveAdoptions answers a page of the adoptions w selects, once exists
// (which may be nil) confirms that the solution or organisation exists.
func (s *API) serveAdoptions(c echo.Context, w store.AdoptionsWhere, exists func() error) error {
	page, limit, err := pageParams(c, 100, 1000)
	if err != nil {
		return err
	}
	if exists != nil {
		if err := exists(); err != nil {
			return err
		}
	}
	w.Page, w.PerPage = page, limit
	list, total, err := s.Store.FindAdoptions(c.Request().Context(), w)
	if err != nil {
		return err
	}
	return s.serveJSON(c, listPage[feed.Adoption]{Total: total, Page: page, Limit: limit, Items: adoptionDocs(list)})
}

// HandleSolutionAdoptions lists who adopted a solution: GET /api/v1/solutions/{slug}/adoptions.
func (s *API) HandleSolutionAdoptions(c echo.Context) error {
	slug, err := pathSlug(c)
	if err != nil {
		return err
	}
	return s.serveAdoptions(c, store.AdoptionsWhere{SolutionSlug: slug}, func() error {
		_, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
		return err
	})
}

// HandleAdoption returns one adoption: GET /api/v1/adoptions/{id}.
func (s *API) HandleAdoption(c echo.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil || id == 0 {
		return badParam("id", i18n.M("apierr.param_adoption_id"))
	}
	a, err := s.Store.AdoptionByID(c.Request().Context(), uint(id))
	if err != nil {
		return err
	}
	return s.serveJSON(c, feed.NewAdoption(a, a.Solution.Slug, *a.Organisation))
}

// serviceDetail is an OZG-Leistung with the solutions that cover it.
type serviceDetail struct {
	feed.Service
	Solutions []solutionRef `json:"solutions"`
}

// solutionRef names a solution inside another answer.
type solutionRef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// HandleServices lists the OZG-Leistungen with their LeiKa-Leistungen:
// GET /api/v1/services?topicField=&page=&limit=.
func (s *API) HandleServices(c echo.Context) error {
	page, limit, err := pageParams(c, 20, 100)
	if err != nil {
		return err
	}
	topic, err := queryInt(c, "topicField", 0, 1, 1<<20)
	if err != nil {
		return err
	}
	all, err := s.Store.Services(c.Request().Context(), true)
	if err != nil {
		return err
	}
	docs := make([]feed.Service, 0, len(all))
	for _, sv := range all {
		if topic == 0 || sv.TopicFieldID == uint(topic) {
			docs = append(docs, feed.NewService(sv))
		}
	}
	return s.serveJSON(c, paginate(docs, page, limit))
}

// HandleService returns one OZG-Leistung: GET /api/v1/services/{ozgId}.
func (s *API) HandleService(c echo.Context) error {
	id := c.Param("ozgId")
	if !catalog.ValidOZGID(id) {
		return badParam("ozgId", i18n.M("apierr.param_ozg_id"))
	}
	ctx := c.Request().Context()
	sv, err := s.Store.ServiceByID(ctx, id)
	if err != nil {
		return err
	}
	sols, err := s.Store.SolutionsByService(ctx, id)
	if err != nil {
		return err
	}
	d := serviceDetail{Service: feed.NewService(sv), Solutions: make([]solutionRef, 0, len(sols))}
	for _, sol := range sols {
		d.Solutions = append(d.Solutions, solutionRef{Slug: sol.Slug, Name: sol.Name})
	}
	return s.serveJSON(c, d)
}

// HandleTopicFields lists the 14 OZG-Themenfelder: GET /api/v1/topic-fields.
func (s *API) HandleTopicFields(c echo.Context) error {
	list, err := s.Store.TopicFields(c.Request().Context())
	if err != nil {
		return err
	}
	docs := make([]feed.TopicField, 0, len(list))
	for _, t := range list {
		docs = append(docs, feed.NewTopicField(t))
	}
	return s.serveJSON(c, paginate(docs, 1, max(len(docs), 1)))
}

// HandleOrganisations lists organisations by kind, Land, ARS or AGS:
// GET /api/v1/organisations?kind=&land=&ars=&ags=&page=&limit=.
func (s *API) HandleOrganisations(c echo.Context) error {
	page, limit, err := pageParams(c, 100, 1000)
	if err != nil {
		return err
	}
	var f store.OrganisationFilter
	vals := map[string]*string{"kind": (*string)(&f.Kind), "land": &f.LandKey, "ars": &f.ARS, "ags": &f.AGS}
	for _, name := range []string{"kind", "land", "ars", "ags"} {
		v, err := queryValue(c, name)
		if err != nil {
			return err
		}
		*vals[name] = v
	}
	switch {
	case f.Kind != "" && !f.Kind.Valid():
		return badParam("kind", i18n.M("apierr.param_org_kind"))
	case f.LandKey != "" && landKeyParam("land", f.LandKey) != nil:
		return landKeyParam("land", f.LandKey)
	case f.ARS != "" && !catalog.ValidARS(f.ARS):
		return badParam("ars", i18n.M("apierr.param_ars"))
	case f.AGS != "" && !catalog.ValidAGS(f.AGS):
		return badParam("ags", i18n.M("apierr.param_ags"))
	}
	f.Page, f.PerPage = page, limit
	p, err := s.Store.FindOrganisations(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listPage[feed.Organisation]{Total: p.Total, Page: page, Limit: limit, Items: make([]feed.Organisation, 0, len(p.Items))}
	for _, o := range p.Items {
		out.Items = append(out.Items, feed.NewOrganisation(o))
	}
	return s.serveJSON(c, out)
}

// HandleOrganisation returns one organisation by its natural key:
// GET /api/v1/organisations/{kind}/{key}.
func (s *API) HandleOrganisation(c echo.Context) error {
	kind, key, err := orgKeyParams(c)
	if err != nil {
		return err
	}
	o, err := s.Store.OrganisationByKey(c.Request().Context(), kind, key)
	if err != nil {
		return err
	}
	return s.serveJSON(c, feed.NewOrganisation(o))
}

// HandleStates returns the figures of the 16 Länder: GET /api/v1/states.
// The figures are aggregates over every adoption; they are computed once
// per change of the register (the head of the event log) and the encoded
// answer is kept until the next change, so a request costs no aggregation.
func (s *API) HandleStates(c echo.Context) error {
	ctx := c.Request().Context()
	head, at, err := s.api.current(ctx)
	if err != nil {
		return err
	}
	cb, err := s.api.states.get(head, "", s.api.now, func() (*cachedBody, error) {
		counts, err := s.countsPerLand(ctx)
		if err != nil {
			return nil, err
		}
		docs := make([]feed.LandStats, 0, len(counts))
		for _, lc := range counts {
			docs = append(docs, feed.LandStats{OrganisationRef: *feed.NewOrganisationRef(&lc.Land), ShortName: lc.Land.ShortName,
				Population: lc.Land.Population, KoenigsteinPercent: lc.Land.KoenigsteinPercent, SolutionsProvided: lc.Provided,
				AdoptionsMade: lc.AdoptionsMade, LiveAdoptionsMade: lc.LiveAdoptionsMade, AdoptionsReceived: lc.AdoptionsReceived,
				AdoptingMunicipalities: lc.AdoptingMunicipalities})
		}
		body, err := feed.Marshal(paginate(docs, 1, max(len(docs), 1)))
		if err != nil {
			return nil, err
		}
		cb := newCachedBody(mimeJSON, body, at)
		cb.settled = true
		return cb, nil
	})
	if err != nil {
		return err
	}
	return serveCached(c, cb, cacheRevalidate)
}

// countsPerLand takes the per-Land counts from the insight engine's
// counters once it is loaded and has applied every event of the log (it
// follows the log just after each commit); the database's aggregate over
// every adoption (seconds at a million) is the fallback otherwise, so an
// answer cached per head of the log never holds older counts.
func (s *API) countsPerLand(ctx context.Context) ([]store.LandCounts, error) {
	if s.Insights != nil && s.Insights.WaitLoaded(ctx, insights.FallbackWait) {
		head, err := s.Store.LastEventSeq(ctx)
		if err != nil {
			return nil, err
		}
		if s.Insights.Applied() < head {
			return s.Store.CountsPerLand(ctx)
		}
		laender, err := s.Store.Laender(ctx)
		if err != nil {
			return nil, err
		}
		if counts, ok := s.Insights.CountsPerLand(laender); ok {
			return counts, nil
		}
	}
	return s.Store.CountsPerLand(ctx)
}

// HandleStateAdoptions lists the adoptions made in a Land (by the Land,
// its Kreise and Gemeinden): GET /api/v1/states/{key}/adoptions.
func (s *API) HandleStateAdoptions(c echo.Context) error {
	key := c.Param("key")
	if err := landKeyParam("key", key); err != nil {
		return err
	}
	return s.serveAdoptions(c, store.AdoptionsWhere{AdopterLand: key}, nil)
}

// errUnknownEntity guards the change-record mapping against a store change
// this file does not know yet.
func errUnknownEntity(t string) error { return fmt.Errorf("web: change of unknown entity type %q", t) }

// HandleSolutions lists solutions with the filters, sort and pagination
// of the search (same parameters as /api/v1/search, parsed by the same code):
// GET /api/v1/solutions?q=&topicField=&provider=&status=&maturity=&adoptedIn=&openSource=&sort=&page=&limit=.
func (s *API) HandleSolutions(c echo.Context) error {
	if s.Search == nil {
		return searchUnavailable()
	}
	q, perr := parseSearchQuery(c)
	if perr != nil {
		return perr
	}
	ctx := c.Request().Context()
	res, err := s.Search.SearchSolutions(ctx, q)
	if err != nil {
		return err
	}
	slugs := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		slugs = append(slugs, h.Slug)
	}
	bySlug, err := s.Store.SolutionsBySlugs(ctx, slugs)
	if err != nil {
		return err
	}
	out := listPage[feed.Solution]{Total: int64(res.Total), Page: q.Page, Limit: q.PerPage, Items: make([]feed.Solution, 0, len(slugs))}
	for _, slug := range slugs {
		// A hit the index still holds but the database no longer has (the
		// index follows the log a moment later) is left out.
		if sol, ok := bySlug[slug]; ok {
			out.Items = append(out.Items, feed.NewSolution(sol))
		}
	}
	return s.serveJSON(c, out)
}
