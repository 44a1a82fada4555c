package httpx

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/i18n"
)

var statusTitles = map[int]string{
	http.StatusNotFound:             "status.not_found",
	http.StatusBadRequest:           "status.bad_request",
	http.StatusUnprocessableEntity:  "status.unprocessable",
	http.StatusConflict:             "status.conflict",
	http.StatusForbidden:            "status.forbidden",
	http.StatusUnauthorized:         "status.unauthorized",
	http.StatusMethodNotAllowed:     "status.method_not_allowed",
	http.StatusTooManyRequests:      "status.too_many_requests",
	http.StatusPreconditionFailed:   "status.precondition_failed",
	http.StatusPreconditionRequired: "status.precondition_required",
	http.StatusUnsupportedMediaType: "status.unsupported_media_type",
}

// StatusTitle is the title of an HTTP status for error pages and problem
// documents, in the language of ctx.
func StatusTitle(ctx context.Context, code int) string {
	if id, ok := statusTitles[code]; ok {
		return i18n.T(ctx, id)
	}
	if code >= 500 {
		return i18n.T(ctx, "status.error")
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
// detail is the text safe to show (an i18n.Message is given in the reader's
// language: Accept-Language), fields name the invalid inputs.
func WriteProblem(c echo.Context, code int, detail any, fields map[string]string) error {
	ctx := c.Request().Context()
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().Header().Add("Vary", "Accept-Language")
	pr := problem{Type: "about:blank", Title: StatusTitle(ctx, code), Status: code, Detail: i18n.Localize(ctx, detail), Errors: fields}
	if code == http.StatusUnprocessableEntity && len(fields) > 0 {
		pr.Invalid = invalidFields(fields)
	}
	return c.JSON(code, pr)
}
