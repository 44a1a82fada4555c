package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

const (
	// landMapAdoptions caps the adoptions whose adopters the map of a Land
	// page shows; the synthetic catalogue has tens of thousands per Land.
	landMapAdoptions = 500
	// adoptionsPerPage is how many adoptions a page of the adoption tables
	// of a Land, Kreis or Gemeinde shows; adoptionsPageKey names its page.
	adoptionsPerPage = 50
	adoptionsPageKey = "nachnutzungen-seite"
	// landSolutionLimit caps the provided solutions listed on a Land page.
	landSolutionLimit = 20
)

// HandleLandShow renders one Land. It accepts the Länderschlüssel ("06")
// and redirects the abbreviation ("he", "HE") to it.
func (s *Site) HandleLandShow(c echo.Context) error {
	ctx := c.Request().Context()
	code := c.Param("code")
	if !catalog.ValidLandKey(code) {
		laender, err := s.Store.Laender(ctx)
		if err != nil {
			return err
		}
		for _, l := range laender {
			if l.ShortName != "" && strings.EqualFold(l.ShortName, code) {
				return c.Redirect(http.StatusMovedPermanently, views.LandURL(l.Key))
			}
		}
		return catalog.ErrNotFound
	}
	land, err := s.Store.OrganisationByKey(ctx, catalog.KindLand, code)
	if err != nil {
		return err
	}
	d := views.LandData{Land: land}
	perLand, err := s.countsPerLand(ctx)
	if err != nil {
		return err
	}
	for _, lc := range perLand {
		if lc.Land.Key == land.Key {
			d.Provided, d.AdoptionsMade, d.LiveAdoptionsMade = lc.Provided, lc.AdoptionsMade, lc.LiveAdoptionsMade
			d.AdoptionsReceived, d.AdoptingMunicipalities = lc.AdoptionsReceived, lc.AdoptingMunicipalities
		}
	}
	provided, err := storeCached(ctx, s, "provided:"+land.Key, func() (store.SolutionPage, error) {
		return s.Store.FindSolutions(ctx, store.SolutionFilter{ProviderLand: land.Key, Sort: "adoptions", PerPage: landSolutionLimit})
	})
	if err != nil {
		return err
	}
	d.ProvidedTotal = provided.Total
	if d.ProvidedSolutions, err = s.solutionItems(ctx, provided.Items); err != nil {
		return err
	}
	type inLand struct {
		list  []catalog.Adoption
		total int64
	}
	// The adoption tables show a page (?nachnutzungen-seite=); the map shows
	// the adopters of the first landMapAdoptions.
	page, err := httpx.PageParam(c, adoptionsPageKey)
	if err != nil {
		return err
	}
	al, err := storeCached(ctx, s, "adoptionsInLand:"+land.Key+":"+strconv.Itoa(page), func() (inLand, error) {
		list, total, err := s.Store.AdoptionsInLand(ctx, land.Key, (page-1)*adoptionsPerPage, adoptionsPerPage)
		return inLand{list, total}, err
	})
	if err != nil {
		return err
	}
	p, err := httpx.NewPaging(page, adoptionsPerPage, al.total)
	if err != nil {
		return err
	}
	d.First, d.Last, d.Total = p.First(), p.Last(), al.total
	d.Pager = adoptionsPager(c, p)
	for _, a := range al.list {
		if a.Organisation != nil && a.Organisation.Kind == catalog.KindLand {
			d.Own = append(d.Own, a)
		} else {
			d.Municipal = append(d.Municipal, a)
		}
	}
	forMap, err := storeCached(ctx, s, "adoptionsInLandMap:"+land.Key, func() (inLand, error) {
		list, total, err := s.Store.AdoptionsInLand(ctx, land.Key, 0, landMapAdoptions)
		return inLand{list, total}, err
	})
	if err != nil {
		return err
	}
	if d.Map, err = s.landMap(ctx, land, forMap.list); err != nil {
		return err
	}
	kreise, err := s.Store.OrganisationsByKind(ctx, catalog.KindKreis, land.Key)
	if err != nil {
		return err
	}
	perKreis, err := storeCached(ctx, s, "adoptionsPerKreis:"+land.Key, func() (map[string]int64, error) {
		return s.Store.AdoptionCountsByKreis(ctx, land.Key)
	})
	if err != nil {
		return err
	}
	d.Kreise = views.Table{Caption: i18n.T(ctx, "land.kreise_caption", "Name", land.Name),
		Head:        []string{i18n.T(ctx, "land.col_kreis"), i18n.T(ctx, "land.col_type"), i18n.T(ctx, "land.col_population"), i18n.T(ctx, "land.col_kreis_adoptions")},
		NumericCols: map[int]bool{2: true, 3: true}, TestID: "land-kreise"}
	for _, k := range kreise {
		d.Kreise.Rows = append(d.Kreise.Rows, []views.Cell{{Text: k.Name, URL: views.OrgURL(&k), Data: true}, {Text: k.Type, Data: true},
			{Text: i18n.Int(ctx, k.Population)}, {Text: i18n.Int(ctx, perKreis[k.Key])}})
	}
	d.Ranks = s.rankTable(ctx, land)
	if d.Actions, err = s.orgActions(c, land); err != nil {
		return err
	}
	if d.Actions.CanEdit {
		d.Notice = s.Sessions.PopString(ctx, "notice")
		d.Actions.Editable = editable(httpx.Principal(c), d.Own, d.Municipal)
	}
	return httpx.RenderOK(c, views.LandPage(httpx.Page(c, land.Name, "/laender",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.states"), URL: "/laender"}, views.Crumb{Label: land.Name}), d))
}

// adoptionsPager links the pages of an adoption table.
func adoptionsPager(c echo.Context, p httpx.Paging) views.Pager {
	return views.Pager{Page: p.Page, Pages: p.Pages(), URL: httpx.PageLinks(c, adoptionsPageKey, "nachnutzungen"),
		Label: i18n.T(c.Request().Context(), "land.adoption_pages"), TestID: "pagination-nachnutzungen"}
}

// rankTable shows the Land's ranks month by month from the insight figures.
func (s *Site) rankTable(ctx context.Context, land catalog.Organisation) views.Table {
	t := views.Table{Caption: i18n.T(ctx, "land.ranks_caption", "Name", land.Name), TestID: "land-ranks",
		Head: []string{i18n.T(ctx, "land.col_month")}, NumericCols: map[int]bool{}}
	if s.Insights == nil || !s.Insights.Loaded() {
		return t
	}
	for i, col := range scoreColumns {
		t.Head = append(t.Head, i18n.T(ctx, col.label))
		t.NumericCols[i+1] = true
	}
	if !s.Insights.HistoryLoaded() {
		t.Caption = i18n.T(ctx, "land.ranks_caption_loading", "Name", land.Name)
	}
	history := s.Insights.RankHistory(land.Key)
	for i := len(history) - 1; i >= 0; i-- {
		h := history[i]
		row := []views.Cell{{Text: i18n.PartialDate(ctx, h.Month)}}
		for _, col := range scoreColumns {
			row = append(row, views.Cell{Text: i18n.Int(ctx, int64(h.Ranks[col.key]))})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
