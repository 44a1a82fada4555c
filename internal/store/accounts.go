package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// Accounts hold personal data (name, e-mail address). Their events record
// only ids, organisations and roles, so the audit trail and the feed carry no
// personal data.

func userEntityID(id uint) string { return strconv.FormatUint(uint64(id), 10) }

func membershipRecord(userID uint, org *catalog.Organisation, role catalog.Role) map[string]any {
	return map[string]any{"user": userEntityID(userID), "organisation": orgEntityID(org), "role": string(role)}
}

// NewUser is a user to create with optional memberships.
type NewUser struct {
	Name, Email  string
	PasswordHash string
	// MustChangePassword makes the user choose their own password at the
	// first login (a password the operator set on the command line).
	MustChangePassword bool
	Admin              bool
	OIDCIssuer         string
	OIDCSubject        string
	Memberships        []NewMembership
}

// NewMembership names an organisation by kind and key with the role to give.
type NewMembership struct {
	Kind catalog.OrgKind
	Key  string
	Role catalog.Role
}

// CreateUser validates and stores a user with memberships.
func (s *Store) CreateUser(ctx context.Context, actor string, nu NewUser) (catalog.User, error) {
	var v catalog.ValidationError
	nu.Email = strings.ToLower(strings.TrimSpace(nu.Email))
	nu.Name = strings.TrimSpace(nu.Name)
	catalog.ValidateAccount(&v, nu.Name, nu.Email)
	if err := v.Err(); err != nil {
		return catalog.User{}, err
	}
	var u catalog.User
	err := s.write(ctx, actor, func(t *tx) error {
		var n int64
		t.db.Model(&catalog.User{}).Where("email = ?", nu.Email).Count(&n)
		if n > 0 {
			v.AddM("email", i18n.M("storeerr.email_taken"))
			return &v
		}
		u = catalog.User{Email: nu.Email, Name: nu.Name, PasswordHash: nu.PasswordHash, Admin: nu.Admin,
			OIDCIssuer: nu.OIDCIssuer, OIDCSubject: nu.OIDCSubject, MustChangePassword: nu.MustChangePassword && nu.PasswordHash != ""}
		if err := t.db.Create(&u).Error; err != nil {
			return err
		}
		if _, err := t.event(catalog.EntityUser, userEntityID(u.ID), catalog.ActionCreate, nil, map[string]any{"admin": u.Admin}); err != nil {
			return err
		}
		for _, m := range nu.Memberships {
			if err := t.addMembership(u.ID, m); err != nil {
				return err
			}
		}
		return nil
	})
	return u, translate(err, "create user")
}

func (t *tx) addMembership(userID uint, m NewMembership) error {
	var org catalog.Organisation
	if err := t.db.Where("kind = ? AND key = ?", m.Kind, m.Key).First(&org).Error; err != nil {
		v := catalog.ValidationError{}
		v.AddM("organisation", i18n.M("storeerr.organisation_unknown", "Ref", string(m.Kind)+":"+m.Key))
		return &v
	}
	if m.Role != catalog.RoleEditor && m.Role != catalog.RoleCoordinator {
		v := catalog.ValidationError{}
		v.AddM("role", i18n.M("storeerr.role_unknown"))
		return &v
	}
	if m.Role == catalog.RoleCoordinator && org.Kind != catalog.KindLand {
		v := catalog.ValidationError{}
		v.AddM("role", i18n.M("storeerr.coordination_needs_land"))
		return &v
	}
	ms := catalog.Membership{UserID: userID, OrganisationID: org.ID, Role: m.Role}
	if err := t.db.Create(&ms).Error; err != nil {
		return err
	}
	_, err := t.event(catalog.EntityMembership, strconv.FormatUint(uint64(ms.ID), 10), catalog.ActionCreate, nil, membershipRecord(userID, &org, m.Role))
	return err
}

// AddMembership gives an existing user a role for an organisation.
func (s *Store) AddMembership(ctx context.Context, actor string, userID uint, m NewMembership) error {
	err := s.write(ctx, actor, func(t *tx) error { return t.addMembership(userID, m) })
	return translate(err, "add membership")
}

// UserByEmail returns the user with the e-mail address (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (catalog.User, error) {
	var u catalog.User
	err := s.r.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).First(&u).Error
	return u, translate(err, "user by email")
}

// UserByID returns a user with memberships and their organisations.
func (s *Store) UserByID(ctx context.Context, id uint) (catalog.User, error) {
	var u catalog.User
	err := s.r.WithContext(ctx).Preload("Memberships.Organisation").First(&u, id).Error
	return u, translate(err, "user by id")
}

