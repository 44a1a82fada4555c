package catalog

import (
	"context"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"efa-register/internal/i18n"
)

// SolutionStatus is where an EfA solution stands.
type SolutionStatus string

// The solution statuses.
const (
	SolutionPlanned SolutionStatus = "planned"
	SolutionPilot   SolutionStatus = "pilot"
	SolutionLive    SolutionStatus = "live"
	SolutionRetired SolutionStatus = "retired"
	SolutionUnknown SolutionStatus = "unknown"
)

// SolutionStatuses lists the statuses in display order.
var SolutionStatuses = []SolutionStatus{SolutionPlanned, SolutionPilot, SolutionLive, SolutionRetired, SolutionUnknown}

// Label is the German name of the status.
func (s SolutionStatus) Msg() i18n.Message {
	switch s {
	case SolutionPlanned:
		return i18n.M("label.solution_planned")
	case SolutionPilot:
		return i18n.M("label.solution_pilot")
	case SolutionLive:
		return i18n.M("label.solution_live")
	case SolutionRetired:
		return i18n.M("label.solution_retired")
	case SolutionUnknown:
		return i18n.M("label.unknown")
	}
	return i18n.M("label.raw", "Text", string(s))
}

// Label is the German name (Msg in German).
func (s SolutionStatus) Label() string { return s.Msg().String() }

// L is the name in the language of ctx.
func (s SolutionStatus) L(ctx context.Context) string { return i18n.Localize(ctx, s.Msg()) }

