package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"efa-register/internal/api"
)

// The contract harness: every request the API tests make and every answer
// they get is validated against the embedded OpenAPI 3.1 document with
// kin-openapi, which validates OpenAPI 3.1 schemas with its JSON Schema
// 2020-12 validator (type arrays, const, if/then/else, unevaluatedProperties).

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

func spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		// The Atom feed is XML; kin-openapi has no decoder for it, and its
		// schema is a plain string.
		openapi3filter.RegisterBodyDecoder("application/atom+xml", openapi3filter.PlainBodyDecoder)
		// The CSV exports use semicolons (as German spreadsheets expect);
		// kin-openapi's CSV decoder assumes commas. Their schema is a string.
		openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
		// Spreadsheets are binary; their schema is a string with a media type.
		openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(api.OpenAPI)
		if specErr != nil {
			return
		}
		if specErr = specDoc.Validate(loader.Context); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatalf("OpenAPI document: %v", specErr)
	}
	return specDoc, specRouter
}

var validationOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// checkExchange validates one request and its answer against the document.
// With badRequest the request may violate the document (the test sends it
// on purpose); the answer must conform all the same.
func checkExchange(t testing.TB, req *http.Request, status int, header http.Header, body []byte, badRequest bool) {
	t.Helper()
	_, router := spec(t)
	ctx := context.Background()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: validationOptions}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && !badRequest {
		t.Errorf("request %s %s violates the OpenAPI document: %v", req.Method, req.URL, err)
	}
	if header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: gzip: %v", req.URL, err)
			return
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Errorf("%s: gunzip: %v", req.URL, err)
			return
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: validationOptions}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("answer %d to %s %s violates the OpenAPI document: %v\nbody: %.600s", status, req.Method, req.URL, err, body)
	}
}

// validating wraps a handler so that every exchange through it is checked;
// it is safe for concurrent use (the sync test runs it from many goroutines).
func validating(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		// Keep a copy of the request as the handler received it, body included.
		vr := r.Clone(context.Background())
		if r.Body != nil {
			raw, _ := io.ReadAll(r.Body)
			r.Body, vr.Body = io.NopCloser(bytes.NewReader(raw)), io.NopCloser(bytes.NewReader(raw))
		}
		h.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/api/v1/") || r.URL.Path == "/feed.json" || r.URL.Path == "/feed.atom" {
			checkExchange(t, vr, rec.Code, rec.Header(), rec.Body.Bytes(), r.Header.Get("X-Test-Bad-Request") != "")
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// apiClient makes validated requests against the real router.
type apiClient struct {
	t testing.TB
	h http.Handler
}

func newClient(t testing.TB, h http.Handler) *apiClient { return &apiClient{t: t, h: validating(t, h)} }

// get makes a GET request with optional header pairs and returns the answer.
func (a *apiClient) get(target string, header ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// send makes a request with a JSON body and header pairs.
func (a *apiClient) send(method, target, body string, header ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// json makes a GET request, expects status want and decodes the body into v.
func (a *apiClient) json(target string, want int, v any) *httptest.ResponseRecorder {
	a.t.Helper()
	rec := a.get(target)
	if rec.Code != want {
		a.t.Fatalf("GET %s = %d, want %d: %s", target, rec.Code, want, rec.Body.String())
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			a.t.Fatalf("GET %s: %v", target, err)
		}
	}
	return rec
}

// badParam requests target on purpose with a malformed parameter and checks
// the 400 problem names it.
func (a *apiClient) badParam(target, param string) {
	a.t.Helper()
	rec := a.get(target, "X-Test-Bad-Request", "1")
	var p struct {
		Status int               `json:"status"`
		Detail string            `json:"detail"`
		Errors map[string]string `json:"errors"`
	}
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != "application/problem+json" {
		a.t.Errorf("GET %s = %d %s, want 400 problem+json", target, rec.Code, rec.Header().Get("Content-Type"))
		return
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 400 || p.Errors[param] == "" || !strings.Contains(p.Detail, param) {
		a.t.Errorf("GET %s: problem does not name %q: %s", target, param, rec.Body.String())
	}
}

// recordingTB collects what checkExchange reports instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, format)
}

// TestContractHarnessCatchesDrift proves the harness has teeth: answers that
// differ from the document in a field, a type, a required field or a status,
// and requests to undocumented paths, are reported.
func TestContractHarnessCatchesDrift(t *testing.T) {
	spec(t)
	solution := `{"slug":"a","name":"A","summary":"","description":"","provider":null,"topicFieldId":null,"ozgIds":[],
		"status":"live","maturity":null,"efaMinimumMet":null,"buildCostEur":null,"yearlyCostEur":null,"verified":"ja",
		"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`
	jsonHeader := http.Header{"Content-Type": []string{"application/json"}}
	cases := []struct {
		name   string
		target string
		status int
		body   string
		bad    bool
	}{
		{"conforming", "/api/v1/solutions/a", 200, solution, false},
		{"unknown field", "/api/v1/solutions/a", 200, strings.Replace(solution, `"slug":"a"`, `"slug":"a","adoptionCount":3`, 1), true},
		{"missing field", "/api/v1/solutions/a", 200, strings.Replace(solution, `"verified":"ja",`, ``, 1), true},
		{"wrong enum", "/api/v1/solutions/a", 200, strings.Replace(solution, `"status":"live"`, `"status":"running"`, 1), true},
		{"wrong type", "/api/v1/solutions/a", 200, strings.Replace(solution, `"maturity":null`, `"maturity":"3"`, 1), true},
		{"undocumented status", "/api/v1/solutions/a", 418, solution, true},
		{"undocumented path", "/api/v1/geheim", 200, `{}`, true},
		{"change without object", "/api/v1/changes", 200, `{"changes":[{"cursor":"1","type":"updated","event":"solution.updated","entity":"solution","id":"a","at":"2025-01-01T00:00:00Z"}],"next":"1","more":false}`, true},
		{"tombstone", "/api/v1/changes", 200, `{"changes":[{"cursor":"1","type":"deleted","event":"solution.deleted","entity":"solution","id":"a","at":"2025-01-01T00:00:00Z"}],"next":"1","more":false}`, false},
		{"adoption as solution", "/api/v1/changes", 200, `{"changes":[{"cursor":"1","type":"created","event":"solution.created","entity":"solution","id":"a","at":"2025-01-01T00:00:00Z","object":{"id":"1"}}],"next":"1","more":false}`, true},
	}
	for _, c := range cases {
		rec := &recordingTB{TB: t}
		checkExchange(rec, httptest.NewRequest(http.MethodGet, c.target, nil), c.status, jsonHeader, []byte(c.body), false)
		if got := len(rec.errors) > 0; got != c.bad {
			t.Errorf("%s: reported %v, want reported=%v", c.name, rec.errors, c.bad)
		}
	}
}
