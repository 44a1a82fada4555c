package catalog

import (
	"errors"
	"testing"
)

// The organisations and principals of the user-administration tables.
var (
	orgSH       = Organisation{ID: 1, Kind: KindLand, Key: "01", LandKey: "01"}
	orgFlens    = Organisation{ID: 2, Kind: KindGemeinde, Key: "010010000000", LandKey: "01"}
	orgKreisSH  = Organisation{ID: 3, Kind: KindKreis, Key: "01051", LandKey: "01"}
	orgNW       = Organisation{ID: 4, Kind: KindLand, Key: "05", LandKey: "05"}
	orgKoeln    = Organisation{ID: 5, Kind: KindGemeinde, Key: "053150000000", LandKey: "05"}
	orgBund     = Organisation{ID: 6, Kind: KindBund, Key: BundKey}
	adminP      = Principal{UserID: 100, Admin: true}
	coordSH     = Principal{UserID: 101, Grants: []Grant{{OrganisationID: 1, Kind: KindLand, Key: "01", LandKey: "01", Role: RoleCoordinator}}}
	editorSH    = Principal{UserID: 102, Grants: []Grant{{OrganisationID: 1, Kind: KindLand, Key: "01", LandKey: "01", Role: RoleEditor}}}
	editorFlens = Principal{UserID: 103, Grants: []Grant{{OrganisationID: 2, Kind: KindGemeinde, Key: "010010000000", LandKey: "01", Role: RoleEditor}}}
	tokenSH     = Principal{UserID: 101, TokenID: 7, Grants: coordSH.Grants}
	// An admin acting through an API token stays a token: no user administration.
	adminToken = Principal{UserID: 100, TokenID: 8, Admin: true}
)

func user(id uint, admin bool, orgs ...Organisation) User {
	u := User{ID: id, Admin: admin}
	for i, o := range orgs {
		o := o
		u.Memberships = append(u.Memberships, Membership{ID: id*10 + uint(i), UserID: id, OrganisationID: o.ID, Organisation: &o, Role: RoleEditor})
	}
	return u
}

func TestManagesUsers(t *testing.T) {
	for name, c := range map[string]struct {
		p    Principal
		want bool
	}{
		"anonymous":       {Principal{}, false},
		"admin":           {adminP, true},
		"coordinator":     {coordSH, true},
		"editor of Land":  {editorSH, false},
		"editor Gemeinde": {editorFlens, false},
		"coordinator API": {tokenSH, false},
		"admin API":       {adminToken, false},
	} {
		if got := c.p.ManagesUsers(); got != c.want {
			t.Errorf("%s: ManagesUsers = %v, want %v", name, got, c.want)
		}
	}
}

