package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// Passwords: the user changes their own on /konto/passwort (the current
// one required; the only page open while the operator's password must be
// replaced), and a forgotten one is reset through a single-use link sent
// by e-mail (/passwort-vergessen, /passwort-neu/:token).

func passwordPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "password.change_heading"), "/konto", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"},
		views.Crumb{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, views.Crumb{Label: i18n.T(ctx, "password.change_heading")})
}

// checkNewPassword checks a new password and its repetition.
func checkNewPassword(v *catalog.ValidationError, password, repeat string) {
	catalog.ValidatePassword(v, password)
	if v.Fields["password"] == "" && password != repeat {
		v.AddM("repeat", i18n.M("password.repeat_mismatch"))
	}
}

// busy answers 503 when the password hash gate is full.
func busy(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "1")
	return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("auth.busy"))
}

// HandlePasswordForm shows the form to change the own password.
func (s *Site) HandlePasswordForm(c echo.Context) error {
	p := httpx.Principal(c)
	u, err := s.Store.UserByID(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.PasswordPage(passwordPage(c), views.PasswordForm{Forced: p.MustChangePassword, Email: u.Email}))
}

// HandlePasswordChange changes the own password: the current one must be
// right (counted by the login throttle like a login), the new one follows
// the rules of new accounts. Other sessions of the account end.
func (s *Site) HandlePasswordChange(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	u, err := s.Store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	f := views.PasswordForm{Forced: p.MustChangePassword, Email: u.Email}
	current, password, repeat := c.FormValue("current"), c.FormValue("password"), c.FormValue("repeat")
	fail := func(status int, v *catalog.ValidationError, general string) error {
		f.Errors, f.Error = v.In(c.Request().Context()), general
		return httpx.Render(c, status, views.PasswordPage(passwordPage(c), f), nil)
	}
	var v catalog.ValidationError
	if current == "" {
		v.AddM("current", i18n.M("password.current_missing"))
	}
	checkNewPassword(&v, password, repeat)
	if v.Fields["password"] == "" && current != "" && password == current {
		v.AddM("password", i18n.M("password.same_as_current"))
	}
	if v.Err() != nil {
		return fail(http.StatusUnprocessableEntity, &v, "")
	}
	if u.PasswordHash == "" {
		return fail(http.StatusUnprocessableEntity, &v, i18n.T(ctx, "password.sso_only"))
	}
	// The current password is checked like a login, under its throttle.
	res, err := s.Throttle.ReserveLogin(ctx, u.Email, clientKey(c), time.Now())
	if err != nil {
		return err
	}
	if !res.OK {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(time.Until(res.RetryAt).Seconds())+1))
		return fail(http.StatusTooManyRequests, &v, i18n.T(ctx, "password.too_many_attempts"))
	}
	switch err := auth.CheckPasswordContext(ctx, u.PasswordHash, current); {
	case errors.Is(err, auth.ErrMismatch):
		v.AddM("current", i18n.M("password.current_wrong"))
		return fail(http.StatusUnprocessableEntity, &v, "")
	case err != nil:
		_ = s.Throttle.Cancel(ctx, res)
		if errors.Is(err, auth.ErrBusy) {
			return busy(c)
		}
		return err
	}
	if err := s.Throttle.Succeed(ctx, res); err != nil {
		return err
	}
	hash, err := auth.HashPasswordContext(ctx, password)
	if errors.Is(err, auth.ErrBusy) {
		return busy(c)
	} else if err != nil {
		return err
	}
	if err := s.Store.ChangeOwnPassword(ctx, p, hash); err != nil {
		return err
	}
	if err := s.endOtherSessionsOf(ctx, p.UserID); err != nil {
		s.Log.ErrorContext(ctx, "end sessions after password change", "user", p.UserID, "err", err)
	}
	// A new session id for this one too: whoever had the old one is out.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.flash(c, i18n.T(ctx, "password.changed"))
	return c.Redirect(http.StatusSeeOther, "/konto")
}

// endOtherSessionsOf ends every session of the user but the current one.
func (s *Site) endOtherSessionsOf(ctx context.Context, userID uint) error {
	own := s.Sessions.Token(ctx)
	return s.Sessions.Iterate(ctx, func(sctx context.Context) error {
		if s.Sessions.GetInt(sctx, httpx.SessionUserID) == int(userID) && s.Sessions.Token(sctx) != own {
			return s.Sessions.Destroy(sctx)
		}
		return nil
	})
}

func forgotPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "password.forgot_heading"), "", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"},
		views.Crumb{Label: i18n.T(ctx, "layout.login"), URL: "/anmelden"}, views.Crumb{Label: i18n.T(ctx, "password.forgot_heading")})
}

