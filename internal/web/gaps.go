package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
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
	return false, echo.NewHTTPError(http.StatusBadRequest, "Der Filter „passt“ kennt nur den Wert „ja“.")
}

// gapPage renders the gaps of an organisation, sorted by fit, as a page or (path ending .csv) a CSV.
func (s *Site) gapPage(c echo.Context, org catalog.Organisation, gaps []insights.Gap, withShare bool, base, caption string, d views.InsightPage, crumbs ...views.Crumb) error {
	only, err := fitFilter(c)
	if err != nil {
		return err
	}
	fits, err := s.orgFits(c.Request().Context(), org)
	if err != nil {
		return err
	}
	rows := sortGapsByFit(gaps, fits, only)
	head := []string{"OZG-Leistung", "passt am besten", "nachnutzbare Lösungen (mit Passung)"}
	if withShare {
		head = []string{"OZG-Leistung", "erreicht", "passt am besten", "nachnutzbare Lösungen (mit Passung)"}
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
			names[i] = sol.Name + " (" + fitOf(fits, sol.Slug).Label() + ")"
		}
		cell := views.Cell{Text: strings.Join(names, "; ")}
		if more := len(g.Solutions) - len(shown); more > 0 {
			cell.Text += fmt.Sprintf(" und %s weitere", views.FormatInt(int64(more)))
			cell.URL, cell.Context = "/leistungen/"+g.OZGID, " (alle Lösungen für „"+g.Name+"“)"
		}
		if len(g.Solutions) == 1 {
			cell.URL = "/loesungen/" + g.Solutions[0].Slug
		}
		row := []views.Cell{{Text: g.Name + " (" + g.OZGID + ")", URL: "/leistungen/" + g.OZGID}}
		if withShare {
			row = append(row, views.Cell{Text: fmtShare(g.Share)})
		}
		t.Rows = append(t.Rows, append(row, views.Cell{Text: g.best.Label()}, cell))
	}
	if csv {
		return sendCSV(c, "luecken-"+org.Key+".csv", tableCSV(t))
	}
	d.Sections[0].Table = t
	d.Sections[0].CSV = base + ".csv"
	if only {
		d.Sections[0].CSV += "?passt=ja"
	}
	d.Callout = &views.Callout{Title: "Passt das zu " + org.Name + "?",
		Text: "Die Lücken sind nach der Passung ihrer Lösungen zur Umgebung von " + org.Name + " geordnet: zuerst, wo eine Lösung passt, dann „passt mit Anpassung“, „unbekannt“ und „passt nicht“.",
		Link: views.Link{Label: "Nur Lücken mit einer passenden Lösung zeigen", URL: base + "?" + url.Values{"passt": {"ja"}}.Encode()}}
	if only {
		d.Callout.Link = views.Link{Label: "Alle Lücken zeigen", URL: base}
	}
	d.Figures = []views.KeyFigure{{Label: "Lücken", Value: views.FormatInt(int64(len(gaps)))},
		{Label: "davon mit passender Lösung", Value: views.FormatInt(int64(len(sortGapsByFit(gaps, fits, true))))}}
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
	land, err := s.Store.OrganisationByKey(c.Request().Context(), catalog.KindLand, c.Param("code"))
	if err != nil {
		return err
	}
	gaps := e.LandGaps(land.Key)
	d := views.InsightPage{Heading: "Wo fehlt in " + land.Name + " noch eine Lösung?",
		Intro:    fmt.Sprintf("%d OZG-Leistungen haben eine Lösung im Register, erreichen aber noch nicht alle Einwohnerinnen und Einwohner von %s. Die Kommunen können diese Lösungen nachnutzen.", len(gaps), land.Name),
		Sections: []views.TableSection{{ID: "luecken", Heading: "Lücken"}},
		Nav:      insightNav}
	return s.gapPage(c, land, gaps, true, "/laender/"+land.Key+"/luecken", "OZG-Leistungen mit Lösung, die noch nicht die ganze Bevölkerung erreichen", d,
		views.Crumb{Label: "Länder", URL: "/laender"}, views.Crumb{Label: land.Name, URL: "/laender/" + land.Key}, views.Crumb{Label: "Lücken"})
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
	g, err := s.Store.OrganisationByKey(c.Request().Context(), catalog.KindGemeinde, c.Param("ars"))
	if err != nil {
		return err
	}
	gaps := e.GemeindeGaps(g.Key)
	d := views.InsightPage{Heading: "Welche Leistungen hat " + g.Name + " noch nicht online?",
		Intro:    fmt.Sprintf("%d OZG-Leistungen haben eine Lösung im Register, aber keine Nachnutzung in Betrieb bringt sie nach %s (weder durch die Gemeinde noch durch ihren Kreis oder ihr Land).", len(gaps), g.Name),
		Sections: []views.TableSection{{ID: "luecken", Heading: "Lücken"}},
		Nav:      insightNav}
	return s.gapPage(c, g, gaps, false, views.OrgURL(&g)+"/luecken", "OZG-Leistungen ohne Lösung in "+g.Name, d,
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: g.Name, URL: views.OrgURL(&g)}, views.Crumb{Label: "Lücken"})
}