// UserByOIDC returns the user linked to an identity of an OIDC issuer.
func (s *Store) UserByOIDC(ctx context.Context, issuer, subject string) (catalog.User, error) {
	var u catalog.User
	err := s.r.WithContext(ctx).Where("oidc_issuer = ? AND oidc_subject = ?", issuer, subject).First(&u).Error
	return u, translate(err, "user by OIDC subject")
}

// LinkOIDC links a user to an OIDC identity.
func (s *Store) LinkOIDC(ctx context.Context, userID uint, issuer, subject string) error {
	err := s.write(ctx, catalog.ActorSystem, func(t *tx) error {
		return t.db.Model(&catalog.User{}).Where("id = ?", userID).Updates(map[string]any{"oidc_issuer": issuer, "oidc_subject": subject}).Error
	})
	return translate(err, "link OIDC")
}

// RecordLogin stores the time of a successful login.
func (s *Store) RecordLogin(ctx context.Context, userID uint, at time.Time) error {
	err := s.write(ctx, catalog.ActorSystem, func(t *tx) error {
		return t.db.Model(&catalog.User{}).Where("id = ?", userID).Update("last_login_at", at).Error
	})
	return translate(err, "record login")
}

// DeleteUser deletes a user with memberships, tokens and account requests
// (a person deleting their own account). The last platform admin is never
// deleted (catalog.ErrLastAdmin).
func (s *Store) DeleteUser(ctx context.Context, actor string, id uint) error {
	err := s.write(ctx, actor, func(t *tx) error {
		var u catalog.User
		if err := t.db.First(&u, id).Error; err != nil {
			return err
		}
		return t.deleteUser(u)
	})
	return translate(err, "delete user")
}

// deleteUser deletes u with memberships, tokens and account requests, unless
// u is the last platform admin.
func (t *tx) deleteUser(u catalog.User) error {
	if last, err := t.lastAdmin(u); err != nil || last {
		if err == nil {
			err = fmt.Errorf("store: delete user %d: %w", u.ID, catalog.ErrLastAdmin)
		}
		return err
	}
	for _, q := range []*gorm.DB{
		t.db.Where("user_id = ?", u.ID).Delete(&catalog.APIToken{}),
		t.db.Where("user_id = ?", u.ID).Delete(&catalog.Membership{}),
		t.db.Where("email = ?", u.Email).Delete(&catalog.AccountRequest{}),
		t.db.Delete(&catalog.User{}, u.ID),
	} {
		if q.Error != nil {
			return q.Error
		}
	}
	_, err := t.event(catalog.EntityUser, userEntityID(u.ID), catalog.ActionDelete, map[string]any{"admin": u.Admin}, nil)
	return err
}

// Principal builds the acting principal of a user.
func (s *Store) Principal(ctx context.Context, userID uint) (catalog.Principal, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return catalog.Principal{}, err
	}
	p := catalog.Principal{UserID: u.ID, Name: u.Name, Admin: u.Admin, MustChangePassword: u.MustChangePassword}
	for _, m := range u.Memberships {
		if m.Organisation == nil {
			continue
		}
		p.Grants = append(p.Grants, catalog.Grant{OrganisationID: m.OrganisationID, Kind: m.Organisation.Kind,
			Key: m.Organisation.Key, LandKey: m.Organisation.LandKey, Role: m.Role})
	}
	return p, nil
}

// CreateToken stores a new API token (by the hash of its secret) for an organisation.
func (s *Store) CreateToken(ctx context.Context, actor string, tok catalog.APIToken) (catalog.APIToken, error) {
	var v catalog.ValidationError
	tok.Name = strings.TrimSpace(tok.Name)
	catalog.ValidateTokenName(&v, tok.Name)
	now := time.Now()
	if !tok.ExpiresAt.After(now) {
		v.AddM("expiresAt", i18n.M("storeerr.expiry_past"))
	} else if tok.ExpiresAt.After(now.AddDate(1, 0, 1)) {
		v.AddM("expiresAt", i18n.M("storeerr.token_max_year"))
	}
	if err := v.Err(); err != nil {
		return tok, err
	}
	tok.ID = 0
	err := s.write(ctx, actor, func(t *tx) error {
		if err := t.db.Create(&tok).Error; err != nil {
			return err
		}
		var org catalog.Organisation
		t.db.First(&org, tok.OrganisationID)
		_, err := t.event(catalog.EntityToken, strconv.FormatUint(uint64(tok.ID), 10), catalog.ActionCreate, nil,
			map[string]any{"organisation": orgEntityID(&org), "user": userEntityID(tok.UserID), "expiresAt": tok.ExpiresAt.UTC().Format(time.RFC3339)})
		return err
	})
	return tok, translate(err, "create token")
}

