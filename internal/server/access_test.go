package server_test

import (
	"context"
	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAccessMatrix checks every account route and write endpoint against every role.
func TestAccessMatrix(t *testing.T) {
	type cell = map[string]int
	// Status codes by role, in the order of roles.
	row := func(codes ...int) cell {
		m := cell{}
		for i, r := range servertest.Roles {
			m[r] = codes[i]
		}
		return m
	}
	const (
		ok   = http.StatusOK
		seeO = http.StatusSeeOther
		unau = http.StatusUnauthorized
		forb = http.StatusForbidden
		crea = http.StatusCreated
		none = http.StatusNoContent
		notf = http.StatusNotFound
	)
	type tc struct {
		name, method, target string
		form                 url.Values
		json                 string
		api                  bool
		// ct is the Content-Type of an API body other than JSON; header adds request headers.
		ct     string
		header map[string]string
		// target may contain %d for the adoption id of Wohngeld in Gemeinde A.
		want cell
	}
	advisoryForm := url.Values{"title": {"Lücke"}, "cvssVector": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, "action": {"Aktualisieren."},
		"distribution": {"restricted"}, "status": {"published"}}
	flensburgLive := url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"live"}, "since": {"2019-12-18"}, "note": {"geprüft"}}
	cases := []tc{
		{name: "start page", method: "GET", target: "/", want: row(ok, ok, ok, ok, ok, ok, ok)},
		// Security advisories of wohngeld-online (provider: Land SH, whose editor is "anbieter"): {R} is a published
		// restricted advisory (TLP:AMBER; Gemeinden A and B and the Land NRW run the solution, so every role but
		// anonymous is affected or coordinates the affected), {D} a draft.
		{name: "restricted advisory", method: "GET", target: "/sicherheitshinweise/{R}", want: row(notf, ok, ok, ok, ok, ok, ok)},
		{name: "draft advisory", method: "GET", target: "/sicherheitshinweise/{D}", want: row(notf, notf, notf, ok, notf, notf, ok)},
		{name: "advisory form", method: "GET", target: "/loesungen/wohngeld-online/sicherheitshinweise/neu", want: row(seeO, forb, forb, ok, forb, forb, ok)},
		{name: "create advisory", method: "POST", target: "/loesungen/wohngeld-online/sicherheitshinweise/neu", form: advisoryForm,
			want: row(unau, forb, forb, seeO, forb, forb, seeO)},
		{name: "advisory edit form", method: "GET", target: "/sicherheitshinweise/{R}/bearbeiten", want: row(seeO, forb, forb, ok, forb, forb, ok)},
		{name: "edit advisory", method: "POST", target: "/sicherheitshinweise/{R}/bearbeiten", form: advisoryForm,
			want: row(unau, forb, forb, seeO, forb, forb, seeO)},
		{name: "rollout CSV", method: "GET", target: "/sicherheitshinweise/{R}/umsetzung.csv", want: row(seeO, forb, forb, ok, ok, ok, ok)},
		{name: "respond for A", method: "POST", target: "/sicherheitshinweise/{R}/rueckmeldung",
			form: url.Values{"art": {"gemeinde"}, "schluessel": {servertest.GemeindeA}, "response": {"read"}},
			want: row(unau, seeO, forb, forb, seeO, forb, seeO)},
		// A token acts as an editor of its one organisation (the coordinators' tokens too: Land SH's is the
		// provider's); the admin has no organisation, so no token: its API requests are anonymous.
		{name: "API restricted advisory", method: "GET", target: "/api/v1/advisories/{R}", api: true, want: row(notf, ok, ok, ok, ok, ok, notf)},
		{name: "API draft advisory", method: "GET", target: "/api/v1/advisories/{D}", api: true, want: row(notf, notf, notf, ok, ok, notf, notf)},
		{name: "API create advisory", method: "POST", target: "/api/v1/solutions/wohngeld-online/advisories", api: true,
			json: `{"title":"T","cvssVector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N","action":"A"}`,
			want: row(unau, forb, forb, crea, crea, forb, unau)},
		{name: "API patch advisory", method: "PATCH", target: "/api/v1/advisories/{R}", api: true, json: `{"fixedVersion":"9"}`,
			want: row(unau, forb, forb, ok, ok, forb, unau)},
		{name: "API respond for A", method: "PUT", target: "/api/v1/advisories/{R}/responses/gemeinde/" + servertest.GemeindeA, api: true,
			json: `{"response":"read"}`, want: row(unau, ok, forb, forb, forb, forb, unau)},
		{name: "API rollout", method: "GET", target: "/api/v1/advisories/{R}/rollout", api: true, want: row(unau, forb, forb, ok, ok, forb, unau)},
		{name: "account", method: "GET", target: "/konto", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		{name: "tokens", method: "GET", target: "/konto/tokens", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		{name: "requests list", method: "GET", target: "/verwaltung/antraege", want: row(seeO, forb, forb, forb, ok, ok, ok)},
		{name: "webhooks", method: "GET", target: "/verwaltung/webhooks", want: row(seeO, forb, forb, forb, forb, forb, ok)},
		{name: "bulk import form", method: "GET", target: "/verwaltung/import", want: row(seeO, forb, forb, forb, ok, ok, ok)},
		{name: "edit SH solution", method: "GET", target: "/loesungen/wohngeld-online/bearbeiten", want: row(seeO, forb, forb, ok, ok, forb, ok)},
		{name: "releases of SH solution", method: "GET", target: "/loesungen/wohngeld-online/versionen", want: row(seeO, forb, forb, ok, ok, forb, ok)},
		{name: "record release of SH solution", method: "POST", target: "/loesungen/wohngeld-online/versionen",
			form: url.Values{"version": {"0.9.0"}, "date": {"01.02.2024"}}, want: row(unau, forb, forb, seeO, seeO, forb, seeO)},
		{name: "adoption form", method: "GET", target: "/loesungen/wohngeld-online/nachnutzung", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		// Environments (fit check): everyone reads; only the organisation's own members write, neither the
		// coordinators of its Land nor the admin (the store refuses them, whatever the handler).
		{name: "environment of Gemeinde A", method: "GET", target: "/gemeinden/" + servertest.GemeindeA + "/umgebung", want: row(ok, ok, ok, ok, ok, ok, ok)},
		{name: "set environment of Gemeinde A", method: "POST", target: "/gemeinden/" + servertest.GemeindeA + "/umgebung",
			form: url.Values{"standard": {"epaybl", "bundid"}}, want: row(unau, seeO, forb, forb, forb, forb, forb)},
		{name: "set environment of Land SH", method: "POST", target: "/laender/01/umgebung",
			form: url.Values{"standard": {"betrieb-zentral"}}, want: row(unau, forb, forb, seeO, seeO, forb, forb)},
		{name: "register adoption for Gemeinde A", method: "POST", target: "/loesungen/wohngeld-online/nachnutzung", form: flensburgLive,
			want: row(unau, seeO, forb, forb, seeO, forb, seeO)},
		{name: "confirm adoption of A", method: "POST", target: "/nachnutzungen/%d/rueckmeldung", form: url.Values{"antwort": {"bestaetigen"}},
			want: row(unau, forb, forb, seeO, seeO, forb, seeO)},
		{name: "delete adoption of A", method: "POST", target: "/nachnutzungen/%d/loeschen", form: url.Values{},
			want: row(unau, seeO, forb, forb, seeO, forb, seeO)},
		{name: "API create for A", method: "POST", target: "/api/v1/adoptions", api: true,
			json: `{"solution":"i-kfz","adopterKind":"gemeinde","adopterKey":"` + servertest.GemeindeA + `","status":"interested"}`,
			// Tokens act for one organisation: only the token of Gemeinde A's editor may write for A.
			want: row(unau, crea, forb, forb, forb, forb, unau)},
		{name: "API patch A's adoption", method: "PATCH", target: "/api/v1/adoptions/%d", api: true, json: `{"note":"neu"}`,
			want: row(unau, ok, forb, forb, forb, forb, unau)},
		{name: "API delete A's adoption", method: "DELETE", target: "/api/v1/adoptions/%d", api: true,
			want: row(unau, none, forb, forb, forb, forb, unau)},
		{name: "API delete unknown adoption", method: "DELETE", target: "/api/v1/adoptions/999999", api: true,
			want: row(unau, notf, notf, notf, notf, notf, unau)},
		// Solution writes: only tokens of the provider (Schleswig-Holstein, land:01) write its solutions.
		{name: "API create SH solution", method: "POST", target: "/api/v1/solutions", api: true,
			json: `{"name":"Matrix-Test","provider":{"kind":"land","key":"01"},"status":"planned"}`,
			want: row(unau, forb, forb, crea, crea, forb, unau)},
		{name: "API create SH solution from publiccode.yml", method: "POST", target: "/api/v1/solutions?provider=land:01", api: true,
			ct: "application/yaml", json: matrixPubliccode, want: row(unau, forb, forb, crea, crea, forb, unau)},
		{name: "API replace SH solution", method: "PUT", target: "/api/v1/solutions/fischereischein-digital", api: true,
			json: `{"name":"Fischereischein digital","provider":{"kind":"land","key":"01"},"status":"live"}`, header: map[string]string{"If-Match": "*"},
			want: row(unau, forb, forb, ok, ok, forb, unau)},
		{name: "API patch SH solution", method: "PATCH", target: "/api/v1/solutions/wohngeld-online", api: true,
			json: `{"statusNote":"Matrix"}`, header: map[string]string{"If-Match": "*"}, want: row(unau, forb, forb, ok, ok, forb, unau)},
		{name: "API update SH solution from publiccode.yml", method: "POST", target: "/api/v1/solutions/fischereischein-digital/publiccode", api: true,
			ct: "application/yaml", json: matrixPubliccode, want: row(unau, forb, forb, ok, ok, forb, unau)},
		{name: "API record SH release", method: "POST", target: "/api/v1/solutions/wohngeld-online/releases", api: true,
			json: `{"version":"1.0.0","date":"2026-01-15"}`, want: row(unau, forb, forb, crea, crea, forb, unau)},
		{name: "API delete SH solution", method: "DELETE", target: "/api/v1/solutions/fischereischein-digital", api: true,
			header: map[string]string{"If-Match": "*"}, want: row(unau, forb, forb, none, none, forb, unau)},
		{name: "API delete unknown solution", method: "DELETE", target: "/api/v1/solutions/gibt-es-nicht", api: true,
			header: map[string]string{"If-Match": "*"}, want: row(unau, notf, notf, notf, notf, notf, unau)},
		// User administration ({A} is the user id of Gemeinde A's editor, {mA} its membership, {B} Gemeinde B's editor);
		// the writes come last, in an order where each still finds what it changes.
		{name: "user administration", method: "GET", target: "/verwaltung/benutzer", want: row(seeO, forb, forb, forb, ok, ok, ok)},
		{name: "confirm removing A's role", method: "GET", target: "/verwaltung/benutzer/{A}/rollen/{mA}/entfernen", want: row(seeO, forb, forb, forb, ok, forb, ok)},
		{name: "confirm revoking A's tokens", method: "GET", target: "/verwaltung/benutzer/{A}/tokens/widerrufen", want: row(seeO, forb, forb, forb, ok, forb, ok)},
		{name: "confirm deleting B", method: "GET", target: "/verwaltung/benutzer/{B}/loeschen", want: row(seeO, forb, forb, forb, forb, forb, ok)},
		{name: "confirm deleting unknown user", method: "GET", target: "/verwaltung/benutzer/999999/loeschen", want: row(seeO, forb, forb, forb, notf, notf, notf)},
		{name: "revoke A's tokens", method: "POST", target: "/verwaltung/benutzer/{A}/tokens/widerrufen", form: url.Values{},
			want: row(unau, forb, forb, forb, seeO, forb, seeO)},
		{name: "remove A's role", method: "POST", target: "/verwaltung/benutzer/{A}/rollen/{mA}/entfernen", form: url.Values{},
			want: row(unau, forb, forb, forb, seeO, forb, seeO)},
		{name: "delete B", method: "POST", target: "/verwaltung/benutzer/{B}/loeschen", form: url.Values{},
			want: row(unau, forb, forb, forb, forb, forb, seeO)},
	}
	for _, role := range servertest.Roles {
		t.Run(role, func(t *testing.T) {
			env := servertest.NewEnv(t, server.AuthConfig{})
			c := env.As(t, role)
			tok := ""
			if role != "anonym" {
				tok = env.Token(t, role)
			}
			userA, userB := env.User(t, "redaktion-a"), env.User(t, "redaktion-b")
			provider, err := env.Store.Principal(context.Background(), env.User(t, "anbieter").ID)
			if err != nil {
				t.Fatal(err)
			}
			advisory := func(st catalog.AdvisoryStatus) string {
				a, err := env.Store.CreateAdvisory(context.Background(), provider, "wohngeld-online", store.AdvisoryInput{Title: "Lücke",
					CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Action: "Aktualisieren.", Distribution: catalog.DistributionRestricted, Status: st})
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(a.ID)
			}
			ids := strings.NewReplacer("{A}", fmt.Sprint(userA.ID), "{mA}", fmt.Sprint(userA.Memberships[0].ID), "{B}", fmt.Sprint(userB.ID),
				"{R}", advisory(catalog.AdvisoryPublished), "{D}", advisory(catalog.AdvisoryDraft))
			for _, k := range cases {
				target := ids.Replace(k.target)
				if strings.Contains(target, "%d") {
					target = fmt.Sprintf(target, env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA))
				}
				var rec *httptest.ResponseRecorder
				if k.api {
					req := httptest.NewRequest(k.method, target, strings.NewReader(k.json))
					if k.json != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					if k.ct != "" {
						req.Header.Set("Content-Type", k.ct)
					}
					for h, v := range k.header {
						req.Header.Set(h, v)
					}
					if tok != "" {
						req.Header.Set("Authorization", "Bearer "+tok)
					}
					rec = httptest.NewRecorder()
					env.App.ServeHTTP(rec, req)
				} else {
					rec = c.Do(k.method, target, k.form, nil)
				}
				if rec.Code != k.want[role] {
					t.Errorf("%s %s as %s = %d, want %d (%.200s)", k.method, target, role, rec.Code, k.want[role], rec.Body.String())
				}
			}
		})
	}
}

// matrixPubliccode is a small valid publiccode.yml for the access matrix.
const matrixPubliccode = `publiccodeYmlVersion: "0.4"
name: Matrix-Portal
url: "https://example.org/matrix-portal"
developmentStatus: stable
description:
  de:
    shortDescription: Ein Portal für den Test der Berechtigungen.
    longDescription: Ein Portal, mit dem der Test prüft, wer Lösungen schreiben darf.
legal:
  license: MIT
`

func TestEditorBCannotTouchAdoptionsOfA(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	id := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	before, _ := env.Store.LastEventSeq(ctx)
	b := env.As(t, "redaktion-b")
	tok := env.Token(t, "redaktion-b")
	attempts := []*httptest.ResponseRecorder{
		b.Do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"ended"}}, nil),
		b.Do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeB}, "andere": {"01001000"}, "status": {"ended"}}, nil),
		b.Do("POST", fmt.Sprintf("/nachnutzungen/%d/loeschen", id), url.Values{}, nil),
		b.Do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestreiten"}}, nil),
	}
	for _, body := range []string{`{"status":"ended"}`} {
		req := httptest.NewRequest("PATCH", fmt.Sprintf("/api/v1/adoptions/%d", id), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		env.App.ServeHTTP(rec, req)
		attempts = append(attempts, rec)
	}
	for i, rec := range attempts {
		if rec.Code < 400 {
			t.Errorf("attempt %d by editor B succeeded: %d", i, rec.Code)
		}
	}
	// Token bookkeeping aside, nothing about the adoption changed.
	evs, _ := env.Store.Events(ctx, before, 100)
	for _, ev := range evs {
		if ev.EntityType == catalog.EntityAdoption {
			t.Errorf("editor B changed an adoption: %+v", ev)
		}
	}
	a, err := env.Store.AdoptionByID(ctx, id)
	if err != nil || a.Status != catalog.AdoptionLive || a.Confirmation != catalog.ConfirmationNone {
		t.Errorf("adoption of A after B's attempts: %+v %v", a, err)
	}
}

