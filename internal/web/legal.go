package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/views"
)

func legalCrumbs(label string) []views.Crumb {
	return []views.Crumb{{Label: "Start", URL: "/"}, {Label: label}}
}

// handleImprint renders the Impressum.
func (s *server) handleImprint(c echo.Context) error {
	return renderOK(c, views.ImprintPage(page(c, "Impressum", "/impressum", legalCrumbs("Impressum")...), s.Operator, s.Version))
}

// handlePrivacy renders the Datenschutzerklärung.
func (s *server) handlePrivacy(c echo.Context) error {
	return renderOK(c, views.PrivacyPage(page(c, "Datenschutz", "/datenschutz", legalCrumbs("Datenschutz")...), s.Operator))
}

// handleAccessibility renders the Erklärung zur Barrierefreiheit.
func (s *server) handleAccessibility(c echo.Context) error {
	return renderOK(c, views.AccessibilityPage(page(c, "Erklärung zur Barrierefreiheit", "/barrierefreiheit",
		legalCrumbs("Erklärung zur Barrierefreiheit")...), s.Operator))
}

// handleSources renders the data sources and licences.
func (s *server) handleSources(c echo.Context) error {
	return renderOK(c, views.SourcesPage(page(c, "Datenquellen und Lizenzen", "/datenquellen", legalCrumbs("Datenquellen und Lizenzen")...)))
}