// TokensByUser lists the tokens a user created, newest first.
func (s *Store) TokensByUser(ctx context.Context, userID uint) ([]catalog.APIToken, error) {
	var out []catalog.APIToken
	err := s.r.WithContext(ctx).Preload("Organisation").Where("user_id = ?", userID).Order("id desc").Find(&out).Error
	return out, translate(err, "tokens")
}

// RevokeToken revokes a token of the user.
func (s *Store) RevokeToken(ctx context.Context, actor string, userID, tokenID uint) error {
	err := s.write(ctx, actor, func(t *tx) error {
		var tok catalog.APIToken
		if err := t.db.Where("id = ? AND user_id = ?", tokenID, userID).First(&tok).Error; err != nil {
			return err
		}
		if tok.RevokedAt != nil {
			return nil
		}
		now := time.Now().UTC()
		if err := t.db.Model(&tok).Update("revoked_at", now).Error; err != nil {
			return err
		}
		_, err := t.event(catalog.EntityToken, strconv.FormatUint(uint64(tok.ID), 10), catalog.ActionUpdate,
			map[string]any{"revokedAt": nil}, map[string]any{"revokedAt": now.Format(time.RFC3339)})
		return err
	})
	return translate(err, "revoke token")
}

// TokenPrincipal returns the principal of an active token with the given
// hash: an editor of the token's organisation.
func (s *Store) TokenPrincipal(ctx context.Context, hash string, now time.Time) (catalog.Principal, error) {
	var tok catalog.APIToken
	err := s.r.WithContext(ctx).Preload("Organisation").Where("hash = ?", hash).First(&tok).Error
	if err != nil {
		return catalog.Principal{}, translate(err, "token")
	}
	if !tok.Active(now) || tok.Organisation == nil {
		return catalog.Principal{}, fmt.Errorf("store: token %d expired or revoked: %w", tok.ID, catalog.ErrNotFound)
	}
	// Membership may have ended since the token was made: the user must still act for the organisation.
	up, err := s.Principal(ctx, tok.UserID)
	if err != nil || !up.ActsFor(*tok.Organisation) {
		return catalog.Principal{}, fmt.Errorf("store: token %d: user no longer acts for the organisation: %w", tok.ID, catalog.ErrNotFound)
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) > time.Minute {
		_ = s.write(ctx, catalog.ActorSystem, func(t *tx) error {
			return t.db.Model(&catalog.APIToken{}).Where("id = ?", tok.ID).Update("last_used_at", now.UTC()).Error
		})
	}
	o := tok.Organisation
	return catalog.Principal{UserID: tok.UserID, Name: up.Name, TokenID: tok.ID,
		Grants: []catalog.Grant{{OrganisationID: o.ID, Kind: o.Kind, Key: o.Key, LandKey: o.LandKey, Role: catalog.RoleEditor}}}, nil
}

// CreateAccountRequest stores a request for an editor account.
func (s *Store) CreateAccountRequest(ctx context.Context, req catalog.AccountRequest) (catalog.AccountRequest, error) {
	var v catalog.ValidationError
	req.Email = strings.ToLower(strings.TrimSpace(req.Email))
	req.Name = strings.TrimSpace(req.Name)
	req.Message = strings.TrimSpace(req.Message)
	catalog.ValidateAccount(&v, req.Name, req.Email)
	catalog.ValidateRequestMessage(&v, req.Message)
	if req.OrganisationID == 0 {
		v.AddM("organisation", i18n.M("storeerr.organisation_required"))
	}
	if err := v.Err(); err != nil {
		return req, err
	}
	req.ID, req.Status = 0, catalog.RequestPending
	err := s.write(ctx, "request:"+req.Email, func(t *tx) error {
		var org catalog.Organisation
		if err := t.db.First(&org, req.OrganisationID).Error; err != nil {
			v.AddM("organisation", i18n.M("storeerr.org_unknown"))
			return &v
		}
		if org.Kind == catalog.KindBund || org.LandKey == "" {
			v.AddM("organisation", i18n.M("storeerr.organisation_admin_only"))
			return &v
		}
		// An address with an account or a pending request gets the same
		// answer as a new one; the request is kept as a duplicate that
		// nobody decides (see catalog.RequestDuplicate).
		var users, pending int64
		if err := t.db.Model(&catalog.User{}).Where("email = ?", req.Email).Count(&users).Error; err != nil {
			return err
		}
		if err := t.db.Model(&catalog.AccountRequest{}).Where("email = ? AND status = ?", req.Email, catalog.RequestPending).Count(&pending).Error; err != nil {
			return err
		}
		if users > 0 || pending > 0 {
			req.Status, req.PasswordHash = catalog.RequestDuplicate, ""
			// Duplicates only answer their status link; a month is enough.
			if err := t.db.Where("status = ? AND created_at < ?", catalog.RequestDuplicate, time.Now().AddDate(0, -1, 0)).
				Delete(&catalog.AccountRequest{}).Error; err != nil {
				return err
			}
		}
		return t.db.Create(&req).Error
	})
	return req, translate(err, "create account request")
}

