package web

import (
	"context"
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

var reKreisKey = regexp.MustCompile(`^[0-9]{5}$`)

// HandleKreisShow renders the page of a Kreis or kreisfreie Stadt.
func (s *Site) HandleKreisShow(c echo.Context) error {
	ctx := c.Request().Context()
	key := c.Param("key")
	if !reKreisKey.MatchString(key) {
		return catalog.ErrNotFound
	}
	kreis, err := s.Store.OrganisationByKey(ctx, catalog.KindKreis, key)
	if err != nil {
		return err
	}
	d, err := s.orgContext(ctx, kreis, nil)
	if err != nil {
		return err
	}
	page, err := httpx.PageParam(c, adoptionsPageKey)
	if err != nil {
		return err
	}
	if d.Own, d.OwnTotal, err = s.Store.AdoptionsByKreis(ctx, key, (page-1)*adoptionsPerPage, adoptionsPerPage); err != nil {
		return err
	}
	if err := pageOwn(c, &d, page); err != nil {
		return err
	}
	gemeinden, err := s.Store.GemeindenInKreis(ctx, key)
	if err != nil {
		return err
	}
	perOrg, err := s.Store.AdoptionCountsInKreis(ctx, key)
	if err != nil {
		return err
	}
	d.Gemeinden = views.Table{Caption: i18n.T(ctx, "org.gemeinden_caption", "Name", kreis.Name),
		Head: []string{i18n.T(ctx, "org.col_gemeinde"), i18n.T(ctx, "org.col_type"), i18n.T(ctx, "org.col_population"),
			i18n.T(ctx, "org.col_postcode"), i18n.T(ctx, "org.col_own_adoptions")},
		NumericCols: map[int]bool{2: true, 4: true}, TestID: "kreis-gemeinden"}
	for _, g := range gemeinden {
		d.Gemeinden.Rows = append(d.Gemeinden.Rows, []views.Cell{{Text: g.Name, URL: views.OrgURL(&g), Data: true}, {Text: g.Type, Data: true},
			{Text: i18n.Int(ctx, g.Population)}, {Text: g.Postcode}, {Text: i18n.Int(ctx, perOrg[g.ID])}})
	}
	mv, err := kreisMap(ctx, "karte-kreis", i18n.T(ctx, "org.kreis_map_title", "Name", kreis.Name),
		i18n.T(ctx, "org.kreis_map_desc", "Name", kreis.Name, "Land", d.Land.Name),
		d.Land, gemeinden, perOrg, 0)
	if err != nil {
		return err
	}
	d.Map = &mv
	if err := s.withActions(c, &d); err != nil {
		return err
	}
	return httpx.RenderOK(c, views.OrgPage(httpx.Page(c, i18n.T(ctx, "org.kreis_title", "Name", kreis.Name), "/laender", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"},
		views.Crumb{Label: i18n.T(ctx, "nav.states"), URL: "/laender"}, views.Crumb{Label: d.Land.Name, URL: views.LandURL(d.Land.Key)},
		views.Crumb{Label: kreis.Name}), d))
}

// HandleGemeindeShow renders the page of a Gemeinde by its ARS; an AGS
// (8 digits) redirects to the ARS address.
func (s *Site) HandleGemeindeShow(c echo.Context) error {
	ctx := c.Request().Context()
	key := c.Param("ars")
	if catalog.ValidAGS(key) {
		g, err := s.Store.OrganisationByAGS(ctx, key)
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusMovedPermanently, views.OrgURL(&g))
	}
	if !catalog.ValidARS(key) {
		return catalog.ErrNotFound
	}
	g, err := s.Store.OrganisationByKey(ctx, catalog.KindGemeinde, key)
	if err != nil {
		return err
	}
	var kreis *catalog.Organisation
	if g.KreisKey != "" {
		if k, err := s.Store.OrganisationByKey(ctx, catalog.KindKreis, g.KreisKey); err == nil {
			kreis = &k
		}
	}
	d, err := s.orgContext(ctx, g, kreis)
	if err != nil {
		return err
	}
	page, err := httpx.PageParam(c, adoptionsPageKey)
	if err != nil {
		return err
	}
	if d.Own, d.OwnTotal, err = s.Store.AdoptionsByOrganisationPage(ctx, catalog.KindGemeinde, g.Key, (page-1)*adoptionsPerPage, adoptionsPerPage); err != nil {
		return err
	}
	if err := pageOwn(c, &d, page); err != nil {
		return err
	}
	if d.Map, err = s.gemeindeMap(ctx, g, kreis, d); err != nil {
		return err
	}
	if err := s.withActions(c, &d); err != nil {
		return err
	}
	crumbs := []views.Crumb{{Label: i18n.T(ctx, "nav.start"), URL: "/"}, {Label: i18n.T(ctx, "nav.states"), URL: "/laender"}, {Label: d.Land.Name, URL: views.LandURL(d.Land.Key)}}
	if kreis != nil && kreis.Name != g.Name {
		crumbs = append(crumbs, views.Crumb{Label: kreis.Name, URL: views.OrgURL(kreis)})
	}
	crumbs = append(crumbs, views.Crumb{Label: g.Name})
	return httpx.RenderOK(c, views.OrgPage(httpx.Page(c, i18n.T(ctx, "org.gemeinde_title", "Name", g.Name), "/laender", crumbs...), d))
}

