package httpx

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
)

var statusTitles = map[int]string{
	http.StatusNotFound:             "Nicht gefunden",
	http.StatusBadRequest:           "Ungültige Anfrage",
	http.StatusUnprocessableEntity:  "Ungültige Eingaben",
	http.StatusConflict:             "Konflikt",
	http.StatusForbidden:            "Keine Berechtigung",
	http.StatusUnauthorized:         "Anmeldung erforderlich",
	http.StatusMethodNotAllowed:     "Methode nicht erlaubt",
	http.StatusTooManyRequests:      "Zu viele Anfragen",
	http.StatusPreconditionFailed:   "Veraltete Fassung",
	http.StatusPreconditionRequired: "Fassung fehlt",
	http.StatusUnsupportedMediaType: "Format nicht unterstützt",
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
	// Invalid repeats Errors of a 422 as JSON pointers (RFC 6901) into the
	// request body, sorted by pointer.
	Invalid []InvalidField `json:"invalid,omitempty"`
}

// InvalidField is one invalid input of a request body: where (a JSON
// pointer) and what is wrong (German).
type InvalidField struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// FieldPointer turns a field name of a catalog.ValidationError into a JSON
// pointer: "name" is "/name", a dotted path "provider.kind" is
// "/provider/kind"; a name that already starts with "/" is kept.
func FieldPointer(field string) string {
	if strings.HasPrefix(field, "/") {
		return field
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	parts := strings.Split(field, ".")
	for i, p := range parts {
		parts[i] = esc.Replace(p)
	}
	return "/" + strings.Join(parts, "/")
}

// invalidFields lists fields as pointers, sorted.
func invalidFields(fields map[string]string) []InvalidField {
	out := make([]InvalidField, 0, len(fields))
	for f, msg := range fields {
		out = append(out, InvalidField{Pointer: FieldPointer(f), Detail: msg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// WriteProblem answers with an RFC 9457 problem document of status code;
// detail is the German text safe to show, fields name the invalid inputs.
func WriteProblem(c echo.Context, code int, detail string, fields map[string]string) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	pr := problem{Type: "about:blank", Title: StatusTitle(code), Status: code, Detail: detail, Errors: fields}
	if code == http.StatusUnprocessableEntity && len(fields) > 0 {
		pr.Invalid = invalidFields(fields)
	}
	return c.JSON(code, pr)
}
