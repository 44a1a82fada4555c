package catalog

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func validSolution() Solution {
	return Solution{Slug: "gut", Name: "Gut", Status: SolutionLive, Verified: VerifiedYes}
}

// TestSolutionTextLimits is the attack of issue 15, row 10: invalid UTF-8
// and unbounded fields (a 1.9 MB partners field) were accepted.
func TestSolutionTextLimits(t *testing.T) {
	huge := strings.Repeat("x", 1900000)
	for _, c := range []struct {
		name, field, msg string
		set              func(*Solution)
	}{
		{"1.9 MB partners", "partners", "„Allianzpartner“ darf höchstens 500 Zeichen lang sein (jetzt 1.900.000).", func(s *Solution) { s.Partners = huge }},
		{"long operator", "operator", "„Betreiber“ darf höchstens 300 Zeichen lang sein (jetzt 301).", func(s *Solution) { s.Operator = strings.Repeat("ä", 301) }},
		{"long standards", "standards", "„Standards und Schnittstellen“ darf höchstens 500 Zeichen lang sein (jetzt 501).", func(s *Solution) { s.Standards = strings.Repeat("s", 501) }},
		{"long costs", "costs", "„Kosten“ darf höchstens 2.000 Zeichen lang sein (jetzt 2.001).", func(s *Solution) { s.Costs = strings.Repeat("k", 2001) }},
		{"long status note", "statusNote", "„Hinweis zum Status“ darf höchstens 500 Zeichen lang sein (jetzt 501).", func(s *Solution) { s.StatusNote = strings.Repeat("n", 501) }},
		{"long licence", "licence", "„Lizenz“ darf höchstens 100 Zeichen lang sein (jetzt 101).", func(s *Solution) { s.Licence = strings.Repeat("l", 101) }},
		{"long description", "description", "„Beschreibung“ darf höchstens 10.000 Zeichen lang sein (jetzt 10.001).", func(s *Solution) { s.Description = strings.Repeat("d", 10001) }},
		{"long known adopters", "knownAdoptersText", "„Bekannte Nachnutzer“ darf höchstens 1.000 Zeichen lang sein (jetzt 1.001).", func(s *Solution) { s.KnownAdopters = strings.Repeat("k", 1001) }},
		{"invalid UTF-8 name", "name", "„Name“ enthält ungültige Zeichen (kein gültiges UTF-8).", func(s *Solution) { s.Name = "Wohngeld \xff\xfe" }},
		{"invalid UTF-8 summary", "summary", "„Kurzbeschreibung“ enthält ungültige Zeichen (kein gültiges UTF-8).", func(s *Solution) { s.Summary = "a\xc3" }},
		{"NUL in operator", "operator", "„Betreiber“ enthält Steuerzeichen.", func(s *Solution) { s.Operator = "Dataport\x00" }},
		{"escape in partners", "partners", "„Allianzpartner“ enthält Steuerzeichen.", func(s *Solution) { s.Partners = "HH\x1b[31m" }},
		{"invalid UTF-8 URL", "accessUrl", "„Bezugsadresse“ enthält ungültige Zeichen (kein gültiges UTF-8).", func(s *Solution) { s.AccessURL = "https://x.de/\xff" }},
	} {
		s := validSolution()
		c.set(&s)
		var ve *ValidationError
		if err := s.Validate(); !errors.As(err, &ve) || ve.Fields[c.field] != c.msg {
			t.Errorf("%s: %v, want %s: %q", c.name, err, c.field, c.msg)
		}
	}
	// At the limit, with line breaks and tabs, it is fine.
	s := validSolution()
	s.Partners, s.Costs, s.Description = strings.Repeat("ü", MaxPartners), "Bau:\t1 Mio. €\nBetrieb: 100.000 €", strings.Repeat("d", MaxSolutionDescription)
	if err := s.Validate(); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestAdoptionTextLimits(t *testing.T) {
	for field, a := range map[string]Adoption{
		"note":         {Status: AdoptionLive, Note: "\xff"},
		"contractType": {Status: AdoptionLive, ContractType: strings.Repeat("v", MaxContractType+1)},
		"source":       {Status: AdoptionLive, Source: strings.Repeat("q", MaxAdoptionSource+1)},
	} {
		var ve *ValidationError
		if err := a.Validate(); !errors.As(err, &ve) || ve.Fields[field] == "" {
			t.Errorf("%s: %v, want a message", field, err)
		}
	}
}

func TestAccountTextLimits(t *testing.T) {
	var v ValidationError
	ValidateAccount(&v, "Anna \xff", "anna@example.de")
	ValidateRequestMessage(&v, strings.Repeat("m", MaxRequestMessage+1))
	ValidateDecisionReason(&v, "\x07")
	if v.Fields["name"] == "" || v.Fields["message"] == "" || v.Fields["reason"] == "" {
		t.Errorf("fields %v", v.Fields)
	}
	var w ValidationError
	ValidateTokenName(&w, strings.Repeat("t", MaxTokenName+1))
	if w.Fields["name"] == "" {
		t.Error("long token name accepted")
	}
	var o ValidationError
	ValidateAccount(&o, "Anna", "anna\xff@example.de")
	if o.Fields["email"] == "" {
		t.Error("invalid UTF-8 e-mail accepted")
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1.000", 10000: "10.000", 1900000: "1.900.000", -2000: "-2.000"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzValidateSolution: whatever the text fields hold, Validate does not
// panic, and a solution that validates has every text field valid UTF-8
// without control characters (tab and line breaks aside) and within its limit.
func FuzzValidateSolution(f *testing.F) {
	f.Add("Wohngeld", "Kurz", "HH, SH", "Dataport", "FIT-Connect", "1 Mio. €", "MIT", "\xff", 1)
	f.Add(strings.Repeat("a", 301), "", "", "", "", "", "", "", 2)
	f.Add("Name", "\x00", "\u200b", "ä\u0301", "\t\n\r", "\x1b", "\xc3", "x", 3)
	f.Fuzz(func(t *testing.T, name, summary, partners, operator, standards, costs, licence, note string, n int) {
		if n < 0 {
			n = -(n + 1)
		}
		rep := func(s string) string {
			if n%7 == 0 && len(s) < 1000 {
				return strings.Repeat(s, 1+n%600)
			}
			return s
		}
		s := Solution{Slug: "fuzz", Name: name, Summary: rep(summary), Partners: rep(partners), Operator: operator,
			Standards: rep(standards), Costs: rep(costs), Licence: licence, StatusNote: note, Description: rep(note),
			Status: SolutionLive, Verified: VerifiedNo}
		if err := s.Validate(); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		for _, fl := range s.textFields() {
			v := *fl.value
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > fl.max {
				t.Fatalf("%s = %q validated", fl.field, v)
			}
			for _, r := range v {
				if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("%s holds control character %U", fl.field, r)
				}
			}
		}
		a := Adoption{Status: AdoptionLive, Note: rep(note), ContractType: licence, Source: operator}
		if a.Validate() == nil && (!utf8.ValidString(a.Note) || utf8.RuneCountInString(a.Note) > MaxAdoptionNote ||
			utf8.RuneCountInString(a.ContractType) > MaxContractType || utf8.RuneCountInString(a.Source) > MaxAdoptionSource) {
			t.Fatalf("adoption %+v validated", a)
		}
	})
}
