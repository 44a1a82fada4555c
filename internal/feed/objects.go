// Package feed encodes the documents the register publishes for machines:
// the API objects, the full export, the change records of the change feed,
// the JSON Feed and the Atom feed. It is pure encoding from catalog types: no
// store, no HTTP. Every document that a mirror compares (export objects and
// change-record objects) is built by the same functions here, so a consumer
// that applies the change feed to an export ends with byte-identical objects.
package feed

import (
	"strconv"
	"time"

	"efa-register/internal/catalog"
)

// Entity names used in change records and their identifiers.
const (
	EntitySolution      = "solution"      // id: the slug
	EntityAdoption      = "adoption"      // id: the adoption number as decimal text
	EntityService       = "service"       // id: the five-digit OZG-ID
	EntityTopicField    = "topicField"    // id: the Themenfeld number as decimal text
	EntityLifeSituation = "lifeSituation" // id: the Lebenslage number as decimal text
	EntityAdvisory      = "advisory"      // id: the advisory number as decimal text
)

// OrganisationRef is an organisation as it appears inside another object
// (the provider of a solution, the adopter of an adoption). ID is the stable
// natural key "kind:key"; URN is the official identifier where one exists.
type OrganisationRef struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Name    string `json:"name"`
	LandKey string `json:"landKey,omitempty"`
	ARS     string `json:"ars,omitempty"`
	AGS     string `json:"ags,omitempty"`
	URN     string `json:"urn,omitempty"`
}

// OrganisationID is the stable identifier of an organisation: "kind:key".
func OrganisationID(o catalog.Organisation) string { return string(o.Kind) + ":" + o.Key }

// NewOrganisationRef returns the reference form of an organisation, or nil.
func NewOrganisationRef(o *catalog.Organisation) *OrganisationRef {
	if o == nil {
		return nil
	}
	return &OrganisationRef{ID: OrganisationID(*o), Kind: string(o.Kind), Key: o.Key, Name: o.Name,
		LandKey: o.LandKey, ARS: o.ARS, AGS: o.AGS, URN: o.URN()}
}

// Organisation is the full public record of an organisation.
type Organisation struct {
	OrganisationRef
	ShortName          string  `json:"shortName,omitempty"`
	Type               string  `json:"type,omitempty"`
	KreisKey           string  `json:"kreisKey,omitempty"`
	Population         int64   `json:"population"`
	AreaKm2            float64 `json:"areaKm2,omitempty"`
	Postcode           string  `json:"postcode,omitempty"`
	Lat                float64 `json:"lat,omitempty"`
	Lon                float64 `json:"lon,omitempty"`
	KoenigsteinPercent float64 `json:"koenigsteinPercent,omitempty"`
}

// NewOrganisation returns the full public record of an organisation.
func NewOrganisation(o catalog.Organisation) Organisation {
	return Organisation{OrganisationRef: *NewOrganisationRef(&o), ShortName: o.ShortName, Type: o.Type, KreisKey: o.KreisKey,
		Population: o.Population, AreaKm2: o.AreaKm2, Postcode: o.Postcode, Lat: o.Lat, Lon: o.Lon,
		KoenigsteinPercent: o.KoenigsteinPercent}
}

