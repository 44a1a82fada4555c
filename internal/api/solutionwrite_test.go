package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// problemDoc is the problem+json answer with the pointers of invalid fields.
type problemDoc struct {
	Status  int               `json:"status"`
	Detail  string            `json:"detail"`
	Errors  map[string]string `json:"errors"`
	Invalid []struct {
		Pointer string `json:"pointer"`
		Detail  string `json:"detail"`
	} `json:"invalid"`
}

func (p problemDoc) pointers() map[string]string {
	out := map[string]string{}
	for _, f := range p.Invalid {
		out[f.Pointer] = f.Detail
	}
	return out
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) problemDoc {
	t.Helper()
	var p problemDoc
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("answer %d is %q, want problem+json: %s", rec.Code, ct, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// sendAs makes a request with a body of content type ct and header pairs.
func (a *apiClient) sendAs(method, target, ct, body string, header ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// solutionEvents returns the events of one solution after seq.
func solutionEvents(t *testing.T, st *store.Store, after uint64, slug string) []catalog.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []catalog.Event
	for _, ev := range evs {
		if ev.EntityType == catalog.EntitySolution && ev.EntityID == slug {
			out = append(out, ev)
		}
	}
	return out
}

// expectOneEvent checks that exactly one event of the solution with the
// action was written after seq and that the solution's history shows it;
// it returns the new head of the log.
func expectOneEvent(t *testing.T, st *store.Store, after uint64, slug string, action catalog.Action) uint64 {
	t.Helper()
	ctx := context.Background()
	evs := solutionEvents(t, st, after, slug)
	if len(evs) != 1 || evs[0].Action != action {
		t.Fatalf("events of %s after %d = %+v, want exactly one %s", slug, after, evs, action)
	}
	hist, _, err := st.SolutionHistory(ctx, slug, 0, 20)
	found := false
	for _, h := range hist {
		found = found || h.Seq == evs[0].Seq
	}
	if err != nil || !found {
		t.Errorf("history of %s does not show event %d: %+v %v", slug, evs[0].Seq, hist, err)
	}
	head, _ := st.LastEventSeq(ctx)
	return head
}

const newSolutionJSON = `{"slug":"abfall-digital","name":"Abfall digital","summary":"Abfallbehälter online anmelden",
	"provider":{"kind":"land","key":"01"},"ozgIds":["10092"],"status":"pilot","statusNote":"Pilot in Kiel","maturity":2,
	"contactEmail":"ozg@land-sh.example","licence":"EUPL-1.2"}`

func TestSolutionWriteLifecycle(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	cl := newClient(t, env.App)
	bearer := []string{"Authorization", "Bearer " + env.Token(t, "anbieter")}
	head, _ := env.Store.LastEventSeq(ctx)

	// Create with an Idempotency-Key, then retry: one solution, the first answer again.
	key := append([]string{"Idempotency-Key", "sync-2026-12-06-abfall"}, bearer...)
	first := cl.send(http.MethodPost, "/api/v1/solutions", newSolutionJSON, key...)
	if first.Code != http.StatusCreated || first.Header().Get("Location") != "/api/v1/solutions/abfall-digital" || first.Header().Get("ETag") == "" {
		t.Fatalf("create = %d %v: %s", first.Code, first.Header(), first.Body.String())
	}
	head = expectOneEvent(t, env.Store, head, "abfall-digital", catalog.ActionCreate)
	retry := cl.send(http.MethodPost, "/api/v1/solutions", newSolutionJSON, key...)
	if retry.Code != http.StatusCreated || retry.Body.String() != first.Body.String() || retry.Header().Get("Idempotent-Replayed") != "true" ||
		retry.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Errorf("retry = %d %v: %s", retry.Code, retry.Header(), retry.Body.String())
	}
	if evs := solutionEvents(t, env.Store, head, "abfall-digital"); len(evs) != 0 {
		t.Errorf("the retry wrote %d events", len(evs))
	}
	other := cl.send(http.MethodPost, "/api/v1/solutions", strings.Replace(newSolutionJSON, "Abfall digital", "Abfall online", 1), key...)
	if other.Code != http.StatusUnprocessableEntity || !strings.Contains(decodeProblem(t, other).Detail, "Idempotency-Key") {
		t.Errorf("same key, other body = %d: %s", other.Code, other.Body.String())
	}
	// Without the key a second create of the slug is a 422 naming /slug.
	if rec := cl.send(http.MethodPost, "/api/v1/solutions", newSolutionJSON, bearer...); rec.Code != http.StatusUnprocessableEntity ||
		decodeProblem(t, rec).pointers()["/slug"] == "" {
		t.Errorf("duplicate create = %d: %s", rec.Code, rec.Body.String())
	}

	// The ETag of the write is the one GET gives.
	var doc map[string]any
	get := cl.json("/api/v1/solutions/abfall-digital", http.StatusOK, &doc)
	etag := get.Header().Get("ETag")
	if etag != first.Header().Get("ETag") {
		t.Errorf("GET ETag %s, create ETag %s", etag, first.Header().Get("ETag"))
	}
	if doc["verified"] != "teilweise" || doc["source"] == "" {
		t.Errorf("editorial fields of an API create: verified=%v source=%v", doc["verified"], doc["source"])
	}

	// PUT: the document as read, changed, with If-Match.
	doc["summary"] = "Abfallbehälter an- und abmelden"
	doc["verified"] = "ja" // kept by the register: ignored
	body, _ := json.Marshal(doc)
	noIfMatch := append([]string{"X-Test-Bad-Request", "1"}, bearer...)
	if rec := cl.send(http.MethodPut, "/api/v1/solutions/abfall-digital", string(body), noIfMatch...); rec.Code != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match = %d, want 428", rec.Code)
	}
	if rec := cl.send(http.MethodPut, "/api/v1/solutions/abfall-digital", string(body), append([]string{"If-Match", `"0123456789abcdef01234567"`}, bearer...)...); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale If-Match = %d, want 412", rec.Code)
	}
	if evs := solutionEvents(t, env.Store, head, "abfall-digital"); len(evs) != 0 {
		t.Fatalf("refused writes wrote events: %+v", evs)
	}
	put := cl.send(http.MethodPut, "/api/v1/solutions/abfall-digital", string(body), append([]string{"If-Match", etag}, bearer...)...)
	if put.Code != http.StatusOK || put.Header().Get("ETag") == etag {
		t.Fatalf("PUT = %d %s: %s", put.Code, put.Header().Get("ETag"), put.Body.String())
	}
	head = expectOneEvent(t, env.Store, head, "abfall-digital", catalog.ActionUpdate)
	var afterPut map[string]any
	json.Unmarshal(put.Body.Bytes(), &afterPut)
	if afterPut["summary"] != "Abfallbehälter an- und abmelden" || afterPut["verified"] != "teilweise" {
		t.Errorf("after PUT: summary=%v verified=%v", afterPut["summary"], afterPut["verified"])
	}
	// The old ETag is stale now.
	if rec := cl.send(http.MethodPut, "/api/v1/solutions/abfall-digital", string(body), append([]string{"If-Match", etag}, bearer...)...); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT with the replaced ETag = %d, want 412", rec.Code)
	}
	etag = put.Header().Get("ETag")

	// PATCH: null removes, members replace, the rest stays.
	patch := `{"statusNote":null,"maturity":null,"name":"Abfall digital (SH)"}`
	pr := cl.sendAs(http.MethodPatch, "/api/v1/solutions/abfall-digital", "application/merge-patch+json", patch, append([]string{"If-Match", etag}, bearer...)...)
	if pr.Code != http.StatusOK {
		t.Fatalf("PATCH = %d: %s", pr.Code, pr.Body.String())
	}
	head = expectOneEvent(t, env.Store, head, "abfall-digital", catalog.ActionUpdate)
	sol, err := env.Store.SolutionBySlug(ctx, "abfall-digital")
	if err != nil {
		t.Fatal(err)
	}
	if sol.StatusNote != "" || sol.Maturity != nil || sol.Name != "Abfall digital (SH)" || sol.Summary != "Abfallbehälter an- und abmelden" ||
		sol.Licence != "EUPL-1.2" || sol.Provider == nil || sol.Provider.Key != "01" || len(sol.Services) != 1 {
		t.Errorf("after PATCH: %+v", sol)
	}
	etag = pr.Header().Get("ETag")
	// Objects merge: {"provider":{"key":"05"}} keeps kind "land" and asks
	// to move the solution to Nordrhein-Westfalen, which this token may not.
	if rec := cl.sendAs(http.MethodPatch, "/api/v1/solutions/abfall-digital", "application/merge-patch+json", `{"provider":{"key":"05"}}`,
		append([]string{"If-Match", etag}, bearer...)...); rec.Code != http.StatusForbidden {
		t.Errorf("PATCH moving the provider to land:05 = %d, want 403: %s", rec.Code, rec.Body.String())
	}
	// A patch that leaves the document invalid names the field.
	rec := cl.sendAs(http.MethodPatch, "/api/v1/solutions/abfall-digital", "application/merge-patch+json", `{"provider":null,"status":"läuft"}`,
		append([]string{"If-Match", etag, "X-Test-Bad-Request", "1"}, bearer...)...)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid PATCH = %d: %s", rec.Code, rec.Body.String())
	}
	if ptr := decodeProblem(t, rec).pointers(); ptr["/provider"] == "" || ptr["/status"] == "" {
		t.Errorf("invalid PATCH pointers = %v", ptr)
	}
	if evs := solutionEvents(t, env.Store, head, "abfall-digital"); len(evs) != 0 {
		t.Fatalf("refused patches wrote events: %+v", evs)
	}

	// DELETE, by the same rule, with If-Match.
	if rec := cl.send(http.MethodDelete, "/api/v1/solutions/abfall-digital", "", noIfMatch...); rec.Code != http.StatusPreconditionRequired {
		t.Errorf("DELETE without If-Match = %d, want 428", rec.Code)
	}
	if rec := cl.send(http.MethodDelete, "/api/v1/solutions/abfall-digital", "", append([]string{"If-Match", etag}, bearer...)...); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d: %s", rec.Code, rec.Body.String())
	}
	expectOneEvent(t, env.Store, head, "abfall-digital", catalog.ActionDelete)
	if rec := cl.get("/api/v1/solutions/abfall-digital"); rec.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d", rec.Code)
	}
}

