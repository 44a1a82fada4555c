package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/publiccode"
)

// HandlePubliccodeExport answers GET /loesungen/:slug/publiccode.yml and
// GET /api/v1/solutions/:slug/publiccode.yml: the file by the standard, or
// with ?extension=de the variant with the German country section (OZG-IDs
// and LeiKa keys), which the standard's reference parser refuses.
func (s *API) HandlePubliccodeExport(c echo.Context) error {
	slug := c.Param("slug")
	if !catalog.ValidSlug(slug) {
		return fmt.Errorf("solution %q: %w", slug, catalog.ErrNotFound)
	}
	ext, err := queryValue(c, "extension")
	if err == nil && ext != "" && ext != "de" {
		err = badParam("extension", i18n.M("apierr.param_extension"))
	}
	if err != nil {
		if pe, ok := err.(*paramError); ok && !strings.HasPrefix(c.Request().URL.Path, "/api/") {
			return echo.NewHTTPError(http.StatusBadRequest, pe.detail())
		}
		return err
	}
	german := ext == "de"
	out, err := publiccode.ExportSolution(c.Request().Context(), s.Store, slug, httpx.BaseURL(c, s.PublicURL)+"/loesungen/"+slug, german)
	if err != nil {
		return err
	}
	name := "publiccode.yml"
	if german {
		name = "publiccode-de.yml"
		// The standards profile travels under the register's extension key
		// (publiccode/standards.go); like the German section, only in this
		// variant: the standard's parser refuses keys it does not know.
		sol, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
		if err != nil {
			return err
		}
		if out, err = publiccode.AppendProfile(out, sol.StandardsProfile); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", out)
}
