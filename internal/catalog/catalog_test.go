package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestCanTransition(t *testing.T) {
	cases := []struct {
		from, to AdoptionStatus
		ok       bool
	}{
		{AdoptionInterested, AdoptionContracted, true},
		{AdoptionInterested, AdoptionLive, true},
		{AdoptionContracted, AdoptionOnboarding, true},
		{AdoptionOnboarding, AdoptionLive, true},
		{AdoptionLive, AdoptionEnded, true},
		{AdoptionLive, AdoptionLive, true},
		{AdoptionEnded, AdoptionInterested, true},
		{AdoptionLive, AdoptionInterested, false},
		{AdoptionOnboarding, AdoptionContracted, false},
		{AdoptionEnded, AdoptionLive, false},
		{AdoptionInterested, "kaputt", false},
	}
	for _, c := range cases {
		if got := CanTransition(c.from, c.to); got != c.ok {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestValidPartialDate(t *testing.T) {
	for s, ok := range map[string]bool{"2021": true, "2021-05": true, "2021-05-05": true, "2021-13": false,
		"2021-02-30": false, "21-05": false, "2021-5": false, "": false, "heute": false} {
		if ValidPartialDate(s) != ok {
			t.Errorf("ValidPartialDate(%q) = %v", s, !ok)
		}
	}
}

func TestParsePartialDate(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"01.11.2026", "2026-11-01", true},
		{"1.11.2026", "2026-11-01", true},
		{"1.2.2026", "2026-02-01", true},
		{"01. 11. 2026", "2026-11-01", true},
		{" 29.02.2024 ", "2024-02-29", true},
		{"11.2026", "2026-11", true},
		{"3.2026", "2026-03", true},
		{"11/2026", "2026-11", true},
		{"2026", "2026", true},
		{"2026-11-01", "2026-11-01", true},
		{"2026-11", "2026-11", true},
		{"29.02.2026", "", false}, // no leap year
		{"31.04.2026", "", false},
		{"00.11.2026", "", false},
		{"13.2026", "", false},
		{"01.11.26", "", false},
		{"2026-13", "", false},
		{"2026-1-5", "", false},
		{"11.2026.01", "", false},
		{"01.11.2026 ", "2026-11-01", true},
		{"", "", false},
		{"morgen", "", false},
		{"١٢.٢٠٢٦", "", false}, // digits of another script
	}
	for _, c := range cases {
		got, ok := ParsePartialDate(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParsePartialDate(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestAdoptionSinceNormalised: the adoption keeps the ISO form of what was typed.
func TestAdoptionSinceNormalised(t *testing.T) {
	a := Adoption{Status: AdoptionLive, Since: "01.11.2026"}
	if err := a.Validate(); err != nil || a.Since != "2026-11-01" {
		t.Errorf("Validate: %v, Since = %q", err, a.Since)
	}
	bad := Adoption{Status: AdoptionLive, Since: "31.11.2026"}
	var v *ValidationError
	if err := bad.Validate(); !errors.As(err, &v) || !strings.Contains(v.Fields["since"], "TT.MM.JJJJ") {
		t.Errorf("31.11.2026: %v", err)
	}
}

func TestSlugify(t *testing.T) {
	cases := map[string]string{
		"Wohngeld (Online-Wohngeldantrag)":                                  "wohngeld-online-wohngeldantrag",
		"Führerschein – Ersatzausfertigung":                                 "fuehrerschein-ersatzausfertigung",
		"  Straße & Grünfläche!  ":                                          "strasse-gruenflaeche",
		"Digitale Baugenehmigung (Bauantrag, Bauvorbescheid, Vorgangsraum)": "digitale-baugenehmigung-bauantrag",
	}
	for in, want := range cases {
		if got := Slugify(in, 35); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSolutionValidationMessages(t *testing.T) {
	m := 7
	s := Solution{Slug: "Bad Slug", Name: "", Status: "weird", Maturity: &m, AccessURL: "ftp://x", ContactEmail: "nobody", Verified: "ja"}
	err := s.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{
		"name":         "Bitte geben Sie einen Namen an.",
		"slug":         "Die Kurzbezeichnung darf nur Kleinbuchstaben, Ziffern und einzelne Bindestriche enthalten (höchstens 80 Zeichen).",
		"status":       "Bitte wählen Sie einen gültigen Status.",
		"maturity":     "Der Reifegrad muss zwischen 0 und 4 liegen.",
		"accessUrl":    "Bitte geben Sie eine vollständige Adresse mit https:// an.",
		"contactEmail": "Bitte geben Sie eine gültige E-Mail-Adresse an (z. B. ozg@land.de).",
	}
	for f, msg := range want {
		if ve.Fields[f] != msg {
			t.Errorf("%s: %q, want %q", f, ve.Fields[f], msg)
		}
	}
	if len(ve.Fields) != len(want) {
		t.Errorf("fields = %v", ve.Fields)
	}
	ok := Solution{Slug: "gut", Name: "Gut", Status: SolutionLive, Verified: VerifiedYes, ContactEmail: "ozg@land.de"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid solution: %v", err)
	}
}

func TestOrganisationValidation(t *testing.T) {
	cases := []struct {
		o     Organisation
		field string
	}{
		{Organisation{Kind: KindGemeinde, Key: "01001", Name: "X"}, "key"},
		{Organisation{Kind: KindLand, Key: "17", Name: "X"}, "key"},
		{Organisation{Kind: KindGemeinde, Key: "010010000000", Name: " "}, "name"},
		{Organisation{Kind: "stadtstaat", Key: "x", Name: "X"}, "kind"},
		{Organisation{Kind: KindGemeinde, Key: "010010000000", Name: "X", AGS: "0100100"}, "ags"},
	}
	for _, c := range cases {
		var ve *ValidationError
		if err := c.o.Validate(); !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("%+v: err %v, want message for %s", c.o, err, c.field)
		}
	}
	good := Organisation{Kind: KindGemeinde, Key: "010010000000", ARS: "010010000000", AGS: "01001000", Name: "Flensburg"}
	if err := good.Validate(); err != nil {
		t.Errorf("Flensburg: %v", err)
	}
	if good.URN() != "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:010010000000" {
		t.Errorf("URN = %q", good.URN())
	}
}
