package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// The user administration: platform admins and Land coordinators see who has
// access and take roles, tokens and accounts away. Every write checks the
// principal's permission inside its transaction (catalog/permissions.go),
// so a decision cannot go stale between the check and the change, and names
// the acting principal (never the person) in the event log.

// UserFilter selects the users of the user administration.
type UserFilter struct {
	// Query matches a part of the name or of the e-mail address.
	Query string
	// LandKeys limits the list to users with a membership in an organisation
	// of these Länder (a coordinator's view); nil lists every user.
	LandKeys []string
	// Sort is "name" (the default), "email", "created" (newest first) or
	// "login" (latest login first, never logged in last). Ties are broken
	// by id, so the order is stable across pages.
	Sort string
	// Offset and Limit page through the list; Limit 0 means 100.
	Offset, Limit int
}

// UserSorts are the sort keys UserFilter accepts.
var UserSorts = []string{"name", "email", "created", "login"}

// UserSummary is one user as the user administration lists it.
type UserSummary struct {
	// User has all memberships with their organisations; PasswordHash is cleared.
	User catalog.User
	// PasswordLogin and OIDCLogin say how the user can log in.
	PasswordLogin, OIDCLogin bool
	// ActiveTokens counts unrevoked, unexpired API tokens; with
	// UserFilter.LandKeys only those of organisations in these Länder.
	ActiveTokens int
}

// likePattern turns a search text into a LIKE pattern matching any part,
// with the wildcards of the text escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// Users lists users by filter with the total number of matches.
func (s *Store) Users(ctx context.Context, f UserFilter, now time.Time) ([]UserSummary, int64, error) {
	if f.LandKeys != nil && len(f.LandKeys) == 0 {
		return nil, 0, nil
	}
	q := s.r.WithContext(ctx).Model(&catalog.User{})
	if text := strings.TrimSpace(f.Query); text != "" {
		p := likePattern(text)
		q = q.Where(`(LOWER(users.name) LIKE ? ESCAPE '\' OR LOWER(users.email) LIKE ? ESCAPE '\')`, p, p)
	}
	if f.LandKeys != nil {
		q = q.Where(`EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.organisation_id
			WHERE m.user_id = users.id AND o.land_key IN ?)`, f.LandKeys)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "count users")
	}
	switch f.Sort {
	case "email":
		q = q.Order("users.email").Order("users.id")
	case "created":
		q = q.Order("users.created_at desc").Order("users.id desc")
	case "login":
		q = q.Order("users.last_login_at IS NULL").Order("users.last_login_at desc").Order("users.id desc")
	default:
		q = q.Order("LOWER(users.name)").Order("users.id")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var users []catalog.User
	err := q.Preload("Memberships", func(db *gorm.DB) *gorm.DB { return db.Order("memberships.id") }).
		Preload("Memberships.Organisation").Offset(max(f.Offset, 0)).Limit(limit).Find(&users).Error
	if err != nil {
		return nil, 0, translate(err, "users")
	}
	if len(users) == 0 {
		return nil, total, nil
	}
	ids := make([]uint, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var counts []struct {
		UserID uint
		N      int
	}
	tq := s.r.WithContext(ctx).Model(&catalog.APIToken{}).Select("api_tokens.user_id, COUNT(*) AS n").
		Where("api_tokens.user_id IN ? AND api_tokens.revoked_at IS NULL AND api_tokens.expires_at > ?", ids, now.UTC())
	if f.LandKeys != nil {
		tq = tq.Joins("JOIN organisations o ON o.id = api_tokens.organisation_id").Where("o.land_key IN ?", f.LandKeys)
	}
	if err := tq.Group("api_tokens.user_id").Scan(&counts).Error; err != nil {
		return nil, 0, translate(err, "count tokens")
	}
	byUser := map[uint]int{}
	for _, c := range counts {
		byUser[c.UserID] = c.N
	}
	out := make([]UserSummary, len(users))
	for i, u := range users {
		out[i] = UserSummary{PasswordLogin: u.PasswordHash != "", OIDCLogin: u.OIDCSubject != "", ActiveTokens: byUser[u.ID]}
		u.PasswordHash = ""
		out[i].User = u
	}
	return out, total, nil
}

// loadUser reads a user with memberships and organisations inside a write.
func (t *tx) loadUser(id uint) (catalog.User, error) {
	var u catalog.User
	err := t.db.Preload("Memberships", func(db *gorm.DB) *gorm.DB { return db.Order("memberships.id") }).
		Preload("Memberships.Organisation").First(&u, id).Error
	return u, err
}

// refuse says why p may not change u: ErrOwnAccount for the own account,
// ErrForbidden otherwise.
func refuse(p catalog.Principal, u catalog.User, what string) error {
	if u.ID == p.UserID {
		return fmt.Errorf("store: %s of user %d: %w", what, u.ID, catalog.ErrOwnAccount)
	}
	return fmt.Errorf("store: %s of user %d: %w", what, u.ID, catalog.ErrForbidden)
}

// RemovedMembership is what RemoveMembership took away.
type RemovedMembership struct {
	Membership catalog.Membership
	// Remaining is the number of memberships the user still has.
	Remaining int
}

// RemoveMembership takes one membership away from its user, if p may.
func (s *Store) RemoveMembership(ctx context.Context, p catalog.Principal, userID, membershipID uint) (RemovedMembership, error) {
	var out RemovedMembership
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		u, err := t.loadUser(userID)
		if err != nil {
			return err
		}
		var m *catalog.Membership
		for i := range u.Memberships {
			if u.Memberships[i].ID == membershipID {
				m = &u.Memberships[i]
			}
		}
		if m == nil {
			return fmt.Errorf("store: membership %d of user %d: %w", membershipID, userID, catalog.ErrNotFound)
		}
		if !p.CanRemoveMembership(u, *m) {
			return refuse(p, u, "remove membership")
		}
		if err := t.db.Delete(&catalog.Membership{}, m.ID).Error; err != nil {
			return err
		}
		out = RemovedMembership{Membership: *m, Remaining: len(u.Memberships) - 1}
		_, err = t.event(catalog.EntityMembership, strconv.FormatUint(uint64(m.ID), 10), catalog.ActionDelete,
			membershipRecord(u.ID, m.Organisation, m.Role), nil)
		return err
	})
	return out, translate(err, "remove membership")
}

