// Package server is what every request passes through and the one place
// where the register's routes are listed (routes.go): the operational
// middleware (request ids, logs with redaction, metrics, security headers,
// limits: middleware.go, ratelimit.go, metrics.go), sessions, login with
// password or OIDC and CSRF protection (auth.go, oidc.go), the probes
// (health.go) and the error handler that answers problem+json for the API
// and a page or htmx fragment otherwise (errors.go). It mounts the
// handlers of internal/api and internal/web.
package server

import (
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"efa-register/internal/api"
	"efa-register/internal/httpx"
	"efa-register/internal/insights"
	"efa-register/internal/mail"
	"efa-register/internal/publiccode"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/internal/web"
	"efa-register/views"
)

// Deps are what the server needs.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// Version is the build version shown by /healthz.
	Version string
	// Auth configures logins and sessions.
	Auth AuthConfig
	// Insights keeps the scoreboard, coverage and savings figures (nil in tests that do not need them).
	Insights *insights.Engine
	// Search is the full-text index (nil in tests that do not need it).
	Search *search.Index
	// Ops configures limits, security headers and metrics (middleware.go).
	Ops Ops
	// Operator are the details of whoever runs this instance, shown in
	// Impressum, Datenschutz and the accessibility statement.
	Operator views.Operator
	// PublicURL is the register's public address (EFA_PUBLIC_URL, e.g.
	// https://efa.example.de) for the absolute links of the feeds; empty
	// means the address the request came to.
	PublicURL string
	// PubliccodeFetcher fetches publiccode.yml files from URLs for the
	// import (EFA_PUBLICCODE_FETCH=true); nil means upload only.
	PubliccodeFetcher *publiccode.Fetcher
	// Mail sends the e-mails of accounts (EFA_SMTP_URL); nil sends none.
	Mail *mail.Mailer
	// Exports bounds the exports and downloads streamed at the same time;
	// nil makes one with Ops.ExportSlots slots.
	Exports *httpx.ExportGate
}

// server carries the dependencies of the shared steps and the handlers it mounts.
type server struct {
	Deps
	sessions *scs.SessionManager
	// throttle counts failed logins and account requests in the database.
	throttle *store.Throttle
	oidc     *oidcLogin
	metrics  *metrics
	api      *api.API
	site     *web.Site
	ready    readiness
}

// New returns the configured Echo instance with every route registered.
func New(d Deps) *echo.Echo {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Auth.IdleTimeout == 0 {
		d.Auth.IdleTimeout = 30 * time.Minute
	}
	if d.Auth.Lifetime == 0 {
		d.Auth.Lifetime = 12 * time.Hour
	}
	s := &server{Deps: d, throttle: store.NewThrottle(d.Store, store.DefaultThrottleLimits)}
	s.initOps()
	s.sessions = s.newSessions()
	if s.Exports == nil {
		s.Exports = httpx.NewExportGate(d.Ops.ExportSlots)
	}
	s.api = api.New(api.Deps{Store: d.Store, Log: d.Log, Insights: d.Insights, Search: d.Search, PublicURL: d.PublicURL, Exports: s.Exports, Mail: d.Mail})
	s.site = web.New(web.Deps{Store: d.Store, Log: d.Log, Version: d.Version, Insights: d.Insights, Search: d.Search, Exports: s.Exports,
		Sessions: s.sessions, Throttle: s.throttle, Operator: d.Operator, PublicURL: d.PublicURL, PubliccodeFetcher: d.PubliccodeFetcher, Mail: d.Mail})
	if d.Auth.OIDC.Issuer != "" {
		s.oidc = newOIDCLogin(d.Auth.OIDC)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	s.routes(e)
	return e
}
