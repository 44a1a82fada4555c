package catalog

import (
	"context"
	"regexp"
	"strings"
	"time"

	"efa-register/internal/i18n"
)

// OrgKind is the kind of an organisation.
type OrgKind string

// The organisation kinds of the register.
const (
	KindBund       OrgKind = "bund"
	KindLand       OrgKind = "land"
	KindKreis      OrgKind = "kreis"
	KindGemeinde   OrgKind = "gemeinde"
	KindITProvider OrgKind = "it-dienstleister"
	BundKey                = "DE"
	ARSURNPrefix           = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"
	LeikaURNPrefix         = "urn:de:fim:leika:leistung:"
)

// Label is the German name of the kind.
func (k OrgKind) Msg() i18n.Message {
	switch k {
	case KindBund:
		return i18n.M("label.kind_bund")
	case KindLand:
		return i18n.M("label.kind_land")
	case KindKreis:
		return i18n.M("label.kind_kreis")
	case KindGemeinde:
		return i18n.M("label.kind_gemeinde")
	case KindITProvider:
		return i18n.M("label.kind_itprovider")
	}
	return i18n.M("label.raw", "Text", string(k))
}

// Label is the German name (Msg in German).
func (k OrgKind) Label() string { return k.Msg().String() }

// L is the name in the language of ctx.
func (k OrgKind) L(ctx context.Context) string { return i18n.Localize(ctx, k.Msg()) }

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	switch k {
	case KindBund, KindLand, KindKreis, KindGemeinde, KindITProvider:
		return true
	}
	return false
}

// Organisation is a provider or adopter: the Bund, a Land, a Kreis, a
// Gemeinde or an IT service provider. Its natural key is Kind+Key: "DE" for
// the Bund, the Länderschlüssel ("01".."16") for a Land, the five-digit
// Kreisschlüssel for a Kreis and the twelve-digit ARS for a Gemeinde.
type Organisation struct {
	ID         uint    `gorm:"primaryKey" json:"-"`
	Kind       OrgKind `gorm:"size:20;not null;uniqueIndex:idx_org_kind_key,priority:1" json:"kind"`
	Key        string  `gorm:"size:40;not null;uniqueIndex:idx_org_kind_key,priority:2" json:"key"`
	Name       string  `gorm:"size:200;not null;index" json:"name"`
	ShortName  string  `gorm:"size:20" json:"shortName,omitempty"`
	ARS        string  `gorm:"size:12;index" json:"ars,omitempty"`
	AGS        string  `gorm:"size:8;index" json:"ags,omitempty"`
	Type       string  `gorm:"size:60" json:"type,omitempty"`
	LandKey    string  `gorm:"size:2;index" json:"landKey,omitempty"`
	KreisKey   string  `gorm:"size:5;index" json:"kreisKey,omitempty"`
	Population int64   `json:"population"`
	AreaKm2    float64 `json:"areaKm2,omitempty"`
	Postcode   string  `gorm:"size:5;index" json:"postcode,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	Lon        float64 `json:"lon,omitempty"`
	// KoenigsteinPercent is the Königsteiner Schlüssel share of a Land (2016).
	KoenigsteinPercent float64 `json:"koenigsteinPercent,omitempty"`
	// RetiredAt is set when a reference-data refresh no longer lists the
	// organisation (a merged or dissolved Gemeinde). It is kept, never
	// deleted, so its history and unmapped adoptions stay visible.
	RetiredAt *time.Time `gorm:"index" json:"retiredAt,omitempty"`
	// SuccessorID is the organisation that took a retired one over, when known.
	SuccessorID *uint `gorm:"index" json:"-"`
}

// URN returns the official identifier of a Gemeinde or Kreis (by ARS), or "".
func (o Organisation) URN() string {
	switch o.Kind {
	case KindGemeinde, KindKreis, KindLand:
		if o.ARS != "" {
			return ARSURNPrefix + o.ARS
		}
	}
	return ""
}

var (
	reARS      = regexp.MustCompile(`^[0-9]{12}$`)
	reAGS      = regexp.MustCompile(`^[0-9]{8}$`)
	reLandKey  = regexp.MustCompile(`^(0[1-9]|1[0-6])$`)
	reKreisKey = regexp.MustCompile(`^[0-9]{5}$`)
	reProvKey  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	rePostcode = regexp.MustCompile(`^[0-9]{5}$`)
)

// ValidARS reports whether s is a twelve-digit Amtlicher Regionalschlüssel.
func ValidARS(s string) bool { return reARS.MatchString(s) }

// ValidAGS reports whether s is an eight-digit Amtlicher Gemeindeschlüssel.
func ValidAGS(s string) bool { return reAGS.MatchString(s) }

// ValidLandKey reports whether s is a Länderschlüssel 01..16.
func ValidLandKey(s string) bool { return reLandKey.MatchString(s) }

// Validate checks an organisation and returns a *ValidationError with German messages.
func (o *Organisation) Validate() error {
	var v ValidationError
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		v.AddM("name", i18n.M("valid.name_required"))
	}
	checkText(&v, "name", i18n.M("valid.label_name"), o.Name, MaxOrganisationName)
	checkText(&v, "shortName", i18n.M("valid.label_short_name"), o.ShortName, MaxShortName)
	checkText(&v, "type", i18n.M("valid.label_type"), o.Type, MaxOrganisationType)
	if !o.Kind.Valid() {
		v.AddM("kind", i18n.M("valid.org_kind_unknown"))
	}
	switch o.Kind {
	case KindBund:
		if o.Key != BundKey {
			v.AddM("key", i18n.M("valid.key_federal"))
		}
	case KindLand:
		if !ValidLandKey(o.Key) {
			v.AddM("key", i18n.M("valid.key_state"))
		}
	case KindKreis:
		if !reKreisKey.MatchString(o.Key) {
			v.AddM("key", i18n.M("valid.key_district"))
		}
	case KindGemeinde:
		if !ValidARS(o.Key) {
			v.AddM("key", i18n.M("valid.ars_digits"))
		}
	case KindITProvider:
		if !reProvKey.MatchString(o.Key) {
			v.AddM("key", i18n.M("valid.key_chars"))
		}
	}
	if o.ARS != "" && !ValidARS(o.ARS) {
		v.AddM("ars", i18n.M("valid.ars_digits"))
	}
	if o.AGS != "" && !ValidAGS(o.AGS) {
		v.AddM("ags", i18n.M("valid.ags_digits"))
	}
	if o.Postcode != "" && !rePostcode.MatchString(o.Postcode) {
		v.AddM("postcode", i18n.M("valid.postcode_digits"))
	}
	if o.Population < 0 {
		v.AddM("population", i18n.M("valid.population_negative"))
	}
	return v.Err()
}
