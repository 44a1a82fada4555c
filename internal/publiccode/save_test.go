package publiccode_test

import (
	"context"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestSaveStoresUsedByAsClaims is the attack of issue 15, row 1: an editor
// saved a publiccode.yml whose usedBy list registered "in Betrieb" adoptions
// for organisations the editor may not act for. Save now writes them through
// the store's claim path: claims („vom Anbieter gemeldet“) that the adopter
// sees and answers (the store tests show they count nowhere and never
// overwrite the adopter's own adoption).
func TestSaveStoresUsedByAsClaims(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "SH", Email: "sh@example.de", PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Principal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := publiccode.Import(ctx, fixture(t, "german.yml"), st)
	if err != nil {
		t.Fatal(err)
	}
	adopters := d.MatchedAdopters() // Stadt Kiel, live
	if len(adopters) != 1 || adopters[0].Key != "010020000000" {
		t.Fatalf("adopters %+v", adopters)
	}
	res, err := publiccode.Save(ctx, st, p, d, catalog.KindLand, "01", adopters)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Adopted) != 1 || len(res.Claimed) != 1 || res.Claimed[0].Key != "010020000000" || len(res.Rejected) != 0 {
		t.Errorf("result %+v", res)
	}
	kiel, err := st.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, "010020000000")
	if err != nil {
		t.Fatal(err)
	}
	var claim *catalog.Adoption
	for i := range kiel {
		if kiel[i].Solution != nil && kiel[i].Solution.Slug == res.Solution.Slug {
			claim = &kiel[i]
		}
	}
	if claim == nil || !claim.Claimed() || claim.Status != catalog.AdoptionLive || claim.Source != publiccode.UsedBySource ||
		!strings.Contains(claim.Note, "nicht bestätigt") {
		t.Errorf("Kiel's adoption %+v", claim)
	}
	if waiting, _ := st.PendingAdoptionClaims(ctx, catalog.KindGemeinde, "010020000000"); len(waiting) != 1 {
		t.Errorf("Kiel's waiting claims: %+v", waiting)
	}
}
