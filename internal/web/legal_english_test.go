package web_test

import (
	"net/http"
	"strings"
	"testing"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store/storetest"
	"efa-register/views"
)

// TestLegalPagesInEnglish: the legal pages keep the German names of the
// documents with a gloss, say that the German text is binding, mark German
// names and licences lang="de", and format dates and numbers in English.
func TestLegalPagesInEnglish(t *testing.T) {
	app, _ := servertest.Shared(t)
	en := []string{"Accept-Language", "en"}
	for path, want := range map[string][2]string{
		"/impressum":        {"Impressum (legal notice)", "Legal notice – EfA-Register"},
		"/datenschutz":      {"Datenschutz (privacy)", "Privacy – EfA-Register"},
		"/barrierefreiheit": {"Erklärung zur Barrierefreiheit (accessibility statement)", "Accessibility statement – EfA-Register"},
		"/datenquellen":     {"Data sources and licences", "Data sources and licences – EfA-Register"},
	} {
		doc, _ := servertest.GetDoc(t, app, path, http.StatusOK, en...)
		if got := servertest.Text(doc.Find("h1")); got != want[0] {
			t.Errorf("%s: h1 = %q, want %q", path, got, want[0])
		}
		if got := doc.Find("title").Text(); got != want[1] {
			t.Errorf("%s: title = %q", path, got)
		}
		note := doc.Find(servertest.TID("binding-note"))
		if path == "/datenquellen" {
			if note.Length() != 0 {
				t.Errorf("%s: binding note on a page that is no legal text", path)
			}
			continue
		}
		if h1de := servertest.Text(doc.Find(`h1 [lang="de"]`)); h1de == "" || strings.Contains(h1de, "(") {
			t.Errorf("%s: German name in the heading not marked: %q", path, h1de)
		}
		if !strings.Contains(servertest.Text(note), "German version is binding") || note.Find(`a[hreflang="de"]`).AttrOr("href", "") != path+"?lang=de" {
			t.Errorf("%s: binding note = %q", path, servertest.Text(note))
		}
		// German pages have no note: they are the binding text.
		doc, _ = servertest.GetDoc(t, app, path, http.StatusOK)
		if doc.Find(servertest.TID("binding-note")).Length() != 0 {
			t.Errorf("%s: binding note on the German page", path)
		}
	}

	// The language cookie is explained in both languages.
	doc, _ := servertest.GetDoc(t, app, "/datenschutz", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("language-cookie"))); !strings.Contains(got, "Cookie sprache") || !strings.Contains(got, "ein Jahr") {
		t.Errorf("language cookie (de) = %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/datenschutz", http.StatusOK, en...)
	if got := servertest.Text(doc.Find(servertest.TID("language-cookie"))); !strings.Contains(got, "cookie sprache") ||
		!strings.Contains(got, "one year") || !strings.Contains(got, "tracking") {
		t.Errorf("language cookie (en) = %q", got)
	}

	doc, _ = servertest.GetDoc(t, app, "/barrierefreiheit", http.StatusOK, en...)
	if got := servertest.Text(doc.Find("#erstellung ~ p")); !strings.Contains(got, "prepared on 26 Nov 2026") {
		t.Errorf("statement date = %q", got)
	}
	if got := servertest.Text(doc.Find(servertest.TID("conformance"))); !strings.Contains(got, "partially compliant") {
		t.Errorf("conformance = %q", got)
	}
	doc, _ = servertest.GetDoc(t, app, "/barrierefreiheit", http.StatusOK)
	if got := servertest.Text(doc.Find("#erstellung ~ p")); !strings.Contains(got, "am 26.11.2026 erstellt") {
		t.Errorf("statement date (de) = %q", got)
	}

	// Licences as the licensors spell them, marked German; numbers in English.
	doc, _ = servertest.GetDoc(t, app, "/datenquellen", http.StatusOK, en...)
	attr := doc.Find(servertest.TID("destatis-attribution"))
	if lic := attr.Find(`a[lang="de"]`); servertest.Text(lic) != "Datenlizenz Deutschland – Namensnennung – Version 2.0" {
		t.Errorf("licence link = %q", servertest.Text(lic))
	}
	if got := servertest.Text(attr.Find(`strong[lang="de"]`)); got != "© Statistisches Bundesamt (Destatis)" {
		t.Errorf("attribution = %q", got)
	}
	rows := doc.Find(servertest.TID("sources-table") + " tbody tr")
	if rows.Length() != 7 || !strings.Contains(servertest.Text(rows.First()), "10,794 Gemeinden") ||
		rows.First().Find(`td[lang="de"]`).Length() != 1 {
		t.Errorf("sources table: %d rows, first %q", rows.Length(), servertest.Text(rows.First()))
	}
	std := doc.Find(servertest.TID("standardliste") + " tbody tr")
	if std.Length() == 0 || std.First().Find(`th[lang="de"]`).Length() != 1 || std.First().Find(`td[lang="de"]`).Length() != 1 ||
		!strings.Contains(servertest.Text(std.First()), "Transport and interfaces") {
		t.Errorf("list of standards: first row %q", servertest.Text(std.First()))
	}
	doc, _ = servertest.GetDoc(t, app, "/datenquellen", http.StatusOK)
	if got := servertest.Text(doc.Find(servertest.TID("sources-table") + " tbody tr").First()); !strings.Contains(got, "10.794 Gemeinden") {
		t.Errorf("sources table (de): %q", got)
	}
	if doc.Find(`main [lang]`).Length() != 0 {
		t.Error("German page marks text lang")
	}

	// The operator's details are data: marked German on English pages.
	configured := server.New(server.Deps{Store: storetest.Seeded(t), Version: "1.2.3",
		Operator: views.Operator{Name: "Landesamt für Digitales", Address: "Musterweg 1\n12345 Musterstadt", Email: "efa@land.example"}})
	doc, _ = servertest.GetDoc(t, configured, "/impressum", http.StatusOK, en...)
	op := doc.Find(servertest.TID("operator"))
	if servertest.Text(op.Find(`strong[lang="de"]`)) != "Landesamt für Digitales" || !strings.Contains(servertest.Text(op), "Email: efa@land.example") {
		t.Errorf("operator (en) = %q", servertest.Text(op))
	}
	if got := servertest.Text(doc.Find(servertest.TID("version"))); got != "1.2.3" {
		t.Errorf("version = %q", got)
	}
}
