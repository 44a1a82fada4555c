package web_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// login logs a role in on the browser's app and waits for the account page.
func (b *browser) login(t *testing.T, role string) {
	t.Helper()
	b.open(t, "/anmelden")
	b.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), role+"@example.de"),
		chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
	b.click(t, "[data-testid=anmeldeformular] button[type=submit]")
	b.waitFor(t, "the account page", "location.pathname === '/konto'")
}

// logout ends the session, so the shared browser is anonymous again.
func (b *browser) logout(t *testing.T) {
	t.Helper()
	b.open(t, "/konto")
	b.click(t, "form[action=\"/abmelden\"] button[type=submit]")
	b.waitFor(t, "the start page", "location.pathname === '/'")
}

// advisoryJourney: the provider writes a restricted advisory in the form,
// the affected Gemeinde finds it on its account page and records
// "Maßnahme umgesetzt", and the provider sees the rollout move. axe checks
// every page type of the journey, the advisory page also at 390 px.
func (b *browser) advisoryJourney(t *testing.T) {
	env := servertest.NewEnvWith(t, server.AuthConfig{}, true)
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	own := &browser{ctx: b.ctx, base: srv.URL, axe: b.axe}

	own.login(t, "anbieter")
	own.open(t, "/loesungen/wohngeld-online")
	own.click(t, "[data-testid=hinweis-neu]")
	own.waitFor(t, "the advisory form", "!!document.querySelector('[data-testid=hinweisformular]')")
	own.checkPage(t, "advisory form")
	// The submit button lies below the fold: the click below scrolls to it,
	// which for a person who asked for reduced motion is a jump.
	if sb := eval[string](t, own, "getComputedStyle(document.documentElement).scrollBehavior"); sb != "auto" {
		t.Errorf("scroll-behavior with reduced motion = %q, want auto", sb)
	}
	own.run(t, chromedp.SendKeys(chromedp.ID("feld-title"), "Sitzungsübernahme im Wohngeldantrag"),
		chromedp.SendKeys(chromedp.ID("feld-cvssVector"), "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"),
		chromedp.SendKeys(chromedp.ID("feld-cves"), "CVE-2025-12345"),
		chromedp.SendKeys(chromedp.ID("feld-fixedVersion"), "3.2"),
		chromedp.SendKeys(chromedp.ID("feld-action"), "Auf 3.2 aktualisieren."),
		chromedp.SetValue(chromedp.ID("feld-status"), "published"))
	own.click(t, "[data-testid=hinweisformular] button[type=submit]")
	own.waitFor(t, "the advisory page", "location.pathname.startsWith('/sicherheitshinweise/') && !!document.querySelector('[data-testid=umsetzung]')")
	page := eval[string](t, own, "location.pathname")
	own.checkPage(t, "advisory page as provider")
	own.walk(t, "1-provider-advisory")
	own.logout(t)

	own.login(t, "redaktion-a")
	own.checkPage(t, "account page with an open advisory")
	own.walk(t, "2-adopter-account")
	own.click(t, fmt.Sprintf("[data-testid=offene-sicherheitshinweise] a[href=%q]", page))
	own.waitFor(t, "the response form", "!!document.querySelector('[data-testid=rueckmeldung]')")
	own.checkPage(t, "advisory page as adopter")
	own.walk(t, "3-adopter-advisory")
	form := "[data-testid=rueckmeldung] "
	own.run(t, chromedp.SetValue(chromedp.CSS(form+"select[name=response]"), "done"),
		chromedp.SendKeys(chromedp.CSS(form+"input[name=doneOn]"), "01.12.2026"),
		chromedp.SendKeys(chromedp.CSS(form+"input[name=installedVersion]"), "3.2"))
	own.click(t, form+"button[type=submit]")
	own.waitFor(t, "the saved response", "(document.querySelector('[data-testid=hinweis]') || {textContent: ''}).textContent.includes('Rückmeldung ist gespeichert')")
	if got := eval[string](t, own, "document.querySelector('[data-testid=rueckmeldung-stand]').textContent"); !strings.Contains(got, "Maßnahme umgesetzt") ||
		!strings.Contains(got, "01.12.2026") || !strings.Contains(got, "3.2") {
		t.Errorf("response state = %q", got)
	}
	own.checkPage(t, "advisory page after the response")
	own.walk(t, "4-adopter-done")
	own.open(t, "/sicherheitshinweise")
	own.checkPage(t, "advisory list")
	own.logout(t)

	own.login(t, "anbieter")
	own.open(t, page)
	if got := eval[string](t, own, "document.querySelector('[data-testid=umsetzung-zahlen]').textContent"); !strings.Contains(got, "1 von") {
		t.Errorf("rollout = %q", got)
	}
	own.walk(t, "5-provider-rollout")
	reset := own.emulateWidth(t, 390, 844)
	own.open(t, page)
	// The rollout table scrolls inside its own region, not the page.
	if over := eval[int](t, own, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); over > 0 {
		t.Errorf("advisory page at 390 px scrolls sideways by %d px", over)
		own.screenshot(t)
	}
	own.checkPage(t, "advisory page at 390 px")
	own.walk(t, "6-rollout-390")
	reset()

	// The adoption map coloured by the responses, chosen in the map's form.
	own.open(t, "/loesungen/wohngeld-online")
	id := strings.TrimPrefix(page, "/sicherheitshinweise/")
	own.run(t, chromedp.SetValue(chromedp.ID("karte-hinweis"), id))
	own.click(t, "[data-testid=kartenwahl] button[type=submit]")
	own.waitFor(t, "the rollout map", "document.querySelector('#karte').textContent.includes('Rückmeldungen')")
	if n := eval[int](t, own, "document.querySelectorAll('[data-testid=map-point].map-resp-done').length"); n != 1 {
		t.Errorf("points in the 'done' colour = %d, want 1 (Flensburg)", n)
	}
	own.checkPage(t, "solution page with the rollout map")
	own.run(t, chromedp.ScrollIntoView(chromedp.ID("karte")))
	own.walk(t, "7-rollout-map")
	own.logout(t)
}

// walk writes a screenshot of the page for a person to look at when
// EFA_WALK_DIR names a folder (the walks described in closing notes).
func (b *browser) walk(t *testing.T, name string) {
	if dir := os.Getenv("EFA_WALK_DIR"); dir != "" {
		t.Setenv("EFA_SCREENSHOT_DIR", dir)
		b.screenshotAs(t, name)
	}
}
