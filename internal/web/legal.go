package web

import (
	"math"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/internal/store"
	"efa-register/views"
)

func legalCrumbs(c echo.Context, label string) []views.Crumb {
	return []views.Crumb{{Label: i18n.T(c.Request().Context(), "nav.start"), URL: "/"}, {Label: label}}
}

// legalPage is the frame of a legal page titled with the message id.
func legalPage(c echo.Context, id, path string) views.Page {
	title := i18n.T(c.Request().Context(), id)
	return httpx.Page(c, title, path, legalCrumbs(c, title)...)
}

// HandleImprint renders the Impressum.
func (s *Site) HandleImprint(c echo.Context) error {
	return httpx.RenderOK(c, views.ImprintPage(legalPage(c, "imprint.title", "/impressum"), s.Operator, s.Version))
}

// HandlePrivacy renders the Datenschutzerklärung.
func (s *Site) HandlePrivacy(c echo.Context) error {
	return httpx.RenderOK(c, views.PrivacyPage(legalPage(c, "privacy.title", "/datenschutz"), s.Operator))
}

// HandleAccessibility renders the Erklärung zur Barrierefreiheit.
func (s *Site) HandleAccessibility(c echo.Context) error {
	return httpx.RenderOK(c, views.AccessibilityPage(legalPage(c, "a11y.title", "/barrierefreiheit"), s.Operator))
}

// HandleSources renders the data sources and licences.
func (s *Site) HandleSources(c echo.Context) error {
	ctx := c.Request().Context()
	// The estimate in use; the seed files' one when the insights are not wired (tests).
	var est views.EstimateSources
	e := s.estimate()
	if e != nil && e.BuildCostEUR > 0 {
		est = views.EstimateSources{BuildCost: i18n.Euro(ctx, int64(math.Round(e.BuildCostEUR))), Sources: estimateSources(e)}
	}
	return httpx.RenderOK(c, views.SourcesPage(legalPage(c, "nav.sources", "/datenquellen"), est, vocabularyRows(c)))
}

// estimate is the default estimate of the Digitalisierungsrendite in use.
func (s *Site) estimate() *insights.Estimate {
	if s.Insights != nil {
		return s.Insights.Config().Estimate
	}
	if e, err := insights.DefaultEstimate(); err == nil {
		return &e
	}
	return nil
}

// vocabularyRows lists the controlled vocabulary of standards with the source of every entry.
func vocabularyRows(c echo.Context) []views.StandardRow {
	ctx := c.Request().Context()
	var rows []views.StandardRow
	for _, st := range store.Vocabulary().All() {
		dim, _ := catalog.DimensionByKey(st.Dimension)
		rows = append(rows, views.StandardRow{Name: st.Name, Dimension: dim.L(ctx), Version: st.Version, Note: st.Note, Source: st.Source})
	}
	return rows
}
