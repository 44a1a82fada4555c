package api

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// Spreadsheet exports of the catalogue and of adoptions, as CSV for German
// Excel and as XLSX. They are public like the pages that show the same
// tables. The rows are streamed from the database in batches while the file
// is written, and the exports share the export slots.

// HandleExportSolutions answers GET /api/v1/export/solutions.csv and .xlsx.
func (s *API) HandleExportSolutions(c echo.Context) error {
	ctx := c.Request().Context()
	tfs, err := s.Store.TopicFields(ctx)
	if err != nil {
		return err
	}
	topics := map[uint]string{}
	for _, tf := range tfs {
		topics[tf.ID] = tf.Name
	}
	baseURL := httpx.BaseURL(c, s.PublicURL)
	t := export.SolutionsSheet()
	if httpx.ExportFormat(c) == "xlsx" {
		st, err := s.Store.Stats(ctx)
		if err != nil {
			return err
		}
		t.StreamLen = st.Solutions
	}
	t.Stream = func(emit func([]any) error) error {
		return s.Store.EachSolutionByName(ctx, func(batch []catalog.Solution) error {
			ids := make([]uint, len(batch))
			for i, sol := range batch {
				ids[i] = sol.ID
			}
			counts, err := s.Store.AdoptionCounts(ctx, ids)
			if err != nil {
				return err
			}
			for _, sol := range batch {
				if err := emit(export.SolutionRow(sol, counts, topics, baseURL)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s.sendTable(c, t, "efa-loesungen-"+httpx.Stamp())
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
		return badParam("land", i18n.M("apierr.param_land"))
	}
	slug, err := queryValue(c, "solution")
	if err != nil {
		return err
	}
	if slug != "" && !catalog.ValidSlug(slug) {
		return badParam("solution", i18n.M("apierr.param_solution_slug"))
	}
	name := "efa-nachnutzungen"
	if slug != "" {
		if _, err := s.Store.SolutionBySlug(ctx, slug); err != nil {
			return err
		}
		name += "-" + slug
	}
	if land != "" {
		name += "-land-" + land
	}
	sel := store.AdoptionSelection{SolutionSlug: slug, LandKey: land}
	laender, err := s.Store.Laender(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{catalog.BundKey: "Bund"}
	for _, l := range laender {
		names[l.Key] = l.Name
	}
	t := export.AdoptionsSheet()
	if httpx.ExportFormat(c) == "xlsx" {
		// Counted first, so a file beyond the XLSX row limit is refused
		// before anything is sent.
		if t.StreamLen, err = s.Store.CountAdoptions(ctx, sel); err != nil {
			return err
		}
	}
	baseURL := httpx.BaseURL(c, s.PublicURL)
	t.Stream = func(emit func([]any) error) error {
		return s.Store.EachAdoption(ctx, sel, func(batch []catalog.Adoption) error {
			for _, a := range batch {
				if err := emit(export.AdoptionRow(a, names, baseURL)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s.sendTable(c, t, name+"-"+httpx.Stamp())
}

// sendTable streams a spreadsheet export in one of the export slots.
func (s *API) sendTable(c echo.Context, t export.Table, filename string) error {
	format := httpx.ExportFormat(c)
	if !httpx.IsHead(c) && (format != "xlsx" || t.Len() <= export.MaxXLSXRows) {
		release, ok, err := s.acquireExport(c, format)
		if !ok {
			return err
		}
		defer release()
	}
	return s.logStreamError(c, httpx.SendTable(c, t, filename, format))
}
