package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

const gemeindeKoeln = "053150000000" // Köln (NW)

// usersTable is the user list as the page shows it: name cell text by user id.
type usersRow struct {
	name, email, admin, tokens, login, kind string
	roles                                   []string
	roleLinks                               []string
	removeLinks, actions                    []string
	tokensNote                              string
}

func readUsers(t *testing.T, rec *httptest.ResponseRecorder) (*goquery.Document, []usersRow) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("user list = %d: %.300s", rec.Code, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	var rows []usersRow
	doc.Find("[data-testid=benutzerzeile]").Each(func(_ int, tr *goquery.Selection) {
		r := usersRow{name: strings.Join(strings.Fields(tr.Find("[data-testid=name]").Text()), " "),
			email: tr.Find("[data-testid=email]").Text(), admin: strings.TrimSpace(tr.Find("[data-testid=admin]").Text()),
			tokens: tr.Find("[data-testid=tokens]").Text(), login: tr.Find("[data-testid=letzte-anmeldung]").Text(),
			kind: tr.Find("[data-testid=anmeldeart]").Text(), tokensNote: tr.Find("[data-testid=tokens-hinweis]").Text()}
		tr.Find("[data-testid=rolle]").Each(func(_ int, li *goquery.Selection) {
			a := li.Find("a").First()
			r.roles = append(r.roles, strings.TrimSpace(strings.SplitN(li.Text(), "\n", 2)[0]))
			href, _ := a.Attr("href")
			r.roleLinks = append(r.roleLinks, a.Text()+" -> "+href)
		})
		tr.Find("[data-testid=rolle-entfernen]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			r.removeLinks = append(r.removeLinks, href)
		})
		tr.Find("[data-testid=aktionen] a").Each(func(_ int, a *goquery.Selection) {
			r.actions = append(r.actions, a.AttrOr("data-testid", ""))
		})
		rows = append(rows, r)
	})
	return doc, rows
}

func names(rows []usersRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.name
	}
	return out
}

