// Package api is the register's JSON face under /api/v1 and its documents
// for machines: the read API and the adoption writes (by API token), the
// OpenAPI document and the page that explains it, the full export and the
// change feed with their HTTP caching, the news feeds (JSON Feed, Atom),
// the spreadsheet exports, the publiccode.yml export and the webhook
// dispatcher that pushes the change feed. Errors are RFC 9457
// problem+json (problem.go). The routes are mounted by internal/server.
package api

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/insights"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

// Deps are what the API handlers need.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// Insights keeps the scoreboard, coverage and savings figures (nil in tests that do not need them).
	Insights *insights.Engine
	// Search is the full-text index (nil in tests that do not need it).
	Search *search.Index
	// PublicURL is the register's public address (EFA_PUBLIC_URL) for
	// absolute links; empty means the address the request came to.
	PublicURL string
}

// API carries the handlers of the JSON API and their caches.
type API struct {
	Deps
	api *apiState
}

// New returns the API handlers over d.
func New(d Deps) *API {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &API{Deps: d, api: newAPIState(d.Store)}
}

// HandleStats returns the headline counts as JSON.
func (s *API) HandleStats(c echo.Context) error {
	st, err := s.Store.Stats(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// errNoInsights answers while the insight figures are still being computed.
var errNoInsights = echo.NewHTTPError(http.StatusServiceUnavailable, "Die Auswertungen werden gerade berechnet. Bitte versuchen Sie es gleich noch einmal.")

// engine returns the insight engine once it has computed its figures.
func (s *API) engine() (*insights.Engine, error) {
	if s.Insights == nil || !s.Insights.Loaded() {
		return nil, errNoInsights
	}
	return s.Insights, nil
}
