package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// TestAdoptionEditedInPlace: the editor of the adopting Gemeinde changes
// status, date (typed the German way) and note from the adoption row; a
// wrong date comes back with a German message and the typed value; another
// Gemeinde's editor, a cross-site form and an anonymous visitor change nothing.
func TestAdoptionEditedInPlace(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	id := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	target := fmt.Sprintf("/nachnutzungen/%d/bearbeiten", id)
	before, err := env.Store.AdoptionByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(who string) {
		t.Helper()
		a, err := env.Store.AdoptionByID(ctx, id)
		if err != nil || a.Status != before.Status || a.Since != before.Since || a.Note != before.Note {
			t.Errorf("%s changed the adoption: %+v (%v)", who, a, err)
		}
	}
	form := url.Values{"status": {"ended"}, "since": {"01.11.2026"}, "contractType": {"FIT-Store-Vertrag"}, "note": {"Abgelöst durch den Landesdienst"}}

	// The row on the solution page carries the form for the adopter's editor only.
	editor := env.As(t, "redaktion-a")
	page := servertest.Doc(t, editor.Do("GET", "/loesungen/wohngeld-online", nil, nil))
	row := page.Find(fmt.Sprintf(`[data-testid=adopter]:has(form[action=%q])`, target))
	if row.Length() != 1 || !strings.Contains(row.Text(), "Flensburg") {
		t.Fatalf("no edit form in the Flensburg row (%d)", row.Length())
	}
	if v, _ := row.Find(`input[name=since]`).Attr("value"); v != "18.12.2019" {
		t.Errorf("date shown for editing = %q, want 18.12.2019", v)
	}
	if n := page.Find(`[data-testid=adoption-edit]`).Length(); n != 1 {
		t.Errorf("%d edit forms for Flensburg's editor, want 1", n)
	}
	if n := servertest.Doc(t, env.As(t, "redaktion-b").Do("GET", "/loesungen/wohngeld-online", nil, nil)).Find(fmt.Sprintf(`form[action=%q]`, target)).Length(); n != 0 {
		t.Error("Kiel's editor is offered to edit Flensburg's adoption")
	}

	for _, c := range []struct {
		who    string
		client *servertest.Client
		header map[string]string
		want   int
	}{
		{"Kiel's editor", env.As(t, "redaktion-b"), nil, http.StatusForbidden},
		{"the provider", env.As(t, "anbieter"), nil, http.StatusForbidden},
		{"NRW's coordinator", env.As(t, "koordination-nw"), nil, http.StatusForbidden},
		{"anonymous", env.As(t, "anonym"), nil, http.StatusUnauthorized},
		{"a cross-site form", editor, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	} {
		if rec := c.client.Do("POST", target, form, c.header); rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.who, rec.Code, c.want)
		}
		unchanged(c.who)
	}
	if rec := env.As(t, "redaktion-b").Do("GET", target, nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("Kiel's editor opens the form: %d", rec.Code)
	}

	// A date that does not exist: the form comes back with the typed value and a German message.
	bad := url.Values{"status": {"live"}, "since": {"31.02.2026"}, "note": {"geändert"}}
	rec := editor.Do("POST", target, bad, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", rec.Code)
	}
	doc := servertest.Doc(t, rec)
	if v, _ := doc.Find(`input[name=since]`).Attr("value"); v != "31.02.2026" {
		t.Errorf("typed value not kept: %q", v)
	}
	if msg := servertest.Text(doc.Find(`[data-testid=fehler-since]`)); !strings.Contains(msg, "TT.MM.JJJJ") {
		t.Errorf("date error = %q", msg)
	}
	if hint := servertest.Text(doc.Find(`form [id$=since-hinweis]`)); !strings.Contains(hint, "TT.MM.JJJJ, MM.JJJJ oder JJJJ") {
		t.Errorf("date hint = %q", hint)
	}
	unchanged("a bad date")

	rec = editor.Do("POST", target, form, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/loesungen/wohngeld-online#nachnutzer" {
		t.Fatalf("save = %d %s: %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	a, err := env.Store.AdoptionByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != catalog.AdoptionEnded || a.Since != "2026-11-01" || a.ContractType != "FIT-Store-Vertrag" || a.Note != "Abgelöst durch den Landesdienst" {
		t.Errorf("stored %+v", a)
	}
	if notice := servertest.Text(servertest.Doc(t, editor.Do("GET", "/loesungen/wohngeld-online", nil, nil)).Find(`[data-testid=hinweis]`)); !strings.Contains(notice, "geändert") {
		t.Errorf("notice = %q", notice)
	}
	// Back along the lifecycle is refused at the field.
	rec = editor.Do("POST", target, url.Values{"status": {"live"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(servertest.Text(servertest.Doc(t, rec).Find(`[data-testid=fehler-status]`)), "nicht von „beendet“ zu „in Betrieb“") {
		t.Errorf("backwards = %d", rec.Code)
	}

	// From the Gemeinde's own page, the edit link returns there.
	gemeinde := servertest.Doc(t, editor.Do("GET", "/gemeinden/"+servertest.GemeindeA, nil, nil))
	link, _ := gemeinde.Find(`[data-testid=org-adoptions] a[href^="` + target + `"]`).Attr("href")
	if link != target+"?weiter=organisation" {
		t.Fatalf("edit link on the Gemeinde page = %q", link)
	}
	if rec := editor.Do("POST", target, url.Values{"status": {"ended"}, "since": {"2026"}, "weiter": {"organisation"}}, nil); rec.Code != http.StatusSeeOther ||
		rec.Header().Get("Location") != "/gemeinden/"+servertest.GemeindeA+"#nachnutzungen" {
		t.Errorf("save from the Gemeinde page = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if a, _ := env.Store.AdoptionByID(ctx, id); a.Since != "2026" {
		t.Errorf("since = %q, want 2026", a.Since)
	}
}

// TestClaimInbox is the rest of issue 15 row 1: adoptions a provider
// reported for a Gemeinde wait on the Gemeinde's page and on its editors'
// /konto; its editor accepts one (it counts from then on) and rejects
// another (it is gone); another Gemeinde's editor gets 403 and changes nothing.
func TestClaimInbox(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	u, err := env.Store.UserByEmail(ctx, "anbieter@example.de")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := env.Store.Principal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// wohngeld-online (SH) is in the seed for Flensburg; fischereischein-digital (SH) is not: a claim.
	rows, ok, err := env.Store.ClaimAdoptions(ctx, provider, []store.AdoptionInput{
		{SolutionSlug: "fischereischein-digital", AdopterKind: catalog.KindGemeinde, AdopterKey: servertest.GemeindeA, Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Since: "2024-03"}},
		{SolutionSlug: "fischereischein-digital", AdopterKind: catalog.KindGemeinde, AdopterKey: servertest.GemeindeB, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}},
	}, store.ApplyValid)
	if err != nil || !ok || rows[0].Err != nil || rows[1].Err != nil || !rows[0].Adoption.Claimed() {
		t.Fatalf("claims: %v %v %+v", err, ok, rows)
	}
	flensClaim, kielClaim := rows[0].Adoption.ID, rows[1].Adoption.ID
	counted := func() int {
		t.Helper()
		_, count, err := env.Store.AdoptionFacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return count["fischereischein-digital"]
	}
	base := counted()

	editor := env.As(t, "redaktion-a")
	for _, path := range []string{"/gemeinden/" + servertest.GemeindeA, "/konto"} {
		page := servertest.Doc(t, editor.Do("GET", path, nil, nil))
		claims := page.Find(`[data-testid=meldungen] [data-testid=meldung]`)
		if claims.Length() != 1 || !strings.Contains(servertest.Text(claims), "Fischereischein") ||
			claims.Find(fmt.Sprintf(`form[action="/nachnutzungen/%d/meldung"] button[value=bestaetigen]`, flensClaim)).Length() != 1 ||
			claims.Find(`button[value=ablehnen]`).Length() != 1 {
			t.Errorf("%s: claims shown = %q", path, servertest.Text(claims))
		}
	}
	// Visitors and other Gemeinden's editors see no inbox on Flensburg's page.
	for _, role := range []string{"anonym", "redaktion-b"} {
		if n := servertest.Doc(t, env.As(t, role).Do("GET", "/gemeinden/"+servertest.GemeindeA, nil, nil)).Find(`[data-testid=meldungen]`).Length(); n != 0 {
			t.Errorf("%s sees Flensburg's inbox", role)
		}
	}

	// Kiel's editor answers Flensburg's claim: 403, nothing changes.
	answer := func(c *servertest.Client, id uint, verdict string, header map[string]string) int {
		return c.Do("POST", fmt.Sprintf("/nachnutzungen/%d/meldung", id), url.Values{"antwort": {verdict}, "weiter": {"organisation"}}, header).Code
	}
	kiel := env.As(t, "redaktion-b")
	for _, verdict := range []string{"bestaetigen", "ablehnen"} {
		if code := answer(kiel, flensClaim, verdict, nil); code != http.StatusForbidden {
			t.Errorf("Kiel's editor %s Flensburg's claim: %d", verdict, code)
		}
	}
	if code := answer(editor, flensClaim, "bestaetigen", map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Errorf("cross-site answer: %d", code)
	}
	if a, err := env.Store.AdoptionByID(ctx, flensClaim); err != nil || !a.Claimed() || counted() != base {
		t.Errorf("after refused answers: %+v %v, counted %d", a, err, counted())
	}
	if code := answer(editor, flensClaim, "vielleicht", nil); code != http.StatusBadRequest {
		t.Errorf("unknown answer: %d", code)
	}

	// Flensburg's editor accepts: confirmed, counted, gone from the inbox.
	rec := editor.Do("POST", fmt.Sprintf("/nachnutzungen/%d/meldung", flensClaim), url.Values{"antwort": {"bestaetigen"}, "weiter": {"organisation"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/gemeinden/"+servertest.GemeindeA+"#nachnutzungen" {
		t.Fatalf("accept = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if a, err := env.Store.AdoptionByID(ctx, flensClaim); err != nil || a.Confirmation != catalog.ConfirmationConfirmed {
		t.Errorf("accepted claim = %+v %v", a, err)
	}
	if got := counted(); got != base+1 {
		t.Errorf("fischereischein-digital counted %d times, want %d", got, base+1)
	}
	page := servertest.Doc(t, editor.Do("GET", "/gemeinden/"+servertest.GemeindeA, nil, nil))
	if page.Find(`[data-testid=meldungen]`).Length() != 0 || !strings.Contains(servertest.Text(page.Find(`[data-testid=hinweis]`)), "bestätigt") {
		t.Errorf("after accepting: inbox %d, notice %q", page.Find(`[data-testid=meldungen]`).Length(), servertest.Text(page.Find(`[data-testid=hinweis]`)))
	}
	// Answering twice is a conflict, not a second change.
	if code := answer(editor, flensClaim, "ablehnen", nil); code != http.StatusConflict {
		t.Errorf("second answer: %d", code)
	}

	// Kiel's editor rejects Kiel's claim from /konto: it is deleted.
	rec = kiel.Do("POST", fmt.Sprintf("/nachnutzungen/%d/meldung", kielClaim), url.Values{"antwort": {"ablehnen"}, "weiter": {"konto"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto" {
		t.Fatalf("reject = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if _, err := env.Store.AdoptionByID(ctx, kielClaim); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("rejected claim still there: %v", err)
	}
	if got := counted(); got != base+1 {
		t.Errorf("counted %d after the rejection, want %d", got, base+1)
	}
}

// TestOwnPageActions: an organisation's page offers its own editor what
// they may do there, nothing to visitors, and "Neue Lösung registrieren"
// only to those who act for a provider.
func TestOwnPageActions(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	cases := []struct {
		role, path           string
		actions, newSolution bool
	}{
		{"anonym", "/gemeinden/" + servertest.GemeindeA, false, false},
		{"redaktion-b", "/gemeinden/" + servertest.GemeindeA, false, false},
		{"redaktion-a", "/gemeinden/" + servertest.GemeindeA, true, false},
		{"koordination-sh", "/gemeinden/" + servertest.GemeindeA, true, false},
		{"anbieter", "/laender/01", true, true},
		{"anbieter", "/laender/05", false, false},
		{"redaktion-a", "/konto", false, false},
		{"anbieter", "/konto", false, true},
		{"admin", "/konto", false, true},
	}
	for _, c := range cases {
		page := servertest.Doc(t, env.As(t, c.role).Do("GET", c.path, nil, nil))
		if got := page.Find(`[data-testid=org-aktionen] [data-testid=nachnutzung-eintragen]`).Length() == 1; got != c.actions {
			t.Errorf("%s on %s: actions shown = %v, want %v", c.role, c.path, got, c.actions)
		}
		if got := page.Find(`main a[href="/loesungen/neu"]`).Length() > 0; got != c.newSolution {
			t.Errorf("%s on %s: \"Neue Lösung registrieren\" offered = %v, want %v", c.role, c.path, got, c.newSolution)
		}
	}
	// The Gemeinde's editor is refused the form itself, with the reason.
	rec := env.As(t, "redaktion-a").Do("GET", "/loesungen/neu", nil, nil)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Gemeinden und Kreise tragen ihre Nachnutzung") {
		t.Errorf("Gemeinde editor on /loesungen/neu = %d", rec.Code)
	}
}

// TestTokenExpiryTypedTheGermanWay: the token form reads its date with the
// same parser as every date field; it needs the day, and keeps what was typed.
func TestTokenExpiryTypedTheGermanWay(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "redaktion-b")
	page := servertest.Doc(t, c.Do("GET", "/konto/tokens", nil, nil))
	field := page.Find(`input[name=expiresAt]`)
	if typ, _ := field.Attr("type"); typ != "text" {
		t.Errorf("expiry field type = %q, want text (typed, not a date picker)", typ)
	}
	if v, _ := field.Attr("value"); len(v) != len("02.01.2006") || v[2] != '.' {
		t.Errorf("default expiry %q is not TT.MM.JJJJ", v)
	}
	org, _ := page.Find(`select[name=organisation] option`).Last().Attr("value")
	month := time.Now().AddDate(0, 2, 0)
	if rec := c.Do("POST", "/konto/tokens", url.Values{"name": {"Monat"}, "organisation": {org}, "expiresAt": {month.Format("01.2006")}}, nil); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(servertest.Text(servertest.Doc(t, rec).Find(`[data-testid=fehler-expiresAt]`)), "TT.MM.JJJJ") {
		t.Errorf("month only = %d", rec.Code)
	} else if v, _ := servertest.Doc(t, rec).Find(`input[name=expiresAt]`).Attr("value"); v != month.Format("01.2006") {
		t.Errorf("typed value not kept: %q", v)
	}
	rec := c.Do("POST", "/konto/tokens", url.Values{"name": {"Tag"}, "organisation": {org}, "expiresAt": {month.Format("2.1.2006")}}, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("German date = %d: %s", rec.Code, servertest.Text(servertest.Doc(t, rec).Find(`.kern-error`)))
	}
	if !strings.Contains(rec.Body.String(), month.Format("02.01.2006")) {
		t.Errorf("the new token's expiry %s is not listed", month.Format("02.01.2006"))
	}
}
