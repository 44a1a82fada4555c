package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// scoreboardJSON is one Land on the API's scoreboard.
type scoreboardJSON struct {
	LandKey          string         `json:"landKey"`
	Name             string         `json:"name"`
	URN              string         `json:"urn"`
	Population       int64          `json:"population"`
	Provided         int            `json:"provided"`
	ReceivedExternal int            `json:"receivedExternal"`
	ReceivedInternal int            `json:"receivedInternal"`
	Made             int            `json:"made"`
	MadeLive         int            `json:"madeLive"`
	MadePer100k      float64        `json:"madePer100k"`
	ServicesCovered  int            `json:"servicesCovered"`
	Coverage         float64        `json:"coverage"`
	Reach            float64        `json:"reach"`
	Ranks            map[string]int `json:"ranks"`
}

// HandleScoreboard returns the scoreboard: GET /api/v1/scoreboard.
func (s *API) HandleScoreboard(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	rows := e.Scoreboard()
	out := make([]scoreboardJSON, len(rows))
	for i, r := range rows {
		out[i] = scoreboardJSON{LandKey: r.LandKey, Name: r.Name, URN: catalog.ARSURNPrefix + r.LandKey + "0000000000", Population: r.Population,
			Provided: r.Provided, ReceivedExternal: r.ReceivedExternal, ReceivedInternal: r.ReceivedInternal, Made: r.Made, MadeLive: r.MadeLive,
			MadePer100k: r.MadePer100k, ServicesCovered: r.ServicesCovered, Coverage: r.Coverage, Reach: r.Reach, Ranks: r.Ranks}
	}
	return c.JSON(http.StatusOK, map[string]any{"states": out})
}

// The page size of the solutions in /api/v1/savings.
const (
	savingsLimit    = 100
	maxSavingsLimit = 1000
)

// HandleSavings returns the Digitalisierungsrendite: GET /api/v1/savings.
// Every amount is an estimate; estimatedEur and basis "estimate" mark the part
// that rests on the default build cost (with its public sources under
// assumptions) instead of the provider's own figures. Amounts not
// quantifiable are reported with the reason instead of a number.
//
// The solutions come a page at a time (page, limit: default 100, at most
// 1000; a page past the last is 404), so the answer does not grow with the
// catalogue; the totals and the Länder are in every page.
func (s *API) HandleSavings(c echo.Context) error {
	page, limit, err := pageParams(c, savingsLimit, maxSavingsLimit)
	if err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	sv := e.Savings()
	lo := (page - 1) * limit
	if page > 1 && lo >= len(sv.BySolution) {
		return echo.NewHTTPError(http.StatusNotFound, i18n.M("apierr.page_not_found",
			"Page", page, "Limit", limit, "Pages", max(1, (len(sv.BySolution)+limit-1)/limit)))
	}
	type solutionJSON struct {
		Slug       string   `json:"slug"`
		Name       string   `json:"name"`
		Live       int      `json:"live"`
		Quantified int      `json:"quantified"`
		SavingEUR  *float64 `json:"savingEur"`
		Basis      string   `json:"basis"`
		Note       string   `json:"note,omitempty"`
		Reason     string   `json:"notQuantifiableReason,omitempty"`
	}
	type landJSON struct {
		LandKey         string   `json:"landKey"`
		SavingEUR       *float64 `json:"savingEur"`
		EstimatedEUR    float64  `json:"estimatedEur"`
		Quantified      int      `json:"quantified"`
		NotQuantifiable int      `json:"notQuantifiable"`
	}
	sols := []solutionJSON{}
	for _, ss := range sv.BySolution[min(lo, len(sv.BySolution)):min(lo+limit, len(sv.BySolution))] {
		j := solutionJSON{Slug: ss.Slug, Name: ss.Name, Live: ss.Live, Quantified: ss.Quantified, Basis: ss.Basis, Note: ss.Note, Reason: ss.Reason}
		if ss.Quantified > 0 {
			v := ss.Saving
			j.SavingEUR = &v
		}
		sols = append(sols, j)
	}
	var laender []landJSON
	for _, r := range e.Scoreboard() {
		j := landJSON{LandKey: r.LandKey, Quantified: sv.QuantifiedByLand[r.LandKey], NotQuantifiable: sv.OpenByLand[r.LandKey],
			EstimatedEUR: sv.EstimatedByLand[r.LandKey]}
		if j.Quantified > 0 {
			v := sv.ByLand[r.LandKey]
			j.SavingEUR = &v
		}
		laender = append(laender, j)
	}
	type figureJSON struct {
		Key     string  `json:"key"`
		Value   float64 `json:"value"`
		Unit    string  `json:"unit"`
		Meaning string  `json:"meaning"`
		Source  string  `json:"source"`
		URL     string  `json:"url"`
		AsOf    string  `json:"asOf"`
	}
	assumptions := map[string]any{"years": sv.Config.Years, "onboardingShare": sv.Config.OnboardingShare, "defaultBuildCostEur": nil, "defaultSources": []figureJSON{}}
	if est := sv.Config.Estimate; est != nil && est.BuildCostEUR > 0 {
		assumptions["defaultBuildCostEur"] = est.BuildCostEUR
		sources := []figureJSON{}
		for _, f := range est.Figures {
			sources = append(sources, figureJSON{Key: f.Key, Value: f.Value, Unit: f.Unit, Meaning: f.Meaning, Source: f.Source, URL: f.URL, AsOf: f.AsOf})
		}
		assumptions["defaultSources"] = sources
	}
	return c.JSON(http.StatusOK, map[string]any{
		"assumptions":     assumptions,
		"totalEur":        sv.Total,
		"estimatedEur":    sv.EstimatedTotal,
		"estimated":       sv.Estimated,
		"quantified":      sv.Quantified,
		"notQuantifiable": sv.NotQuantifiable,
		"states":          laender,
		"total":           len(sv.BySolution),
		"page":            page,
		"limit":           limit,
		"solutions":       sols,
	})
}

