package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"runtime"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestExportTagsFollowTheHead: the export's validators are made once per
// state of the register and change with every write.
func TestExportTagsFollowTheHead(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	s := New(Deps{Store: st})
	tags := func() *exportTags {
		head, at, err := s.api.current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s.api.exportTagsFor(head, at)
	}
	first := tags()
	if again := tags(); again != first {
		t.Error("unchanged state: validators made again")
	}
	if first.etagGz == first.etag || opaqueTag(first.etagGz) != opaqueTag(first.etag) || first.hdrLastModified == nil {
		t.Errorf("validators %q, %q, %v", first.etag, first.etagGz, first.hdrLastModified)
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), store.SolutionInput{Solution: catalog.Solution{Slug: "einmal", Name: "Einmal",
		Status: catalog.SolutionLive, Verified: catalog.VerifiedNo}}); err != nil {
		t.Fatal(err)
	}
	if second := tags(); second.etag == first.etag || second.head != first.head+1 {
		t.Errorf("after a write: %q (head %d), before %q (head %d)", second.etag, second.head, first.etag, first.head)
	}
}

// TestCachedBodyFile: a large cached document (the feeds) lives in a file
// for sendfile; descriptions are reused, rewound and retired.
func TestCachedBodyFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sendfile is used on Linux only")
	}
	first := newCachedBody(mimeJSON, bytes.Repeat([]byte(`{"a":1},`), sendfileMinSize/4), time.Now())
	second := newCachedBody(mimeJSON, bytes.Repeat([]byte(`{"b":2},`), sendfileMinSize/4), time.Now())
	if len(second.gz) == 0 || len(second.gz) > len(second.body)/3 {
		t.Errorf("gzip form %d bytes of %d", len(second.gz), len(second.body))
	}
	first.file.retire()
	if f := first.file.take(); f != nil {
		f.Close()
		t.Error("a retired file can still be opened")
	}
	// Descriptions are reused, rewound, and never shared by two answers.
	for range 3 {
		f, g := second.file.take(), second.file.take()
		if f == nil || g == nil || f == g {
			t.Fatalf("descriptions %p and %p for two answers at once", f, g)
		}
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, second.body) {
			t.Errorf("the file holds %d bytes, the body %d (%v)", len(got), len(second.body), err)
		}
		second.file.put(f)
		second.file.put(g)
	}
	if n := len(second.file.free); n != 2 {
		t.Errorf("%d descriptions kept for reuse, want 2", n)
	}
	// Retiring closes the kept ones and those given back later.
	held := second.file.take()
	second.file.retire()
	second.file.put(held)
	if _, err := held.Stat(); err == nil {
		t.Error("a description given back after retire stays open")
	}
	if second.file.take() != nil || len(second.file.free) != 0 {
		t.Error("a retired file still hands out descriptions")
	}
}

