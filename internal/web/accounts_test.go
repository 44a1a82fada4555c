package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

const (
	testPassword = "ein-sehr-langes-passwort"
	gemeindeA    = "010010000000" // Flensburg (SH), runs Wohngeld live in the seed
	gemeindeB    = "010020000000" // Kiel (SH)
)

var (
	hashOnce sync.Once
	pwHash   string
)

// passwordHash hashes the test password once per test binary.
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		var err error
		if pwHash, err = auth.HashPassword(testPassword); err != nil {
			t.Fatal(err)
		}
	})
	return pwHash
}

// roles are the principals of the access matrix, by name.
var roles = []string{"anonym", "redaktion-a", "redaktion-b", "anbieter", "koordination-sh", "koordination-nw", "admin"}

// testEnv is the real router over a seeded database with one user per role.
type testEnv struct {
	app   *echo.Echo
	store *store.Store
}

func newEnv(t testing.TB, cfg server.AuthConfig) *testEnv { return newEnvWith(t, cfg, false) }

// newEnvWith builds the environment, with its own search index when withSearch is set.
func newEnvWith(t testing.TB, cfg server.AuthConfig, withSearch bool) *testEnv {
	t.Helper()
	st := storetest.Seeded(t)
	ctx := context.Background()
	h := passwordHash(t)
	users := map[string]store.NewUser{
		"redaktion-a":     {Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: gemeindeA, Role: catalog.RoleEditor}}},
		"redaktion-b":     {Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: gemeindeB, Role: catalog.RoleEditor}}},
		"anbieter":        {Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}},
		"koordination-sh": {Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleCoordinator}}},
		"koordination-nw": {Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "05", Role: catalog.RoleCoordinator}}},
		"admin":           {Admin: true},
	}
	for name, u := range users {
		u.Name, u.Email, u.PasswordHash = "Test "+name, name+"@example.de", h
		if _, err := st.CreateUser(ctx, "test", u); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	cfg.CookieSecure = true
	deps := server.Deps{Store: st, Version: "test", Auth: cfg, Log: testLog}
	if withSearch {
		ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		deps.Search = ix
	}
	return &testEnv{app: server.New(deps), store: st}
}

// client is a browser-like client: it keeps cookies and sends the fetch
// metadata a same-origin form submission carries.
type client struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
	header  map[string]string
	// remote is the client address (host:port) the server sees.
	remote string
}

func (e *testEnv) client(t *testing.T) *client {
	return &client{t: t, h: e.app, cookies: map[string]*http.Cookie{}, header: map[string]string{}}
}

func (c *client) do(method, target string, form url.Values, header map[string]string) *httptest.ResponseRecorder {
	c.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", "http://example.com")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return rec
}

func (c *client) login(email string) {
	c.t.Helper()
	rec := c.do(http.MethodPost, "/anmelden", url.Values{"email": {email}, "password": {testPassword}}, nil)
	if rec.Code != http.StatusSeeOther {
		c.t.Fatalf("login %s = %d: %s", email, rec.Code, rec.Body.String())
	}
}

func (e *testEnv) as(t *testing.T, role string) *client {
	c := e.client(t)
	if role != "anonym" {
		c.login(role + "@example.de")
	}
	return c
}

