package catalog

import "strconv"

// Grant is one membership of a principal, with what the permission rules
// need to know about the organisation.
type Grant struct {
	OrganisationID uint
	Kind           OrgKind
	Key            string
	LandKey        string
	Role           Role
}

// Principal is who acts: a logged-in user or an API token. The zero value is anonymous.
type Principal struct {
	UserID uint
	Name   string
	Admin  bool
	Grants []Grant
	// TokenID is set when the principal is an API token (scoped to one organisation).
	TokenID uint
}

// Anonymous reports whether nobody is logged in.
func (p Principal) Anonymous() bool { return p.UserID == 0 && p.TokenID == 0 }

// Actor is the name written into the event log.
func (p Principal) Actor() string {
	switch {
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
