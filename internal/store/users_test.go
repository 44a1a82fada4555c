package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

const (
	arsFlensburg = "010010000000" // Schleswig-Holstein
	arsKoeln     = "053150000000" // Nordrhein-Westfalen
)

// userFixture is a seeded store with accounts for the user administration.
type userFixture struct {
	st  *store.Store
	ids map[string]uint
}

// newUserFixture creates, in this order (so ids and creation times ascend):
// two admins, the coordinators of SH and NW, an editor of Flensburg, an
// editor of Flensburg and Köln, an editor of Köln and a user without roles.
func newUserFixture(t *testing.T) *userFixture {
	t.Helper()
	ctx := context.Background()
	f := &userFixture{st: openSeeded(t), ids: map[string]uint{}}
	ed := func(ars string) store.NewMembership {
		return store.NewMembership{Kind: catalog.KindGemeinde, Key: ars, Role: catalog.RoleEditor}
	}
	for _, u := range []struct {
		key, name string
		nu        store.NewUser
	}{
		{"admin1", "Anna Admin", store.NewUser{Admin: true, PasswordHash: "x"}},
		{"admin2", "Bernd Admin", store.NewUser{Admin: true, OIDCIssuer: "https://idp.example", OIDCSubject: "b"}},
		{"koordSH", "Carla Koordination", store.NewUser{PasswordHash: "x", Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleCoordinator}}}},
		{"koordNW", "Dieter Koordination", store.NewUser{PasswordHash: "x", Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "05", Role: catalog.RoleCoordinator}}}},
		{"flens", "Emil Flensburg", store.NewUser{PasswordHash: "x", Memberships: []store.NewMembership{ed(arsFlensburg)}}},
		{"mixed", "Frida Zwischen", store.NewUser{PasswordHash: "x", OIDCIssuer: "https://idp.example", OIDCSubject: "f",
			Memberships: []store.NewMembership{ed(arsFlensburg), ed(arsKoeln)}}},
		{"koeln", "Gero Köln", store.NewUser{PasswordHash: "x", Memberships: []store.NewMembership{ed(arsKoeln)}}},
		{"nobody", "Hanna Ohne", store.NewUser{PasswordHash: "x"}},
	} {
		u.nu.Name, u.nu.Email = u.name, u.key+"@example.de"
		created, err := f.st.CreateUser(ctx, "test", u.nu)
		if err != nil {
			t.Fatalf("create %s: %v", u.key, err)
		}
		f.ids[u.key] = created.ID
	}
	return f
}

