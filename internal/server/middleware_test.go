package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{})
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	}
	cases := []struct {
		method, target string
		status         int
	}{
		{http.MethodGet, "/", 200},
		{http.MethodGet, "/static/css/app.css", 200},
		{http.MethodGet, "/api/v1/stats", 200},
		{http.MethodGet, "/gibt-es-nicht", 404},
		{http.MethodGet, "/api/v1/gibt-es-nicht", 404},
		{http.MethodGet, "/api/v1/stats/", 301},
		{http.MethodDelete, "/api/v1/stats", 0}, // 404 or 405: either way with headers
		{http.MethodGet, "/healthz", 200},
		{http.MethodGet, "/metrics", 403}, // closed to remote clients by default
	}
	for _, tc := range cases {
		rec := servertest.Serve(app, httptest.NewRequest(tc.method, tc.target, nil))
		if tc.status != 0 && rec.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.target, rec.Code, tc.status)
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.target, k, got, v)
			}
		}
		if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS sent without being configured: %q", tc.target, got)
		}
		if strings.Contains(rec.Header().Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: CSP allows unsafe-inline", tc.target)
		}
	}
	hsts, _ := servertest.NewOpsApp(t, server.Ops{HSTS: true})
	rec := servertest.Serve(hsts, httptest.NewRequest(http.MethodGet, "/gibt-es-nicht", nil))
	if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS with Ops.HSTS = %q", got)
	}
}

func TestRequestIDIsKeptOrMadeAndLogged(t *testing.T) {
	app, buf := servertest.NewOpsApp(t, server.Ops{})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)
	req.Header.Set("X-Request-ID", "proxy-4711.a")
	if got := servertest.Serve(app, req).Header().Get("X-Request-ID"); got != "proxy-4711.a" {
		t.Errorf("a valid incoming id is not kept: %q", got)
	}
	hex := regexp.MustCompile(`^[0-9a-f]{24}$`)
	req = httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)
	req.Header.Set("X-Request-ID", "evil\",\"status\":200 injected")
	made := servertest.Serve(app, req).Header().Get("X-Request-ID")
	if !hex.MatchString(made) {
		t.Errorf("an unsafe incoming id must be replaced, got %q", made)
	}
	fresh := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/gibt-es-nicht", nil)).Header().Get("X-Request-ID")
	if !hex.MatchString(fresh) || fresh == made {
		t.Errorf("missing id: got %q (previous %q)", fresh, made)
	}
	lines := servertest.LogLines(t, buf, "request")
	if len(lines) != 3 {
		t.Fatalf("want 3 access log lines, got %d: %s", len(lines), buf.String())
	}
	wantIDs := []string{"proxy-4711.a", made, fresh}
	wantRoutes := []string{"/api/v1/stats", "/api/v1/stats", "unmatched"}
	wantStatus := []float64{200, 200, 404}
	for i, l := range lines {
		if l["request_id"] != wantIDs[i] || l["route"] != wantRoutes[i] || l["status"] != wantStatus[i] || l["method"] != "GET" {
			t.Errorf("log line %d = %v, want id %s route %s status %v", i, l, wantIDs[i], wantRoutes[i], wantStatus[i])
		}
	}
	if strings.Contains(buf.String(), "injected") {
		t.Error("the rejected request id reached the log")
	}
}

