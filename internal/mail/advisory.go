package mail

import (
	"fmt"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// AdvisoryNotice is the e-mail to the members of the organisations affected
// by a published or updated security advisory: what it is about, what to do
// and where to answer. base is the register's address. The recipients'
// languages are unknown: the message is in German and English.
func AdvisoryNotice(a catalog.Advisory, solutionName, base string, to []string) Message {
	return Bilingual("advisory", to, func(l i18n.Lang) Text {
		what := l.T("mail.advisory_new")
		text := l.T("mail.advisory_published_text", "Solution", solutionName)
		if a.Revision > 1 {
			what = l.T("mail.advisory_updated", "Revision", a.Revision)
			text = l.T("mail.advisory_updated_text", "Solution", solutionName)
		}
		severity := catalog.SeverityMsg(a.Severity).In(l)
		lines := []string{l.T("mail.greeting"), "", text, l.T("mail.advisory_why"), "",
			Field(l.T("mail.label_title"), a.Title),
			Field(l.T("mail.label_severity"), l.T("advisory.severity_score", "Rating", severity, "Score", l.Decimal(a.CVSSScore, 1))),
		}
		if cves := a.CVEList(); len(cves) > 0 {
			lines = append(lines, Field("CVE", strings.Join(cves, ", ")))
		}
		if a.AffectedVersions != "" {
			lines = append(lines, Field(l.T("mail.label_affected"), a.AffectedVersions))
		}
		if a.FixedVersion != "" {
			lines = append(lines, Field(l.T("mail.label_fixed"), a.FixedVersion))
		}
		lines = append(lines, "", l.T("mail.advisory_action"), a.Action, "",
			l.T("mail.advisory_respond"),
			fmt.Sprintf("%s/sicherheitshinweise/%d", base, a.ID))
		if a.Distribution == catalog.DistributionRestricted {
			lines = append(lines, "", l.T("mail.advisory_tlp"))
		}
		return Text{Subject: l.T("mail.advisory_subject", "What", what, "Severity", severity, "Title", a.Title), Lines: lines}
	})
}
