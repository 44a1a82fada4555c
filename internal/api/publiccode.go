package api

import (
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/publiccode"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// HandlePubliccodeExport answers GET /loesungen/:slug/publiccode.yml and
// GET /api/v1/solutions/:slug/publiccode.yml.
func (s *API) HandlePubliccodeExport(c echo.Context) error {
	slug := c.Param("slug")
	if !catalog.ValidSlug(slug) {
		return fmt.Errorf("solution %q: %w", slug, catalog.ErrNotFound)
	}
	out, err := publiccode.ExportSolution(c.Request().Context(), s.Store, slug, httpx.BaseURL(c, s.PublicURL)+"/loesungen/"+slug)
	if err != nil {
		return err
	}
	// The standards profile travels under the register's extension key (publiccode/standards.go).
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	if out, err = publiccode.AppendProfile(out, sol.StandardsProfile); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="publiccode.yml"`)
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", out)
}