// PendingRequestByEmail returns the pending account request of the address
// (catalog.ErrNotFound when there is none).
func (s *Store) PendingRequestByEmail(ctx context.Context, email string) (catalog.AccountRequest, error) {
	var r catalog.AccountRequest
	err := s.r.WithContext(ctx).Preload("Organisation").
		Where("email = ? AND status = ?", strings.ToLower(strings.TrimSpace(email)), catalog.RequestPending).
		Order("id").First(&r).Error
	return r, translate(err, "pending account request")
}

// CountPendingRequests counts the pending account requests of
// organisations in the given Länder (all Länder when landKeys is nil).
func (s *Store) CountPendingRequests(ctx context.Context, landKeys []string) (int64, error) {
	if landKeys != nil && len(landKeys) == 0 {
		return 0, nil
	}
	q := s.r.WithContext(ctx).Model(&catalog.AccountRequest{}).Where("account_requests.status = ?", catalog.RequestPending)
	if landKeys != nil {
		q = q.Joins("JOIN organisations o ON o.id = account_requests.organisation_id").Where("o.land_key IN ?", landKeys)
	}
	var n int64
	err := q.Count(&n).Error
	return n, translate(err, "count pending requests")
}

// Deciders are who decides the account requests of one Land.
type Deciders struct {
	// Coordinators is true when the Land has coordinators; otherwise the
	// platform admins decide.
	Coordinators bool
	// Emails are the addresses of the deciders, sorted.
	Emails []string
}

// RequestDeciders returns who decides the account requests of the Land:
// its coordinators, else (no coordinator for that Land) the platform admins.
func (s *Store) RequestDeciders(ctx context.Context, landKey string) (Deciders, error) {
	var d Deciders
	err := s.r.WithContext(ctx).Model(&catalog.User{}).Distinct("users.email").
		Joins("JOIN memberships m ON m.user_id = users.id").
		Joins("JOIN organisations o ON o.id = m.organisation_id").
		Where("m.role = ? AND o.kind = ? AND o.key = ?", catalog.RoleCoordinator, catalog.KindLand, landKey).
		Order("users.email").Pluck("users.email", &d.Emails).Error
	if err != nil {
		return d, translate(err, "request deciders")
	}
	if len(d.Emails) > 0 {
		d.Coordinators = true
		return d, nil
	}
	err = s.r.WithContext(ctx).Model(&catalog.User{}).Where("admin = ?", true).Order("email").Pluck("email", &d.Emails).Error
	return d, translate(err, "platform admins")
}

// CoordinatedLands returns the Länderschlüssel that have at least one coordinator.
func (s *Store) CoordinatedLands(ctx context.Context) (map[string]bool, error) {
	var keys []string
	err := s.r.WithContext(ctx).Model(&catalog.Membership{}).Distinct("o.key").
		Joins("JOIN organisations o ON o.id = memberships.organisation_id").
		Where("memberships.role = ? AND o.kind = ?", catalog.RoleCoordinator, catalog.KindLand).Pluck("o.key", &keys).Error
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, translate(err, "coordinated Länder")
}

// AccountRequestByStatusHash returns the request behind a requester's status link.
func (s *Store) AccountRequestByStatusHash(ctx context.Context, hash string) (catalog.AccountRequest, error) {
	var r catalog.AccountRequest
	err := s.r.WithContext(ctx).Preload("Organisation").Where("status_hash = ?", hash).First(&r).Error
	return r, translate(err, "account request")
}

