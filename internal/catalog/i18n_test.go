package catalog

import (
	"context"
	"strings"
	"testing"

	"efa-register/internal/i18n"
)

// TestValidationInEnglish checks that validation messages keep their German
// text and come out in English for an English reader.
func TestValidationInEnglish(t *testing.T) {
	s := Solution{Slug: "x", Status: "bogus", Summary: strings.Repeat("a", MaxSolutionSummary+1)}
	var ve *ValidationError
	err := s.Validate()
	if !asValidation(err, &ve) {
		t.Fatalf("Validate() = %v, want a validation error", err)
	}
	en := ve.In(i18n.WithLang(context.Background(), i18n.EN))
	de := ve.In(context.Background())
	if got, want := en["name"], "Please enter a name."; got != want {
		t.Errorf("en name = %q, want %q", got, want)
	}
	if got, want := de["name"], "Bitte geben Sie einen Namen an."; got != want {
		t.Errorf("de name = %q, want %q", got, want)
	}
	if got := en["summary"]; got != "“Short description” may be at most 600 characters long (now 601)." {
		t.Errorf("en summary = %q", got)
	}
	if got := de["summary"]; !strings.HasPrefix(got, "„Kurzbeschreibung“ darf höchstens") {
		t.Errorf("de summary = %q", got)
	}
	if got := ve.Fields["status"]; got != "Bitte wählen Sie einen gültigen Status." {
		t.Errorf("Fields[status] = %q, want German", got)
	}
	_, _, cvssErr := ScoreCVSS("AV:N")
	if got := i18n.Localize(i18n.WithLang(context.Background(), i18n.EN), cvssErr); !strings.Contains(got, "must begin with") {
		t.Errorf("CVSS error in English = %q", got)
	}
}

func TestFitReasonsInEnglish(t *testing.T) {
	f := CheckFit(&Vocabulary{}, nil, nil)
	en := f.ReasonsIn(i18n.WithLang(context.Background(), i18n.EN))
	if len(en) != 1 || en[0] != "No standards profile is recorded for the solution." {
		t.Errorf("ReasonsIn(en) = %q", en)
	}
	if f.Reasons[0] != "Für die Lösung ist kein Standardprofil erfasst." {
		t.Errorf("Reasons = %q", f.Reasons)
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}
