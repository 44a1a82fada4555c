package insights_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/store"
)

// editor creates a user with the editor role of one organisation and returns its principal.
func editor(t *testing.T, st *store.Store, email string, kind catalog.OrgKind, key string) catalog.Principal {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: email, Email: email, PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: kind, Key: key, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Principal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type figures struct {
	Rows    []insights.Row
	Service insights.ServiceCoverage
	Savings insights.Savings
}

func figuresOf(e *insights.Engine) figures {
	return figures{Rows: e.Scoreboard(), Service: e.Service("10001"), Savings: e.Savings()}
}

// TestProviderClaimsCountNowhere is the attack of issue 15, row 1: an editor
// of the provider Land registered "in Betrieb" adoptions for other Länder,
// Kreise and Gemeinden through the publiccode.yml usedBy list, and the Land
// climbed the scoreboard. Now they are stored as claims and change no
// figure, neither as the engine follows the log nor when it loads afresh,
// until the adopter accepts.
func TestProviderClaimsCountNowhere(t *testing.T) {
	st, e := newFixture(t)
	ctx := context.Background()
	before := figuresOf(e)
	provider := editor(t, st, "nord@example.de", catalog.KindLand, "01")

	claim := func(kind catalog.OrgKind, key string) store.AdoptionInput {
		return store.AdoptionInput{SolutionSlug: "alpha", AdopterKind: kind, AdopterKey: key,
			Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Source: "publiccode.yml usedBy"}}
	}
	rows, applied, err := st.ClaimAdoptions(ctx, provider, []store.AdoptionInput{
		claim(catalog.KindGemeinde, "020010001001"), // B1
		claim(catalog.KindGemeinde, "020010001002"), // B2
		claim(catalog.KindKreis, "02001"),
		claim(catalog.KindLand, "02"), // Südland registered alpha itself: untouched
	}, store.ApplyValid)
	if err != nil || !applied {
		t.Fatalf("claim: %v %v", applied, err)
	}
	for i, r := range rows[:3] {
		if r.Err != nil || !r.Adoption.Claimed() {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	var ve *catalog.ValidationError
	if !errors.As(rows[3].Err, &ve) || ve.Fields["adopter"] == "" {
		t.Errorf("claim over Südland's own adoption: %v", rows[3].Err)
	}
	if err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Shares are sums over maps, added up in any order: equal up to rounding.
	if diff := cmp.Diff(before, figuresOf(e), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("claims changed the figures (-before +after):\n%s", diff)
	}
	fresh, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh engine may add sums up in another order: equal up to rounding.
	if diff := cmp.Diff(before, figuresOf(fresh), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("claims changed the figures of a freshly loaded engine (-before +after):\n%s", diff)
	}

	// B2 accepts: now it counts (Nordland receives a second external adoption).
	b2 := editor(t, st, "b2@example.de", catalog.KindGemeinde, "020010001002")
	if _, err := st.AnswerAdoptionClaim(ctx, b2, rows[1].Adoption.ID, true); err != nil {
		t.Fatal(err)
	}
	// The Südkreis rejects: the claim is gone.
	kreis := editor(t, st, "kreis@example.de", catalog.KindKreis, "02001")
	if _, err := st.AnswerAdoptionClaim(ctx, kreis, rows[2].Adoption.ID, false); err != nil {
		t.Fatal(err)
	}
	e.CatchUp(ctx)
	after := e.Scoreboard()
	if after[0].ReceivedExternal != before.Rows[0].ReceivedExternal+1 || after[1].Made != before.Rows[1].Made+1 || after[1].MadeLive != before.Rows[1].MadeLive+1 {
		t.Errorf("after B2 accepted: Nordland %+v, Südland %+v", after[0], after[1])
	}
	fresh, err = insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Sums may be added up in another order: equal up to rounding.
	if diff := cmp.Diff(figuresOf(e), figuresOf(fresh), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("followed and loaded figures differ after the answers:\n%s", diff)
	}
	// B1's claim still waits and still counts nowhere.
	if c := e.Service("10001").Laender[1]; c.CoveredPop != before.Service.Laender[1].CoveredPop {
		t.Errorf("B1's pending claim covers: %+v", c)
	}
}
