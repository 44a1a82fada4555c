package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
)

// A database of an earlier release has no publiccode column: opening it
// adds the column, and the publiccode.yml data of a solution is stored,
// kept by a write that does not name it, and replaced by one that does.
func TestPubliccodeDataColumnAndWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "efa.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.w.Exec("ALTER TABLE solutions DROP COLUMN publiccode").Error; err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.w.Migrator().HasColumn(&catalog.Solution{}, "Publiccode") {
		t.Fatal("the publiccode column was not added")
	}

	p := catalog.SystemPrincipal("test")
	ready := true
	meta := &catalog.PubliccodeData{TextLang: "en", Platforms: []string{"web"}, LocalisationReady: &ready,
		Descriptions: []catalog.PubliccodeDescription{{Lang: "en", Features: []string{"Apply online"}}, {Lang: "it", ShortDescription: "Domanda online"}}}
	sol := catalog.Solution{Slug: "bauantrag", Name: "Bauantrag", Status: catalog.SolutionLive, Verified: catalog.VerifiedPartial, Publiccode: meta}
	if _, err := s.CreateSolution(ctx, p, SolutionInput{Solution: sol}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SolutionBySlug(ctx, "bauantrag")
	if err != nil || !cmp.Equal(got.Publiccode, meta) {
		t.Fatalf("stored publiccode data: %v\n%s", err, cmp.Diff(meta, got.Publiccode))
	}
	// The form and the JSON API know nothing of it: their update keeps it.
	edit := got
	edit.Publiccode, edit.Summary = nil, "Bauanträge online"
	if _, err := s.UpdateSolution(ctx, p, "bauantrag", SolutionInput{Solution: edit}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.SolutionBySlug(ctx, "bauantrag"); !cmp.Equal(got.Publiccode, meta) || got.Summary != "Bauanträge online" {
		t.Errorf("an update without publiccode data lost it: %+v", got.Publiccode)
	}
	// A publiccode.yml update replaces it, and the event says so.
	head, _ := s.LastEventSeq(ctx)
	edit.Publiccode = &catalog.PubliccodeData{TextLang: "de", SoftwareType: "standalone/web"}
	if _, err := s.UpdateSolution(ctx, p, "bauantrag", SolutionInput{Solution: edit}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.SolutionBySlug(ctx, "bauantrag"); got.Publiccode == nil || got.Publiccode.SoftwareType != "standalone/web" || got.Publiccode.Platforms != nil {
		t.Errorf("replaced publiccode data: %+v", got.Publiccode)
	}
	evs, err := s.Events(ctx, head, 10)
	if err != nil || len(evs) != 1 || !strings.Contains(string(evs[0].Changes), `"publiccode"`) {
		t.Errorf("events of the publiccode update: %v %+v", err, evs)
	}
}
