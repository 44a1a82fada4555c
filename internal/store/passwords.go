package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"efa-register/internal/catalog"
)

// Passwords: the user changes their own, the operator sets one on the
// command line (which the user must then change), and a forgotten one is
// reset through a single-use link sent by e-mail. Only hashes are stored:
// the Argon2id hash of a password, the SHA-256 of a reset link's secret.
// Password changes append no event: the event log is the register's
// public history, and credentials are not part of it.

// passwordReset is one reset link: the hash of its secret, whose account it
// resets, until when, and whether it was used. A user has at most one
// unused link (a new request replaces the old one).
type passwordReset struct {
	ID        uint      `gorm:"primaryKey"`
	UserID    uint      `gorm:"not null;index"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt time.Time `gorm:"not null;index"`
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (passwordReset) TableName() string { return "password_resets" }

// ErrResetLink means a reset link is unknown, expired or already used; the
// answer does not say which.
var ErrResetLink = fmt.Errorf("store: password reset link unknown, expired or used: %w", catalog.ErrNotFound)

// ChangeOwnPassword replaces the password of the principal's own account
// with hash and clears the duty to change it. Only a person changes their
// own password here (never an API token or the system); the caller has
// checked the current password. Open reset links of the account end.
func (s *Store) ChangeOwnPassword(ctx context.Context, p catalog.Principal, hash string) error {
	if p.UserID == 0 || p.TokenID != 0 || p.System() {
		return fmt.Errorf("store: change password: %w", catalog.ErrForbidden)
	}
	err := s.write(ctx, p.Actor(), func(t *tx) error { return t.setPassword(p.UserID, hash, false) })
	return translate(err, "change password")
}

// SetPasswordByOperator sets the password of the account with that address
// from the command line (the operator has the database); the user must
// change it at the next login.
func (s *Store) SetPasswordByOperator(ctx context.Context, email, hash string) (catalog.User, error) {
	var u catalog.User
	err := s.write(ctx, catalog.ActorSystem+":cli", func(t *tx) error {
		if err := t.db.Where("email = ?", strings.ToLower(strings.TrimSpace(email))).First(&u).Error; err != nil {
			return err
		}
		return t.setPassword(u.ID, hash, true)
	})
	return u, translate(err, "set password")
}

func (t *tx) setPassword(userID uint, hash string, mustChange bool) error {
	if hash == "" {
		return fmt.Errorf("store: empty password hash: %w", catalog.ErrInvalid)
	}
	res := t.db.Model(&catalog.User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "must_change_password": mustChange})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: user %d: %w", userID, catalog.ErrNotFound)
	}
	return t.db.Where("user_id = ?", userID).Delete(&passwordReset{}).Error
}

// CreatePasswordReset stores a reset link (by the hash of its secret) for
// the account with that address, valid until expires, replacing an older
// unused one; expired links of all accounts are deleted on the way. It
// answers catalog.ErrNotFound when no account has the address (the caller
// answers the same either way) and returns the user to write to.
func (s *Store) CreatePasswordReset(ctx context.Context, email, secretHash string, now, expires time.Time) (catalog.User, error) {
	var u catalog.User
	err := s.write(ctx, catalog.ActorSystem, func(t *tx) error {
		if err := t.db.Where("expires_at <= ?", now.UTC()).Delete(&passwordReset{}).Error; err != nil {
			return err
		}
		if err := t.db.Where("email = ?", strings.ToLower(strings.TrimSpace(email))).First(&u).Error; err != nil {
			return err
		}
		if err := t.db.Where("user_id = ?", u.ID).Delete(&passwordReset{}).Error; err != nil {
			return err
		}
		return t.db.Create(&passwordReset{UserID: u.ID, Hash: secretHash, ExpiresAt: expires.UTC(), CreatedAt: now.UTC()}).Error
	})
	return u, translate(err, "create password reset")
}

// CheckPasswordReset reports whether a reset link may still be used
// (ErrResetLink otherwise).
func (s *Store) CheckPasswordReset(ctx context.Context, secretHash string, now time.Time) error {
	var n int64
	err := s.r.WithContext(ctx).Model(&passwordReset{}).
		Where("hash = ? AND used_at IS NULL AND expires_at > ?", secretHash, now.UTC()).Count(&n).Error
	if err != nil {
		return translate(err, "check password reset")
	}
	if n == 0 {
		return ErrResetLink
	}
	return nil
}

// ResetPassword sets the password of the account behind an unused,
// unexpired reset link and uses the link up, in one transaction, so a
// link works once however often it is sent (ErrResetLink afterwards). It
// clears the duty to change the password and returns the user.
func (s *Store) ResetPassword(ctx context.Context, secretHash, passwordHash string, now time.Time) (catalog.User, error) {
	var u catalog.User
	err := s.write(ctx, catalog.ActorSystem+":password-reset", func(t *tx) error {
		var r passwordReset
		if err := t.db.Where("hash = ?", secretHash).First(&r).Error; err != nil {
			return ErrResetLink
		}
		if r.UsedAt != nil || !r.ExpiresAt.After(now.UTC()) {
			return ErrResetLink
		}
		used := now.UTC()
		if err := t.db.Model(&passwordReset{}).Where("id = ? AND used_at IS NULL", r.ID).Update("used_at", used).Error; err != nil {
			return err
		}
		if err := t.db.First(&u, r.UserID).Error; err != nil {
			return err
		}
		res := t.db.Model(&catalog.User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"password_hash": passwordHash, "must_change_password": false})
		if res.Error != nil {
			return res.Error
		}
		// Other links of the account end; the used one stays as used until it expires.
		return t.db.Where("user_id = ? AND id <> ?", u.ID, r.ID).Delete(&passwordReset{}).Error
	})
	if err != nil {
		return catalog.User{}, translate(err, "reset password")
	}
	return u, nil
}
