package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// layoutJS measures what a person sees break: a label that does not fit its
// control (a button, a button-like link, a link drawn as a box, a label of a
// form control, a summary), two controls lying on top of each other, and the
// page scrolling sideways. A control's label counts as not fitting when its
// content is wider than its box (scrollWidth > clientWidth), and, for
// buttons, also when a word of it had to be broken to fit (the crushed
// one-letter-per-line button): measured by forbidding breaks inside words
// for a moment. Elements that are not rendered, screen-reader-only texts and
// what a scrolling container hides are left out.
const layoutJS = `(() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    const wide = [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > doc.clientWidth + 1 && !e.closest('.kern-table-responsive');
    }).slice(0, 3).map(describe);
    problems.push('page scrolls sideways: ' + doc.scrollWidth + ' px wide in ' + doc.clientWidth + ' px; ' + wide.join('; '));
  }
  function describe(e) {
    const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' "' + text + '"';
  }
  function rendered(e) {
    if (e.closest('.kern-sr-only, [hidden], [aria-hidden=true]')) return false;
    // The content of a closed <details> keeps boxes but is not drawn.
    if (!e.checkVisibility({visibilityProperty: true})) return false;
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }
  // visibleRects are the element's boxes (one per line for a link that
  // wraps) cut to what its scrolling or clipping ancestors show.
  function visibleRects(e) {
    const clips = [];
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') clips.push(a.getBoundingClientRect());
    }
    return [...e.getClientRects()].map(r => {
      let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
      for (const c of clips) {
        box = {left: Math.max(box.left, c.left), top: Math.max(box.top, c.top), right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom)};
      }
      return box;
    }).filter(b => b.right - b.left > 1 && b.bottom - b.top > 1);
  }
  // Labels that must fit their box.
  const boxed = [...document.querySelectorAll('button, .kern-btn, input[type=submit], input[type=button], label, summary, a')].filter(e => {
    if (!rendered(e)) return false;
    // An inline link wraps like running text; it has no box of its own to overflow.
    return getComputedStyle(e).display !== 'inline';
  });
  for (const e of boxed) {
    if (e.scrollWidth > e.clientWidth + 1) {
      problems.push('label overflows its box (' + e.scrollWidth + ' > ' + e.clientWidth + ' px): ' + describe(e));
      continue;
    }
    if (e.matches('button, .kern-btn, input[type=submit], input[type=button]')) {
      const parts = [e, ...e.querySelectorAll('*')];
      const saved = parts.map(p => [p.style.overflowWrap, p.style.wordBreak]);
      parts.forEach(p => { p.style.overflowWrap = 'normal'; p.style.wordBreak = 'keep-all'; });
      const over = e.scrollWidth > e.clientWidth + 1;
      const width = e.scrollWidth, client = e.clientWidth;
      parts.forEach((p, i) => { p.style.overflowWrap = saved[i][0]; p.style.wordBreak = saved[i][1]; });
      if (over) problems.push('button too narrow for a word of its label (' + width + ' > ' + client + ' px): ' + describe(e));
    }
  }
  // Controls that must not lie on top of each other.
  const controls = [...document.querySelectorAll('button, input:not([type=hidden]), select, textarea, .kern-btn, form a')]
    .filter(rendered).map(e => ({e, rs: visibleRects(e)})).filter(x => x.rs.length > 0);
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const a = controls[i], b = controls[j];
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      overlap: for (const ra of a.rs) {
        for (const rb of b.rs) {
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 1 && h > 1) {
            problems.push('controls overlap by ' + Math.round(w) + '×' + Math.round(h) + ' px: ' + describe(a.e) + ' and ' + describe(b.e));
            break overlap;
          }
        }
      }
    }
  }
  return problems.slice(0, 12);
})()`

// layoutWidths are the viewports the layout must hold at: a laptop and a phone.
var layoutWidths = []int64{1366, 390}

// layoutVisit is one page in one state: the role logged in and how to get there.
type layoutVisit struct {
	path string
	// submit, when set, fills and sends the form on the page (a state with
	// errors): field id -> value, then a click on the selector in submit.
	fill   map[string]string
	submit string
	// click, when set, is clicked before measuring (a disclosure opened in place).
	click string
}

