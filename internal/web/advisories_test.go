package web_test

import (
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

const restrictedTitle = "Sitzungsübernahme im Wohngeldantrag"

func advisoryForm(title, distribution, status string) url.Values {
	return url.Values{"title": {title}, "summary": {"Angreifer übernehmen fremde Sitzungen."},
		"cvssVector": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"}, "cves": {"CVE-2025-12345, CVE-2025-23456"},
		"affectedVersions": {"bis 3.1"}, "fixedVersion": {"3.2"}, "action": {"Auf 3.2 aktualisieren und alle Sitzungen beenden."},
		"distribution": {distribution}, "status": {status}}
}

// The provider's journey in the web forms: a restricted advisory is written
// (a wrong CVSS vector named at its field), the affected Gemeinde sees it on
// its account and its page and records "Maßnahme umgesetzt" with a German
// date, and the provider's rollout counts it. Nobody else sees it anywhere
// public: not on pages, in search, feeds, export or change feed.
func TestAdvisoryJourney(t *testing.T) {
	env := servertest.NewEnvWith(t, server.AuthConfig{}, true)
	provider := env.As(t, "anbieter")
	const newURL = "/loesungen/wohngeld-online/sicherheitshinweise/neu"

	if rec := env.As(t, "redaktion-a").Do("GET", newURL, nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("Gemeinde editor opens the advisory form = %d", rec.Code)
	}
	bad := advisoryForm(restrictedTitle, "restricted", "published")
	bad.Set("cvssVector", "CVSS:3.0/AV:N")
	rec := provider.Do("POST", newURL, bad, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "CVSS:3.1/") ||
		!strings.Contains(rec.Body.String(), restrictedTitle) {
		t.Fatalf("bad vector = %d (message at the field, input kept)", rec.Code)
	}
	rec = provider.Do("POST", newURL, advisoryForm(restrictedTitle, "restricted", "published"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d %s", rec.Code, rec.Body.String())
	}
	page := rec.Header().Get("Location")
	if !strings.HasPrefix(page, "/sicherheitshinweise/") {
		t.Fatalf("redirect to %q", page)
	}
	doc := servertest.Doc(t, provider.Do("GET", page, nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("schweregrad"))); got != "Schweregrad hoch (CVSS 8,1)" {
		t.Errorf("severity = %q", got)
	}
	affected := doc.Find(servertest.TID("umsetzung-tabelle") + " tbody tr").Length()
	if affected < 2 || !strings.Contains(servertest.Text(doc.Find(servertest.TID("umsetzung-zahlen"))), fmt.Sprintf("0 von %d", affected)) {
		t.Fatalf("rollout before answers: %d rows, %q", affected, servertest.Text(doc.Find(servertest.TID("umsetzung-zahlen"))))
	}

	// The affected Gemeinde (Flensburg runs Wohngeld) sees it and answers.
	flens := env.As(t, "redaktion-a")
	for _, path := range []string{"/konto", "/gemeinden/" + servertest.GemeindeA, "/loesungen/wohngeld-online", "/sicherheitshinweise"} {
		if !strings.Contains(flens.Do("GET", path, nil, nil).Body.String(), restrictedTitle) {
			t.Errorf("affected Gemeinde does not see the advisory on %s", path)
		}
	}
	form := url.Values{"art": {"gemeinde"}, "schluessel": {servertest.GemeindeA}, "response": {"done"}, "doneOn": {"31.11.2026"}, "installedVersion": {"3.2"}}
	if rec := flens.Do("POST", page+"/rueckmeldung", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "TT.MM.JJJJ") {
		t.Errorf("impossible date = %d", rec.Code)
	}
	form.Set("doneOn", "01.12.2026")
	if rec := flens.Do("POST", page+"/rueckmeldung", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("response = %d %s", rec.Code, rec.Body.String())
	}
	doc = servertest.Doc(t, flens.Do("GET", page, nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("rueckmeldung-stand"))); !strings.Contains(got, "Maßnahme umgesetzt") || !strings.Contains(got, "01.12.2026") {
		t.Errorf("response state = %q", got)
	}
	if doc.Find(servertest.TID("umsetzung")).Length() != 0 {
		t.Error("the Gemeinde sees the rollout of all affected organisations")
	}
	doc = servertest.Doc(t, provider.Do("GET", page, nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("umsetzung-zahlen"))); !strings.HasPrefix(got, fmt.Sprintf("1 von %d", affected)) {
		t.Errorf("rollout after the answer: %q", got)
	}
	if first := servertest.Text(doc.Find(servertest.TID("umsetzung-tabelle") + " tbody tr").Last()); !strings.Contains(first, "Flensburg") {
		t.Errorf("who acted is listed last by default, got last row %q", first)
	}
	csv := provider.Do("GET", page+"/umsetzung.csv", nil, nil)
	if csv.Code != 200 || !strings.Contains(csv.Body.String(), "Maßnahme umgesetzt") || strings.Count(csv.Body.String(), "\n") != affected+1 {
		t.Errorf("rollout CSV = %d, %d lines", csv.Code, strings.Count(csv.Body.String(), "\n"))
	}
	if rec := flens.Do("GET", page+"/umsetzung.csv", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("Gemeinde downloads the rollout = %d", rec.Code)
	}

	// Nowhere public.
	anon := env.Client(t)
	if rec := anon.Do("GET", page, nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("anonymous opens the restricted advisory = %d", rec.Code)
	}
	env.AddUser(t, "koeln", "Köln", store.NewMembership{Kind: catalog.KindGemeinde, Key: "053150000000", Role: catalog.RoleEditor})
	koeln := env.As(t, "koeln")
	if rec := koeln.Do("GET", page, nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("a Gemeinde that is not affected opens it = %d", rec.Code)
	}
	for _, path := range []string{"/", "/sicherheitshinweise", "/loesungen/wohngeld-online", "/gemeinden/" + servertest.GemeindeA,
		"/loesungen?q=" + url.QueryEscape("Sitzungsübernahme"), "/feed.json", "/feed.atom", "/api/v1/export", "/api/v1/changes",
		"/api/v1/search?q=" + url.QueryEscape("Sitzungsübernahme"), "/api/v1/advisories", "/api/v1/solutions/wohngeld-online"} {
		for name, cl := range map[string]*servertest.Client{"anonymous": anon, "Köln": koeln} {
			rec := cl.Do("GET", path, nil, nil)
			if strings.Contains(rec.Body.String(), restrictedTitle) || strings.Contains(rec.Body.String(), "fremde Sitzungen") {
				t.Errorf("%s finds the restricted advisory on %s (%d)", name, path, rec.Code)
			}
		}
	}

	// A public advisory shows on the solution page and in the list for everyone.
	rec = provider.Do("POST", newURL, advisoryForm("Veraltete Bibliothek im Upload", "public", "published"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create public = %d", rec.Code)
	}
	for _, path := range []string{"/sicherheitshinweise", "/loesungen/wohngeld-online", rec.Header().Get("Location")} {
		if !strings.Contains(anon.Do("GET", path, nil, nil).Body.String(), "Veraltete Bibliothek im Upload") {
			t.Errorf("public advisory missing on %s", path)
		}
	}
	if rec := anon.Do("GET", "/sicherheitshinweise?schweregrad=SCHLIMM", nil, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown severity filter = %d", rec.Code)
	}

	// Changing it after publication makes revision 2, shown in the history.
	edit := rec.Header().Get("Location") + "/bearbeiten"
	changed := advisoryForm("Veraltete Bibliothek im Upload", "public", "published")
	changed.Set("fixedVersion", "3.2.1")
	if rec := provider.Do("POST", edit, changed, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d %s", rec.Code, rec.Body.String())
	}
	doc = servertest.Doc(t, anon.Do("GET", strings.TrimSuffix(edit, "/bearbeiten"), nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("revisionen"))); !strings.Contains(got, "behobene Version") || !strings.Contains(got, "aktualisiert") {
		t.Errorf("revisions = %q", got)
	}
	if rec := flens.Do("POST", edit, changed, nil); rec.Code != http.StatusForbidden {
		t.Errorf("Gemeinde editor edits = %d", rec.Code)
	}
}
