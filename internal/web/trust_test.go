package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/geo"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/views"
)

// reKey finds account ids and keys of the event log in page text.
var reKey = regexp.MustCompile(`\b(user|token|gemeinde|kreis|land|bund|system|dienstleister):[0-9a-z]`)

// englishValues are the stored codes that must never reach a history page.
var englishValues = []string{"live", "pilot", "planned", "unknown", "retired", "interested", "contracted", "onboarding", "ended",
	"confirmed", "disputed", "claimed", "gemeinde", "kreis", "land"}

// checkHistory fails when the history list of a page shows a key, an
// account id or an English stored value.
func checkHistory(t *testing.T, target string, doc *goquery.Document) {
	t.Helper()
	h := doc.Find(servertest.TID("history"))
	if h.Length() == 0 {
		t.Errorf("%s: no history", target)
		return
	}
	if m := reKey.FindString(servertest.Text(doc.Find("main"))); m != "" {
		t.Errorf("%s shows the key %q", target, m)
	}
	h.Find("ins, del").Each(func(_ int, v *goquery.Selection) {
		text := strings.TrimPrefix(strings.TrimPrefix(servertest.Text(v), "neu: "), "vorher: ")
		if slices.Contains(englishValues, text) {
			t.Errorf("%s shows the stored value %q", target, text)
		}
	})
}

// historyFields returns the changed fields of one history entry as "Feld: Wert".
func historyFields(li *goquery.Selection) []string {
	var out []string
	li.Find(".history__changes > div").Each(func(_ int, d *goquery.Selection) {
		out = append(out, servertest.Text(d.Find("dt"))+": "+strings.TrimPrefix(servertest.Text(d.Find("ins")), "neu: "))
	})
	return out
}

// TestHistoryPagesShowNamesAndGermanValues walks the public history of
// every seeded solution and of every adopter, then of a change made by a
// person: names and German labels only.
func TestHistoryPagesShowNamesAndGermanValues(t *testing.T) {
	ctx := context.Background()
	env := servertest.NewEnv(t, server.AuthConfig{})
	b := env.As(t, "redaktion-b")
	if rec := b.Do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"contracted"}, "since": {"2025-03"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d", rec.Code)
	}
	sols, err := env.Store.AllSolutions(ctx)
	if err != nil || len(sols) != 50 {
		t.Fatalf("solutions: %d, %v", len(sols), err)
	}
	adopters := map[string]bool{}
	for _, sol := range sols {
		target := views.SolutionURL(sol.Slug) + "/historie"
		doc, _ := servertest.GetDoc(t, env.App, target, http.StatusOK)
		checkHistory(t, target, doc)
		adoptions, err := env.Store.AdoptionsBySolution(ctx, sol.Slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range adoptions {
			if u := views.OrgURL(a.Organisation); u != "" {
				adopters[u+"/historie"] = true
			}
		}
	}
	if len(adopters) < 30 {
		t.Fatalf("only %d adopters with a page", len(adopters))
	}
	for target := range adopters {
		doc, _ := servertest.GetDoc(t, env.App, target, http.StatusOK)
		checkHistory(t, target, doc)
	}
	// The person's change: their organisation's role, German status and date, the adopter by name.
	doc, _ := servertest.GetDoc(t, env.App, "/loesungen/i-kfz/historie", http.StatusOK)
	first := doc.Find(servertest.TID("history") + " > li").First()
	if got := servertest.Text(first.Find("p").First()); !strings.HasSuffix(got, "Nachnutzung durch Kiel, Landeshauptstadt angelegt durch Redaktion der Organisation Kiel, Landeshauptstadt") {
		t.Errorf("history of the person's change: %q", got)
	}
	fields := historyFields(first)
	for _, want := range []string{"Status: Vertrag geschlossen", "seit: 03/2025", "Nachnutzer: Kiel, Landeshauptstadt",
		"eingetragen von: Redaktion der Organisation Kiel, Landeshauptstadt", "Lösung: i-Kfz (internetbasierte Fahrzeugzulassung: An-, Um-, Abmeldung)"} {
		if !slices.Contains(fields, want) {
			t.Errorf("history of the person's change lacks %q: %q", want, fields)
		}
	}
	// The seed import is named as such, with its German values.
	doc, _ = servertest.GetDoc(t, env.App, "/loesungen/unterhaltsvorschuss-online/historie", http.StatusOK)
	last := doc.Find(servertest.TID("history") + " > li").Last()
	if got := servertest.Text(last.Find("p").First()); !strings.HasSuffix(got, "angelegt durch Datenimport aus öffentlichen Quellen") {
		t.Errorf("seed entry: %q", got)
	}
	fields = historyFields(last)
	for _, want := range []string{"Status: Pilotbetrieb", "Anbieter: Bremen", "Themenfeld: Familie & Kind", "Prüfstand der Daten: Daten teilweise geprüft"} {
		if !slices.Contains(fields, want) {
			t.Errorf("seed entry lacks %q: %q", want, fields)
		}
	}
}