// TestLogsNeverContainSecrets sends passwords, tokens, session ids and
// cookies every way a client can, and logs them the ways code might; none
// may reach the output.
func TestLogsNeverContainSecrets(t *testing.T) {
	app, buf := servertest.NewOpsApp(t, server.Ops{})
	secrets := []string{"S3cr3tPasswort", "tok_9f8e7d6c5b4a", "sess-0123456789abcdef", "cookieval-ABCDEF", "BearerCred-XYZ123", "basicCred-QWERTZ"}
	reqs := []*http.Request{
		httptest.NewRequest(http.MethodGet, "/?token=tok_9f8e7d6c5b4a&password=S3cr3tPasswort&q=Wohngeld", nil),
		httptest.NewRequest(http.MethodGet, "/api/v1/stats?access_token=tok_9f8e7d6c5b4a&session=sess-0123456789abcdef", nil),
		httptest.NewRequest(http.MethodPost, "/api/v1/stats", strings.NewReader(`{"password":"S3cr3tPasswort","token":"tok_9f8e7d6c5b4a"}`)),
		httptest.NewRequest(http.MethodPost, "/anmelden", strings.NewReader("email=a%40b.de&password=S3cr3tPasswort&csrf=tok_9f8e7d6c5b4a")),
		httptest.NewRequest(http.MethodGet, "/gibt-es-nicht?passwort=S3cr3tPasswort", nil),
	}
	reqs[3].Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, req := range reqs {
		req.Header.Set("Authorization", "Bearer BearerCred-XYZ123")
		req.Header.Set("Cookie", "efa_session=sess-0123456789abcdef; other=cookieval-ABCDEF")
		req.Header.Set("Proxy-Authorization", "Basic basicCred-QWERTZ")
		req.Header.Set("User-Agent", "test-agent")
		servertest.Serve(app, req)
	}
	// Code that logs carelessly is caught by the redacting handler too.
	log := slog.New(server.RedactingHandler(slog.NewJSONHandler(buf, nil)))
	log.Info("login failed", "email", "a@b.de", "password", "S3cr3tPasswort")
	log.Error("upstream", "err", errors.New("401 for Authorization: Bearer BearerCred-XYZ123"))
	log.Warn("headers seen", "header", http.Header{"Cookie": {"other=cookieval-ABCDEF"}, "Set-Cookie": {"efa_session=sess-0123456789abcdef"}, "Accept": {"text/html"}})
	log.With("api_token", "tok_9f8e7d6c5b4a").Info("token used", slog.Group("user", "sessionID", "sess-0123456789abcdef", "name", "Erika"))
	log.Info("form posted: password=S3cr3tPasswort&email=a@b.de")

	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("log output contains the secret %q:\n%s", s, out)
		}
	}
	// The redaction must not swallow everything: the harmless parts stay.
	for _, keep := range []string{`"query":"password=[REDACTED]&q=Wohngeld&token=[REDACTED]"`, `"email":"a@b.de"`, `"name":"Erika"`, `"Accept":["text/html"]`, "login failed", `"user_agent":"test-agent"`} {
		if !strings.Contains(out, keep) {
			t.Errorf("log output lacks %s:\n%s", keep, out)
		}
	}
	if n := len(servertest.LogLines(t, buf, "request")); n != len(reqs) {
		t.Errorf("%d access log lines for %d requests", n, len(reqs))
	}
}

