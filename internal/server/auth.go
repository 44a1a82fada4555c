package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// AuthConfig configures logins and sessions.
type AuthConfig struct {
	// CookieSecure sets the Secure flag on session and CSRF cookies (default on; off only for plain-HTTP development).
	CookieSecure bool
	// IdleTimeout ends a session after this long without a request; Lifetime ends it in any case.
	IdleTimeout, Lifetime time.Duration
	// OIDC configures login through a Land's identity provider; empty Issuer disables it.
	OIDC OIDCConfig
}

const sessAuthAt = "authAt"

// newSessions returns the session manager over the database-backed store.
func (s *server) newSessions() *scs.SessionManager {
	sm := scs.New()
	sm.Store = s.Store.Sessions()
	sm.Lifetime = s.Auth.Lifetime
	sm.IdleTimeout = s.Auth.IdleTimeout
	sm.Cookie.Name = s.cookieName("efa_session")
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = s.Auth.CookieSecure
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.Log.ErrorContext(r.Context(), "session", "err", err)
		http.Error(w, i18n.T(r.Context(), "auth.session_failed"), http.StatusInternalServerError)
	}
	return sm
}

// withSession loads the session and the principal of the logged-in user.
func (s *server) withSession() echo.MiddlewareFunc {
	load := echo.WrapMiddleware(s.sessions.LoadAndSave)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return load(func(c echo.Context) error {
			ctx := c.Request().Context()
			if id := s.sessions.GetInt(ctx, httpx.SessionUserID); id > 0 {
				p, err := s.Store.Principal(ctx, uint(id))
				if errors.Is(err, catalog.ErrNotFound) {
					// The account was deleted: end the session.
					_ = s.sessions.Destroy(ctx)
				} else if err != nil {
					return err
				} else {
					httpx.SetPrincipal(c, p)
					// A password the operator set must be replaced first.
					if p.MustChangePassword && !passwordChangeOpen(c.Request().URL.Path) {
						return c.Redirect(http.StatusSeeOther, "/konto/passwort")
					}
				}
			}
			return next(c)
		})
	}
}

// passwordChangeOpen reports whether a user who must change their password
// may reach the path: the password form and the logout.
func passwordChangeOpen(path string) bool {
	return path == "/konto/passwort" || path == "/abmelden"
}

// requireLogin sends anonymous visitors to the login page and back afterwards.
func requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if httpx.Principal(c).UserID == 0 {
			if c.Request().Method != http.MethodGet {
				return echo.NewHTTPError(http.StatusUnauthorized, i18n.M("auth.login_required"))
			}
			return c.Redirect(http.StatusSeeOther, "/anmelden?weiter="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// requireToken authenticates API writes by "Authorization: Bearer <token>".
func (s *server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, ok := bearerToken(c.Request())
		if !ok {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="efa-register"`)
			return echo.NewHTTPError(http.StatusUnauthorized, i18n.M("auth.token_required"))
		}
		p, err := s.Store.TokenPrincipal(c.Request().Context(), auth.HashSecret(secret), time.Now())
		if errors.Is(err, catalog.ErrNotFound) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="efa-register", error="invalid_token"`)
			return echo.NewHTTPError(http.StatusUnauthorized, i18n.M("auth.token_invalid"))
		}
		if err != nil {
			return err
		}
		httpx.SetPrincipal(c, p)
		return next(c)
	}
}

// optionalToken resolves a bearer token when one is sent (401 when it is
// invalid) and lets anonymous requests through: for reads whose answer
// depends on who asks (restricted security advisories).
func (s *server) optionalToken(next echo.HandlerFunc) echo.HandlerFunc {
	withToken := s.requireToken(next)
	return func(c echo.Context) error {
		if _, ok := bearerToken(c.Request()); ok {
			return withToken(c)
		}
		return next(c)
	}
}

// handleLoginForm shows the login form.
func (s *server) handleLoginForm(c echo.Context) error {
	if httpx.Principal(c).UserID != 0 {
		return c.Redirect(http.StatusSeeOther, httpx.SafeNext(c.QueryParam("weiter"), "/konto"))
	}
	return httpx.RenderOK(c, views.LoginPage(httpx.Page(c, i18n.T(c.Request().Context(), "layout.login"), ""), views.LoginForm{Next: c.QueryParam("weiter"), OIDC: s.oidc != nil,
		Notice: s.sessions.PopString(c.Request().Context(), "notice")}))
}

