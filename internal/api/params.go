package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// paramError is a malformed request parameter. The API answers it with a 400
// problem document that names the parameter in detail and in "errors".
type paramError struct {
	Param   string
	Message string       // German
	Msg     i18n.Message // Message for the reader's language
}

func (e *paramError) Error() string { return "parameter " + e.Param + ": " + e.Message }

// badParam returns the error for a malformed parameter.
func badParam(name string, m i18n.Message) error { return newParamError(name, m) }

// newParamError returns the malformed parameter name with the message m.
func newParamError(name string, m i18n.Message) *paramError {
	return &paramError{Param: name, Message: m.String(), Msg: m}
}

// detail is the problem's detail: the parameter and what is wrong with it.
func (e *paramError) detail() i18n.Message {
	return i18n.M("apierr.param_invalid", "Param", e.Param, "Reason", e.Msg)
}

// writeParamProblem answers a paramError as RFC 9457 problem+json.
func writeParamProblem(c echo.Context, pe *paramError) error {
	return WriteProblem(c, http.StatusBadRequest, pe.detail(),
		map[string]string{pe.Param: i18n.Localize(c.Request().Context(), pe.Msg)})
}

// apiErrors turns paramErrors returned by API handlers into 400 problems;
// every other error goes on to the common error handler.
func apiErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return paramProblem(c, next(c)) }
}

// paramProblem answers a paramError as a 400 problem and passes every
// other error on.
func paramProblem(c echo.Context, err error) error {
	if pe, ok := err.(*paramError); ok {
		return writeParamProblem(c, pe)
	}
	return err
}

// queryValue returns the single value of a query parameter; a repeated
// parameter that is not meant to repeat is an error.
func queryValue(c echo.Context, name string) (string, error) {
	vals := c.QueryParams()[name]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vals[0]), nil
	}
	return "", badParam(name, i18n.M("apierr.param_once"))
}

// queryInt parses an integer query parameter within [lo, hi], def when absent.
func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	v, err := queryValue(c, name)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, i18n.M("apierr.param_int_range", "Lo", lo, "Hi", hi))
	}
	return n, nil
}

// pageParams parses page and limit.
func pageParams(c echo.Context, defLimit, maxLimit int) (page, limit int, err error) {
	if page, err = queryInt(c, "page", 1, 1, 100000); err != nil {
		return 0, 0, err
	}
	if limit, err = queryInt(c, "limit", defLimit, 1, maxLimit); err != nil {
		return 0, 0, err
	}
	return page, limit, nil
}

// pathSlug returns the :slug path parameter when it has the form of a slug.
func pathSlug(c echo.Context) (string, error) {
	slug := c.Param("slug")
	if !catalog.ValidSlug(slug) {
		return "", badParam("slug", i18n.M("apierr.param_slug"))
	}
	return slug, nil
}

// landKeyParam checks a Länderschlüssel given as parameter name.
func landKeyParam(name, v string) error {
	if !catalog.ValidLandKey(v) {
		return badParam(name, i18n.M("apierr.param_land"))
	}
	return nil
}

// orgKeyParams checks the :kind and :key path parameters of an organisation.
func orgKeyParams(c echo.Context) (catalog.OrgKind, string, error) {
	kind, key := catalog.OrgKind(c.Param("kind")), c.Param("key")
	if !kind.Valid() {
		return "", "", badParam("kind", i18n.M("apierr.param_org_kind"))
	}
	o := catalog.Organisation{Kind: kind, Key: key, Name: "x"}
	var ve *catalog.ValidationError
	if err := o.Validate(); err != nil && errors.As(err, &ve) && ve.Fields["key"] != "" {
		m, ok := ve.Msgs["key"]
		if !ok {
			m = i18n.M("apierr.text", "Text", ve.Fields["key"])
		}
		return "", "", badParam("key", m)
	}
	return kind, key, nil
}
