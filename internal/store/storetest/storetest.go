// Package storetest gives tests a real database seeded with the real seed
// data: a SQLite file, or, when EFA_TEST_DATABASE_URL names a PostgreSQL
// server, a PostgreSQL database of its own. The seed runs once per test
// binary into a template (a file, or a template database); every test gets
// its own copy of it (a file in t.TempDir(), or CREATE DATABASE … TEMPLATE),
// removed when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the administrative connection

	"efa-register/internal/store"
	"efa-register/seed"
)

// EnvDatabaseURL names the PostgreSQL server the store tests run against
// (postgres://postgres@127.0.0.1:5432/test?sslmode=disable); unset, they run
// on SQLite.
const EnvDatabaseURL = "EFA_TEST_DATABASE_URL"

// PostgresURL is the server of EFA_TEST_DATABASE_URL, or "" when the tests
// run on SQLite.
func PostgresURL() string { return os.Getenv(EnvDatabaseURL) }

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
// and returns the path of the copy. It is always SQLite (the tests of files,
// backups and restores use it).
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

// Seeded opens a fresh copy of the seeded database (on PostgreSQL when
// EFA_TEST_DATABASE_URL is set); it is closed, and a PostgreSQL copy
// dropped, when the test ends.
func Seeded(t testing.TB) *store.Store {
	t.Helper()
	if PostgresURL() != "" {
		return Open(t, SeededURL(t))
	}
	s, err := store.Open(context.Background(), Path(t), nil)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Empty opens a new, migrated database without data (on PostgreSQL when
// EFA_TEST_DATABASE_URL is set), closed and removed when the test ends.
func Empty(t testing.TB) *store.Store {
	t.Helper()
	if PostgresURL() != "" {
		return Open(t, EmptyURL(t))
	}
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "efa.db"), nil)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Open opens a store on the PostgreSQL database of databaseURL, closed
// when the test ends.
func Open(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	s, err := store.OpenURL(context.Background(), databaseURL, "", nil)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", store.RedactURL(databaseURL), err)
	}
	urls.Store(s, databaseURL)
	t.Cleanup(func() { urls.Delete(s); s.Close() })
	return s
}

// urls remembers the PostgreSQL URL of each store Open opened, for Another.
var urls sync.Map

// Another opens a second store on the database of st (a second instance on
// the same database, SQLite file or PostgreSQL), closed when the test ends.
func Another(t testing.TB, st *store.Store) *store.Store {
	t.Helper()
	if u, ok := urls.Load(st); ok {
		return Open(t, u.(string))
	}
	if st.Path() == "" {
		t.Fatal("storetest: Another needs a store opened by storetest")
	}
	s, err := store.Open(context.Background(), st.Path(), nil)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", st.Path(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SeededURL creates a PostgreSQL database copied from the seeded template
// and returns its URL; it is dropped when the test ends. The test is skipped
// without EFA_TEST_DATABASE_URL.
func SeededURL(t testing.TB) string {
	t.Helper()
	skipWithoutPostgres(t)
	pg.once.Do(pg.build)
	if pg.err != nil {
		t.Fatalf("storetest: PostgreSQL template: %v", pg.err)
	}
	return newDatabase(t, pg.seeded)
}

// EmptyURL creates an empty PostgreSQL database (not migrated) and returns
// its URL; it is dropped when the test ends. The test is skipped without
// EFA_TEST_DATABASE_URL.
func EmptyURL(t testing.TB) string {
	t.Helper()
	skipWithoutPostgres(t)
	pg.once.Do(pg.build)
	if pg.err != nil {
		t.Fatalf("storetest: PostgreSQL template: %v", pg.err)
	}
	return newDatabase(t, "template0")
}

// skipWithoutPostgres skips a test that needs PostgreSQL when
// EFA_TEST_DATABASE_URL is not set.
func skipWithoutPostgres(t testing.TB) {
	t.Helper()
	if PostgresURL() == "" {
		t.Skipf("needs PostgreSQL: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvDatabaseURL)
	}
}

// pg is the PostgreSQL side: the administrative connection to the server of
// EFA_TEST_DATABASE_URL and the name of the seeded template database.
type pgServer struct {
	once   sync.Once
	err    error
	admin  *sql.DB
	base   *url.URL
	seeded string
}

var pg pgServer

// dbName is how the test databases are named: a prefix, the test binary's
// process id (so leftovers of a killed binary can be found) and a random part.
var dbName = regexp.MustCompile(`^efa_(tpl|t)_([0-9]+)_[0-9a-f]+$`)

func (p *pgServer) build() {
	raw := PostgresURL()
	if raw == "" {
		p.err = fmt.Errorf("%s is not set", EnvDatabaseURL)
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		p.err = fmt.Errorf("%s: %v", EnvDatabaseURL, err)
		return
	}
	p.base = u
	p.admin, err = sql.Open("pgx", raw)
	if err != nil {
		p.err = err
		return
	}
	p.admin.SetMaxOpenConns(4)
	ctx := context.Background()
	dropLeftovers(ctx, p.admin)
	name := newName("tpl")
	if _, err := p.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		p.err = fmt.Errorf("create template database: %w", err)
		return
	}
	s, err := store.OpenURL(ctx, p.urlOf(name), "", nil)
	if err != nil {
		p.err = err
		return
	}
	if _, err := s.Seed(ctx, seed.FS); err != nil {
		s.Close()
		p.err = err
		return
	}
	if err := s.Close(); err != nil {
		p.err = err
		return
	}
	p.seeded = name
}

// urlOf is the URL of database name on the server of EFA_TEST_DATABASE_URL.
func (p *pgServer) urlOf(name string) string {
	u := *p.base
	u.Path = "/" + name
	return u.String()
}

func newName(kind string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "efa_" + kind + "_" + strconv.Itoa(os.Getpid()) + "_" + hex.EncodeToString(b)
}

// newDatabase creates a database from template and drops it when the test ends.
func newDatabase(t testing.TB, template string) string {
	t.Helper()
	ctx := context.Background()
	name := newName("t")
	if _, err := pg.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pg.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	return pg.urlOf(name)
}

// dropLeftovers drops the test databases of test binaries that are no longer
// running (killed before their cleanup ran), including their templates.
func dropLeftovers(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'efa\\_%'")
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		m := dbName.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[2])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
	}
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