func rowOf(t *testing.T, rows []usersRow, name string) usersRow {
	t.Helper()
	for _, r := range rows {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("no row %q in %v", name, names(rows))
	return usersRow{}
}

func TestUserAdministrationListPerRole(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	env.AddUser(t, "zwischen", "Test zwischen", servertest.EditorOf(servertest.GemeindeA), servertest.EditorOf(gemeindeKoeln))
	env.AddUser(t, "koeln", "Test köln", servertest.EditorOf(gemeindeKoeln))
	env.Token(t, "redaktion-a")
	env.Token(t, "zwischen") // Flensburg, the first membership
	admin := env.As(t, "admin")

	// Admin: every account, by name; the own row without actions.
	doc, rows := readUsers(t, admin.Do("GET", "/verwaltung/benutzer", nil, nil))
	want := []string{"Test admin (Ihr Konto)", "Test anbieter", "Test koordination-nw", "Test koordination-sh", "Test köln",
		"Test redaktion-a", "Test redaktion-b", "Test zwischen"}
	if !slices.Equal(names(rows), want) {
		t.Fatalf("admin sees %v, want %v", names(rows), want)
	}
	if got := doc.Find("table[data-testid=benutzer] caption").Text(); got != "Benutzerkonten" {
		t.Errorf("caption = %q", got)
	}
	if n := doc.Find("table[data-testid=benutzer] thead th[scope=col]").Length(); n != 9 {
		t.Errorf("%d column headers, want 9", n)
	}
	if n := doc.Find("table[data-testid=benutzer] tbody th[scope=row]").Length(); n != len(want) {
		t.Errorf("%d row headers, want %d", n, len(want))
	}
	self := rowOf(t, rows, "Test admin (Ihr Konto)")
	if self.admin != "ja" || len(self.actions) != 0 || self.login == "noch nie" || self.kind != "Passwort" {
		t.Errorf("own row = %+v", self)
	}
	a := rowOf(t, rows, "Test redaktion-a")
	if a.email != "redaktion-a@example.de" || a.admin != "nein" || a.tokens != "1" || a.login != "noch nie" ||
		!slices.Equal(a.roleLinks, []string{"Flensburg, Stadt -> /gemeinden/" + servertest.GemeindeA}) || !strings.HasPrefix(a.roles[0], "Redaktion der Organisation: Flensburg, Stadt (Gemeinde)") ||
		!slices.Equal(a.actions, []string{"tokens-widerrufen", "konto-loeschen"}) || len(a.removeLinks) != 1 {
		t.Errorf("admin's row of redaktion-a = %+v", a)
	}
	z := rowOf(t, rows, "Test zwischen")
	if len(z.roleLinks) != 2 || len(z.removeLinks) != 2 || z.tokens != "1" {
		t.Errorf("admin's row of zwischen = %+v", z)
	}
	if sh := rowOf(t, rows, "Test koordination-sh"); !slices.Equal(sh.roleLinks, []string{"Schleswig-Holstein -> /laender/01"}) {
		t.Errorf("coordinator row roles = %v", sh.roleLinks)
	}

	// Coordinator of SH: accounts with a role in SH, only those roles, no deletion.
	coord := env.As(t, "koordination-sh")
	doc, rows = readUsers(t, coord.Do("GET", "/verwaltung/benutzer", nil, nil))
	want = []string{"Test anbieter", "Test koordination-sh (Ihr Konto)", "Test redaktion-a", "Test redaktion-b", "Test zwischen"}
	if !slices.Equal(names(rows), want) {
		t.Fatalf("coordinator SH sees %v, want %v", names(rows), want)
	}
	if scope := doc.Find("[data-testid=umfang]").Text(); !strings.Contains(scope, "Schleswig-Holstein") {
		t.Errorf("scope sentence = %q", scope)
	}
	z = rowOf(t, rows, "Test zwischen")
	if !slices.Equal(z.roleLinks, []string{"Flensburg, Stadt -> /gemeinden/" + servertest.GemeindeA}) || len(z.removeLinks) != 1 {
		t.Errorf("coordinator sees roles of zwischen %v (remove %v), want Flensburg only", z.roleLinks, z.removeLinks)
	}
	if strings.Contains(doc.Text(), "Köln") {
		t.Error("coordinator SH sees the Köln role")
	}
	if slices.Contains(z.actions, "tokens-widerrufen") || !strings.Contains(z.tokensNote, "außerhalb Ihres Landes") {
		t.Errorf("zwischen's token actions for the coordinator = %v, note %q", z.actions, z.tokensNote)
	}
	a = rowOf(t, rows, "Test redaktion-a")
	if !slices.Equal(a.actions, []string{"tokens-widerrufen"}) {
		t.Errorf("coordinator's actions on redaktion-a = %v", a.actions)
	}
	if own := rowOf(t, rows, "Test koordination-sh (Ihr Konto)"); len(own.removeLinks) != 0 || len(own.actions) != 0 {
		t.Errorf("coordinator can change own account: %+v", own)
	}

	// Coordinator of NW sees the other side.
	_, rows = readUsers(t, env.As(t, "koordination-nw").Do("GET", "/verwaltung/benutzer", nil, nil))
	if got := names(rows); !slices.Equal(got, []string{"Test koordination-nw (Ihr Konto)", "Test köln", "Test zwischen"}) {
		t.Errorf("coordinator NW sees %v", got)
	}
	if z := rowOf(t, rows, "Test zwischen"); !slices.Equal(z.roleLinks, []string{"Köln, Stadt -> /gemeinden/" + gemeindeKoeln}) || z.tokens != "0" {
		t.Errorf("coordinator NW's row of zwischen = %+v", z)
	}

	// The account page links the user administration for admins and coordinators only.
	for role, want := range map[string]bool{"admin": true, "koordination-sh": true, "redaktion-a": false} {
		page := env.As(t, role).Do("GET", "/konto", nil, nil).Body.String()
		if got := strings.Contains(page, `href="/verwaltung/benutzer"`); got != want {
			t.Errorf("account page of %s links the user administration: %v, want %v", role, got, want)
		}
	}
}

func TestUserAdministrationFilterSortAndPages(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	admin := env.As(t, "admin")
	doc, rows := readUsers(t, admin.Do("GET", "/verwaltung/benutzer?q=REDAKTION", nil, nil))
	if got := names(rows); !slices.Equal(got, []string{"Test redaktion-a", "Test redaktion-b"}) {
		t.Errorf("q=REDAKTION: %v", got)
	}
	if v, _ := doc.Find("#feld-q").Attr("value"); v != "REDAKTION" {
		t.Errorf("search field keeps %q", v)
	}
	if _, rows := readUsers(t, admin.Do("GET", "/verwaltung/benutzer?q=redaktion-b%40example", nil, nil)); !slices.Equal(names(rows), []string{"Test redaktion-b"}) {
		t.Errorf("search by e-mail: %v", names(rows))
	}
	if _, rows := readUsers(t, admin.Do("GET", "/verwaltung/benutzer?q=%25", nil, nil)); len(rows) != 0 {
		t.Errorf("q=%% matches %v", names(rows))
	}
	// Sort by last login: the admin logged in (now), the others never (newest account first).
	doc, rows = readUsers(t, admin.Do("GET", "/verwaltung/benutzer?sortierung=login", nil, nil))
	if got := names(rows); got[0] != "Test admin (Ihr Konto)" || len(got) != 6 {
		t.Errorf("sorted by login: %v", got)
	}
	if v := doc.Find("#feld-sortierung option[selected]").AttrOr("value", ""); v != "login" {
		t.Errorf("selected sort = %q", v)
	}
	_, byEmail := readUsers(t, admin.Do("GET", "/verwaltung/benutzer?sortierung=email", nil, nil))
	if got := names(byEmail); !slices.Equal(got, []string{"Test admin (Ihr Konto)", "Test anbieter", "Test koordination-nw",
		"Test koordination-sh", "Test redaktion-a", "Test redaktion-b"}) {
		t.Errorf("sorted by e-mail: %v", got)
	}
	for target, want := range map[string]string{
		"/verwaltung/benutzer?sortierung=passwort":                    "Unbekannte Sortierung",
		"/verwaltung/benutzer?seite=0":                                "positive ganze Zahl",
		"/verwaltung/benutzer?q=" + strings.Repeat("x", 101):          "höchstens 100 Zeichen",
		"/verwaltung/benutzer?seite=abc&q=" + url.QueryEscape("Kiel"): "positive ganze Zahl",
	} {
		rec := admin.Do("GET", target, nil, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s = %d, want 400 with %q", target, rec.Code, want)
		}
	}
	// 55 more accounts: two pages of 50; the URL holds query, sort and page.
	for i := range 55 {
		env.AddUser(t, fmt.Sprintf("massen-%02d", i), fmt.Sprintf("Masse %02d", i))
	}
	doc, rows = readUsers(t, admin.Do("GET", "/verwaltung/benutzer?q=masse&sortierung=email&seite=2", nil, nil))
	if got := names(rows); len(got) != 5 || got[0] != "Masse 50" || got[4] != "Masse 54" {
		t.Errorf("page 2: %v", got)
	}
	if got := doc.Find("[data-testid=trefferzahl]").Text(); got != "51–55 von 55 Benutzerkonten" {
		t.Errorf("count = %q", got)
	}
	prev, _ := doc.Find("[data-testid=pagination] a").First().Attr("href")
	if prev != "/verwaltung/benutzer?q=masse&sortierung=email" {
		t.Errorf("link to page 1 = %q", prev)
	}
}

// confirmForm reads the confirmation page: its question, consequences and form target.
func confirmForm(t *testing.T, rec *httptest.ResponseRecorder) (string, string, url.Values) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("confirmation page = %d: %.300s", rec.Code, rec.Body.String())
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	form := doc.Find("form[data-testid=bestaetigen-formular]")
	action, _ := form.Attr("action")
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		vals.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	if vals.Get("_csrf") == "" || form.AttrOr("method", "") != "post" {
		t.Errorf("confirmation form without CSRF token or not POST: %v", vals)
	}
	return strings.Join(strings.Fields(doc.Find("[data-testid=bestaetigung]").Text()), " "), action, vals
}

