package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// contentSecurityHeaders are the security headers about content.
var contentSecurityHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
	"Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"}

// TestNotModifiedCarriesOnlyWhatItNeeds: a 304 carries the validators,
// Cache-Control, Vary, the request id and HSTS, and none of the security
// headers about content (the client keeps those of its stored answer); an
// answer with content to the same conditional request carries them all.
func TestNotModifiedCarriesOnlyWhatItNeeds(t *testing.T) {
	app := server.New(server.Deps{Store: storetest.Seeded(t), Version: "test", Ops: server.Ops{HSTS: true}})
	written := func(method, target string, header ...string) (int, http.Header) {
		rec := httpDo(app, method, target, header...)
		// Result has the header as it was when the status line was written.
		return rec.Code, rec.Result().Header
	}
	withContentHeaders := func(what string, h http.Header) {
		t.Helper()
		for _, k := range append(contentSecurityHeaders, "Strict-Transport-Security", "X-Request-Id") {
			if h.Get(k) == "" {
				t.Errorf("%s: no %s", what, k)
			}
		}
	}

	code, plain := written(http.MethodGet, "/api/v1/export")
	if code != 200 {
		t.Fatalf("export = %d", code)
	}
	withContentHeaders("unconditional 200", plain)
	etag, lm := plain.Get("ETag"), plain.Get("Last-Modified")
	// CORS varies on Origin, the content coding on Accept-Encoding: neither
	// may drop the other, whether the answer is cached or built per request.
	for _, target := range []string{"/api/v1/export", "/api/v1/states", "/feed.json"} {
		for _, origin := range []string{"", "https://portal.example.org"} {
			_, h := written(http.MethodGet, target, "Origin", origin)
			if v := strings.Join(h.Values("Vary"), ","); !strings.Contains(v, "Origin") || !strings.Contains(v, "Accept-Encoding") {
				t.Errorf("Vary of %s (Origin %q) = %q, want Origin and Accept-Encoding", target, origin, v)
			}
		}
	}

	for _, cond := range [][]string{{"If-None-Match", etag}, {"If-Modified-Since", lm}} {
		code, h := written(http.MethodGet, "/api/v1/export", cond...)
		if code != http.StatusNotModified {
			t.Fatalf("%s = %d, want 304", cond[0], code)
		}
		for _, k := range contentSecurityHeaders {
			if h.Get(k) != "" {
				t.Errorf("304 after %s carries %s", cond[0], k)
			}
		}
		if h.Get("ETag") != etag || h.Get("Cache-Control") != "public, no-cache" || h.Get("Last-Modified") != lm ||
			h.Get("Strict-Transport-Security") == "" || len(h.Get("X-Request-Id")) != 24 ||
			!strings.Contains(strings.Join(h.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("304 after %s lacks a field it must carry: %v", cond[0], h)
		}
		if len(h) > 6 {
			t.Errorf("304 after %s carries %d fields: %v", cond[0], len(h), h)
		}
	}

	// Conditional requests that get content: a stale tag, an old date, a
	// page (pages are never 304), a HEAD, an error.
	for _, tc := range []struct {
		method, target string
		header         []string
		want           int
	}{
		{http.MethodGet, "/api/v1/export", []string{"If-None-Match", `"veraltet"`}, 200},
		{http.MethodGet, "/api/v1/export", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, 200},
		{http.MethodGet, "/feed.json", []string{"If-None-Match", `"veraltet"`}, 200},
		{http.MethodGet, "/", []string{"If-None-Match", `"irgendwas"`}, 200},
		{http.MethodHead, "/api/v1/export", []string{"If-None-Match", `"veraltet"`}, 200},
		{http.MethodGet, "/api/v1/solutions/gibt-es-nicht", []string{"If-None-Match", etag}, 404},
		{http.MethodGet, "/api/v1/changes?after=abc", []string{"If-None-Match", etag}, 400},
		{http.MethodGet, "/loesungen/", []string{"If-None-Match", etag}, 301},
	} {
		code, h := written(tc.method, tc.target, tc.header...)
		if code != tc.want {
			t.Errorf("%s %s %v = %d, want %d", tc.method, tc.target, tc.header, code, tc.want)
		}
		withContentHeaders(tc.method+" "+tc.target+" "+strings.Join(tc.header, ": "), h)
	}
}

// TestPanicsAreAnswered500: a panicking handler gets the error page of its
// kind with every security header, the stack goes to the log, and the next
// request is served as usual.
func TestPanicsAreAnswered500(t *testing.T) {
	app, buf := servertest.NewOpsApp(t, server.Ops{})
	app.GET("/kaputt", func(echoContext) error { panic("kaputt im Handler") })
	app.GET("/api/v1/kaputt", func(echoContext) error { panic(errKaputt) })
	app.GET("/abbruch", func(echoContext) error { panic(http.ErrAbortHandler) })

	page := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/kaputt", nil))
	if page.Code != 500 || !strings.Contains(page.Header().Get("Content-Type"), "text/html") || page.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("panicking page = %d %q, CSP %q", page.Code, page.Header().Get("Content-Type"), page.Header().Get("Content-Security-Policy"))
	}
	if strings.Contains(page.Body.String(), "kaputt im Handler") {
		t.Error("the panic's text reached the visitor")
	}
	api := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/api/v1/kaputt", nil))
	if api.Code != 500 || api.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("panicking API route = %d %q", api.Code, api.Header().Get("Content-Type"))
	}
	panics := servertest.LogLines(t, buf, "panic in handler")
	if len(panics) != 2 || !strings.Contains(panics[0]["stack"].(string), "TestPanicsAreAnswered500") ||
		panics[1]["request_id"] == nil {
		t.Errorf("panic log lines = %v", panics)
	}
	if ok := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)); ok.Code != 200 {
		t.Errorf("after the panics: %d", ok.Code)
	}
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("http.ErrAbortHandler must reach net/http, got %v", r)
			}
		}()
		servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/abbruch", nil))
	}()
}

type echoContext = echo.Context

var errKaputt = errors.New("kaputt in der API")

// TestTrustedTokenSparesOnlyTheRateLimit: a token found valid is not
// throttled (and is believed for a while without a look-up), yet revoking
// it takes effect at once wherever a token is required.
func TestTrustedTokenSparesOnlyTheRateLimit(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Portal", Email: "portal-trust@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: servertest.GemeindeA, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, servertest.GemeindeA)
	secret, hash, _ := auth.NewSecret("efa_")
	tok, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Portal", Hash: hash,
		Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	app := server.New(server.Deps{Store: st, Version: "test", Ops: server.Ops{RateLimit: 0.001, RateBurst: 2}})
	do := func(method, target, token string) int {
		req := httptest.NewRequest(method, target, strings.NewReader(`{}`))
		req.RemoteAddr = "198.51.100.7:4711"
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return servertest.Serve(app, req).Code
	}
	var codes []int
	for _, tok := range []string{"", "", "", secret, secret, secret, ""} {
		codes = append(codes, do(http.MethodGet, "/api/v1/stats", tok))
	}
	if want := []int{200, 200, 429, 200, 200, 200, 429}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v", codes, want)
	}
	if err := st.RevokeToken(ctx, "test", u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if code := do(http.MethodPost, "/api/v1/adoptions", secret); code != http.StatusUnauthorized {
		t.Errorf("a revoked token still trusted by the rate limit writes: %d, want 401", code)
	}
	if code := do(http.MethodGet, "/api/v1/stats", "efa_falsch"); code != http.StatusTooManyRequests {
		t.Errorf("an invalid token = %d, want 429", code)
	}
}
