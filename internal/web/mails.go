package web

import (
	"context"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
	"efa-register/internal/mail"
)

// The register's e-mails: plain text with absolute links (from
// EFA_PUBLIC_URL, else the address the request came to). They are queued
// after the database commit of what they tell (Mailer.Send returns at
// once), and without EFA_SMTP_URL (s.Mail nil) nothing is sent and the
// pages say so.
//
// A message to the person acting in the request (the confirmation of their
// account request, their password reset link) is in the request's
// language. A message to others, whose language the register does not
// know (deciders, the requester told a decision, the owner of an address,
// the members of affected organisations), is in German and English.

// ResetLinkLifetime is how long a password reset link works.
const ResetLinkLifetime = time.Hour

// sendIn sends the message written by text in the language l.
func (s *Site) sendIn(kind string, to []string, l i18n.Lang, text func(i18n.Lang) mail.Text) {
	if len(to) == 0 {
		s.Log.Warn("mail: no recipient", "kind", kind)
		return
	}
	s.Mail.Send(mail.In(kind, to, l, text))
}

// sendBoth sends the message written by text in German and English.
func (s *Site) sendBoth(kind string, to []string, text func(i18n.Lang) mail.Text) {
	if len(to) == 0 {
		s.Log.Warn("mail: no recipient", "kind", kind)
		return
	}
	s.Mail.Send(mail.Bilingual(kind, to, text))
}

// orgLabel names an organisation with its kind, e.g. "Flensburg (Gemeinde)".
func orgLabel(l i18n.Lang, o *catalog.Organisation) string {
	if o == nil {
		return l.T("mail.your_org")
	}
	return l.T("mail.org_label", "Name", o.Name, "Kind", o.Kind.Msg())
}

// mailRequestReceived confirms a new request to the requester, in the
// request's language, with the status link.
func (s *Site) mailRequestReceived(ctx context.Context, r catalog.AccountRequest, deciders string, statusLink string) {
	s.sendIn("request-received", []string{r.Email}, i18n.From(ctx), func(l i18n.Lang) mail.Text {
		return mail.Text{Subject: l.T("mail.received_subject"), Lines: []string{
			l.T("mail.greeting_name", "Name", r.Name),
			"",
			l.T("mail.received_text", "Org", orgLabel(l, r.Organisation), "Deciders", deciders),
			l.T("mail.received_later"),
			"",
			l.T("mail.received_status"),
			statusLink,
			"",
			l.T("mail.received_not_you")}}
	})
}

// mailRequestWaiting tells the deciders that a request waits for them.
func (s *Site) mailRequestWaiting(r catalog.AccountRequest, to []string, land, base string) {
	s.sendBoth("request-waiting", to, func(l i18n.Lang) mail.Text {
		lines := []string{l.T("mail.greeting"),
			"",
			l.T("mail.waiting_text"),
			"",
			mail.Field(l.T("mail.label_name"), r.Name),
			mail.Field(l.T("mail.label_email"), r.Email),
			mail.Field(l.T("mail.label_org"), orgLabel(l, r.Organisation)+", "+land),
		}
		if r.Message != "" {
			lines = append(lines, mail.Field(l.T("mail.label_message"), r.Message))
		}
		lines = append(lines, "", l.T("mail.waiting_link"), base+"/verwaltung/antraege")
		return mail.Text{Subject: l.T("mail.waiting_subject", "Name", r.Name, "Org", orgName(l, r.Organisation)), Lines: lines}
	})
}

func orgName(l i18n.Lang, o *catalog.Organisation) string {
	if o == nil {
		return l.T("mail.an_org")
	}
	return o.Name
}

