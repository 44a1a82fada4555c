package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleAPIStats returns the headline counts as JSON.
func (s *server) handleAPIStats(c echo.Context) error {
	st, err := s.Store.Stats(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