// RevokeAllTokens revokes every active API token of the user, if p may, and
// returns how many it revoked.
func (s *Store) RevokeAllTokens(ctx context.Context, p catalog.Principal, userID uint, now time.Time) (int, error) {
	n := 0
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		u, err := t.loadUser(userID)
		if err != nil {
			return err
		}
		if !p.CanRevokeTokensOf(u) {
			return refuse(p, u, "revoke tokens")
		}
		var toks []catalog.APIToken
		if err := t.db.Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now.UTC()).Order("id").Find(&toks).Error; err != nil {
			return err
		}
		at := now.UTC()
		for _, tok := range toks {
			if err := t.db.Model(&catalog.APIToken{}).Where("id = ?", tok.ID).Update("revoked_at", at).Error; err != nil {
				return err
			}
			if _, err := t.event(catalog.EntityToken, strconv.FormatUint(uint64(tok.ID), 10), catalog.ActionUpdate,
				map[string]any{"revokedAt": nil}, map[string]any{"revokedAt": at.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		n = len(toks)
		return nil
	})
	return n, translate(err, "revoke all tokens")
}

// lastAdmin reports whether u is the only platform admin. It runs inside the
// write transaction, so two admins cannot remove each other at once.
func (t *tx) lastAdmin(u catalog.User) (bool, error) {
	if !u.Admin {
		return false, nil
	}
	var n int64
	err := t.db.Model(&catalog.User{}).Where("admin = ?", true).Count(&n).Error
	return n <= 1, err
}

// DeleteUserAs deletes a user with memberships, tokens and account
// requests, if p may (platform admins, never their own account); the last
// admin is never deleted.
func (s *Store) DeleteUserAs(ctx context.Context, p catalog.Principal, userID uint) error {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		u, err := t.loadUser(userID)
		if err != nil {
			return err
		}
		if !p.CanDeleteUser(u) {
			return refuse(p, u, "delete")
		}
		return t.deleteUser(u)
	})
	return translate(err, "delete user")
}

// RevokeAdmin takes the platform admin role away from a user, if p may
// (another admin); the last admin keeps it.
func (s *Store) RevokeAdmin(ctx context.Context, p catalog.Principal, userID uint) error {
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		u, err := t.loadUser(userID)
		if err != nil {
			return err
		}
		if !p.CanRevokeAdmin(u) {
			return refuse(p, u, "revoke admin")
		}
		if last, err := t.lastAdmin(u); err != nil || last {
			if err == nil {
				err = fmt.Errorf("store: revoke admin of user %d: %w", u.ID, catalog.ErrLastAdmin)
			}
			return err
		}
		if err := t.db.Model(&catalog.User{}).Where("id = ?", u.ID).Update("admin", false).Error; err != nil {
			return err
		}
		_, err = t.event(catalog.EntityUser, userEntityID(u.ID), catalog.ActionUpdate, map[string]any{"admin": true}, map[string]any{"admin": false})
		return err
	})
	return translate(err, "revoke admin")
}

// All returns the data of every unexpired session, keyed by token. With it
// the session manager can iterate the sessions and end those of a user
// whose access was taken away.
func (ss SessionStore) All() (map[string][]byte, error) {
	var rows []session
	if err := ss.s.r.Where("expiry > ?", time.Now().UTC()).Find(&rows).Error; err != nil {
		return nil, translate(err, "all sessions")
	}
	out := make(map[string][]byte, len(rows))
	for _, r := range rows {
		out[r.Token] = r.Data
	}
	return out, nil
}
