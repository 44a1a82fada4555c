package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

func TestPubliccodeImportPreviewAndSave(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	servertest.WithSearch(t, env, nil)
	ctx := context.Background()
	if rec := env.As(t, "anonym").Do("GET", "/loesungen/import", nil, nil); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/anmelden") {
		t.Errorf("anonymous form = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	prov := env.As(t, "anbieter")
	rec := prov.Do("GET", "/loesungen/import", nil, nil)
	if rec.Code != 200 || servertest.Doc(t, rec).Find(`[data-testid=publiccodeformular] input[type=file][name=datei]`).Length() != 1 {
		t.Fatalf("form = %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), `name="adresse"`) {
		t.Error("URL field shown although fetching is off")
	}

	before, _ := env.Store.Stats(ctx)
	rec = prov.UploadPubliccode("publiccode.yml", servertest.PubliccodeFixture(t, "full.yml"), map[string]string{"aktion": "vorschau"})
	if rec.Code != 200 {
		t.Fatalf("preview = %d: %s", rec.Code, rec.Body.String())
	}
	page := servertest.Doc(t, rec)
	preview := page.Find(`[data-testid=vorschau]`).Text()
	for _, want := range []string{"Wohngeld digital beantragen", "description.de.localisedName", "EUPL-1.2", "wohngeld-ozg@sh.example", "in Betrieb"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q: %s", want, preview)
		}
	}
	if s := page.Find(`[data-testid=vorschau-leistungen]`).Text(); !strings.Contains(s, "Wohngeld (OZG-ID 10092)") {
		t.Errorf("services %q", s)
	}
	if s := page.Find(`[data-testid=hinweisliste]`).Text(); !strings.Contains(s, "Zeile 63, maintenance.contacts[0].email:") ||
		!strings.Contains(s, "„Neustadt“ passt zu mehreren Organisationen") || strings.Contains(s, "erika") {
		t.Errorf("warnings %q", s)
	}
	if s, _ := page.Find(`[data-testid=aehnliche-loesungen] a[href="/loesungen/wohngeld-online"]`).Attr("href"); s == "" {
		t.Errorf("Gibt es schon? lacks wohngeld-online: %s", page.Find(`[data-testid=aehnliche-loesungen]`).Text())
	}
	if v, _ := page.Find(`select[name=provider] option[selected]`).Attr("value"); v != "land:01" {
		t.Errorf("provider preselected %q", v)
	}
	if v, _ := page.Find(`select[name=nachnutzer_0] option[selected]`).Attr("value"); v != "land:01" {
		t.Errorf("usedBy[0] preselected %q", v)
	}
	if n := page.Find(`select[name=nachnutzer_4] option`).Length(); n < 3 {
		t.Errorf("Neustadt offers %d options", n)
	}
	if n := page.Find(`select[name=nachnutzer_5] option`).Length(); n != 1 {
		t.Errorf("Atlantis offers %d options, want only „nicht übernehmen“", n)
	}
	token, _ := page.Find(`input[name=entwurf]`).Attr("value")
	neustadt, _ := page.Find(`select[name=nachnutzer_4] option`).First().Attr("value")
	if after, _ := env.Store.Stats(ctx); after.Solutions != before.Solutions {
		t.Fatal("the preview saved something")
	}

	form := url.Values{"aktion": {"speichern"}, "entwurf": {token}, "provider": {"land:01"}, "slug": {"wohngeld-sh-import"},
		"nachnutzer_0": {"land:01"}, "status_0": {"live"}, "nachnutzer_1": {"gemeinde:010020000000"}, "status_1": {"interested"},
		"nachnutzer_2": {"kreis:01051"}, "status_2": {"live"}, "nachnutzer_3": {""}, "status_3": {"live"},
		"nachnutzer_4": {neustadt}, "status_4": {"live"}, "nachnutzer_5": {""}, "status_5": {"live"}}
	// Only organisations the file's name may mean can be chosen, and only for one's own provider.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("nachnutzer_0", "gemeinde:051240000000")
	bad.Set("provider", "land:05")
	rec = prov.Do("POST", "/loesungen/import", bad, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Bitte wählen Sie eine der angebotenen Organisationen.") ||
		!strings.Contains(rec.Body.String(), "nur Lösungen Ihrer eigenen Organisation") {
		t.Errorf("tampered save = %d", rec.Code)
	}
	bad = url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("slug", "wohngeld-online")
	if rec := prov.Do("POST", "/loesungen/import", bad, nil); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Diese Kurzbezeichnung ist bereits vergeben.") {
		t.Errorf("taken slug = %d", rec.Code)
	}
	if after, _ := env.Store.Stats(ctx); after.Solutions != before.Solutions || after.Adoptions != before.Adoptions {
		t.Fatal("a refused save wrote something")
	}

	rec = prov.Do("POST", "/loesungen/import", form, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/loesungen/wohngeld-sh-import" {
		t.Fatalf("save = %d %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	sol, err := env.Store.SolutionBySlug(ctx, "wohngeld-sh-import")
	if err != nil || sol.Name != "Wohngeld digital beantragen" || sol.Provider.Key != "01" || len(sol.Services) != 1 ||
		sol.Verified != catalog.VerifiedPartial || sol.ContactEmail != "wohngeld-ozg@sh.example" {
		t.Fatalf("saved %+v %v", sol, err)
	}
	list, _ := env.Store.AdoptionsBySolution(ctx, sol.Slug)
	got := map[string]catalog.AdoptionStatus{}
	for _, a := range list {
		// The provider's editor acts for land:01 only: the others are claims.
		wantConf := catalog.ConfirmationClaimed
		if a.Organisation.Kind == catalog.KindLand && a.Organisation.Key == "01" {
			wantConf = catalog.ConfirmationNone
		}
		if a.Source != publiccode.UsedBySource || a.Confirmation != wantConf || !strings.HasPrefix(a.RegisteredBy, "user:") {
			t.Errorf("adoption %+v", a)
		}
		got[string(a.Organisation.Kind)+":"+a.Organisation.Key] = a.Status
	}
	want := map[string]catalog.AdoptionStatus{"land:01": "live", "gemeinde:010020000000": "interested", "kreis:01051": "live", neustadt: "live"}
	if len(got) != len(want) {
		t.Errorf("adoptions %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("adoption of %s = %q, want %q", k, got[k], v)
		}
	}
	// The draft is gone: the same form again is stale, not a second solution.
	if rec := prov.Do("POST", "/loesungen/import", form, nil); rec.Code != http.StatusConflict {
		t.Errorf("second save = %d", rec.Code)
	}

	// Broken and missing files get the error list, and nothing else happens.
	rec = prov.UploadPubliccode("publiccode.yml", servertest.PubliccodeFixture(t, "broken.yml"), map[string]string{"aktion": "vorschau"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(servertest.Doc(t, rec).Find(`[data-testid=fehlerliste]`).Text(), "Zeile 5:") {
		t.Errorf("broken = %d", rec.Code)
	}
	rec = prov.UploadPubliccode("", nil, map[string]string{"aktion": "vorschau"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Bitte wählen Sie eine publiccode.yml-Datei aus.") {
		t.Errorf("no file = %d", rec.Code)
	}
	// A cross-site post is refused.
	if rec := prov.Do("POST", "/loesungen/import", form, map[string]string{"Sec-Fetch-Site": "cross-site"}); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site post = %d", rec.Code)
	}

	// The export of the saved solution, in the UI and the API.
	rec = prov.Do("GET", "/loesungen/wohngeld-sh-import/publiccode.yml", nil, nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/yaml") ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="publiccode.yml"` || !strings.Contains(rec.Body.String(), "name: Wohngeld-Antrag digital") {
		t.Errorf("export = %d %v", rec.Code, rec.Header())
	}
	// What the file said beyond the solution's fields comes back: every
	// language, the release, the legal and maintenance keys; the German
	// country section only in the variant.
	for _, want := range []string{"localisedName: Wohngeld digital beantragen", "localisedName: Housing benefit online",
		"softwareVersion: 2.4.1", "releaseDate: \"2024-03-01\"", "mainCopyrightOwner: Land Schleswig-Holstein", "type: contract",
		"name: Dataport AöR", "availableLanguages:", "versionMin: \"13\"", "codiceIPA: xyz", "- data-collection", "softwareType: standalone/web"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("export lacks %q:\n%s", want, rec.Body.String())
		}
	}
	if strings.Contains(rec.Body.String(), "ozg-id") || strings.Contains(rec.Body.String(), "Erika") {
		t.Errorf("default export has the German section or a personal address:\n%s", rec.Body.String())
	}
	if de := prov.Do("GET", "/loesungen/wohngeld-sh-import/publiccode.yml?extension=de", nil, nil); de.Code != 200 ||
		!strings.Contains(de.Body.String(), "ozg-id: \"10092\"") || de.Header().Get("Content-Disposition") != `attachment; filename="publiccode-de.yml"` {
		t.Errorf("German variant = %d:\n%s", de.Code, de.Body.String())
	}
	if bad := prov.Do("GET", "/loesungen/wohngeld-sh-import/publiccode.yml?extension=fr", nil, nil); bad.Code != 400 ||
		!strings.Contains(bad.Body.String(), "Der Parameter „extension“ ist ungültig") {
		t.Errorf("unknown variant = %d", bad.Code)
	}
	if bad := prov.Do("GET", "/api/v1/solutions/wohngeld-sh-import/publiccode.yml?extension=fr", nil, nil); bad.Code != 400 ||
		!strings.Contains(bad.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("API unknown variant = %d", bad.Code)
	}
	// The page shows the German description and offers the English one; the
	// provider sees what the exported file lacks, a visitor does not.
	page = servertest.Doc(t, prov.Do("GET", "/loesungen/wohngeld-sh-import", nil, nil))
	if en := page.Find(`[data-testid=description-en]`); en.Length() != 1 || !strings.Contains(en.Text(), "Englisch") ||
		!strings.Contains(en.Text(), "Apply for housing benefit online.") || en.Find(`[lang=en]`).Length() != 1 {
		t.Errorf("English description on the page: %q", en.Text())
	}
	if page.Find(`[data-testid=text-language]`).Length() != 0 {
		t.Errorf("the German description is labelled as another language")
	}
	if gaps := page.Find(`[data-testid=publiccode-gaps]`).Text(); !strings.Contains(gaps, "description.en.longDescription") ||
		!strings.Contains(gaps, "Die Beschreibung hat 140 Zeichen; der Standard verlangt mindestens 150.") || strings.Contains(gaps, "maintenance.type") {
		t.Errorf("gaps for the provider: %q", gaps)
	}
	if servertest.Doc(t, env.As(t, "anonym").Do("GET", "/loesungen/wohngeld-sh-import", nil, nil)).Find(`[data-testid=publiccode-gaps]`).Length() != 0 {
		t.Errorf("a visitor sees the provider's gaps")
	}
	api := prov.Do("GET", "/api/v1/solutions/wohngeld-sh-import/publiccode.yml", nil, nil)
	if api.Code != 200 || api.Body.String() != rec.Body.String() {
		t.Errorf("API export = %d differs from the page's", api.Code)
	}
	if rec := prov.Do("GET", "/api/v1/solutions/gibt-es-nicht/publiccode.yml", nil, nil); rec.Code != 404 ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown export = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestPubliccodeImportFetchRefusesInternalAddresses(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	servertest.WithSearch(t, env, publiccode.NewFetcher(2*time.Second, 0))
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	prov := env.As(t, "anbieter")
	if rec := prov.Do("GET", "/loesungen/import", nil, nil); !strings.Contains(rec.Body.String(), `name="adresse"`) {
		t.Error("URL field missing although fetching is on")
	}
	rec := prov.UploadPubliccode("", nil, map[string]string{"aktion": "vorschau", "adresse": srv.URL + "/publiccode.yml"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "internes Netz") || hits != 0 {
		t.Errorf("loopback fetch = %d, %d hits", rec.Code, hits)
	}
}

// TestPubliccodeImportInEnglish reads the import in English: the form, the
// preview with its labels and adopter hints, the messages and the notice
// after saving; German is left only where the page marks it lang="de".
func TestPubliccodeImportInEnglish(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	servertest.WithSearch(t, env, nil)
	prov := env.As(t, "anbieter")
	prov.Header["Accept-Language"] = "en"
	english := func(what string, rec *httptest.ResponseRecorder) *goquery.Document {
		t.Helper()
		doc := servertest.Doc(t, rec)
		if l := doc.Find("html").AttrOr("lang", ""); l != "en" {
			t.Errorf("%s: <html lang=%q>", what, l)
		}
		// germanIn changes the document: look at a copy, without the
		// organisations offered (their names are proper names, unmarked).
		cp := servertest.Doc(t, rec)
		cp.Find(`select option[value*=":"]`).Remove()
		if words := germanIn(cp); len(words) > 0 {
			t.Errorf("%s: German words outside lang=de: %v", what, words)
		}
		return doc
	}

	page := english("form", prov.Do("GET", "/loesungen/import", nil, nil))
	if h := page.Find("h1").Text(); h != "Import a solution from a publiccode.yml" {
		t.Errorf("heading %q", h)
	}
	if s := page.Find("#feld-datei-hinweis").Text(); s != "YAML file, at most 512 KiB." {
		t.Errorf("file hint %q", s)
	}
	if s := page.Find(`title`).Text(); !strings.HasPrefix(s, "Import a solution from a publiccode.yml") {
		t.Errorf("title %q", s)
	}

	// The upload helper sends no headers: the language comes from ?lang=en (and its cookie).
	rec := prov.Upload("/loesungen/import?lang=en", "publiccode.yml", servertest.PubliccodeFixture(t, "full.yml"), map[string]string{"aktion": "vorschau"})
	if rec.Code != 200 {
		t.Fatalf("preview = %d", rec.Code)
	}
	page = english("preview", rec)
	preview := page.Find(`[data-testid=vorschau]`)
	for _, want := range []string{"Summary", "Licence", "Contact (shared mailbox)", "Verification of the data", "from description.de.localisedName"} {
		if !strings.Contains(preview.Text(), want) {
			t.Errorf("preview lacks %q: %s", want, preview.Text())
		}
	}
	if s := preview.Find(`[lang=de]`).First().Text(); s != "Wohngeld digital beantragen" {
		t.Errorf("the file's name is not marked German: %q", s)
	}
	if s := page.Find(`[data-testid=vorschau-leistungen]`).Text(); !strings.Contains(s, "(OZG ID 10092)") || !strings.Contains(s, "– Line ") {
		t.Errorf("services %q", s)
	}
	if s := page.Find(`[data-testid=hinweisliste]`).Text(); !strings.Contains(s, "Line 63, maintenance.contacts[0].email:") {
		t.Errorf("warnings %q", s)
	}
	if s := page.Find(`label[for=feld-nachnutzer_4]`).Text(); !strings.Contains(s, "“Neustadt” (line 21)") {
		t.Errorf("adopter label %q", s)
	}
	if s := page.Find(`[data-testid=nachnutzer-4]`).Text(); !strings.Contains(s, "Several organisations match: please choose one.") ||
		!strings.Contains(s, "– do not import –") || !strings.Contains(s, "Status for “Neustadt”") {
		t.Errorf("adopter 4: %q", s)
	}
	if s := page.Find(`select[name=status_0] option[value=live]`).Text(); s != "live" {
		t.Errorf("status option %q", s)
	}
	token, _ := page.Find(`input[name=entwurf]`).Attr("value")

	form := url.Values{"aktion": {"speichern"}, "entwurf": {token}, "provider": {"land:05"}, "slug": {"wohngeld-sh-en"},
		"nachnutzer_0": {"land:01"}, "status_0": {"live"}, "nachnutzer_1": {"gemeinde:010020000000"}, "status_1": {"vielleicht"}}
	rec = prov.Do("POST", "/loesungen/import", form, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused save = %d", rec.Code)
	}
	body := english("refused save", rec).Text()
	for _, want := range []string{"You can only register solutions of your own organisation.", "Please choose “live” or “interested”."} {
		if !strings.Contains(body, want) {
			t.Errorf("refused save lacks %q", want)
		}
	}
	form.Set("provider", "land:01")
	form.Set("status_1", "interested")
	if rec := prov.Do("POST", "/loesungen/import", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("save = %d: %s", rec.Code, rec.Body.String())
	}
	if s := servertest.Doc(t, prov.Do("GET", "/loesungen/wohngeld-sh-en", nil, nil)).Text(); !strings.Contains(s,
		"The solution has been imported from the publiccode.yml, with 2 unconfirmed adoptions from usedBy.") {
		t.Errorf("no English notice after saving")
	}
	// The stale draft and a missing file are told in English.
	if rec := prov.Do("POST", "/loesungen/import", form, nil); rec.Code != http.StatusConflict ||
		!strings.Contains(rec.Body.String(), "The preview is out of date") {
		t.Errorf("stale save = %d", rec.Code)
	}
	if rec := prov.Upload("/loesungen/import", "", nil, map[string]string{"aktion": "vorschau"}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "Please choose a publiccode.yml file.") {
		t.Errorf("no file = %d", rec.Code)
	}
	// Who provides no solutions is told why, in English.
	ed := env.As(t, "redaktion-a")
	ed.Header["Accept-Language"] = "en"
	if rec := ed.Do("GET", "/loesungen/import", nil, nil); rec.Code != http.StatusForbidden ||
		!strings.Contains(rec.Body.String(), "Solutions are imported by the editors of the providers") {
		t.Errorf("non-provider = %d", rec.Code)
	}
	// The shared download links.
	if s := servertest.Doc(t, prov.Do("GET", "/loesungen", nil, nil)).Find(`[data-testid=downloads]`).First().Text(); !strings.Contains(s, ", download as:") {
		t.Errorf("download links %q", s)
	}
}
