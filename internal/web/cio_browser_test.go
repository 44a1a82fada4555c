package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// setInput sets a text field's value as if typed and lets htmx see it.
func setInput(id, value string) string {
	return `(() => { const e = document.getElementById(` + jsString(id) + `); e.value = ` + jsString(value) +
		`; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`
}

func jsString(s string) string {
	out := []rune{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(append(out, '"'))
}

// cioPages drives the CIO's journey: live search switches to relevance and
// keeps a chosen sort, a search without hits points to OZG-Leistungen, the
// comparison marks differences and stays within a 390 px screen.
func (b *browser) cioPages(t *testing.T) {
	b.open(t, "/loesungen")
	if v := eval[string](t, b, "document.getElementById('katalog-sortierung').value"); v != "name" {
		t.Fatalf("sort without a query = %q", v)
	}
	b.run(t, chromedp.SendKeys(chromedp.ID("katalog-q"), "Wohngeld"))
	// htmxIdle: no request in flight and no swap settling, so that the sort
	// field is not replaced by a late answer after the test has chosen a value.
	const htmxIdle = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
	b.waitFor(t, "live search with relevance", "location.search.includes('q=Wohngeld') && document.getElementById('katalog-sortierung').value === 'relevanz' && "+htmxIdle)
	if s := eval[string](t, b, "location.search"); s != "?q=Wohngeld" {
		t.Errorf("URL after typing = %q, want the default sort left out", s)
	}
	// The user picks a sort; a new query keeps it.
	b.run(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('katalog-sortierung'); s.value = 'nachnutzungen';
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
	b.waitFor(t, "the chosen sort", "location.search.includes('sortierung=nachnutzungen') && "+htmxIdle)
	b.run(t, chromedp.Evaluate[chromedp.Void](setInput("katalog-q", "Online")))
	b.waitFor(t, "a new query with the chosen sort", "location.search.includes('q=Online') && location.search.includes('sortierung=nachnutzungen') && document.getElementById('katalog-sortierung').value === 'nachnutzungen'")
	// No hits: the matching OZG-Leistung is offered.
	b.run(t, chromedp.Evaluate[chromedp.Void](setInput("katalog-q", "Hundesteuer")))
	b.waitFor(t, "OZG-Leistungen for a search without hits", "!!document.querySelector('[data-testid=service-hint] a[href=\"/leistungen/10160\"]')")
	b.checkPage(t, "catalogue without hits (htmx)")

	defer b.emulateWidth(t, 390, 800)()
	for _, path := range []string{"/vergleich?l=wohngeld-online&l=sozialplattform-wohngeld&l=elster", "/laender", "/einblicke/rendite", "/leistungen/10092"} {
		b.open(t, path)
		if over := eval[int](t, b, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); over > 0 {
			t.Errorf("%s: %d px wider than 390 px", path, over)
		}
		b.checkPage(t, path+" at 390 px")
	}
	b.open(t, "/vergleich?l=wohngeld-online&l=sozialplattform-wohngeld")
	// Equal solution columns; differences marked in words.
	widths := eval[[]float64](t, b, "[...document.querySelectorAll('[data-testid=compare-table] thead th')].slice(1).map(e => e.getBoundingClientRect().width)")
	if len(widths) != 2 || widths[0]-widths[1] > 1 || widths[1]-widths[0] > 1 {
		t.Errorf("solution column widths = %v", widths)
	}
	if n := eval[int](t, b, "[...document.querySelectorAll('[data-testid=compare-row][data-differs] th')].filter(th => th.textContent.includes('unterschiedlich')).length"); n < 3 {
		t.Errorf("%d differing rows marked in words", n)
	}
}
