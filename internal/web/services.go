package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/geo"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// serviceSolutionsPerPage is how many solutions a page of an OZG-Leistung lists.
const serviceSolutionsPerPage = 20

// HandleServiceShow renders the page of one OZG-Leistung.
func (s *Site) HandleServiceShow(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if !catalog.ValidOZGID(id) {
		return catalog.ErrNotFound
	}
	svc, err := s.Store.ServiceByID(ctx, id)
	if err != nil {
		return err
	}
	d := views.ServiceData{Svc: svc}
	crumbs := []views.Crumb{{Label: i18n.T(ctx, "nav.start"), URL: "/"}, {Label: i18n.T(ctx, "nav.topics"), URL: "/themenfelder"}}
	if tf, err := s.Store.TopicFieldByID(ctx, svc.TopicFieldID); err == nil {
		d.TopicField = &tf
		crumbs = append(crumbs, views.Crumb{Label: tf.Name, URL: views.TopicURL(tf.ID)})
	}
	crumbs = append(crumbs, views.Crumb{Label: svc.Name})
	if svc.LifeSituationID != nil {
		if ls, err := s.Store.LifeSituationByID(ctx, *svc.LifeSituationID); err == nil {
			d.LifeSituation = &ls
		}
	}
	// The solutions come a page at a time (?seite=), by name.
	page, err := httpx.PageParam(c, "seite")
	if err != nil {
		return err
	}
	sols, err := s.Store.FindSolutions(ctx, store.SolutionFilter{OZGID: id, Sort: "name", Page: page, PerPage: serviceSolutionsPerPage})
	if err != nil {
		return err
	}
	p, err := httpx.NewPaging(page, serviceSolutionsPerPage, sols.Total)
	if err != nil {
		return err
	}
	if d.Solutions, err = s.solutionItems(ctx, sols.Items); err != nil {
		return err
	}
	d.SolutionsTotal, d.First, d.Last = sols.Total, p.First(), p.Last()
	d.Pager = views.Pager{Page: p.Page, Pages: p.Pages(), URL: httpx.PageLinks(c, "seite", "loesungen"), Label: i18n.T(ctx, "service.pager_label")}
	adoptions, err := s.Store.AdoptionsByService(ctx, id)
	if err != nil {
		return err
	}
	providerLands, err := s.Store.ServiceProviderLands(ctx, id)
	if err != nil {
		return err
	}
	providers := map[string]bool{}
	for _, key := range providerLands {
		providers[key] = true
	}
	states := adoptionStates(providers, adoptions)
	d.Map, d.MapTable, err = s.stateMap(ctx, "karte-leistung", i18n.T(ctx, "service.map_title", "Name", svc.Name),
		i18n.T(ctx, "service.map_desc"), states, adoptions)
	if err != nil {
		return err
	}
	m, err := geo.Germany()
	if err != nil {
		return err
	}
	for _, r := range m.Regions {
		if states[r.Key] == stateNone {
			d.WhiteSpots = append(d.WhiteSpots, views.Link{Label: r.Name, URL: views.LandURL(r.Key)})
		} else {
			d.Covered++
		}
	}
	munis := map[uint]bool{}
	for _, a := range adoptions {
		if a.Organisation != nil && a.Status != catalog.AdoptionEnded &&
			(a.Organisation.Kind == catalog.KindGemeinde || a.Organisation.Kind == catalog.KindKreis) {
			munis[a.Organisation.ID] = true
		}
	}
	d.Municipalities = len(munis)
	return httpx.RenderOK(c, views.ServicePage(httpx.Page(c, i18n.T(ctx, "service.title", "Name", svc.Name, "ID", svc.ID), "/themenfelder", crumbs...), d))
}
