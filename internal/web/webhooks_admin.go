package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// RequireAdmin lets platform admins through and answers 403 to everyone else.
func RequireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !httpx.Principal(c).Admin {
			return echo.NewHTTPError(http.StatusForbidden, i18n.M("webhooks.forbidden"))
		}
		return next(c)
	}
}

// webhooksData lists the webhooks with their last deliveries.
func (s *Site) webhooksData(c echo.Context) (views.WebhooksData, error) {
	ctx := c.Request().Context()
	var d views.WebhooksData
	hooks, err := s.Store.Webhooks(ctx)
	if err != nil {
		return d, err
	}
	for _, h := range hooks {
		row := views.WebhookRow{ID: h.ID, URL: h.URL, Created: i18n.DateTime(ctx, h.CreatedAt), Cursor: strconv.FormatUint(h.Cursor, 10), State: i18n.T(ctx, "webhooks.delivered")}
		if h.Failures > 0 {
			row.State = i18n.T(ctx, "webhooks.failures", "Count", h.Failures)
			row.NextTry = i18n.DateTime(ctx, h.NextAttempt)
		}
		dels, err := s.Store.WebhookDeliveries(ctx, h.ID, 10)
		if err != nil {
			return d, err
		}
		for _, dl := range dels {
			dr := views.DeliveryRow{At: i18n.DateTime(ctx, dl.At), Batch: dl.Batch, Records: dl.Records, Outcome: i18n.T(ctx, "webhooks.delivered")}
			if dl.Outcome != "delivered" {
				dr.Outcome = i18n.T(ctx, "webhooks.failed")
				dr.Detail = i18n.Localize(ctx, store.DeliveryErrorMsg(dl))
			}
			row.Deliveries = append(row.Deliveries, dr)
		}
		d.Hooks = append(d.Hooks, row)
	}
	return d, nil
}

func webhooksPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "webhooks.title"), "/konto", views.Crumb{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, views.Crumb{Label: i18n.T(ctx, "webhooks.title")})
}

// HandleWebhooks shows the registered receivers.
func (s *Site) HandleWebhooks(c echo.Context) error {
	d, err := s.webhooksData(c)
	if err != nil {
		return err
	}
	d.Notice = s.Sessions.PopString(c.Request().Context(), "notice")
	return httpx.RenderOK(c, views.WebhooksPage(webhooksPage(c), d))
}

// HandleWebhookAdd registers a receiver; a generated secret is shown once.
func (s *Site) HandleWebhookAdd(c echo.Context) error {
	ctx := c.Request().Context()
	url, secret := strings.TrimSpace(c.FormValue("url")), c.FormValue("secret")
	generated := secret == ""
	if generated {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		secret = hex.EncodeToString(b)
	}
	var cursor uint64
	if c.FormValue("von_anfang") != "ja" {
		var err error
		if cursor, err = s.Store.LastEventSeq(ctx); err != nil {
			return err
		}
	}
	_, err := s.Store.AddWebhook(ctx, httpx.Principal(c).Actor(), url, secret, cursor)
	var ve *catalog.ValidationError
	if errors.As(err, &ve) || errors.Is(err, catalog.ErrConflict) {
		d, derr := s.webhooksData(c)
		if derr != nil {
			return derr
		}
		d.URL, d.Errors = url, views.FormErrors{}
		if ve != nil {
			d.Errors = ve.In(ctx)
		} else {
			d.Errors["url"] = i18n.T(ctx, "webhooks.duplicate")
		}
		return httpx.Render(c, http.StatusUnprocessableEntity, views.WebhooksPage(webhooksPage(c), d), nil)
	}
	if err != nil {
		return err
	}
	d, err := s.webhooksData(c)
	if err != nil {
		return err
	}
	d.Notice = i18n.T(ctx, "webhooks.added")
	if generated {
		d.NewSecret = secret
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return httpx.Render(c, http.StatusCreated, views.WebhooksPage(webhooksPage(c), d), nil)
}

// HandleWebhookRemove removes a receiver.
func (s *Site) HandleWebhookRemove(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Store.RemoveWebhook(c.Request().Context(), httpx.Principal(c).Actor(), id); err != nil {
		return err
	}
	s.flash(c, i18n.T(c.Request().Context(), "webhooks.removed"))
	return c.Redirect(http.StatusSeeOther, "/verwaltung/webhooks")
}
