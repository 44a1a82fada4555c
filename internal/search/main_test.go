package search_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// shared is one index over one seeded database for the read-only tests of
// this package: building it once keeps the tests fast.
var shared struct {
	once sync.Once
	st   *store.Store
	ix   *search.Index
	err  error
}

// sharedIndex returns the package's read-only index over the real seed data.
// Tests that write open their own with openIndex.
func sharedIndex(t testing.TB) (*search.Index, *store.Store) {
	t.Helper()
	shared.once.Do(func() {
		// The fixture lives for the whole test binary, so it cannot use t.TempDir.
		dir, err := mkdirTemp()
		if err != nil {
			shared.err = err
			return
		}
		path := storetest.Path(&fixtureTB{TB: t, dir: dir})
		shared.st, shared.err = store.Open(context.Background(), path, nil)
		if shared.err != nil {
			return
		}
		shared.ix, shared.err = search.Open(context.Background(), filepath.Join(dir, "index"), shared.st, nil)
	})
	if shared.err != nil {
		t.Fatalf("shared index: %v", shared.err)
	}
	return shared.ix, shared.st
}

// indexTemplate is an index built once over the seeded template database;
// openIndex copies it next to a copy of the database instead of building anew.
var indexTemplate struct {
	once sync.Once
	dir  string
	err  error
}

func buildIndexTemplate(t testing.TB) string {
	indexTemplate.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			indexTemplate.err = err
			return
		}
		st, err := store.Open(context.Background(), storetest.Path(&fixtureTB{TB: t, dir: dir}), nil)
		if err != nil {
			indexTemplate.err = err
			return
		}
		defer st.Close()
		ix, err := search.Open(context.Background(), filepath.Join(dir, "index"), st, nil)
		if err != nil {
			indexTemplate.err = err
			return
		}
		indexTemplate.err = ix.Close()
		indexTemplate.dir = filepath.Join(dir, "index")
	})
	if indexTemplate.err != nil {
		t.Fatalf("index template: %v", indexTemplate.err)
	}
	return indexTemplate.dir
}

// openIndex opens a fresh seeded database and its index (a copy of the
// template, so no build) in t.TempDir(); both are closed when the test ends.
func openIndex(t testing.TB) (*search.Index, *store.Store, string) {
	t.Helper()
	tmpl := buildIndexTemplate(t)
	st := storetest.Seeded(t)
	dir := filepath.Join(t.TempDir(), "index")
	if err := os.CopyFS(dir, os.DirFS(tmpl)); err != nil {
		t.Fatalf("copy index template: %v", err)
	}
	ix, err := search.Open(context.Background(), dir, st, nil)
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, st, dir
}

var fixtureDirs []string

// fixtureClosers close fixtures shared by the whole test binary.
var fixtureClosers []func()

func mkdirTemp() (string, error) {
	dir, err := os.MkdirTemp("", "efa-search-test-")
	if err == nil {
		fixtureDirs = append(fixtureDirs, dir)
	}
	return dir, err
}

// fixtureTB hands storetest a temporary folder that outlives the test that
// first asked for the shared fixture.
type fixtureTB struct {
	testing.TB
	dir string
}

func (f *fixtureTB) TempDir() string { return f.dir }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range fixtureClosers {
		c()
	}
	if shared.ix != nil {
		shared.ix.Close()
	}
	if shared.st != nil {
		shared.st.Close()
	}
	for _, d := range fixtureDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
