package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/insights"
	"efa-register/internal/store"
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
	// The estimate in use; the seed files' one when the insights are not wired (tests).
	var est views.EstimateSources
	e := s.estimate()
	if e != nil && e.BuildCostEUR > 0 {
		est = views.EstimateSources{BuildCost: fmtEuro(e.BuildCostEUR), Sources: estimateSources(e)}
	}
	return httpx.RenderOK(c, views.SourcesPage(httpx.Page(c, "Datenquellen und Lizenzen", "/datenquellen", legalCrumbs("Datenquellen und Lizenzen")...), est, vocabularyTable()))
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

// vocabularyTable lists the controlled vocabulary of standards with the source of every entry.
func vocabularyTable() views.Table {
	t := views.Table{Caption: "Standardliste mit Quellen", TestID: "standardliste",
		Head: []string{"Eintrag", "Bereich", "Version", "Hinweis", "Quelle"}}
	for _, st := range store.Vocabulary().All() {
		dim, _ := catalog.DimensionByKey(st.Dimension)
		version := st.Version
		if version == "" {
			version = "nicht angegeben"
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: st.Name}, {Text: dim.Label}, {Text: version}, {Text: st.Note},
			{Text: st.Source, URL: st.Source, Context: " (Quelle zu " + st.Name + ")"}})
	}
	return t
}