func TestClientAddr(t *testing.T) {
	proxies, err := server.ParseTrustedProxies("10.0.0.0/8, 192.168.1.7 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"no proxy", "203.0.113.5:4000", "", "203.0.113.5"},
		{"untrusted peer cannot claim an address", "203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},
		{"trusted proxy passes the client", "10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"client-sent prefix is ignored", "10.1.2.3:4000", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:4000", "198.51.100.1, 192.168.1.7, 10.9.9.9", "198.51.100.1"},
		{"garbage ends the chain", "10.1.2.3:4000", "198.51.100.1, nonsense", "10.1.2.3"},
		{"only proxies", "10.1.2.3:4000", "10.2.2.2", "10.2.2.2"},
		{"ipv6 proxy", "[fd00::1]:4000", "2001:db8::7", "2001:db8::7"},
		{"mapped ipv4 peer", "[::ffff:203.0.113.9]:4000", "198.51.100.1", "203.0.113.9"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := server.ClientAddr(req, proxies).String(); got != tc.want {
			t.Errorf("%s: ClientAddr = %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "10.0.0.1/8/8"} {
		if _, err := server.ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}

func TestRateLimitByRealClientAddress(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{RateLimit: 0.001, RateBurst: 2, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	get := func(remote, xff, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		return servertest.Serve(app, req)
	}
	// An untrusted client rotating X-Forwarded-For is still one client.
	codes := []int{}
	for _, xff := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"} {
		codes = append(codes, get("203.0.113.5:1000", xff, "/api/v1/stats").Code)
	}
	if want := []int{200, 200, 429, 429}; !equalInts(codes, want) {
		t.Errorf("untrusted peer with rotating X-Forwarded-For: %v, want %v", codes, want)
	}
	rec := get("203.0.113.5:1000", "", "/api/v1/stats")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(rec.Body.String(), "Zu viele Anfragen") {
		t.Errorf("429 answer: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
	// Probes stay answered for the limited client.
	if code := get("203.0.113.5:1000", "", "/healthz").Code; code != 200 {
		t.Errorf("/healthz of a limited client = %d", code)
	}
	// Behind the trusted proxy, clients are told apart by X-Forwarded-For.
	codes = codes[:0]
	for _, xff := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2", "7.7.7.7, 198.51.100.2", "198.51.100.2"} {
		codes = append(codes, get("10.0.0.1:2000", xff, "/api/v1/stats").Code)
	}
	if want := []int{200, 200, 429, 200, 200, 429}; !equalInts(codes, want) {
		t.Errorf("behind trusted proxy: %v, want %v", codes, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOverloadIsAnswered503(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{MaxInFlight: 2})
	entered := make(chan struct{})
	release := make(chan struct{})
	app.GET("/test/langsam", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.String(http.StatusOK, "fertig")
	})
	var wg sync.WaitGroup
	slow := make([]int, 2)
	for i := range slow {
		wg.Go(func() {
			slow[i] = servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/test/langsam", nil)).Code
		})
		<-entered
	}
	rec := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" ||
		!strings.Contains(rec.Body.String(), "nicht verfügbar") {
		t.Errorf("request over the limit: %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
	if code := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/readyz", nil)).Code; code != http.StatusOK {
		t.Errorf("/readyz under overload = %d", code)
	}
	close(release)
	wg.Wait()
	if slow[0] != 200 || slow[1] != 200 {
		t.Errorf("in-flight requests = %v", slow)
	}
	if code := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)).Code; code != http.StatusOK {
		t.Errorf("after the load: %d", code)
	}
	metrics := servertest.Serve(app, servertest.Local(httptest.NewRequest(http.MethodGet, "/metrics", nil))).Body.String()
	if !strings.Contains(metrics, `efa_http_rejected_total{reason="overload"} 1`) {
		t.Errorf("overload not counted:\n%s", servertest.GrepLines(metrics, "efa_http_rejected"))
	}
}

// chunked is a body of unknown length, as a chunked upload has.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestBodyLimitIsEnforcedWhileReading(t *testing.T) {
	app, _ := servertest.NewOpsApp(t, server.Ops{MaxBodyBytes: 1024})
	app.POST("/api/v1/test/echo", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	app.POST("/api/v1/test/json", func(c echo.Context) error {
		var v map[string]any
		if err := c.Bind(&v); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
	post := func(target string, body io.Reader, length int64) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, body)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = length
		return servertest.Serve(app, req)
	}
	small := `{"a":"` + strings.Repeat("x", 900) + `"}`
	big := `{"a":"` + strings.Repeat("x", 5000) + `"}`
	if rec := post("/api/v1/test/echo", strings.NewReader(small), int64(len(small))); rec.Code != 200 || rec.Body.String() != small {
		t.Errorf("small body: %d", rec.Code)
	}
	if rec := post("/api/v1/test/json", strings.NewReader(small), -1); rec.Code != 200 {
		t.Errorf("small chunked JSON: %d %s", rec.Code, rec.Body.String())
	}
	cases := []struct {
		name, target string
		length       int64
	}{
		{"declared length", "/api/v1/test/echo", int64(len(big))},
		{"chunked read", "/api/v1/test/echo", -1},
		{"chunked JSON bind", "/api/v1/test/json", -1},
	}
	for _, tc := range cases {
		rec := post(tc.target, chunked{strings.NewReader(big)}, tc.length)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d, want 413", tc.name, rec.Code)
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["detail"] != "Die Anfrage ist zu groß." ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: 413 body %q (%v)", tc.name, rec.Body.String(), rec.Header().Get("Content-Type"))
		}
	}
	// In English for an English reader.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/test/echo", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	rec := servertest.Serve(app, req)
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["detail"] != "The request is too large." {
		t.Errorf("English 413 body %q", rec.Body.String())
	}
}

func TestFailedRequestLogCarriesRequestID(t *testing.T) {
	app, buf := servertest.NewOpsApp(t, server.Ops{})
	app.GET("/test/kaputt", func(c echo.Context) error {
		return errors.New("database gone while checking password=Geheim123")
	})
	rec := servertest.Serve(app, httptest.NewRequest(http.MethodGet, "/test/kaputt", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "database gone") {
		t.Fatalf("internal error answered %d %q", rec.Code, rec.Body.String())
	}
	id := rec.Header().Get("X-Request-ID")
	failed := servertest.LogLines(t, buf, "request failed")
	if len(failed) != 1 || failed[0]["request_id"] != id || failed[0]["level"] != "ERROR" {
		t.Fatalf("error log lines %v, want one with request_id %s", failed, id)
	}
	if err, _ := failed[0]["err"].(string); !strings.Contains(err, "database gone") || strings.Contains(err, "Geheim123") {
		t.Errorf("logged error %q: want the cause without the password", err)
	}
	if access := servertest.LogLines(t, buf, "request"); len(access) != 1 || access[0]["status"] != float64(500) || access[0]["request_id"] != id {
		t.Errorf("access log %v", access)
	}
}
