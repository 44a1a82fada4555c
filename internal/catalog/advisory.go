package catalog

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	gocvss31 "github.com/pandatix/go-cvss/31"

	"efa-register/internal/i18n"
)

// AdvisoryStatus is where a security advisory (Sicherheitshinweis) stands.
type AdvisoryStatus string

// The advisory statuses. A draft is seen only by those who may write it;
// "updated" is a published advisory that was changed after publication.
const (
	AdvisoryDraft     AdvisoryStatus = "draft"
	AdvisoryPublished AdvisoryStatus = "published"
	AdvisoryUpdated   AdvisoryStatus = "updated"
	AdvisoryClosed    AdvisoryStatus = "closed"
)

// AdvisoryStatuses lists the statuses in their order.
var AdvisoryStatuses = []AdvisoryStatus{AdvisoryDraft, AdvisoryPublished, AdvisoryUpdated, AdvisoryClosed}

// Label is the German name of the status.
func (s AdvisoryStatus) Msg() i18n.Message {
	switch s {
	case AdvisoryDraft:
		return i18n.M("label.advisory_draft")
	case AdvisoryPublished:
		return i18n.M("label.advisory_published")
	case AdvisoryUpdated:
		return i18n.M("label.advisory_updated")
	case AdvisoryClosed:
		return i18n.M("label.advisory_closed")
	}
	return i18n.M("label.raw", "Text", string(s))
}

// Label is the German name (Msg in German).
func (s AdvisoryStatus) Label() string { return s.Msg().String() }

// L is the name in the language of ctx.
func (s AdvisoryStatus) L(ctx context.Context) string { return i18n.Localize(ctx, s.Msg()) }

// Valid reports whether s is a known status.
func (s AdvisoryStatus) Valid() bool { return slices.Contains(AdvisoryStatuses, s) }

// Open reports whether adopters still have to act on the advisory: it is
// published (or updated) and not closed.
func (s AdvisoryStatus) Open() bool { return s == AdvisoryPublished || s == AdvisoryUpdated }

// Distribution says who may read an advisory, in the Traffic Light Protocol.
type Distribution string

// The distributions: public (TLP:CLEAR) or only the affected (TLP:AMBER).
const (
	DistributionPublic     Distribution = "public"
	DistributionRestricted Distribution = "restricted"
)

// Label is the German name with its TLP label.
func (d Distribution) Msg() i18n.Message {
	if d == DistributionRestricted {
		return i18n.M("label.distribution_restricted")
	}
	return i18n.M("label.distribution_public")
}

// Label is the German name (Msg in German).
func (d Distribution) Label() string { return d.Msg().String() }

// L is the name in the language of ctx.
func (d Distribution) L(ctx context.Context) string { return i18n.Localize(ctx, d.Msg()) }

// TLP is the Traffic Light Protocol label of the distribution.
func (d Distribution) TLP() string {
	if d == DistributionRestricted {
		return "AMBER"
	}
	return "CLEAR"
}

