package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/views"
)

// RequireAdmin lets platform admins through and answers 403 to everyone else.
func RequireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !httpx.Principal(c).Admin {
			return echo.NewHTTPError(http.StatusForbidden, "Diese Seite ist der Plattformverwaltung vorbehalten.")
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
		row := views.WebhookRow{ID: h.ID, URL: h.URL, Created: views.FormatDateTime(h.CreatedAt), Cursor: strconv.FormatUint(h.Cursor, 10), State: "zugestellt"}
		if h.Failures > 0 {
			row.State = fmt.Sprintf("%d Fehlversuche", h.Failures)
			row.NextTry = views.FormatDateTime(h.NextAttempt)
		}
		dels, err := s.Store.WebhookDeliveries(ctx, h.ID, 10)
		if err != nil {
			return d, err
		}
		for _, dl := range dels {
			dr := views.DeliveryRow{At: views.FormatDateTime(dl.At), Batch: dl.Batch, Records: dl.Records, Outcome: "zugestellt"}
			if dl.Outcome != "delivered" {
				dr.Outcome = "fehlgeschlagen"
				dr.Detail = strings.TrimSpace(fmt.Sprintf("(HTTP %d) %s", dl.HTTPStatus, dl.Error))
			}
			row.Deliveries = append(row.Deliveries, dr)
		}
		d.Hooks = append(d.Hooks, row)
	}
	return d, nil
}

func webhooksPage(c echo.Context) views.Page {
	return httpx.Page(c, "Webhooks", "/konto", views.Crumb{Label: "Mein Konto", URL: "/konto"}, views.Crumb{Label: "Webhooks"})
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
			d.Errors = ve.Fields
		} else {
			d.Errors["url"] = "Für diese Adresse ist bereits ein Webhook registriert."
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
	d.Notice = "Der Webhook ist registriert."
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
	s.flash(c, "Der Webhook wurde entfernt.")
	return c.Redirect(http.StatusSeeOther, "/verwaltung/webhooks")
}