func TestSessionLifecycle(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{IdleTimeout: time.Second})
	c := env.Client(t)
	// A session exists before login (the login page keeps no state, so make one with a failed login).
	c.Do("GET", "/anmelden", nil, nil)
	rec := c.Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {servertest.TestPassword}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto" {
		t.Fatalf("login = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == servertest.SessionCookie {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("no session cookie after login")
	}
	if !sess.HttpOnly || !sess.Secure || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" {
		t.Errorf("session cookie flags: HttpOnly=%v Secure=%v SameSite=%v Path=%q", sess.HttpOnly, sess.Secure, sess.SameSite, sess.Path)
	}
	first := sess.Value
	if rec := c.Do("GET", "/konto", nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "redaktion-a@example.de") {
		t.Fatalf("account page after login = %d", rec.Code)
	}
	// Logging in again (e.g. as someone else) gives a new session id.
	c.Login("redaktion-b@example.de")
	if c.Cookies[servertest.SessionCookie].Value == first {
		t.Error("session id did not change at login")
	}
	// Idle timeout: after more than a second without a request the session is gone.
	time.Sleep(1200 * time.Millisecond)
	if rec := c.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/anmelden") {
		t.Errorf("account page after idle timeout = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// Logout ends the session.
	c.Login("redaktion-a@example.de")
	c.Do("POST", "/abmelden", url.Values{}, nil)
	if rec := c.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("account page after logout = %d", rec.Code)
	}
}