// adoptionOf returns the id of the adoption of slug by the Gemeinde with
// ARS, registering it (live, as the seed has it) when an earlier step deleted it.
func (e *testEnv) adoptionOf(t *testing.T, slug, ars string) uint {
	t.Helper()
	ctx := context.Background()
	list, err := e.store.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, ars)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Solution.Slug == slug {
			return a.ID
		}
	}
	a, err := e.store.RegisterAdoption(ctx, "test", store.AdoptionInput{SolutionSlug: slug, AdopterKind: catalog.KindGemeinde,
		AdopterKey: ars, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// token creates an API token for the first organisation of the role's user.
func (e *testEnv) token(t testing.TB, role string) string {
	t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, role+"@example.de")
	if err != nil {
		t.Fatal(err)
	}
	full, _ := e.store.UserByID(ctx, u.ID)
	if len(full.Memberships) == 0 {
		return ""
	}
	secret, hash, _ := auth.NewSecret("efa_")
	if _, err := e.store.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: full.Memberships[0].OrganisationID, UserID: u.ID,
		Name: "Test", Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestAccessMatrix checks every account route and write endpoint against every role.
func TestAccessMatrix(t *testing.T) {
	type cell = map[string]int
	// Status codes by role, in the order of roles.
	row := func(codes ...int) cell {
		m := cell{}
		for i, r := range roles {
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
		// target may contain %d for the adoption id of Wohngeld in Gemeinde A.
		want cell
	}
	flensburgLive := url.Values{"organisation": {"gemeinde:" + gemeindeA}, "status": {"live"}, "since": {"2019-12-18"}, "note": {"geprüft"}}
	cases := []tc{
		{name: "start page", method: "GET", target: "/", want: row(ok, ok, ok, ok, ok, ok, ok)},
		{name: "account", method: "GET", target: "/konto", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		{name: "tokens", method: "GET", target: "/konto/tokens", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		{name: "requests list", method: "GET", target: "/verwaltung/antraege", want: row(seeO, forb, forb, forb, ok, ok, ok)},
		{name: "webhooks", method: "GET", target: "/verwaltung/webhooks", want: row(seeO, forb, forb, forb, forb, forb, ok)},
		{name: "bulk import form", method: "GET", target: "/verwaltung/import", want: row(seeO, forb, forb, forb, ok, ok, ok)},
		{name: "edit SH solution", method: "GET", target: "/loesungen/wohngeld-online/bearbeiten", want: row(seeO, forb, forb, ok, ok, forb, ok)},
		{name: "adoption form", method: "GET", target: "/loesungen/wohngeld-online/nachnutzung", want: row(seeO, ok, ok, ok, ok, ok, ok)},
		{name: "register adoption for Gemeinde A", method: "POST", target: "/loesungen/wohngeld-online/nachnutzung", form: flensburgLive,
			want: row(unau, seeO, forb, forb, seeO, forb, seeO)},
		{name: "confirm adoption of A", method: "POST", target: "/nachnutzungen/%d/rueckmeldung", form: url.Values{"antwort": {"bestaetigen"}},
			want: row(unau, forb, forb, seeO, seeO, forb, seeO)},
		{name: "delete adoption of A", method: "POST", target: "/nachnutzungen/%d/loeschen", form: url.Values{},
			want: row(unau, seeO, forb, forb, seeO, forb, seeO)},
		{name: "API create for A", method: "POST", target: "/api/v1/adoptions", api: true,
			json: `{"solution":"i-kfz","adopterKind":"gemeinde","adopterKey":"` + gemeindeA + `","status":"interested"}`,
			// Tokens act for one organisation: only the token of Gemeinde A's editor may write for A.
			want: row(unau, crea, forb, forb, forb, forb, unau)},
		{name: "API patch A's adoption", method: "PATCH", target: "/api/v1/adoptions/%d", api: true, json: `{"note":"neu"}`,
			want: row(unau, ok, forb, forb, forb, forb, unau)},
		{name: "API delete A's adoption", method: "DELETE", target: "/api/v1/adoptions/%d", api: true,
			want: row(unau, none, forb, forb, forb, forb, unau)},
		{name: "API delete unknown adoption", method: "DELETE", target: "/api/v1/adoptions/999999", api: true,
			want: row(unau, notf, notf, notf, notf, notf, unau)},
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
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			env := newEnv(t, server.AuthConfig{})
			c := env.as(t, role)
			tok := ""
			if role != "anonym" {
				tok = env.token(t, role)
			}
			userA, userB := env.user(t, "redaktion-a"), env.user(t, "redaktion-b")
			ids := strings.NewReplacer("{A}", fmt.Sprint(userA.ID), "{mA}", fmt.Sprint(userA.Memberships[0].ID), "{B}", fmt.Sprint(userB.ID))
			for _, k := range cases {
				target := ids.Replace(k.target)
				if strings.Contains(target, "%d") {
					target = fmt.Sprintf(target, env.adoptionOf(t, "wohngeld-online", gemeindeA))
				}
				var rec *httptest.ResponseRecorder
				if k.api {
					req := httptest.NewRequest(k.method, target, strings.NewReader(k.json))
					if k.json != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					if tok != "" {
						req.Header.Set("Authorization", "Bearer "+tok)
					}
					rec = httptest.NewRecorder()
					env.app.ServeHTTP(rec, req)
				} else {
					rec = c.do(k.method, target, k.form, nil)
				}
				if rec.Code != k.want[role] {
					t.Errorf("%s %s as %s = %d, want %d (%.200s)", k.method, target, role, rec.Code, k.want[role], rec.Body.String())
				}
			}
		})
	}
}

func TestEditorBCannotTouchAdoptionsOfA(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	ctx := context.Background()
	id := env.adoptionOf(t, "wohngeld-online", gemeindeA)
	before, _ := env.store.LastEventSeq(ctx)
	b := env.as(t, "redaktion-b")
	tok := env.token(t, "redaktion-b")
	attempts := []*httptest.ResponseRecorder{
		b.do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeA}, "status": {"ended"}}, nil),
		b.do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeB}, "andere": {"01001000"}, "status": {"ended"}}, nil),
		b.do("POST", fmt.Sprintf("/nachnutzungen/%d/loeschen", id), url.Values{}, nil),
		b.do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestreiten"}}, nil),
	}
	for _, body := range []string{`{"status":"ended"}`} {
		req := httptest.NewRequest("PATCH", fmt.Sprintf("/api/v1/adoptions/%d", id), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		env.app.ServeHTTP(rec, req)
		attempts = append(attempts, rec)
	}
	for i, rec := range attempts {
		if rec.Code < 400 {
			t.Errorf("attempt %d by editor B succeeded: %d", i, rec.Code)
		}
	}
	// Token bookkeeping aside, nothing about the adoption changed.
	evs, _ := env.store.Events(ctx, before, 100)
	for _, ev := range evs {
		if ev.EntityType == catalog.EntityAdoption {
			t.Errorf("editor B changed an adoption: %+v", ev)
		}
	}
	a, err := env.store.AdoptionByID(ctx, id)
	if err != nil || a.Status != catalog.AdoptionLive || a.Confirmation != catalog.ConfirmationNone {
		t.Errorf("adoption of A after B's attempts: %+v %v", a, err)
	}
}