// pageOwn checks the page of an organisation's adoption table against its
// total (past the end is a 404) and adds the range and the page links.
func pageOwn(c echo.Context, d *views.OrgData, page int) error {
	p, err := httpx.NewPaging(page, adoptionsPerPage, d.OwnTotal)
	if err != nil {
		return err
	}
	d.First, d.Last, d.Pager = p.First(), p.Last(), adoptionsPager(c, p)
	return nil
}

// gemeindeMap shows a Gemeinde among the Gemeinden of its Kreis (alone
// when it belongs to none).
func (s *Site) gemeindeMap(ctx context.Context, g catalog.Organisation, kreis *catalog.Organisation, d views.OrgData) (*views.MapView, error) {
	gemeinden := []catalog.Organisation{g}
	perOrg := map[uint]int64{g.ID: d.OwnTotal}
	where := d.Land.Name
	if kreis != nil {
		var err error
		if gemeinden, err = s.Store.GemeindenInKreis(ctx, kreis.Key); err != nil {
			return nil, err
		}
		if perOrg, err = s.Store.AdoptionCountsInKreis(ctx, kreis.Key); err != nil {
			return nil, err
		}
		where = kreis.Name
	}
	mv, err := kreisMap(ctx, "karte-gemeinde", i18n.T(ctx, "org.gemeinde_map_title", "Name", g.Name, "Where", where),
		i18n.T(ctx, "org.gemeinde_map_desc", "Name", g.Name, "Where", where),
		d.Land, gemeinden, perOrg, g.ID)
	return &mv, err
}

// orgActions is what the user may do on the organisation's own page: its
// editors (and its Land's coordinators, the admins) register and change its
// adoptions, answer the providers' claims waiting for it, and, where the
// organisation provides solutions, register one; and the open security
// advisories that affect the organisation, for whoever may read them.
func (s *Site) orgActions(c echo.Context, org catalog.Organisation) (views.OrgActionsData, error) {
	p := httpx.Principal(c)
	d := views.OrgActionsData{CanEdit: !p.Anonymous() && p.CanEditAdoptionsOf(org), CanEditEnvironment: p.CanEditEnvironmentOf(org)}
	ctx := c.Request().Context()
	var err error
	if d.Advisories, _, err = s.Store.Advisories(ctx, p, store.AdvisoryFilter{AffectsOrgID: org.ID, OpenOnly: true, Limit: 10}); err != nil || !d.CanEdit {
		return d, err
	}
	d.CanProvide = p.CanProvideFor(org)
	d.CanImport = p.Admin || len(p.Coordinates()) > 0
	d.Claims, err = s.Store.PendingAdoptionClaims(ctx, org.Kind, org.Key)
	return d, err
}

// editable marks the adoptions the user may change (claims are answered, not edited).
func editable(p catalog.Principal, lists ...[]catalog.Adoption) map[uint]bool {
	out := map[uint]bool{}
	for _, list := range lists {
		for _, a := range list {
			if a.Organisation != nil && !a.Claimed() && p.CanEditAdoptionsOf(*a.Organisation) {
				out[a.ID] = true
			}
		}
	}
	return out
}

// withActions adds the own editors' actions, their edit links in the
// adoption table and the notice of their last action to an organisation's page.
func (s *Site) withActions(c echo.Context, d *views.OrgData) error {
	var err error
	if d.Actions, err = s.orgActions(c, d.Org); err != nil {
		return err
	}
	if d.Actions.CanEdit {
		d.Notice = s.Sessions.PopString(c.Request().Context(), "notice")
		d.Actions.Editable = editable(httpx.Principal(c), d.Own)
	}
	return s.withFits(c.Request().Context(), d)
}

// withFits adds the organisation's effective environment and the fit of
// the solutions of the adoptions on the page.
func (s *Site) withFits(ctx context.Context, d *views.OrgData) error {
	var err error
	if d.Environment, err = s.Store.EffectiveEnvironment(ctx, d.Org); err != nil {
		return err
	}
	d.EnvGroups = standardGroups()
	d.OwnFits = map[string]catalog.Fit{}
	v := store.Vocabulary()
	for _, a := range d.Own {
		if a.Solution != nil {
			d.OwnFits[a.Solution.Slug] = catalog.CheckFit(v, a.Solution.StandardsProfile, d.Environment)
		}
	}
	return nil
}

// orgContext loads the Land (and Kreis) of an organisation with what they adopted themselves.
func (s *Site) orgContext(ctx context.Context, org catalog.Organisation, kreis *catalog.Organisation) (views.OrgData, error) {
	d := views.OrgData{Org: org, Kreis: kreis}
	if org.SuccessorID != nil {
		if succ, err := s.Store.OrganisationByID(ctx, *org.SuccessorID); err == nil {
			d.Successor = &succ
		}
	}
	land, err := s.Store.OrganisationByKey(ctx, catalog.KindLand, org.LandKey)
	if err != nil {
		return d, err
	}
	d.Land = land
	if d.LandAdoptions, err = s.Store.AdoptionsByOrganisation(ctx, catalog.KindLand, land.Key); err != nil {
		return d, err
	}
	if kreis != nil {
		if d.KreisAdoptions, err = s.Store.AdoptionsByOrganisation(ctx, catalog.KindKreis, kreis.Key); err != nil {
			return d, err
		}
	}
	return d, nil
}
