// Package httpx is the request-level vocabulary that the HTTP packages
// share: who acts in a request (the principal the session or token
// middleware of internal/server found), the CSRF token of a form, the
// request id and arrival time, HEAD handling, rendering a templ page or
// htmx fragment, spreadsheet answers and a cache keyed by data version.
// It holds no handlers and no state of its own; internal/server sets what
// internal/api and internal/web read here.
package httpx

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
)

// Context keys set by internal/server.
const (
	ctxPrincipal = "principal"
	// CtxCSRF is where the CSRF middleware puts the form token.
	CtxCSRF = "csrf"
)

// SetPrincipal records who acts in this request.
func SetPrincipal(c echo.Context, p catalog.Principal) { c.Set(ctxPrincipal, p) }

// Principal returns who acts in this request (anonymous when nobody).
func Principal(c echo.Context) catalog.Principal {
	p, _ := c.Get(ctxPrincipal).(catalog.Principal)
	return p
}

// CSRFToken returns the form token of this request ("" outside the pages).
func CSRFToken(c echo.Context) string {
	t, _ := c.Get(CtxCSRF).(string)
	return t
}

// PathID parses a positive numeric path parameter; anything else is "not found".
func PathID(c echo.Context, name string) (uint, error) {
	n, err := strconv.ParseUint(c.Param(name), 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("path parameter %s=%q: %w", name, c.Param(name), catalog.ErrNotFound)
	}
	return uint(n), nil
}

// BaseURL is the absolute address links start with: publicURL
// (EFA_PUBLIC_URL) when set, else the address the request came to.
func BaseURL(c echo.Context, publicURL string) string {
	if publicURL != "" {
		return strings.TrimSuffix(publicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

// SessionUserID is the session key of the logged-in user's id.
const SessionUserID = "userID"

// SafeNext returns target when it is a local path, else fallback; it keeps
// the login redirect from sending people to other sites.
func SafeNext(target, fallback string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return fallback
	}
	u, err := url.Parse(target)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return target
}
