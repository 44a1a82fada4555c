package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
)

const (
	arsHofheim = "064360007007" // adopted elfe in the seed
	kreisKoeln = "05315"
)

// registerFigures are every count of the store that adoptions feed.
type registerFigures struct {
	Stats   store.Stats
	PerLand []store.LandCounts
	Reach   store.Reach
	Counts  map[uint]store.AdoptionCount
	InLand  map[string]map[string]bool
	BySlug  map[string]int
	ByKreis map[string]int64
}

func figuresOf(t *testing.T, s *store.Store, solutionIDs ...uint) registerFigures {
	t.Helper()
	ctx := context.Background()
	var f registerFigures
	var err error
	if f.Stats, err = s.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if f.PerLand, err = s.CountsPerLand(ctx); err != nil {
		t.Fatal(err)
	}
	if f.Reach, err = s.AdoptionReach(ctx); err != nil {
		t.Fatal(err)
	}
	if f.Counts, err = s.AdoptionCounts(ctx, solutionIDs); err != nil {
		t.Fatal(err)
	}
	if f.InLand, f.BySlug, err = s.AdoptionFacts(ctx); err != nil {
		t.Fatal(err)
	}
	if f.ByKreis, err = s.AdoptionCountsByKreis(ctx, "05"); err != nil {
		t.Fatal(err)
	}
	return f
}

func adoptionCount(t *testing.T, s *store.Store) int {
	t.Helper()
	all, err := s.AllAdoptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func input(slug string, kind catalog.OrgKind, key string, status catalog.AdoptionStatus) store.AdoptionInput {
	return store.AdoptionInput{SolutionSlug: slug, AdopterKind: kind, AdopterKey: key, Adoption: catalog.Adoption{Status: status}}
}

// TestAdoptionWritesNeedPermission: every exported adoption write checks the
// principal in the store. An editor of Flensburg writes for other Länder,
// Kreise and Gemeinden, deletes, confirms and bulk-loads: all refused, and
// nothing changes.
func TestAdoptionWritesNeedPermission(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	s := f.st
	flens := f.principal(t, "flens")
	hofheim, err := s.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, arsHofheim)
	if err != nil || len(hofheim) != 1 {
		t.Fatalf("seed adoption of Hofheim: %v %v", hofheim, err)
	}
	start, n := countEvents(t, s), adoptionCount(t, s)

	for _, in := range []store.AdoptionInput{
		input("elfe", catalog.KindLand, "05", catalog.AdoptionLive),
		input("elfe", catalog.KindKreis, kreisKoeln, catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, arsKoeln, catalog.AdoptionLive),
		input("elfe", catalog.KindLand, "01", catalog.AdoptionLive), // the editor's own Land: not theirs either
		input("elfe", catalog.KindGemeinde, arsHofheim, catalog.AdoptionEnded),
	} {
		if _, err := s.RegisterAdoption(ctx, flens, in); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("RegisterAdoption for %s:%s = %v, want forbidden", in.AdopterKind, in.AdopterKey, err)
		}
	}
	rows, applied, err := s.RegisterAdoptions(ctx, flens, []store.AdoptionInput{
		input("elfe", catalog.KindGemeinde, arsKoeln, catalog.AdoptionLive)}, store.ApplyValid)
	if err != nil || !applied || !errors.Is(rows[0].Err, catalog.ErrForbidden) || !strings.Contains(rows[0].Err.Error(), "Köln") {
		t.Errorf("batch row for Köln: %+v %v %v", rows, applied, err)
	}
	if err := s.DeleteAdoption(ctx, flens, hofheim[0].ID); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("delete Hofheim's adoption: %v", err)
	}
	if _, err := s.ConfirmAdoption(ctx, flens, hofheim[0].ID, catalog.ConfirmationDisputed); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("dispute as non-provider: %v", err)
	}
	if _, err := s.AnswerAdoptionClaim(ctx, flens, hofheim[0].ID, false); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("answer for Hofheim: %v", err)
	}
	sol, _ := s.SolutionBySlug(ctx, "elfe")
	koeln, _ := s.OrganisationByKey(ctx, catalog.KindGemeinde, arsKoeln)
	if err := s.InsertAdoptionsBulk(ctx, flens, []store.BulkAdoption{{Adoption: catalog.Adoption{SolutionID: sol.ID, OrganisationID: koeln.ID,
		Status: catalog.AdoptionLive}, SolutionSlug: "elfe", AdopterKey: "gemeinde:" + arsKoeln}}); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("bulk insert as editor: %v", err)
	}
	if got := countEvents(t, s); got != start {
		t.Errorf("refused writes appended %d events", got-start)
	}
	if got := adoptionCount(t, s); got != n {
		t.Errorf("adoptions %d, want %d", got, n)
	}
	if after, _ := s.AdoptionByID(ctx, hofheim[0].ID); after.Status != hofheim[0].Status || after.Confirmation != hofheim[0].Confirmation {
		t.Errorf("Hofheim's adoption changed: %+v", after)
	}

	// What the editor may: Flensburg's own adoption, and never with a
	// confirmation of its own making.
	own := input("elfe", catalog.KindGemeinde, arsFlensburg, catalog.AdoptionInterested)
	own.Adoption.Confirmation = catalog.ConfirmationConfirmed
	a, err := s.RegisterAdoption(ctx, flens, own)
	if err != nil || a.Confirmation != catalog.ConfirmationNone || a.RegisteredBy != flens.Actor() {
		t.Errorf("own adoption: %+v %v", a, err)
	}
	if err := s.DeleteAdoption(ctx, flens, a.ID); err != nil {
		t.Errorf("delete own adoption: %v", err)
	}
	// The coordinator of NW acts for Köln.
	if _, err := s.RegisterAdoption(ctx, f.principal(t, "koordNW"), input("elfe", catalog.KindGemeinde, arsKoeln, catalog.AdoptionLive)); err != nil {
		t.Errorf("coordinator NW for Köln: %v", err)
	}
}