func TestUserAdministrationActions(t *testing.T) {
	ctx := context.Background()
	env := servertest.NewEnv(t, server.AuthConfig{})
	zw := env.AddUser(t, "zwischen", "Test zwischen", servertest.EditorOf(servertest.GemeindeA), servertest.EditorOf(gemeindeKoeln))
	env.Token(t, "zwischen")
	env.Token(t, "redaktion-a")
	coord := env.As(t, "koordination-sh")
	coordP, _ := env.Store.Principal(ctx, env.User(t, "koordination-sh").ID)
	editorA := env.As(t, "redaktion-a")
	userA := env.User(t, "redaktion-a")
	list := "/verwaltung/benutzer?q=redaktion"

	// The editor of A may use the adoption form of A now.
	if rec := editorA.Do("GET", "/loesungen/wohngeld-online/nachnutzung", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("editor A before = %d", rec.Code)
	}

	// Revoke A's tokens: confirm, then POST.
	base := fmt.Sprintf("/verwaltung/benutzer/%d", userA.ID)
	question, action, form := confirmForm(t, coord.Do("GET", base+"/tokens/widerrufen?zurueck="+url.QueryEscape(list), nil, nil))
	if !strings.Contains(question, "API-Tokens von Test redaktion-a") || !strings.Contains(question, "(1)") || action != base+"/tokens/widerrufen" || form.Get("zurueck") != list {
		t.Errorf("token confirmation: %q %q %v", question, action, form)
	}
	start, _ := env.Store.LastEventSeq(ctx)
	rec := coord.Do("POST", action, form, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != list {
		t.Fatalf("revoke = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if notice := coord.Do("GET", list, nil, nil).Body.String(); !strings.Contains(notice, "1 API-Token von Test redaktion-a wurde widerrufen.") {
		t.Error("no notice after revoking")
	}
	toks, _ := env.Store.TokensByUser(ctx, userA.ID)
	if len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Errorf("A's tokens after revoking: %+v", toks)
	}
	// The revocation ended A's session.
	if rec := editorA.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/anmelden") {
		t.Errorf("A's session after the revocation: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	editorA.Login("redaktion-a@example.de")

	// Remove A's only role: the confirmation says A has no role afterwards.
	roleURL := fmt.Sprintf("%s/rollen/%d/entfernen", base, userA.Memberships[0].ID)
	question, action, form = confirmForm(t, coord.Do("GET", roleURL, nil, nil))
	if !strings.Contains(question, "Redaktion der Organisation für Flensburg") || !strings.Contains(question, "hat danach keine Rolle mehr") || form.Get("zurueck") != "/verwaltung/benutzer" {
		t.Errorf("role confirmation: %q %v", question, form)
	}
	// A POST without CSRF token (no fetch metadata, foreign origin) is rejected and changes nothing.
	if rec := coord.Do("POST", action, url.Values{}, map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}); rec.Code != http.StatusForbidden {
		t.Errorf("POST without CSRF token = %d", rec.Code)
	}
	if rec := coord.Do("POST", action, url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST = %d", rec.Code)
	}
	if len(env.User(t, "redaktion-a").Memberships) != 1 {
		t.Fatal("a rejected POST removed the role")
	}
	if rec := coord.Do("POST", action, form, nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/verwaltung/benutzer" {
		t.Fatalf("remove role = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if body := coord.Do("GET", "/verwaltung/benutzer", nil, nil).Body.String(); !strings.Contains(body, "Test redaktion-a hat die Rolle „Redaktion der Organisation für Flensburg, Stadt“ nicht mehr. Das Konto hat keine Rolle mehr.") {
		t.Error("no notice after removing the role")
	}
	if len(env.User(t, "redaktion-a").Memberships) != 0 {
		t.Error("role still there")
	}
	// The removal took effect at once: A's session ended; logged in again, A may no longer write for Flensburg.
	if rec := editorA.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("A's session after the removal = %d", rec.Code)
	}
	editorA.Login("redaktion-a@example.de")
	if rec := editorA.Do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"ended"}}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("A writes for Flensburg after the removal: %d", rec.Code)
	}
	// Both writes are in the event log with the coordinator as actor, and no personal data.
	evs, _ := env.Store.Events(ctx, start, 100)
	var got []string
	for _, ev := range evs {
		if strings.Contains(ev.Actor+ev.Changes, "redaktion-a") || strings.Contains(ev.Actor+ev.Changes, "Test ") {
			t.Errorf("event with personal data: %+v", ev)
		}
		if ev.EntityType == catalog.EntityToken || ev.EntityType == catalog.EntityMembership {
			got = append(got, ev.EntityType+" "+string(ev.Action)+" by "+ev.Actor)
		}
	}
	actor := coordP.Actor()
	if want := []string{"api_token update by " + actor, "membership delete by " + actor}; !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}

	// Refusals for the coordinator, explained in German.
	zwBase := fmt.Sprintf("/verwaltung/benutzer/%d", zw.ID)
	for _, c := range []struct {
		method, target, want string
		code                 int
	}{
		{"GET", fmt.Sprintf("%s/rollen/%d/entfernen", zwBase, zw.Memberships[1].ID), "außerhalb Ihres Landes", http.StatusForbidden},
		{"POST", fmt.Sprintf("%s/rollen/%d/entfernen", zwBase, zw.Memberships[1].ID), "außerhalb Ihres Landes", http.StatusForbidden},
		{"GET", zwBase + "/tokens/widerrufen", "Rollen außerhalb Ihres Landes", http.StatusForbidden},
		{"POST", zwBase + "/tokens/widerrufen", "Rollen außerhalb Ihres Landes", http.StatusForbidden},
		{"GET", zwBase + "/loeschen", "Konten löscht nur die Plattformverwaltung", http.StatusForbidden},
		{"POST", zwBase + "/loeschen", "Konten löscht nur die Plattformverwaltung", http.StatusForbidden},
		{"POST", fmt.Sprintf("/verwaltung/benutzer/%d/rollen/999999/entfernen", coordP.UserID), "nicht gefunden", http.StatusNotFound},
		{"POST", fmt.Sprintf("/verwaltung/benutzer/%d/rollen/%d/entfernen", coordP.UserID, env.User(t, "koordination-sh").Memberships[0].ID), "eigenes Konto", http.StatusForbidden},
		{"GET", zwBase + "/rollen/abc/entfernen", "", http.StatusNotFound},
	} {
		form := url.Values{}
		if c.method == "GET" {
			form = nil
		}
		rec := coord.Do(c.method, c.target, form, nil)
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s %s = %d, want %d with %q: %.200s", c.method, c.target, rec.Code, c.code, c.want, rec.Body.String())
		}
	}
	if u := env.User(t, "zwischen"); len(u.Memberships) != 2 {
		t.Errorf("refusals changed zwischen: %+v", u.Memberships)
	}
}

