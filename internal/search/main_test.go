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

// openIndex opens a fresh seeded database and its index in t.TempDir();
// both are closed when the test ends.
func openIndex(t testing.TB) (*search.Index, *store.Store, string) {
	t.Helper()
	st := storetest.Seeded(t)
	dir := filepath.Join(t.TempDir(), "index")
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
