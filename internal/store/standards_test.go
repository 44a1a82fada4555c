package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// Only members of an organisation change its environment; admins, the
// coordinators of its Land and other Gemeinden's editors are refused by the
// store itself, whatever the caller.
func TestEnvironmentOnlyMembersWrite(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	s := f.st
	flensburg, err := s.OrganisationByKey(ctx, catalog.KindGemeinde, arsFlensburg)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"admin1", "koordSH", "koeln", "nobody"} {
		if err := s.SetEnvironment(ctx, f.principal(t, who), flensburg, []string{"epaybl"}); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("%s sets Flensburg's environment: %v, want ErrForbidden", who, err)
		}
	}
	if err := s.SetEnvironment(ctx, catalog.Principal{}, flensburg, []string{"epaybl"}); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("anonymous sets Flensburg's environment: %v", err)
	}
	if keys, _ := s.EnvironmentOf(ctx, flensburg.ID); len(keys) != 0 {
		t.Fatalf("refused writes stored %v", keys)
	}
	if err := s.SetEnvironment(ctx, f.principal(t, "flens"), flensburg, []string{"pmpayment", "bundid", "pmpayment"}); err != nil {
		t.Fatalf("member sets its environment: %v", err)
	}
	if keys, _ := s.EnvironmentOf(ctx, flensburg.ID); !slices.Equal(keys, []string{"bundid", "pmpayment"}) {
		t.Errorf("environment = %v", keys)
	}
	var ve *catalog.ValidationError
	if err := s.SetEnvironment(ctx, f.principal(t, "flens"), flensburg, []string{"xunbekannt"}); !errors.As(err, &ve) || ve.Fields["standards"] == "" {
		t.Errorf("unknown standard: %v, want a validation error on standards", err)
	}
	evs, err := s.EventsFor(ctx, catalog.EntityEnvironment, "gemeinde:"+arsFlensburg, 10)
	if err != nil || len(evs) != 1 {
		t.Errorf("environment events = %d (%v), want 1", len(evs), err)
	}
}

// The Kreis's entries are the Gemeinde's defaults; the fit of every profiled
// solution follows from them.
func TestEffectiveEnvironmentAndFits(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	sys := catalog.SystemPrincipal("test")
	flensburg, err := s.OrganisationByKey(ctx, catalog.KindGemeinde, arsFlensburg)
	if err != nil {
		t.Fatal(err)
	}
	land, err := s.OrganisationByKey(ctx, catalog.KindLand, flensburg.LandKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetEnvironment(ctx, sys, land, []string{"epaybl", "betrieb-zentral"}); err != nil {
		t.Fatal(err)
	}
	in := newSolution("passt-test")
	in.Solution.StandardsProfile = catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeRequires}, {Standard: "betrieb-zentral", Mode: catalog.ModeImplements}}
	if _, err := s.CreateSolution(ctx, sys, in); err != nil {
		t.Fatal(err)
	}
	env, err := s.EffectiveEnvironment(ctx, flensburg)
	if err != nil {
		t.Fatal(err)
	}
	if d := env["payment"]; d.From == nil || d.From.Kind != catalog.KindLand {
		t.Errorf("payment = %+v, want inherited from the Land", d)
	}
	fits, err := s.FitsBySlug(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if fits["passt-test"] != catalog.FitYes {
		t.Errorf("fit of passt-test = %q, want fits", fits["passt-test"])
	}
	if _, ok := fits["elfe"]; ok {
		t.Error("a solution without profile has a fit result")
	}
	bad := newSolution("profil-falsch")
	bad.Solution.StandardsProfile = catalog.Profile{{Standard: "xgibtsnicht", Mode: catalog.ModeRequires}}
	var ve *catalog.ValidationError
	if _, err := s.CreateSolution(ctx, sys, bad); !errors.As(err, &ve) || ve.Fields["standardsProfile"] == "" {
		t.Errorf("unknown standard in a profile: %v", err)
	}
}

// The seed gives a profile only to the solutions whose sources state one.
func TestSeedProfilesFromSources(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	with, total, err := s.ProfileCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if with != 3 || total != 50 {
		t.Errorf("profiles %d of %d, want 3 of 50", with, total)
	}
	sol, err := s.SolutionBySlug(ctx, "digitaler-einbuergerungsantrag")
	if err != nil {
		t.Fatal(err)
	}
	if sol.StandardsProfile.Mode("epaybl") != catalog.ModeImplements || sol.StandardsProfile.Mode("osci-transport") != catalog.ModeImplements {
		t.Errorf("profile = %+v", sol.StandardsProfile)
	}
	if store.Vocabulary().Label("xpersonenstand") != "XPersonenstand 1.7.4" {
		t.Errorf("label = %q", store.Vocabulary().Label("xpersonenstand"))
	}
}
