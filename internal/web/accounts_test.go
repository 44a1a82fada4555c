package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

func TestAdoptionWritesAreAuditedWithActor(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	editor := env.As(t, "redaktion-b")
	provider := env.As(t, "anbieter")
	u, _ := env.Store.UserByEmail(ctx, "redaktion-b@example.de")
	pu, _ := env.Store.UserByEmail(ctx, "anbieter@example.de")
	start, _ := env.Store.LastEventSeq(ctx)
	rec := editor.Do("POST", "/loesungen/fischereischein-digital/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"interested"}}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d %s", rec.Code, rec.Body.String())
	}
	id := env.AdoptionOf(t, "fischereischein-digital", servertest.GemeindeB)
	editor.Do("POST", "/loesungen/fischereischein-digital/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"live"}, "since": {"2026-11"}}, nil)
	provider.Do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestaetigen"}}, nil)
	editor.Do("POST", fmt.Sprintf("/nachnutzungen/%d/loeschen", id), url.Values{}, nil)
	evs, _ := env.Store.Events(ctx, start, 100)
	var got []string
	for _, ev := range evs {
		if ev.EntityType == catalog.EntityAdoption {
			got = append(got, string(ev.Action)+" by "+ev.Actor)
		}
	}
	ed, pr := fmt.Sprintf("user:%d", u.ID), fmt.Sprintf("user:%d", pu.ID)
	want := []string{"create by " + ed, "update by " + ed, "update by " + pr, "delete by " + ed}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("adoption events:\n got %v\nwant %v", got, want)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "redaktion-b")
	page := c.Do("GET", "/konto/tokens", nil, nil)
	if page.Code != 200 {
		t.Fatalf("tokens page = %d", page.Code)
	}
	u, _ := env.Store.UserByEmail(context.Background(), "redaktion-b@example.de")
	full, _ := env.Store.UserByID(context.Background(), u.ID)
	org := fmt.Sprint(full.Memberships[0].OrganisationID)
	rec := c.Do("POST", "/konto/tokens", url.Values{"name": {"Bürgerbüro"}, "organisation": {org},
		"expiresAt": {time.Now().AddDate(0, 1, 0).Format("2006-01-02")}}, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create token = %d %s", rec.Code, rec.Body.String())
	}
	body := rec.Body.String()
	i := strings.Index(body, "efa_")
	if i < 0 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("secret not shown once or cacheable")
	}
	secret := body[i : i+47]
	post := func(tok string) int {
		req := httptest.NewRequest("POST", "/api/v1/adoptions", bytes.NewReader([]byte(`{"solution":"i-kfz","adopterKind":"gemeinde","adopterKey":"`+servertest.GemeindeB+`","status":"interested"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		env.App.ServeHTTP(rec, req)
		if rec.Code == http.StatusCreated {
			var a map[string]any
			json.Unmarshal(rec.Body.Bytes(), &a)
			if a["solution"] != "i-kfz" || a["status"] != "interested" {
				t.Errorf("created adoption = %v", a)
			}
		}
		return rec.Code
	}
	if code := post(secret); code != http.StatusCreated {
		t.Fatalf("API write with new token = %d", code)
	}
	if strings.Contains(c.Do("GET", "/konto/tokens", nil, nil).Body.String(), secret) {
		t.Error("token list shows the secret again")
	}
	toks, _ := env.Store.TokensByUser(context.Background(), u.ID)
	if len(toks) != 1 || toks[0].Hash == secret || toks[0].Hash != auth.HashSecret(secret) {
		t.Fatalf("stored token %+v", toks)
	}
	// Another user cannot revoke it.
	other := env.As(t, "redaktion-a")
	if rec := other.Do("POST", fmt.Sprintf("/konto/tokens/%d/widerrufen", toks[0].ID), url.Values{}, nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoke by another user = %d", rec.Code)
	}
	if rec := c.Do("POST", fmt.Sprintf("/konto/tokens/%d/widerrufen", toks[0].ID), url.Values{}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke = %d", rec.Code)
	}
	if code := post(secret); code != http.StatusUnauthorized {
		t.Errorf("API write with revoked token = %d", code)
	}
	// Bad expiry dates are explained next to the field.
	rec = c.Do("POST", "/konto/tokens", url.Values{"name": {"x"}, "organisation": {org}, "expiresAt": {"2020-01-01"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Das Ablaufdatum muss in der Zukunft liegen.") {
		t.Errorf("past expiry = %d", rec.Code)
	}
}

func TestAccountRequestFlow(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	anon := env.Client(t)
	// Search by AGS, then request.
	rec := anon.Do("POST", "/konto/beantragen", url.Values{"q": {"01001000"}, "aktion": {"suchen"}}, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Flensburg") {
		t.Fatalf("lookup by AGS = %d", rec.Code)
	}
	flensburg, _ := env.Store.OrganisationByAGS(context.Background(), "01001000")
	form := url.Values{"q": {"01001000"}, "organisation": {fmt.Sprint(flensburg.ID)}, "name": {"Erika Muster"},
		"email": {"buergerbuero@flensburg.example"}, "password": {"kurz"}, "aktion": {"beantragen"}}
	rec = anon.Do("POST", "/konto/beantragen", form, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "mindestens 12 Zeichen") ||
		!strings.Contains(rec.Body.String(), "Erika Muster") {
		t.Fatalf("short password: %d (values must be kept)", rec.Code)
	}
	form.Set("password", servertest.TestPassword)
	rec = anon.Do("POST", "/konto/beantragen", form, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("request = %d %s", rec.Code, rec.Body.String())
	}
	body := rec.Body.String()
	i := strings.Index(body, "/konto/antrag/")
	link := body[i : i+len("/konto/antrag/")+43]
	if rec := anon.Do("GET", link, nil, nil); !strings.Contains(rec.Body.String(), "in Prüfung") {
		t.Fatalf("status page = %d", rec.Code)
	}
	// The coordinator of another Land does not see or decide it.
	nw := env.As(t, "koordination-nw")
	if strings.Contains(nw.Do("GET", "/verwaltung/antraege", nil, nil).Body.String(), "Erika Muster") {
		t.Error("NW coordinator sees an SH request")
	}
	reqs, _ := env.Store.AccountRequests(context.Background(), nil)
	if rec := nw.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("NW coordinator decides SH request = %d", rec.Code)
	}
	sh := env.As(t, "koordination-sh")
	if !strings.Contains(sh.Do("GET", "/verwaltung/antraege", nil, nil).Body.String(), "Erika Muster") {
		t.Error("SH coordinator does not see the request")
	}
	if rec := sh.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("approve = %d", rec.Code)
	}
	if rec := anon.Do("GET", link, nil, nil); !strings.Contains(rec.Body.String(), "genehmigt") {
		t.Errorf("status after approval: %s", rec.Body.String())
	}
	newUser := env.Client(t)
	newUser.Login("buergerbuero@flensburg.example")
	if rec := newUser.Do("GET", "/konto", nil, nil); !strings.Contains(rec.Body.String(), "Flensburg") {
		t.Error("approved user is not editor of Flensburg")
	}
}

func TestHistoryPagesShowChangesWithoutPersons(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	b := env.As(t, "redaktion-b")
	if rec := b.Do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"interested"}, "note": {"Erstkontakt"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d", rec.Code)
	}
	b.Do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "status": {"contracted"}, "note": {"Vertrag unterschrieben"}}, nil)
	for _, target := range []string{"/loesungen/i-kfz/historie", "/gemeinden/" + servertest.GemeindeB + "/historie"} {
		rec := b.Do("GET", target, nil, nil)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("%s = %d", target, rec.Code)
		}
		for _, want := range []string{"Redaktion der Organisation Kiel, Landeshauptstadt", "Vertrag unterschrieben", "Erstkontakt", "geändert", "angelegt"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", target, want)
			}
		}
		if strings.Contains(body, "redaktion-b@example.de") || strings.Contains(body, "Test redaktion-b</") {
			t.Errorf("%s shows personal data", target)
		}
	}
	if rec := b.Do("GET", "/gemeinden/999999999999/historie", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown Gemeinde history = %d", rec.Code)
	}
}

func TestSolutionRegistrationForm(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	prov := env.As(t, "anbieter")
	if rec := prov.Do("GET", "/loesungen/neu", nil, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Schleswig-Holstein (Land)") {
		t.Fatalf("new form = %d", rec.Code)
	}
	form := url.Values{"name": {"Hundesteuer digital"}, "provider": {"land:01"}, "status": {"pilot"}, "ozg": {"10092", "10000"},
		"maturity": {"7"}, "contactEmail": {"keine-adresse"}, "buildCostEur": {"viel"}, "aktion": {"speichern"}}
	rec := prov.Do("POST", "/loesungen/neu", form, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form = %d", rec.Code)
	}
	for _, want := range []string{"Der Reifegrad muss zwischen 0 und 4 liegen.", "Bitte geben Sie eine gültige E-Mail-Adresse an",
		"Bitte geben Sie einen Betrag in ganzen Euro an", `value="Hundesteuer digital"`, `value="keine-adresse"`, "Wohngeld (OZG-ID 10092)"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	// A provider cannot register for another Land.
	form.Set("maturity", "2")
	form.Set("contactEmail", "ozg@sh.example")
	form.Set("buildCostEur", "250.000")
	form.Set("provider", "land:05")
	if rec := prov.Do("POST", "/loesungen/neu", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "nur Lösungen Ihrer eigenen Organisation") {
		t.Errorf("foreign provider = %d", rec.Code)
	}
	form.Set("provider", "land:01")
	rec = prov.Do("POST", "/loesungen/neu", form, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/loesungen/hundesteuer-digital" {
		t.Fatalf("save = %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	sol, err := env.Store.SolutionBySlug(ctx, "hundesteuer-digital")
	if err != nil || sol.Provider.Key != "01" || len(sol.Services) != 2 || *sol.BuildCostEUR != 250000 || *sol.Maturity != 2 ||
		sol.Verified != catalog.VerifiedPartial {
		t.Fatalf("stored %+v %v", sol, err)
	}
	// Edit: NW coordinator may not, the provider may.
	nw := env.As(t, "koordination-nw")
	if rec := nw.Do("GET", "/loesungen/hundesteuer-digital/bearbeiten", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("NW edits SH solution = %d", rec.Code)
	}
	form.Set("summary", "Hundesteuer an- und abmelden")
	if rec := prov.Do("POST", "/loesungen/hundesteuer-digital/bearbeiten", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d", rec.Code)
	}
	evs, _ := env.Store.EventsFor(ctx, catalog.EntitySolution, "hundesteuer-digital", 1)
	if len(evs) != 1 || evs[0].Action != catalog.ActionUpdate || !strings.Contains(evs[0].Changes, "Hundesteuer an- und abmelden") {
		t.Errorf("edit event %+v", evs)
	}
	if rec := prov.Do("GET", "/loesungen/neu/aehnliche?name=Wohngeld", nil, map[string]string{"HX-Request": "true"}); rec.Code != 200 ||
		strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("similar fragment = %d", rec.Code)
	}
}

func TestBulkImport(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	csvText := "loesung;schluessel;status;seit;vertragsart;notiz\n" +
		"i-kfz;01001000;interessiert;2026-11;;Flensburg per AGS\n" +
		"i-kfz;01051;Vertrag geschlossen;2026;Verwaltungsvereinbarung;Dithmarschen\n" +
		"i-kfz;05124000;in Betrieb;;;Wuppertal liegt in NRW\n" +
		"i-kfz;010020000000;vielleicht;;;\n" +
		"gibt-es-nicht;010020000000;live;;;\n"
	sh := env.As(t, "koordination-sh")
	before, _ := env.Store.Stats(ctx)
	rec := sh.UploadCSV(csvText, true)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "2 Zeilen angenommen, 3 abgelehnt.") || !strings.Contains(body, "Es wurde nichts eingetragen.") {
		t.Fatalf("all-or-nothing = %d: %s", rec.Code, body)
	}
	for _, want := range []string{"Sie dürfen für „Wuppertal, Stadt“ keine Nachnutzung eintragen.", "Unbekannter Status „vielleicht“.", "Unbekannte Lösung."} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if after, _ := env.Store.Stats(ctx); after.Adoptions != before.Adoptions {
		t.Fatalf("all-or-nothing wrote %d adoptions", after.Adoptions-before.Adoptions)
	}
	rec = sh.UploadCSV(csvText, false)
	if !strings.Contains(rec.Body.String(), "2 Zeilen angenommen, 3 abgelehnt.") || !strings.Contains(rec.Body.String(), "Die angenommenen Zeilen sind eingetragen.") {
		t.Fatalf("apply valid: %s", rec.Body.String())
	}
	if after, _ := env.Store.Stats(ctx); after.Adoptions != before.Adoptions+2 {
		t.Errorf("apply valid wrote %d adoptions, want 2", after.Adoptions-before.Adoptions)
	}
	list, _ := env.Store.AdoptionsByOrganisation(ctx, catalog.KindKreis, "01051")
	if len(list) != 1 || list[0].Status != catalog.AdoptionContracted || list[0].ContractType != "Verwaltungsvereinbarung" {
		t.Errorf("Dithmarschen adoption = %+v", list)
	}
	// Editors may not use the import; broken files get a clear message.
	if rec := env.As(t, "redaktion-a").UploadCSV(csvText, false); rec.Code != http.StatusForbidden {
		t.Errorf("editor import = %d", rec.Code)
	}
	if rec := sh.UploadCSV("name,ort\nx,y\n", false); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Der Datei fehlen die Spalten: loesung, schluessel, status.") {
		t.Errorf("wrong header = %d", rec.Code)
	}
	if rec := sh.UploadCSV("loesung;schluessel;status\n\"kaputt;1;2\n", false); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("broken CSV = %d", rec.Code)
	}
}

func TestSolutionPageAdoptionActions(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	page := func(c *servertest.Client) *goquery.Document {
		rec := c.Do("GET", "/loesungen/wohngeld-online", nil, nil)
		if rec.Code != 200 {
			t.Fatalf("solution page = %d", rec.Code)
		}
		doc, _ := goquery.NewDocumentFromReader(rec.Body)
		return doc
	}
	if n := page(env.As(t, "anonym")).Find("[data-testid=adoption-actions]").Length(); n != 0 {
		t.Errorf("visitors see %d action blocks", n)
	}
	// Flensburg's editor may delete Flensburg's adoption only, and confirms nothing.
	doc := page(env.As(t, "redaktion-a"))
	if n := doc.Find("[data-testid=adoption-actions]").Length(); n != 1 || doc.Find("button[value=bestaetigen]").Length() != 0 {
		t.Errorf("editor A: %d action blocks, %d confirm buttons", n, doc.Find("button[value=bestaetigen]").Length())
	}
	// The provider (SH) confirms every adoption of its solution.
	prov := env.As(t, "anbieter")
	doc = page(prov)
	adopters := doc.Find("[data-testid=adopter]").Length()
	if n := doc.Find("button[value=bestaetigen]").Length(); n != adopters || doc.Find("[data-testid=provider-actions]").Length() != 1 {
		t.Errorf("provider: %d confirm buttons for %d adopters", n, adopters)
	}
	id := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	rec := prov.Do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestaetigen"}}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("confirm = %d", rec.Code)
	}
	doc = page(prov)
	if !strings.Contains(doc.Find("[data-testid=hinweis]").Text(), "Rückmeldung") {
		t.Error("no notice after confirming")
	}
	var confirmed int
	doc.Find("[data-testid=adopter]").Each(func(_ int, s *goquery.Selection) {
		if txt := s.Text(); strings.Contains(txt, "vom Anbieter bestätigt") && !strings.Contains(txt, "nicht vom Anbieter bestätigt") {
			confirmed++
			if !strings.Contains(s.Text(), "Flensburg") {
				t.Errorf("confirmed adopter is %q", s.Text())
			}
		}
	})
	if confirmed != 1 {
		t.Errorf("%d adopters shown as confirmed, want 1", confirmed)
	}
}

func TestWebhookAdminPage(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	if rec := env.As(t, "koordination-sh").Do("GET", "/verwaltung/webhooks", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("coordinator = %d, want 403", rec.Code)
	}
	if rec := env.As(t, "anonym").Do("GET", "/verwaltung/webhooks", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("anonymous = %d, want redirect to login", rec.Code)
	}
	admin := env.As(t, "admin")
	rec := admin.Do("POST", "/verwaltung/webhooks", url.Values{"url": {"ftp://portal.example.de"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "https://") {
		t.Errorf("bad URL = %d", rec.Code)
	}
	rec = admin.Do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/efa"}}, nil)
	doc, _ := goquery.NewDocumentFromReader(rec.Body)
	secret := strings.TrimSpace(doc.Find("[data-testid=neues-geheimnis] code").Text())
	if rec.Code != http.StatusCreated || len(secret) != 64 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("add = %d, secret %q", rec.Code, secret)
	}
	hooks, _ := env.Store.Webhooks(context.Background())
	if len(hooks) != 1 || hooks[0].Secret != secret || hooks[0].URL != "https://portal.example.de/efa" {
		t.Fatalf("stored webhooks = %+v", hooks)
	}
	page := admin.Do("GET", "/verwaltung/webhooks", nil, nil).Body.String()
	if !strings.Contains(page, "https://portal.example.de/efa") || strings.Contains(page, secret) {
		t.Error("list lacks the webhook or shows the secret again")
	}
	if rec := admin.Do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/efa"}, "secret": {"ein-langes-geheimnis-123"}}, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("duplicate URL = %d", rec.Code)
	}
	if rec := admin.Do("POST", fmt.Sprintf("/verwaltung/webhooks/%d/loeschen", hooks[0].ID), url.Values{}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("remove = %d", rec.Code)
	}
	if hooks, _ := env.Store.Webhooks(context.Background()); len(hooks) != 0 {
		t.Errorf("after remove: %d webhooks", len(hooks))
	}
}

// TestAccountRequestFloodIsThrottledPerClient is the attack of issue 15
// row 2: one address sending account requests as fast as the rate limit
// allows. Past its budget the requests are refused before the password is
// hashed, and nothing is stored; another address still gets through.
func TestAccountRequestFloodIsThrottledPerClient(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	flensburg, _ := env.Store.OrganisationByAGS(ctx, "01001000")
	post := func(c *servertest.Client, i int) int {
		return c.Do("POST", "/konto/beantragen", url.Values{"organisation": {fmt.Sprint(flensburg.ID)}, "name": {"Flut"},
			"email": {fmt.Sprintf("flut-%d@example.de", i)}, "password": {servertest.TestPassword}, "aktion": {"beantragen"}}, nil).Code
	}
	flood := env.Client(t)
	flood.Remote = "203.0.113.9:1000"
	var codes []int
	for i := range 7 {
		codes = append(codes, post(flood, i))
	}
	if fmt.Sprint(codes) != fmt.Sprint([]int{201, 201, 201, 201, 201, 429, 429}) {
		t.Errorf("codes = %v, want five 201 then 429", codes)
	}
	reqs, err := env.Store.AccountRequests(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 5 {
		t.Errorf("%d account requests stored, want 5", len(reqs))
	}
	other := env.Client(t)
	other.Remote = "198.51.100.4:1000"
	if code := post(other, 99); code != http.StatusCreated {
		t.Errorf("another address = %d, want 201", code)
	}
}

// Several pending requests on one page: every decision form has its own
// reason field, and each label points at exactly one element.
func TestPendingRequestsHaveDistinctFieldIDs(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	anon := env.Client(t)
	for i, ags := range []string{"01001000", "01002000"} {
		org, err := env.Store.OrganisationByAGS(context.Background(), ags)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"q": {ags}, "organisation": {fmt.Sprint(org.ID)}, "name": {fmt.Sprintf("Person %d", i)},
			"email": {fmt.Sprintf("person%d@sh.example", i)}, "password": {servertest.TestPassword}, "aktion": {"beantragen"}}
		if rec := anon.Do("POST", "/konto/beantragen", form, nil); rec.Code != http.StatusCreated {
			t.Fatalf("request %d = %d", i, rec.Code)
		}
	}
	doc := servertest.Doc(t, env.As(t, "koordination-sh").Do("GET", "/verwaltung/antraege", nil, nil))
	if n := doc.Find("form.decision-form").Length(); n != 2 {
		t.Fatalf("decision forms = %d, want 2", n)
	}
	seen := map[string]bool{}
	doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("id")
		if seen[id] {
			t.Errorf("id %q used twice", id)
		}
		seen[id] = true
	})
	doc.Find("form.decision-form label[for]").Each(func(_ int, s *goquery.Selection) {
		if f, _ := s.Attr("for"); doc.Find("#"+f).Length() != 1 {
			t.Errorf("label for %q points at %d elements", f, doc.Find("#"+f).Length())
		}
	})
}
