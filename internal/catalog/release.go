package catalog

import (
	"regexp"
	"strings"
	"time"

	"efa-register/internal/i18n"
)

// Release is a version of a solution the provider published: the version
// name, its date, notes and a link. The newest by date is the current
// release; an adoption may name the release the adopter runs
// (Adoption.Release), and security advisories name affected and fixed
// versions by it.
type Release struct {
	ID         uint      `gorm:"primaryKey" json:"-"`
	SolutionID uint      `gorm:"not null;uniqueIndex:idx_release_solution_version,priority:1" json:"-"`
	Solution   *Solution `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	Version    string    `gorm:"size:50;not null;uniqueIndex:idx_release_solution_version,priority:2" json:"version"`
	// Date is the release day, YYYY-MM-DD.
	Date      string    `gorm:"size:10;not null" json:"date"`
	Notes     string    `gorm:"size:2000" json:"notes,omitempty"`
	URL       string    `gorm:"size:500" json:"url,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Length limits of a release.
const (
	MaxReleaseVersion = 50
	MaxReleaseNotes   = 2000
	MaxReleaseURL     = 500
)

// reVersion is a version name: letters, digits and . + - _ ~, starting
// with a letter or digit (1.4.2, 2026.1, v3, 1.0.0-rc.1).
var reVersion = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_~-]*$`)

// ValidVersion reports whether s is a version name of at most MaxReleaseVersion characters.
func ValidVersion(s string) bool { return len(s) <= MaxReleaseVersion && reVersion.MatchString(s) }

// Validate checks the release's fields and returns a *ValidationError with
// German messages. The date is read as people type it (ParsePartialDate)
// and must name a day.
func (r *Release) Validate() error {
	var v ValidationError
	r.Version, r.Notes, r.URL = strings.TrimSpace(r.Version), strings.TrimSpace(r.Notes), strings.TrimSpace(r.URL)
	switch {
	case r.Version == "":
		v.AddM("version", i18n.M("valid.version_required"))
	case !ValidVersion(r.Version):
		v.AddM("version", i18n.M("valid.version_chars"))
	}
	if iso, ok := ParsePartialDate(r.Date); ok && len(iso) == 10 {
		r.Date = iso
	} else {
		v.AddM("date", i18n.M("valid.release_date"))
	}
	checkText(&v, "notes", i18n.M("valid.label_release_notes"), r.Notes, MaxReleaseNotes)
	checkText(&v, "url", i18n.M("valid.label_release_url"), r.URL, MaxReleaseURL)
	if r.URL != "" && v.Fields["url"] == "" && !validHTTPURL(r.URL) {
		v.AddM("url", i18n.M("valid.url_https"))
	}
	return v.Err()
}
