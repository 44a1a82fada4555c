package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"efa-register/internal/insights"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

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

// sharedApp returns the real router over the shared seeded database and index.
func sharedApp(t testing.TB) (*echo.Echo, *store.Store) {
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

// benchClosers close what benchmarks opened for the whole run.
var benchClosers []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range benchClosers {
		c()
	}
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
	os.Exit(code)
}

// getDoc requests target and parses the answer; it fails the test unless
// the status is want.
func getDoc(t *testing.T, h http.Handler, target string, want int, header ...string) (*goquery.Document, *httptest.ResponseRecorder) {
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

// text returns the whitespace-normalised text of a selection.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// texts returns the normalised texts of each element of a selection.
func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, text(e)) })
	return out
}

// tid selects elements by data-testid.
func tid(id string) string { return `[data-testid="` + id + `"]` }
