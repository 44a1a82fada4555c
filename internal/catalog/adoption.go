package catalog

import (
	"context"
	"regexp"
	"strings"
	"time"

	"efa-register/internal/i18n"
)

// AdoptionStatus is a step of the adoption lifecycle
// interested → contracted → onboarding → live → ended.
type AdoptionStatus string

// The adoption statuses in lifecycle order.
const (
	AdoptionInterested AdoptionStatus = "interested"
	AdoptionContracted AdoptionStatus = "contracted"
	AdoptionOnboarding AdoptionStatus = "onboarding"
	AdoptionLive       AdoptionStatus = "live"
	AdoptionEnded      AdoptionStatus = "ended"
)

// AdoptionStatuses lists the statuses in lifecycle order.
var AdoptionStatuses = []AdoptionStatus{AdoptionInterested, AdoptionContracted, AdoptionOnboarding, AdoptionLive, AdoptionEnded}

// Label is the German name of the status.
func (s AdoptionStatus) Msg() i18n.Message {
	switch s {
	case AdoptionInterested:
		return i18n.M("label.adoption_interested")
	case AdoptionContracted:
		return i18n.M("label.adoption_contracted")
	case AdoptionOnboarding:
		return i18n.M("label.adoption_onboarding")
	case AdoptionLive:
		return i18n.M("label.adoption_live")
	case AdoptionEnded:
		return i18n.M("label.adoption_ended")
	}
	return i18n.M("label.raw", "Text", string(s))
}

// Label is the German name (Msg in German).
func (s AdoptionStatus) Label() string { return s.Msg().String() }

// L is the name in the language of ctx.
func (s AdoptionStatus) L(ctx context.Context) string { return i18n.Localize(ctx, s.Msg()) }

func (s AdoptionStatus) rank() int {
	for i, x := range AdoptionStatuses {
		if s == x {
			return i
		}
	}
	return -1
}

// Valid reports whether s is a known status.
func (s AdoptionStatus) Valid() bool { return s.rank() >= 0 }

// CanTransition reports whether an adoption may move from one status to
// another: forward along the lifecycle (steps may be skipped), staying in
// place, or starting over with "interested" after it ended.
func CanTransition(from, to AdoptionStatus) bool {
	if !from.Valid() || !to.Valid() {
		return false
	}
	if from == AdoptionEnded {
		return to == AdoptionEnded || to == AdoptionInterested
	}
	return to.rank() >= from.rank()
}

// Confirmation is the provider's answer to an adoption the adopter
// registered, or marks an adoption the provider claimed for the adopter.
type Confirmation string

// The provider's answers; empty means not yet answered. ConfirmationClaimed
// is the other way round: the provider (in a publiccode.yml usedBy list)
// reported the adoption for an organisation it may not act for. Such a claim
// is shown, marked „vom Anbieter gemeldet“, but counts nowhere (scoreboard,
// coverage, savings, counts, maps, search facets) until the adopter accepts
// it (it becomes confirmed) or registers the adoption itself.
const (
	ConfirmationNone      Confirmation = ""
	ConfirmationConfirmed Confirmation = "confirmed"
	ConfirmationDisputed  Confirmation = "disputed"
	ConfirmationClaimed   Confirmation = "claimed"
)

// Label is the German name of the confirmation state.
func (c Confirmation) Msg() i18n.Message {
	switch c {
	case ConfirmationConfirmed:
		return i18n.M("label.confirmation_confirmed")
	case ConfirmationDisputed:
		return i18n.M("label.confirmation_disputed")
	case ConfirmationClaimed:
		return i18n.M("label.confirmation_claimed")
	}
	return i18n.M("label.confirmation_open")
}

// Label is the German name (Msg in German).
func (c Confirmation) Label() string { return c.Msg().String() }

// L is the name in the language of ctx.
func (c Confirmation) L(ctx context.Context) string { return i18n.Localize(ctx, c.Msg()) }

// Claimed reports whether the adoption is a provider's claim the adopter has
// not accepted yet; it counts in no figure.
func (a Adoption) Claimed() bool { return a.Confirmation == ConfirmationClaimed }

