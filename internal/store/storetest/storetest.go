// Package storetest gives tests a real SQLite database seeded with the real
// seed data. The seed runs once per test binary into a template file; every
// test gets its own copy of that file in t.TempDir().
package storetest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"efa-register/internal/store"
	"efa-register/seed"
)

var (
	once     sync.Once
	template string
	initErr  error
)

func buildTemplate() {
	dir, err := os.MkdirTemp("", "efa-storetest-")
	if err != nil {
		initErr = err
		return
	}
	path := filepath.Join(dir, "efa.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		initErr = err
		return
	}
	if _, err := s.Seed(ctx, seed.FS); err != nil {
		initErr = err
	}
	// Closing the last connection checkpoints the WAL into the main file.
	if err := s.Close(); err != nil && initErr == nil {
		initErr = err
	}
	template = path
}

// Path copies the seeded template database into a new temporary folder
// and returns the path of the copy.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(buildTemplate)
	if initErr != nil {
		t.Fatalf("storetest: build seeded template: %v", initErr)
	}
	dst := filepath.Join(t.TempDir(), "efa.db")
	if err := copyFile(template, dst); err != nil {
		t.Fatalf("storetest: copy template: %v", err)
	}
	return dst
}

// Seeded opens a fresh copy of the seeded database; it is closed when the test ends.
func Seeded(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), Path(t), nil)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
