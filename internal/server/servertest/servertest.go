// Package servertest gives the tests of internal/server, internal/api and
// internal/web the real router over a real seeded SQLite database: an
// environment with one account per role and browser-like clients that
// keep cookies (Env, Client), a seeded router shared by the read-only tests
// with its search index and insights (Shared), and helpers to request and
// parse pages and read the JSON logs.
package servertest

import (
	"bytes"
	"context"
	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/insights"
	"efa-register/internal/mail"
	"efa-register/internal/mail/mailtest"
	"efa-register/internal/publiccode"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"encoding/json"
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
)

// Test accounts and Gemeinden of the environment.
const (
	TestPassword = "ein-sehr-langes-passwort"
	GemeindeA    = "010010000000" // Flensburg (SH), runs Wohngeld live in the seed
	GemeindeB    = "010020000000" // Kiel (SH)
)

var (
	hashOnce sync.Once
	pwHash   string
)

// PasswordHash hashes the test password once per test binary.
func PasswordHash(t testing.TB) string {
	hashOnce.Do(func() {
		var err error
		if pwHash, err = auth.HashPassword(TestPassword); err != nil {
			t.Fatal(err)
		}
	})
	return pwHash
}

// Roles are the principals of the access matrix, by name.
var Roles = []string{"anonym", "redaktion-a", "redaktion-b", "anbieter", "koordination-sh", "koordination-nw", "admin"}

// Env is the real router over a seeded database with one user per role.
type Env struct {
	App   *echo.Echo
	Store *store.Store
	// Mail and SMTP are set by NewEnvWithMail: the register's mailer and
	// the real SMTP server inside the test that receives its messages.
	Mail *mail.Mailer
	SMTP *mailtest.Server
}

// NewEnv builds the environment without a search index.
func NewEnv(t testing.TB, cfg server.AuthConfig) *Env { return NewEnvWith(t, cfg, false) }

// NewEnvWithMail builds the environment (without a search index) with
// e-mail: a real SMTP server runs inside the test, and the register sends
// to it (EFA_SMTP_URL). Call env.FlushMail before looking at env.SMTP.
func NewEnvWithMail(t testing.TB, cfg server.AuthConfig) *Env {
	t.Helper()
	srv := mailtest.Start(t)
	mcfg, err := mail.ParseURL(srv.URL("register@efa.example"))
	if err != nil {
		t.Fatal(err)
	}
	m := mail.New(mcfg, mail.Options{Log: TestLog, Retries: []time.Duration{10 * time.Millisecond}})
	t.Cleanup(func() { m.Close(context.Background()) })
	env := newEnv(t, cfg, false, func(d *server.Deps) { d.Mail = m; d.PublicURL = "https://efa.example" })
	env.Mail, env.SMTP = m, srv
	return env
}

// FlushMail waits until the register has handed every queued e-mail to
// the SMTP server.
func (e *Env) FlushMail(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Mail.Flush(ctx); err != nil {
		t.Fatalf("mail not delivered: %v", err)
	}
}

// NewEnvWithDeps builds the environment with a search index and insights,
// and with whatever with sets in the server's dependencies.
func NewEnvWithDeps(t testing.TB, with func(*server.Deps)) *Env {
	t.Helper()
	return newEnv(t, server.AuthConfig{}, true, with)
}

// NewEnvWith builds the environment, with its own search index and insights when withSearch is set.
func NewEnvWith(t testing.TB, cfg server.AuthConfig, withSearch bool) *Env {
	t.Helper()
	return newEnv(t, cfg, withSearch, nil)
}

func newEnv(t testing.TB, cfg server.AuthConfig, withSearch bool, with func(*server.Deps)) *Env {
	t.Helper()
	st := storetest.Seeded(t)
	ctx := context.Background()
	h := PasswordHash(t)
	users := map[string]store.NewUser{
		"redaktion-a":     {Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: GemeindeA, Role: catalog.RoleEditor}}},
		"redaktion-b":     {Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: GemeindeB, Role: catalog.RoleEditor}}},
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
	deps := server.Deps{Store: st, Version: "test", Auth: cfg, Log: TestLog}
	if withSearch {
		ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		deps.Search = ix
		// The browser tests look at every page, the insight pages included.
		if deps.Insights, err = insights.Open(ctx, st, insights.DefaultSavingsConfig, nil); err != nil {
			t.Fatal(err)
		}
	}
	if with != nil {
		with(&deps)
	}
	return &Env{App: server.New(deps), Store: st}
}

// Client is a browser-like Client: it keeps cookies and sends the fetch
// metadata a same-origin form submission carries.
type Client struct {
	T       *testing.T
	H       http.Handler
	Cookies map[string]*http.Cookie
	Header  map[string]string
	// Remote is the client address (host:port) the server sees.
	Remote string
}