// mailRequestKnown tells the owner of an address that already has an
// account or a pending request that someone requested an account with it:
// the page answered as for any request (issue 15, row 7). Who asked need
// not be the owner: the message is in German and English.
func (s *Site) mailRequestKnown(email string, hasAccount bool, pending catalog.AccountRequest, base string) {
	s.sendBoth("request-known", []string{email}, func(l i18n.Lang) mail.Text {
		lines := []string{l.T("mail.greeting"), "", l.T("mail.known_text")}
		if hasAccount {
			lines = append(lines,
				l.T("mail.known_account"),
				"",
				l.T("mail.known_login", "URL", base+"/anmelden"),
				l.T("mail.known_forgot", "URL", base+"/passwort-vergessen"))
		} else {
			lines = append(lines,
				l.T("mail.known_pending", "Date", l.Date(pending.CreatedAt), "Org", orgLabel(l, pending.Organisation)),
				l.T("mail.known_pending_next"))
		}
		lines = append(lines, "", l.T("mail.ignore_not_you"))
		return mail.Text{Subject: l.T("mail.known_subject"), Lines: lines}
	})
}

// mailDecision tells the requester the decision; the decider acted, so
// the message is in German and English.
func (s *Site) mailDecision(r catalog.AccountRequest, approved bool, base string) {
	if approved {
		s.sendBoth("request-approved", []string{r.Email}, func(l i18n.Lang) mail.Text {
			return mail.Text{Subject: l.T("mail.approved_subject"), Lines: []string{
				l.T("mail.greeting_name", "Name", r.Name),
				"",
				l.T("mail.approved_text", "Org", orgLabel(l, r.Organisation)),
				l.T("mail.approved_login"),
				base + "/anmelden"}}
		})
		return
	}
	s.sendBoth("request-rejected", []string{r.Email}, func(l i18n.Lang) mail.Text {
		lines := []string{l.T("mail.greeting_name", "Name", r.Name), "",
			l.T("mail.rejected_text", "Org", orgLabel(l, r.Organisation))}
		if r.Reason != "" {
			lines = append(lines, "", l.T("mail.rejected_reason", "Reason", r.Reason))
		} else {
			lines = append(lines, "", l.T("mail.rejected_no_reason"))
		}
		lines = append(lines, "", l.T("mail.rejected_questions"))
		return mail.Text{Subject: l.T("mail.rejected_subject"), Lines: lines}
	})
}

// mailPasswordReset sends the single-use reset link in the language of
// the request that asked for it.
func (s *Site) mailPasswordReset(ctx context.Context, u catalog.User, link string, expires time.Time) {
	s.sendIn("password-reset", []string{u.Email}, i18n.From(ctx), func(l i18n.Lang) mail.Text {
		return mail.Text{Subject: l.T("mail.reset_subject"), Lines: []string{
			l.T("mail.greeting_name", "Name", u.Name),
			"",
			l.T("mail.reset_text"),
			link,
			"",
			l.T("mail.reset_valid", "Time", l.DateTime(expires)),
			l.T("mail.reset_ignore")}}
	})
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
// a message, in German and English (who failed need not be the owner).
// base is the register's address for the links.
func (s *Site) NotifyLoginBlocked(ctx context.Context, email, base string, now time.Time) error {
	first, err := s.Throttle.FirstWarning(ctx, email, now)
	if err != nil {
		return err
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil || !first || !s.Mail.Enabled() {
		return nil // an unknown account, or told already: nothing to send
	}
	at := now.In(berlin)
	s.sendBoth("login-blocked", []string{u.Email}, func(l i18n.Lang) mail.Text {
		return mail.Text{Subject: l.T("mail.blocked_subject"), Lines: []string{
			l.T("mail.greeting_name", "Name", u.Name),
			"",
			l.T("mail.blocked_text", "Date", l.Date(at), "Time", at.Format("15:04")),
			l.T("mail.blocked_effect"),
			l.T("mail.blocked_own_device"),
			"",
			l.T("mail.blocked_change"),
			base + "/konto/passwort",
			l.T("mail.blocked_forgot", "URL", base+"/passwort-vergessen"),
			"",
			l.T("mail.blocked_unblock"),
			l.T("mail.blocked_once")}}
	})
	return nil
}