func (f *userFixture) principal(t *testing.T, key string) catalog.Principal {
	t.Helper()
	p, err := f.st.Principal(context.Background(), f.ids[key])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *userFixture) user(t *testing.T, key string) catalog.User {
	t.Helper()
	u, err := f.st.UserByID(context.Background(), f.ids[key])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// token creates an active token of the user for the organisation of its membership i.
func (f *userFixture) token(t *testing.T, key string, i int, name string) catalog.APIToken {
	t.Helper()
	u := f.user(t, key)
	tok, err := f.st.CreateToken(context.Background(), "test", catalog.APIToken{OrganisationID: u.Memberships[i].OrganisationID,
		UserID: u.ID, Name: name, Hash: fmt.Sprintf("%064x", sha256.Sum256([]byte(fmt.Sprint(u.ID, i, name)))), Prefix: "efa_test",
		ExpiresAt: time.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func userKeys(f *userFixture, list []store.UserSummary) []string {
	byID := map[uint]string{}
	for k, id := range f.ids {
		byID[id] = k
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = byID[s.User.ID]
	}
	return out
}

func TestUsersScopeFilterAndSort(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	now := time.Now()
	f.token(t, "flens", 0, "eins")
	f.token(t, "flens", 0, "zwei")
	revoked := f.token(t, "flens", 0, "drei")
	if err := f.st.RevokeToken(ctx, "test", f.ids["flens"], revoked.ID); err != nil {
		t.Fatal(err)
	}
	f.token(t, "mixed", 0, "sh")
	f.token(t, "mixed", 1, "nrw")

	list := func(flt store.UserFilter) ([]string, []store.UserSummary, int64) {
		t.Helper()
		got, total, err := f.st.Users(ctx, flt, now)
		if err != nil {
			t.Fatal(err)
		}
		return userKeys(f, got), got, total
	}
	// Admin view: everyone, by name.
	all, sums, total := list(store.UserFilter{})
	want := []string{"admin1", "admin2", "koordSH", "koordNW", "flens", "mixed", "koeln", "nobody"}
	if !slices.Equal(all, want) || total != 8 {
		t.Fatalf("all users = %v (%d), want %v", all, total, want)
	}
	byKey := map[string]store.UserSummary{}
	for i, k := range all {
		byKey[k] = sums[i]
	}
	if s := byKey["flens"]; s.ActiveTokens != 2 || !s.PasswordLogin || s.OIDCLogin || s.User.PasswordHash != "" || len(s.User.Memberships) != 1 ||
		s.User.Memberships[0].Organisation == nil || s.User.Memberships[0].Organisation.Key != arsFlensburg {
		t.Errorf("flens summary = %+v", s)
	}
	if s := byKey["admin2"]; s.PasswordLogin || !s.OIDCLogin || !s.User.Admin {
		t.Errorf("admin2 summary = %+v", s)
	}
	if s := byKey["mixed"]; s.ActiveTokens != 2 || len(s.User.Memberships) != 2 || !s.PasswordLogin || !s.OIDCLogin {
		t.Errorf("mixed summary (admin view) = %+v", s)
	}

	// Coordinator of SH: users with a membership in SH only; tokens of SH organisations only.
	sh, sums, total := list(store.UserFilter{LandKeys: []string{"01"}})
	if !slices.Equal(sh, []string{"koordSH", "flens", "mixed"}) || total != 3 {
		t.Errorf("SH users = %v (%d)", sh, total)
	}
	for i, k := range sh {
		if k == "mixed" && sums[i].ActiveTokens != 1 {
			t.Errorf("mixed tokens in SH scope = %d, want 1", sums[i].ActiveTokens)
		}
	}
	if nw, _, _ := list(store.UserFilter{LandKeys: []string{"05"}}); !slices.Equal(nw, []string{"koordNW", "mixed", "koeln"}) {
		t.Errorf("NW users = %v", nw)
	}
	if none, _, total := list(store.UserFilter{LandKeys: []string{}}); len(none) != 0 || total != 0 {
		t.Errorf("empty Länder list = %v", none)
	}

	// Search by part of name or e-mail, case-insensitive; wildcards are literal.
	for q, want := range map[string][]string{
		"FLENS":       {"flens"},
		"koordNW@":    {"koordNW"},
		"koordinatio": {"koordSH", "koordNW"},
		"köln":        {"koeln"},
		"%":           nil,
		"_":           nil,
		"niemand":     nil,
	} {
		if got, _, _ := list(store.UserFilter{Query: q}); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("query %q = %v, want %v", q, got, want)
		}
	}
	if got, _, _ := list(store.UserFilter{Query: "koord", LandKeys: []string{"01"}}); !slices.Equal(got, []string{"koordSH"}) {
		t.Errorf("query within SH = %v", got)
	}

	// Sorts, each stable across pages.
	if err := f.st.RecordLogin(ctx, f.ids["koeln"], now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.st.RecordLogin(ctx, f.ids["flens"], now); err != nil {
		t.Fatal(err)
	}
	for sort, want := range map[string][]string{
		"email":   {"admin1", "admin2", "flens", "koeln", "koordNW", "koordSH", "mixed", "nobody"},
		"created": {"nobody", "koeln", "mixed", "flens", "koordNW", "koordSH", "admin2", "admin1"},
		"login":   {"flens", "koeln", "nobody", "mixed", "koordNW", "koordSH", "admin2", "admin1"},
	} {
		got, _, _ := list(store.UserFilter{Sort: sort})
		if !slices.Equal(got, want) {
			t.Errorf("sort %s = %v, want %v", sort, got, want)
		}
		var paged []string
		for off := 0; off < 8; off += 3 {
			page, _, total := list(store.UserFilter{Sort: sort, Offset: off, Limit: 3})
			if total != 8 {
				t.Errorf("sort %s page at %d: total %d", sort, off, total)
			}
			paged = append(paged, page...)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("sort %s paged = %v, want %v", sort, paged, want)
		}
	}
}

// checkEvents asserts that the events after seq name the actor and no
// personal data of the fixture's users.
func checkEvents(t *testing.T, f *userFixture, after uint64, actor string, wantN int) []catalog.Event {
	t.Helper()
	evs, err := f.st.Events(context.Background(), after, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != wantN {
		t.Fatalf("%d events after %d, want %d: %+v", len(evs), after, wantN, evs)
	}
	for _, ev := range evs {
		if ev.Actor != actor {
			t.Errorf("event %d actor = %q, want %q", ev.Seq, ev.Actor, actor)
		}
		for _, pii := range []string{"@example.de", "Admin", "Koordination", "Flensburg", "Zwischen", "Köln"} {
			if strings.Contains(ev.Actor+ev.Changes, pii) {
				t.Errorf("event %d carries personal data %q: %s %s", ev.Seq, pii, ev.Actor, ev.Changes)
			}
		}
	}
	return evs
}

func TestRemoveMembership(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	coord := f.principal(t, "koordSH")
	mixed := f.user(t, "mixed")
	flensM, koelnM := mixed.Memberships[0], mixed.Memberships[1]
	if flensM.Organisation.Key != arsFlensburg || koelnM.Organisation.Key != arsKoeln {
		t.Fatalf("fixture memberships: %+v", mixed.Memberships)
	}
	start := countEvents(t, f.st)

	// Refusals change nothing.
	if _, err := f.st.RemoveMembership(ctx, coord, mixed.ID, koelnM.ID); !errors.Is(err, catalog.ErrForbidden) || errors.Is(err, catalog.ErrOwnAccount) {
		t.Errorf("coordinator SH removes Köln membership: %v, want forbidden", err)
	}
	own := f.user(t, "koordSH")
	if _, err := f.st.RemoveMembership(ctx, coord, own.ID, own.Memberships[0].ID); !errors.Is(err, catalog.ErrOwnAccount) {
		t.Errorf("coordinator removes own membership: %v, want own-account refusal", err)
	}
	if _, err := f.st.RemoveMembership(ctx, f.principal(t, "flens"), mixed.ID, flensM.ID); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("editor removes a membership: %v, want forbidden", err)
	}
	// A membership id of another user does not match.
	if _, err := f.st.RemoveMembership(ctx, coord, f.ids["flens"], flensM.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("membership of another user: %v, want not found", err)
	}
	if got := countEvents(t, f.st); got != start {
		t.Fatalf("refused removals wrote %d events", got-start)
	}

	removed, err := f.st.RemoveMembership(ctx, coord, mixed.ID, flensM.ID)
	if err != nil {
		t.Fatal(err)
	}
	if removed.Remaining != 1 || removed.Membership.ID != flensM.ID || removed.Membership.Organisation.Key != arsFlensburg {
		t.Errorf("removed = %+v", removed)
	}
	evs := checkEvents(t, f, start, fmt.Sprintf("user:%d", coord.UserID), 1)
	ev := evs[0]
	if ev.EntityType != catalog.EntityMembership || ev.Action != catalog.ActionDelete || ev.EntityID != fmt.Sprint(flensM.ID) ||
		!strings.Contains(ev.Changes, "gemeinde:"+arsFlensburg) || !strings.Contains(ev.Changes, `"editor"`) {
		t.Errorf("event = %+v", ev)
	}
	// The principal (read on every request) no longer acts for Flensburg.
	p := f.principal(t, "mixed")
	if len(p.Grants) != 1 || p.Grants[0].Key != arsKoeln {
		t.Errorf("grants after removal = %+v", p.Grants)
	}
	// Now mixed has no membership in SH: the coordinator no longer sees them.
	got, _, _ := f.st.Users(ctx, store.UserFilter{LandKeys: []string{"01"}}, time.Now())
	if keys := userKeys(f, got); !slices.Equal(keys, []string{"koordSH", "flens"}) {
		t.Errorf("SH users after removal = %v", keys)
	}
	// The admin removes the last role.
	last, err := f.st.RemoveMembership(ctx, f.principal(t, "admin1"), mixed.ID, koelnM.ID)
	if err != nil || last.Remaining != 0 {
		t.Errorf("admin removes last role: %+v %v", last, err)
	}
}

// TestCoordinatorRemovesOnlyEditorRoles is the attack of issue 15, row 5: a
// Land coordinator removed a peer coordinator's role and a platform admin's
// role in their Land. Both must be refused by the store and change nothing.
func TestCoordinatorRemovesOnlyEditorRoles(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	peer, err := f.st.CreateUser(ctx, "test", store.NewUser{Name: "Ida Koordination", Email: "peer@example.de", PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleCoordinator},
			{Kind: catalog.KindGemeinde, Key: arsFlensburg, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddMembership(ctx, "test", f.ids["admin2"], store.NewMembership{Kind: catalog.KindGemeinde, Key: arsFlensburg, Role: catalog.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	peerU, err := f.st.UserByID(ctx, peer.ID)
	if err != nil {
		t.Fatal(err)
	}
	adminU := f.user(t, "admin2")
	coord := f.principal(t, "koordSH")
	start := countEvents(t, f.st)
	for name, c := range map[string]struct{ user, membership uint }{
		"peer coordinator's coordinator role": {peerU.ID, peerU.Memberships[0].ID},
		"peer coordinator's editor role":      {peerU.ID, peerU.Memberships[1].ID},
		"platform admin's role in SH":         {adminU.ID, adminU.Memberships[0].ID},
	} {
		if _, err := f.st.RemoveMembership(ctx, coord, c.user, c.membership); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("coordinator SH removes %s: %v, want forbidden", name, err)
		}
	}
	if got := countEvents(t, f.st); got != start {
		t.Fatalf("refused removals wrote %d events", got-start)
	}
	if after, _ := f.st.UserByID(ctx, peer.ID); len(after.Memberships) != 2 {
		t.Errorf("peer coordinator's memberships after the attack: %+v", after.Memberships)
	}
	if after := f.user(t, "admin2"); len(after.Memberships) != 1 {
		t.Errorf("admin's memberships after the attack: %+v", after.Memberships)
	}
	// The platform admin may.
	if _, err := f.st.RemoveMembership(ctx, f.principal(t, "admin1"), peerU.ID, peerU.Memberships[0].ID); err != nil {
		t.Errorf("admin removes the coordinator role: %v", err)
	}
}

func TestRevokeAllTokens(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	now := time.Now()
	f.token(t, "flens", 0, "eins")
	f.token(t, "flens", 0, "zwei")
	f.token(t, "mixed", 0, "sh")
	f.token(t, "mixed", 1, "nrw")
	coord := f.principal(t, "koordSH")
	start := countEvents(t, f.st)

	if _, err := f.st.RevokeAllTokens(ctx, coord, f.ids["mixed"], now); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator SH revokes tokens of a user with a role in NW: %v", err)
	}
	if _, err := f.st.RevokeAllTokens(ctx, coord, f.ids["koordSH"], now); !errors.Is(err, catalog.ErrOwnAccount) {
		t.Errorf("own tokens: %v", err)
	}
	if _, err := f.st.RevokeAllTokens(ctx, f.principal(t, "koordNW"), f.ids["flens"], now); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator NW revokes tokens of SH editor: %v", err)
	}
	if got := countEvents(t, f.st); got != start {
		t.Fatalf("refusals wrote %d events", got-start)
	}
	n, err := f.st.RevokeAllTokens(ctx, coord, f.ids["flens"], now)
	if err != nil || n != 2 {
		t.Fatalf("revoke flens tokens = %d, %v", n, err)
	}
	evs := checkEvents(t, f, start, fmt.Sprintf("user:%d", coord.UserID), 2)
	for _, ev := range evs {
		if ev.EntityType != catalog.EntityToken || ev.Action != catalog.ActionUpdate || !strings.Contains(ev.Changes, "revokedAt") {
			t.Errorf("token event = %+v", ev)
		}
	}
	toks, _ := f.st.TokensByUser(ctx, f.ids["flens"])
	for _, tok := range toks {
		if tok.Active(now) {
			t.Errorf("token %d still active", tok.ID)
		}
	}
	// Revoking again finds nothing to revoke and writes nothing.
	mid := countEvents(t, f.st)
	if n, err := f.st.RevokeAllTokens(ctx, coord, f.ids["flens"], now); err != nil || n != 0 {
		t.Errorf("second revoke = %d, %v", n, err)
	}
	if countEvents(t, f.st) != mid {
		t.Error("second revoke wrote events")
	}
	if n, err := f.st.RevokeAllTokens(ctx, f.principal(t, "admin1"), f.ids["mixed"], now); err != nil || n != 2 {
		t.Errorf("admin revokes mixed tokens = %d, %v", n, err)
	}
}

func TestDeleteUserAndLastAdmin(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	admin1, admin2 := f.principal(t, "admin1"), f.principal(t, "admin2")
	f.token(t, "flens", 0, "eins")
	start := countEvents(t, f.st)

	if err := f.st.DeleteUserAs(ctx, f.principal(t, "koordSH"), f.ids["flens"]); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator deletes a user: %v", err)
	}
	if err := f.st.DeleteUserAs(ctx, admin1, admin1.UserID); !errors.Is(err, catalog.ErrOwnAccount) {
		t.Errorf("admin deletes self: %v", err)
	}
	if err := f.st.RevokeAdmin(ctx, admin1, admin1.UserID); !errors.Is(err, catalog.ErrOwnAccount) {
		t.Errorf("admin demotes self: %v", err)
	}
	if err := f.st.RevokeAdmin(ctx, admin1, f.ids["flens"]); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("demote a non-admin: %v", err)
	}
	if got := countEvents(t, f.st); got != start {
		t.Fatalf("refusals wrote %d events", got-start)
	}

	if err := f.st.DeleteUserAs(ctx, admin1, f.ids["flens"]); err != nil {
		t.Fatal(err)
	}
	evs := checkEvents(t, f, start, fmt.Sprintf("user:%d", admin1.UserID), 1)
	if ev := evs[0]; ev.EntityType != catalog.EntityUser || ev.Action != catalog.ActionDelete || ev.EntityID != fmt.Sprint(f.ids["flens"]) {
		t.Errorf("delete event = %+v", ev)
	}
	if _, err := f.st.UserByID(ctx, f.ids["flens"]); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted user still there: %v", err)
	}
	if _, err := f.st.Principal(ctx, f.ids["flens"]); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("principal of deleted user: %v", err)
	}

	// Demote admin2; admin1 is then the last admin.
	mid := countEvents(t, f.st)
	if err := f.st.RevokeAdmin(ctx, admin1, admin2.UserID); err != nil {
		t.Fatal(err)
	}
	evs = checkEvents(t, f, mid, fmt.Sprintf("user:%d", admin1.UserID), 1)
	if !strings.Contains(evs[0].Changes, `"admin":[true,false]`) {
		t.Errorf("demote event changes = %s", evs[0].Changes)
	}
	if u := f.user(t, "admin2"); u.Admin {
		t.Error("admin2 is still admin")
	}
	// admin2's principal from before the demotion is stale (a request in
	// flight); the store still refuses to remove the last admin.
	if err := f.st.DeleteUserAs(ctx, admin2, admin1.UserID); !errors.Is(err, catalog.ErrLastAdmin) {
		t.Errorf("delete the last admin: %v", err)
	}
	if err := f.st.RevokeAdmin(ctx, admin2, admin1.UserID); !errors.Is(err, catalog.ErrLastAdmin) {
		t.Errorf("demote the last admin: %v", err)
	}
	// Nor can the last admin delete their own account on the account page.
	if err := f.st.DeleteUser(ctx, admin1.Actor(), admin1.UserID); !errors.Is(err, catalog.ErrLastAdmin) {
		t.Errorf("last admin deletes own account: %v", err)
	}
	if u := f.user(t, "admin1"); !u.Admin {
		t.Error("the last admin lost the role")
	}
}
