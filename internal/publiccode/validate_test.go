package publiccode_test

import (
	"strings"
	"testing"

	"efa-register/internal/publiccode"
)

// One table per rule of the standard the import applies.

func TestValidSPDX(t *testing.T) {
	for s, want := range map[string]bool{
		"EUPL-1.2": true, "MIT": true, "AGPL-3.0-or-later": true, "MIT OR Apache-2.0": true,
		"(MIT OR Apache-2.0) AND BSD-3-Clause": true, "GPL-2.0-only WITH Classpath-exception-2.0": true,
		"LicenseRef-Proprietaer": true, "GPL-3.0+": true,
		// Not on the SPDX list, or not an expression.
		"Invalid License": false, "proprietär": false, "Apache 2.0": false, "EUPL": false, "MIT OR": false, "(MIT": false,
		"MIT)": false, "": false, "AND MIT": false, "MIT WITH EUPL-1.2": false,
	} {
		if got := publiccode.ValidSPDX(s); got != want {
			t.Errorf("ValidSPDX(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLanguageProblem(t *testing.T) {
	for tag, want := range map[string]string{
		"de": "", "en": "", "it": "", "en-GB": "", "de-AT": "", "pt-BR": "", "zh-Hant": "", "DE": "",
		"en_GB": "„en_GB“ ist kein Sprachkürzel nach BCP 47: Teile werden mit Bindestrich getrennt („en-GB“).",
		"xxx":   "eine solche Sprache ist nicht registriert", "zz": "nicht registriert", "deutsch": "kein Sprachkürzel",
		"de_xx_yy_1": "kein Sprachkürzel", "": "Das Sprachkürzel fehlt.", "???": "kein Sprachkürzel",
	} {
		got := publiccode.LanguageProblem(tag)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("LanguageProblem(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestValidURLs(t *testing.T) {
	for s, want := range map[string][2]bool{ // {web address, any URL}
		"https://gitlab.opencode.de/x/y.git": {true, true}, "http://example.org": {true, true},
		"git://example.org/x.git": {false, true}, "ssh://git@example.org/x.git": {false, true},
		"mailto:info@example.org": {false, true}, "example.org": {false, false}, "/handbuch": {false, false},
		"https://": {false, false}, "kein Link": {false, false}, "https://exa mple.org": {false, false},
		"https://example.org/" + strings.Repeat("a", 500): {false, true},
	} {
		if got := publiccode.ValidWebURL(s); got != want[0] {
			t.Errorf("ValidWebURL(%q) = %v, want %v", s, got, want[0])
		}
		if got := publiccode.ValidURL(s); got != want[1] {
			t.Errorf("ValidURL(%q) = %v, want %v", s, got, want[1])
		}
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"ozg@example.org": true, "wohngeld-ozg@sh.example": true, "a.b+c@example.org": true,
		"bauportal(at)mv.example": false, "dataport": false, "Team <team@example.org>": false, "": false, "a@": false,
	} {
		if got := publiccode.ValidEmail(s); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidDate(t *testing.T) {
	for s, want := range map[string]bool{
		"2026-05-04": true, "2024-02-29": true, "2025-02-29": false, "2026-13-01": false, "04.05.2026": false,
		"2026-05-04T10:00:00Z": false, "2026-5-4": false, "": false,
	} {
		if got := publiccode.ValidDate(s); got != want {
			t.Errorf("ValidDate(%q) = %v, want %v", s, got, want)
		}
	}
}

// minimalFile is a file with every key the standard requires.
const minimalFile = `publiccodeYmlVersion: "0"
name: Bauantrag Online
url: "https://gitlab.opencode.de/bauportal/bauantrag.git"
platforms: [web]
developmentStatus: stable
softwareType: "standalone/web"
description:
  de:
    shortDescription: Bauanträge digital stellen.
    longDescription: "` + "Mit dem Onlinedienst stellen Bauherrinnen und Bauherren ihren Bauantrag vollständig digital; die Behörde erhält ihn mit allen Unterlagen über FIT-Connect." + `"
    features: [Bauantrag stellen]
legal:
  license: EUPL-1.2
maintenance:
  type: none
localisation:
  localisationReady: false
  availableLanguages: [de]
`

// TestParseRules changes one key of a complete file per row: an error is a
// refusal with that key and line, a warning leaves the file readable.
func TestParseRules(t *testing.T) {
	if _, warnings, err := publiccode.Parse([]byte(minimalFile)); err != nil || len(warnings) != 0 {
		t.Fatalf("complete file: %v %v", err, warnings)
	}
	cases := []struct {
		name, old, new string
		// key and line of the issue; err says whether it is an error.
		key  string
		line int
		err  bool
	}{
		{"version 1", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "1"`, "publiccodeYmlVersion", 1, true},
		{"version 0.6 (published, nothing changed)", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "0.6"`, "", 0, false},
		{"version 0.9 (not published)", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "0.9"`, "publiccodeYmlVersion", 1, false},
		{"url no address", `url: "https://gitlab.opencode.de/bauportal/bauantrag.git"`, `url: "bauantrag"`, "url", 3, true},
		{"url missing", "url: \"https://gitlab.opencode.de/bauportal/bauantrag.git\"\n", "", "url", 0, false},
		{"platforms missing", "platforms: [web]\n", "", "platforms", 0, false},
		{"status unknown", "developmentStatus: stable", "developmentStatus: live", "developmentStatus", 5, true},
		{"type unknown", `softwareType: "standalone/web"`, `softwareType: "web"`, "softwareType", 6, true},
		{"language xxx", "  de:\n", "  xxx:\n", "description.xxx", 8, true},
		{"language en_GB", "  de:\n", "  en_GB:\n", "description.en_GB", 8, true},
		{"short too long", "Bauanträge digital stellen.", strings.Repeat("x", 151), "description.de.shortDescription", 9, false},
		{"long too short", "Mit dem Onlinedienst stellen Bauherrinnen und Bauherren ihren Bauantrag vollständig digital; ", "", "description.de.longDescription", 10, false},
		{"features missing", "    features: [Bauantrag stellen]\n", "", "description.*.features", 7, false},
		{"licence not SPDX", "license: EUPL-1.2", "license: Invalid License", "legal.license", 13, true},
		{"licence missing", "  license: EUPL-1.2\n", "  mainCopyrightOwner: Land MV\n", "legal.license", 12, false},
		{"maintenance type unknown", "type: none", "type: extern", "maintenance.type", 15, true},
		{"maintenance internal without contacts", "type: none", "type: internal", "maintenance.contacts", 14, false},
		{"localisationReady yes", "localisationReady: false", "localisationReady: yes", "localisation.localisationReady", 17, true},
		{"availableLanguages en_US", "availableLanguages: [de]", "availableLanguages: [en_US]", "localisation.availableLanguages[0]", 18, true},
		{"releaseDate", "platforms: [web]", "releaseDate: \"2026-02-30\"\nplatforms: [web]", "releaseDate", 4, true},
		{"landingURL", "platforms: [web]", "landingURL: www.example.org\nplatforms: [web]", "landingURL", 4, true},
		{"documentation", "    features:", "    documentation: handbuch.pdf\n    features:", "description.de.documentation", 11, true},
		{"contact e-mail", "type: none", "type: internal\n  contacts:\n    - name: Team\n      email: team(at)example.org", "maintenance.contacts[0].email", 18, true},
		{"category unknown", "platforms: [web]", "platforms: [web]\ncategories: [buergerdienste]", "categories[0]", 5, true},
		{"it and IT", "platforms: [web]", "platforms: [web]\nit:\n  riuso: {}\nIT:\n  riuso: {}", "IT", 7, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(minimalFile, tc.old) {
				t.Fatalf("fixture lacks %q", tc.old)
			}
			_, warnings, err := publiccode.Parse([]byte(strings.Replace(minimalFile, tc.old, tc.new, 1)))
			var list []publiccode.Issue
			if pe, ok := err.(*publiccode.Error); ok {
				list = pe.Issues
			} else if err != nil {
				t.Fatal(err)
			}
			if tc.err != (err != nil) {
				t.Fatalf("error = %v, want error %v (warnings %v)", err, tc.err, warnings)
			}
			if !tc.err {
				list = warnings
			}
			if tc.key == "" {
				if len(list) != 0 {
					t.Errorf("issues %v, want none", list)
				}
				return
			}
			for _, is := range list {
				if is.Path == tc.key && is.Line == tc.line && is.Message != "" {
					return
				}
			}
			t.Errorf("issues %v, want one at %s line %d", list, tc.key, tc.line)
		})
	}
}
