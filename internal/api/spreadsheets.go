package api

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
)

// Spreadsheet exports of the catalogue and of adoptions, as CSV for German
// Excel and as XLSX. They are public like the pages that show the same tables.

// HandleExportSolutions answers GET /api/v1/export/solutions.csv and .xlsx.
func (s *API) HandleExportSolutions(c echo.Context) error {
	ctx := c.Request().Context()
	sols, err := s.Store.AllSolutions(ctx)
	if err != nil {
		return err
	}
	ids := make([]uint, len(sols))
	for i, sol := range sols {
		ids[i] = sol.ID
	}
	counts, err := s.Store.AdoptionCounts(ctx, ids)
	if err != nil {
		return err
	}
	byID := make(map[uint]export.Counts, len(counts))
	for id, n := range counts {
		byID[id] = export.Counts{Total: n.Total, Live: n.Live}
	}
	tfs, err := s.Store.TopicFields(ctx)
	if err != nil {
		return err
	}
	topics := map[uint]string{}
	for _, tf := range tfs {
		topics[tf.ID] = tf.Name
	}
	return httpx.SendTable(c, export.SolutionsTable(sols, byID, topics, httpx.BaseURL(c, s.PublicURL)), "efa-loesungen-"+httpx.Stamp(), httpx.ExportFormat(c))
}

// HandleExportAdoptions answers GET /api/v1/export/adoptions.csv and .xlsx,
// optionally for one Land (land=01, the adopters in that Land) and one
// solution (solution=slug).
func (s *API) HandleExportAdoptions(c echo.Context) error {
	ctx := c.Request().Context()
	land, err := queryValue(c, "land")
	if err != nil {
		return err
	}
	if land != "" && !catalog.ValidLandKey(land) {
		return badParam("land", "erwartet wird ein Länderschlüssel von 01 bis 16.")
	}
	slug, err := queryValue(c, "solution")
	if err != nil {
		return err
	}
	if slug != "" && !catalog.ValidSlug(slug) {
		return badParam("solution", "erwartet wird die Kurzbezeichnung einer Lösung (Kleinbuchstaben, Ziffern, Bindestriche).")
	}
	var list []catalog.Adoption
	name := "efa-nachnutzungen"
	switch {
	case slug != "":
		if _, err := s.Store.SolutionBySlug(ctx, slug); err != nil {
			return err
		}
		list, err = s.Store.AdoptionsBySolution(ctx, slug)
		name += "-" + slug
	case land != "":
		list, err = s.Store.AdoptionsByLand(ctx, land)
	default:
		list, err = s.Store.AllAdoptions(ctx)
	}
	if err != nil {
		return err
	}
	if land != "" {
		name += "-land-" + land
		if slug != "" {
			kept := list[:0]
			for _, a := range list {
				if a.Organisation != nil && a.Organisation.LandKey == land {
					kept = append(kept, a)
				}
			}
			list = kept
		}
	}
	laender, err := s.Store.Laender(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{catalog.BundKey: "Bund"}
	for _, l := range laender {
		names[l.Key] = l.Name
	}
	return httpx.SendTable(c, export.AdoptionsTable(list, names, httpx.BaseURL(c, s.PublicURL)), name+"-"+httpx.Stamp(), httpx.ExportFormat(c))
}
