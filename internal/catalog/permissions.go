package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Grant is one membership of a principal, with what the permission rules
// need to know about the organisation.
type Grant struct {
	OrganisationID uint
	Kind           OrgKind
	Key            string
	LandKey        string
	Role           Role
}

// Principal is who acts: a logged-in user, an API token, or the register
// itself (SystemPrincipal). The zero value is anonymous.
type Principal struct {
	UserID uint
	Name   string
	Admin  bool
	Grants []Grant
	// TokenID is set when the principal is an API token (scoped to one organisation).
	TokenID uint
	// MustChangePassword: the operator set the user's password; the web
	// pages lead to the password form until the user has chosen their own.
	MustChangePassword bool
	// system is the actor of a SystemPrincipal; only SystemPrincipal sets it.
	system string
}

// SystemPrincipal is the register itself writing without a person: the seed
// loader, bulk loads of generated data, imports the operator runs on the
// command line. It may do what a platform admin may do in the write paths
// (never the user administration, which needs a person). actor names it in
// the event log; it is given the prefix "system:" unless it has it.
func SystemPrincipal(actor string) Principal {
	if actor != ActorSystem && !strings.HasPrefix(actor, ActorSystem+":") {
		actor = ActorSystem + ":" + actor
	}
	return Principal{Admin: true, Name: actor, system: actor}
}

// System reports whether the principal is the register itself (SystemPrincipal).
func (p Principal) System() bool { return p.system != "" }

// Anonymous reports whether nobody is logged in.
func (p Principal) Anonymous() bool { return p.UserID == 0 && p.TokenID == 0 && p.system == "" }

