package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// TestReleasesOnTheSolutionPage: the provider records releases on their own
// page (German errors at the fields), adopters name the release they run,
// and the solution page shows the current release and how many running
// adopters are on an older one.
func TestReleasesOnTheSolutionPage(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	c := env.As(t, "anbieter")
	const page = "/loesungen/wohngeld-online/versionen"
	if rec := c.Do("GET", page, nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("releases page = %d", rec.Code)
	}
	for _, f := range []url.Values{
		{"version": {"1.0.0"}, "date": {"01.03.2025"}, "notes": {"Erste Fassung"}},
		{"version": {"2.0.0"}, "date": {"1.10.2026"}, "url": {"https://example.org/wohngeld/2.0.0"}},
	} {
		if rec := c.Do("POST", page, f, nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("record %v = %d: %.300s", f, rec.Code, rec.Body.String())
		}
	}
	rec := c.Do("POST", page, url.Values{"version": {"2.1 beta"}, "date": {"gestern"}}, nil)
	doc := servertest.Doc(t, rec)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="fehler-date"]`).Text(), "TT.MM.JJJJ") ||
		!strings.Contains(doc.Find(`[data-testid="fehler-version"]`).Text(), "nur Buchstaben") {
		t.Errorf("invalid release = %d: %q / %q", rec.Code, doc.Find(`[data-testid="fehler-date"]`).Text(), doc.Find(`[data-testid="fehler-version"]`).Text())
	}
	rec = c.Do("POST", page, url.Values{"version": {"2.0.0"}, "date": {"02.10.2026"}}, nil)
	if doc := servertest.Doc(t, rec); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="fehler-version"]`).Text(), "schon eingetragen") {
		t.Errorf("duplicate release = %d", rec.Code)
	}
	if rec := env.As(t, "koordination-nw").Do("GET", page, nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("another Land's coordinator sees the releases form: %d", rec.Code)
	}

	// Flensburg runs 1.0.0, Kiel 2.0.0, a third live adopter names none.
	sys := catalog.SystemPrincipal("test")
	v1, v2 := "1.0.0", "2.0.0"
	for ars, rel := range map[string]*string{servertest.GemeindeA: &v1, servertest.GemeindeB: &v2} {
		if _, err := env.Store.RegisterAdoption(ctx, sys, store.AdoptionInput{SolutionSlug: "wohngeld-online", AdopterKind: catalog.KindGemeinde,
			AdopterKey: ars, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}, Release: rel}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := env.Store.ReleaseStandingOf(ctx, "wohngeld-online")
	if err != nil || st.Current == nil || st.Current.Version != "2.0.0" || st.Older != 1 || st.OnCurrent != 1 {
		t.Fatalf("standing = %+v %v", st, err)
	}

	show := servertest.Doc(t, env.Client(t).Do("GET", "/loesungen/wohngeld-online", nil, nil))
	if cur := show.Find(`[data-testid="current-release"]`).Text(); !strings.Contains(cur, "2.0.0") || !strings.Contains(cur, "01.10.2026") {
		t.Errorf("current release on the page: %q", cur)
	}
	if older := show.Find(`[data-testid="older-release-adopters"]`).Text(); older != "1 Nachnutzer betreibt eine ältere Version." {
		t.Errorf("older adopters on the page: %q", older)
	}
	if hist := show.Find("#historie").Parent().Text(); !strings.Contains(hist, "Version 2.0.0") {
		t.Errorf("the history does not show the release")
	}

	// The adopter changes the release it runs on the adoption's own form;
	// a form without the field (the inline one) keeps it.
	a := env.As(t, "redaktion-a")
	edit := fmt.Sprintf("/nachnutzungen/%d/bearbeiten", env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA))
	if opts := servertest.Doc(t, a.Do("GET", edit, nil, nil)).Find(`select[name="release"] option`); opts.Length() != 3 {
		t.Errorf("release choices on the adoption form: %d, want 3", opts.Length())
	}
	if rec := a.Do("POST", edit, url.Values{"status": {"live"}, "release": {"2.0.0"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("adopter sets release = %d", rec.Code)
	}
	if rec := a.Do("POST", edit, url.Values{"status": {"live"}, "release": {"7.0"}}, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown release = %d", rec.Code)
	}
	if rec := a.Do("POST", edit, url.Values{"status": {"live"}, "note": {"ohne Versionsfeld"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("inline form = %d", rec.Code)
	}
	if st, _ := env.Store.ReleaseStandingOf(ctx, "wohngeld-online"); st.OnCurrent != 2 || st.Older != 0 {
		t.Errorf("after the adopter's update: %+v", st)
	}
	// Back to 1.0.0 for the rest of the test.
	if rec := a.Do("POST", edit, url.Values{"status": {"live"}, "release": {"1.0.0"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("adopter sets release back = %d", rec.Code)
	}

	// A release an adopter names stays; the provider is told why.
	rec = c.Do("POST", page+"/loeschen", url.Values{"version": {"1.0.0"}}, nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Ein Nachnutzer gibt die Version") {
		t.Errorf("delete a named release = %d", rec.Code)
	}
	if _, err := env.Store.AddRelease(ctx, sys, "wohngeld-online", catalog.Release{Version: "2.0.1", Date: "2026-10-15"}); err != nil {
		t.Fatal(err)
	}
	if rec := c.Do("POST", page+"/loeschen", url.Values{"version": {"2.0.1"}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("delete an unnamed release = %d", rec.Code)
	}
}
