package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/views"
)

// orgFits returns the fit of every profiled solution for the organisation's
// effective environment, by slug (absent: unknown), cached until the next write.
func (s *Site) orgFits(ctx context.Context, org catalog.Organisation) (map[string]catalog.FitResult, error) {
	return storeCached(ctx, s, "fits:"+string(org.Kind)+":"+org.Key, func() (map[string]catalog.FitResult, error) {
		env, err := s.Store.EffectiveEnvironment(ctx, org)
		if err != nil {
			return nil, err
		}
		return s.Store.FitsBySlug(ctx, env)
	})
}

func fitOf(fits map[string]catalog.FitResult, slug string) catalog.FitResult {
	if r, ok := fits[slug]; ok {
		return r
	}
	return catalog.FitUnknown
}

// fitGap is a gap with the fit of its solutions for one organisation.
type fitGap struct {
	insights.Gap
	best catalog.FitResult
}

// sortGapsByFit orders each gap's solutions and the gaps themselves by fit
// (fitting first; ties keep their order) and, when onlyFitting, keeps the
// gaps with a fitting solution.
func sortGapsByFit(gaps []insights.Gap, fits map[string]catalog.FitResult, onlyFitting bool) []fitGap {
	out := make([]fitGap, 0, len(gaps))
	for _, g := range gaps {
		sols := slices.Clone(g.Solutions)
		sort.SliceStable(sols, func(i, j int) bool { return fitOf(fits, sols[i].Slug).Rank() < fitOf(fits, sols[j].Slug).Rank() })
		g.Solutions = sols
		best := catalog.FitUnknown
		if len(sols) > 0 {
			best = fitOf(fits, sols[0].Slug)
		}
		if onlyFitting && best != catalog.FitYes {
			continue
		}
		out = append(out, fitGap{Gap: g, best: best})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].best.Rank() < out[j].best.Rank() })
	return out
}

// fitFilter reads ?passt: "" (all) or "ja" (only gaps with a fitting solution).
func fitFilter(c echo.Context) (bool, error) {
	switch c.QueryParam("passt") {
	case "":
		return false, nil
	case "ja":
		return true, nil
	}
	return false, echo.NewHTTPError(http.StatusBadRequest, i18n.M("gaps.bad_filter"))
}

// gapPage renders the gaps of an organisation, sorted by fit, as a page or (path ending .csv) a CSV.
func (s *Site) gapPage(c echo.Context, org catalog.Organisation, gaps []insights.Gap, withShare bool, base, caption string, d views.InsightPage, crumbs ...views.Crumb) error {
	only, err := fitFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fits, err := s.orgFits(ctx, org)
	if err != nil {
		return err
	}
	rows := sortGapsByFit(gaps, fits, only)
	head := []string{i18n.T(ctx, "gaps.col_service"), i18n.T(ctx, "gaps.col_best_fit"), i18n.T(ctx, "gaps.col_solutions")}
	if withShare {
		head = []string{i18n.T(ctx, "gaps.col_service"), i18n.T(ctx, "gaps.col_reached"), i18n.T(ctx, "gaps.col_best_fit"), i18n.T(ctx, "gaps.col_solutions")}
	}
	t := views.Table{Caption: caption, TestID: string(org.Kind) + "-luecken", Head: head}
	if withShare {
		t.NumericCols = map[int]bool{1: true}
	}
	csv := strings.HasSuffix(c.Path(), ".csv")
	for _, g := range rows {
		shown := g.Solutions
		if !csv && len(shown) > gapSolutionNames {
			shown = shown[:gapSolutionNames]
		}
		names := make([]string, len(shown))
		for i, sol := range shown {
			names[i] = i18n.T(ctx, "gaps.solution_fit", "Solution", sol.Name, "Fit", fitOf(fits, sol.Slug).L(ctx))
		}
		// The names are German data; their fit in brackets is in the page's language.
		cell := views.Cell{Text: strings.Join(names, "; "), Data: true}
		if more := len(g.Solutions) - len(shown); more > 0 {
			cell.Text = i18n.T(ctx, "gaps.and_more", "Names", cell.Text, "Count", more)
			cell.URL, cell.Context = "/leistungen/"+g.OZGID, i18n.T(ctx, "gaps.all_solutions_for", "Service", g.Name)
		}
		if len(g.Solutions) == 1 {
			cell.URL = "/loesungen/" + g.Solutions[0].Slug
		}
		row := []views.Cell{{Text: g.Name + " (" + g.OZGID + ")", URL: "/leistungen/" + g.OZGID, Data: true}}
		if withShare {
			row = append(row, views.Cell{Text: shareIn(ctx, g.Share)})
		}
		t.Rows = append(t.Rows, append(row, views.Cell{Text: g.best.L(ctx)}, cell))
	}
	if csv {
		return sendCSV(c, "luecken-"+org.Key+".csv", tableCSV(t))
	}
	d.Sections[0].Table = t
	d.Sections[0].CSV = base + ".csv"
	if only {
		d.Sections[0].CSV += "?passt=ja"
	}
	d.Callout = &views.Callout{Title: i18n.T(ctx, "gaps.callout_title", "Name", org.Name),
		Text: i18n.T(ctx, "gaps.callout_text", "Name", org.Name),
		Link: views.Link{Label: i18n.T(ctx, "gaps.only_fitting"), URL: base + "?" + url.Values{"passt": {"ja"}}.Encode()}}
	if only {
		d.Callout.Link = views.Link{Label: i18n.T(ctx, "gaps.show_all"), URL: base}
	}
	d.Figures = []views.KeyFigure{{Label: i18n.T(ctx, "gaps.figure_gaps"), Value: i18n.Int(ctx, int64(len(gaps)))},
		{Label: i18n.T(ctx, "gaps.figure_fitting"), Value: i18n.Int(ctx, int64(len(sortGapsByFit(gaps, fits, true))))}}
	if err := pageSection(c, &d.Sections[0]); err != nil {
		return err
	}
	return httpx.RenderOK(c, views.InsightsPage(httpx.Page(c, d.Heading, "/laender", crumbs...), d))
}