// Actor is the name written into the event log.
func (p Principal) Actor() string {
	switch {
	case p.system != "":
		return p.system
	case p.TokenID != 0:
		return "token:" + itoa(p.TokenID) + " (user:" + itoa(p.UserID) + ")"
	case p.UserID != 0:
		return "user:" + itoa(p.UserID)
	}
	return "anonymous"
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// ActsFor reports whether the principal may act for the organisation: as
// admin, as its editor, or as coordinator of its Land.
func (p Principal) ActsFor(o Organisation) bool {
	if p.Admin {
		return true
	}
	for _, g := range p.Grants {
		if g.OrganisationID == o.ID && (g.Role == RoleEditor || g.Role == RoleCoordinator) {
			return true
		}
		if g.Role == RoleCoordinator && g.Kind == KindLand && o.LandKey != "" && o.LandKey == g.Key {
			return true
		}
	}
	return false
}

// CanEditAdoptionsOf reports whether the principal may register, change or
// delete the adoptions of the adopting organisation.
func (p Principal) CanEditAdoptionsOf(adopter Organisation) bool { return p.ActsFor(adopter) }

// CanEditSolution reports whether the principal may edit a solution (and
// confirm or dispute its adoptions): it acts for the provider.
func (p Principal) CanEditSolution(s Solution) bool {
	if p.Admin {
		return true
	}
	return s.Provider != nil && p.ActsFor(*s.Provider)
}

// ProvidesSolutions reports whether organisations of this kind build and
// offer EfA solutions: the Bund, the Länder and IT service providers. Kreise
// and Gemeinden adopt them.
func (k OrgKind) ProvidesSolutions() bool {
	return k == KindBund || k == KindLand || k == KindITProvider
}

// CanProvideFor reports whether the principal may register a solution with
// the organisation as its provider: it acts for it, and it is a kind of
// organisation that provides solutions.
func (p Principal) CanProvideFor(o Organisation) bool {
	return o.Kind.ProvidesSolutions() && p.ActsFor(o)
}

// CanRegisterSolutions reports whether the principal may register new
// solutions at all: admins, and editors or coordinators of a providing
// organisation (a Gemeinde's or Kreis's editor adopts, it does not provide).
func (p Principal) CanRegisterSolutions() bool {
	if p.Admin {
		return true
	}
	for _, g := range p.Grants {
		if g.Kind.ProvidesSolutions() && (g.Role == RoleEditor || g.Role == RoleCoordinator) {
			return true
		}
	}
	return false
}

// CanDecideRequestsOf reports whether the principal may approve or reject
// account requests of the organisation: admins and the coordinator of its Land.
func (p Principal) CanDecideRequestsOf(o Organisation) bool {
	if p.Admin {
		return true
	}
	if p.TokenID != 0 {
		return false
	}
	for _, g := range p.Grants {
		if g.Role == RoleCoordinator && g.Kind == KindLand && g.Key == o.LandKey {
			return true
		}
	}
	return false
}

// Coordinates returns the Länderschlüssel the principal coordinates.
func (p Principal) Coordinates() []string {
	var out []string
	for _, g := range p.Grants {
		if g.Role == RoleCoordinator && g.Kind == KindLand {
			out = append(out, g.Key)
		}
	}
	return out
}

// ErrLastAdmin refuses a write that would leave the platform without an
// admin. It matches ErrConflict with errors.Is.
var ErrLastAdmin = fmt.Errorf("the last platform admin cannot be removed: %w", ErrConflict)

// ErrOwnAccount refuses an administrative change of the acting user's own
// account (deleting or demoting oneself, removing one's own roles): a person
// must not lock themselves out by accident. It matches ErrForbidden.
var ErrOwnAccount = fmt.Errorf("administrative change of the own account: %w", ErrForbidden)

// ManagesUsers reports whether the principal may open the user
// administration: platform admins and Land coordinators, never an API token.
func (p Principal) ManagesUsers() bool {
	return p.TokenID == 0 && p.UserID != 0 && (p.Admin || len(p.Coordinates()) > 0)
}

// CanManageMembership reports whether the principal may see and remove
// memberships in the organisation: admins everywhere, a Land coordinator in
// the organisations of their Land (the Land, its Kreise and Gemeinden).
func (p Principal) CanManageMembership(o Organisation) bool {
	if p.TokenID != 0 || p.UserID == 0 {
		return false
	}
	if p.Admin {
		return true
	}
	return o.LandKey != "" && slices.Contains(p.Coordinates(), o.LandKey)
}

// CanRemoveMembership reports whether the principal may take the membership
// away from user u. Nobody removes their own roles here. Admins remove any
// other user's role; a Land coordinator removes only editor roles in their
// Land, and never a role of a platform admin or of a user who coordinates a
// Land (a peer coordinator): those are for a platform admin to take away.
// u must come with all of its memberships.
func (p Principal) CanRemoveMembership(u User, m Membership) bool {
	if m.Organisation == nil || m.UserID != u.ID || u.ID == p.UserID || !p.CanManageMembership(*m.Organisation) {
		return false
	}
	if p.Admin {
		return true
	}
	return m.Role == RoleEditor && !u.Admin && !u.Coordinates()
}

// Coordinates reports whether the user holds the coordinator role of any Land.
func (u User) Coordinates() bool {
	for _, m := range u.Memberships {
		if m.Role == RoleCoordinator {
			return true
		}
	}
	return false
}

// CanRevokeTokensOf reports whether the principal may revoke all API tokens
// of user u: admins for anyone else; a coordinator only for a user who is not
// a platform admin and whose every membership is in the coordinator's Land
// (tokens of a person who also works elsewhere are not theirs to end).
func (p Principal) CanRevokeTokensOf(u User) bool {
	if u.ID == p.UserID || p.TokenID != 0 || p.UserID == 0 {
		return false
	}
	if p.Admin {
		return true
	}
	if u.Admin || len(u.Memberships) == 0 {
		return false
	}
	for _, m := range u.Memberships {
		if m.Organisation == nil || !p.CanManageMembership(*m.Organisation) {
			return false
		}
	}
	return true
}

// CanDeleteUser reports whether the principal may delete user u: platform
// admins only, and never their own account here (that is done on the
// account page). The store also refuses to delete the last admin.
func (p Principal) CanDeleteUser(u User) bool {
	return p.Admin && p.TokenID == 0 && p.UserID != 0 && u.ID != p.UserID
}

// CanRevokeAdmin reports whether the principal may take the platform admin
// role away from user u: another platform admin. The store also refuses to
// demote the last admin.
func (p Principal) CanRevokeAdmin(u User) bool { return u.Admin && p.CanDeleteUser(u) }

// CanEditEnvironmentOf reports whether the principal may record what the
// organisation runs (its environment for the fit check): only its own
// members (editors and coordinators of that organisation) and the register
// itself; neither platform admins nor the coordinators of its Land speak
// for an organisation they do not belong to.
func (p Principal) CanEditEnvironmentOf(o Organisation) bool {
	if p.System() {
		return true
	}
	for _, g := range p.Grants {
		if g.OrganisationID == o.ID && o.ID != 0 {
			return true
		}
	}
	return false
}
