package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"efa-register/static"
)

// routes registers every route of the application, in one place.
func (s *server) routes(e *echo.Echo) {
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.Recover())

	// Operations
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)

	// Static assets (embedded)
	e.StaticFS("/static", static.FS)

	// Pages
	e.GET("/", s.handleHome)

	// JSON API
	api := e.Group("/api/v1")
	api.GET("/stats", s.handleAPIStats)
}
