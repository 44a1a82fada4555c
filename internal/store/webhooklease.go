package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Webhook leases. Every instance on one database runs a webhook dispatcher;
// each batch must still reach its receiver once, not once per instance. A
// dispatcher therefore leases the webhooks it delivers to: LeaseDueWebhooks
// picks the due webhooks nobody holds (on PostgreSQL with SELECT … FOR
// UPDATE SKIP LOCKED, so two dispatchers looking at once take different
// rows instead of waiting for each other) and marks them as its own until
// the lease ends. The holder renews the lease before every further batch and
// releases it after its pass. A dispatcher that dies leaves a lease that
// simply ends; the cursor only ever moves from the batch's start
// (RecordDelivery), so a late holder cannot move it twice.

// LeaseDueWebhooks leases, for owner and until now+ttl, the webhooks due at
// now whose lease is free or has ended, and returns them by id.
func (s *Store) LeaseDueWebhooks(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]Webhook, error) {
	var out []Webhook
	until := now.Add(ttl)
	err := s.w.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		q := db.Where("next_attempt <= ? AND (lease_until IS NULL OR lease_until <= ? OR lease_owner = ?)", now, now, owner).Order("id")
		if s.Dialect() == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]uint, len(out))
		for i := range out {
			ids[i] = out[i].ID
			out[i].LeaseOwner, out[i].LeaseUntil = owner, &until
		}
		return db.Model(&Webhook{}).Where("id IN ?", ids).Updates(map[string]any{"lease_owner": owner, "lease_until": until}).Error
	})
	return out, translate(err, "lease due webhooks")
}

// RenewWebhookLease extends owner's lease of webhook id to now+ttl. It
// reports false when owner no longer holds it (it ended and another
// dispatcher took it, or the webhook is gone); the caller must then stop.
func (s *Store) RenewWebhookLease(ctx context.Context, id uint, owner string, now time.Time, ttl time.Duration) (bool, error) {
	res := s.w.WithContext(ctx).Model(&Webhook{}).Where("id = ? AND lease_owner = ? AND lease_until > ?", id, owner, now).
		Update("lease_until", now.Add(ttl))
	if res.Error != nil {
		return false, translate(res.Error, fmt.Sprintf("renew lease of webhook %d", id))
	}
	return res.RowsAffected == 1, nil
}

// ReleaseWebhookLease gives up owner's lease of webhook id, so the next pass
// of any dispatcher may take it.
func (s *Store) ReleaseWebhookLease(ctx context.Context, id uint, owner string) error {
	err := s.w.WithContext(ctx).Model(&Webhook{}).Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	return translate(err, fmt.Sprintf("release lease of webhook %d", id))
}
