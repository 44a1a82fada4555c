package mail

import (
	"fmt"
	"strings"

	"efa-register/internal/catalog"
)

// AdvisoryNotice is the e-mail to the members of the organisations affected
// by a published or updated security advisory: what it is about, what to do
// and where to answer. base is the register's address.
func AdvisoryNotice(a catalog.Advisory, solutionName, base string, to []string) Message {
	what := "Neuer Sicherheitshinweis"
	if a.Revision > 1 {
		what = fmt.Sprintf("Sicherheitshinweis aktualisiert (Revision %d)", a.Revision)
	}
	score := strings.Replace(fmt.Sprintf("%.1f", a.CVSSScore), ".", ",", 1)
	lines := []string{"Guten Tag,", "",
		"der Anbieter von „" + solutionName + "“ hat einen Sicherheitshinweis " + map[bool]string{true: "aktualisiert", false: "veröffentlicht"}[a.Revision > 1] + ".",
		"Sie erhalten ihn, weil Ihre Organisation die Lösung im Register als vereinbart, in Anbindung oder in Betrieb führt.", "",
		"  Titel:        " + a.Title,
		"  Schweregrad:  " + a.SeverityLabel() + " (CVSS " + score + ")",
	}
	if cves := a.CVEList(); len(cves) > 0 {
		lines = append(lines, "  CVE:          "+strings.Join(cves, ", "))
	}
	if a.AffectedVersions != "" {
		lines = append(lines, "  Betroffen:    "+a.AffectedVersions)
	}
	if a.FixedVersion != "" {
		lines = append(lines, "  Behoben in:   "+a.FixedVersion)
	}
	lines = append(lines, "", "Erforderliche Maßnahme:", a.Action, "",
		"Bitte melden Sie auf der Seite des Hinweises zurück, ob Sie die Maßnahme umgesetzt haben oder nicht betroffen sind (nach der Anmeldung):",
		fmt.Sprintf("%s/sicherheitshinweise/%d", base, a.ID))
	if a.Distribution == catalog.DistributionRestricted {
		lines = append(lines, "", "TLP:AMBER – nur für die betroffenen Organisationen bestimmt; bitte nicht weitergeben.")
	}
	return Message{Kind: "advisory", To: to, Subject: what + " (" + a.SeverityLabel() + "): " + a.Title,
		Body: strings.Join(lines, "\n") + "\n\n-- \nEfA-Register – das Register der „Einer für Alle“-Onlinedienste\nDiese Nachricht wurde automatisch erstellt."}
}
