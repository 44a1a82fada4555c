package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// TestTextLimitsOnWrite is the attack of issue 15, row 10 against the store:
// a 1.9 MB field and invalid UTF-8 were stored. Each write is refused with a
// message naming the field, and the register is unchanged.
func TestTextLimitsOnWrite(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	before, err := s.SolutionBySlug(ctx, "wohngeld-online")
	if err != nil {
		t.Fatal(err)
	}
	start := countEvents(t, s)
	huge := strings.Repeat("x", 1900000)
	sol := catalog.Solution{Slug: "angriff", Name: "Angriff", Status: catalog.SolutionLive, Verified: catalog.VerifiedNo, Partners: huge}
	refused := func(what, field string, err error) {
		t.Helper()
		var ve *catalog.ValidationError
		if !errors.As(err, &ve) || ve.Fields[field] == "" {
			t.Errorf("%s: %v, want a message for %s", what, err, field)
		}
	}
	_, err = s.CreateSolution(ctx, catalog.SystemPrincipal("user:test"), store.SolutionInput{Solution: sol})
	refused("create with 1.9 MB partners", "partners", err)

	upd := before
	upd.Name = "Wohngeld \xff\xfe"
	_, err = s.UpdateSolution(ctx, catalog.SystemPrincipal("user:test"), before.Slug, store.SolutionInput{Solution: upd, OZGIDs: before.OZGIDs()})
	refused("update with invalid UTF-8 name", "name", err)
	upd = before
	upd.Costs = strings.Repeat("€", catalog.MaxCosts+1)
	_, err = s.UpdateSolution(ctx, catalog.SystemPrincipal("user:test"), before.Slug, store.SolutionInput{Solution: upd, OZGIDs: before.OZGIDs()})
	refused("update with long costs", "costs", err)

	org, err := s.OrganisationByKey(ctx, catalog.KindGemeinde, "010010000000")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateAccountRequest(ctx, catalog.AccountRequest{Name: "Eve", Email: "eve@example.de", PasswordHash: "x",
		OrganisationID: org.ID, Message: "Hallo \xc3", StatusHash: strings.Repeat("a", 64)})
	refused("account request with invalid UTF-8", "message", err)
	_, err = s.CreateAccountRequest(ctx, catalog.AccountRequest{Name: "Eve\x00", Email: "eve@example.de", PasswordHash: "x",
		OrganisationID: org.ID, StatusHash: strings.Repeat("b", 64)})
	refused("account request with NUL in the name", "name", err)

	if got := countEvents(t, s); got != start {
		t.Errorf("refused writes appended %d events", got-start)
	}
	after, err := s.SolutionBySlug(ctx, "wohngeld-online")
	if err != nil || after.Name != before.Name || after.Costs != before.Costs || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("solution changed: %+v %v", after, err)
	}
	if _, err := s.SolutionBySlug(ctx, "angriff"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("refused solution stored: %v", err)
	}
	if list, _ := s.AccountRequests(ctx, nil); len(list) != 0 {
		t.Errorf("refused requests stored: %d", len(list))
	}
}
