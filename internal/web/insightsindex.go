package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
	"efa-register/views"
)

// HandleInsightsIndex is the overview of the insight pages behind
// "Einblicke" in the main navigation.
func (s *Site) HandleInsightsIndex(c echo.Context) error {
	return httpx.RenderOK(c, views.InsightsIndexPage(httpx.Page(c, "Einblicke", "/einblicke", views.Crumb{Label: "Einblicke"})))
}