// HandleCoverage returns the live coverage of one OZG-Leistung: GET /api/v1/coverage/services/{ozgId}.
func (s *API) HandleCoverage(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	id := c.Param("ozgId")
	if !catalog.ValidOZGID(id) {
		return badParam("ozgId", i18n.M("apierr.param_not_ozg_id", "Value", id))
	}
	if _, err := s.Store.ServiceByID(c.Request().Context(), id); err != nil {
		return err
	}
	cov := e.Service(id)
	type landJSON struct {
		LandKey    string  `json:"landKey"`
		Population int64   `json:"population"`
		CoveredPop int64   `json:"coveredPopulation"`
		Share      float64 `json:"share"`
		Gemeinden  int     `json:"municipalities"`
	}
	laender := make([]landJSON, len(cov.Laender))
	for i, l := range cov.Laender {
		laender[i] = landJSON{LandKey: l.LandKey, Population: l.Population, CoveredPop: l.CoveredPop, Share: l.Share, Gemeinden: l.Gemeinden}
	}
	return c.JSON(http.StatusOK, map[string]any{"ozgId": id, "name": cov.Name, "solutions": cov.Solutions, "share": cov.Share, "states": laender})
}

// HandleWhiteSpots lists the OZG-Leistungen without a solution: GET /api/v1/white-spots.
func (s *API) HandleWhiteSpots(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	spots := e.WhiteSpots()
	type spotJSON struct {
		OZGID        string `json:"ozgId"`
		Name         string `json:"name"`
		TopicFieldID uint   `json:"topicFieldId"`
	}
	out := make([]spotJSON, len(spots))
	for i, sp := range spots {
		out[i] = spotJSON{OZGID: sp.OZGID, Name: sp.Name, TopicFieldID: sp.Topic}
	}
	return c.JSON(http.StatusOK, map[string]any{"total": len(out), "services": out})
}

// HandleDemand returns the most frequent searches without results: GET /api/v1/demand?days=30.
func (s *API) HandleDemand(c echo.Context) error {
	days := 30
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			return badParam("days", i18n.M("apierr.param_days"))
		}
		days = n
	}
	rows, err := s.Store.ZeroResultQueries(c.Request().Context(), time.Now().UTC().AddDate(0, 0, -days+1).Format("2006-01-02"), 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"days": days, "queries": rows})
}
