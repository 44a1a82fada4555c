package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
)

// Spreadsheet exports of the catalogue and of adoptions, as CSV for German
// Excel and as XLSX. They are public like the pages that show the same tables.

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sendTable answers with the table as CSV or XLSX under filename (without extension).
func sendTable(c echo.Context, t export.Table, filename, format string) error {
	var buf bytes.Buffer
	contentType := "text/csv; charset=utf-8"
	var err error
	if format == "xlsx" {
		contentType = mimeXLSX
		err = export.WriteXLSX(&buf, t)
	} else {
		err = export.WriteCSV(&buf, t)
	}
	if err != nil {
		return fmt.Errorf("export %s.%s: %w", filename, format, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, filename, format))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// exportFormat maps the route to the file format.
func exportFormat(c echo.Context) string {
	if strings.HasSuffix(c.Path(), ".xlsx") {
		return "xlsx"
	}
	return "csv"
}

// stamp is today's date for file names.
func stamp() string { return time.Now().UTC().Format("2006-01-02") }

// handleExportSolutions answers GET /api/v1/export/solutions.csv and .xlsx.
func (s *server) handleExportSolutions(c echo.Context) error {
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
	return sendTable(c, export.SolutionsTable(sols, byID, topics, s.baseURL(c)), "efa-loesungen-"+stamp(), exportFormat(c))
}

// handleExportAdoptions answers GET /api/v1/export/adoptions.csv and .xlsx,
// optionally for one Land (land=01, the adopters in that Land) and one
// solution (solution=slug).
func (s *server) handleExportAdoptions(c echo.Context) error {
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
	return sendTable(c, export.AdoptionsTable(list, names, s.baseURL(c)), name+"-"+stamp(), exportFormat(c))
}