// Solution is the public record of an EfA solution. Slug is its stable
// identifier. Only facts changed by the solution's own events are part of it
// (no adoption counts), so the change feed keeps mirrors exact.
type Solution struct {
	Slug          string           `json:"slug"`
	Name          string           `json:"name"`
	Summary       string           `json:"summary"`
	Description   string           `json:"description"`
	Provider      *OrganisationRef `json:"provider"`
	ProviderNote  string           `json:"providerNote,omitempty"`
	Partners      string           `json:"partners,omitempty"`
	Operator      string           `json:"operator,omitempty"`
	TopicFieldID  *uint            `json:"topicFieldId"`
	OZGIDs        []string         `json:"ozgIds"`
	Status        string           `json:"status"`
	StatusNote    string           `json:"statusNote,omitempty"`
	Maturity      *int             `json:"maturity"`
	EfAMinimumMet *bool            `json:"efaMinimumMet"`
	AccessChannel string           `json:"accessChannel,omitempty"`
	AccessURL     string           `json:"accessUrl,omitempty"`
	Licence       string           `json:"licence,omitempty"`
	RepositoryURL string           `json:"repositoryUrl,omitempty"`
	Standards     string           `json:"standards,omitempty"`
	// StandardsProfile is the structured profile (vocabulary keys with
	// implements, requires or choice); Standards stays a free-text note.
	StandardsProfile []catalog.ProfileEntry `json:"standardsProfile,omitempty"`
	Costs            string                 `json:"costs,omitempty"`
	BuildCostEUR     *int64                 `json:"buildCostEur"`
	YearlyCostEUR    *int64                 `json:"yearlyCostEur"`
	CostSharing      string                 `json:"costSharing,omitempty"`
	ContactEmail     string                 `json:"contactEmail,omitempty"`
	KnownAdopters    string                 `json:"knownAdoptersText,omitempty"`
	Verified         string                 `json:"verified"`
	VerifiedNote     string                 `json:"verifiedNote,omitempty"`
	Source           string                 `json:"source,omitempty"`
	CreatedAt        time.Time              `json:"createdAt"`
	UpdatedAt        time.Time              `json:"updatedAt"`
}