func TestNotModifiedRules(t *testing.T) {
	cases := []struct {
		inm, ims string
		want     bool
	}{
		{`"abc"`, "", true},
		{`W/"abc"`, "", true},
		{`"abc-gz"`, "", true},
		{`"x", "abc"`, "", true},
		{`*`, "", true},
		{`"abd"`, "", false},
		{`"abd"`, "Sat, 01 Jan 2050 00:00:00 GMT", false},
		{"", "Sat, 01 Jan 2050 00:00:00 GMT", true},
		{"", "Sat, 01 Jan 2000 00:00:00 GMT", false},
		{"", "gestern", false},
	}
	lm := mustTime(t, "Wed, 01 Jan 2025 12:00:00 GMT")
	for _, c := range cases {
		r := newRequest(c.inm, c.ims)
		if got := notModified(r, `"abc"`, lm); got != c.want {
			t.Errorf("If-None-Match %q, If-Modified-Since %q: %v, want %v", c.inm, c.ims, got, c.want)
		}
	}
	for ae, want := range map[string]bool{"gzip": true, "br, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "*": true, "": false, "GZIP": true} {
		r := newRequest("", "")
		r.Header.Set("Accept-Encoding", ae)
		if acceptsGzip(r) != want {
			t.Errorf("Accept-Encoding %q: %v", ae, !want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newRequest(inm, ims string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/export", nil)
	if inm != "" {
		r.Header.Set("If-None-Match", inm)
	}
	if ims != "" {
		r.Header.Set("If-Modified-Since", ims)
	}
	return r
}

// BenchmarkExport304Handler is the 304 path of GET /api/v1/export without
// any middleware: what this package's code costs per conditional request.
func BenchmarkExport304Handler(b *testing.B) {
	st := storetest.Seeded(b)
	s := New(Deps{Store: st})
	head, at, err := s.api.current(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	cb := s.api.exportTagsFor(head, at)
	e := echo.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/export", nil)
			req.Header.Set("If-None-Match", cb.etag)
			rec := httptest.NewRecorder()
			if err := s.HandleExport(e.NewContext(req, rec)); err != nil || rec.Code != http.StatusNotModified {
				b.Fatalf("%d %v", rec.Code, err)
			}
		}
	})
}

// TestHeaderFieldsAreCanonical: the fields set by direct map access must be
// in canonical form, or Header.Get and net/http would not find them.
func TestHeaderFieldsAreCanonical(t *testing.T) {
	for _, k := range []string{hdrETag, hdrCacheControl, hdrLastModified, hdrVary, hdrContentType, hdrContentLength, hdrContentEnc} {
		if c := textproto.CanonicalMIMEHeaderKey(k); c != k {
			t.Errorf("header key %q is not canonical (%q)", k, c)
		}
	}
}

// TestAddVaryKeepsEveryName: CORS and content coding both vary the answer;
// neither may drop the other's name, and names are not repeated.
func TestAddVaryKeepsEveryName(t *testing.T) {
	cases := []struct {
		before []string
		add    []string
		want   []string
	}{
		{nil, []string{"Origin", "Accept-Encoding"}, []string{"Origin, Accept-Encoding"}},
		{nil, []string{"Accept-Encoding"}, []string{"Accept-Encoding"}},
		{[]string{"HX-Request"}, []string{"Accept-Encoding"}, []string{"HX-Request", "Accept-Encoding"}},
		{[]string{"Origin", "Access-Control-Request-Method"}, []string{"Accept-Encoding"},
			[]string{"Origin", "Access-Control-Request-Method", "Accept-Encoding"}},
		{[]string{"Origin, accept-encoding"}, []string{"Accept-Encoding"}, []string{"Origin, accept-encoding"}},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.before != nil {
			h[hdrVary] = append([]string(nil), tc.before...)
		}
		for _, n := range tc.add {
			addVary(h, n)
		}
		if got := h[hdrVary]; len(got) != len(tc.want) || len(got) > 0 && got[len(got)-1] != tc.want[len(tc.want)-1] {
			t.Errorf("Vary %q + %q = %q, want %q", tc.before, tc.add, got, tc.want)
		}
	}
	// The shared values are never written into.
	h := http.Header{}
	addVary(h, "Origin")
	addVary(h, "Accept-Encoding")
	addVary(h, "HX-Request")
	if varyOrigin[0] != "Origin" || varyOriginAcceptEncoding[0] != "Origin, Accept-Encoding" || len(varyAcceptEncoding) != 1 {
		t.Errorf("a shared Vary value was modified: %q %q %q", varyOrigin, varyOriginAcceptEncoding, varyAcceptEncoding)
	}
}

// TestStatesAggregatedOncePerChange: /api/v1/states aggregates the
// adoptions once per state of the register; the next write makes the next
// request aggregate again, with the new figures.
func TestStatesAggregatedOncePerChange(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	s := New(Deps{Store: st})
	e := echo.New()
	e.GET("/api/v1/states", s.HandleStates)
	provided := func() int {
		t.Helper()
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/states", nil))
		var doc struct {
			Items []struct {
				Key               string `json:"key"`
				SolutionsProvided int64  `json:"solutionsProvided"`
			} `json:"items"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &doc) != nil || len(doc.Items) != 16 {
			t.Fatalf("states = %d: %.200s", rec.Code, rec.Body.String())
		}
		for _, it := range doc.Items {
			if it.Key == "06" {
				return int(it.SolutionsProvided)
			}
		}
		t.Fatalf("no Hessen in %s", rec.Body.String())
		return 0
	}
	before := provided()
	provided()
	provided()
	if n := s.api.states.builds.Load(); n != 1 {
		t.Errorf("%d aggregations for three requests without a change", n)
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), store.SolutionInput{Solution: catalog.Solution{Slug: "laenderzahl", Name: "Länderzahl",
		Summary: "Neu.", Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo}, ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}); err != nil {
		t.Fatal(err)
	}
	if after := provided(); after != before+1 || s.api.states.builds.Load() != 2 {
		t.Errorf("after a write: Hessen provides %d (before %d), %d aggregations", after, before, s.api.states.builds.Load())
	}
}
