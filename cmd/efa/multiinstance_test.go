package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"efa-register/bench/harness"
	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// envAsProgram makes the test binary behave as the efa program (see
// TestMain): the multi-instance test starts it twice as "efa serve", in
// processes of their own. Only a test binary has this switch, and only a
// test binary lets the network guard reach a local webhook receiver.
const envAsProgram = "EFA_TEST_AS_PROGRAM"

func TestMain(m *testing.M) {
	if os.Getenv(envAsProgram) == "1" {
		webhookGuard.LoopbackInTests = true
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// propagationLimit is how soon a write through one instance must be visible
// through the other (issue 18).
const propagationLimit = 2 * time.Second

// TestTwoInstancesOnOnePostgresDatabase starts two efa serve processes with
// data folders of their own on one new PostgreSQL database (they migrate and
// seed it once between them) and checks what makes them one register: a
// write on A through the web form and through the API is found through B's
// search and B's change feed within 2 s; a login on A is valid on B, and a
// logout on B ends it on A; a webhook receiver gets each change once
// although both instances dispatch.
func TestTwoInstancesOnOnePostgresDatabase(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skipf("needs PostgreSQL: set %s", storetest.EnvDatabaseURL)
	}
	if testing.Short() {
		t.Skip("starts two servers")
	}
	ctx := context.Background()
	dbURL := storetest.EmptyURL(t)
	env := []string{envAsProgram + "=1", "EFA_DATABASE_URL=" + dbURL, "EFA_COOKIE_SECURE=false", "EFA_RATE_LIMIT=0"}

	// Both start at once on the empty database: one migrates and seeds, the other waits for the locks.
	servers := make([]*harness.Server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		dir := t.TempDir()
		wg.Go(func() {
			s, err := harness.Start(ctx, os.Args[0], dir, env...)
			if err != nil {
				t.Errorf("start instance %d: %v", i, err)
				return
			}
			servers[i] = s
		})
	}
	wg.Wait()
	for _, s := range servers {
		if s != nil {
			t.Cleanup(func() {
				if err := s.Stop(20 * time.Second); err != nil {
					t.Errorf("stop: %v", err)
				}
			})
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	a, b := servers[0], servers[1]
	st := storetest.Open(t, dbURL)
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.States != 16 || stats.Solutions != 50 || stats.Adoptions != 70 {
		t.Fatalf("after two starts the register holds %+v, want the seed once", stats)
	}

	// An admin who also edits for Gemeinde A, with an API token of the Gemeinde.
	const email, password = "betrieb@example.de", "ein-sehr-langes-passwort"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Betrieb", Email: email, PasswordHash: hash, Admin: true,
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: "010010000000", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := st.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret, tokenHash, _ := auth.NewSecret("efa_")
	if _, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: full.Memberships[0].OrganisationID, UserID: u.ID,
		Name: "Test", Hash: tokenHash, Prefix: secret[:10], ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// A login on A.
	browser := &webClient{t: t, cookies: map[string]*http.Cookie{}}
	csrf := browser.csrf(a.Base + "/anmelden")
	if res := browser.post(a.Base+"/anmelden", url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login on A = %d", res.StatusCode)
	}

	// A write through A's web form ...
	cursor, _ := st.LastEventSeq(ctx)
	name := "Mehrinstanzprobe Hundesteuer"
	csrf = browser.csrf(a.Base + "/loesungen/neu")
	res := browser.post(a.Base+"/loesungen/neu", url.Values{"name": {name}, "provider": {"land:01"}, "status": {"pilot"},
		"ozg": {"10092"}, "aktion": {"speichern"}, "_csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/loesungen/") {
		t.Fatalf("new solution on A = %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	slug := strings.TrimPrefix(res.Header.Get("Location"), "/loesungen/")
	written := time.Now()
	// ... is found through B's search and B's change feed.
	waitFor(t, "the web form's solution in B's search", written, func() bool {
		return searchFinds(t, b.Base+"/api/v1/search?q="+url.QueryEscape(name), slug)
	})
	waitFor(t, "the web form's solution in B's change feed", written, func() bool {
		return changesInclude(t, b.Base, cursor, "solution", slug)
	})

	// A write through A's API (Gemeinde A in Schleswig-Holstein adopts it) ...
	cursor, _ = st.LastEventSeq(ctx)
	id := postAdoption(t, a.Base, secret, slug, "010010000000")
	written = time.Now()
	// ... is found through B's search (adopted in Land 01) and B's change feed.
	waitFor(t, "the API's adoption in B's search", written, func() bool {
		return searchFinds(t, b.Base+"/api/v1/search?q="+url.QueryEscape(name)+"&adoptedIn=01", slug)
	})
	waitFor(t, "the API's adoption in B's change feed", written, func() bool {
		return changesInclude(t, b.Base, cursor, "adoption", id)
	})

	// The session of the login on A is valid on B; a logout on B ends it on A.
	if res := browser.get(b.Base + "/konto"); res.StatusCode != http.StatusOK {
		t.Fatalf("A's session on B: /konto = %d", res.StatusCode)
	}
	csrf = browser.csrf(b.Base + "/konto")
	if res := browser.post(b.Base+"/abmelden", url.Values{"_csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on B = %d", res.StatusCode)
	}
	if res := browser.get(a.Base + "/konto"); res.StatusCode == http.StatusOK {
		t.Fatal("after the logout on B the session still opens /konto on A")
	}

	// A webhook receiver counts what both instances' dispatchers deliver.
	rv := &countingReceiver{seen: map[string]int{}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	webhookGuard.LoopbackInTests = true
	defer func() { webhookGuard.LoopbackInTests = false }()
	getenv := func(k string) string {
		if k == "EFA_DATABASE_URL" {
			return dbURL
		}
		if k == "EFA_DATA_DIR" {
			return t.TempDir()
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"webhook", "add", "--url", srv.URL + "/hook", "--secret", "ein-geheimnis-fuer-den-test-0123"}, getenv, &out, &out); err != nil {
		t.Fatalf("webhook add: %v\n%s", err, out.String())
	}
	// Gemeinde A adopts six more solutions, through A and B in turn.
	adopted := map[string]bool{slug: true}
	mine, err := st.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, "010010000000")
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range mine {
		adopted[ad.Solution.Slug] = true
	}
	all, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sol := range all {
		if adopted[sol.Slug] || len(ids) == 6 {
			continue
		}
		base := a.Base
		if len(ids)%2 == 1 {
			base = b.Base
		}
		ids = append(ids, postAdoption(t, base, secret, sol.Slug, "010010000000"))
	}
	deadline := time.Now().Add(30 * time.Second)
	for rv.count() < len(ids) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Both dispatchers look every 2 s: give a second delivery the time to happen.
	time.Sleep(5 * time.Second)
	seen := rv.snapshot()
	for _, id := range ids {
		if n := seen["adoption "+id]; n != 1 {
			t.Errorf("adoption %s delivered %d times, want once", id, n)
		}
	}
}

// waitFor polls ok until it holds, failing the test when it does not hold
// within propagationLimit of since; it logs how long it took.
func waitFor(t *testing.T, what string, since time.Time, ok func() bool) {
	t.Helper()
	for !ok() {
		if time.Since(since) > propagationLimit {
			t.Fatalf("%s: not there %v after the write", what, propagationLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%s after %v", what, time.Since(since).Round(time.Millisecond))
}

func searchFinds(t *testing.T, target, slug string) bool {
	var res struct {
		Hits []struct{ Type, ID string } `json:"hits"`
	}
	if code := getJSON(t, target, &res); code != http.StatusOK {
		t.Fatalf("GET %s = %d", target, code)
	}
	for _, h := range res.Hits {
		if h.ID == slug {
			return true
		}
	}
	return false
}

func changesInclude(t *testing.T, base string, after uint64, entity, id string) bool {
	var page struct {
		Changes []struct{ Entity, ID string } `json:"changes"`
	}
	if code := getJSON(t, base+"/api/v1/changes?after="+feed.Cursor(after), &page); code != http.StatusOK {
		t.Fatalf("GET changes = %d", code)
	}
	for _, c := range page.Changes {
		if c.Entity == entity && c.ID == id {
			return true
		}
	}
	return false
}

// postAdoption registers an adoption through the API and returns its id.
func postAdoption(t *testing.T, base, token, slug, ars string) string {
	t.Helper()
	body := fmt.Sprintf(`{"solution":%q,"adopterKind":"gemeinde","adopterKey":%q,"status":"interested"}`, slug, ars)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/adoptions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST adoption of %s by %s = %d: %s", slug, ars, res.StatusCode, raw)
	}
	var a struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || a.ID == "" {
		t.Fatalf("adoption answer %s: %v", raw, err)
	}
	return a.ID.String()
}

// webClient is a browser without JavaScript: it keeps cookies by name (for
// every instance: they all serve 127.0.0.1) and follows no redirects.
type webClient struct {
	t       *testing.T
	cookies map[string]*http.Cookie
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (w *webClient) do(req *http.Request) *http.Response {
	w.t.Helper()
	for _, c := range w.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(w.cookies, c.Name)
		} else {
			w.cookies[c.Name] = c
		}
	}
	return res
}

func (w *webClient) get(target string) *http.Response {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	res := w.do(req)
	res.Body.Close()
	return res
}

// csrf loads a page and returns the form token in it.
func (w *webClient) csrf(target string) string {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	res := w.do(req)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := csrfField.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		w.t.Fatalf("GET %s = %d without a form token", target, res.StatusCode)
	}
	return string(m[1])
}

func (w *webClient) post(target string, form url.Values) *http.Response {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := w.do(req)
	res.Body.Close()
	return res
}

// countingReceiver counts how often each change record arrives.
type countingReceiver struct {
	mu   sync.Mutex
	seen map[string]int
}

func (rv *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var page struct {
		Changes []struct{ Entity, ID string } `json:"changes"`
	}
	_ = json.NewDecoder(r.Body).Decode(&page)
	rv.mu.Lock()
	for _, c := range page.Changes {
		rv.seen[c.Entity+" "+c.ID]++
	}
	rv.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (rv *countingReceiver) count() int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	n := 0
	for k := range rv.seen {
		if strings.HasPrefix(k, "adoption ") {
			n++
		}
	}
	return n
}

func (rv *countingReceiver) snapshot() map[string]int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	out := map[string]int{}
	for k, v := range rv.seen {
		out[k] = v
	}
	return out
}