func TestSessionLifecycle(t *testing.T) {
	env := newEnv(t, server.AuthConfig{IdleTimeout: time.Second})
	c := env.client(t)
	// A session exists before login (the login page keeps no state, so make one with a failed login).
	c.do("GET", "/anmelden", nil, nil)
	rec := c.do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {testPassword}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto" {
		t.Fatalf("login = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "efa_session" {
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
	if rec := c.do("GET", "/konto", nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "redaktion-a@example.de") {
		t.Fatalf("account page after login = %d", rec.Code)
	}
	// Logging in again (e.g. as someone else) gives a new session id.
	c.login("redaktion-b@example.de")
	if c.cookies["efa_session"].Value == first {
		t.Error("session id did not change at login")
	}
	// Idle timeout: after more than a second without a request the session is gone.
	time.Sleep(1200 * time.Millisecond)
	if rec := c.do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/anmelden") {
		t.Errorf("account page after idle timeout = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// Logout ends the session.
	c.login("redaktion-a@example.de")
	c.do("POST", "/abmelden", url.Values{}, nil)
	if rec := c.do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("account page after logout = %d", rec.Code)
	}
}

func TestLoginThrottleAndErrors(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	c := env.client(t)
	for i := 0; i < 5; i++ {
		rec := c.do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {"falsch-falsch-falsch"}}, nil)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "E-Mail-Adresse oder Passwort sind falsch.") {
			t.Fatalf("failure %d = %d", i, rec.Code)
		}
	}
	rec := c.do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {testPassword}}, nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("6th attempt with the right password = %d, want 429 with Retry-After", rec.Code)
	}
	// Another account from another client is not affected.
	other := env.client(t)
	other.remote = "192.0.2.7:4711"
	if rec := other.do("POST", "/anmelden", url.Values{"email": {"redaktion-b@example.de"}, "password": {testPassword}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("other account = %d", rec.Code)
	}
	// An open redirect through "weiter" is refused.
	rec = other.do("POST", "/anmelden", url.Values{"email": {"redaktion-b@example.de"}, "password": {testPassword}, "weiter": {"//evil.example/"}}, nil)
	if loc := rec.Header().Get("Location"); loc != "/konto" {
		t.Errorf("redirect to %q, want /konto", loc)
	}
}