// handleLogin checks the password, throttles failures per account and per
// client, and starts a session with a new id.
func (s *server) handleLogin(c echo.Context) error {
	ctx := c.Request().Context()
	form := views.LoginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: c.FormValue("weiter"), OIDC: s.oidc != nil}
	password := c.FormValue("password")
	fail := func(status int, msg string) error {
		form.Error = msg
		return httpx.Render(c, status, views.LoginPage(httpx.Page(c, i18n.T(ctx, "layout.login"), ""), form), nil)
	}
	if form.Email == "" || password == "" {
		return fail(http.StatusUnprocessableEntity, i18n.T(ctx, "auth.credentials_missing"))
	}
	// The attempt is reserved before the hash (so parallel guesses cannot
	// overtake the count), per account and client pair and per client: an
	// attacker elsewhere never locks the owner out, only slows the account.
	client := auth.ClientKey(ClientAddr(c.Request(), s.Ops.TrustedProxies))
	res, err := s.throttle.ReserveLogin(ctx, form.Email, client, time.Now())
	if err != nil {
		return err
	}
	if !res.OK {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(time.Until(res.RetryAt).Seconds())+1))
		return fail(http.StatusTooManyRequests, i18n.T(ctx, "auth.too_many_attempts"))
	}
	if res.Delay > 0 {
		select {
		case <-time.After(res.Delay):
		case <-ctx.Done():
			_ = s.throttle.Cancel(ctx, res)
			return ctx.Err()
		}
	}
	// Exactly one password check runs whether or not the account exists
	// (against the dummy hash when it does not), so the answer time does
	// not tell (issue 15, row 7). An address without an account but with a
	// pending request is checked against the request's password: the
	// requester is told that the request is still being reviewed, but only
	// when the password was right.
	var pending *catalog.AccountRequest
	u, err := s.Store.UserByEmail(ctx, form.Email)
	if errors.Is(err, catalog.ErrNotFound) {
		if r, rerr := s.Store.PendingRequestByEmail(ctx, form.Email); rerr == nil && r.PasswordHash != "" {
			pending = &r
		}
	}
	switch {
	case pending != nil:
		err = auth.CheckPasswordContext(ctx, pending.PasswordHash, password)
	case errors.Is(err, catalog.ErrNotFound):
		err = auth.CheckNoUserContext(ctx, password)
	case err != nil:
	case u.PasswordHash == "":
		err = auth.CheckNoUserContext(ctx, password)
	default:
		err = auth.CheckPasswordContext(ctx, u.PasswordHash, password)
	}
	switch {
	case errors.Is(err, auth.ErrBusy) || ctx.Err() != nil:
		_ = s.throttle.Cancel(ctx, res)
		c.Response().Header().Set("Retry-After", "1")
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("auth.busy"))
	case errors.Is(err, auth.ErrMismatch):
		s.Log.InfoContext(ctx, "login failed", "client", client)
		if res.Warn || res.Filled {
			// This failure blocks the client for the account or slows the
			// account: its owner is told once (issue 15, row 3).
			if err := s.site.NotifyLoginBlocked(ctx, form.Email, httpx.BaseURL(c, s.PublicURL), time.Now()); err != nil {
				s.Log.ErrorContext(ctx, "notify login blocked", "err", err)
			}
		}
		return fail(http.StatusUnauthorized, i18n.T(ctx, "auth.credentials_wrong"))
	case err != nil:
		_ = s.throttle.Cancel(ctx, res)
		return err
	}
	if err := s.throttle.Succeed(ctx, res); err != nil {
		return err
	}
	if pending != nil {
		org := i18n.T(ctx, "auth.your_organisation")
		if pending.Organisation != nil {
			org = pending.Organisation.Name
		}
		msg := i18n.T(ctx, "auth.request_pending", "Org", org, "Date", i18n.Date(ctx, pending.CreatedAt))
		if s.Mail.Enabled() {
			msg += " " + i18n.T(ctx, "auth.request_pending_mail")
		} else {
			msg += " " + i18n.T(ctx, "auth.request_pending_link")
		}
		form.Pending = msg
		return fail(http.StatusForbidden, "")
	}
	if err := s.startSession(ctx, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, httpx.SafeNext(form.Next, "/konto"))
}

// startSession logs a user in with a fresh session id (against fixation).
func (s *server) startSession(ctx context.Context, userID uint) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, httpx.SessionUserID, int(userID))
	s.bindCSRF(ctx)
	s.sessions.Put(ctx, sessAuthAt, time.Now().Unix())
	return s.Store.RecordLogin(ctx, userID, time.Now().UTC())
}

// handleLogout ends the session.
func (s *server) handleLogout(c echo.Context) error {
	if err := s.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	s.rotateCSRFCookie(c)
	return c.Redirect(http.StatusSeeOther, "/")
}

// pagesOnly applies mws (in order) to the HTML pages only: the API
// authenticates by token, and assets and probes need no session. The chain
// is put together only for a page: Echo applies middleware on every
// request, and the API should not pay for what it skips.
func pagesOnly(mws ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !isPage(c.Request().URL.Path) {
				return next(c)
			}
			h := next
			for i := len(mws) - 1; i >= 0; i-- {
				h = mws[i](h)
			}
			return h(c)
		}
	}
}

// notPages are the path prefixes that are not HTML pages.
var notPages = []string{"/api/", "/static/", "/healthz", "/readyz", "/metrics", "/feed.", "/favicon.ico"}

func isPage(p string) bool {
	for _, prefix := range notPages {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return true
}
