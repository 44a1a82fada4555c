package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"efa-register/internal/catalog"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// The browser tests drive Debian's chromium over the real router and the
// shared seed fixture: one browser for the whole run, several pages. axe-core
// (testdata/axe, injected by the test, never served) checks every page type
// and the states htmx produces. On failure a screenshot is written to
// $EFA_SCREENSHOT_DIR (default: <tmp>/efa-browser-screenshots).

// probeJS records CSP violations, script errors and failed htmx requests
// from the first moment of every document.
const probeJS = `(() => {
  const p = window.__efaProbe = {errors: []};
  document.addEventListener('securitypolicyviolation', e =>
    p.errors.push('CSP ' + e.violatedDirective + ': ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
  window.addEventListener('error', e => p.errors.push('script error: ' + e.message));
  document.addEventListener('htmx:responseError', e => p.errors.push('htmx response ' + e.detail.xhr.status));
  document.addEventListener('htmx:sendError', () => p.errors.push('htmx could not send'));
})();`

// axeRunJS runs axe-core on the document and returns the violations in short.
const axeRunJS = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help,
  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160))})))`

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// chromiumPath finds the browser binary.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one tab of the shared browser and the address of the app.
type browser struct {
	ctx  context.Context
	base string
	axe  string
}

func TestBrowser(t *testing.T) {
	exe := chromiumPath()
	if exe == "" {
		if os.Getenv("CI") == "" {
			t.Skip("no chromium binary found (apt-get install chromium); CI requires it")
		}
		t.Fatal("CI is set but no chromium binary was found; .ci/run installs Debian's chromium")
	}
	axeSrc, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	app, st := servertest.Shared(t)
	srv := httptest.NewServer(app)
	defer srv.Close()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		// A German browser, whatever the machine's locale: the tests read German pages.
		chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: probeJS}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{ctx: ctx, base: srv.URL, axe: string(axeSrc)}
	b.media(t, "")

	t.Run("SearchWohngeldAndOpenResult", func(t *testing.T) { b.searchAndOpen(t, st) })
	t.Run("FacetNarrowsListAndURL", func(t *testing.T) { b.facets(t, st) })
	t.Run("LiveSearchAndChips", b.liveSearch)
	t.Run("MapHasSixteenRegions", b.mapRegions)
	t.Run("CompareChosenSolutions", b.compare)
	t.Run("CIOPages", b.cioPages)
	t.Run("AxeOnEveryPageType", b.axeEverywhere)
	t.Run("RegisterAdoptionAsEditor", b.registerAdoption)
	t.Run("UserAdministrationAsAdmin", b.userAdministration)
	t.Run("AccountJourneysWithMail", b.accountJourneys)
	t.Run("NarrowScreen320", b.narrow)
	t.Run("PrintStyles", b.print)
	t.Run("LayoutHolds", b.layout)
	t.Run("AdvisoryJourney", b.advisoryJourney)
}

// run executes actions with a deadline and fails the test on error.
func (b *browser) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.screenshot(t)
		t.Fatalf("browser: %v", err)
	}
}

// click clicks the first node that css matches. chromedp finds the node in
// its copy of the DOM and then asks for the node's box; when the page has
// been replaced in between (a navigation that the copy has not caught up
// with), the box request fails with "Could not find node with given id"
// before any mouse event is sent. Then the click is tried again with a
// fresh query, so a click happens at most once.
func (b *browser) click(t *testing.T, css string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css)))
		cancel()
		if err == nil {
			return
		}
		if attempt < 5 && strings.Contains(err.Error(), "Could not find node with given id") {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		b.screenshot(t)
		t.Fatalf("click %s: %v", css, err)
	}
}

// eval evaluates a JavaScript expression (awaiting promises).
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.screenshot(t)
		t.Fatalf("evaluate %.80q: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it holds. A navigation while
// polling (a form submit, a link) ends one poll; polling starts again in the
// new document.
func (b *browser) waitFor(t *testing.T, what, predicate string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(4*time.Second)))
		cancel()
		if err == nil {
			return
		}
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.screenshot(t)
	t.Fatalf("waiting for %s: %v (%s)", what, err, eval[string](t, b, pageStateJS))
}

// pageStateJS describes where the tab is for a failure message: the URL,
// the HTTP status of the document, and the start of the main text (an
// error summary shows there), so a failure on a CI machine says why.
const pageStateJS = `(() => {
	const nav = performance.getEntriesByType('navigation')[0] || {};
	const main = document.querySelector('main');
	return 'at ' + location.href + ', HTTP ' + (nav.responseStatus || '?') + ', ' + document.readyState +
		', main: ' + (main ? main.innerText.replace(/\s+/g, ' ').slice(0, 300) : '(none)');
})()`

// open loads a page of the app and waits for its main landmark.
func (b *browser) open(t *testing.T, path string) {
	t.Helper()
	b.run(t, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main#inhalt")))
}

// checkPage runs axe-core and reads the probe: no violation, no CSP
// violation, no script error.
func (b *browser) checkPage(t *testing.T, label string) {
	t.Helper()
	if !eval[bool](t, b, "typeof axe !== 'undefined'") {
		b.run(t, chromedp.Evaluate[chromedp.Void](b.axe))
	}
	violations := eval[[]axeViolation](t, b, axeRunJS)
	for _, v := range violations {
		t.Errorf("%s: axe %s (%s): %s\n\t%s", label, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
	for _, e := range eval[[]string](t, b, "window.__efaProbe ? window.__efaProbe.errors : ['probe missing']") {
		t.Errorf("%s: %s", label, e)
	}
	if t.Failed() {
		b.screenshot(t)
	}
}

var reUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// emulateWidth shows the shared tab at the given size and returns what
// restores the window's own size. chromedp's ResetViewport would leave a
// zero-sized portrait override behind, on which later clicks miss.
func (b *browser) emulateWidth(t *testing.T, width, height int64) (reset func()) {
	t.Helper()
	b.run(t, chromedp.EmulateViewport(width, height))
	return func() {
		if _, err := chromedp.Call(b.ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			t.Fatalf("reset the viewport: %v", err)
		}
	}
}

// media emulates the media type ("" for the screen) for a person who asked
// their system for reduced motion. It keeps KERN's smooth scrolling out of
// the tests: a click scrolls its target into view and presses where the
// target is then; while a smooth scroll still runs, the press misses (the
// advisory form's submit button did, now and then).
func (b *browser) media(t *testing.T, media string) {
	t.Helper()
	params := emulation.SetEmulatedMediaParams{Media: media,
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, params); err != nil {
		t.Fatalf("emulate media: %v", err)
	}
}

// screenshot writes the whole page as PNG for inspection of a failure.
func (b *browser) screenshot(t *testing.T) { b.screenshotAs(t, t.Name()) }

// screenshotAs writes the whole page as PNG under the given name.
func (b *browser) screenshotAs(t *testing.T, name string) {
	dir := os.Getenv("EFA_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "efa-browser-screenshots")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot failed: %v", err)
		return
	}
	path := filepath.Join(dir, reUnsafe.ReplaceAllString(name, "_")+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		if err := os.WriteFile(path, png, 0o644); err == nil {
			t.Logf("screenshot of the failure: %s", path)
		}
	}
}

func (b *browser) searchAndOpen(t *testing.T, st *store.Store) {
	b.open(t, "/")
	b.checkPage(t, "start page")
	// The first Tab reaches the skip link; following it moves to the content.
	b.run(t, chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](t, b, "document.activeElement.className"); cls != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", cls)
	}
	b.run(t, chromedp.KeyEvent(kb.Enter))
	b.waitFor(t, "focus on main", "document.activeElement.id === 'inhalt'")

	b.run(t, chromedp.SendKeys(chromedp.ID("start-q"), "Wohngeld"), chromedp.KeyEvent(kb.Enter))
	b.waitFor(t, "the catalogue", "location.pathname === '/loesungen' && !!document.querySelector('[data-testid=results]')")
	if q := eval[string](t, b, "new URLSearchParams(location.search).get('q')"); q != "Wohngeld" {
		t.Errorf("catalogue URL has q=%q", q)
	}
	first := eval[string](t, b, "document.querySelector('[data-testid=results] [data-testid=solution-link]').textContent.trim()")
	if !strings.Contains(first, "Wohngeld") {
		t.Errorf("first hit = %q", first)
	}
	b.click(t, "[data-testid=results] [data-testid=solution-link]")
	b.waitFor(t, "the solution page", "location.pathname.startsWith('/loesungen/') && !!document.querySelector('[data-testid=provider]')")
	slug := strings.TrimPrefix(eval[string](t, b, "location.pathname"), "/loesungen/")
	sol, err := st.SolutionBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	if sol.Provider == nil || sol.Provider.Kind != catalog.KindLand {
		t.Fatalf("%s has no provider Land", slug)
	}
	if got := eval[string](t, b, "document.querySelector('[data-testid=provider]').textContent.trim()"); got != sol.Provider.Name {
		t.Errorf("provider shown = %q, want %q", got, sol.Provider.Name)
	}
	if h1 := eval[string](t, b, "document.querySelector('h1').textContent.trim()"); h1 != first {
		t.Errorf("opened %q, clicked %q", h1, first)
	}
	b.checkPage(t, "solution page")
}

const resultCountJS = "document.querySelector('[data-testid=result-count]').textContent.trim()"
const itemCountJS = "document.querySelectorAll('[data-testid=results] [data-testid=solution-item]').length"

func (b *browser) facets(t *testing.T, st *store.Store) {
	live, err := st.FindSolutions(context.Background(), store.SolutionFilter{Status: catalog.SolutionLive, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	b.open(t, "/loesungen")
	before := eval[string](t, b, resultCountJS)
	if before != "50 Lösungen gefunden" {
		t.Errorf("count before = %q", before)
	}
	// Keyboard: focus the facet and press space; htmx updates the list and the URL, the focus stays.
	b.run(t, chromedp.Focus(chromedp.ID("f-status-live")), chromedp.KeyEvent(" "))
	b.waitFor(t, "the filtered list", fmt.Sprintf("location.search.includes('status=live') && %s !== %q", resultCountJS, before))
	want := fmt.Sprintf("%d Lösungen gefunden", live.Total)
	if got := eval[string](t, b, resultCountJS); got != want {
		t.Errorf("count after facet = %q, want %q", got, want)
	}
	if n := eval[int](t, b, itemCountJS); n != int(live.Total) {
		t.Errorf("items after facet = %d, want %d", n, live.Total)
	}
	statuses := eval[[]string](t, b, "[...document.querySelectorAll('[data-testid=results] [data-testid=solution-status]')].map(e => e.textContent.trim())")
	if len(statuses) == 0 || slices.ContainsFunc(statuses, func(s string) bool { return s != "in Betrieb" }) {
		t.Errorf("statuses after facet = %q", statuses)
	}
	if id := eval[string](t, b, "document.activeElement.id"); id != "f-status-live" {
		t.Errorf("focus after the update is on %q, want the facet", id)
	}
	if !eval[bool](t, b, "document.getElementById('f-status-live').checked") {
		t.Error("facet is not checked after the update")
	}
	// The page was updated in place, not reloaded: the probe of the first load is still there.
	if !eval[bool](t, b, "!!document.querySelector('[data-testid=chip]')") {
		t.Error("no filter chip after the update")
	}
	b.checkPage(t, "catalogue after a facet (htmx)")

	// The URL holds the whole state: loading it anew gives the same list.
	url := eval[string](t, b, "location.pathname + location.search")
	b.open(t, url)
	if got := eval[string](t, b, resultCountJS); got != want {
		t.Errorf("reloaded %s: %q, want %q", url, got, want)
	}
}

func (b *browser) liveSearch(t *testing.T) {
	b.open(t, "/loesungen?status=live")
	before := eval[string](t, b, resultCountJS)
	b.run(t, chromedp.SendKeys(chromedp.ID("katalog-q"), "Wohngeld"))
	b.waitFor(t, "live search results", fmt.Sprintf("location.search.includes('q=Wohngeld') && %s !== %q", resultCountJS, before))
	if n := eval[int](t, b, itemCountJS); n < 1 || n >= 11 {
		t.Errorf("live search items = %d", n)
	}
	if v := eval[string](t, b, "document.getElementById('katalog-q').value"); v != "Wohngeld" {
		t.Errorf("search box lost the text: %q", v)
	}
	b.checkPage(t, "catalogue after live search (htmx)")
	// Removing the status chip keeps the text.
	b.click(t, `[data-testid=chip][href*="q=Wohngeld"]`)
	b.waitFor(t, "the chip removed", "!location.search.includes('status=live') && location.search.includes('q=Wohngeld')")
	if n := eval[int](t, b, "document.querySelectorAll('[data-testid=chip]').length"); n != 1 {
		t.Errorf("chips after removing one = %d, want the text chip", n)
	}
	// Back in the history restores the filtered state.
	b.run(t, chromedp.NavigateBack())
	b.waitFor(t, "history back", "location.search.includes('status=live')")
}

func (b *browser) mapRegions(t *testing.T) {
	b.open(t, "/laender")
	if n := eval[int](t, b, "document.querySelectorAll('svg [data-testid=map-region]').length"); n != 16 {
		t.Errorf("map regions = %d, want 16", n)
	}
	if n := eval[int](t, b, "document.querySelectorAll('svg [data-testid=map-region] > title').length"); n != 16 {
		t.Errorf("regions with a title = %d", n)
	}
	// Every region is drawn with a real area (the projection works in the browser).
	if n := eval[int](t, b, "[...document.querySelectorAll('[data-testid=map-region]')].filter(p => { const r = p.getBBox(); return r.width > 1 && r.height > 1 }).length"); n != 16 {
		t.Errorf("regions with an area = %d", n)
	}
	b.checkPage(t, "Länder map")
}

func (b *browser) compare(t *testing.T) {
	b.open(t, "/loesungen?q=Wohngeld")
	b.click(t, "#v-wohngeld-online")
	b.click(t, "#v-sozialplattform-wohngeld")
	b.click(t, `button[form="vergleich-form"]`)
	b.waitFor(t, "the comparison", "location.pathname === '/vergleich' && !!document.querySelector('[data-testid=compare-table]')")
	names := eval[[]string](t, b, "[...document.querySelectorAll('[data-testid=compare-solution]')].map(e => e.textContent.trim())")
	slices.Sort(names)
	want := []string{"Sozialplattform – Wohngeld (Antragsweg in NRW-Pilotkommunen)", "Wohngeld (Online-Wohngeldantrag)"}
	if !slices.Equal(names, want) {
		t.Errorf("compared = %q", names)
	}
	b.checkPage(t, "comparison")
	b.open(t, "/vergleich?l=elster,wohngeld-online,elfe")
	if n := eval[int](t, b, "document.querySelectorAll('[data-testid=compare-table] thead th').length"); n != 4 {
		t.Errorf("compare columns = %d, want 1 + 3", n)
	}
}

// browserPages is one page of every type the axe check covers.
var browserPages = []string{
	"/loesungen", "/loesungen/elster", "/leistungen/10092", "/leistungen/10001", "/themenfelder", "/themenfelder/1",
	"/laender/05", "/kreise/05162", "/gemeinden/064360007007", "/vergleich", "/vergleich?l=elster,wohngeld-online",
	"/vergleich?l=Kaputt!,elster", "/loesungen?seite=abc", "/impressum", "/datenschutz", "/barrierefreiheit",
	"/datenquellen", "/gibt-es-nicht",
	// accounts and insights
	"/anmelden", "/konto/beantragen", "/loesungen/wohngeld-online/historie", "/gemeinden/010010000000/historie",
	"/laender", "/laender/01/luecken", "/gemeinden/064360007007/luecken", "/gemeinden/010010000000/umgebung", "/einblicke/rendite", "/einblicke/abdeckung", "/einblicke/luecken", "/einblicke/nachfrage",
}

// axeEverywhere checks every page type in German, then in English (chosen
// with the switch, so the cookie carries it from page to page).
func (b *browser) axeEverywhere(t *testing.T) {
	for _, path := range browserPages {
		b.open(t, path)
		b.checkPage(t, path)
	}
	b.open(t, "/")
	b.click(t, "[data-testid=sprachwahl]")
	b.waitFor(t, "the English start page", "document.documentElement.lang === 'en'")
	defer b.open(t, "/?lang=de")
	for _, path := range browserPages {
		b.open(t, path)
		if l := eval[string](t, b, "document.documentElement.lang"); l != "en" {
			t.Errorf("%s: lang=%q after choosing English", path, l)
		}
		b.checkPage(t, path+" (English)")
	}
}

func (b *browser) narrow(t *testing.T) {
	defer b.emulateWidth(t, 320, 720)()
	for _, path := range append([]string{"/", "/laender", "/loesungen/wohngeld-online", "/loesungen?q=Wohngeld"}, browserPages...) {
		b.open(t, path)
		over := eval[int](t, b, "document.documentElement.scrollWidth - document.documentElement.clientWidth")
		if over > 0 {
			wide := eval[[]string](t, b, `[...document.querySelectorAll('body *')].filter(e => {
				const r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 1 && !e.closest('.kern-table-responsive');
			}).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`)
			t.Errorf("%s: %d px wider than 320 px; widest: %q", path, over, wide)
			b.screenshot(t)
		}
		// Stacked facts take the height of their text (a flex basis meant as
		// a width once made each value 14rem tall, with empty space below).
		tall := eval[[]string](t, b, `[...document.querySelectorAll('.facts .kern-description-list-item__value')].filter(e => {
				const r = document.createRange(); r.selectNodeContents(e);
				return e.getBoundingClientRect().height - r.getBoundingClientRect().height > 24;
			}).slice(0, 3).map(e => e.textContent.trim().slice(0, 40))`)
		if len(tall) > 0 {
			t.Errorf("%s: facts far taller than their text at 320 px: %q", path, tall)
		}
	}
}

func (b *browser) print(t *testing.T) {
	b.open(t, "/loesungen?q=Wohngeld")
	b.media(t, "print")
	defer b.media(t, "")
	// Printed: the hits, not the navigation, the form controls and the facets.
	for _, sel := range []string{".site-header nav", ".facets", ".catalogue__controls", ".site-footer nav"} {
		if d := eval[string](t, b, "getComputedStyle(document.querySelector('"+sel+"')).display"); d != "none" {
			t.Errorf("print: %s is displayed (%s)", sel, d)
		}
	}
	if d := eval[string](t, b, "getComputedStyle(document.querySelector('[data-testid=results]')).display"); d == "none" {
		t.Error("print: the results are hidden")
	}
}
