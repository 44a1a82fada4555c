package httpx

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

var statusTitles = map[int]string{
	http.StatusNotFound:            "Nicht gefunden",
	http.StatusBadRequest:          "Ungültige Anfrage",
	http.StatusUnprocessableEntity: "Ungültige Eingaben",
	http.StatusConflict:            "Konflikt",
	http.StatusForbidden:           "Keine Berechtigung",
	http.StatusUnauthorized:        "Anmeldung erforderlich",
	http.StatusMethodNotAllowed:    "Methode nicht erlaubt",
	http.StatusTooManyRequests:     "Zu viele Anfragen",
}

// StatusTitle is the German title of an HTTP status for error pages and problem documents.
func StatusTitle(code int) string {
	if t, ok := statusTitles[code]; ok {
		return t
	}
	if code >= 500 {
		return "Fehler"
	}
	return http.StatusText(code)
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// WriteProblem answers with an RFC 9457 problem document of status code;
// detail is the German text safe to show, fields name the invalid inputs.
func WriteProblem(c echo.Context, code int, detail string, fields map[string]string) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(code, problem{Type: "about:blank", Title: StatusTitle(code), Status: code, Detail: detail, Errors: fields})
}
