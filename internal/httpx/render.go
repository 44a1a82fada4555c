package httpx

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"efa-register/internal/i18n"
	"efa-register/views"
)

// IsHTMX reports whether the request came from htmx (and wants a fragment).
func IsHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-History-Restore-Request") != "true"
}

// Render writes a component into a buffer first, so a failing template never
// sends half a page, then answers with status. For htmx requests it sends
// fragment instead of page when fragment is not nil.
func Render(c echo.Context, status int, page, fragment templ.Component) error {
	comp := page
	if fragment != nil && IsHTMX(c) {
		comp = fragment
	}
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	c.Response().Header().Add("Vary", "HX-Request")
	return c.HTMLBlob(status, buf.Bytes())
}

// RenderOK renders a full page with 200.
func RenderOK(c echo.Context, page templ.Component) error { return Render(c, http.StatusOK, page, nil) }

// Page returns the frame data of a full page.
func Page(c echo.Context, title string, active string, crumbs ...views.Crumb) views.Page {
	return views.Page{Title: title, Active: active, Crumbs: crumbs, CSRF: CSRFToken(c), User: Principal(c).Name, Switch: LangSwitch(c)}
}

// LangSwitch is the link to the current page (path and query kept) in the
// other language.
func LangSwitch(c echo.Context) views.LangLink {
	other := i18n.EN
	if i18n.From(c.Request().Context()) == i18n.EN {
		other = i18n.DE
	}
	q := c.Request().URL.Query()
	q.Set("lang", string(other))
	return views.LangLink{Lang: string(other), URL: c.Request().URL.Path + "?" + q.Encode()}
}
