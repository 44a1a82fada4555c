// Package web is the HTTP face of the register: the Echo router with every
// route in routes.go, one file per resource, one error handler and one
// render helper.
package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"efa-register/internal/store"
)

// Deps are what the handlers need.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// Version is the build version shown by /healthz.
	Version string
}

// server carries the dependencies of the handlers.
type server struct {
	Deps
}

// New returns the configured Echo instance with every route registered.
func New(d Deps) *echo.Echo {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &server{Deps: d}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	s.routes(e)
	return e
}
