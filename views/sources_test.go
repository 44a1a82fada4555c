package views

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

func TestSourceRefs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []SourceRef
	}{
		{"", nil},
		{"—", nil},
		{"https://www.d-nrw.de/wohngeld", []SourceRef{{"https://www.d-nrw.de/wohngeld", "https://www.d-nrw.de/wohngeld"}}},
		// A bare host/path gets https:// in front.
		{"anhalt-bitterfeld.de/de/jaehrlicher-ueberpruefungsbogen.html", []SourceRef{{
			"https://anhalt-bitterfeld.de/de/jaehrlicher-ueberpruefungsbogen.html", "https://anhalt-bitterfeld.de/de/jaehrlicher-ueberpruefungsbogen.html"}}},
		{"session.rhein-kreis-neuss.de/bi/vo0050.asp?__kvonr=11055; https://t3n.de/news/x-1458901/", []SourceRef{
			{"https://session.rhein-kreis-neuss.de/bi/vo0050.asp?__kvonr=11055", "https://session.rhein-kreis-neuss.de/bi/vo0050.asp?__kvonr=11055"},
			{"https://t3n.de/news/x-1458901/", "https://t3n.de/news/x-1458901/"}}},
		// A ";" inside an address (jsessionid) does not split it.
		{"https://digitale-verwaltung.de/a.html;jsessionid=82.live892", []SourceRef{
			{"https://digitale-verwaltung.de/a.html;jsessionid=82.live892", "https://digitale-verwaltung.de/a.html;jsessionid=82.live892"}}},
		{"github: EFA-FHB/ozg-vermittlungsdienst-doku (Dateiliste)", []SourceRef{
			{"GitHub: EFA-FHB/ozg-vermittlungsdienst-doku (Dateiliste)", "https://github.com/EFA-FHB/ozg-vermittlungsdienst-doku"}}},
		// Shortened references and plain words stay text: a guessed link leads nowhere.
		{"hofheim.de/dienstleistung-finder/...kombinierte-familienleistungen", []SourceRef{{"hofheim.de/dienstleistung-finder/...kombinierte-familienleistungen", ""}}},
		{"Pressemitteilung des Landes", []SourceRef{{"Pressemitteilung des Landes", ""}}},
		{"javascript:alert(1)", []SourceRef{{"javascript:alert(1)", ""}}},
		{"aus Erinnerung", []SourceRef{{"aus Erinnerung", ""}}},
	} {
		if got := SourceRefs(c.in); !cmp.Equal(got, c.want) {
			t.Errorf("SourceRefs(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestStatusNote(t *testing.T) {
	ctx := t.Context()
	if got := StatusNote(ctx, catalog.SolutionPilot, 6); !strings.HasPrefix(got, "Die Lösung ist als „Pilotbetrieb“ gemeldet; 6 Nachnutzungen sind als „in Betrieb“ eingetragen.") ||
		!strings.Contains(got, "kein Widerspruch") {
		t.Errorf("pilot with 6 live = %q", got)
	}
	if got := StatusNote(ctx, catalog.SolutionPlanned, 1); !strings.Contains(got, "„in Planung“ gemeldet; 1 Nachnutzung ist als „in Betrieb“") {
		t.Errorf("planned with 1 live = %q", got)
	}
	if got := StatusNote(ctx, catalog.SolutionRetired, 2); !strings.Contains(got, "eingestellt") || !strings.Contains(got, "vermutlich veraltet") {
		t.Errorf("retired with 2 live = %q", got)
	}
	if got := StatusNote(ctx, catalog.SolutionUnknown, 3); !strings.Contains(got, "nicht belegt") {
		t.Errorf("unknown with 3 live = %q", got)
	}
	for _, c := range []struct {
		s    catalog.SolutionStatus
		live int
	}{{catalog.SolutionLive, 7}, {catalog.SolutionPilot, 0}, {catalog.SolutionRetired, 0}} {
		if got := StatusNote(ctx, c.s, c.live); got != "" {
			t.Errorf("StatusNote(%s, %d) = %q, want none", c.s, c.live, got)
		}
	}
	en := i18n.WithLang(ctx, i18n.EN)
	if got := StatusNote(en, catalog.SolutionPilot, 1); !strings.HasPrefix(got, "The solution is reported as “pilot operation”; 1 adoption is recorded as “live”.") {
		t.Errorf("English pilot with 1 live = %q", got)
	}
}