// HandleForgotForm asks for the address to send a reset link to (or, with
// no e-mail configured, says whom to ask).
func (s *Site) HandleForgotForm(c echo.Context) error {
	return httpx.RenderOK(c, views.ForgotPage(forgotPage(c), views.ForgotForm{MailEnabled: s.Mail.Enabled(), Operator: s.Operator}))
}

// HandleForgot sends a single-use reset link to the address if it has an
// account. The answer is the same either way; the requests are throttled
// per client and per address.
func (s *Site) HandleForgot(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.ForgotForm{Email: strings.TrimSpace(c.FormValue("email")), MailEnabled: s.Mail.Enabled(), Operator: s.Operator}
	if !f.MailEnabled {
		return httpx.RenderOK(c, views.ForgotPage(forgotPage(c), f))
	}
	var v catalog.ValidationError
	catalog.ValidateAccount(&v, "-", f.Email)
	if v.Err() != nil {
		f.Errors = v.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.ForgotPage(forgotPage(c), f), nil)
	}
	now := time.Now()
	res, err := s.Throttle.ReservePasswordReset(ctx, f.Email, clientKey(c), now)
	if err != nil {
		return err
	}
	if !res.OK {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(time.Until(res.RetryAt).Seconds())+1))
		return echo.NewHTTPError(http.StatusTooManyRequests, i18n.M("password.too_many_requests"))
	}
	secret, hash, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	expires := now.Add(ResetLinkLifetime)
	u, err := s.Store.CreatePasswordReset(ctx, f.Email, hash, now, expires)
	switch {
	case err == nil:
		s.mailPasswordReset(ctx, u, httpx.BaseURL(c, s.PublicURL)+"/passwort-neu/"+secret, expires)
	case !errors.Is(err, catalog.ErrNotFound):
		return err
	}
	f.Sent = true
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.ForgotPage(forgotPage(c), f))
}

func resetPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "password.reset_heading"), "", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"},
		views.Crumb{Label: i18n.T(ctx, "layout.login"), URL: "/anmelden"}, views.Crumb{Label: i18n.T(ctx, "password.new")})
}

// renderReset renders the reset page; an invalid link answers 410 Gone.
func renderReset(c echo.Context, status int, f views.ResetForm) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if f.Invalid {
		status, f.Token = http.StatusGone, ""
	}
	return httpx.Render(c, status, views.ResetPage(resetPage(c), f), nil)
}

// HandleResetForm shows the form behind a reset link.
func (s *Site) HandleResetForm(c echo.Context) error {
	token := c.Param("token")
	err := s.Store.CheckPasswordReset(c.Request().Context(), auth.HashSecret(token), time.Now())
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	return renderReset(c, http.StatusOK, views.ResetForm{Token: token, Invalid: err != nil})
}

// HandleReset sets the new password through a reset link, once: the link
// is used up in the same transaction. Every session of the account ends
// and its login throttle is cleared (the owner proved the mailbox).
func (s *Site) HandleReset(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	secretHash := auth.HashSecret(token)
	f := views.ResetForm{Token: token}
	if err := s.Store.CheckPasswordReset(ctx, secretHash, time.Now()); errors.Is(err, catalog.ErrNotFound) {
		f.Invalid = true
		return renderReset(c, 0, f)
	} else if err != nil {
		return err
	}
	var v catalog.ValidationError
	checkNewPassword(&v, c.FormValue("password"), c.FormValue("repeat"))
	if v.Err() != nil {
		f.Errors = v.In(ctx)
		return renderReset(c, http.StatusUnprocessableEntity, f)
	}
	hash, err := auth.HashPasswordContext(ctx, c.FormValue("password"))
	if errors.Is(err, auth.ErrBusy) {
		return busy(c)
	} else if err != nil {
		return err
	}
	u, err := s.Store.ResetPassword(ctx, secretHash, hash, time.Now())
	if errors.Is(err, store.ErrResetLink) {
		f.Invalid = true
		return renderReset(c, 0, f)
	} else if err != nil {
		return err
	}
	if err := s.endSessionsOf(ctx, u.ID); err != nil {
		s.Log.ErrorContext(ctx, "end sessions after password reset", "user", u.ID, "err", err)
	}
	if _, err := s.Throttle.Unblock(ctx, u.Email, time.Now()); err != nil {
		s.Log.ErrorContext(ctx, "unblock after password reset", "user", u.ID, "err", err)
	}
	s.flash(c, i18n.T(ctx, "password.reset_done"))
	return c.Redirect(http.StatusSeeOther, "/anmelden")
}
