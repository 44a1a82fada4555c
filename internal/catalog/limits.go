package catalog

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"efa-register/internal/i18n"
)

// The length limits of the text fields users write, in characters (Unicode
// code points, as PostgreSQL counts varchar). Every write of the entity
// passes its validation, which also refuses text that is not valid UTF-8 or
// holds control characters other than tab and line breaks. The OpenAPI
// document states them as maxLength.
const (
	// Solution.
	MaxSlug                = 80
	MaxSolutionName        = 300
	MaxSolutionSummary     = 600
	MaxSolutionDescription = 10000
	MaxProviderNote        = 300
	MaxPartners            = 500
	MaxOperator            = 300
	MaxStatusNote          = 500
	MaxAccessChannel       = 40
	MaxSolutionURL         = 500 // accessUrl, repositoryUrl
	MaxLicence             = 100
	MaxStandards           = 500
	MaxCosts               = 2000
	MaxCostSharing         = 20
	MaxContactEmail        = 200
	MaxKnownAdopters       = 1000
	MaxVerifiedNote        = 200
	MaxSolutionSource      = 1000

	// Adoption.
	MaxAdoptionSince  = 10
	MaxContractType   = 100
	MaxAdoptionNote   = 1000
	MaxAdoptionSource = 500
	MaxRegisteredBy   = 200

	// Organisation.
	MaxOrganisationName = 200
	MaxShortName        = 20
	MaxOrganisationType = 60

	// Accounts: users, account requests, API tokens.
	MaxPersonName     = 200
	MaxEmail          = 200
	MaxPassword       = 200
	MaxRequestMessage = 1000
	MaxDecisionReason = 500
	MaxTokenName      = 100

	// Webhooks.
	MaxWebhookURL    = 2000
	MinWebhookSecret = 16
	MaxWebhookSecret = 200

	// MaxSearchQuery is the longest normalised search query the demand radar keeps.
	MaxSearchQuery = 100
)

// TextProblem says what is wrong with a text value for a field with the
// given limit: "" when it is valid UTF-8 without control characters (tab,
// line feed and carriage return allowed) and at most max characters long.
// label is the German name of the field as the message shows it.
func TextProblem(label, s string, max int) string {
	if m, ok := TextProblemM(label, s, max); ok {
		return m.String()
	}
	return ""
}

// TextProblemM is TextProblem as a catalogue message; label is the field's
// name as a string or an i18n.Message. ok is false when s is valid.
func TextProblemM(label any, s string, max int) (m i18n.Message, ok bool) {
	if !utf8.ValidString(s) {
		return i18n.M("valid.text_invalid_utf8", "Label", label), true
	}
	if n := utf8.RuneCountInString(s); n > max {
		return i18n.M("valid.text_too_long", "Label", label, "Max", max, "Len", n), true
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) {
			return i18n.M("valid.text_control_chars", "Label", label), true
		}
	}
	return i18n.Message{}, false
}

// ValidText reports whether s passes TextProblem.
func ValidText(s string, max int) bool { return TextProblem("", s, max) == "" }

// checkText records TextProblem for a field.
func checkText(v *ValidationError, field string, label i18n.Message, s string, max int) {
	if m, ok := TextProblemM(label, s, max); ok {
		v.AddM(field, m)
	}
}

// FormatCount writes n with German thousands separators (10.000).
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
