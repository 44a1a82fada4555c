package web_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// accountJourneys walks the account pages in the shared browser, with
// e-mail: the request form with its search, the confirmation with its
// status link, the forced password change after a CLI password, "Passwort
// vergessen" and the link from the e-mail. axe checks each page.
func (b *browser) accountJourneys(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	own := &browser{ctx: b.ctx, base: srv.URL, axe: b.axe}
	own.run(t, chromedp.Navigate(srv.URL+"/abmelden")) // a clean slate in the shared browser

	own.open(t, "/konto/beantragen")
	own.checkPage(t, "request form")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-q"), "Flensburg"))
	own.click(t, `button[value=suchen]`)
	own.waitFor(t, "the organisations found", "!!document.querySelector('input[name=organisation]')")
	own.checkPage(t, "request form with organisations")
	if got := eval[string](t, own, "document.querySelector('.choice-decider').textContent"); got != "Es entscheidet die Landeskoordination Schleswig-Holstein." {
		t.Errorf("decider %q", got)
	}
	own.click(t, `input[name=organisation]`)
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-name"), "Erika Muster"),
		chromedp.SendKeys(chromedp.ID("feld-email"), "erika@flensburg.example"),
		chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	own.click(t, `button[value=beantragen]`)
	own.waitFor(t, "the confirmation", "!!document.querySelector('a[data-testid=statuslink]')")
	own.checkPage(t, "request confirmation")
	// The link is absolute on EFA_PUBLIC_URL (https://efa.example): open its path here.
	status := eval[string](t, own, "new URL(document.querySelector('a[data-testid=statuslink]').href).pathname")
	if !strings.HasPrefix(status, "/konto/antrag/") {
		t.Fatalf("status link path %q", status)
	}
	own.open(t, status)
	if got := eval[string](t, own, "document.querySelector('[data-testid=antragsstatus]').textContent"); !strings.Contains(got, "in Prüfung") {
		t.Errorf("status page: %q", got)
	}

	// A password from the command line: every page leads to the change form.
	if _, err := env.Store.CreateUser(context.Background(), "test", store.NewUser{Name: "Neu", Email: "neu@example.de",
		PasswordHash: servertest.PasswordHash(t), MustChangePassword: true, Memberships: []store.NewMembership{servertest.EditorOf(servertest.GemeindeB)}}); err != nil {
		t.Fatal(err)
	}
	own.open(t, "/anmelden")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), "neu@example.de"), chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	own.click(t, "[data-testid=anmeldeformular] button[type=submit]")
	own.waitFor(t, "the forced password form", "location.pathname === '/konto/passwort' && !!document.querySelector('[data-testid=passwort-pflicht]')")
	own.checkPage(t, "forced password change")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-current"), servertest.TestPassword),
		chromedp.SendKeys(chromedp.ID("feld-password"), "mein-eigenes-passwort"), chromedp.SendKeys(chromedp.ID("feld-repeat"), "mein-eigenes-passwort"))
	own.click(t, "[data-testid=passwortformular] button[type=submit]")
	own.waitFor(t, "the account page", "location.pathname === '/konto' && !!document.querySelector('[data-testid=hinweis]')")
	own.checkPage(t, "account page after the change")
	own.click(t, `form[action="/abmelden"] button`)
	own.waitFor(t, "the start page", "location.pathname === '/'")

	// Passwort vergessen, then the link from the e-mail.
	own.open(t, "/anmelden")
	own.click(t, "[data-testid=passwort-vergessen]")
	own.waitFor(t, "the forgot form", "!!document.querySelector('[data-testid=vergessen-formular]')")
	own.checkPage(t, "forgot form")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), "neu@example.de"))
	own.click(t, "[data-testid=vergessen-formular] button")
	own.waitFor(t, "the answer", "!!document.querySelector('[data-testid=hinweis]')")
	own.checkPage(t, "forgot answer")
	env.FlushMail(t)
	msgs := env.SMTP.To("neu@example.de")
	if len(msgs) != 1 {
		t.Fatalf("%d reset mails", len(msgs))
	}
	path := regexp.MustCompile(`/passwort-neu/[A-Za-z0-9_-]{43}`).FindString(msgs[0].Body)
	own.open(t, path)
	own.checkPage(t, "reset form")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-password"), "wieder-ein-neues-passwort"), chromedp.SendKeys(chromedp.ID("feld-repeat"), "wieder-ein-neues-passwort"))
	own.click(t, "[data-testid=neues-passwort] button")
	own.waitFor(t, "the login page with the notice", "location.pathname === '/anmelden' && !!document.querySelector('[data-testid=hinweis]')")
	own.open(t, path)
	if !strings.Contains(eval[string](t, own, "document.querySelector('main').textContent"), "Dieser Link gilt nicht mehr.") {
		t.Error("a used link is offered again")
	}
	own.checkPage(t, "used reset link")
}