// TestStartPageNewsLeavesOutTheSeedImport: right after installation the
// start page has no news; a change made in the register is listed.
func TestStartPageNewsLeavesOutTheSeedImport(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	doc, _ := servertest.GetDoc(t, env.App, "/", http.StatusOK)
	if n := doc.Find(servertest.TID("latest-changes") + " li").Length(); n != 0 {
		t.Errorf("start page lists %d seed events as news: %q", n, servertest.Texts(doc.Find(servertest.TID("latest-changes")+" li")))
	}
	if got := servertest.Text(doc.Find(servertest.TID("no-changes"))); !strings.Contains(got, "Seit dem Datenimport wurde im Register noch nichts geändert") {
		t.Errorf("no-changes note = %q", got)
	}
	b := env.As(t, "redaktion-b")
	if rec := b.Do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"interested"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d", rec.Code)
	}
	doc, _ = servertest.GetDoc(t, env.App, "/", http.StatusOK)
	items := servertest.Texts(doc.Find(servertest.TID("latest-changes") + " li"))
	if len(items) != 1 || !strings.Contains(items[0], "Nachnutzung angelegt") || !strings.Contains(items[0], "Kiel, Landeshauptstadt") {
		t.Errorf("news after one change = %q", items)
	}
}

// TestSeededSolutionsShowFullSourceLinks: every source of the seeded
// solutions that is a web address is an <a href> to the full address, the
// record is labelled as imported, and a pilot with live adopters explains itself.
func TestSeededSolutionsShowFullSourceLinks(t *testing.T) {
	app, st := servertest.Shared(t)
	sols, err := st.AllSolutions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	links := 0
	for _, sol := range sols {
		target := views.SolutionURL(sol.Slug)
		doc, _ := servertest.GetDoc(t, app, target, http.StatusOK)
		prov := doc.Find(servertest.TID("provenance"))
		var hrefs []string
		prov.Find(servertest.TID("source-link")).Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if servertest.Text(a) != strings.TrimPrefix(href, "") && !strings.HasPrefix(servertest.Text(a), "GitHub: ") {
				t.Errorf("%s: link text %q for %q", target, servertest.Text(a), href)
			}
			hrefs = append(hrefs, href)
		})
		var want []string
		for _, part := range strings.Split(sol.Source, "; ") {
			part = strings.TrimSpace(part)
			switch {
			case part == "" || part == "—":
			case strings.HasPrefix(part, "https://"), strings.HasPrefix(part, "http://"):
				want = append(want, part)
			case strings.HasPrefix(part, "github: "):
				want = append(want, "https://github.com/"+strings.Fields(strings.TrimPrefix(part, "github: "))[0])
			default:
				want = append(want, "https://"+part)
			}
		}
		if !slices.Equal(hrefs, want) {
			t.Errorf("%s: source links %q, want %q", target, hrefs, want)
		}
		links += len(hrefs)
		if strings.Contains(servertest.Text(prov), "...") || strings.Contains(servertest.Text(prov), "…") {
			t.Errorf("%s: shortened source shown: %s", target, servertest.Text(prov))
		}
		if got := servertest.Text(prov.Find(servertest.TID("registered"))); !strings.HasPrefix(got, "aus Datenimport") {
			t.Errorf("%s: registered = %q", target, got)
		}
		if strings.Contains(servertest.Text(prov), "Eingetragen am") {
			t.Errorf("%s names an entry date", target)
		}
		if got := servertest.Text(prov.Find(servertest.TID("last-edit"))); got != "seit dem Datenimport nicht geändert" {
			t.Errorf("%s: last edit = %q", target, got)
		}
		doc.Find(servertest.TID("adopter") + " " + servertest.TID("source-text")).Each(func(_ int, s *goquery.Selection) {
			t.Errorf("%s: adoption source as text only: %q", target, servertest.Text(s))
		})
	}
	if links < 80 {
		t.Errorf("only %d source links on the seeded solutions", links)
	}
	doc, _ := servertest.GetDoc(t, app, "/loesungen/wohngeld-online", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("status-note"))); !strings.HasPrefix(got, "Die Lösung ist als „Pilotbetrieb“ gemeldet; 7 Nachnutzungen sind als „in Betrieb“ eingetragen.") {
		t.Errorf("wohngeld status note = %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/loesungen/digitale-baugenehmigung", http.StatusOK)
	if n := doc.Find(servertest.TID("status-note")).Length(); n != 0 {
		t.Errorf("a live solution explains its status (%d notes)", n)
	}
}

