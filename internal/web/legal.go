package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
	"efa-register/views"
)

func legalCrumbs(label string) []views.Crumb {
	return []views.Crumb{{Label: "Start", URL: "/"}, {Label: label}}
}

// HandleImprint renders the Impressum.
func (s *Site) HandleImprint(c echo.Context) error {
	return httpx.RenderOK(c, views.ImprintPage(httpx.Page(c, "Impressum", "/impressum", legalCrumbs("Impressum")...), s.Operator, s.Version))
}

// HandlePrivacy renders the Datenschutzerklärung.
func (s *Site) HandlePrivacy(c echo.Context) error {
	return httpx.RenderOK(c, views.PrivacyPage(httpx.Page(c, "Datenschutz", "/datenschutz", legalCrumbs("Datenschutz")...), s.Operator))
}

// HandleAccessibility renders the Erklärung zur Barrierefreiheit.
func (s *Site) HandleAccessibility(c echo.Context) error {
	return httpx.RenderOK(c, views.AccessibilityPage(httpx.Page(c, "Erklärung zur Barrierefreiheit", "/barrierefreiheit",
		legalCrumbs("Erklärung zur Barrierefreiheit")...), s.Operator))
}

// HandleSources renders the data sources and licences.
func (s *Site) HandleSources(c echo.Context) error {
	return httpx.RenderOK(c, views.SourcesPage(httpx.Page(c, "Datenquellen und Lizenzen", "/datenquellen", legalCrumbs("Datenquellen und Lizenzen")...)))
}
