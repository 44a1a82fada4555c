package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/views"
)

// classify maps an error to a status code and a message safe to show, in
// the language of ctx. Internal error text never reaches the user.
func classify(ctx context.Context, err error) (int, string, map[string]string) {
	var ve *catalog.ValidationError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, i18n.T(ctx, "error.invalid_input"), ve.In(ctx)
	case errors.Is(err, catalog.ErrNotFound):
		return http.StatusNotFound, i18n.T(ctx, "error.not_found"), nil
	case errors.Is(err, catalog.ErrConflict):
		return http.StatusConflict, i18n.T(ctx, "error.conflict"), nil
	case errors.Is(err, catalog.ErrForbidden):
		return http.StatusForbidden, i18n.T(ctx, "error.forbidden"), nil
	case errors.Is(err, catalog.ErrInvalid):
		return http.StatusBadRequest, i18n.T(ctx, "error.bad_request"), nil
	case errors.As(err, &he):
		// A handler may say what is wrong (a German text or an i18n.Message);
		// the router's own texts ("Not Found") get the general sentence.
		own := ""
		switch m := he.Message.(type) {
		case i18n.Message:
			own = m.In(i18n.From(ctx))
		case string:
			if m != http.StatusText(he.Code) {
				own = m
			}
		}
		switch he.Code {
		case http.StatusNotFound:
			if own != "" {
				return he.Code, own, nil
			}
			return he.Code, i18n.T(ctx, "error.page_not_found"), nil
		case http.StatusMethodNotAllowed:
			return he.Code, i18n.T(ctx, "error.method_not_allowed"), nil
		case http.StatusRequestEntityTooLarge:
			return he.Code, i18n.T(ctx, "error.too_large"), nil
		case http.StatusTooManyRequests:
			if own != "" {
				return he.Code, own, nil
			}
			return he.Code, i18n.T(ctx, "error.too_many_requests"), nil
		}
		if he.Code < 500 {
			if own != "" {
				return he.Code, own, nil
			}
			return he.Code, i18n.T(ctx, "error.bad_request"), nil
		}
		return he.Code, i18n.T(ctx, "error.unavailable"), nil
	}
	return http.StatusInternalServerError, i18n.T(ctx, "error.internal"), nil
}

// handleError is Echo's HTTPErrorHandler: JSON problems for the API, an htmx
// fragment for htmx requests and a full page otherwise.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, insights.ErrLoading) {
		s.handleLoading(c)
		return
	}
	ctx := c.Request().Context()
	code, msg, fields := classify(ctx, err)
	// A 503 is a state the handler chose (overload, search not ready), not a
	// fault; logging each one would flood the log exactly under overload.
	if code >= 500 && code != http.StatusServiceUnavailable {
		s.Log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	var werr error
	switch {
	case strings.HasPrefix(c.Request().URL.Path, "/api/"):
		werr = api.WriteProblem(c, code, msg, fields)
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(code)
	default:
		werr = httpx.Render(c, code, views.ErrorPage(httpx.Page(c, httpx.StatusTitle(ctx, code), ""), code, msg), views.ErrorFragment(code, msg))
	}
	if werr != nil {
		s.Log.ErrorContext(c.Request().Context(), "write error response", "err", werr)
	}
}
