package catalog_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"efa-register/internal/catalog"
)

func testVocabulary(t *testing.T) *catalog.Vocabulary {
	t.Helper()
	f, err := os.Open("../../seed/standards.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := catalog.ParseVocabulary(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Every entry of the vocabulary names the official publication it comes from.
func TestVocabularyEverySourced(t *testing.T) {
	v := testVocabulary(t)
	all := v.All()
	if len(all) < 20 {
		t.Fatalf("vocabulary has %d entries, want the full list", len(all))
	}
	dims := map[string]int{}
	for _, s := range all {
		if !strings.HasPrefix(s.Source, "https://") {
			t.Errorf("%s: source %q is no https address", s.Key, s.Source)
		}
		dims[s.Dimension]++
	}
	for _, d := range catalog.Dimensions {
		if dims[d.Key] == 0 {
			t.Errorf("dimension %s has no entry", d.Key)
		}
	}
	_, err := catalog.ParseVocabulary(strings.NewReader("schluessel,dimension,name,version,hinweis,quelle\nxfoo,xoev,XFoo,1.0,,\n"))
	if err == nil || !strings.Contains(err.Error(), "no source") {
		t.Errorf("an entry without source parsed: %v", err)
	}
}

func env(v *catalog.Vocabulary, keys ...string) catalog.Environment {
	return catalog.EffectiveEnvironment(v, catalog.OrgEnvironment{Standards: keys})
}

func TestCheckFitOutcomes(t *testing.T) {
	v := testVocabulary(t)
	profile := catalog.Profile{
		{Standard: "bundid", Mode: catalog.ModeImplements},
		{Standard: "epaybl", Mode: catalog.ModeRequires},
		{Standard: "betrieb-installation", Mode: catalog.ModeRequires},
	}
	cases := []struct {
		name    string
		profile catalog.Profile
		env     catalog.Environment
		want    catalog.FitResult
		reason  string
	}{
		{"fits", profile, env(v, "epaybl", "betrieb-installation", "xmeld"), catalog.FitYes, ""},
		{"fits with changes", profile, env(v, "pmpayment", "betrieb-installation"), catalog.FitWithChanges, "Die Lösung benötigt ePayBL; Sie nutzen pmPayment."},
		{"does not fit", profile, env(v, "epaybl", "betrieb-zentral"), catalog.FitNo, "Betriebsmodell: Die Lösung benötigt Installation und Betrieb beim Nachnutzer; Sie nutzen Zentraler Betrieb für alle Nachnutzer."},
		{"unknown: no profile", nil, env(v, "epaybl"), catalog.FitUnknown, "kein Standardprofil"},
		{"unknown: no environment", profile, catalog.Environment{}, catalog.FitUnknown, "keine Umgebung"},
		{"unknown: dimension not described", profile, env(v, "epaybl"), catalog.FitUnknown, "Betriebsmodell: Die Lösung benötigt Installation und Betrieb beim Nachnutzer; dazu ist bei Ihnen nichts erfasst."},
		{"choice met", catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeChoice}, {Standard: "pmpayment", Mode: catalog.ModeChoice}}, env(v, "pmpayment"), catalog.FitYes, ""},
		{"choice unmet", catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeChoice}, {Standard: "pmpayment", Mode: catalog.ModeChoice}}, env(v, "epay21"), catalog.FitWithChanges, "bietet ePayBL oder pmPayment zur Wahl; Sie nutzen ePay21."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := catalog.CheckFit(v, c.profile, c.env)
			if got.Result != c.want {
				t.Fatalf("result %s, want %s (reasons %q)", got.Result, c.want, got.Reasons)
			}
			if len(got.Reasons) == 0 {
				t.Fatal("no reason given")
			}
			if c.reason != "" && !slices.ContainsFunc(got.Reasons, func(r string) bool { return strings.Contains(r, c.reason) }) {
				t.Errorf("reasons %q lack %q", got.Reasons, c.reason)
			}
		})
	}
}

// A Gemeinde inherits its Kreis's entries per dimension and overrides a
// dimension by recording its own entries in it.
func TestEffectiveEnvironmentInheritance(t *testing.T) {
	v := testVocabulary(t)
	kreis := catalog.Organisation{ID: 2, Kind: catalog.KindKreis, Key: "05334", Name: "Städteregion Aachen"}
	land := catalog.Organisation{ID: 3, Kind: catalog.KindLand, Key: "05", Name: "Nordrhein-Westfalen"}
	gemeinde := catalog.OrgEnvironment{Org: catalog.Organisation{ID: 1, Kind: catalog.KindGemeinde}, Standards: []string{"pmpayment"}}
	e := catalog.EffectiveEnvironment(v, gemeinde,
		catalog.OrgEnvironment{Org: kreis, Standards: []string{"epaybl", "betrieb-installation"}},
		catalog.OrgEnvironment{Org: land, Standards: []string{"bundid", "betrieb-zentral"}})
	if d := e["payment"]; d.From != nil || !slices.Equal(d.Standards, []string{"pmpayment"}) {
		t.Errorf("payment = %+v, want the Gemeinde's own pmPayment", d)
	}
	if d := e["operation"]; d.From == nil || d.From.Key != "05334" || !slices.Equal(d.Standards, []string{"betrieb-installation"}) {
		t.Errorf("operation = %+v, want the Kreis's default", d)
	}
	if d := e["account"]; d.From == nil || d.From.Key != "05" || !slices.Equal(d.Standards, []string{"bundid"}) {
		t.Errorf("account = %+v, want the Land's default", d)
	}
	// The Kreis's default decides the fit where the Gemeinde said nothing of its own.
	p := catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeRequires}, {Standard: "betrieb-installation", Mode: catalog.ModeRequires}}
	if got := catalog.CheckFit(v, p, e); got.Result != catalog.FitWithChanges {
		t.Errorf("fit = %+v, want fits-with-changes (ePayBL overridden by the Gemeinde's pmPayment)", got)
	}
	without := catalog.EffectiveEnvironment(v, catalog.OrgEnvironment{Org: gemeinde.Org},
		catalog.OrgEnvironment{Org: kreis, Standards: []string{"epaybl", "betrieb-installation"}})
	if got := catalog.CheckFit(v, p, without); got.Result != catalog.FitYes {
		t.Errorf("fit with the Kreis's defaults only = %+v, want fits", got)
	}
}

func TestProfileCheck(t *testing.T) {
	v := testVocabulary(t)
	p, err := catalog.Profile{{Standard: "xbau", Mode: catalog.ModeRequires}, {Standard: "bundid", Mode: catalog.ModeImplements}}.Check(v)
	if err != nil || p[0].Standard != "bundid" {
		t.Fatalf("Check = %v, %v; want sorted, no error", p, err)
	}
	for _, bad := range []catalog.Profile{
		{{Standard: "xunbekannt", Mode: catalog.ModeRequires}},
		{{Standard: "xbau", Mode: "maybe"}},
		{{Standard: "xbau", Mode: catalog.ModeRequires}, {Standard: "xbau", Mode: catalog.ModeChoice}},
	} {
		if _, err := bad.Check(v); err == nil {
			t.Errorf("Check(%v) accepted", bad)
		}
	}
}
