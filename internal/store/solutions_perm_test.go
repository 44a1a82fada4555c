package store_test

import (
	"context"
	"errors"
	"testing"

	"efa-register/internal/catalog"
)

// Solution writes check the permission in the store, whatever the caller:
// only who acts for the provider creates, changes or deletes a solution,
// and nobody hands a solution to a provider they do not act for.
func TestSolutionWritesCheckThePrincipal(t *testing.T) {
	ctx := context.Background()
	f := newUserFixture(t)
	s := f.st
	sh, nw, flens := f.principal(t, "koordSH"), f.principal(t, "koordNW"), f.principal(t, "flens")

	in := newSolution("sh-eigene-loesung")
	in.ProviderKey = "01"
	for name, p := range map[string]catalog.Principal{"coordinator NW": nw, "Gemeinde editor": flens, "anonymous": {}} {
		if _, err := s.CreateSolution(ctx, p, in); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("%s creates a solution of Land SH: %v, want ErrForbidden", name, err)
		}
	}
	if _, err := s.SolutionBySlug(ctx, in.Solution.Slug); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("refused create stored the solution: %v", err)
	}
	if _, err := s.CreateSolution(ctx, sh, in); err != nil {
		t.Fatalf("coordinator SH creates for SH: %v", err)
	}

	// Another Land changes or deletes it: refused, nothing changed.
	changed := in
	changed.Solution.Name = "Übernommen"
	if _, err := s.UpdateSolution(ctx, nw, in.Solution.Slug, changed); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator NW updates SH's solution: %v", err)
	}
	if err := s.DeleteSolution(ctx, nw, in.Solution.Slug); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator NW deletes SH's solution: %v", err)
	}
	// Its own provider may not hand it to another Land.
	moved := in
	moved.ProviderKey = "05"
	if _, err := s.UpdateSolution(ctx, sh, in.Solution.Slug, moved); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator SH moves the solution to NW: %v", err)
	}
	got, err := s.SolutionBySlug(ctx, in.Solution.Slug)
	if err != nil || got.Name != in.Solution.Name || got.Provider == nil || got.Provider.Key != "01" {
		t.Fatalf("after refused writes: %+v %v", got, err)
	}
	if _, err := s.UpdateSolution(ctx, sh, in.Solution.Slug, changed); err != nil {
		t.Errorf("coordinator SH updates its own solution: %v", err)
	}
	if err := s.DeleteSolution(ctx, sh, in.Solution.Slug); err != nil {
		t.Errorf("coordinator SH deletes its own solution: %v", err)
	}
}