func TestUserAdministrationDeleteDemoteAndLastAdmin(t *testing.T) {
	ctx := context.Background()
	env := servertest.NewEnv(t, server.AuthConfig{})
	admin := env.As(t, "admin")
	editorB := env.As(t, "redaktion-b")
	userB := env.User(t, "redaktion-b")
	adminU := env.User(t, "admin")

	question, action, form := confirmForm(t, admin.Do("GET", fmt.Sprintf("/verwaltung/benutzer/%d/loeschen", userB.ID), nil, nil))
	if !strings.Contains(question, "Test redaktion-b (redaktion-b@example.de) endgültig gelöscht") {
		t.Errorf("delete confirmation: %q", question)
	}
	if rec := admin.Do("POST", action, form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete = %d", rec.Code)
	}
	if _, err := env.Store.UserByID(ctx, userB.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("B still exists: %v", err)
	}
	if body := admin.Do("GET", "/verwaltung/benutzer", nil, nil).Body.String(); !strings.Contains(body, "Das Konto von Test redaktion-b wurde gelöscht.") || strings.Contains(body, "redaktion-b@example.de") {
		t.Error("list after deletion: no notice or B still listed")
	}
	if rec := editorB.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("B's session after deletion = %d", rec.Code)
	}

	// The admin cannot delete or demote themselves here.
	for _, target := range []string{"/loeschen", "/adminrecht/entziehen"} {
		rec := admin.Do("POST", fmt.Sprintf("/verwaltung/benutzer/%d%s", adminU.ID, target), url.Values{}, nil)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "eigenes Konto") {
			t.Errorf("admin changes own account via %s: %d", target, rec.Code)
		}
	}
	// Nor, as the last admin, delete their account on the account page.
	rec := admin.Do("POST", "/konto/loeschen", url.Values{"bestaetigung": {"ja"}}, nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "letzte Plattformverwaltung") {
		t.Errorf("last admin deletes own account = %d: %.200s", rec.Code, rec.Body.String())
	}
	if u, err := env.Store.UserByID(ctx, adminU.ID); err != nil || !u.Admin {
		t.Fatalf("last admin gone: %v", err)
	}

	// A second admin; the first demotes them (the list offers it), after a confirmation.
	second, err := env.Store.CreateUser(ctx, "test", store.NewUser{Name: "Zweite Verwaltung", Email: "zweite@example.de", Admin: true, PasswordHash: servertest.PasswordHash(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, rows := readUsers(t, admin.Do("GET", "/verwaltung/benutzer?q=zweite", nil, nil))
	if len(rows) != 1 || rows[0].admin != "ja" || !slices.Equal(rows[0].actions, []string{"tokens-widerrufen", "admin-entziehen", "konto-loeschen"}) &&
		!slices.Equal(rows[0].actions, []string{"admin-entziehen", "konto-loeschen"}) {
		t.Errorf("second admin row = %+v", rows)
	}
	question, action, form = confirmForm(t, admin.Do("GET", fmt.Sprintf("/verwaltung/benutzer/%d/adminrecht/entziehen", second.ID), nil, nil))
	if !strings.Contains(question, "keine Rolle mehr") {
		t.Errorf("demote confirmation: %q", question)
	}
	if rec := admin.Do("POST", action, form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("demote = %d", rec.Code)
	}
	if u, _ := env.Store.UserByID(ctx, second.ID); u.Admin {
		t.Error("second admin still admin")
	}
	evs, _ := env.Store.EventsFor(ctx, catalog.EntityUser, fmt.Sprint(second.ID), 10) // newest first
	if len(evs) == 0 || evs[0].Actor != fmt.Sprintf("user:%d", adminU.ID) || !strings.Contains(evs[0].Changes, `"admin":[true,false]`) {
		t.Errorf("demote event: %+v", evs)
	}
}

// TestRemovedMembershipTakesEffectOnNextRequest removes a role behind the
// web layer's back (no session is ended): the next request of the logged-in
// editor already acts without it, because the principal is read per request.
func TestRemovedMembershipTakesEffectOnNextRequest(t *testing.T) {
	ctx := context.Background()
	env := servertest.NewEnv(t, server.AuthConfig{})
	editorA := env.As(t, "redaktion-a")
	userA := env.User(t, "redaktion-a")
	form := url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"live"}}
	if rec := editorA.Do("POST", "/loesungen/i-kfz/nachnutzung", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("before: %d", rec.Code)
	}
	adminP, _ := env.Store.Principal(ctx, env.User(t, "admin").ID)
	if _, err := env.Store.RemoveMembership(ctx, adminP, userA.ID, userA.Memberships[0].ID); err != nil {
		t.Fatal(err)
	}
	if rec := editorA.Do("GET", "/konto", nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Sie handeln für keine Organisation.") {
		t.Errorf("account page after removal = %d", rec.Code)
	}
	if rec := editorA.Do("POST", "/loesungen/i-kfz/nachnutzung", form, nil); rec.Code != http.StatusForbidden {
		t.Errorf("write after removal = %d, want 403", rec.Code)
	}
}
