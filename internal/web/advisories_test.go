package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
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

// Publishing an advisory e-mails exactly the members of the affected
// organisations (Gemeinden A and B, the Land NRW), each on their own; an
// update with a new revision again; a draft and an unchanged save not.
func TestAdvisoryMailsReachTheAffected(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	provider := env.As(t, "anbieter")
	const newURL = "/loesungen/wohngeld-online/sicherheitshinweise/neu"
	rec := provider.Do("POST", newURL, advisoryForm("Entwurf einer Warnung", "restricted", "draft"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("draft = %d", rec.Code)
	}
	env.FlushMail(t)
	if n := len(env.SMTP.Messages()); n != 0 {
		t.Fatalf("a draft sent %d mails", n)
	}
	edit := rec.Header().Get("Location") + "/bearbeiten"
	if rec := provider.Do("POST", edit, advisoryForm(restrictedTitle, "restricted", "published"), nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("publish = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	want := []string{"koordination-nw@example.de", "redaktion-a@example.de", "redaktion-b@example.de"}
	if got := recipients(msgs); !slices.Equal(got, want) {
		t.Fatalf("recipients %v, want %v", got, want)
	}
	m := msgs[0]
	if !strings.HasPrefix(m.Subject, "Neuer Sicherheitshinweis (hoch): "+restrictedTitle+" / ") || !strings.Contains(m.Body, "Auf 3.2 aktualisieren") ||
		!strings.Contains(m.Body, "https://efa.example/sicherheitshinweise/") || !strings.Contains(m.Body, "TLP:AMBER") ||
		!strings.Contains(m.Body, "CVE-2025-12345, CVE-2025-23456") {
		t.Errorf("mail %q:\n%s", m.Subject, m.Body)
	}
	env.SMTP.Reset()
	if rec := provider.Do("POST", edit, advisoryForm(restrictedTitle, "restricted", "published"), nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("unchanged save = %d", rec.Code)
	}
	changed := advisoryForm(restrictedTitle, "restricted", "published")
	changed.Set("fixedVersion", "3.2.1")
	if rec := provider.Do("POST", edit, changed, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("update = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs = env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, want) || !strings.HasPrefix(msgs[0].Subject, "Sicherheitshinweis aktualisiert (Revision 2)") {
		t.Errorf("after the update: %v %q", got, msgs[0].Subject)
	}
}

// A provider turns a vendor's CSAF document into a draft advisory through
// the upload form; a file that is not CSAF is refused with the reason.
func TestAdvisoryFromCSAFUpload(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	provider := env.As(t, "anbieter")
	const target = "/loesungen/wohngeld-online/sicherheitshinweise/csaf"
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	a := catalog.Advisory{ID: 1, Title: "Lücke in der PDF-Bibliothek", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
		Action: "Bibliothek aktualisieren.", Distribution: catalog.DistributionRestricted, Status: catalog.AdvisoryPublished, Revision: 1,
		PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(feed.NewCSAF(a, catalog.Solution{Slug: "pdf", Name: "PDF"}, []feed.CSAFRevision{{Number: 1, At: at, Summary: "neu"}}, "https://x.example"))

	if rec := env.As(t, "redaktion-a").Upload(target, "h.json", raw, nil); rec.Code != http.StatusForbidden {
		t.Errorf("Gemeinde editor uploads = %d", rec.Code)
	}
	rec := provider.Upload(target, "h.json", []byte(`{"document":{}}`), nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "CSAF-2.0-Schema") {
		t.Errorf("not CSAF = %d", rec.Code)
	}
	if rec := provider.Upload(target, "", nil, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Bitte wählen Sie ein CSAF-Dokument") {
		t.Errorf("no file = %d", rec.Code)
	}
	rec = provider.Upload(target, "h.json", raw, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("upload = %d %s", rec.Code, rec.Body.String())
	}
	doc := servertest.Doc(t, provider.Do("GET", rec.Header().Get("Location"), nil, nil))
	if h1 := servertest.Text(doc.Find("h1")); h1 != "Lücke in der PDF-Bibliothek" || !strings.Contains(servertest.Text(doc.Find(".badges")), "Entwurf") ||
		!strings.Contains(servertest.Text(doc.Find(".badges")), "nur Betroffene") {
		t.Errorf("draft page: %q %q", h1, servertest.Text(doc.Find(".badges")))
	}
	if rec := env.Client(t).Do("GET", rec.Header().Get("Location"), nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("anonymous sees the draft = %d", rec.Code)
	}
}

// The adoption map of a solution coloured by the responses to an open
// advisory: the provider sees every affected organisation (Flensburg, who
// acted, in the "done" colour; the others without an answer), a Land
// coordinator only the Land's own, an adopter's editor no choice at all;
// an unknown or malformed choice keeps the adoption map and says why.
func TestSolutionMapByAdvisoryResponse(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	provider := env.As(t, "anbieter")
	rec := provider.Do("POST", "/loesungen/wohngeld-online/sicherheitshinweise/neu", advisoryForm(restrictedTitle, "restricted", "published"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d", rec.Code)
	}
	page := rec.Header().Get("Location")
	id := strings.TrimPrefix(page, "/sicherheitshinweise/")
	flens := env.As(t, "redaktion-a")
	answer := url.Values{"art": {"gemeinde"}, "schluessel": {servertest.GemeindeA}, "response": {"done"}, "doneOn": {"01.12.2026"}, "installedVersion": {"3.2"}}
	if rec := flens.Do("POST", page+"/rueckmeldung", answer, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("response = %d", rec.Code)
	}
	const target = "/loesungen/wohngeld-online?hinweis="

	doc := servertest.Doc(t, provider.Do("GET", page, nil, nil))
	if href, _ := doc.Find(servertest.TID("umsetzung-karte")).Attr("href"); href != target+id+"#karte" {
		t.Errorf("the advisory page links the rollout map as %q", href)
	}
	doc = servertest.Doc(t, provider.Do("GET", "/loesungen/wohngeld-online", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("kartenwahl") + " option")); !strings.Contains(got, "Rückmeldungen zu „"+restrictedTitle+"“") {
		t.Fatalf("map choices = %q", got)
	}
	doc = servertest.Doc(t, provider.Do("GET", target+id, nil, nil))
	if got := servertest.Text(doc.Find("#karte")); !strings.Contains(got, restrictedTitle) {
		t.Errorf("map heading = %q", got)
	}
	flensPoint := doc.Find(servertest.TID("map-point") + ".map-resp-done")
	if flensPoint.Length() != 1 || !strings.Contains(servertest.Text(flensPoint), "Flensburg, Stadt: Maßnahme umgesetzt") {
		t.Errorf("done points = %d %q", flensPoint.Length(), servertest.Text(flensPoint))
	}
	if doc.Find(servertest.TID("map-point")+".map-resp-open").Length() == 0 && doc.Find(".map-resp-open").Length() < 2 {
		t.Error("no organisation without an answer is drawn in the open colour")
	}
	table := map[string][]string{}
	doc.Find(servertest.TID("map-table") + " tbody tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("th, td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, servertest.Text(td)) })
		table[cells[0]] = cells[1:]
	})
	if sh := table["Schleswig-Holstein"]; len(sh) != 4 || sh[1] != "1" {
		t.Errorf("Schleswig-Holstein row = %v (all rows %v)", sh, table)
	}
	if _, ok := table["Nordrhein-Westfalen"]; !ok {
		t.Errorf("the provider does not see NRW's rollout: %v", table)
	}

	// The NRW coordinator sees NRW only.
	doc = servertest.Doc(t, env.As(t, "koordination-nw").Do("GET", target+id, nil, nil))
	var lands []string
	doc.Find(servertest.TID("map-table") + " tbody tr th, " + servertest.TID("map-table") + " tbody tr td:first-child").Each(func(_ int, s *goquery.Selection) {
		lands = append(lands, servertest.Text(s))
	})
	if len(lands) == 0 || slices.ContainsFunc(lands, func(l string) bool { return l != "Nordrhein-Westfalen" }) {
		t.Errorf("NRW coordinator's rollout map lists %v", lands)
	}

	// An adopter's editor gets no choice and the adoption map.
	body := flens.Do("GET", target+id, nil, nil).Body.String()
	if strings.Contains(body, `data-testid="kartenwahl"`) || !strings.Contains(body, "nur, wer die Umsetzung verfolgen darf") {
		t.Error("the Gemeinde editor is offered the rollout map or not told why not")
	}
	for _, bad := range []string{"999999", "abc", strings.Repeat("9", 40)} {
		rec := provider.Do("GET", target+url.QueryEscape(bad), nil, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "keinen offenen Sicherheitshinweis") ||
			!strings.Contains(rec.Body.String(), "Karte der Nachnutzung") {
			t.Errorf("?hinweis=%s = %d", bad, rec.Code)
		}
	}
}

// An English reader sees the advisory, its rollout, the CSV and the flash
// messages in English, numbers and dates in English format.
func TestAdvisoryInEnglish(t *testing.T) {
	env := servertest.NewEnvWith(t, server.AuthConfig{}, true)
	provider := env.As(t, "anbieter")
	provider.Header["Accept-Language"] = "en"
	rec := provider.Do("POST", "/loesungen/wohngeld-online/sicherheitshinweise/neu", advisoryForm(restrictedTitle, "restricted", "published"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d", rec.Code)
	}
	page := rec.Header().Get("Location")
	doc := servertest.Doc(t, provider.Do("GET", page, nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("hinweis"))); !strings.HasPrefix(got, "The security advisory has been saved (published).") {
		t.Errorf("flash %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("schweregrad"))); got != "Severity high (CVSS 8.1)" {
		t.Errorf("severity = %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("umsetzung-zahlen"))); !regexp.MustCompile(`^0 of \d+ affected organisations have acted`).MatchString(got) {
		t.Errorf("rollout %q", got)
	}
	if lang, _ := doc.Find("h1").Attr("lang"); lang != "de" {
		t.Errorf("the German title is not marked lang=de")
	}
	csv := provider.Do("GET", page+"/umsetzung.csv", nil, nil).Body.String()
	if !strings.HasPrefix(csv, "\ufeffOrganisation;Type;Key;Land (federal state);Response;Action taken on;Installed version;Reason") || !strings.Contains(csv, ";no response;") {
		t.Errorf("CSV:\n%s", csv)
	}

	flens := env.As(t, "redaktion-a")
	flens.Header["Accept-Language"] = "en"
	form := url.Values{"art": {"gemeinde"}, "schluessel": {servertest.GemeindeA}, "response": {"done"}, "doneOn": {"31.11.2026"}, "installedVersion": {"3.2"}}
	if rec := flens.Do("POST", page+"/rueckmeldung", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Please give the day as DD.MM.YYYY") {
		t.Errorf("impossible date = %d", rec.Code)
	}
	form.Set("doneOn", "01.12.2026")
	if rec := flens.Do("POST", page+"/rueckmeldung", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("response = %d", rec.Code)
	}
	doc = servertest.Doc(t, flens.Do("GET", page, nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("hinweis"))); got != "Your response has been saved: action taken." {
		t.Errorf("flash %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("rueckmeldung-stand"))); got != "So far: action taken (on 1 Dec 2026, version 3.2)" {
		t.Errorf("response state %q", got)
	}
	doc = servertest.Doc(t, provider.Do("GET", "/sicherheitshinweise", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("trefferzahl"))); got != "1 security advisory" {
		t.Errorf("count %q", got)
	}
	if rec := provider.Do("GET", "/sicherheitshinweise?schweregrad=EGAL", nil, nil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Unknown severity.") {
		t.Errorf("unknown severity = %d", rec.Code)
	}
}