func TestCanManageMembership(t *testing.T) {
	cases := []struct {
		name string
		p    Principal
		o    Organisation
		want bool
	}{
		{"admin, own Land", adminP, orgSH, true},
		{"admin, other Land's Gemeinde", adminP, orgKoeln, true},
		{"admin, Bund", adminP, orgBund, true},
		{"coordinator, own Land", coordSH, orgSH, true},
		{"coordinator, own Kreis", coordSH, orgKreisSH, true},
		{"coordinator, own Gemeinde", coordSH, orgFlens, true},
		{"coordinator, other Land", coordSH, orgNW, false},
		{"coordinator, other Land's Gemeinde", coordSH, orgKoeln, false},
		{"coordinator, Bund (no Land)", coordSH, orgBund, false},
		{"editor of the Land", editorSH, orgFlens, false},
		{"editor of the Gemeinde", editorFlens, orgFlens, false},
		{"coordinator's token", tokenSH, orgFlens, false},
		{"admin's token", adminToken, orgFlens, false},
		{"anonymous", Principal{}, orgFlens, false},
	}
	for _, c := range cases {
		if got := c.p.CanManageMembership(c.o); got != c.want {
			t.Errorf("%s: CanManageMembership = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCanRemoveMembership(t *testing.T) {
	flens := user(200, false, orgFlens, orgKoeln)
	self := user(101, false, orgSH) // the coordinator's own account
	peer := user(201, false, orgSH, orgFlens)
	peer.Memberships[0].Role = RoleCoordinator // a second coordinator of SH, also editor in Flensburg
	adminSH := user(202, true, orgFlens)       // a platform admin with an editor role in SH
	cases := []struct {
		name string
		p    Principal
		u    User
		m    Membership
		want bool
	}{
		{"admin removes Flensburg role", adminP, flens, flens.Memberships[0], true},
		{"admin removes Köln role", adminP, flens, flens.Memberships[1], true},
		{"coordinator SH removes Flensburg role", coordSH, flens, flens.Memberships[0], true},
		{"coordinator SH removes Köln role", coordSH, flens, flens.Memberships[1], false},
		{"coordinator removes own role", coordSH, self, self.Memberships[0], false},
		{"editor removes a role", editorSH, flens, flens.Memberships[0], false},
		{"membership of another user", adminP, user(300, false), flens.Memberships[0], false},
		{"membership without organisation", adminP, flens, Membership{ID: 1, UserID: 200}, false},
		// Issue 15, row 5: a coordinator took a peer coordinator's role and
		// a platform admin's role in their Land.
		{"coordinator SH removes peer coordinator's role", coordSH, peer, peer.Memberships[0], false},
		{"coordinator SH removes peer coordinator's editor role", coordSH, peer, peer.Memberships[1], false},
		{"coordinator SH removes admin's role in SH", coordSH, adminSH, adminSH.Memberships[0], false},
		{"admin removes peer coordinator's role", adminP, peer, peer.Memberships[0], true},
		{"admin removes other admin's role", adminP, adminSH, adminSH.Memberships[0], true},
		{"coordinator's token removes Flensburg role", tokenSH, flens, flens.Memberships[0], false},
	}
	for _, c := range cases {
		if got := c.p.CanRemoveMembership(c.u, c.m); got != c.want {
			t.Errorf("%s: CanRemoveMembership = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCanRevokeTokensOf(t *testing.T) {
	cases := []struct {
		name string
		p    Principal
		u    User
		want bool
	}{
		{"admin, any user", adminP, user(200, false, orgFlens, orgKoeln), true},
		{"admin, user without roles", adminP, user(201, false), true},
		{"admin, another admin", adminP, user(202, true), true},
		{"admin, self", adminP, user(100, true), false},
		{"coordinator, all roles in SH", coordSH, user(203, false, orgFlens, orgKreisSH), true},
		{"coordinator, one role outside SH", coordSH, user(204, false, orgFlens, orgKoeln), false},
		{"coordinator, only outside SH", coordSH, user(205, false, orgKoeln), false},
		{"coordinator, user without roles", coordSH, user(206, false), false},
		{"coordinator, admin with a role in SH", coordSH, user(207, true, orgFlens), false},
		{"coordinator, self", coordSH, user(101, false, orgSH), false},
		{"editor", editorSH, user(208, false, orgFlens), false},
		{"token", tokenSH, user(209, false, orgFlens), false},
		{"anonymous", Principal{}, user(210, false, orgFlens), false},
	}
	for _, c := range cases {
		if got := c.p.CanRevokeTokensOf(c.u); got != c.want {
			t.Errorf("%s: CanRevokeTokensOf = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCanDeleteAndDemote(t *testing.T) {
	cases := []struct {
		name                 string
		p                    Principal
		u                    User
		wantDelete, wantDemo bool
	}{
		{"admin, editor", adminP, user(200, false, orgFlens), true, false},
		{"admin, other admin", adminP, user(201, true), true, true},
		{"admin, self", adminP, user(100, true), false, false},
		{"coordinator, editor of own Land", coordSH, user(202, false, orgFlens), false, false},
		{"admin's token", adminToken, user(203, true), false, false},
		{"editor", editorSH, user(204, false, orgFlens), false, false},
	}
	for _, c := range cases {
		if got := c.p.CanDeleteUser(c.u); got != c.wantDelete {
			t.Errorf("%s: CanDeleteUser = %v, want %v", c.name, got, c.wantDelete)
		}
		if got := c.p.CanRevokeAdmin(c.u); got != c.wantDemo {
			t.Errorf("%s: CanRevokeAdmin = %v, want %v", c.name, got, c.wantDemo)
		}
	}
}

func TestUserAdministrationErrors(t *testing.T) {
	if !errors.Is(ErrLastAdmin, ErrConflict) || errors.Is(ErrLastAdmin, ErrForbidden) {
		t.Error("ErrLastAdmin must be a conflict")
	}
	if !errors.Is(ErrOwnAccount, ErrForbidden) || errors.Is(ErrOwnAccount, ErrConflict) {
		t.Error("ErrOwnAccount must be forbidden")
	}
}

func TestSystemPrincipal(t *testing.T) {
	p := SystemPrincipal(ActorSeed)
	if p.Actor() != ActorSeed || !p.System() || p.Anonymous() || !p.CanEditAdoptionsOf(orgKoeln) {
		t.Errorf("seed principal %+v: actor %q", p, p.Actor())
	}
	if got := SystemPrincipal("gen-synthetic").Actor(); got != "system:gen-synthetic" {
		t.Errorf("actor %q", got)
	}
	// The system is no person: no user administration.
	if p.ManagesUsers() || p.CanManageMembership(orgFlens) || p.CanDeleteUser(user(5, false)) || p.CanRevokeTokensOf(user(5, false, orgFlens)) {
		t.Error("system principal administers users")
	}
	// A principal built field by field is never the system.
	if (Principal{Admin: true, Name: ActorSeed}).System() {
		t.Error("System() without SystemPrincipal")
	}
}

// TestCanRegisterSolutions: providers (Bund, Länder, IT service providers)
// register solutions; a Gemeinde's editor adopts them and is not offered it.
func TestCanRegisterSolutions(t *testing.T) {
	for name, c := range map[string]struct {
		p    Principal
		want bool
	}{
		"anonymous":       {Principal{}, false},
		"admin":           {adminP, true},
		"coordinator":     {coordSH, true},
		"editor of Land":  {editorSH, true},
		"editor Gemeinde": {editorFlens, false},
	} {
		if got := c.p.CanRegisterSolutions(); got != c.want {
			t.Errorf("%s: CanRegisterSolutions = %v, want %v", name, got, c.want)
		}
	}
	cases := []struct {
		name string
		p    Principal
		o    Organisation
		want bool
	}{
		{"Land editor for its Land", editorSH, orgSH, true},
		{"Land editor for another Land", editorSH, orgNW, false},
		{"coordinator for a Gemeinde of the Land", coordSH, orgFlens, false},
		{"Gemeinde editor for its Gemeinde", editorFlens, orgFlens, false},
		{"admin for the Bund", adminP, orgBund, true},
		{"admin for a Kreis", adminP, orgKreisSH, false},
	}
	for _, c := range cases {
		if got := c.p.CanProvideFor(c.o); got != c.want {
			t.Errorf("%s: CanProvideFor = %v, want %v", c.name, got, c.want)
		}
	}
}
