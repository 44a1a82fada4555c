// Package api is the register's JSON face under /api/v1 and its documents
// for machines: the read API and the adoption writes (by API token), the
// OpenAPI document and the page that explains it, the full export and the
// change feed with their HTTP caching, the news feeds (JSON Feed, Atom),
// the spreadsheet exports, the publiccode.yml export and the webhook
// dispatcher that pushes the change feed. Errors are RFC 9457
// problem+json (problem.go). The routes are mounted by internal/server.
package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
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
	// Exports bounds the exports streamed at the same time, shared with
	// the pages' downloads (a gate of httpx.DefaultExportSlots when nil).
	Exports *httpx.ExportGate
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
	if d.Exports == nil {
		d.Exports = httpx.NewExportGate(0)
	}
	return &API{Deps: d, api: newAPIState(d.Store)}
}

// acquireExport takes an export slot for format without waiting, or
// answers 429 with Retry-After: ok is false when it did. release gives the
// slot back.
func (s *API) acquireExport(c echo.Context, format string) (release func(), ok bool, err error) {
	release, busy := s.Exports.Acquire(format)
	if busy == nil {
		return release, true, nil
	}
	c.Response().Header().Set("Retry-After", httpx.ExportRetryAfter)
	msg := i18n.M("apierr.export_busy", "Count", s.Exports.Slots(), "Seconds", httpx.ExportRetryAfter)
	if errors.Is(busy, httpx.ErrXLSXBusy) {
		msg = i18n.M("apierr.export_xlsx_busy", "Seconds", httpx.ExportRetryAfter)
	}
	return nil, false, WriteProblem(c, http.StatusTooManyRequests, msg, nil)
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
