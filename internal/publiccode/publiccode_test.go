package publiccode_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store/storetest"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// issueKeys renders issues as "line path" for comparison.
func issueKeys(list []publiccode.Issue) []string {
	out := make([]string, len(list))
	for i, is := range list {
		out[i] = strings.TrimSpace(strings.Join([]string{itoa(is.Line), is.Path}, " "))
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// adopterRef is an adopter as "name -> kind:key" (or "?" when unmatched, "n?" for n candidates).
func adopterRefs(list []publiccode.Adopter) []string {
	var out []string
	for _, a := range list {
		switch {
		case a.Match != nil:
			out = append(out, a.Name+" -> "+string(a.Match.Kind)+":"+a.Match.Key+" "+string(a.Status))
		case len(a.Candidates) > 0:
			out = append(out, a.Name+" -> mehrdeutig")
		default:
			out = append(out, a.Name+" -> ?")
		}
	}
	return out
}

func TestImportFixtures(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	type want struct {
		solution catalog.Solution
		sources  map[string]string
		ozg      []string
		adopters []string
		warnings []string
		unknown  []string
	}
	cases := []struct {
		file string
		want *want
		// errs are the expected errors as "line path"; nil when the import succeeds.
		errs []string
		// messages must appear in the error or warning texts.
		messages []string
	}{
		{file: "minimal.yml", want: &want{
			solution: catalog.Solution{Name: "Medusa", Slug: "medusa", Summary: "A rather short description which is probably useless",
				Description: "Very long description of this software, also split on multiple rows. You should note what the software is and why one should need it.",
				Status:      catalog.SolutionPlanned, Licence: "AGPL-3.0-or-later", RepositoryURL: "https://example.com/italia/medusa.git"},
			sources: map[string]string{"name": "name", "summary": "description.en.shortDescription", "description": "description.en.longDescription",
				"status": "developmentStatus", "licence": "legal.license", "repositoryUrl": "url"},
			warnings: []string{"13 description.en", "17 description.en.longDescription", "28 maintenance.contacts[0]"},
		}, messages: []string{"Keine deutsche Beschreibung; übernommen wird die Sprache „en“.", "133 Zeichen lang; der Standard verlangt mindestens 150"}},
		{file: "full.yml", want: &want{
			solution: catalog.Solution{Name: "Wohngeld digital beantragen", Slug: "wohngeld-digital-beantragen",
				Summary:     "Wohngeld online beantragen, Änderungen melden und Nachweise hochladen.",
				Description: "Der Onlinedienst führt Bürgerinnen und Bürger Schritt für Schritt durch den\nAntrag auf Wohngeld (Mietzuschuss und Lastenzuschuss).\n\nDie Anträge gehen über FIT-Connect an die zuständige Wohngeldbehörde.",
				Status:      catalog.SolutionLive, Licence: "EUPL-1.2", RepositoryURL: "https://gitlab.opencode.de/ozg-sh/wohngeld-antrag.git",
				AccessURL: "https://www.schleswig-holstein.de/wohngeld-online", ContactEmail: "wohngeld-ozg@sh.example"},
			sources: map[string]string{"name": "description.de.localisedName", "summary": "description.de.shortDescription",
				"description": "description.de.longDescription", "status": "developmentStatus", "licence": "legal.license",
				"repositoryUrl": "url", "accessUrl": "landingURL", "contactEmail": "maintenance.contacts[1].email"},
			ozg: []string{"10092"},
			adopters: []string{"Land Schleswig-Holstein -> land:01 live", "Stadt Kiel -> gemeinde:010020000000 live",
				"Kreis Dithmarschen -> kreis:01051 live", "Flensburg, Stadt -> gemeinde:010010000000 live", "Neustadt -> mehrdeutig",
				"Stadtverwaltung Atlantis -> ?"},
			warnings: []string{"21 usedBy[4]", "22 usedBy[5]", "34 description.en.longDescription", "63 maintenance.contacts[0].email", "65 maintenance.contacts[1].name"},
		}, messages: []string{"persönlichen Postfach", "„Neustadt“ passt zu mehreren Organisationen"}},
		{file: "german.yml", want: &want{
			solution: catalog.Solution{Name: "Abfallportal", Slug: "abfallportal", Summary: "Abfallbehälter an- und abmelden.",
				Description: "Das Portal meldet Abfallbehälter an und ab und berechnet die Gebühren.", Status: catalog.SolutionPilot,
				Licence: "MIT OR Apache-2.0", RepositoryURL: "https://gitlab.opencode.de/kommune/abfallportal", ContactEmail: "abfall@kommune.example"},
			sources: map[string]string{"name": "name", "summary": "description.de.shortDescription", "description": "description.de.longDescription",
				"status": "developmentStatus", "licence": "legal.license", "repositoryUrl": "url", "contactEmail": "maintenance.contacts[0].email"},
			ozg:      []string{"10110", "10092", "10127"},
			adopters: []string{"Stadt Kiel -> gemeinde:010020000000 live"},
			warnings: []string{"- localisation.localisationReady", "- localisation.availableLanguages", "6 platforms",
				"12 description.de.longDescription", "22 usedBy", "29 de.leika[1].leika-id", "31 de.leika[2].ozg-id", "32 de.leika[3].ozg-id", "34 de.leika[4]"},
		}, messages: []string{"gehört laut Katalog zu OZG-ID 10110, nicht zu 10092", "ist ein LeiKa-Schlüssel, keine OZG-ID",
			"Die OZG-ID 99999 gibt es im OZG-Katalog des Registers nicht", "weder „ozg-id“ noch „leika-id“"}},
		// Unknown keys are warnings; a description language that is no
		// BCP 47 tag and a licence that is no SPDX expression are errors,
		// because the register would store them.
		{file: "unknown-keys.yml", errs: []string{"18 description.???", "21 legal.license"},
			messages: []string{"nmae: Unbekannter Schlüssel; er wird ignoriert.", "„proprietär“ ist kein SPDX-Lizenzausdruck",
				"„???“ ist kein Sprachkürzel nach BCP 47"}},
		{file: "broken.yml", errs: []string{"5"}, messages: []string{"Die Datei ist kein gültiges YAML"}},
		{file: "wrong-types.yml", errs: []string{"3 name", "6 url", "9 usedBy", "10 description", "12 maintenance.contacts", "14 DE.leika"},
			messages: []string{"Erwartet wird ein Text, gefunden wurde eine Liste.", "Erwartet wird ein Text, gefunden wurde ein Abschnitt mit Schlüsseln.",
				"Erwartet wird eine Liste, gefunden wurde ein Abschnitt mit Schlüsseln.",
				"Erwartet wird ein Abschnitt mit Schlüsseln, gefunden wurde ein einzelner Wert.",
				"Erwartet wird eine Liste von Kontakten", "Erwartet wird eine Liste von LeiKa-Einträgen"}},
		{file: "not-publiccode.yml", errs: []string{"- publiccodeYmlVersion", "- name"},
			messages: []string{"ohne ihn ist die Datei keine publiccode.yml", "stages: Unbekannter Schlüssel"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			d, err := publiccode.Import(ctx, fixture(t, tc.file), st)
			var texts []string
			if tc.errs != nil {
				var pe *publiccode.Error
				if !errors.As(err, &pe) {
					t.Fatalf("Import = %v, want *publiccode.Error", err)
				}
				if diff := cmp.Diff(tc.errs, issueKeys(pe.Issues)); diff != "" {
					t.Errorf("errors (-want +got):\n%s\n%s", diff, pe.Error())
				}
				for _, is := range append(pe.Issues, pe.Warnings...) {
					texts = append(texts, is.String())
				}
			} else {
				if err != nil {
					t.Fatalf("Import: %v", err)
				}
				w := tc.want
				got := d.Solution
				got.Verified, got.VerifiedNote, got.Source, got.Publiccode = "", "", "", nil
				if diff := cmp.Diff(w.solution, got); diff != "" {
					t.Errorf("solution (-want +got):\n%s", diff)
				}
				if d.Solution.Verified != catalog.VerifiedPartial || !strings.HasPrefix(d.Solution.Source, "publiccode.yml") {
					t.Errorf("verified %q source %q: an import is a self-declaration", d.Solution.Verified, d.Solution.Source)
				}
				if diff := cmp.Diff(w.sources, d.Sources); diff != "" {
					t.Errorf("sources (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.ozg, d.OZGIDs); diff != "" {
					t.Errorf("OZG-IDs (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.adopters, adopterRefs(d.Adopters)); diff != "" {
					t.Errorf("adopters (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(w.warnings, issueKeys(d.Warnings)); diff != "" {
					t.Errorf("warnings (-want +got):\n%s\n%v", diff, d.Warnings)
				}
				var unknown []string
				for _, u := range d.Unknown {
					unknown = append(unknown, u.Path)
				}
				if diff := cmp.Diff(w.unknown, unknown); diff != "" {
					t.Errorf("unknown keys (-want +got):\n%s", diff)
				}
				for _, is := range d.Warnings {
					texts = append(texts, is.String())
				}
			}
			all := strings.Join(texts, "\n")
			// Personal data of the contacts never reaches a message.
			for _, personal := range []string{"Erika", "Mustermann", "erika.mustermann", "Francesco", "Max Beispiel"} {
				if strings.Contains(all, personal) {
					t.Errorf("messages name a person (%q):\n%s", personal, all)
				}
			}
			for _, m := range tc.messages {
				if !strings.Contains(all, m) {
					t.Errorf("messages lack %q:\n%s", m, all)
				}
			}
		})
	}
}

// The register keeps contacts with a function mailbox only, and a person's
// name or direct line not even with those.
func TestContactsKeepNoPersonalData(t *testing.T) {
	st := storetest.Seeded(t)
	file := strings.Replace(minimalFile, "  type: none\n", `  type: internal
  contacts:
    - name: Team Abfall
      email: abfall@kommune.example
      phone: "+49 431 1234"
    - name: Max Beispiel
      email: wohngeld-ozg@sh.example
      phone: "+49 431 0000"
      affiliation: Ministerium
    - name: Erika Mustermann
      email: erika.mustermann@sh.example
    - name: Hotline
`, 1)
	d, err := publiccode.Import(context.Background(), []byte(file), st)
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.PubliccodeContact{{Name: "Team Abfall", Email: "abfall@kommune.example", Phone: "+49 431 1234"},
		{Name: "Funktionspostfach", Email: "wohngeld-ozg@sh.example", Affiliation: "Ministerium"}}
	if diff := cmp.Diff(want, d.Solution.Publiccode.Contacts); diff != "" {
		t.Errorf("contacts (-want +got):\n%s", diff)
	}
	if d.Solution.ContactEmail != "abfall@kommune.example" {
		t.Errorf("contact e-mail %q", d.Solution.ContactEmail)
	}
	out, err := publiccode.Export(publiccode.ExportInput{Solution: d.Solution})
	if err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{"Max", "Erika", "0000"} {
		if strings.Contains(string(out), personal) {
			t.Errorf("export shows %q:\n%s", personal, out)
		}
	}
}
