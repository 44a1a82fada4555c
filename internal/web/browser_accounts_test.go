package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// registerAdoption logs in as the editor of Kiel in the shared browser,
// registers an adoption on a solution page, and finds it in the adopter list
// and on the map. It runs against its own database, since it writes.
func (b *browser) registerAdoption(t *testing.T) {
	env := servertest.NewEnvWith(t, server.AuthConfig{}, true)
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	own := &browser{ctx: b.ctx, base: srv.URL, axe: b.axe}

	own.open(t, "/anmelden")
	own.checkPage(t, "login page")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), "redaktion-b@example.de"),
		chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	own.click(t, "[data-testid=anmeldeformular] button[type=submit]")
	own.waitFor(t, "the account page", "location.pathname === '/konto' && !!document.querySelector('[data-testid=kontodaten]')")
	own.checkPage(t, "account page")

	own.open(t, "/loesungen/i-kfz")
	own.click(t, "[data-testid=register-adoption]")
	own.waitFor(t, "the adoption form", "!!document.querySelector('[data-testid=nachnutzungsformular]')")
	own.checkPage(t, "adoption form")
	own.run(t, chromedp.SetValue(chromedp.ID("feld-status"), "live"),
		chromedp.SendKeys(chromedp.ID("feld-since"), "2026-11"),
		chromedp.SendKeys(chromedp.ID("feld-note"), "Im Bürgerbüro eingeführt"))
	own.click(t, "[data-testid=nachnutzungsformular] button[type=submit]")
	own.waitFor(t, "the solution page with the new adopter",
		"location.pathname === '/loesungen/i-kfz' && [...document.querySelectorAll('[data-testid=adopter]')].some(li => li.textContent.includes('Kiel'))")
	adopter := eval[string](t, own, "[...document.querySelectorAll('[data-testid=adopter]')].find(li => li.textContent.includes('Kiel')).textContent")
	for _, want := range []string{"in Betrieb", "11/2026", "Im Bürgerbüro eingeführt", "nicht vom Anbieter bestätigt"} {
		if !strings.Contains(adopter, want) {
			t.Errorf("adopter entry %q lacks %q", adopter, want)
		}
	}
	if !eval[bool](t, own, "[...document.querySelectorAll('[data-testid=map-point] title')].some(t => t.textContent.includes('Kiel'))") {
		t.Error("Kiel is not a point on the solution's map")
	}
	if notice := eval[string](t, own, "(document.querySelector('[data-testid=hinweis]') || {textContent: ''}).textContent"); !strings.Contains(notice, "gespeichert") {
		t.Errorf("notice = %q", notice)
	}
	own.checkPage(t, "solution page as editor")

	// The pages behind the login pass axe too.
	for _, path := range []string{"/konto/tokens", "/loesungen/i-kfz/historie"} {
		own.open(t, path)
		own.checkPage(t, path)
	}
	// A Gemeinde adopts solutions; registering one is for providers.
	own.open(t, "/konto")
	if eval[bool](t, own, "!!document.querySelector('a[href=\"/loesungen/neu\"]')") {
		t.Error("the Gemeinde's editor is offered to register a new solution")
	}
	own.click(t, "form[action=\"/abmelden\"] button[type=submit]")
	own.waitFor(t, "the start page", "location.pathname === '/'")

	// The provider Land's editor: the "Gibt es schon?" panel updates while typing (htmx, no full reload).
	own.open(t, "/anmelden")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), "anbieter@example.de"),
		chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	own.click(t, "[data-testid=anmeldeformular] button[type=submit]")
	own.waitFor(t, "the account page", "location.pathname === '/konto' && !!document.querySelector('a[href=\"/loesungen/neu\"]')")
	own.open(t, "/loesungen/neu")
	own.checkPage(t, "/loesungen/neu")
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-name"), "Wohngeld Antrag online"))
	own.waitFor(t, "similar solutions while typing",
		"[...document.querySelectorAll('[data-testid=aehnliche-loesungen] a')].some(a => a.textContent.includes('Wohngeld'))")
	own.checkPage(t, "solution form with similar solutions")

	// Log out, so the shared browser's later pages are anonymous again.
	own.open(t, "/konto")
	own.click(t, "form[action=\"/abmelden\"] button[type=submit]")
	own.waitFor(t, "the start page", "location.pathname === '/'")
}