// TestProviderClaims is the attack of issue 15, row 1 against the store: the
// provider's editor reported nine "in Betrieb" adoptions for other Länder,
// Kreise and Gemeinden (publiccode.yml usedBy). They are stored as claims,
// visible as such in the feed and to the adopter, count in no figure, never
// overwrite an adoption the adopter registered, and count once the adopter
// accepts.
func TestProviderClaims(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	s := f.st
	bremen, err := s.CreateUser(ctx, "test", store.NewUser{Name: "Bremen", Email: "hb@example.de", PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "04", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := s.Principal(ctx, bremen.ID)
	if err != nil {
		t.Fatal(err)
	}
	sol, err := s.SolutionBySlug(ctx, "elfe") // provided by Bremen
	if err != nil || sol.Provider == nil || sol.Provider.Key != "04" {
		t.Fatalf("elfe: %+v %v", sol.Provider, err)
	}
	before := figuresOf(t, s, sol.ID)
	hofheim, _ := s.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, arsHofheim)

	claims := []store.AdoptionInput{
		input("elfe", catalog.KindLand, "05", catalog.AdoptionLive),
		input("elfe", catalog.KindLand, "06", catalog.AdoptionLive),
		input("elfe", catalog.KindLand, "09", catalog.AdoptionLive),
		input("elfe", catalog.KindKreis, kreisKoeln, catalog.AdoptionLive),
		input("elfe", catalog.KindKreis, "05162", catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, arsKoeln, catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, arsFlensburg, catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, "051240000000", catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, "040110000000", catalog.AdoptionLive),
		input("elfe", catalog.KindGemeinde, arsHofheim, catalog.AdoptionEnded), // Hofheim registered it itself
	}
	// Not the provider: refused outright.
	rows, _, err := s.ClaimAdoptions(ctx, f.principal(t, "flens"), claims[:1], store.ApplyValid)
	if err != nil || !errors.Is(rows[0].Err, catalog.ErrForbidden) {
		t.Errorf("claim by a non-provider: %+v %v", rows, err)
	}
	rows, applied, err := s.ClaimAdoptions(ctx, provider, claims, store.ApplyValid)
	if err != nil || !applied {
		t.Fatal(applied, err)
	}
	for i, r := range rows[:9] {
		if r.Err != nil || r.Adoption.Confirmation != catalog.ConfirmationClaimed || r.Adoption.RegisteredBy != provider.Actor() {
			t.Errorf("claim %d: %+v", i, r)
		}
	}
	var ve *catalog.ValidationError
	if !errors.As(rows[9].Err, &ve) || !strings.Contains(ve.Fields["adopter"], "selbst eingetragen") {
		t.Errorf("claim over Hofheim's own adoption: %v", rows[9].Err)
	}
	if after, _ := s.AdoptionByID(ctx, hofheim[0].ID); after.Status != catalog.AdoptionLive || after.Confirmation != hofheim[0].Confirmation {
		t.Errorf("Hofheim's own adoption changed by the claim: %+v", after)
	}
	if diff := cmp.Diff(before, figuresOf(t, s, sol.ID)); diff != "" {
		t.Errorf("claims changed the register's figures (-before +after):\n%s", diff)
	}

	// The claim is a value in the feed, and waits on the adopter's page.
	koelnClaim := rows[5].Adoption
	a, _ := s.AdoptionByID(ctx, koelnClaim.ID)
	raw, _ := json.Marshal(feed.NewAdoption(a, "elfe", *a.Organisation))
	if !strings.Contains(string(raw), `"providerConfirmation":"claimed"`) {
		t.Errorf("feed record %s", raw)
	}
	if catalog.ConfirmationClaimed.Label() != "vom Anbieter gemeldet" {
		t.Errorf("label %q", catalog.ConfirmationClaimed.Label())
	}
	waiting, err := s.PendingAdoptionClaims(ctx, catalog.KindGemeinde, arsKoeln)
	if err != nil || len(waiting) != 1 || waiting[0].ID != koelnClaim.ID || waiting[0].Solution == nil {
		t.Errorf("Köln's waiting claims: %+v %v", waiting, err)
	}

	// The provider cannot confirm its own claim; nobody else answers it.
	if _, err := s.ConfirmAdoption(ctx, provider, koelnClaim.ID, catalog.ConfirmationConfirmed); !errors.As(err, &ve) {
		t.Errorf("provider confirms its claim: %v", err)
	}
	if _, err := s.AnswerAdoptionClaim(ctx, provider, koelnClaim.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("provider accepts its own claim: %v", err)
	}
	if _, err := s.AnswerAdoptionClaim(ctx, f.principal(t, "koordSH"), koelnClaim.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("SH coordinator accepts Köln's claim: %v", err)
	}
	if diff := cmp.Diff(before, figuresOf(t, s, sol.ID)); diff != "" {
		t.Errorf("refused answers changed the figures:\n%s", diff)
	}

	// Köln accepts: it counts, confirmed by both sides.
	accepted, err := s.AnswerAdoptionClaim(ctx, f.principal(t, "koeln"), koelnClaim.ID, true)
	if err != nil || accepted.Confirmation != catalog.ConfirmationConfirmed {
		t.Fatalf("Köln accepts: %+v %v", accepted, err)
	}
	if _, err := s.AnswerAdoptionClaim(ctx, f.principal(t, "koeln"), koelnClaim.ID, true); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("answering twice: %v", err)
	}
	now := figuresOf(t, s, sol.ID)
	if now.Stats.Adoptions != before.Stats.Adoptions+1 || now.Counts[sol.ID].Live != before.Counts[sol.ID].Live+1 || now.BySlug["elfe"] != before.BySlug["elfe"]+1 {
		t.Errorf("after Köln accepted: %+v, before %+v", now.Counts[sol.ID], before.Counts[sol.ID])
	}
	// Flensburg rejects: the claim is gone.
	if _, err := s.AnswerAdoptionClaim(ctx, f.principal(t, "flens"), rows[6].Adoption.ID, false); err != nil {
		t.Errorf("Flensburg rejects: %v", err)
	}
	if _, err := s.AdoptionByID(ctx, rows[6].Adoption.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("rejected claim still there: %v", err)
	}
	// The NW coordinator registers the Land's adoption over the claim: it becomes NW's own.
	own, err := s.RegisterAdoption(ctx, f.principal(t, "koordNW"), input("elfe", catalog.KindLand, "05", catalog.AdoptionLive))
	if err != nil || own.Claimed() || own.Confirmation != catalog.ConfirmationConfirmed || own.ID != rows[0].Adoption.ID {
		t.Errorf("NW registers over the claim: %+v %v", own, err)
	}
	// The provider withdraws a claim.
	if err := s.DeleteAdoption(ctx, provider, rows[1].Adoption.ID); err != nil {
		t.Errorf("provider withdraws its claim: %v", err)
	}
	// ... but cannot delete an adoption that is the adopter's.
	if err := s.DeleteAdoption(ctx, provider, own.ID); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("provider deletes NW's adoption: %v", err)
	}
}
