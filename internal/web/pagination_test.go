package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// The pagination tests: every list that grows with the catalogue is shown a
// page at a time. Each test checks the page sizes, that the pages together
// hold every row exactly once in a stable order, the last page, a page past
// the end (404, not 500) and that the links keep the other parameters.
// Where the seed is too small for a second page, the test adds rows through
// the store first.

// addSolutions inserts n solutions of Hessen named "<prefix> NNN", each
// covering ozgIDs[i % len(ozgIDs)], and returns them.
func addSolutions(t *testing.T, st *store.Store, prefix string, n int, ozgIDs ...string) []catalog.Solution {
	t.Helper()
	ctx := context.Background()
	hessen, err := st.OrganisationByKey(ctx, catalog.KindLand, "06")
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]store.BulkSolution, n)
	for i := range batch {
		name := fmt.Sprintf("%s %03d", prefix, i+1)
		batch[i] = store.BulkSolution{Solution: catalog.Solution{Slug: catalog.Slugify(name, 60), Name: name,
			Summary: "Testlösung für die Seitenaufteilung.", Provider: &hessen, ProviderID: &hessen.ID,
			Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo}, OZGIDs: []string{ozgIDs[i%len(ozgIDs)]}}
	}
	sols, err := st.InsertSolutionsBulk(ctx, "test", batch)
	if err != nil {
		t.Fatal(err)
	}
	return sols
}

// adoptAll lets the organisation adopt each solution with status.
func adoptAll(t *testing.T, st *store.Store, sols []catalog.Solution, kind catalog.OrgKind, key string, status catalog.AdoptionStatus) {
	t.Helper()
	ctx := context.Background()
	org, err := st.OrganisationByKey(ctx, kind, key)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]store.BulkAdoption, len(sols))
	for i, s := range sols {
		batch[i] = store.BulkAdoption{Adoption: catalog.Adoption{SolutionID: s.ID, OrganisationID: org.ID, Status: status, Since: "2024-01"},
			SolutionSlug: s.Slug, AdopterKey: string(kind) + ":" + key}
	}
	if err := st.InsertAdoptionsBulk(ctx, catalog.SystemPrincipal("test"), batch); err != nil {
		t.Fatal(err)
	}
}