// Valid reports whether s is a known status.
func (s SolutionStatus) Valid() bool {
	for _, x := range SolutionStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Verification says how far the facts of a seeded record were checked
// against a source: "ja", "teilweise" or "nein" (from memory, unchecked).
type Verification string

// The verification levels.
const (
	VerifiedYes     Verification = "ja"
	VerifiedPartial Verification = "teilweise"
	VerifiedNo      Verification = "nein"
)

// Label is the German text shown next to the data.
func (v Verification) Msg() i18n.Message {
	switch v {
	case VerifiedYes:
		return i18n.M("label.verified_yes")
	case VerifiedPartial:
		return i18n.M("label.verified_partial")
	}
	return i18n.M("label.verified_no")
}

// Label is the German name (Msg in German).
func (v Verification) Label() string { return v.Msg().String() }

// L is the name in the language of ctx.
func (v Verification) L(ctx context.Context) string { return i18n.Localize(ctx, v.Msg()) }

// Solution is an EfA online service or reusable component, identified by its slug.
type Solution struct {
	ID          uint   `gorm:"primaryKey" json:"-"`
	Slug        string `gorm:"size:80;not null;uniqueIndex" json:"slug"`
	Name        string `gorm:"size:300;not null" json:"name"`
	Summary     string `gorm:"size:600" json:"summary"`
	Description string `gorm:"size:10000" json:"description"`
	// ProviderID is the organisation (usually a Land or the Bund) that built it; nil when unknown.
	ProviderID *uint         `gorm:"index" json:"-"`
	Provider   *Organisation `gorm:"foreignKey:ProviderID;constraint:OnDelete:RESTRICT" json:"provider,omitempty"`
	// ProviderNote keeps the source's wording about the provider when it is not a plain Land.
	ProviderNote string `gorm:"size:300" json:"providerNote,omitempty"`
	// Partners names alliance partners and federal partners as free text.
	Partners     string         `gorm:"size:500" json:"partners,omitempty"`
	Operator     string         `gorm:"size:300" json:"operator,omitempty"`
	TopicFieldID *uint          `gorm:"index" json:"topicFieldId,omitempty"`
	Services     []Service      `gorm:"many2many:solution_services;constraint:OnDelete:CASCADE" json:"services,omitempty"`
	Status       SolutionStatus `gorm:"size:20;not null;index" json:"status"`
	StatusNote   string         `gorm:"size:500" json:"statusNote,omitempty"`
	// Maturity is the OZG Reifegrad 0..4; nil when unknown.
	Maturity *int `json:"maturity,omitempty"`
	// EfAMinimumMet says whether the EfA minimum requirements are met; nil when unknown.
	EfAMinimumMet *bool  `json:"efaMinimumMet,omitempty"`
	AccessChannel string `gorm:"size:40" json:"accessChannel,omitempty"`
	AccessURL     string `gorm:"size:500" json:"accessUrl,omitempty"`
	Licence       string `gorm:"size:100" json:"licence,omitempty"`
	RepositoryURL string `gorm:"size:500" json:"repositoryUrl,omitempty"`
	Standards     string `gorm:"size:500" json:"standards,omitempty"`
	// StandardsProfile says per vocabulary entry whether the solution
	// implements it, requires it from the adopter or offers it as a choice;
	// Standards stays as the free-text note beside it.
	StandardsProfile Profile `gorm:"type:text" json:"standardsProfile,omitempty"`
	Costs            string  `gorm:"size:2000" json:"costs,omitempty"`
	// BuildCostEUR and YearlyCostEUR are estimates in euro; nil when unknown.
	BuildCostEUR  *int64 `json:"buildCostEur,omitempty"`
	YearlyCostEUR *int64 `json:"yearlyCostEur,omitempty"`
	// CostSharing is the key by which adopters share costs: koenigstein, population or equal.
	CostSharing   string       `gorm:"size:20" json:"costSharing,omitempty"`
	ContactEmail  string       `gorm:"size:200" json:"contactEmail,omitempty"`
	KnownAdopters string       `gorm:"size:1000" json:"knownAdoptersText,omitempty"`
	Verified      Verification `gorm:"size:20;not null" json:"verified"`
	VerifiedNote  string       `gorm:"size:200" json:"verifiedNote,omitempty"`
	Source        string       `gorm:"size:1000" json:"source,omitempty"`
	// Publiccode keeps what a publiccode.yml import read beyond the fields
	// above; nil when the solution never came from one. It is not part of
	// the API's solution document (the publiccode.yml export shows it).
	Publiccode *PubliccodeData `gorm:"serializer:json;type:text" json:"-"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
}

// OZGIDs returns the OZG-IDs of the services the solution covers.
func (s Solution) OZGIDs() []string {
	ids := make([]string, len(s.Services))
	for i, sv := range s.Services {
		ids[i] = sv.ID
	}
	return ids
}

// AccessChannels lists the ways to obtain a solution, with German labels.
var AccessChannels = map[string]string{
	"fit-store":   "FIT-Store",
	"marktplatz":  "EfA-Marktplatz",
	"vertrag":     "Verwaltungsvereinbarung / Vertrag",
	"open-source": "Open Source (frei nachnutzbar)",
	"bund":        "Bundesdienst (ohne Nachnutzung)",
}

// CostSharingKeys lists the cost-sharing keys with German labels.
var CostSharingKeys = map[string]string{
	"koenigstein": "Königsteiner Schlüssel",
	"population":  "Einwohnerzahl",
	"equal":       "gleiche Anteile",
}

// AccessChannelMsg names an access channel; an unknown key is shown as it is.
func AccessChannelMsg(key string) i18n.Message {
	if id, ok := accessChannelIDs[key]; ok {
		return i18n.M(id)
	}
	return i18n.M("label.raw", "Text", key)
}

var accessChannelIDs = map[string]string{
	"fit-store": "label.access_fit_store", "marktplatz": "label.access_marktplatz", "vertrag": "label.access_vertrag",
	"open-source": "label.access_open_source", "bund": "label.access_bund",
}

// CostSharingMsg names a cost-sharing key; an unknown key is shown as it is.
func CostSharingMsg(key string) i18n.Message {
	if id, ok := costSharingIDs[key]; ok {
		return i18n.M(id)
	}
	return i18n.M("label.raw", "Text", key)
}

var costSharingIDs = map[string]string{
	"koenigstein": "label.cost_koenigstein", "population": "label.cost_population", "equal": "label.cost_equal",
}

var reSlug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a lower-case, hyphenated slug of at most 80 characters.
func ValidSlug(s string) bool { return len(s) <= 80 && reSlug.MatchString(s) }

// Slugify turns a German name into a slug: umlauts are spelled out, every
// other non-alphanumeric run becomes one hyphen, and the result is cut at a
// word boundary to at most max characters.
func Slugify(name string, max int) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue")
	name = strings.ToLower(r.Replace(name))
	var b strings.Builder
	dash := false
	for _, c := range name {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > max {
		s = s[:max]
		if i := strings.LastIndexByte(s, '-'); i > max/2 {
			s = s[:i]
		}
		s = strings.Trim(s, "-")
	}
	return s
}

// Normalize trims the text fields of s.
func (s *Solution) Normalize() {
	for _, p := range []*string{&s.Slug, &s.Name, &s.Summary, &s.Description, &s.ProviderNote, &s.Partners,
		&s.Operator, &s.StatusNote, &s.AccessChannel, &s.AccessURL, &s.Licence, &s.RepositoryURL, &s.Standards,
		&s.Costs, &s.CostSharing, &s.ContactEmail, &s.Source} {
		*p = strings.TrimSpace(*p)
	}
}

// Validate checks a solution's own fields (not that its services exist; the
// store checks those) and returns a *ValidationError with German messages.
func (s *Solution) Validate() error {
	s.Normalize()
	var v ValidationError
	if s.Name == "" {
		v.AddM("name", i18n.M("valid.name_required"))
	}
	if !ValidSlug(s.Slug) {
		v.AddM("slug", i18n.M("valid.slug_chars"))
	}
	for _, f := range s.textFields() {
		checkText(&v, f.field, f.label, *f.value, f.max)
	}
	if !s.Status.Valid() {
		v.AddM("status", i18n.M("valid.status_invalid"))
	}
	if s.Maturity != nil && (*s.Maturity < 0 || *s.Maturity > 4) {
		v.AddM("maturity", i18n.M("valid.maturity_range"))
	}
	if s.AccessChannel != "" && v.Fields["accessChannel"] == "" {
		if _, ok := AccessChannels[s.AccessChannel]; !ok {
			v.AddM("accessChannel", i18n.M("valid.access_channel_invalid"))
		}
	}
	if s.CostSharing != "" && v.Fields["costSharing"] == "" {
		if _, ok := CostSharingKeys[s.CostSharing]; !ok {
			v.AddM("costSharing", i18n.M("valid.cost_sharing_invalid"))
		}
	}
	for field, u := range map[string]string{"accessUrl": s.AccessURL, "repositoryUrl": s.RepositoryURL} {
		if u != "" && v.Fields[field] == "" && !validHTTPURL(u) {
			v.AddM(field, i18n.M("valid.url_https"))
		}
	}
	if s.ContactEmail != "" && v.Fields["contactEmail"] == "" {
		if a, err := mail.ParseAddress(s.ContactEmail); err != nil || a.Address != s.ContactEmail {
			v.AddM("contactEmail", i18n.M("valid.email_invalid_state"))
		}
	}
	if s.BuildCostEUR != nil && *s.BuildCostEUR < 0 {
		v.AddM("buildCostEur", i18n.M("valid.cost_negative"))
	}
	if s.YearlyCostEUR != nil && *s.YearlyCostEUR < 0 {
		v.AddM("yearlyCostEur", i18n.M("valid.cost_negative"))
	}
	switch s.Verified {
	case VerifiedYes, VerifiedPartial, VerifiedNo:
	default:
		v.AddM("verified", i18n.M("valid.verified_unknown"))
	}
	return v.Err()
}

// textField is one stored text field of a solution with its limit.
type textField struct {
	field string
	label i18n.Message
	value *string
	max   int
}

// textFields lists every stored text field of the solution with its German
// label and length limit: the one place a new field must be added to.
func (s *Solution) textFields() []textField {
	return []textField{
		{"name", i18n.M("valid.label_name"), &s.Name, MaxSolutionName},
		{"summary", i18n.M("valid.label_solution_summary"), &s.Summary, MaxSolutionSummary},
		{"description", i18n.M("valid.label_description"), &s.Description, MaxSolutionDescription},
		{"providerNote", i18n.M("valid.label_provider_note"), &s.ProviderNote, MaxProviderNote},
		{"partners", i18n.M("valid.label_partners"), &s.Partners, MaxPartners},
		{"operator", i18n.M("valid.label_operator"), &s.Operator, MaxOperator},
		{"statusNote", i18n.M("valid.label_status_note"), &s.StatusNote, MaxStatusNote},
		{"accessChannel", i18n.M("valid.label_access_channel"), &s.AccessChannel, MaxAccessChannel},
		{"accessUrl", i18n.M("valid.label_access_url"), &s.AccessURL, MaxSolutionURL},
		{"licence", i18n.M("valid.label_licence"), &s.Licence, MaxLicence},
		{"repositoryUrl", i18n.M("valid.label_repository_url"), &s.RepositoryURL, MaxSolutionURL},
		{"standards", i18n.M("valid.label_standards"), &s.Standards, MaxStandards},
		{"costs", i18n.M("valid.label_costs"), &s.Costs, MaxCosts},
		{"costSharing", i18n.M("valid.label_cost_sharing"), &s.CostSharing, MaxCostSharing},
		{"contactEmail", i18n.M("valid.label_contact"), &s.ContactEmail, MaxContactEmail},
		{"knownAdoptersText", i18n.M("valid.label_known_adopters"), &s.KnownAdopters, MaxKnownAdopters},
		{"verifiedNote", i18n.M("valid.label_verified_note"), &s.VerifiedNote, MaxVerifiedNote},
		{"source", i18n.M("valid.label_source"), &s.Source, MaxSolutionSource},
	}
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
