package publiccode

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/github/go-spdx/v2/spdxexp"
	"golang.org/x/text/language"

	"efa-register/internal/i18n"
)

// The rules of the standard (publiccode.yml core, versions 0.2 to 0.7) that
// the import checks, each in one function so the tests can take them one
// by one and the export can apply the same ones.

// ReadVersions are the values of publiccodeYmlVersion the standard has
// published; "0" means the newest 0.x. Other 0.x values are read with a warning.
var ReadVersions = []string{"0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0",
	"0.5", "0.5.0", "0.6", "0.6.0", "0.7", "0.7.0"}

// DevelopmentStatuses are the values of developmentStatus.
var DevelopmentStatuses = []string{"concept", "development", "beta", "stable", "obsolete"}

// SoftwareTypes are the values of softwareType.
var SoftwareTypes = []string{"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
	"standalone/backend", "standalone/other", "addon", "library", "configurationFiles"}

// MaintenanceTypes are the values of maintenance.type.
var MaintenanceTypes = []string{"internal", "contract", "community", "none"}

// Categories is the standard's controlled vocabulary of categories.
var Categories = strings.Fields(`accounting agile-project-management applicant-tracking application-development
appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence business-process-management cad
call-center-management cloud-management collaboration communications compliance-management contact-management
content-management crm customer-service-and-support data-analytics data-collection data-visualization design
design-system digital-asset-management digital-citizenship document-management donor-management e-commerce
e-signature educational-content email-management email-marketing employee-management
enterprise-project-management enterprise-social-networking erp event-management facility-management
feedback-and-reviews-management financial-reporting fleet-management fundraising gamification
geographic-information-systems grant-management graphic-design help-desk hr ide identity-management
instant-messaging integrated-library-system inventory-management it-asset-management it-development
it-management it-security it-service-management knowledge-management learning-management-system marketing
mind-mapping mobile-marketing mobile-payment network-management office online-booking online-community
payment-gateway payroll predictive-analysis procurement productivity-suite project-collaboration
project-management property-management real-estate-management regulations-and-directives remote-support
resource-management sales-management seo service-desk social-media-management survey talent-management
task-management taxes-management test-management time-management time-tracking translation video-conferencing
video-editing visitor-management voip warehouse-management web-collaboration web-conferencing website-builder
whistleblowing workflow-management other`)

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// LanguageProblem checks a BCP 47 language tag as the standard requires it
// (description keys, localisation.availableLanguages) and returns "" when it
// is one, or the German reason. "en_GB" is refused with the right spelling,
// "xxx" because no such language is registered.
func LanguageProblem(tag string) string {
	if m, bad := LanguageProblemM(tag); bad {
		return m.String()
	}
	return ""
}

// LanguageProblemM is LanguageProblem as a catalogue message; bad is false
// when tag is a valid language tag.
func LanguageProblemM(tag string) (m i18n.Message, bad bool) {
	if tag == "" {
		return i18n.M("pcode.lang_missing"), true
	}
	if strings.Contains(tag, "_") {
		fixed := strings.ReplaceAll(tag, "_", "-")
		if _, err := language.Parse(fixed); err == nil {
			return i18n.M("pcode.lang_underscore", "Tag", tag, "Fixed", fixed), true
		}
		return i18n.M("pcode.lang_invalid", "Tag", tag), true
	}
	if _, err := language.Parse(tag); err != nil {
		return i18n.M("pcode.lang_unregistered", "Tag", tag), true
	}
	return i18n.Message{}, false
}

// ValidSPDX reports whether s is an SPDX licence expression whose licence
// identifiers are on the SPDX list (EUPL-1.2, MIT OR Apache-2.0, LicenseRef-…).
func ValidSPDX(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	ok, _ := spdxexp.ValidateLicenses([]string{s})
	return ok
}

// ValidWebURL reports whether s is an absolute http or https address.
func ValidWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 500
}

// ValidURL reports whether s is an absolute URL of any scheme (the
// standard's url key also allows git:// and ssh:// addresses).
func ValidURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && !strings.ContainsAny(s, " \t\n")
}

// ValidEmail reports whether s is a bare e-mail address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// ValidDate reports whether s is a date YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