// HandleLandGaps lists the OZG-Leistungen a Land's population is not yet
// fully reached by, with the solutions its municipalities could adopt,
// those that fit the Land's environment first.
func (s *Site) HandleLandGaps(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	land, err := s.Store.OrganisationByKey(ctx, catalog.KindLand, c.Param("code"))
	if err != nil {
		return err
	}
	gaps := e.LandGaps(land.Key)
	d := views.InsightPage{Heading: i18n.T(ctx, "gaps.land_heading", "Name", land.Name),
		Intro:    i18n.T(ctx, "gaps.land_intro", "Count", len(gaps), "Name", land.Name),
		Sections: []views.TableSection{{ID: "luecken", Heading: i18n.T(ctx, "gaps.section")}},
		Nav:      insightNavIn(ctx)}
	return s.gapPage(c, land, gaps, true, "/laender/"+land.Key+"/luecken", i18n.T(ctx, "gaps.land_caption"), d,
		views.Crumb{Label: i18n.T(ctx, "nav.states"), URL: "/laender"}, views.Crumb{Label: land.Name, URL: "/laender/" + land.Key},
		views.Crumb{Label: i18n.T(ctx, "gaps.crumb")})
}

// HandleGemeindeGaps lists the OZG-Leistungen with a solution in the
// register that no live adoption brings to the Gemeinde yet (by itself, its
// Kreis or its Land), those with a solution that fits it first.
func (s *Site) HandleGemeindeGaps(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	if !catalog.ValidARS(c.Param("ars")) {
		return catalog.ErrNotFound
	}
	ctx := c.Request().Context()
	g, err := s.Store.OrganisationByKey(ctx, catalog.KindGemeinde, c.Param("ars"))
	if err != nil {
		return err
	}
	gaps := e.GemeindeGaps(g.Key)
	d := views.InsightPage{Heading: i18n.T(ctx, "gaps.gemeinde_heading", "Name", g.Name),
		Intro:    i18n.T(ctx, "gaps.gemeinde_intro", "Count", len(gaps), "Name", g.Name),
		Sections: []views.TableSection{{ID: "luecken", Heading: i18n.T(ctx, "gaps.section")}},
		Nav:      insightNavIn(ctx)}
	return s.gapPage(c, g, gaps, false, views.OrgURL(&g)+"/luecken", i18n.T(ctx, "gaps.gemeinde_caption", "Name", g.Name), d,
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: g.Name, URL: views.OrgURL(&g)}, views.Crumb{Label: i18n.T(ctx, "gaps.crumb")})
}
