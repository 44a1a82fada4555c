package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// HandleInsightsIndex is the overview of the insight pages behind
// "Einblicke" in the main navigation.
func (s *Site) HandleInsightsIndex(c echo.Context) error {
	title := i18n.T(c.Request().Context(), "nav.insights")
	return httpx.RenderOK(c, views.InsightsIndexPage(httpx.Page(c, title, "/einblicke", views.Crumb{Label: title})))
}