// NewSolution returns the public record of a solution (provider and services
// must be loaded).
func NewSolution(s catalog.Solution) Solution {
	ids := s.OZGIDs()
	if ids == nil {
		ids = []string{}
	}
	return Solution{Slug: s.Slug, Name: s.Name, Summary: s.Summary, Description: s.Description,
		Provider: NewOrganisationRef(s.Provider), ProviderNote: s.ProviderNote, Partners: s.Partners, Operator: s.Operator,
		TopicFieldID: s.TopicFieldID, OZGIDs: ids, Status: string(s.Status), StatusNote: s.StatusNote,
		Maturity: s.Maturity, EfAMinimumMet: s.EfAMinimumMet, AccessChannel: s.AccessChannel, AccessURL: s.AccessURL,
		Licence: s.Licence, RepositoryURL: s.RepositoryURL, Standards: s.Standards, StandardsProfile: s.StandardsProfile, Costs: s.Costs,
		BuildCostEUR: s.BuildCostEUR, YearlyCostEUR: s.YearlyCostEUR, CostSharing: s.CostSharing,
		ContactEmail: s.ContactEmail, KnownAdopters: s.KnownAdopters, Verified: string(s.Verified),
		VerifiedNote: s.VerifiedNote, Source: s.Source, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

// Adoption is the public record of an adoption. ID is the adoption number
// as text: assigned once and never reused (AUTOINCREMENT).
type Adoption struct {
	ID       string          `json:"id"`
	Solution string          `json:"solution"`
	Adopter  OrganisationRef `json:"adopter"`
	Status   string          `json:"status"`
	Since    string          `json:"since,omitempty"`
	// ContractType, Note and Source are free text of the registration.
	ContractType string `json:"contractType,omitempty"`
	Note         string `json:"note,omitempty"`
	Source       string `json:"source,omitempty"`
	// ProviderConfirmation is "pending" until the provider confirms or
	// disputes it ("confirmed", "disputed"). "claimed" marks an adoption the
	// provider reported for the adopter (publiccode.yml usedBy) that the
	// adopter has not accepted yet: shown, but not to be counted.
	ProviderConfirmation string `json:"providerConfirmation"`
	// Release is the version of the solution the adopter runs, when recorded.
	Release   string    `json:"release,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// AdoptionID is the identifier of an adoption in the API and the change feed.
func AdoptionID(id uint) string { return strconv.FormatUint(uint64(id), 10) }

// NewAdoption returns the public record of an adoption. The adopter and the
// solution's slug are passed separately because the caller has loaded them.
func NewAdoption(a catalog.Adoption, solutionSlug string, adopter catalog.Organisation) Adoption {
	conf := string(a.Confirmation)
	if conf == "" {
		conf = "pending"
	}
	return Adoption{ID: AdoptionID(a.ID), Solution: solutionSlug, Adopter: *NewOrganisationRef(&adopter),
		Status: string(a.Status), Since: a.Since, ContractType: a.ContractType, Note: a.Note, Source: a.Source,
		ProviderConfirmation: conf, Release: a.Release, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

// Leika is a LeiKa-Leistung with its official URN (absent for the few rows
// the source lists without a key).
type Leika struct {
	Key        string `json:"key,omitempty"`
	URN        string `json:"urn,omitempty"`
	Name       string `json:"name"`
	Type       string `json:"type,omitempty"`
	LawShort   string `json:"lawShort,omitempty"`
	LegalBasis string `json:"legalBasis,omitempty"`
}

// Service is an OZG-Leistung with its LeiKa-Leistungen. OZGID is its stable identifier.
type Service struct {
	OZGID           string  `json:"ozgId"`
	Name            string  `json:"name"`
	TopicFieldID    uint    `json:"topicFieldId"`
	LifeSituationID *uint   `json:"lifeSituationId"`
	Leika           []Leika `json:"leika"`
}

// NewService returns the public record of an OZG-Leistung (LeiKa rows loaded).
func NewService(s catalog.Service) Service {
	out := Service{OZGID: s.ID, Name: s.Name, TopicFieldID: s.TopicFieldID, LifeSituationID: s.LifeSituationID,
		Leika: make([]Leika, 0, len(s.Leika))}
	for _, l := range s.Leika {
		out.Leika = append(out.Leika, Leika{Key: l.Key, URN: l.URN(), Name: l.Name, Type: l.Type, LawShort: l.LawShort, LegalBasis: l.LegalBasis})
	}
	return out
}

// TopicField is one of the 14 OZG-Themenfelder.
type TopicField struct {
	ID           uint   `json:"id"`
	Name         string `json:"name"`
	LeadLand     string `json:"leadLand,omitempty"`
	LeadMinistry string `json:"leadMinistry,omitempty"`
	// LeadVerified says whether a source confirmed the lead ("ja", "teilweise", "nein").
	LeadVerified string `json:"leadVerified,omitempty"`
	LeadSource   string `json:"leadSource,omitempty"`
}

// NewTopicField returns the public record of a Themenfeld.
func NewTopicField(t catalog.TopicField) TopicField {
	return TopicField{ID: t.ID, Name: t.Name, LeadLand: t.LeadLand, LeadMinistry: t.LeadMinistry,
		LeadVerified: t.LeadVerified, LeadSource: t.LeadSource}
}

// LifeSituation is a Lebens- or Unternehmenslage.
type LifeSituation struct {
	ID           uint   `json:"id"`
	TopicFieldID uint   `json:"topicFieldId"`
	Name         string `json:"name"`
}

// NewLifeSituation returns the public record of a Lebenslage.
func NewLifeSituation(l catalog.LifeSituation) LifeSituation {
	return LifeSituation{ID: l.ID, TopicFieldID: l.TopicFieldID, Name: l.Name}
}

// LandStats are the per-Land figures of the register.
type LandStats struct {
	OrganisationRef
	ShortName          string  `json:"shortName,omitempty"`
	Population         int64   `json:"population"`
	KoenigsteinPercent float64 `json:"koenigsteinPercent"`
	// SolutionsProvided counts the solutions the Land provides.
	SolutionsProvided int64 `json:"solutionsProvided"`
	// AdoptionsMade counts adoptions by the Land and its Kreise and Gemeinden; LiveAdoptionsMade those live.
	AdoptionsMade     int64 `json:"adoptionsMade"`
	LiveAdoptionsMade int64 `json:"liveAdoptionsMade"`
	// AdoptionsReceived counts adoptions of the Land's solutions by organisations outside the Land.
	AdoptionsReceived int64 `json:"adoptionsReceived"`
	// AdoptingMunicipalities counts distinct Gemeinden of the Land with at least one adoption.
	AdoptingMunicipalities int64 `json:"adoptingMunicipalities"`
}