// Advisory is a security advisory of a provider for one solution.
type Advisory struct {
	ID               uint      `gorm:"primaryKey" json:"id"`
	SolutionID       uint      `gorm:"not null;index" json:"-"`
	Solution         *Solution `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	Title            string    `gorm:"size:300;not null" json:"title"`
	Summary          string    `gorm:"size:5000" json:"summary"`
	CVSSVector       string    `gorm:"size:200;not null" json:"cvssVector"`
	CVSSScore        float64   `json:"cvssScore"`
	Severity         string    `gorm:"size:20;not null;index" json:"severity"`
	CVEs             string    `gorm:"size:1000" json:"-"`
	AffectedVersions string    `gorm:"size:500" json:"affectedVersions"`
	FixedVersion     string    `gorm:"size:100" json:"fixedVersion"`
	Action           string    `gorm:"size:5000" json:"action"`
	// Distribution public or restricted: see Principal.CanReadAdvisory.
	Distribution Distribution   `gorm:"size:20;not null" json:"distribution"`
	Status       AdvisoryStatus `gorm:"size:20;not null;index" json:"status"`
	// Revision counts the published versions (0 while a draft).
	Revision    int        `gorm:"not null" json:"revision"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// CVEList is the advisory's CVE ids.
func (a Advisory) CVEList() []string {
	if a.CVEs == "" {
		return []string{}
	}
	return strings.Split(a.CVEs, ",")
}

// SeverityLabel is the German name of the severity rating.
func (a Advisory) SeverityLabel() string { return SeverityLabel(a.Severity) }

// SeverityLabel names a CVSS 3.1 qualitative rating in German.
func SeverityMsg(rating string) i18n.Message {
	switch rating {
	case "CRITICAL":
		return i18n.M("label.severity_critical")
	case "HIGH":
		return i18n.M("label.severity_high")
	case "MEDIUM":
		return i18n.M("label.severity_medium")
	case "LOW":
		return i18n.M("label.severity_low")
	case "NONE":
		return i18n.M("label.severity_none")
	}
	return i18n.M("label.raw", "Text", rating)
}

// SeverityLabel names a CVSS 3.1 qualitative rating in German.
func SeverityLabel(rating string) string { return SeverityMsg(rating).String() }

// Severities lists the CVSS ratings from the worst.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"}

// AffectingAdoption lists the adoption statuses that make an organisation
// affected by an advisory of the solution: it has signed, is being
// connected, or runs it.
var AffectingAdoption = []AdoptionStatus{AdoptionContracted, AdoptionOnboarding, AdoptionLive}

var reCVE = regexp.MustCompile(`^CVE-(1999|2\d{3})-(0\d{2}[1-9]|[1-9]\d{3,})$`)

// ValidCVE reports whether s is a CVE id in the format of the CVE program
// (CVE-YYYY-NNNN with four or more digits).
func ValidCVE(s string) bool { return reCVE.MatchString(s) }

// Length limits of an advisory's text fields.
const (
	MaxAdvisoryTitle    = 300
	MaxAdvisorySummary  = 5000
	MaxCVSSVector       = 200
	MaxAdvisoryVersions = 500
	MaxFixedVersion     = 100
	MaxAdvisoryAction   = 5000
	MaxCVEs             = 20
)

// SetCVEs normalises and stores the CVE ids.
func (a *Advisory) SetCVEs(ids []string) {
	var out []string
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	a.CVEs = strings.Join(out, ",")
}

// Validate checks the advisory's fields, scores its CVSS vector and sets
// CVSSScore and Severity; messages are German, keyed by the API's field names.
func (a *Advisory) Validate() error {
	var v ValidationError
	for _, p := range []*string{&a.Title, &a.Summary, &a.CVSSVector, &a.AffectedVersions, &a.FixedVersion, &a.Action} {
		*p = strings.TrimSpace(*p)
	}
	if a.Title == "" {
		v.AddM("title", i18n.M("valid.title_required"))
	}
	checkText(&v, "title", i18n.M("valid.label_title"), a.Title, MaxAdvisoryTitle)
	checkText(&v, "summary", i18n.M("valid.label_summary"), a.Summary, MaxAdvisorySummary)
	checkText(&v, "affectedVersions", i18n.M("valid.label_affected_versions"), a.AffectedVersions, MaxAdvisoryVersions)
	checkText(&v, "fixedVersion", i18n.M("valid.label_fixed_version"), a.FixedVersion, MaxFixedVersion)
	checkText(&v, "action", i18n.M("valid.label_action"), a.Action, MaxAdvisoryAction)
	if a.Action == "" {
		v.AddM("action", i18n.M("valid.action_required"))
	}
	switch {
	case a.CVSSVector == "":
		v.AddM("cvssVector", i18n.M("valid.cvss_required"))
	case len(a.CVSSVector) > MaxCVSSVector:
		v.AddM("cvssVector", i18n.M("valid.cvss_too_long", "Max", MaxCVSSVector))
	default:
		if score, rating, err := ScoreCVSS(a.CVSSVector); err != nil {
			var m i18n.Message
			if errors.As(err, &m) {
				v.AddM("cvssVector", m)
			} else {
				v.Add("cvssVector", err.Error())
			}
		} else {
			a.CVSSScore, a.Severity = score, rating
		}
	}
	cves := a.CVEList()
	if len(cves) > MaxCVEs {
		v.AddM("cves", i18n.M("valid.cves_too_many", "Max", MaxCVEs))
	}
	for _, id := range cves {
		if !ValidCVE(id) {
			v.AddM("cves", i18n.M("valid.cve_invalid", "ID", id))
			break
		}
	}
	if a.Distribution != DistributionPublic && a.Distribution != DistributionRestricted {
		v.AddM("distribution", i18n.M("valid.distribution_invalid"))
	}
	if !a.Status.Valid() {
		v.AddM("status", i18n.M("valid.advisory_status_invalid"))
	}
	return v.Err()
}

// ScoreCVSS parses a CVSS 3.1 vector and returns its base score and
// qualitative rating (NONE, LOW, MEDIUM, HIGH, CRITICAL), or an error that is
// an i18n.Message (German text, localisable).
func ScoreCVSS(vector string) (float64, string, error) {
	if !strings.HasPrefix(vector, "CVSS:3.1/") {
		return 0, "", i18n.M("valid.cvss_prefix")
	}
	c, err := gocvss31.ParseVector(vector)
	if err != nil {
		return 0, "", i18n.M("valid.cvss_invalid", "Reason", err.Error())
	}
	score := c.BaseScore()
	rating, err := gocvss31.Rating(score)
	if err != nil {
		return 0, "", i18n.M("valid.cvss_invalid", "Reason", err.Error())
	}
	return score, rating, nil
}

// ResponseKind is what an affected organisation answered to an advisory.
type ResponseKind string

// The responses of an affected organisation.
const (
	ResponseRead        ResponseKind = "read"
	ResponseDone        ResponseKind = "done"
	ResponseNotAffected ResponseKind = "not-affected"
)

// ResponseKinds lists the responses.
var ResponseKinds = []ResponseKind{ResponseRead, ResponseDone, ResponseNotAffected}

// Label is the German name of the response.
func (k ResponseKind) Msg() i18n.Message {
	switch k {
	case ResponseRead:
		return i18n.M("label.response_read")
	case ResponseDone:
		return i18n.M("label.response_done")
	case ResponseNotAffected:
		return i18n.M("label.response_not_affected")
	}
	return i18n.M("label.response_none")
}

// Label is the German name (Msg in German).
func (k ResponseKind) Label() string { return k.Msg().String() }

// L is the name in the language of ctx.
func (k ResponseKind) L(ctx context.Context) string { return i18n.Localize(ctx, k.Msg()) }

// Acted reports whether the response closes the matter for the organisation:
// it has applied the measure or is not affected (reading is not acting).
func (k ResponseKind) Acted() bool { return k == ResponseDone || k == ResponseNotAffected }

// Length limits of a response.
const (
	MaxResponseVersion = 100
	MaxResponseReason  = 1000
)

// AdvisoryResponse is one affected organisation's answer to an advisory.
type AdvisoryResponse struct {
	ID             uint          `gorm:"primaryKey" json:"-"`
	AdvisoryID     uint          `gorm:"not null;uniqueIndex:idx_advisory_response,priority:1" json:"-"`
	Advisory       *Advisory     `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	OrganisationID uint          `gorm:"not null;uniqueIndex:idx_advisory_response,priority:2;index" json:"-"`
	Organisation   *Organisation `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	Kind           ResponseKind  `gorm:"size:20;not null" json:"kind"`
	// DoneOn (ISO date) and Version: when the measure was applied and which version runs since.
	DoneOn    string    `gorm:"size:10" json:"doneOn,omitempty"`
	Version   string    `gorm:"size:100" json:"installedVersion,omitempty"`
	Reason    string    `gorm:"size:1000" json:"reason,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks the response; DoneOn is an ISO date (the web form turns
// German dates into it first).
func (r *AdvisoryResponse) Validate() error {
	var v ValidationError
	r.DoneOn, r.Version, r.Reason = strings.TrimSpace(r.DoneOn), strings.TrimSpace(r.Version), strings.TrimSpace(r.Reason)
	if !slices.Contains(ResponseKinds, r.Kind) {
		v.AddM("kind", i18n.M("valid.response_kind_invalid"))
	}
	checkText(&v, "installedVersion", i18n.M("valid.label_installed_version"), r.Version, MaxResponseVersion)
	checkText(&v, "reason", i18n.M("valid.label_reason"), r.Reason, MaxResponseReason)
	switch r.Kind {
	case ResponseDone:
		if r.DoneOn == "" {
			v.AddM("doneOn", i18n.M("valid.done_on_required"))
		} else if t, err := time.Parse("2006-01-02", r.DoneOn); err != nil {
			v.AddM("doneOn", i18n.M("valid.date_iso"))
		} else if t.After(time.Now().Add(24 * time.Hour)) {
			v.AddM("doneOn", i18n.M("valid.date_future"))
		}
		if r.Version == "" {
			v.AddM("installedVersion", i18n.M("valid.installed_version_required"))
		}
		r.Reason = ""
	case ResponseNotAffected:
		if r.Reason == "" {
			v.AddM("reason", i18n.M("valid.not_affected_reason_required"))
		}
		r.DoneOn, r.Version = "", ""
	case ResponseRead:
		r.DoneOn, r.Version, r.Reason = "", "", ""
	}
	return v.Err()
}

// CanWriteAdvisory reports whether the principal may write advisories of
// the solution: platform admins and the editors of its provider.
func (p Principal) CanWriteAdvisory(s Solution) bool {
	if p.Admin {
		return true
	}
	if s.ProviderID == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.OrganisationID == *s.ProviderID && g.Role == RoleEditor {
			return true
		}
	}
	return false
}

// MemberOf reports whether the principal holds any role in the organisation.
func (p Principal) MemberOf(orgID uint) bool {
	for _, g := range p.Grants {
		if g.OrganisationID == orgID {
			return true
		}
	}
	return false
}

// CanReadAdvisory reports whether the principal may read the advisory, given
// the organisations affected by it. A draft is for its writers only; a
// public advisory for everyone once published; a restricted one for its
// writers, the members of affected organisations, the coordinators of their
// Länder and platform admins.
func (p Principal) CanReadAdvisory(a Advisory, s Solution, affected []Organisation) bool {
	if p.CanWriteAdvisory(s) {
		return true
	}
	if a.Status == AdvisoryDraft {
		return false
	}
	if a.Distribution == DistributionPublic {
		return true
	}
	coordinated := p.Coordinates()
	for _, o := range affected {
		if p.MemberOf(o.ID) || (o.LandKey != "" && slices.Contains(coordinated, o.LandKey)) || (o.Kind == KindLand && slices.Contains(coordinated, o.Key)) {
			return true
		}
	}
	return false
}

// CanRespondFor reports whether the principal may record the response of
// the affected organisation: it acts for it (its editor or coordinator, the
// coordinator of its Land, or an admin).
func (p Principal) CanRespondFor(o Organisation) bool { return p.ActsFor(o) }
