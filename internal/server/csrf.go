package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
)

// The CSRF defence of the HTML pages has two layers:
//
//   - browsers that send Sec-Fetch-Site vouch for the origin of a request:
//     "same-origin" passes, "cross-site" and "same-site" are refused;
//   - every other unsafe request must repeat the form token, in the
//     X-CSRF-Token header (htmx) or the _csrf field of the body (never the
//     query string).
//
// The token of a logged-in user lives in the session: it is bound to it,
// replaced at login and gone at logout. Before login (the login and account
// request forms) it lives in its own cookie, replaced at logout.

const (
	sessCSRF       = "csrf"
	csrfCookieBase = "efa_csrf"
	csrfHeader     = "X-CSRF-Token"
	csrfField      = "_csrf"
)

var (
	msgCrossSite = i18n.M("auth.csrf_cross_site")
	msgCSRFToken = i18n.M("auth.csrf_token")
)

// cookieName gives session and token cookies the __Host- prefix when they
// are Secure: the browser then refuses them from a subdomain or over HTTP.
func (s *server) cookieName(base string) string {
	if s.Auth.CookieSecure {
		return "__Host-" + base
	}
	return base
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrf makes the request's token available to the templates and checks it
// on unsafe methods. It runs after withSession.
func (s *server) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token := s.csrfToken(c)
			c.Set(httpx.CtxCSRF, token)
			r := c.Request()
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				return next(c)
			}
			switch r.Header.Get("Sec-Fetch-Site") {
			case "same-origin":
				return next(c)
			case "cross-site", "same-site":
				return echo.NewHTTPError(http.StatusForbidden, msgCrossSite)
			}
			sent := r.Header.Get(csrfHeader)
			if sent == "" {
				sent = r.PostFormValue(csrfField)
			}
			if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return echo.NewHTTPError(http.StatusForbidden, msgCSRFToken)
			}
			return next(c)
		}
	}
}

// csrfToken returns the token this request must repeat: the session's for
// a logged-in user, else the pre-login cookie's (set when missing).
func (s *server) csrfToken(c echo.Context) string {
	ctx := c.Request().Context()
	if httpx.Principal(c).UserID != 0 {
		t := s.sessions.GetString(ctx, sessCSRF)
		if t == "" { // a session from before tokens were bound to it
			t = newCSRFToken()
			s.sessions.Put(ctx, sessCSRF, t)
		}
		return t
	}
	if ck, err := c.Cookie(s.cookieName(csrfCookieBase)); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	return s.rotateCSRFCookie(c)
}

// rotateCSRFCookie sets a fresh pre-login token and returns it.
func (s *server) rotateCSRFCookie(c echo.Context) string {
	t := newCSRFToken()
	c.SetCookie(&http.Cookie{
		Name: s.cookieName(csrfCookieBase), Value: t, Path: "/",
		HttpOnly: true, Secure: s.Auth.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	return t
}

// bindCSRF gives a session that was just logged in its own token.
func (s *server) bindCSRF(ctx context.Context) { s.sessions.Put(ctx, sessCSRF, newCSRFToken()) }