// pageDoc gets target and parses it; want is the expected status.
func pageDoc(t *testing.T, h http.Handler, target string, want int) *goquery.Document {
	t.Helper()
	rec := servertest.Do(t, h, http.MethodGet, target, nil)
	if rec.Code != want {
		t.Fatalf("GET %s = %d, want %d: %.300s", target, rec.Code, want, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// rowKeys returns the text of the first cell of each body row of the table sel finds.
func rowKeys(doc *goquery.Document, sel string) []string {
	var out []string
	doc.Find(sel + " tbody tr").Each(func(_ int, tr *goquery.Selection) {
		out = append(out, servertest.Text(tr.Children().First()))
	})
	return out
}

// walkPages follows the "Weiter" link of the pagination nav navSel from
// first to the last page and returns the rows of each page (rows reads them)
// and the address of the last page. It fails when a page repeats a row.
func walkPages(t *testing.T, h http.Handler, first, navSel string, rows func(*goquery.Document) []string) ([][]string, string) {
	t.Helper()
	var pages [][]string
	seen := map[string]string{}
	target := first
	for i := 0; ; i++ {
		if i > 200 {
			t.Fatal("more than 200 pages")
		}
		doc := pageDoc(t, h, target, http.StatusOK)
		page := rows(doc)
		for _, r := range page {
			if prev, dup := seen[r]; dup {
				t.Fatalf("row %q on %s and on %s", r, prev, target)
			}
			seen[r] = target
		}
		pages = append(pages, page)
		next, ok := doc.Find(navSel + ` a[aria-label^="Weiter"]`).Attr("href")
		if !ok {
			if n := doc.Find(navSel).Length(); i == 0 && n == 0 {
				return pages, target
			}
			if cur := servertest.Text(doc.Find(navSel + " [aria-current=page]")); cur != fmt.Sprintf("Seite %d", i+1) {
				t.Errorf("%s: current page %q, want Seite %d", target, cur, i+1)
			}
			return pages, target
		}
		// A browser keeps the fragment to itself.
		target, _, _ = strings.Cut(next, "#")
	}
}

// flatten joins the pages' rows in order.
func flatten(pages [][]string) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// checkSizes checks that every page but the last holds size rows and the
// last between 1 and size.
func checkSizes(t *testing.T, what string, pages [][]string, size int) {
	t.Helper()
	for i, p := range pages {
		if i < len(pages)-1 && len(p) != size || i == len(pages)-1 && (len(p) < 1 || len(p) > size) {
			t.Errorf("%s: page %d of %d has %d rows (page size %d)", what, i+1, len(pages), len(p), size)
		}
	}
}

// withQuery returns target with key=value added.
func withQuery(target, key, value string) string {
	u, _ := url.Parse(target)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func newInsightsAppOn(t *testing.T, st *store.Store) http.Handler {
	t.Helper()
	e, err := insights.Open(context.Background(), st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	return server.New(server.Deps{Store: st, Insights: e, Version: "test"})
}

// TestInsightTablePagination: the per-solution table of the
// Digitalisierungsrendite shows 50 rows a page; its pages hold every row of
// the CSV once, in the CSV's order; each table of the page is paged on its
// own and the links keep the other table's page; past the end is a 404.
func TestInsightTablePagination(t *testing.T) {
	st := storetest.Seeded(t)
	sols := addSolutions(t, st, "Seitentest Rendite", 120, "10092")
	adoptAll(t, st, sols, catalog.KindGemeinde, "010010000000", catalog.AdoptionLive)
	app := newInsightsAppOn(t, st)

	csv := servertest.Do(t, app, http.MethodGet, "/einblicke/rendite/loesungen.csv", nil)
	if csv.Code != 200 {
		t.Fatalf("CSV = %d", csv.Code)
	}
	var want []string
	for _, rec := range readCSV(t, csv.Body.String())[1:] {
		want = append(want, rec[0])
	}
	if len(want) < 120 {
		t.Fatalf("CSV has %d solution rows, want at least 120", len(want))
	}
	nav := servertest.TID("pagination-loesungen")
	pages, last := walkPages(t, app, "/einblicke/rendite?laender-seite=1", nav, func(d *goquery.Document) []string {
		return rowKeys(d, servertest.TID("rendite-loesungen"))
	})
	checkSizes(t, "rendite-loesungen", pages, 50)
	if got := flatten(pages); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the pages hold %d rows, the CSV %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	if len(pages) != (len(want)+49)/50 {
		t.Errorf("%d pages for %d rows", len(pages), len(want))
	}
	// The links keep the other parameters (here the other table's page).
	if !strings.Contains(last, "laender-seite=1") || !strings.Contains(last, "loesungen-seite=") {
		t.Errorf("last page link %q does not keep the other parameters", last)
	}
	doc := pageDoc(t, app, last, http.StatusOK)
	if href, _ := doc.Find(nav + ` a[aria-label^="Zurück"]`).Attr("href"); !strings.HasSuffix(href, "#loesungen") {
		t.Errorf("page links do not lead to the table: %q", href)
	}
	if r := servertest.Text(doc.Find(servertest.TID("loesungen-range"))); !strings.Contains(r, fmt.Sprintf("von %d", len(want))) && !strings.Contains(r, "von "+groupThousands(len(want))) {
		t.Errorf("range line %q", r)
	}
	if href, _ := doc.Find(`a[href="/einblicke/rendite/loesungen.csv"]`).Attr("href"); href == "" {
		t.Error("paged table without a link to the full CSV")
	}
	// The Länder table (16 rows) is on one page and has no pagination.
	if n := doc.Find(servertest.TID("rendite-laender") + " tbody tr").Length(); n != 16 || doc.Find(servertest.TID("pagination-laender")).Length() != 0 {
		t.Errorf("Länder table: %d rows", n)
	}
	// Past the end, a bad number, and a small table's second page.
	for target, code := range map[string]int{
		fmt.Sprintf("/einblicke/rendite?loesungen-seite=%d", len(pages)+1): 404,
		"/einblicke/rendite?loesungen-seite=0":                             400,
		"/einblicke/rendite?loesungen-seite=zwei":                          400,
		"/einblicke/rendite?laender-seite=2":                               404,
	} {
		d := pageDoc(t, app, target, code)
		if code == 404 && !strings.Contains(d.Find("main").Text(), "gibt es nicht") {
			t.Errorf("%s: no German message: %q", target, servertest.Text(d.Find("main")))
		}
	}
}

// readCSV parses a semicolon-separated CSV with byte order mark.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV: %v (%d records)", err, len(recs))
	}
	return recs
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// groupThousands writes n with German thousands separators.
func groupThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

var reMore = regexp.MustCompile(`^(.*) und (\d+) weitere$`)

// TestLandGapsNameAFewSolutions: a row of a Land's gaps names five
// solutions and how many more there are (the CSV names them all), and the
// rows are paged.
func TestLandGapsNameAFewSolutions(t *testing.T) {
	st := storetest.Seeded(t)
	services, err := st.Services(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// Twelve solutions for one OZG-Leistung, and one for each of 70 others.
	addSolutions(t, st, "Seitentest Lücke", 12, "10092")
	var ids []string
	for _, s := range services[:70] {
		if s.ID != "10092" {
			ids = append(ids, s.ID)
		}
	}
	addSolutions(t, st, "Seitentest Leistung", len(ids), ids...)
	app := newInsightsAppOn(t, st)

	var all []string
	for _, rec := range readCSV(t, servertest.Do(t, app, http.MethodGet, "/laender/02/luecken.csv", nil).Body.String()) {
		if strings.HasSuffix(rec[0], "(10092)") {
			all = strings.Split(rec[len(rec)-1], "; ")
		}
	}
	if len(all) < 12 {
		t.Fatalf("CSV names %d solutions for 10092: %q", len(all), all)
	}

	nav := servertest.TID("pagination-luecken")
	cells := map[string]string{}
	pages, _ := walkPages(t, app, "/laender/02/luecken", nav, func(d *goquery.Document) []string {
		var keys []string
		d.Find(servertest.TID("land-luecken") + " tbody tr").Each(func(_ int, tr *goquery.Selection) {
			k := servertest.Text(tr.Children().First())
			keys = append(keys, k)
			last := tr.Children().Last().Clone()
			last.Find(".kern-sr-only").Remove()
			cells[k] = servertest.Text(last)
		})
		return keys
	})
	checkSizes(t, "luecken", pages, 50)
	if len(pages) < 2 {
		t.Fatalf("%d gap rows on one page", len(flatten(pages)))
	}
	var cell string
	for k, v := range cells {
		if strings.HasSuffix(k, "(10092)") {
			cell = v
		}
	}
	m := reMore.FindStringSubmatch(cell)
	if m == nil || len(strings.Split(m[1], "; ")) != 5 || m[2] != fmt.Sprint(len(all)-5) {
		t.Errorf("row of 10092 = %q; want five of the %d names and „und %d weitere“", cell, len(all), len(all)-5)
	}
	pageDoc(t, app, fmt.Sprintf("/laender/02/luecken?luecken-seite=%d", len(pages)+1), http.StatusNotFound)
}

// TestSavingsAPIPagination: /api/v1/savings gives the solutions a page at a
// time (default 100, limit up to 1000) with total, page and limit; the pages
// together are the whole list once, in order; bad values and a page past
// the end are problem documents.
func TestSavingsAPIPagination(t *testing.T) {
	st := storetest.Seeded(t)
	sols := addSolutions(t, st, "Seitentest API", 230, "10092")
	adoptAll(t, st, sols, catalog.KindGemeinde, "010010000000", catalog.AdoptionLive)
	app := newInsightsAppOn(t, st)
	type savings struct {
		Total, Page, Limit int
		TotalEUR           float64 `json:"totalEur"`
		States             []struct {
			LandKey string `json:"landKey"`
		} `json:"states"`
		Solutions []struct {
			Slug string `json:"slug"`
		} `json:"solutions"`
	}
	get := func(target string, want int) (savings, string) {
		t.Helper()
		rec := servertest.Do(t, app, http.MethodGet, target, nil)
		var sv savings
		if rec.Code != want {
			t.Fatalf("GET %s = %d, want %d: %.300s", target, rec.Code, want, rec.Body.String())
		}
		if want == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &sv); err != nil {
				t.Fatal(err)
			}
		} else if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("GET %s: %s, want a problem document", target, ct)
		}
		return sv, rec.Body.String()
	}
	first, _ := get("/api/v1/savings", 200)
	if first.Page != 1 || first.Limit != 100 || len(first.Solutions) != 100 || first.Total < 230 || len(first.States) != 16 || first.TotalEUR <= 0 {
		t.Fatalf("first page: page %d limit %d, %d of %d solutions, %d states, total %.0f €",
			first.Page, first.Limit, len(first.Solutions), first.Total, len(first.States), first.TotalEUR)
	}
	// The whole list in pages of 100 and of 1000 is the same, each once.
	var small, big []string
	for page := 1; page <= (first.Total+99)/100; page++ {
		sv, _ := get(fmt.Sprintf("/api/v1/savings?page=%d", page), 200)
		if sv.Total != first.Total || sv.TotalEUR != first.TotalEUR || len(sv.States) != 16 {
			t.Errorf("page %d: total %d, %.0f €, %d states", page, sv.Total, sv.TotalEUR, len(sv.States))
		}
		if want := min(100, first.Total-(page-1)*100); len(sv.Solutions) != want {
			t.Errorf("page %d has %d solutions, want %d", page, len(sv.Solutions), want)
		}
		for _, s := range sv.Solutions {
			small = append(small, s.Slug)
		}
	}
	all, _ := get("/api/v1/savings?limit=1000", 200)
	for _, s := range all.Solutions {
		big = append(big, s.Slug)
	}
	seen := map[string]bool{}
	for _, s := range small {
		if seen[s] {
			t.Errorf("%s on two pages", s)
		}
		seen[s] = true
	}
	if len(small) != first.Total || strings.Join(small, ",") != strings.Join(big, ",") {
		t.Errorf("pages of 100 hold %d solutions, one page of 1000 %d, total %d", len(small), len(big), first.Total)
	}
	_, body := get(fmt.Sprintf("/api/v1/savings?page=%d", (first.Total+99)/100+1), 404)
	if !strings.Contains(body, "gibt es nicht") {
		t.Errorf("page past the end: %s", body)
	}
	for _, q := range []string{"page=0", "page=x", "limit=0", "limit=1001", "limit=-5", "page=1&page=2"} {
		_, body := get("/api/v1/savings?"+q, 400)
		if !strings.Contains(body, `"errors"`) {
			t.Errorf("%s: %s", q, body)
		}
	}
}

// historyRows reads the lines of a history page (action and actor, without
// the time: two changes in one second are still two lines).
func historyRows(d *goquery.Document) []string {
	var out []string
	d.Find(servertest.TID("history") + " > li > p").Each(func(_ int, p *goquery.Selection) {
		out = append(out, strings.SplitN(servertest.Text(p), ": ", 2)[1])
	})
	return out
}

// TestHistoryPagination: the history of a Gemeinde and of a solution shows
// 50 changes a page, newest first, every change once across the pages,
// deleted adoptions included; past the end is a German 404.
func TestHistoryPagination(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	sols := addSolutions(t, st, "Seitentest Verlauf", 70, "10092")
	adoptAll(t, st, sols, catalog.KindGemeinde, "010010000000", catalog.AdoptionInterested)
	// One adoption is deleted again: its creation and deletion stay in the history.
	gone, _, err := st.FindAdoptions(ctx, store.AdoptionsWhere{SolutionSlug: sols[0].Slug})
	if err != nil || len(gone) != 1 {
		t.Fatalf("adoption of %s: %v %v", sols[0].Slug, gone, err)
	}
	if err := st.DeleteAdoption(ctx, catalog.SystemPrincipal("test"), gone[0].ID); err != nil {
		t.Fatal(err)
	}
	// One solution adopted by the 60 first Gemeinden of Kreis Nordfriesland.
	gemeinden, err := st.GemeindenInKreis(ctx, "01054")
	if err != nil || len(gemeinden) < 60 {
		t.Fatalf("%d Gemeinden: %v", len(gemeinden), err)
	}
	for _, g := range gemeinden[:60] {
		adoptAll(t, st, sols[1:2], catalog.KindGemeinde, g.Key, catalog.AdoptionLive)
	}
	app := server.New(server.Deps{Store: st, Version: "test"})

	for _, c := range []struct {
		first string
		min   int
		want  []string
	}{
		{"/gemeinden/010010000000/historie", 71, []string{"Nachnutzung von „Seitentest Verlauf 001“ angelegt", "Nachnutzung von „Seitentest Verlauf 001“ gelöscht", "Nachnutzung von „Seitentest Verlauf 070“ angelegt"}},
		{"/loesungen/" + sols[1].Slug + "/historie", 62, []string{"Nachnutzung durch " + gemeinden[0].Name + " angelegt", "Nachnutzung durch " + gemeinden[59].Name + " angelegt"}},
	} {
		doc := pageDoc(t, app, c.first, http.StatusOK)
		var total int
		if _, err := fmt.Sscanf(strings.SplitN(servertest.Text(doc.Find(servertest.TID("history-range"))), " von ", 2)[1], "%d", &total); err != nil || total < c.min {
			t.Fatalf("%s: range %q, want at least %d changes", c.first, servertest.Text(doc.Find(servertest.TID("history-range"))), c.min)
		}
		pages, last := walkPages(t, app, c.first, servertest.TID("pagination"), historyRows)
		checkSizes(t, c.first, pages, 50)
		rows := flatten(pages)
		if len(rows) != total || len(pages) != (total+49)/50 {
			t.Errorf("%s: %d rows on %d pages, total %d", c.first, len(rows), len(pages), total)
		}
		joined := strings.Join(rows, "\n")
		for _, w := range c.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%s: no line %q", c.first, w)
			}
		}
		// Newest first: the last line of the last page is the oldest change.
		if c.first == "/gemeinden/010010000000/historie" && !strings.Contains(rows[0], "gelöscht") {
			t.Errorf("newest change first: %q", rows[0])
		}
		if !strings.Contains(last, "seite=") {
			t.Errorf("%s: last page %q", c.first, last)
		}
		d := pageDoc(t, app, fmt.Sprintf("%s?seite=%d", c.first, len(pages)+1), http.StatusNotFound)
		if !strings.Contains(d.Find("main").Text(), "gibt es nicht") {
			t.Errorf("%s: page past the end without a German message", c.first)
		}
		pageDoc(t, app, c.first+"?seite=null", http.StatusBadRequest)
	}
}