func TestLoginThrottleAndErrors(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.Client(t)
	for i := 0; i < 5; i++ {
		rec := c.Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {"falsch-falsch-falsch"}}, nil)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "E-Mail-Adresse oder Passwort sind falsch.") {
			t.Fatalf("failure %d = %d", i, rec.Code)
		}
	}
	rec := c.Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {servertest.TestPassword}}, nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("6th attempt with the right password = %d, want 429 with Retry-After", rec.Code)
	}
	// The attack of issue 15 row 3: the guesses above must not keep the
	// owner out. From another address the right password still logs in.
	owner := env.Client(t)
	owner.Remote = "198.51.100.23:5000"
	if rec := owner.Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {servertest.TestPassword}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("owner from another address after 5 wrong guesses = %d, want 303 (logged in)", rec.Code)
	}
	// Another account from another client is not affected.
	other := env.Client(t)
	other.Remote = "192.0.2.7:4711"
	if rec := other.Do("POST", "/anmelden", url.Values{"email": {"redaktion-b@example.de"}, "password": {servertest.TestPassword}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("other account = %d", rec.Code)
	}
	// An open redirect through "weiter" is refused.
	rec = other.Do("POST", "/anmelden", url.Values{"email": {"redaktion-b@example.de"}, "password": {servertest.TestPassword}, "weiter": {"//evil.example/"}}, nil)
	if loc := rec.Header().Get("Location"); loc != "/konto" {
		t.Errorf("redirect to %q, want /konto", loc)
	}
}

