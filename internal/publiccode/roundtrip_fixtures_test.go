package publiccode_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store/storetest"
)

// storedView is what the register stores of an imported file: the mapped
// solution fields, the publiccode.yml data, the OZG-Leistungen and the release.
type storedView struct {
	Name, Summary, Description, Licence, RepositoryURL, AccessURL, ContactEmail string
	Status                                                                      catalog.SolutionStatus
	Publiccode                                                                  *catalog.PubliccodeData
	OZGIDs                                                                      []string
	Release                                                                     *catalog.Release
}

func storedOf(sol catalog.Solution, ozg []string, rel *catalog.Release) storedView {
	return storedView{Name: sol.Name, Summary: sol.Summary, Description: sol.Description, Licence: sol.Licence,
		RepositoryURL: sol.RepositoryURL, AccessURL: sol.AccessURL, ContactEmail: sol.ContactEmail, Status: sol.Status,
		Publiccode: sol.Publiccode, OZGIDs: ozg, Release: rel}
}

// TestRoundTripFixtures imports files in German, English and Italian (and
// several languages at once), saves them, exports the saved solutions and
// imports the exports: nothing the register stored is lost. The standard
// export carries everything but the OZG-Leistungen, which only the German
// variant can say.
func TestRoundTripFixtures(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	files := []string{"full.yml", "german.yml", "minimal.yml"}
	for _, n := range []string{"base-de", "english-only", "italian-0.2", "languages-de-en-GB-fr", "maintenance-contract",
		"maintenance-none", "depends-on-0.4", "documentation-logo", "license-expression", "url-git", "version-0.7"} {
		files = append(files, filepath.Join("conformance", "valid", n+".yml"))
	}
	p := catalog.SystemPrincipal("test")
	for i, file := range files {
		t.Run(file, func(t *testing.T) {
			d, err := publiccode.Import(ctx, fixture(t, file), st)
			if err != nil {
				t.Fatal(err)
			}
			d.Solution.Slug = fmt.Sprintf("rundlauf-%d", i)
			res, err := publiccode.Save(ctx, st, p, d, catalog.KindLand, "01", nil)
			if err != nil {
				t.Fatal(err)
			}
			saved, err := st.SolutionBySlug(ctx, res.Solution.Slug)
			if err != nil {
				t.Fatal(err)
			}
			var rel *catalog.Release
			if rels, _ := st.Releases(ctx, saved.Slug); len(rels) > 0 {
				rel = &catalog.Release{Version: rels[0].Version, Date: rels[0].Date}
			}
			if (rel == nil) != (d.Release == nil) {
				t.Errorf("release of the file %+v, stored %+v", d.Release, rel)
			}
			want := storedOf(saved, saved.OZGIDs(), rel)
			for _, german := range []bool{true, false} {
				out, err := publiccode.ExportSolution(ctx, st, saved.Slug, "", german)
				if err != nil {
					t.Fatal(err)
				}
				again, err := publiccode.Import(ctx, out, st)
				if err != nil {
					t.Fatalf("import of the export: %v\n%s", err, out)
				}
				got := storedOf(again.Solution, again.OZGIDs, again.Release)
				w := want
				if !german {
					w.OZGIDs = nil
				}
				if len(w.OZGIDs) == 0 {
					w.OZGIDs = nil
				}
				if diff := cmp.Diff(w, got); diff != "" {
					t.Errorf("German section %v: round trip (-stored +imported again):\n%s\n%s", german, diff, out)
				}
			}
		})
	}
}
