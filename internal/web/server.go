// Package web is the HTTP face of the register: the Echo router with every
// route in routes.go, one file per resource, one error handler and one
// render helper.
package web

import (
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/insights"
	"efa-register/internal/publiccode"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/views"
)

// Deps are what the handlers need.
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
}

// server carries the dependencies of the handlers.
type server struct {
	Deps
	sessions      *scs.SessionManager
	loginThrottle *auth.Throttle
	oidc          *oidcLogin
	metrics       *metrics
	api           *apiState
	// pages memoises derived figures of the browsing pages per data version (pagecache.go).
	pages *pageCaches
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
	s := &server{Deps: d, loginThrottle: auth.NewThrottle(5, 15*time.Minute)}
	s.initOps()
	s.api = newAPIState(d.Store)
	s.pages = newPageCaches()
	s.sessions = s.newSessions()
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
