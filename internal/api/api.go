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

	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/internal/mail"
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
	// Mail sends the e-mails of security advisories (EFA_SMTP_URL); nil sends none.
	Mail *mail.Mailer
	// ExportSlots is how many exports are streamed at the same time
	// (DefaultExportSlots when 0); one more is answered 429.
	ExportSlots int
}

// DefaultExportSlots is how many exports stream at the same time unless
// Deps.ExportSlots says otherwise. Memory per export is flat, so the slots
// bound the memory and the database cursors that exports hold.
const DefaultExportSlots = 2

// exportRetryAfter is the Retry-After (seconds) of a refused export.
const exportRetryAfter = "30"

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
	if d.ExportSlots <= 0 {
		d.ExportSlots = DefaultExportSlots
	}
	a := &API{Deps: d, api: newAPIState(d.Store)}
	a.api.exportSlots = make(chan struct{}, d.ExportSlots)
	return a
}

// acquireExport takes one of the export slots without waiting; ok is false
// when all are taken (answer with refuseExport). release gives the slot back.
func (s *API) acquireExport() (release func(), ok bool) {
	select {
	case s.api.exportSlots <- struct{}{}:
		return func() { <-s.api.exportSlots }, true
	default:
		return nil, false
	}
}

// refuseExport answers an export beyond the slots: 429 with Retry-After.
func (s *API) refuseExport(c echo.Context) error {
	c.Response().Header().Set("Retry-After", exportRetryAfter)
	return WriteProblem(c, http.StatusTooManyRequests, i18n.M("apierr.export_busy",
		"Count", cap(s.api.exportSlots), "Seconds", exportRetryAfter), nil)
}

// HandleStats returns the headline counts as JSON.
func (s *API) HandleStats(c echo.Context) error {
	st, err := s.Store.Stats(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// engine returns the insight engine once it has computed its figures, else
// insights.ErrLoading (503 with Retry-After).
func (s *API) engine() (*insights.Engine, error) {
	if s.Insights == nil || !s.Insights.Loaded() {
		return nil, insights.ErrLoading
	}
	return s.Insights, nil
}