func TestCrossSitePostsAreRejected(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "redaktion-a")
	form := url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"ended"}}
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site":   {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"no fetch metadata, no token": {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
	} {
		rec := c.Do("POST", "/loesungen/wohngeld-online/nachnutzung", form, h)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, rec.Code)
		}
	}
	id := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	a, _ := env.Store.AdoptionByID(context.Background(), id)
	if a.Status != catalog.AdoptionLive {
		t.Errorf("cross-site post changed the adoption to %s", a.Status)
	}
}

func TestRateLimitSparesValidTokens(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Portal", Email: "portal@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: servertest.GemeindeA, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, servertest.GemeindeA)
	secret, hash, _ := auth.NewSecret("efa_")
	if _, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Portal", Hash: hash,
		Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	app := server.New(server.Deps{Store: st, Version: "test", Ops: server.Ops{RateLimit: 0.001, RateBurst: 2}})
	get := func(token string) int {
		req := httptest.NewRequest("GET", "/api/v1/stats", nil)
		req.RemoteAddr = "203.0.113.9:1000"
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec.Code
	}
	var codes []int
	for _, tok := range []string{"", "", "", "efa_falsch", secret, secret, secret} {
		codes = append(codes, get(tok))
	}
	if want := []int{200, 200, 429, 429, 200, 200, 200}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v (anonymous limited, invalid token limited, valid token on its own budget)", codes, want)
	}
}

