package publiccode_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// roundTripView is what an export must carry so that importing it gives
// the same solution: every field the mapping covers, the OZG-Leistungen
// and the live adopters.
type roundTripView struct {
	Name, Summary, Description, Licence, RepositoryURL, AccessURL, ContactEmail string
	Status                                                                      catalog.SolutionStatus
	OZGIDs, Adopters                                                            []string
}

func viewOf(sol catalog.Solution, ozg []string, adopters []string) roundTripView {
	ozg = append([]string(nil), ozg...)
	sort.Strings(ozg)
	sort.Strings(adopters)
	return roundTripView{Name: sol.Name, Summary: sol.Summary, Description: sol.Description, Licence: sol.Licence,
		RepositoryURL: sol.RepositoryURL, AccessURL: sol.AccessURL, ContactEmail: sol.ContactEmail, Status: sol.Status,
		OZGIDs: ozg, Adopters: adopters}
}

func liveAdopters(t *testing.T, st *store.Store, slug string) []string {
	t.Helper()
	list, err := st.AdoptionsBySolution(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		if a.Status == catalog.AdoptionLive {
			out = append(out, string(a.Organisation.Kind)+":"+a.Organisation.Key)
		}
	}
	return out
}

// TestRoundTrip exports every seeded solution (and one with every mapped
// field filled) and imports the export again: the result is the same solution.
func TestRoundTrip(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	// Fill every mapped field of one solution, and make another one's status unknown.
	sol, err := st.SolutionBySlug(ctx, "wohngeld-online")
	if err != nil {
		t.Fatal(err)
	}
	in := store.SolutionInput{Solution: sol, ProviderKind: sol.Provider.Kind, ProviderKey: sol.Provider.Key, OZGIDs: append(sol.OZGIDs(), "10110")}
	in.Solution.Summary = "Wohngeld online beantragen: Mietzuschuss & Lastenzuschuss"
	in.Solution.Description = "Zeile eins: mit Doppelpunkt.\n\n- Aufzählung\n- „Anführungszeichen“ und 'Apostroph'\n# keine Überschrift"
	in.Solution.Licence = "EUPL-1.2"
	in.Solution.RepositoryURL = "https://gitlab.opencode.de/ozg/wohngeld.git"
	in.Solution.AccessURL = "https://wohngeld.example/antrag?land=nw#start"
	in.Solution.ContactEmail = "wohngeld@mhkbd.nrw.example"
	if _, err := st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), sol.Slug, in); err != nil {
		t.Fatal(err)
	}
	// A Kreis and a Land as adopters, and one adopter whose claim the provider disputed.
	for _, r := range []struct {
		kind catalog.OrgKind
		key  string
	}{{catalog.KindKreis, "01051"}, {catalog.KindLand, "02"}, {catalog.KindGemeinde, "084355007059"}} {
		if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: sol.Slug, AdopterKind: r.kind, AdopterKey: r.key,
			Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := st.SolutionBySlug(ctx, "i-kfz")
	other.Status = catalog.SolutionUnknown
	if _, err := st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), other.Slug, store.SolutionInput{Solution: other, ProviderKind: other.Provider.Kind,
		ProviderKey: other.Provider.Key, OZGIDs: other.OZGIDs()}); err != nil {
		t.Fatal(err)
	}

	all, err := st.AllSolutions(ctx)
	if err != nil || len(all) < 40 {
		t.Fatalf("solutions: %d %v", len(all), err)
	}
	im := publiccode.NewImporter(st)
	for _, sol := range all {
		out, err := publiccode.ExportSolution(ctx, st, sol.Slug, "https://efa.example/loesungen/"+sol.Slug, true)
		if err != nil {
			t.Fatalf("export %s: %v", sol.Slug, err)
		}
		d, err := im.Import(ctx, out)
		if err != nil {
			t.Fatalf("import export of %s: %v\n%s", sol.Slug, err, out)
		}
		var matched []string
		for _, a := range d.Adopters {
			if a.Match == nil {
				t.Errorf("%s: usedBy %q not matched (%d candidates)", sol.Slug, a.Name, len(a.Candidates))
				continue
			}
			matched = append(matched, string(a.Match.Kind)+":"+a.Match.Key)
		}
		want := viewOf(sol, sol.OZGIDs(), liveAdopters(t, st, sol.Slug))
		if diff := cmp.Diff(want, viewOf(d.Solution, d.OZGIDs, matched)); diff != "" {
			t.Errorf("%s: round trip (-export +import):\n%s\n%s", sol.Slug, diff, out)
		}
		// The export passes the validation the import applies; what it
		// warns about are the gaps the export names in its comment.
		for _, w := range d.Warnings {
			if !strings.HasPrefix(w.Message, "Pflichtangabe des Standards fehlt") && !strings.Contains(w.Message, "der Standard verlangt mindestens") {
				t.Errorf("%s: import of the export warns: %s", sol.Slug, w)
			}
			if strings.HasPrefix(w.Message, "Pflichtangabe") && !strings.HasPrefix(w.Path, "description") && !strings.Contains(string(out), "#   "+w.Path+": ") {
				t.Errorf("%s: the import misses %s, the export's comment does not name it:\n%s", sol.Slug, w.Path, out)
			}
		}
	}

	// The filled solution's export is a well-formed publiccode.yml.
	out, err := publiccode.ExportSolution(ctx, st, "wohngeld-online", "https://efa.example/loesungen/wohngeld-online", true)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"publiccodeYmlVersion": "0", "developmentStatus": "beta", "softwareType": nil,
		"platforms": nil, "categories": nil, "url": "https://gitlab.opencode.de/ozg/wohngeld.git"} {
		if doc[key] != want {
			t.Errorf("%s = %v, want %v", key, doc[key], want)
		}
	}
	text := string(out)
	for _, want := range []string{"# Quelle: https://efa.example/loesungen/wohngeld-online", "leika-id: \"99107023000000\"",
		"ozg-id: \"10092\"", "themenfeld: Arbeit & Ruhestand", "- Kreis Dithmarschen", "- Hamburg", "- Überlingen, Stadt",
		"OZG-Leistung 10092: Wohngeld", "#   maintenance.type: ", "#   platforms: ", "#   softwareType: "} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q:\n%s", want, text)
		}
	}
	// A disputed claim is no testimonial.
	list, _ := st.AdoptionsBySolution(ctx, "wohngeld-online")
	for _, a := range list {
		if a.Organisation.Key == "084355007059" {
			if _, err := st.ConfirmAdoption(ctx, catalog.SystemPrincipal("test"), a.ID, catalog.ConfirmationDisputed); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, _ = publiccode.ExportSolution(ctx, st, "wohngeld-online", "", true)
	if strings.Contains(string(out), "Überlingen") {
		t.Errorf("disputed adopter exported:\n%s", out)
	}
}

func TestMatcher(t *testing.T) {
	st := storetest.Seeded(t)
	orgs, err := st.AllOrganisations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := publiccode.NewMatcher(orgs)
	for _, tc := range []struct{ name, want string }{
		{"Hamburg", "land:02"},
		{"Freie und Hansestadt Hamburg", "land:02"},
		{"Stadt Hamburg", "gemeinde:020000000000"},
		{"Bremen, Stadt", "gemeinde:040110000000"},
		{"Bremen", "land:04"},
		{"Überlingen", "gemeinde:084355007059"},
		{"stadt überlingen", "gemeinde:084355007059"},
		{"Kreis Dithmarschen", "kreis:01051"},
		{"Dithmarschen", "kreis:01051"},
		{"Landkreis Wuppertal, Stadt", "kreis:05124"},
		{"Wuppertal", "gemeinde:051240000000"},
		{"Freistaat Bayern", "land:09"},
		{"Bund", "bund:DE"},
		{"Berg", "?5"}, // five Gemeinden named Berg
		{"Lehe", "?2"}, // in Dithmarschen and in Emsland
		{"Atlantis", "?0"},
		{"", "?0"},
	} {
		got, cands := m.Match(tc.name)
		var s string
		if got != nil {
			s = string(got.Kind) + ":" + got.Key
		} else {
			exact := 0
			for _, c := range cands {
				if h, _, _ := strings.Cut(c.Name, ","); publiccode.Fold(h) == publiccode.Fold(tc.name) {
					exact++
				}
			}
			s = "?" + string(rune('0'+exact))
		}
		if s != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.name, s, tc.want)
		}
	}
}