// Client returns an anonymous client of the environment.
func (e *Env) Client(t *testing.T) *Client {
	return &Client{T: t, H: e.App, Cookies: map[string]*http.Cookie{}, Header: map[string]string{}}
}

// Do sends a request (a form when form is set) with the client's cookies and keeps the cookies of the answer.
func (c *Client) Do(method, target string, form url.Values, header map[string]string) *httptest.ResponseRecorder {
	c.T.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	if c.Remote != "" {
		req.RemoteAddr = c.Remote
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", "http://example.com")
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, ck := range c.Cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.H.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck
		}
	}
	return rec
}

// Login logs the client in with the test password.
func (c *Client) Login(email string) {
	c.T.Helper()
	rec := c.Do(http.MethodPost, "/anmelden", url.Values{"email": {email}, "password": {TestPassword}}, nil)
	if rec.Code != http.StatusSeeOther {
		c.T.Fatalf("login %s = %d: %s", email, rec.Code, rec.Body.String())
	}
}

// As returns a client logged in as role ("anonym" stays anonymous).
func (e *Env) As(t *testing.T, role string) *Client {
	c := e.Client(t)
	if role != "anonym" {
		c.Login(role + "@example.de")
	}
	return c
}

// AdoptionOf returns the id of the adoption of slug by the Gemeinde with
// ARS, registering it (live, as the seed has it) when an earlier step deleted it.
func (e *Env) AdoptionOf(t *testing.T, slug, ars string) uint {
	t.Helper()
	ctx := context.Background()
	list, err := e.Store.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, ars)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Solution.Slug == slug {
			return a.ID
		}
	}
	a, err := e.Store.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: slug, AdopterKind: catalog.KindGemeinde,
		AdopterKey: ars, Adoption: catalog.Adoption{Status: catalog.AdoptionLive}})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// Token creates an API Token for the first organisation of the role's user.
