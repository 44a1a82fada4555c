package catalog

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"efa-register/internal/i18n"
)

// Role is what a user may do for an organisation.
type Role string

// The roles. Platform admins are marked on the user, not by membership.
const (
	// RoleCoordinator is the OZG coordinator of a Land: approves account
	// requests of organisations in that Land and may act for them.
	RoleCoordinator Role = "coordinator"
	// RoleEditor registers the adoptions of its organisation and, in a
	// provider organisation, its solutions and the confirmations of their adoptions.
	RoleEditor Role = "editor"
)

// Label is the German name of the role.
func (r Role) Msg() i18n.Message {
	switch r {
	case RoleCoordinator:
		return i18n.M("label.role_coordinator")
	case RoleEditor:
		return i18n.M("label.role_editor")
	}
	return i18n.M("label.raw", "Text", string(r))
}

// Label is the German name (Msg in German).
func (r Role) Label() string { return r.Msg().String() }

// L is the name in the language of ctx.
func (r Role) L(ctx context.Context) string { return i18n.Localize(ctx, r.Msg()) }

// User is a person with an account. Personal data is kept to name, e-mail
// address and role; it never appears on public pages or in the feed.
type User struct {
	ID           uint   `gorm:"primaryKey"`
	Email        string `gorm:"size:200;not null;uniqueIndex"`
	Name         string `gorm:"size:200;not null"`
	PasswordHash string `gorm:"size:200"`
	OIDCIssuer   string `gorm:"column:oidc_issuer;size:300;index:idx_user_oidc,priority:1"`
	OIDCSubject  string `gorm:"column:oidc_subject;size:300;index:idx_user_oidc,priority:2"`
	Admin        bool   `gorm:"not null;default:false"`
	// MustChangePassword is set when the operator set the password (efa
	// user add, efa user passwd): after login every page leads to the
	// password form until the user has chosen their own.
	MustChangePassword bool `gorm:"not null;default:false"`
	CreatedAt          time.Time
	LastLoginAt        *time.Time
	Memberships        []Membership `gorm:"constraint:OnDelete:CASCADE"`
}

// Membership gives a user a role for one organisation.
type Membership struct {
	ID             uint          `gorm:"primaryKey"`
	UserID         uint          `gorm:"not null;uniqueIndex:idx_membership,priority:1"`
	OrganisationID uint          `gorm:"not null;uniqueIndex:idx_membership,priority:2;index"`
	Organisation   *Organisation `gorm:"constraint:OnDelete:CASCADE"`
	Role           Role          `gorm:"size:20;not null"`
	CreatedAt      time.Time
}

// APIToken lets a program act as editor for one organisation until it
// expires or is revoked. Only the SHA-256 hash of the secret is stored.
type APIToken struct {
	ID             uint          `gorm:"primaryKey"`
	OrganisationID uint          `gorm:"not null;index"`
	Organisation   *Organisation `gorm:"constraint:OnDelete:CASCADE"`
	UserID         uint          `gorm:"not null;index"`
	User           *User         `gorm:"constraint:OnDelete:CASCADE"`
	Name           string        `gorm:"size:100;not null"`
	Hash           string        `gorm:"size:64;not null;uniqueIndex"`
	Prefix         string        `gorm:"size:16;not null"`
	ExpiresAt      time.Time     `gorm:"not null"`
	RevokedAt      *time.Time
	LastUsedAt     *time.Time
	CreatedAt      time.Time
}

// Active reports whether the token may be used at time now.
func (t APIToken) Active(now time.Time) bool { return t.RevokedAt == nil && now.Before(t.ExpiresAt) }

// RequestStatus is the state of an account request.
type RequestStatus string

// The account request states.
const (
	RequestPending  RequestStatus = "pending"
	RequestApproved RequestStatus = "approved"
	RequestRejected RequestStatus = "rejected"
	// RequestDuplicate is a request for an address that already has an
	// account or a pending request. It is stored only so that the
	// requester's answer and status link look like any other request's
	// (issue 15, row 7): nobody decides it, the coordinators never see it,
	// and the owner of the address is told by e-mail.
	RequestDuplicate RequestStatus = "duplicate"
)

// Label is the German name of the state.
func (s RequestStatus) Msg() i18n.Message {
	switch s {
	case RequestPending, RequestDuplicate:
		return i18n.M("label.request_pending")
	case RequestApproved:
		return i18n.M("label.request_approved")
	case RequestRejected:
		return i18n.M("label.request_rejected")
	}
	return i18n.M("label.raw", "Text", string(s))
}

// Label is the German name (Msg in German).
func (s RequestStatus) Label() string { return s.Msg().String() }

// L is the name in the language of ctx.
func (s RequestStatus) L(ctx context.Context) string { return i18n.Localize(ctx, s.Msg()) }

// AccountRequest is a person's request for an editor account of an
// organisation; the coordinator of its Land decides.
type AccountRequest struct {
	ID             uint          `gorm:"primaryKey"`
	Name           string        `gorm:"size:200;not null"`
	Email          string        `gorm:"size:200;not null;index"`
	PasswordHash   string        `gorm:"size:200;not null"`
	OrganisationID uint          `gorm:"not null;index"`
	Organisation   *Organisation `gorm:"constraint:OnDelete:CASCADE"`
	Message        string        `gorm:"size:1000"`
	Status         RequestStatus `gorm:"size:20;not null;index"`
	// StatusHash is the SHA-256 of the secret link the requester uses to see the state.
	StatusHash string `gorm:"size:64;not null;uniqueIndex"`
	DecidedBy  string `gorm:"size:200"`
	Reason     string `gorm:"size:500"`
	DecidedAt  *time.Time
	CreatedAt  time.Time
}

// ValidateAccount checks name and e-mail address of a user or request.
func ValidateAccount(v *ValidationError, name, email string) {
	if strings.TrimSpace(name) == "" {
		v.AddM("name", i18n.M("valid.name_yours_required"))
	} else {
		checkText(v, "name", i18n.M("valid.label_name"), name, MaxPersonName)
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != strings.TrimSpace(email) || len(email) > MaxEmail || !ValidText(email, MaxEmail) {
		v.AddM("email", i18n.M("valid.email_invalid_municipality"))
	}
}

// ValidatePassword checks the length rules for a new password.
func ValidatePassword(v *ValidationError, password string) {
	switch n := len([]rune(password)); {
	case n < 12:
		v.AddM("password", i18n.M("valid.password_too_short"))
	case n > MaxPassword:
		v.AddM("password", i18n.M("valid.password_too_long"))
	case !utf8.ValidString(password):
		v.AddM("password", i18n.M("valid.password_invalid_utf8"))
	}
}

// ValidateRequestMessage checks the message of an account request.
func ValidateRequestMessage(v *ValidationError, message string) {
	checkText(v, "message", i18n.M("valid.label_message"), message, MaxRequestMessage)
}

// ValidateDecisionReason checks the reason given when an account request is decided.
func ValidateDecisionReason(v *ValidationError, reason string) {
	checkText(v, "reason", i18n.M("valid.label_reason"), reason, MaxDecisionReason)
}

// ValidateTokenName checks the name of an API token.
func ValidateTokenName(v *ValidationError, name string) {
	if strings.TrimSpace(name) == "" {
		v.AddM("name", i18n.M("valid.token_name_required"))
		return
	}
	checkText(v, "name", i18n.M("valid.label_token_name"), name, MaxTokenName)
}
