package web

import (
	"context"
	"strings"
	"testing"

	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/views"
)

// TestCountMapLanguage: the legend and titles of a count map follow ctx;
// the deprecated countMap takes the language from its noun.
func TestCountMapLanguage(t *testing.T) {
	counts := map[string]int64{"05": 1, "01": 12}
	en := i18n.WithLang(context.Background(), i18n.EN)
	for _, c := range []struct {
		name           string
		build          func() (views.MapView, error)
		legend, region string
	}{
		{"countMapIn en", func() (views.MapView, error) { return countMapIn(en, "k", "T", "D", counts) }, "1 to 2 adoptions", "Nordrhein-Westfalen: 1 adoption"},
		{"countMapIn de", func() (views.MapView, error) { return countMapIn(t.Context(), "k", "T", "D", counts) }, "1 bis 2 Nachnutzungen", "Nordrhein-Westfalen: 1 Nachnutzung"},
	} {
		mv, err := c.build()
		if err != nil {
			t.Fatal(err)
		}
		region := ""
		for _, r := range mv.Regions {
			if r.Key == "05" {
				region = r.Title
			}
		}
		if mv.Legend[1].Label != c.legend || region != c.region {
			t.Errorf("%s: legend %q, region %q; want %q, %q", c.name, mv.Legend[1].Label, region, c.legend, c.region)
		}
	}
}

// TestEstimateSourcesLanguage: the sentences about the public figures are
// made in the language of the page that shows them.
func TestEstimateSourcesLanguage(t *testing.T) {
	est, err := insights.DefaultEstimate()
	if err != nil {
		t.Fatal(err)
	}
	srcs := estimateSources(&est)
	if len(srcs) != 2 || srcs[0].In == nil {
		t.Fatalf("%d sources", len(srcs))
	}
	en, _ := srcs[0].In(i18n.WithLang(context.Background(), i18n.EN))
	de, _ := srcs[0].In(context.Background())
	if !strings.HasPrefix(en, "€828,000,000: federal funds") || !strings.HasPrefix(de, "828.000.000 €: Bundesmittel") || srcs[0].Text != de {
		t.Errorf("en %q, de %q, text %q", en, de, srcs[0].Text)
	}
}