func TestFunctionMailbox(t *testing.T) {
	for _, tc := range []struct {
		email, name string
		want        bool
	}{
		{"ozg@land.example", "", true},
		{"wohngeld-ozg@sh.example", "Max Beispiel", true},
		{"buergerservice@stadt.example", "", true},
		{"wohngeld@land.example", "Erika Mustermann", true},
		{"abfall@kommune.example", "Team Abfall", true},
		{"erika.mustermann@land.example", "Erika Mustermann", false},
		{"emustermann@land.example", "Erika Mustermann", false},
		{"max.postmann@land.example", "", false},
		{"m.mustermann@land.example", "", false},
		{"mustermann@land.example", "Erika Mustermann", false},
		{"kein-at-zeichen", "", false},
	} {
		if got := publiccode.FunctionMailbox(tc.email, tc.name); got != tc.want {
			t.Errorf("FunctionMailbox(%q, %q) = %v, want %v", tc.email, tc.name, got, tc.want)
		}
	}
}

func TestParseLimitsAndDuplicates(t *testing.T) {
	big := append([]byte("publiccodeYmlVersion: \"0.4\"\nname: x\n# "), make([]byte, publiccode.MaxFileBytes)...)
	if _, _, err := publiccode.Parse(big); err == nil || !strings.Contains(err.Error(), "größer als 512 KiB") {
		t.Errorf("big file: %v", err)
	}
	dup := "publiccodeYmlVersion: \"0.4\"\nname: A\nname: B\n"
	_, _, err := publiccode.Parse([]byte(dup))
	if err == nil || !strings.Contains(err.Error(), "Zeile 3, name: Der Schlüssel kommt mehrfach vor.") {
		t.Errorf("duplicate key: %v", err)
	}
	for v, want := range map[string]string{"1.0": "gibt es im Standard noch nicht", "1": "gibt es im Standard noch nicht", "abc": "wird nicht unterstützt"} {
		_, _, err := publiccode.Parse([]byte("publiccodeYmlVersion: \"" + v + "\"\nname: A\n"))
		if err == nil || !strings.Contains(err.Error(), "Zeile 1, publiccodeYmlVersion: Version „"+v+"“ "+want) {
			t.Errorf("version %s: %v", v, err)
		}
	}
	for _, doc := range []string{"", "- a\n- b\n", "just text"} {
		if _, _, err := publiccode.Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%q) accepted", doc)
		}
	}
	// Aliases are followed (and a BOM is skipped).
	f, _, err := publiccode.Parse([]byte("\ufeffpubliccodeYmlVersion: \"0.3\"\nname: &n Wohngeld\ndescription:\n  de:\n    localisedName: *n\n"))
	if err != nil || f.Descriptions[0].LocalisedName != "Wohngeld" {
		t.Errorf("alias: %+v %v", f, err)
	}
}