// layout visits every page type in every state (anonymous, the editor of a
// Gemeinde, the provider Land's editor, a Land coordinator, the platform
// admin) at 1366 and 390 px and fails on any label that overflows its
// control, controls that overlap, and pages that scroll sideways. It runs
// against its own database: it adds an account request to decide and a
// provider's claim to answer, so that those controls are on the pages.
// With EFA_LAYOUT_SCREENSHOTS set, it saves a screenshot of every visit to
// $EFA_SCREENSHOT_DIR, to look at.
func (b *browser) layout(t *testing.T) {
	env := servertest.NewEnvWith(t, server.AuthConfig{}, true)
	srv := httptest.NewServer(env.App)
	defer srv.Close()
	ctx := context.Background()
	flensburg, err := env.Store.OrganisationByKey(ctx, catalog.KindGemeinde, servertest.GemeindeA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.CreateAccountRequest(ctx, catalog.AccountRequest{Name: "Erika Mustermann-Lüdenscheidt", Email: "buergerbuero@flensburg.example",
		PasswordHash: servertest.PasswordHash(t), OrganisationID: flensburg.ID, Message: "Ich pflege die Onlinedienste des Bürgerbüros.",
		StatusHash: strings.Repeat("ab", 32)}); err != nil {
		t.Fatal(err)
	}
	provider, err := env.Store.Principal(ctx, userID(t, env, "anbieter"))
	if err != nil {
		t.Fatal(err)
	}
	if rows, ok, err := env.Store.ClaimAdoptions(ctx, provider, []store.AdoptionInput{{SolutionSlug: "fischereischein-digital",
		AdopterKind: catalog.KindGemeinde, AdopterKey: servertest.GemeindeA, Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Since: "2024-03"}}}, store.ApplyValid); err != nil || !ok || rows[0].Err != nil {
		t.Fatalf("claim: %v %v %+v", err, ok, rows)
	}

	adv, err := env.Store.CreateAdvisory(ctx, provider, "wohngeld-online", store.AdvisoryInput{Title: "Sitzungsübernahme im Online-Wohngeldantrag über manipulierte Rücksprungadressen",
		Summary: "Angreifer übernehmen fremde Sitzungen.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N", CVEs: []string{"CVE-2025-12345"},
		AffectedVersions: "bis 3.1", FixedVersion: "3.2", Action: "Auf 3.2 aktualisieren und alle Sitzungen beenden.",
		Distribution: catalog.DistributionRestricted, Status: catalog.AdvisoryPublished})
	if err != nil {
		t.Fatal(err)
	}
	advisory := fmt.Sprintf("/sicherheitshinweise/%d", adv.ID)

	anonymous := []layoutVisit{
		{path: "/"}, {path: "/loesungen"}, {path: "/loesungen?q=Wohngeld"}, {path: "/loesungen?status=live&anbieter=01"},
		{path: "/loesungen/wohngeld-online"}, {path: "/loesungen/elster"}, {path: "/loesungen/wohngeld-online/historie"},
		{path: "/leistungen/10092"}, {path: "/leistungen/10001"}, {path: "/themenfelder"}, {path: "/themenfelder/1"},
		{path: "/laender"}, {path: "/laender/01"}, {path: "/laender/05"}, {path: "/laender/01/luecken"}, {path: "/laender/01/historie"},
		{path: "/kreise/05162"}, {path: "/gemeinden/" + servertest.GemeindeA}, {path: "/gemeinden/064360007007"},
		{path: "/gemeinden/" + servertest.GemeindeA + "/historie"},
		{path: "/gemeinden/" + servertest.GemeindeA + "/umgebung"}, {path: "/gemeinden/064360007007/luecken"},
		{path: "/vergleich"}, {path: "/vergleich?l=elster,wohngeld-online,elfe"},
		{path: "/einblicke"}, {path: "/einblicke/rendite"}, {path: "/einblicke/abdeckung"}, {path: "/einblicke/luecken"}, {path: "/einblicke/nachfrage"},
		{path: "/sicherheitshinweise"}, {path: "/impressum"}, {path: "/datenschutz"}, {path: "/barrierefreiheit"}, {path: "/datenquellen"}, {path: "/api"}, {path: "/gibt-es-nicht"},
		{path: "/anmelden"}, {path: "/anmelden", fill: map[string]string{"feld-email": "niemand@example.de", "feld-password": "falsch-falsch-falsch"},
			submit: "[data-testid=anmeldeformular] button[type=submit]"},
		{path: "/konto/beantragen"}, {path: "/konto/beantragen", fill: map[string]string{"feld-q": "Flensburg"}, submit: "button[value=suchen]"},
	}
	editID := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	edit := fmt.Sprintf("/nachnutzungen/%d/bearbeiten", editID)
	editor := []layoutVisit{
		{path: "/konto"}, {path: "/konto/tokens"}, {path: "/gemeinden/" + servertest.GemeindeA}, {path: "/loesungen/wohngeld-online"},
		{path: "/loesungen/wohngeld-online", click: "[data-testid=adoption-edit] summary"},
		{path: edit}, {path: edit, fill: map[string]string{fmt.Sprintf("nn-%d-since", editID): "31.02.2026"},
			submit: "[data-testid=nachnutzung-bearbeiten] button[type=submit]"},
		{path: "/loesungen/wohngeld-online/nachnutzung"},
		{path: "/loesungen/wohngeld-online/nachnutzung", fill: map[string]string{"feld-since": "irgendwann"}, submit: "[data-testid=nachnutzungsformular] button[type=submit]"},
		{path: "/loesungen/import"}, {path: advisory},
		{path: "/gemeinden/" + servertest.GemeindeA + "/umgebung"},
		{path: "/gemeinden/" + servertest.GemeindeA + "/umgebung", submit: "[data-testid=umgebung-form] button[type=submit]"},
		{path: advisory, fill: map[string]string{"antwort-" + servertest.GemeindeA + "-response": "done", "antwort-" + servertest.GemeindeA + "-doneOn": "31.02.2026"}, submit: "[data-testid=rueckmeldung] button[type=submit]"},
	}
	providerPages := []layoutVisit{
		{path: "/konto"}, {path: "/laender/01"}, {path: "/loesungen/wohngeld-online"}, {path: "/loesungen/fischereischein-digital"},
		{path: "/loesungen/wohngeld-online/bearbeiten"}, {path: "/loesungen/neu"},
		{path: "/loesungen/neu", fill: map[string]string{"feld-name": "X"}, submit: "button[value=speichern]"},
		{path: advisory}, {path: "/loesungen/wohngeld-online/sicherheitshinweise/neu"}, {path: advisory + "/bearbeiten"},
		{path: fmt.Sprintf("/loesungen/wohngeld-online?hinweis=%d", adv.ID)},
	}
	coordinator := []layoutVisit{
		{path: "/konto"}, {path: "/verwaltung/antraege"}, {path: "/verwaltung/benutzer"}, {path: "/verwaltung/import"},
		{path: "/loesungen/wohngeld-online"}, {path: "/laender/01"},
	}
	admin := []layoutVisit{
		{path: "/konto"}, {path: "/verwaltung/antraege"}, {path: "/verwaltung/benutzer"}, {path: "/verwaltung/webhooks"},
		{path: "/verwaltung/import"}, {path: "/loesungen/wohngeld-online"}, {path: "/loesungen/elster/bearbeiten"},
		{path: "/loesungen/elster", click: "[data-testid=adoption-edit] summary"}, {path: "/laender/01"}, {path: "/einblicke"},
	}
	for _, state := range []struct {
		role   string
		visits []layoutVisit
	}{{"anonym", anonymous}, {"anonym-en", anonymous}, {"redaktion-a", editor}, {"redaktion-a-en", editor}, {"anbieter", providerPages},
		{"koordination-sh", coordinator}, {"admin", admin}} {
		t.Run(state.role, func(t *testing.T) {
			// A browser context of its own: the login stays in it.
			tabCtx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
			defer cancel()
			if _, err := chromedp.Call(tabCtx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: probeJS}); err != nil {
				t.Fatal(err)
			}
			own := &browser{ctx: tabCtx, base: srv.URL, axe: b.axe}
			// A "-en" state sees the same pages in English (longer words: labels must still fit).
			role, english := strings.CutSuffix(state.role, "-en")
			if english {
				own.open(t, "/?lang=en")
			}
			if role != "anonym" {
				own.open(t, "/anmelden")
				own.run(t, chromedp.SendKeys(chromedp.ID("feld-email"), role+"@example.de"),
					chromedp.SendKeys(chromedp.ID("feld-password"), servertest.TestPassword))
				own.click(t, "[data-testid=anmeldeformular] button[type=submit]")
				own.waitFor(t, "the account page", "location.pathname === '/konto'")
			}
			for _, width := range layoutWidths {
				own.run(t, chromedp.EmulateViewport(width, 900))
				for _, v := range state.visits {
					own.open(t, v.path)
					label := fmt.Sprintf("%s at %d px", v.path, width)
					if v.submit != "" {
						for id, value := range v.fill {
							own.run(t, chromedp.SetValue(chromedp.ID(id), value))
						}
						// The server's answer is the state to see, not the browser's own check.
						own.run(t, chromedp.Evaluate[chromedp.Void]("window.__layoutBefore = true; document.querySelectorAll('form').forEach(f => f.noValidate = true)"))
						own.click(t, v.submit)
						own.waitFor(t, "the answer to the form", "!window.__layoutBefore && document.readyState === 'complete' && !!document.querySelector('main#inhalt')")
						label += " after sending the form"
					}
					if v.click != "" {
						own.click(t, v.click)
						label += " after a click on " + v.click
					}
					name := fmt.Sprintf("%s-%s-%d", state.role, v.path, width)
					if v.submit != "" {
						name += "-sent"
					}
					if v.click != "" {
						name += "-opened"
					}
					if problems := eval[[]string](t, own, layoutJS); len(problems) > 0 {
						t.Errorf("%s:\n\t%s", label, strings.Join(problems, "\n\t"))
						own.screenshotAs(t, name)
					} else if os.Getenv("EFA_LAYOUT_SCREENSHOTS") != "" {
						// To look at every page, not only the broken ones.
						own.screenshotAs(t, name)
					}
				}
			}
		})
	}
}

// userID finds the id of a test account of the environment.
func userID(t *testing.T, env *servertest.Env, role string) uint {
	t.Helper()
	u, err := env.Store.UserByEmail(context.Background(), role+"@example.de")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