func TestSolutionWriteErrorsPointToFields(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	cl := newClient(t, env.App)
	bearer := []string{"Authorization", "Bearer " + env.Token(t, "anbieter"), "X-Test-Bad-Request", "1"}
	cases := []struct {
		name, body string
		pointers   []string
	}{
		{"invalid values", `{"name":"","provider":{"kind":"land"},"status":"live","contactEmail":"kein-postfach","maturity":7,"accessUrl":"ftp://x"}`,
			[]string{"/name", "/provider/key", "/contactEmail", "/maturity", "/accessUrl"}},
		{"unknown member", `{"nmae":"Tippfehler","provider":{"kind":"land","key":"01"},"status":"live"}`, []string{"/nmae"}},
		{"wrong type", `{"name":"X","provider":{"kind":"land","key":"01"},"status":"live","maturity":"drei"}`, []string{"/maturity"}},
		{"id and key disagree", `{"name":"X","provider":{"id":"land:02","kind":"land","key":"01"},"status":"live"}`, []string{"/provider/id"}},
		{"too long", `{"name":"` + strings.Repeat("x", catalog.MaxSolutionName+1) + `","provider":{"kind":"land","key":"01"},"status":"live"}`, []string{"/name"}},
	}
	for _, c := range cases {
		rec := cl.send(http.MethodPost, "/api/v1/solutions", c.body, bearer...)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422: %s", c.name, rec.Code, rec.Body.String())
			continue
		}
		got := decodeProblem(t, rec).pointers()
		for _, p := range c.pointers {
			if got[p] == "" {
				t.Errorf("%s: no message at %s: %v", c.name, p, got)
			}
		}
	}
	if rec := cl.sendAs(http.MethodPost, "/api/v1/solutions", "text/plain", "x", bearer...); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain = %d, want 415", rec.Code)
	}
}

