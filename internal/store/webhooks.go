package store

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
	"efa-register/internal/netguard"
)

// Webhook is a registered receiver of change batches (the IT-Planungsrat
// portal, for example). Secret signs every delivery; it is stored as given
// because the signature needs it, and it is never logged or listed.
type Webhook struct {
	ID        uint   `gorm:"primaryKey"`
	URL       string `gorm:"size:2000;not null;uniqueIndex"`
	Secret    string `gorm:"size:200;not null"`
	CreatedBy string `gorm:"size:200;not null"`
	CreatedAt time.Time
	// Cursor is the change-feed cursor after the last delivered batch.
	Cursor uint64 `gorm:"not null"`
	// Failures counts the failed attempts at the batch now due; NextAttempt
	// is when it is tried again (zero: now).
	Failures    int
	NextAttempt time.Time
	// LeaseOwner and LeaseUntil: the dispatcher that is delivering to this
	// webhook now, and until when its lease holds (see webhooklease.go).
	LeaseOwner string `gorm:"size:100"`
	LeaseUntil *time.Time
}

// WebhookDelivery is one attempt to deliver a batch: the delivery log.
type WebhookDelivery struct {
	ID        uint   `gorm:"primaryKey"`
	WebhookID uint   `gorm:"not null;index"`
	Batch     string `gorm:"size:60;not null"`
	// FromCursor and ToCursor bound the batch: changes after FromCursor up to ToCursor.
	FromCursor, ToCursor uint64
	Records              int
	Attempt              int
	At                   time.Time `gorm:"not null;index"`
	// Outcome is "delivered" or "failed".
	Outcome    string `gorm:"size:20;not null"`
	HTTPStatus int
	// Error is a generic description of a failure (never the secret, the
	// body or the network cause; see DeliveryFailureText).
	Error      string `gorm:"size:500"`
	DurationMS int64
	// NextAttempt is when a failed batch is tried again.
	NextAttempt *time.Time
}

// The outcomes of a delivery attempt.
const (
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// DeliveryFailureText is what the delivery log says about an attempt that
// got no answer. The cause (refused, timed out, refused by the network guard,
// a name that did not resolve) is never stored or shown: it would tell who
// registers a receiver which internal addresses and ports exist.
const DeliveryFailureText = "Zustellung fehlgeschlagen (Verbindung abgelehnt oder Zeitüberschreitung)"

// deliveryErrorText is the delivery log's text for an attempt: nothing for a
// delivery, the answer's status for a receiver that answered, and
// DeliveryFailureText otherwise, whatever the dispatcher passed.
func deliveryErrorText(d WebhookDelivery) string {
	if d.Outcome == DeliveryDelivered {
		return ""
	}
	return d.ErrorMsg().String()
}

// ErrorMsg is the delivery log's text for the attempt as a catalogue
// message (Error is its German text); a delivered attempt has the zero Message.
func (d WebhookDelivery) ErrorMsg() i18n.Message {
	switch {
	case d.Outcome == DeliveryDelivered:
		return i18n.Message{}
	case d.HTTPStatus > 0:
		return i18n.M("storeerr.delivery_status", "Status", strconv.Itoa(d.HTTPStatus))
	}
	return i18n.M("storeerr.delivery_failed")
}

// DeliveryErrorMsg is ErrorMsg of d when it failed, else nil: for a page
// that shows the log in the reader's language (i18n.Localize).
func DeliveryErrorMsg(d WebhookDelivery) any {
	if d.Outcome == DeliveryDelivered || d.Error == "" {
		return d.Error
	}
	return d.ErrorMsg()
}

// entityWebhook names webhook registrations in the event log (the audit
// trail); the change feed and the search index ignore them.
const entityWebhook = "webhook"

// deliveryLogSize is how many attempts are kept per webhook.
const deliveryLogSize = 1000

// ValidateWebhookURL checks a receiver address with the production policy:
// absolute http(s) with a host, no user information (credentials belong in
// the secret), no fragment, and a host that is no internal address in any
// spelling (loopback, private, link-local, unspecified, unique local; also
// 2130706433 or 127.1) and not localhost. What a name resolves to is checked
// again when a delivery connects (netguard.Guard.Control).
func ValidateWebhookURL(raw string) error { return validateWebhookURL(netguard.Guard{}, raw) }

func validateWebhookURL(g netguard.Guard, raw string) error {
	var v catalog.ValidationError
	u, err := url.Parse(raw)
	switch {
	case err != nil || utf8.RuneCountInString(raw) > catalog.MaxWebhookURL || !utf8.ValidString(raw):
		v.AddM("url", i18n.M("storeerr.webhook_url_invalid"))
	case u.Scheme != "https" && u.Scheme != "http":
		v.AddM("url", i18n.M("storeerr.webhook_url_scheme"))
	case u.Host == "" || u.Hostname() == "":
		v.AddM("url", i18n.M("storeerr.webhook_url_host"))
	case u.User != nil:
		v.AddM("url", i18n.M("storeerr.webhook_url_credentials"))
	case u.Fragment != "" || strings.Contains(raw, "#"):
		v.AddM("url", i18n.M("storeerr.webhook_url_fragment"))
	case g.CheckURL(raw) != nil:
		v.AddM("url", i18n.M("storeerr.webhook_url_internal"))
	}
	return v.Err()
}

// SetWebhookGuard sets the policy webhook receivers are checked with at
// registration; the zero Guard (the default) is the production policy.
// cmd/efa adds the register's own host (EFA_PUBLIC_URL) to DenyHosts; the
// dispatcher must deliver through a client of the same guard
// (Guard.Client), which checks every connection again.
func (s *Store) SetWebhookGuard(g netguard.Guard) { s.webhookGuard = g }

// AddWebhook registers a receiver that gets every change after cursor.
func (s *Store) AddWebhook(ctx context.Context, actor, rawURL, secret string, cursor uint64) (Webhook, error) {
	h := Webhook{URL: strings.TrimSpace(rawURL), Secret: secret, CreatedBy: actor, Cursor: cursor}
	if err := validateWebhookURL(s.webhookGuard, h.URL); err != nil {
		return h, err
	}
	if n := utf8.RuneCountInString(secret); n < catalog.MinWebhookSecret || n > catalog.MaxWebhookSecret || !catalog.ValidText(secret, catalog.MaxWebhookSecret) {
		v := catalog.ValidationError{}
		v.AddM("secret", i18n.M("storeerr.webhook_secret"))
		return h, &v
	}
	err := s.write(ctx, actor, func(t *tx) error {
		if err := t.db.Create(&h).Error; err != nil {
			return err
		}
		_, err := t.event(entityWebhook, strconv.FormatUint(uint64(h.ID), 10), catalog.ActionCreate, nil,
			map[string]any{"url": h.URL, "cursor": strconv.FormatUint(cursor, 10)})
		return err
	})
	return h, translate(err, "add webhook")
}

// Webhooks returns every registered webhook, by id.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := s.r.WithContext(ctx).Order("id").Find(&out).Error
	return out, translate(err, "webhooks")
}

