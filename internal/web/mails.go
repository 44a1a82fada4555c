package web

import (
	"context"
	"fmt"
	"strings"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/mail"
)

// The register's e-mails: German plain text with absolute links (from
// EFA_PUBLIC_URL, else the address the request came to). They are queued
// after the database commit of what they tell (Mailer.Send returns at
// once), and without EFA_SMTP_URL (s.Mail nil) nothing is sent and the
// pages say so.

// mailFooter closes every message.
const mailFooter = "\n\n-- \nEfA-Register – das Register der „Einer für Alle“-Onlinedienste\nDiese Nachricht wurde automatisch erstellt."

// ResetLinkLifetime is how long a password reset link works.
const ResetLinkLifetime = time.Hour

func (s *Site) send(kind string, to []string, subject string, lines ...string) {
	if len(to) == 0 {
		s.Log.Warn("mail: no recipient", "kind", kind)
		return
	}
	s.Mail.Send(mail.Message{Kind: kind, To: to, Subject: subject, Body: strings.Join(lines, "\n") + mailFooter})
}

// orgLabel names an organisation with its kind, e.g. "Flensburg (Gemeinde)".
func orgLabel(o *catalog.Organisation) string {
	if o == nil {
		return "Ihre Organisation"
	}
	return o.Name + " (" + o.Kind.Label() + ")"
}

// mailRequestReceived confirms a new request to the requester, with the status link.
func (s *Site) mailRequestReceived(r catalog.AccountRequest, deciders string, statusLink string) {
	s.send("request-received", []string{r.Email}, "Ihr Kontoantrag im EfA-Register ist eingegangen",
		"Guten Tag "+r.Name+",",
		"",
		"Ihr Antrag auf ein Konto für "+orgLabel(r.Organisation)+" ist eingegangen. Über ihn entscheidet "+deciders+".",
		"Sobald entschieden ist, erhalten Sie eine E-Mail.",
		"",
		"Den Stand Ihres Antrags sehen Sie jederzeit hier:",
		statusLink,
		"",
		"Wenn Sie kein Konto beantragt haben, antworten Sie bitte nicht auf diese Nachricht, sondern wenden Sie sich an die Landeskoordination Ihres Landes.")
}

// mailRequestWaiting tells the deciders that a request waits for them.
func (s *Site) mailRequestWaiting(r catalog.AccountRequest, to []string, land, base string) {
	lines := []string{"Guten Tag,",
		"",
		"ein neuer Kontoantrag wartet auf Ihre Entscheidung:",
		"",
		"  Name:         " + r.Name,
		"  E-Mail:       " + r.Email,
		"  Organisation: " + orgLabel(r.Organisation) + ", " + land,
	}
	if r.Message != "" {
		lines = append(lines, "  Nachricht:    "+strings.ReplaceAll(r.Message, "\n", "\n                "))
	}
	lines = append(lines, "", "Genehmigen oder ablehnen können Sie ihn hier (nach der Anmeldung):", base+"/verwaltung/antraege")
	s.send("request-waiting", to, "Neuer Kontoantrag: "+r.Name+" für "+orgName(r.Organisation), lines...)
}

func orgName(o *catalog.Organisation) string {
	if o == nil {
		return "eine Organisation"
	}
	return o.Name
}

// mailRequestKnown tells the owner of an address that already has an
// account or a pending request that someone requested an account with it:
// the page answered as for any request (issue 15, row 7).
func (s *Site) mailRequestKnown(email string, hasAccount bool, pending catalog.AccountRequest, base string) {
	lines := []string{"Guten Tag,", "",
		"mit Ihrer E-Mail-Adresse wurde soeben im EfA-Register ein Konto beantragt."}
	if hasAccount {
		lines = append(lines,
			"Für diese Adresse gibt es bereits ein Konto; der neue Antrag wird nicht bearbeitet. Sie müssen nichts tun.",
			"",
			"Anmelden: "+base+"/anmelden",
			"Passwort vergessen? Hier erhalten Sie einen Link zum Zurücksetzen: "+base+"/passwort-vergessen")
	} else {
		lines = append(lines,
			"Für diese Adresse liegt bereits ein Antrag vom "+pending.CreatedAt.Format(dateDE)+" für "+orgLabel(pending.Organisation)+" vor, über den noch nicht entschieden ist.",
			"Der neue Antrag wird nicht bearbeitet. Sobald über den ersten entschieden ist, erhalten Sie eine E-Mail.")
	}
	lines = append(lines, "", "Wenn Sie das nicht waren, können Sie diese Nachricht ignorieren.")
	s.send("request-known", []string{email}, "Kontoantrag im EfA-Register", lines...)
}