func TestSolutionWritePubliccode(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	cl := newClient(t, env.App)
	bearer := []string{"Authorization", "Bearer " + env.Token(t, "anbieter")}
	head, _ := env.Store.LastEventSeq(ctx)

	rec := cl.sendAs(http.MethodPost, "/api/v1/solutions", "application/yaml", string(servertest.PubliccodeFixture(t, "german.yml")), bearer...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create from publiccode.yml = %d: %s", rec.Code, rec.Body.String())
	}
	var doc struct {
		Slug     string   `json:"slug"`
		Summary  string   `json:"summary"`
		OZGIDs   []string `json:"ozgIds"`
		Provider struct {
			ID string `json:"id"`
		} `json:"provider"`
	}
	var warned struct {
		Warnings []struct {
			Key     string `json:"key"`
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"warnings"`
	}
	json.Unmarshal(rec.Body.Bytes(), &doc)
	json.Unmarshal(rec.Body.Bytes(), &warned)
	if doc.Slug != "abfallportal" || doc.Provider.ID != "land:01" || len(doc.OZGIDs) == 0 || doc.Summary != "Abfallbehälter an- und abmelden." {
		t.Errorf("created from publiccode.yml: %s", rec.Body.String())
	}
	// The answer lists the import's warnings (a missing required key has
	// no line), and its ETag is the one GET gives.
	keys := map[string]int{}
	for _, w := range warned.Warnings {
		keys[w.Key] = w.Line
	}
	if line, ok := keys["localisation.localisationReady"]; !ok || line != 0 || keys["de.leika[1].leika-id"] != 29 {
		t.Errorf("warnings of the create: %+v", warned.Warnings)
	}
	if get := cl.send(http.MethodGet, "/api/v1/solutions/abfallportal", ""); get.Header().Get("ETag") != rec.Header().Get("ETag") {
		t.Errorf("ETag of the create %s, of GET %s", rec.Header().Get("ETag"), get.Header().Get("ETag"))
	}
	head = expectOneEvent(t, env.Store, head, "abfallportal", catalog.ActionCreate)

	// Update from a changed file; with a stale If-Match it is refused.
	changed := strings.Replace(string(servertest.PubliccodeFixture(t, "german.yml")), "Abfallbehälter an- und abmelden.", "Abfallbehälter digital verwalten.", 1)
	if rec := cl.sendAs(http.MethodPost, "/api/v1/solutions/abfallportal/publiccode", "application/yaml", changed,
		append([]string{"If-Match", `"000000000000000000000000"`}, bearer...)...); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("publiccode update with stale If-Match = %d", rec.Code)
	}
	rec = cl.sendAs(http.MethodPost, "/api/v1/solutions/abfallportal/publiccode", "application/yaml", changed, bearer...)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Abfallbehälter digital verwalten.") {
		t.Fatalf("publiccode update = %d: %s", rec.Code, rec.Body.String())
	}
	expectOneEvent(t, env.Store, head, "abfallportal", catalog.ActionUpdate)

	// A broken file is a 422 naming the key path.
	rec = cl.sendAs(http.MethodPost, "/api/v1/solutions", "application/yaml", string(servertest.PubliccodeFixture(t, "wrong-types.yml")),
		append([]string{"X-Test-Bad-Request", "1"}, bearer...)...)
	if rec.Code != http.StatusUnprocessableEntity || len(decodeProblem(t, rec).Invalid) == 0 {
		t.Errorf("wrong-types.yml = %d: %s", rec.Code, rec.Body.String())
	}
	// A wrong value in a key the register stores refuses the file, with the
	// key path as JSON pointer and the line in the message.
	bad := strings.Replace(strings.Replace(string(servertest.PubliccodeFixture(t, "german.yml")), "license: MIT OR Apache-2.0", "license: Invalid License", 1),
		"email: abfall@kommune.example", "email: abfall(at)kommune.example", 1)
	rec = cl.sendAs(http.MethodPost, "/api/v1/solutions", "application/yaml", bad, append([]string{"X-Test-Bad-Request", "1"}, bearer...)...)
	ptrs := decodeProblem(t, rec).pointers()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(ptrs["/legal/license"], "kein SPDX-Lizenzausdruck") ||
		!strings.HasPrefix(ptrs["/maintenance/contacts/0/email"], "Zeile ") {
		t.Errorf("invalid licence and e-mail = %d: %v", rec.Code, ptrs)
	}
}

// Retries that race each other (a client that times out and sends again
// while the first request still runs) create one solution, and every one of
// them gets the first answer.
func TestSolutionCreateIdempotentUnderConcurrentRetries(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	cl := newClient(t, env.App)
	header := []string{"Authorization", "Bearer " + env.Token(t, "anbieter"), "Idempotency-Key", "race-1"}
	head, _ := env.Store.LastEventSeq(ctx)
	const n = 8
	answers := make(chan *httptest.ResponseRecorder, n)
	for range n {
		go func() { answers <- cl.send(http.MethodPost, "/api/v1/solutions", newSolutionJSON, header...) }()
	}
	var first string
	for range n {
		rec := <-answers
		if rec.Code != http.StatusCreated {
			t.Errorf("retry = %d: %s", rec.Code, rec.Body.String())
			continue
		}
		if first == "" {
			first = rec.Body.String()
		} else if rec.Body.String() != first {
			t.Errorf("answers differ:\n%s\n%s", first, rec.Body.String())
		}
	}
	expectOneEvent(t, env.Store, head, "abfall-digital", catalog.ActionCreate)
}