// WebhookByID returns one webhook.
func (s *Store) WebhookByID(ctx context.Context, id uint) (Webhook, error) {
	var h Webhook
	err := s.r.WithContext(ctx).First(&h, id).Error
	return h, translate(err, fmt.Sprintf("webhook %d", id))
}

// RemoveWebhook deletes a webhook and its delivery log.
func (s *Store) RemoveWebhook(ctx context.Context, actor string, id uint) error {
	err := s.write(ctx, actor, func(t *tx) error {
		var h Webhook
		if err := t.db.First(&h, id).Error; err != nil {
			return err
		}
		if err := t.db.Where("webhook_id = ?", id).Delete(&WebhookDelivery{}).Error; err != nil {
			return err
		}
		if err := t.db.Delete(&Webhook{}, id).Error; err != nil {
			return err
		}
		_, err := t.event(entityWebhook, strconv.FormatUint(uint64(id), 10), catalog.ActionDelete, map[string]any{"url": h.URL}, nil)
		return err
	})
	return translate(err, fmt.Sprintf("remove webhook %d", id))
}

// AdvanceWebhook moves a webhook's cursor past events that produced no
// records (nothing to deliver), without a log entry.
func (s *Store) AdvanceWebhook(ctx context.Context, id uint, from, to uint64) error {
	err := s.write(ctx, catalog.ActorSystem, func(t *tx) error {
		return t.db.Model(&Webhook{}).Where("id = ? AND cursor = ?", id, from).Update("cursor", to).Error
	})
	return translate(err, "advance webhook")
}

// RecordDelivery logs an attempt and moves the webhook on: after a delivery
// its cursor advances to d.ToCursor and the failures reset; after a failure
// the cursor stays and the next attempt is d.NextAttempt. The log keeps the
// newest deliveryLogSize attempts per webhook. The cursor only moves if it
// still is d.FromCursor, so a webhook removed and re-added meanwhile, or a
// second dispatcher, cannot move it backwards or twice. d.Error is replaced
// by a generic text (see DeliveryFailureText).
func (s *Store) RecordDelivery(ctx context.Context, d WebhookDelivery) error {
	d.Error = deliveryErrorText(d)
	err := s.write(ctx, catalog.ActorSystem, func(t *tx) error {
		var h Webhook
		if err := t.db.First(&h, d.WebhookID).Error; err != nil {
			return err
		}
		if err := t.db.Create(&d).Error; err != nil {
			return err
		}
		upd := map[string]any{}
		switch d.Outcome {
		case DeliveryDelivered:
			upd["failures"], upd["next_attempt"] = 0, time.Time{}
			if h.Cursor == d.FromCursor {
				upd["cursor"] = d.ToCursor
			}
		default:
			upd["failures"] = h.Failures + 1
			if d.NextAttempt != nil {
				upd["next_attempt"] = *d.NextAttempt
			}
		}
		if err := t.db.Model(&Webhook{}).Where("id = ?", h.ID).Updates(upd).Error; err != nil {
			return err
		}
		// Keep the log bounded.
		return t.db.Where("webhook_id = ? AND id NOT IN (?)", h.ID,
			t.db.Model(&WebhookDelivery{}).Select("id").Where("webhook_id = ?", h.ID).Order("id desc").Limit(deliveryLogSize)).
			Delete(&WebhookDelivery{}).Error
	})
	return translate(err, "record webhook delivery")
}

// WebhookDeliveries returns the newest limit attempts of a webhook, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, id uint, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := s.r.WithContext(ctx).Where("webhook_id = ?", id).Order("id desc").Limit(limit).Find(&out).Error
	return out, translate(err, "webhook deliveries")
}
