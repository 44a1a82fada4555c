package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/api"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// loadingRetryAfter is the Retry-After (seconds) of answers given while the
// in-memory views load.
const loadingRetryAfter = "5"

// handleLoading answers a request that needs the insight figures while
// they are still loading (insights.ErrLoading). An HTML page is never an
// error: it gets a notice page with status 200 that asks to reload. The
// API and the downloads (CSV, XLSX, JSON) answer 503 with Retry-After,
// which clients and download tools understand.
func (s *server) handleLoading(c echo.Context) {
	h := c.Response().Header()
	h.Set("Retry-After", loadingRetryAfter)
	h.Set("Cache-Control", "no-store")
	path := c.Request().URL.Path
	msg := i18n.M("server.loading")
	var err error
	switch {
	case strings.HasPrefix(path, "/api/"):
		err = api.WriteProblem(c, http.StatusServiceUnavailable, msg, nil)
	case strings.HasSuffix(path, ".csv") || strings.HasSuffix(path, ".xlsx") || strings.HasSuffix(path, ".json"):
		err = c.String(http.StatusServiceUnavailable, i18n.Localize(c.Request().Context(), msg)+"\n")
	case c.Request().Method == http.MethodHead:
		err = c.NoContent(http.StatusOK)
	default:
		retry := c.Request().URL.RequestURI()
		if !strings.HasPrefix(retry, "/") || strings.HasPrefix(retry, "//") {
			retry = "/"
		}
		err = httpx.Render(c, http.StatusOK, views.LoadingPage(httpx.Page(c, i18n.T(c.Request().Context(), "server.loading_title"), ""), retry), views.LoadingNotice(retry))
	}
	if err != nil {
		s.Log.ErrorContext(c.Request().Context(), "write loading response", "err", err)
	}
}