// pageCSRF is the form token a page hands to htmx (hx-headers on <body>).
func pageCSRF(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`X-CSRF-Token[^A-Za-z0-9_-]+([A-Za-z0-9_-]{43})`).FindStringSubmatch(html.UnescapeString(body))
	if m == nil {
		t.Fatal("page carries no CSRF token")
	}
	return m[1]
}

// The attack of issue 15 row 8: a token that is not bound to the session
// (or rides in the query string) must not let a forged request through.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.Client(t)
	noMeta := map[string]string{"Sec-Fetch-Site": "", "Origin": ""}

	rec := c.Do("GET", "/anmelden", nil, nil)
	anon := pageCSRF(t, rec.Body.String())
	ck := c.Cookies["__Host-efa_csrf"]
	if ck == nil || ck.Value != anon || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("pre-login token cookie = %+v, want __Host-efa_csrf (Secure, HttpOnly, Path=/) holding %q", ck, anon)
	}
	// Without fetch metadata the token must come in the body or header.
	login := url.Values{"email": {"redaktion-a@example.de"}, "password": {servertest.TestPassword}}
	if rec := c.Do("POST", "/anmelden?_csrf="+anon, login, noMeta); rec.Code != http.StatusForbidden ||
		!strings.Contains(rec.Body.String(), "Formular-Token") {
		t.Fatalf("login with the token in the query string = %d, want 403 naming the token", rec.Code)
	}
	english := map[string]string{"Sec-Fetch-Site": "", "Origin": "", "Accept-Language": "en"}
	if rec := c.Do("POST", "/anmelden", login, english); rec.Code != http.StatusForbidden ||
		!strings.Contains(rec.Body.String(), "invalid or missing form token") {
		t.Fatalf("login without the token in English = %d, want 403 naming the form token in English", rec.Code)
	}
	login.Set("_csrf", anon)
	if rec := c.Do("POST", "/anmelden", login, noMeta); rec.Code != http.StatusSeeOther {
		t.Fatalf("login with the body token = %d", rec.Code)
	}

	// Logged in, the session's own token counts, not the pre-login one.
	t1 := pageCSRF(t, c.Do("GET", "/konto", nil, nil).Body.String())
	if t1 == anon {
		t.Fatal("token not replaced at login")
	}
	if rec := c.Do("POST", "/abmelden", url.Values{"_csrf": {anon}}, noMeta); rec.Code != http.StatusForbidden {
		t.Errorf("logout with the pre-login token = %d, want 403", rec.Code)
	}
	if rec := c.Do("GET", "/konto", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("refused logout ended the session anyway: /konto = %d", rec.Code)
	}
	// Another browser's session token does not work in this session.
	other := env.As(t, "redaktion-b")
	t2 := pageCSRF(t, other.Do("GET", "/konto", nil, nil).Body.String())
	if rec := c.Do("POST", "/abmelden", nil, map[string]string{"Sec-Fetch-Site": "", "Origin": "", "X-CSRF-Token": t2}); rec.Code != http.StatusForbidden {
		t.Errorf("logout with another session's token = %d, want 403", rec.Code)
	}
	if rec := c.Do("POST", "/abmelden", nil, map[string]string{"Sec-Fetch-Site": "", "Origin": "", "X-CSRF-Token": t1}); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout with the session token in the header = %d", rec.Code)
	}
	// Logout replaces the pre-login token too.
	if after := c.Cookies["__Host-efa_csrf"]; after == nil || after.Value == anon {
		t.Errorf("pre-login token not replaced at logout: %+v", after)
	}
	// A new login gets a new session token.
	c.Login("redaktion-a@example.de")
	if t3 := pageCSRF(t, c.Do("GET", "/konto", nil, nil).Body.String()); t3 == t1 {
		t.Error("second login kept the old session token")
	}
	// The cross-site refusal is German.
	rec = c.Do("POST", "/abmelden", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "anderen Website") {
		t.Errorf("cross-site logout = %d %q", rec.Code, rec.Body.String())
	}
}