// TestNewsFeedsAreBounded: the JSON and Atom feeds carry at most 50 items,
// newest first, and none of the seed import (reference data is no news).
func TestNewsFeedsAreBounded(t *testing.T) {
	st := storetest.Seeded(t)
	app := server.New(server.Deps{Store: st, Version: "test"})
	type jsonFeed struct {
		Items []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"items"`
	}
	read := func() jsonFeed {
		t.Helper()
		rec := servertest.Do(t, app, http.MethodGet, "/feed.json", nil)
		var f jsonFeed
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &f) != nil {
			t.Fatalf("/feed.json = %d: %.200s", rec.Code, rec.Body.String())
		}
		return f
	}
	// The seed alone is no news.
	if f := read(); len(f.Items) != 0 {
		t.Errorf("feed of the seeded register has %d items, first %q", len(f.Items), f.Items[0].Title)
	}
	sols := addSolutions(t, st, "Seitentest Nachricht", 40, "10092")
	adoptAll(t, st, sols[:30], catalog.KindGemeinde, "010010000000", catalog.AdoptionLive)
	f := read()
	if len(f.Items) != 50 {
		t.Fatalf("feed has %d items, want 50", len(f.Items))
	}
	// Newest first: the 30 adoptions (the last written first), then the newest 20 solutions.
	if !strings.Contains(f.Items[0].Title, "Seitentest Nachricht 030") || !strings.Contains(f.Items[30].Title, "Seitentest Nachricht 040") ||
		!strings.Contains(f.Items[49].Title, "Seitentest Nachricht 021") {
		t.Errorf("items 0, 30, 49: %q, %q, %q", f.Items[0].Title, f.Items[30].Title, f.Items[49].Title)
	}
	for _, it := range f.Items {
		if !strings.Contains(it.Title, "Seitentest Nachricht") {
			t.Errorf("item of the seed import or of something else: %q", it.Title)
		}
	}
	rec := servertest.Do(t, app, http.MethodGet, "/feed.atom", nil)
	if n := strings.Count(rec.Body.String(), "<entry>"); rec.Code != 200 || n != 50 {
		t.Errorf("/feed.atom = %d with %d entries", rec.Code, n)
	}
}