// Adoption records that an organisation adopted (or plans to adopt) a
// solution. There is one record per solution and organisation.
type Adoption struct {
	ID             uint           `gorm:"primaryKey" json:"id"`
	SolutionID     uint           `gorm:"not null;uniqueIndex:idx_adoption_pair,priority:1" json:"-"`
	Solution       *Solution      `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	OrganisationID uint           `gorm:"not null;uniqueIndex:idx_adoption_pair,priority:2;index" json:"-"`
	Organisation   *Organisation  `gorm:"constraint:OnDelete:RESTRICT" json:"-"`
	Status         AdoptionStatus `gorm:"size:20;not null;index" json:"status"`
	// Since is the date of the current status as precisely as known: YYYY, YYYY-MM or YYYY-MM-DD.
	Since        string       `gorm:"size:10" json:"since,omitempty"`
	ContractType string       `gorm:"size:100" json:"contractType,omitempty"`
	Note         string       `gorm:"size:1000" json:"note,omitempty"`
	Source       string       `gorm:"size:500" json:"source,omitempty"`
	RegisteredBy string       `gorm:"size:200" json:"registeredBy,omitempty"`
	Confirmation Confirmation `gorm:"size:20" json:"confirmation,omitempty"`
	// Release is the version of the solution (a Release of it) the adopter
	// runs; empty when not recorded.
	Release   string    `gorm:"size:50" json:"release,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

var (
	rePartialDate = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$`)
	// reGermanDate is TT.MM.JJJJ, MM.JJJJ or MM/JJJJ, with one-digit day and
	// month allowed and a space after a dot tolerated.
	reGermanDate = regexp.MustCompile(`^(?:([0-9]{1,2})\. ?)?([0-9]{1,2})(?:\. ?|/)([0-9]{4})$`)
)

// DateFormatsHint names the date formats ParsePartialDate accepts, for form hints and messages.
const DateFormatsHint = "TT.MM.JJJJ, MM.JJJJ oder JJJJ (auch JJJJ-MM-TT)"

// ValidPartialDate reports whether s is YYYY, YYYY-MM or YYYY-MM-DD and a real date.
func ValidPartialDate(s string) bool {
	if !rePartialDate.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

// ParsePartialDate reads a date as people type it and returns it in the
// stored form (YYYY, YYYY-MM or YYYY-MM-DD): German TT.MM.JJJJ, MM.JJJJ
// (or MM/JJJJ, as the pages show it) and JJJJ, and ISO JJJJ-MM-TT and
// JJJJ-MM. ok is false for anything else and for dates that do not exist
// (31.02.2026). Every date field of the register reads its input with it.
func ParsePartialDate(s string) (iso string, ok bool) {
	s = strings.TrimSpace(s)
	if m := reGermanDate.FindStringSubmatch(s); m != nil {
		iso = m[3] + "-" + pad2(m[2])
		if m[1] != "" {
			iso += "-" + pad2(m[1])
		}
		s = iso
	}
	if !ValidPartialDate(s) {
		return "", false
	}
	return s, true
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// Validate checks an adoption's own fields and returns a *ValidationError.
func (a *Adoption) Validate() error {
	var v ValidationError
	a.Since = strings.TrimSpace(a.Since)
	a.Note = strings.TrimSpace(a.Note)
	a.ContractType = strings.TrimSpace(a.ContractType)
	if !a.Status.Valid() {
		v.AddM("status", i18n.M("valid.status_invalid"))
	}
	if a.Since != "" {
		if iso, ok := ParsePartialDate(a.Since); ok {
			a.Since = iso
		} else {
			v.AddM("since", i18n.M("valid.since_format"))
		}
	}
	a.Source = strings.TrimSpace(a.Source)
	checkText(&v, "note", i18n.M("valid.label_note"), a.Note, MaxAdoptionNote)
	checkText(&v, "contractType", i18n.M("valid.label_contract_type"), a.ContractType, MaxContractType)
	checkText(&v, "source", i18n.M("valid.label_source"), a.Source, MaxAdoptionSource)
	checkText(&v, "registeredBy", i18n.M("valid.label_registered_by"), a.RegisteredBy, MaxRegisteredBy)
	a.Release = strings.TrimSpace(a.Release)
	if a.Release != "" && !ValidVersion(a.Release) {
		v.AddM("release", i18n.M("valid.release_required"))
	}
	switch a.Confirmation {
	case ConfirmationNone, ConfirmationConfirmed, ConfirmationDisputed, ConfirmationClaimed:
	default:
		v.AddM("confirmation", i18n.M("valid.confirmation_unknown"))
	}
	return v.Err()
}
