package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/insights"
	"efa-register/views"
)

// classify maps an error to a status code and a German message safe to show.
// Internal error text never reaches the user.
func classify(err error) (int, string, map[string]string) {
	var ve *catalog.ValidationError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "Die Eingaben sind nicht gültig.", ve.Fields
	case errors.Is(err, catalog.ErrNotFound):
		return http.StatusNotFound, "Die angeforderte Seite oder der Eintrag wurde nicht gefunden.", nil
	case errors.Is(err, catalog.ErrConflict):
		return http.StatusConflict, "Der Eintrag wurde inzwischen geändert oder existiert bereits.", nil
	case errors.Is(err, catalog.ErrForbidden):
		return http.StatusForbidden, "Sie haben keine Berechtigung für diese Aktion.", nil
	case errors.Is(err, catalog.ErrInvalid):
		return http.StatusBadRequest, "Die Anfrage ist ungültig.", nil
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			// A handler may say what is missing (a page past the end of a list);
			// the router's own "Not Found" gets the general sentence.
			if msg, ok := he.Message.(string); ok && msg != "" && msg != http.StatusText(he.Code) {
				return he.Code, msg, nil
			}
			return he.Code, "Die angeforderte Seite wurde nicht gefunden.", nil
		case http.StatusMethodNotAllowed:
			return he.Code, "Diese Methode ist hier nicht erlaubt.", nil
		case http.StatusRequestEntityTooLarge:
			return he.Code, "Die Anfrage ist zu groß.", nil
		case http.StatusTooManyRequests:
			return he.Code, "Zu viele Anfragen. Bitte versuchen Sie es gleich noch einmal.", nil
		}
		if he.Code < 500 {
			if msg, ok := he.Message.(string); ok && msg != "" && msg != http.StatusText(he.Code) {
				return he.Code, msg, nil
			}
			return he.Code, "Die Anfrage ist ungültig.", nil
		}
		return he.Code, "Der Dienst ist vorübergehend nicht verfügbar.", nil
	}
	return http.StatusInternalServerError, "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.", nil
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
	code, msg, fields := classify(err)
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
		werr = httpx.Render(c, code, views.ErrorPage(httpx.Page(c, httpx.StatusTitle(code), ""), code, msg), views.ErrorFragment(code, msg))
	}
	if werr != nil {
		s.Log.ErrorContext(c.Request().Context(), "write error response", "err", werr)
	}
}