func TestCrossSitePostsAreRejected(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	c := env.as(t, "redaktion-a")
	form := url.Values{"organisation": {"gemeinde:" + gemeindeA}, "status": {"ended"}}
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site":   {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"no fetch metadata, no token": {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
	} {
		rec := c.do("POST", "/loesungen/wohngeld-online/nachnutzung", form, h)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, rec.Code)
		}
	}
	id := env.adoptionOf(t, "wohngeld-online", gemeindeA)
	a, _ := env.store.AdoptionByID(context.Background(), id)
	if a.Status != catalog.AdoptionLive {
		t.Errorf("cross-site post changed the adoption to %s", a.Status)
	}
}

func TestAdoptionWritesAreAuditedWithActor(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	ctx := context.Background()
	editor := env.as(t, "redaktion-b")
	provider := env.as(t, "anbieter")
	u, _ := env.store.UserByEmail(ctx, "redaktion-b@example.de")
	pu, _ := env.store.UserByEmail(ctx, "anbieter@example.de")
	start, _ := env.store.LastEventSeq(ctx)
	rec := editor.do("POST", "/loesungen/fischereischein-digital/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeB}, "status": {"interested"}}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d %s", rec.Code, rec.Body.String())
	}
	id := env.adoptionOf(t, "fischereischein-digital", gemeindeB)
	editor.do("POST", "/loesungen/fischereischein-digital/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeB}, "status": {"live"}, "since": {"2026-11"}}, nil)
	provider.do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestaetigen"}}, nil)
	editor.do("POST", fmt.Sprintf("/nachnutzungen/%d/loeschen", id), url.Values{}, nil)
	evs, _ := env.store.Events(ctx, start, 100)
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
	env := newEnv(t, server.AuthConfig{})
	c := env.as(t, "redaktion-b")
	page := c.do("GET", "/konto/tokens", nil, nil)
	if page.Code != 200 {
		t.Fatalf("tokens page = %d", page.Code)
	}
	u, _ := env.store.UserByEmail(context.Background(), "redaktion-b@example.de")
	full, _ := env.store.UserByID(context.Background(), u.ID)
	org := fmt.Sprint(full.Memberships[0].OrganisationID)
	rec := c.do("POST", "/konto/tokens", url.Values{"name": {"Bürgerbüro"}, "organisation": {org},
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
		req := httptest.NewRequest("POST", "/api/v1/adoptions", bytes.NewReader([]byte(`{"solution":"i-kfz","adopterKind":"gemeinde","adopterKey":"`+gemeindeB+`","status":"interested"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		env.app.ServeHTTP(rec, req)
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
	if strings.Contains(c.do("GET", "/konto/tokens", nil, nil).Body.String(), secret) {
		t.Error("token list shows the secret again")
	}
	toks, _ := env.store.TokensByUser(context.Background(), u.ID)
	if len(toks) != 1 || toks[0].Hash == secret || toks[0].Hash != auth.HashSecret(secret) {
		t.Fatalf("stored token %+v", toks)
	}
	// Another user cannot revoke it.
	other := env.as(t, "redaktion-a")
	if rec := other.do("POST", fmt.Sprintf("/konto/tokens/%d/widerrufen", toks[0].ID), url.Values{}, nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoke by another user = %d", rec.Code)
	}
	if rec := c.do("POST", fmt.Sprintf("/konto/tokens/%d/widerrufen", toks[0].ID), url.Values{}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke = %d", rec.Code)
	}
	if code := post(secret); code != http.StatusUnauthorized {
		t.Errorf("API write with revoked token = %d", code)
	}
	// Bad expiry dates are explained next to the field.
	rec = c.do("POST", "/konto/tokens", url.Values{"name": {"x"}, "organisation": {org}, "expiresAt": {"2020-01-01"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Das Ablaufdatum muss in der Zukunft liegen.") {
		t.Errorf("past expiry = %d", rec.Code)
	}
}

func TestAccountRequestFlow(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	anon := env.client(t)
	// Search by AGS, then request.
	rec := anon.do("POST", "/konto/beantragen", url.Values{"q": {"01001000"}, "aktion": {"suchen"}}, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Flensburg") {
		t.Fatalf("lookup by AGS = %d", rec.Code)
	}
	flensburg, _ := env.store.OrganisationByAGS(context.Background(), "01001000")
	form := url.Values{"q": {"01001000"}, "organisation": {fmt.Sprint(flensburg.ID)}, "name": {"Erika Muster"},
		"email": {"buergerbuero@flensburg.example"}, "password": {"kurz"}, "aktion": {"beantragen"}}
	rec = anon.do("POST", "/konto/beantragen", form, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "mindestens 12 Zeichen") ||
		!strings.Contains(rec.Body.String(), "Erika Muster") {
		t.Fatalf("short password: %d (values must be kept)", rec.Code)
	}
	form.Set("password", testPassword)
	rec = anon.do("POST", "/konto/beantragen", form, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("request = %d %s", rec.Code, rec.Body.String())
	}
	body := rec.Body.String()
	i := strings.Index(body, "/konto/antrag/")
	link := body[i : i+len("/konto/antrag/")+43]
	if rec := anon.do("GET", link, nil, nil); !strings.Contains(rec.Body.String(), "in Prüfung") {
		t.Fatalf("status page = %d", rec.Code)
	}
	// The coordinator of another Land does not see or decide it.
	nw := env.as(t, "koordination-nw")
	if strings.Contains(nw.do("GET", "/verwaltung/antraege", nil, nil).Body.String(), "Erika Muster") {
		t.Error("NW coordinator sees an SH request")
	}
	reqs, _ := env.store.AccountRequests(context.Background(), nil)
	if rec := nw.do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("NW coordinator decides SH request = %d", rec.Code)
	}
	sh := env.as(t, "koordination-sh")
	if !strings.Contains(sh.do("GET", "/verwaltung/antraege", nil, nil).Body.String(), "Erika Muster") {
		t.Error("SH coordinator does not see the request")
	}
	if rec := sh.do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("approve = %d", rec.Code)
	}
	if rec := anon.do("GET", link, nil, nil); !strings.Contains(rec.Body.String(), "genehmigt") {
		t.Errorf("status after approval: %s", rec.Body.String())
	}
	newUser := env.client(t)
	newUser.login("buergerbuero@flensburg.example")
	if rec := newUser.do("GET", "/konto", nil, nil); !strings.Contains(rec.Body.String(), "Flensburg") {
		t.Error("approved user is not editor of Flensburg")
	}
}

func TestHistoryPagesShowChangesWithoutPersons(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	b := env.as(t, "redaktion-b")
	if rec := b.do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeB}, "status": {"interested"}, "note": {"Erstkontakt"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("register = %d", rec.Code)
	}
	b.do("POST", "/loesungen/i-kfz/nachnutzung", url.Values{"organisation": {"gemeinde:" + gemeindeB}, "status": {"contracted"}, "note": {"Vertrag unterschrieben"}}, nil)
	for _, target := range []string{"/loesungen/i-kfz/historie", "/gemeinden/" + gemeindeB + "/historie"} {
		rec := b.do("GET", target, nil, nil)
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
	if rec := b.do("GET", "/gemeinden/999999999999/historie", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown Gemeinde history = %d", rec.Code)
	}
}

func TestSolutionRegistrationForm(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	ctx := context.Background()
	prov := env.as(t, "anbieter")
	if rec := prov.do("GET", "/loesungen/neu", nil, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Schleswig-Holstein (Land)") {
		t.Fatalf("new form = %d", rec.Code)
	}
	form := url.Values{"name": {"Hundesteuer digital"}, "provider": {"land:01"}, "status": {"pilot"}, "ozg": {"10092", "10000"},
		"maturity": {"7"}, "contactEmail": {"keine-adresse"}, "buildCostEur": {"viel"}, "aktion": {"speichern"}}
	rec := prov.do("POST", "/loesungen/neu", form, nil)
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
	if rec := prov.do("POST", "/loesungen/neu", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "nur Lösungen Ihrer eigenen Organisation") {
		t.Errorf("foreign provider = %d", rec.Code)
	}
	form.Set("provider", "land:01")
	rec = prov.do("POST", "/loesungen/neu", form, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/loesungen/hundesteuer-digital" {
		t.Fatalf("save = %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	sol, err := env.store.SolutionBySlug(ctx, "hundesteuer-digital")
	if err != nil || sol.Provider.Key != "01" || len(sol.Services) != 2 || *sol.BuildCostEUR != 250000 || *sol.Maturity != 2 ||
		sol.Verified != catalog.VerifiedPartial {
		t.Fatalf("stored %+v %v", sol, err)
	}
	// Edit: NW coordinator may not, the provider may.
	nw := env.as(t, "koordination-nw")
	if rec := nw.do("GET", "/loesungen/hundesteuer-digital/bearbeiten", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("NW edits SH solution = %d", rec.Code)
	}
	form.Set("summary", "Hundesteuer an- und abmelden")
	if rec := prov.do("POST", "/loesungen/hundesteuer-digital/bearbeiten", form, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d", rec.Code)
	}
	evs, _ := env.store.EventsFor(ctx, catalog.EntitySolution, "hundesteuer-digital", 1)
	if len(evs) != 1 || evs[0].Action != catalog.ActionUpdate || !strings.Contains(evs[0].Changes, "Hundesteuer an- und abmelden") {
		t.Errorf("edit event %+v", evs)
	}
	if rec := prov.do("GET", "/loesungen/neu/aehnliche?name=Wohngeld", nil, map[string]string{"HX-Request": "true"}); rec.Code != 200 ||
		strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("similar fragment = %d", rec.Code)
	}
}

// upload posts a CSV file to the bulk import as a multipart form.
func (c *client) upload(csvText string, allOrNothing bool) *httptest.ResponseRecorder {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("datei", "nachnutzungen.csv")
	fw.Write([]byte(csvText))
	if allOrNothing {
		mw.WriteField("alles_oder_nichts", "ja")
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/verwaltung/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec
}

func TestBulkImport(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	ctx := context.Background()
	csvText := "loesung;schluessel;status;seit;vertragsart;notiz\n" +
		"i-kfz;01001000;interessiert;2026-11;;Flensburg per AGS\n" +
		"i-kfz;01051;Vertrag geschlossen;2026;Verwaltungsvereinbarung;Dithmarschen\n" +
		"i-kfz;05124000;in Betrieb;;;Wuppertal liegt in NRW\n" +
		"i-kfz;010020000000;vielleicht;;;\n" +
		"gibt-es-nicht;010020000000;live;;;\n"
	sh := env.as(t, "koordination-sh")
	before, _ := env.store.Stats(ctx)
	rec := sh.upload(csvText, true)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "2 Zeilen angenommen, 3 abgelehnt.") || !strings.Contains(body, "Es wurde nichts eingetragen.") {
		t.Fatalf("all-or-nothing = %d: %s", rec.Code, body)
	}
	for _, want := range []string{"Wuppertal, Stadt gehört nicht zu Ihrem Land.", "Unbekannter Status „vielleicht“.", "Unbekannte Lösung."} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if after, _ := env.store.Stats(ctx); after.Adoptions != before.Adoptions {
		t.Fatalf("all-or-nothing wrote %d adoptions", after.Adoptions-before.Adoptions)
	}
	rec = sh.upload(csvText, false)
	if !strings.Contains(rec.Body.String(), "2 Zeilen angenommen, 3 abgelehnt.") || !strings.Contains(rec.Body.String(), "Die angenommenen Zeilen sind eingetragen.") {
		t.Fatalf("apply valid: %s", rec.Body.String())
	}
	if after, _ := env.store.Stats(ctx); after.Adoptions != before.Adoptions+2 {
		t.Errorf("apply valid wrote %d adoptions, want 2", after.Adoptions-before.Adoptions)
	}
	list, _ := env.store.AdoptionsByOrganisation(ctx, catalog.KindKreis, "01051")
	if len(list) != 1 || list[0].Status != catalog.AdoptionContracted || list[0].ContractType != "Verwaltungsvereinbarung" {
		t.Errorf("Dithmarschen adoption = %+v", list)
	}
	// Editors may not use the import; broken files get a clear message.
	if rec := env.as(t, "redaktion-a").upload(csvText, false); rec.Code != http.StatusForbidden {
		t.Errorf("editor import = %d", rec.Code)
	}
	if rec := sh.upload("name,ort\nx,y\n", false); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Der Datei fehlen die Spalten: loesung, schluessel, status.") {
		t.Errorf("wrong header = %d", rec.Code)
	}
	if rec := sh.upload("loesung;schluessel;status\n\"kaputt;1;2\n", false); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("broken CSV = %d", rec.Code)
	}
}

var testLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

func TestSolutionPageAdoptionActions(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	page := func(c *client) *goquery.Document {
		rec := c.do("GET", "/loesungen/wohngeld-online", nil, nil)
		if rec.Code != 200 {
			t.Fatalf("solution page = %d", rec.Code)
		}
		doc, _ := goquery.NewDocumentFromReader(rec.Body)
		return doc
	}
	if n := page(env.as(t, "anonym")).Find("[data-testid=adoption-actions]").Length(); n != 0 {
		t.Errorf("visitors see %d action blocks", n)
	}
	// Flensburg's editor may delete Flensburg's adoption only, and confirms nothing.
	doc := page(env.as(t, "redaktion-a"))
	if n := doc.Find("[data-testid=adoption-actions]").Length(); n != 1 || doc.Find("button[value=bestaetigen]").Length() != 0 {
		t.Errorf("editor A: %d action blocks, %d confirm buttons", n, doc.Find("button[value=bestaetigen]").Length())
	}
	// The provider (SH) confirms every adoption of its solution.
	prov := env.as(t, "anbieter")
	doc = page(prov)
	adopters := doc.Find("[data-testid=adopter]").Length()
	if n := doc.Find("button[value=bestaetigen]").Length(); n != adopters || doc.Find("[data-testid=provider-actions]").Length() != 1 {
		t.Errorf("provider: %d confirm buttons for %d adopters", n, adopters)
	}
	id := env.adoptionOf(t, "wohngeld-online", gemeindeA)
	rec := prov.do("POST", fmt.Sprintf("/nachnutzungen/%d/rueckmeldung", id), url.Values{"antwort": {"bestaetigen"}}, nil)
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

func TestRateLimitSparesValidTokens(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Portal", Email: "portal@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: gemeindeA, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, gemeindeA)
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
		t.Errorf("codes = %v, want %v (anonymous limited, invalid token limited, valid token never)", codes, want)
	}
}

func TestWebhookAdminPage(t *testing.T) {
	env := newEnv(t, server.AuthConfig{})
	if rec := env.as(t, "koordination-sh").do("GET", "/verwaltung/webhooks", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("coordinator = %d, want 403", rec.Code)
	}
	if rec := env.as(t, "anonym").do("GET", "/verwaltung/webhooks", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("anonymous = %d, want redirect to login", rec.Code)
	}
	admin := env.as(t, "admin")
	rec := admin.do("POST", "/verwaltung/webhooks", url.Values{"url": {"ftp://portal.example.de"}}, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "https://") {
		t.Errorf("bad URL = %d", rec.Code)
	}
	rec = admin.do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/efa"}}, nil)
	doc, _ := goquery.NewDocumentFromReader(rec.Body)
	secret := strings.TrimSpace(doc.Find("[data-testid=neues-geheimnis] code").Text())
	if rec.Code != http.StatusCreated || len(secret) != 64 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("add = %d, secret %q", rec.Code, secret)
	}
	hooks, _ := env.store.Webhooks(context.Background())
	if len(hooks) != 1 || hooks[0].Secret != secret || hooks[0].URL != "https://portal.example.de/efa" {
		t.Fatalf("stored webhooks = %+v", hooks)
	}
	page := admin.do("GET", "/verwaltung/webhooks", nil, nil).Body.String()
	if !strings.Contains(page, "https://portal.example.de/efa") || strings.Contains(page, secret) {
		t.Error("list lacks the webhook or shows the secret again")
	}
	if rec := admin.do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/efa"}, "secret": {"ein-langes-geheimnis-123"}}, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("duplicate URL = %d", rec.Code)
	}
	if rec := admin.do("POST", fmt.Sprintf("/verwaltung/webhooks/%d/loeschen", hooks[0].ID), url.Values{}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("remove = %d", rec.Code)
	}
	if hooks, _ := env.store.Webhooks(context.Background()); len(hooks) != 0 {
		t.Errorf("after remove: %d webhooks", len(hooks))
	}
}