func (e *Env) Token(t testing.TB, role string) string {
	t.Helper()
	ctx := context.Background()
	u, err := e.Store.UserByEmail(ctx, role+"@example.de")
	if err != nil {
		t.Fatal(err)
	}
	full, _ := e.Store.UserByID(ctx, u.ID)
	if len(full.Memberships) == 0 {
		return ""
	}
	secret, hash, _ := auth.NewSecret("efa_")
	if _, err := e.Store.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: full.Memberships[0].OrganisationID, UserID: u.ID,
		Name: "Test", Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// UploadCSV posts a CSV file to the bulk import as a multipart form.
func (c *Client) UploadCSV(csvText string, allOrNothing bool) *httptest.ResponseRecorder {
	c.T.Helper()
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
	for _, ck := range c.Cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.H.ServeHTTP(rec, req)
	return rec
}

// TestLog logs errors only, to stderr.
var TestLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// User returns the account of a role of the test environment, with memberships.
func (e *Env) User(t testing.TB, role string) catalog.User {
	t.Helper()
	ctx := context.Background()
	u, err := e.Store.UserByEmail(ctx, role+"@example.de")
	if err != nil {
		t.Fatalf("user %s: %v", role, err)
	}
	full, err := e.Store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

// AddUser creates one more account (without a password login unless hash is set).
func (e *Env) AddUser(t testing.TB, key, name string, ms ...store.NewMembership) catalog.User {
	t.Helper()
	_, err := e.Store.CreateUser(context.Background(), "test", store.NewUser{Name: name, Email: key + "@example.de",
		PasswordHash: PasswordHash(t), Memberships: ms})
	if err != nil {
		t.Fatal(err)
	}
	return e.User(t, key)
}

// EditorOf is the editor role of a Gemeinde.
func EditorOf(ars string) store.NewMembership {
	return store.NewMembership{Kind: catalog.KindGemeinde, Key: ars, Role: catalog.RoleEditor}
}

// UploadPubliccode posts a file (and form fields) to the publiccode.yml import.
func (c *Client) UploadPubliccode(name string, content []byte, fields map[string]string) *httptest.ResponseRecorder {
	c.T.Helper()
	return c.Upload("/loesungen/import", name, content, fields)
}

// Upload posts a multipart form with the file content (as "datei", left out
// when nil) and the fields to target.
func (c *Client) Upload(target, name string, content []byte, fields map[string]string) *httptest.ResponseRecorder {
	c.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if content != nil {
		fw, _ := mw.CreateFormFile("datei", name)
		fw.Write(content)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	req := httptest.NewRequest("POST", target, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, ck := range c.Cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.H.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		c.Cookies[ck.Name] = ck
	}
	return rec
}

// PubliccodeFixture reads a file of internal/publiccode/testdata (from a test of a sibling package).
func PubliccodeFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "publiccode", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Doc parses an HTML answer.
func Doc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// WithSearch gives the test environment a search index, for the "Gibt es schon?" check.
func WithSearch(t *testing.T, env *Env, fetcher *publiccode.Fetcher) {
	t.Helper()
	ix, err := search.Open(context.Background(), filepath.Join(t.TempDir(), "index"), env.Store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	env.App = server.New(server.Deps{Store: env.Store, Search: ix, Version: "test", Auth: server.AuthConfig{CookieSecure: true}, Log: TestLog,
		PubliccodeFetcher: fetcher})
}

// pagesFixture is one seeded database with its search index, shared by the
// read-only page tests and the browser tests: building the index once keeps
// the package fast. Tests that write open their own store.
var pagesFixture struct {
	once sync.Once
	dir  string
	st   *store.Store
	ix   *search.Index
	app  *echo.Echo
	err  error
}

// fixtureTB gives storetest a folder that outlives the first test.
type fixtureTB struct {
	testing.TB
	dir string
}

func (f *fixtureTB) TempDir() string { return f.dir }

// Shared returns the real router over the shared seeded database and index.
func Shared(t testing.TB) (*echo.Echo, *store.Store) {
	t.Helper()
	f := &pagesFixture
	f.once.Do(func() {
		if f.dir, f.err = os.MkdirTemp("", "efa-web-pages-"); f.err != nil {
			return
		}
		path := storetest.Path(&fixtureTB{TB: t, dir: f.dir})
		if f.st, f.err = store.Open(context.Background(), path, nil); f.err != nil {
			return
		}
		if f.ix, f.err = search.Open(context.Background(), filepath.Join(f.dir, "index"), f.st, nil); f.err != nil {
			return
		}
		var eng *insights.Engine
		if eng, f.err = insights.Open(context.Background(), f.st, insights.DefaultSavingsConfig, nil); f.err != nil {
			return
		}
		f.app = server.New(server.Deps{Store: f.st, Search: f.ix, Insights: eng, Version: "test"})
	})
	if f.err != nil {
		t.Fatalf("shared pages fixture: %v", f.err)
	}
	return f.app, f.st
}

// GetDoc requests target and parses the answer; it fails the test unless
// the status is want.
func GetDoc(t *testing.T, h http.Handler, target string, want int, header ...string) (*goquery.Document, *httptest.ResponseRecorder) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("GET %s = %d, want %d; body starts %.300q", target, rec.Code, want, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("GET %s: parse: %v", target, err)
	}
	return doc, rec
}

// Text returns the whitespace-normalised Text of a selection.
func Text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// Texts returns the normalised Texts of each element of a selection.
func Texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, Text(e)) })
	return out
}

// TID selects elements by data-testid.
func TID(id string) string { return `[data-testid="` + id + `"]` }

// NewApp returns the real router over a freshly seeded SQLite file.
func NewApp(t *testing.T) *echo.Echo {
	t.Helper()
	return server.New(server.Deps{Store: storetest.Seeded(t), Version: "test"})
}

// Do sends a request without cookies.
func Do(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// NewOpsApp returns the real router with the given operational settings and
// a logger that writes JSON at debug level into the returned buffer.
func NewOpsApp(t *testing.T, ops server.Ops) (*echo.Echo, *SyncBuffer) {
	t.Helper()
	buf := &SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return server.New(server.Deps{Store: storetest.Seeded(t), Log: log, Version: "test", Ops: ops}), buf
}

// SyncBuffer is a bytes.Buffer safe for the concurrent requests of a test.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// LogLines decodes the JSON log lines with the given message.
// LogLines decodes the JSON log lines with the given message.
func LogLines(t *testing.T, buf *SyncBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// Serve answers req with h.
func Serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// GrepLines returns the lines of s that contain sub.
func GrepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// SharedIndex returns the search index of the shared router.
func SharedIndex(t testing.TB) *search.Index {
	Shared(t)
	return pagesFixture.ix
}

// CloseShared closes the shared router's database and index; call it from
// TestMain after the tests ran.
func CloseShared() {
	f := &pagesFixture
	if f.ix != nil {
		f.ix.Close()
	}
	if f.st != nil {
		f.st.Close()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

// Local makes r come from a loopback address, as a scraper on the same host.
func Local(r *http.Request) *http.Request {
	r.RemoteAddr = "127.0.0.1:40000"
	return r
}

// SessionCookie is the name of the session cookie in the test environment (secure cookies carry the __Host- prefix).
const SessionCookie = "__Host-efa_session"
