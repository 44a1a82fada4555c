package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// userAdministration logs in as platform admin in the shared browser,
// filters the user list, removes a role through the confirmation step
// (plain links and forms, no JavaScript needed) and checks every page with
// axe-core. It runs against its own database, since it writes.
func (b *browser) userAdministration(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	own := &browser{ctx: b.ctx, base: srv.URL, axe: b.axe}

	own.open(t, "/anmelden")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), "admin@example.de"),
		chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	own.click(t, "[data-testid=anmeldeformular] button[type=submit]")
	own.waitFor(t, "the account page", "location.pathname === '/konto' && !!document.querySelector('a[href=\"/verwaltung/benutzer\"]')")

	own.click(t, "a[href=\"/verwaltung/benutzer\"]")
	own.waitFor(t, "the user list", "document.querySelectorAll('[data-testid=benutzerzeile]').length === 6")
	own.checkPage(t, "user list")

	own.run(t, chromedp.SendKeys(chromedp.ID("feld-q"), "redaktion-a"))
	own.click(t, "[data-testid=benutzerfilter] button[type=submit]")
	own.waitFor(t, "the filtered list", "location.search.includes('q=redaktion-a') && document.querySelectorAll('[data-testid=benutzerzeile]').length === 1")
	own.checkPage(t, "filtered user list")

	own.click(t, "[data-testid=rolle-entfernen]")
	own.waitFor(t, "the confirmation page", "!!document.querySelector('[data-testid=bestaetigen-formular]')")
	if q := eval[string](t, own, "document.querySelector('[data-testid=bestaetigung]').textContent"); !strings.Contains(q, "hat danach keine Rolle mehr") {
		t.Errorf("confirmation = %q", q)
	}
	own.checkPage(t, "confirmation page")

	own.click(t, "[data-testid=bestaetigen-formular] button[type=submit]")
	own.waitFor(t, "the list with the notice", "location.pathname === '/verwaltung/benutzer' && !!document.querySelector('[data-testid=hinweis]')")
	if notice := eval[string](t, own, "document.querySelector('[data-testid=hinweis]').textContent"); !strings.Contains(notice, "Das Konto hat keine Rolle mehr.") {
		t.Errorf("notice = %q", notice)
	}
	if roles := eval[int](t, own, "document.querySelectorAll('[data-testid=rolle]').length"); roles != 0 {
		t.Errorf("%d roles left for redaktion-a", roles)
	}
	own.checkPage(t, "user list with notice")

	// Log out, so the shared browser's later pages are anonymous again.
	own.open(t, "/konto")
	own.click(t, "form[action=\"/abmelden\"] button[type=submit]")
	own.waitFor(t, "the start page", "location.pathname === '/'")
}