// TestGemeindeMapReadsWithoutHovering: the Gemeinde's map carries the Land
// outline, a visible label for the Gemeinde itself (emphasised), labels of
// its neighbours, its own adoption in the fill of its ring-marked dot.
func TestGemeindeMapReadsWithoutHovering(t *testing.T) {
	app, _ := servertest.Shared(t)
	germany, err := geo.Germany()
	if err != nil {
		t.Fatal(err)
	}
	hessen, _ := germany.Region("06")
	doc, _ := servertest.GetDoc(t, app, "/gemeinden/064360007007", http.StatusOK) // Hofheim, adopter of ELFE
	land := doc.Find(servertest.TID("map-locator") + " " + servertest.TID("map-locator-land"))
	if d, _ := land.Attr("d"); d != hessen.Path {
		t.Errorf("locator outline is not Hessen's (%d characters)", len(d))
	}
	labels := doc.Find(servertest.TID("map") + " " + servertest.TID("map-label"))
	own := labels.Filter(".map__label--strong")
	if own.Length() != 1 || servertest.Text(own) != "Hofheim am Taunus" {
		t.Errorf("own label = %q", servertest.Texts(own))
	}
	if labels.Length() < 5 {
		t.Errorf("only %d labels: %q", labels.Length(), servertest.Texts(labels))
	}
	self := doc.Find(servertest.TID("map-point") + ".map-point--self")
	if c, _ := self.Attr("class"); self.Length() != 1 || !strings.Contains(c, "map-point--adopted") {
		t.Errorf("own point class %q: it adopted ELFE", c)
	}
	if r, _ := self.Attr("r"); r == "" || r == doc.Find(servertest.TID("map-point")).First().AttrOr("r", "") {
		t.Errorf("own point radius %q not larger than the others", r)
	}
	// A Gemeinde without an adoption: open ring, still labelled.
	doc, _ = servertest.GetDoc(t, app, "/gemeinden/010550012012", http.StatusOK) // Eutin
	self = doc.Find(servertest.TID("map-point") + ".map-point--self")
	if c, _ := self.Attr("class"); !strings.Contains(c, "map-point--none") {
		t.Errorf("Eutin point class %q", c)
	}
	if got := servertest.Text(doc.Find(servertest.TID("map-label") + ".map__label--strong")); got != "Eutin" {
		t.Errorf("Eutin label = %q", got)
	}
	// The solution map names its adopting Gemeinden too.
	doc, _ = servertest.GetDoc(t, app, "/loesungen/wohngeld-online", http.StatusOK)
	if got := servertest.Texts(doc.Find(servertest.TID("map-label"))); !slices.Contains(got, "Flensburg") {
		t.Errorf("solution map labels = %q", got)
	}
}