// AccountRequestByID returns one request with its organisation.
func (s *Store) AccountRequestByID(ctx context.Context, id uint) (catalog.AccountRequest, error) {
	var r catalog.AccountRequest
	err := s.r.WithContext(ctx).Preload("Organisation").First(&r, id).Error
	return r, translate(err, "account request")
}

// AccountRequests lists requests of organisations in the given Länder (all
// Länder when landKeys is nil), pending first, newest first.
func (s *Store) AccountRequests(ctx context.Context, landKeys []string) ([]catalog.AccountRequest, error) {
	q := s.r.WithContext(ctx).Preload("Organisation").
		Joins("JOIN organisations o ON o.id = account_requests.organisation_id")
	if landKeys != nil {
		q = q.Where("o.land_key IN ?", landKeys)
	}
	q = q.Where("account_requests.status <> ?", catalog.RequestDuplicate)
	var out []catalog.AccountRequest
	err := q.Order("account_requests.status = 'pending' desc").Order("account_requests.id desc").Limit(500).Find(&out).Error
	return out, translate(err, "account requests")
}

// DecideAccountRequest approves (creating the user with an editor
// membership) or rejects a pending request.
func (s *Store) DecideAccountRequest(ctx context.Context, p catalog.Principal, id uint, approve bool, reason string) error {
	reason = strings.TrimSpace(reason)
	var v catalog.ValidationError
	catalog.ValidateDecisionReason(&v, reason)
	if err := v.Err(); err != nil {
		return err
	}
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var r catalog.AccountRequest
		if err := t.db.Preload("Organisation").First(&r, id).Error; err != nil {
			return err
		}
		if r.Organisation == nil || !p.CanDecideRequestsOf(*r.Organisation) {
			return fmt.Errorf("decide request %d: %w", id, catalog.ErrForbidden)
		}
		if r.Status != catalog.RequestPending {
			return fmt.Errorf("request %d already decided: %w", id, catalog.ErrConflict)
		}
		now := time.Now().UTC()
		status := catalog.RequestRejected
		if approve {
			status = catalog.RequestApproved
			var n int64
			t.db.Model(&catalog.User{}).Where("email = ?", r.Email).Count(&n)
			if n > 0 {
				return fmt.Errorf("user %s exists: %w", r.Email, catalog.ErrConflict)
			}
			u := catalog.User{Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash}
			if err := t.db.Create(&u).Error; err != nil {
				return err
			}
			if _, err := t.event(catalog.EntityUser, userEntityID(u.ID), catalog.ActionCreate, nil, map[string]any{"admin": false}); err != nil {
				return err
			}
			if err := t.addMembership(u.ID, NewMembership{Kind: r.Organisation.Kind, Key: r.Organisation.Key, Role: catalog.RoleEditor}); err != nil {
				return err
			}
		}
		return t.db.Model(&catalog.AccountRequest{}).Where("id = ?", id).Updates(map[string]any{
			"status": status, "decided_by": p.Actor(), "decided_at": now, "reason": reason, "password_hash": "",
		}).Error
	})
	return translate(err, "decide account request")
}

// session is a server-side web session (data encoded by the session manager).
type session struct {
	Token  string    `gorm:"primaryKey;size:64"`
	Data   []byte    `gorm:"not null"`
	Expiry time.Time `gorm:"not null;index"`
}

// SessionStore keeps web sessions in the database. Its methods match the
// session manager's store interface.
type SessionStore struct{ s *Store }

// Sessions returns the database-backed session store.
func (s *Store) Sessions() SessionStore { return SessionStore{s} }

// Find returns the data of an unexpired session.
func (ss SessionStore) Find(token string) ([]byte, bool, error) {
	var row session
	err := ss.s.r.Where("token = ? AND expiry > ?", token, time.Now().UTC()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return row.Data, true, nil
}

// Commit stores or replaces a session.
func (ss SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.s.w.Transaction(func(db *gorm.DB) error {
		return db.Save(&session{Token: token, Data: b, Expiry: expiry.UTC()}).Error
	})
}

// Delete removes a session.
func (ss SessionStore) Delete(token string) error {
	return ss.s.w.Transaction(func(db *gorm.DB) error {
		return db.Where("token = ?", token).Delete(&session{}).Error
	})
}

// DeleteExpired removes expired sessions; the server calls it periodically.
func (ss SessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	res := ss.s.w.WithContext(ctx).Where("expiry <= ?", time.Now().UTC()).Delete(&session{})
	return res.RowsAffected, res.Error
}
