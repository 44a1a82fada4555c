package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/mail"
	"efa-register/internal/mail/mailtest"
)

// The advisory notice goes to people whose language the register does not
// know: German first, unchanged, then the English version, through a real
// SMTP server.
func TestAdvisoryNoticeBilingual(t *testing.T) {
	srv := mailtest.Start(t)
	cfg, err := mail.ParseURL(srv.URL("register@land.example"))
	if err != nil {
		t.Fatal(err)
	}
	m := mail.New(cfg, mail.Options{Retries: []time.Duration{}})
	defer m.Close(context.Background())
	a := catalog.Advisory{ID: 7, Title: "Sitzungsübernahme", Severity: "HIGH", CVSSScore: 8.1, CVEs: "CVE-2025-12345",
		AffectedVersions: "bis 3.1", FixedVersion: "3.2", Action: "Auf 3.2 aktualisieren.", Revision: 2,
		Distribution: catalog.DistributionRestricted}
	m.Send(mail.AdvisoryNotice(a, "Wohngeld", "https://efa.example", []string{"a@gemeinde.example"}))
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	g := got[0]
	if want := "Sicherheitshinweis aktualisiert (Revision 2) (hoch): Sitzungsübernahme / Security advisory updated (revision 2) (high): Sitzungsübernahme"; g.Subject != want {
		t.Errorf("subject %q\nwant    %q", g.Subject, want)
	}
	de, en, ok := strings.Cut(strings.ReplaceAll(g.Body, "\r\n", "\n"), "\n\n– English version –\n\n")
	if !ok {
		t.Fatalf("no English version:\n%s", g.Body)
	}
	wantDE := "Guten Tag,\n\nder Anbieter von „Wohngeld“ hat einen Sicherheitshinweis aktualisiert.\n" +
		"Sie erhalten ihn, weil Ihre Organisation die Lösung im Register als vereinbart, in Anbindung oder in Betrieb führt.\n\n" +
		"  Titel:        Sitzungsübernahme\n  Schweregrad:  hoch (CVSS 8,1)\n  CVE:          CVE-2025-12345\n" +
		"  Betroffen:    bis 3.1\n  Behoben in:   3.2\n\nErforderliche Maßnahme:\nAuf 3.2 aktualisieren.\n\n" +
		"Bitte melden Sie auf der Seite des Hinweises zurück, ob Sie die Maßnahme umgesetzt haben oder nicht betroffen sind (nach der Anmeldung):\n" +
		"https://efa.example/sicherheitshinweise/7\n\nTLP:AMBER – nur für die betroffenen Organisationen bestimmt; bitte nicht weitergeben."
	if de != wantDE {
		t.Errorf("German part:\n%s\nwant:\n%s", de, wantDE)
	}
	for _, s := range []string{"Hello,\n\nThe provider of “Wohngeld” has updated a security advisory.",
		"  Title:        Sitzungsübernahme\n  Severity:     high (CVSS 8.1)\n  CVE:          CVE-2025-12345\n  Affected:     bis 3.1\n  Fixed in:     3.2",
		"Required action:\nAuf 3.2 aktualisieren.", "https://efa.example/sicherheitshinweise/7",
		"TLP:AMBER – intended only for the affected organisations; please do not pass it on.",
		"\n-- \nEfA-Register – das Register der „Einer für Alle“-Onlinedienste\nDiese Nachricht wurde automatisch erstellt.\nEfA-Register – the register of the “Einer für Alle” (One for All) online services\nThis message was generated automatically.",
	} {
		if !strings.Contains(en, s) {
			t.Errorf("English part lacks %q:\n%s", s, en)
		}
	}
	for _, w := range []string{"Guten Tag", "Schweregrad", "Maßnahme"} {
		if strings.Contains(en, w) {
			t.Errorf("English part has %q", w)
		}
	}
}

// Field aligns the values of a list and indents the lines of a longer one.
func TestField(t *testing.T) {
	if got := mail.Field("Nachricht", "eins\nzwei"); got != "  Nachricht:    eins\n                zwei" {
		t.Errorf("Field = %q", got)
	}
	if got := mail.Field("Eine sehr lange Beschriftung", "x"); got != "  Eine sehr lange Beschriftung: x" {
		t.Errorf("Field = %q", got)
	}
}