// mailDecision tells the requester the decision.
func (s *Site) mailDecision(r catalog.AccountRequest, approved bool, base string) {
	if approved {
		s.send("request-approved", []string{r.Email}, "Ihr Konto im EfA-Register ist freigeschaltet",
			"Guten Tag "+r.Name+",",
			"",
			"Ihr Antrag auf ein Konto für "+orgLabel(r.Organisation)+" wurde genehmigt.",
			"Sie können sich jetzt mit Ihrer E-Mail-Adresse und dem Passwort aus Ihrem Antrag anmelden:",
			base+"/anmelden")
		return
	}
	lines := []string{"Guten Tag " + r.Name + ",", "",
		"Ihr Antrag auf ein Konto für " + orgLabel(r.Organisation) + " wurde abgelehnt."}
	if r.Reason != "" {
		lines = append(lines, "", "Begründung: "+r.Reason)
	} else {
		lines = append(lines, "", "Eine Begründung wurde nicht angegeben.")
	}
	lines = append(lines, "", "Bei Fragen wenden Sie sich bitte an die Landeskoordination Ihres Landes.")
	s.send("request-rejected", []string{r.Email}, "Ihr Kontoantrag im EfA-Register wurde abgelehnt", lines...)
}

// mailPasswordReset sends the single-use reset link.
func (s *Site) mailPasswordReset(u catalog.User, link string, expires time.Time) {
	s.send("password-reset", []string{u.Email}, "Passwort zurücksetzen – EfA-Register",
		"Guten Tag "+u.Name+",",
		"",
		"für Ihr Konto im EfA-Register wurde ein neues Passwort angefordert. Über diesen Link legen Sie es fest:",
		link,
		"",
		"Der Link gilt einmal und bis "+expires.In(berlin).Format("02.01.2006, 15:04")+" Uhr.",
		"Wenn Sie kein neues Passwort angefordert haben, können Sie diese Nachricht ignorieren; Ihr Passwort bleibt dann unverändert.")
}

// berlin is the time zone of the times in e-mails.
var berlin = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.FixedZone("MEZ", 3600)
}()

// NotifyLoginBlocked tells the owner of the account named email, once a
// day at most, that failed logins have blocked or slowed it (issue 15,
// row 3). It does the same database work whether the account exists or
// not, so the login's answer time does not tell; only a known account gets
// a message. base is the register's address for the links.
func (s *Site) NotifyLoginBlocked(ctx context.Context, email, base string, now time.Time) error {
	first, err := s.Throttle.FirstWarning(ctx, email, now)
	if err != nil {
		return err
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil || !first || !s.Mail.Enabled() {
		return nil // an unknown account, or told already: nothing to send
	}
	s.send("login-blocked", []string{u.Email}, "Fehlgeschlagene Anmeldeversuche bei Ihrem Konto – EfA-Register",
		"Guten Tag "+u.Name+",",
		"",
		fmt.Sprintf("bei Ihrem Konto im EfA-Register sind am %s mehrfach falsche Passwörter eingegeben worden.", now.In(berlin).Format("02.01.2006 um 15:04 Uhr")),
		"Anmeldeversuche von dort werden deshalb vorübergehend gesperrt oder verlangsamt. Mit Ihrem richtigen Passwort können Sie sich weiterhin anmelden;",
		"war der Versuch von Ihrem eigenen Gerät, ist die Sperre dort nach spätestens 15 Minuten vorbei.",
		"",
		"Wenn Sie das nicht waren, ändern Sie bitte Ihr Passwort:",
		base+"/konto/passwort",
		"Passwort vergessen? "+base+"/passwort-vergessen",
		"",
		"Der Betrieb des Registers kann die Sperre auch sofort aufheben (efa user unblock).",
		"Diese Nachricht erhalten Sie höchstens einmal am Tag.")
	return nil
}
