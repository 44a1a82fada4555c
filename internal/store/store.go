// Package store keeps the register in SQLite or PostgreSQL through GORM: it
// opens the database (with the right pragmas on SQLite), migrates it, runs
// every write in an exclusive transaction that also appends to the event
// log, answers the queries the product needs and loads the seed data.
// *gorm.DB never leaves this package; what differs between the two
// databases is in dialect.go.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"efa-register/internal/catalog"
	"efa-register/internal/netguard"
)

// Store is the register's database. Writes go through one connection in
// BEGIN IMMEDIATE transactions; reads use a pool of read-only connections.
type Store struct {
	w, r          *gorm.DB
	path          string
	log           *slog.Logger
	sqliteVersion string
	// dialect is the database (SQLite or Postgres); dbVersion names it and
	// its version; dbURL is the PostgreSQL URL without password.
	dialect   Dialect
	dbVersion string
	dbURL     string
	changed   chan struct{}
	subMu     sync.Mutex
	subs      []chan struct{}
	// writes counts the committed writes that appended events (see Writes).
	writes atomic.Uint64
	// webhookGuard checks webhook receivers at registration (see SetWebhookGuard).
	webhookGuard netguard.Guard
	// slugs knows the slugs of solutions by id (see slugCache).
	slugs slugCache
}

// Open opens (creating if needed) the SQLite database at path, checks the
// SQLite version and migrates the schema.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create directory: %w", err)
	}
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true, PrepareStmt: false}
	w, err := gorm.Open(sqlite.Open(dsn(path, "immediate", false)), cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// SQLite allows one writer at a time; one connection makes writers queue
	// in Go instead of failing with SQLITE_BUSY.
	wdb.SetMaxOpenConns(1)
	s := &Store{w: w, path: path, log: log, dialect: SQLite, changed: make(chan struct{}, 1)}
	if err := w.WithContext(ctx).Raw("select sqlite_version()").Scan(&s.sqliteVersion).Error; err != nil {
		s.Close()
		return nil, fmt.Errorf("store: read sqlite_version: %w", err)
	}
	if !sqliteAtLeast(s.sqliteVersion, MinSQLiteVersion) {
		s.Close()
		return nil, fmt.Errorf("store: SQLite %s is too old (need %s or newer)", s.sqliteVersion, MinSQLiteVersion)
	}
	s.dbVersion = "SQLite " + s.sqliteVersion
	var mode string
	if err := w.WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil || mode != "wal" {
		s.Close()
		return nil, fmt.Errorf("store: journal mode is %q, want wal: %v", mode, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	r, err := gorm.Open(sqlite.Open(dsn(path, "deferred", true)), cfg)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
	rdb.SetMaxIdleConns(max(4, 2*runtime.NumCPU()))
	s.r = r
	log.Info("database open", "path", path, "sqlite_version", s.sqliteVersion, "database_version", s.dbVersion)
	return s, nil
}

func dsn(path, txlock string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", txlock)
	if readOnly {
		q.Set("_query_only", "true")
	}
	return "file:" + path + "?" + q.Encode()
}

// MinSQLiteVersion is the oldest SQLite the register runs on. 3.51.3 is the
// first release with the fix for the WAL-reset corruption bug (present from
// 3.7.0 to 3.51.2) that can damage a WAL database written and checkpointed by
// several connections at once, which is exactly how the store works.
const MinSQLiteVersion = "3.51.3"

// sqliteAtLeast reports whether version v (major.minor.patch, patch optional)
// is at least min; an unparsable version is never enough.
func sqliteAtLeast(v, min string) bool {
	parse := func(s string) ([3]int, bool) {
		var out [3]int
		parts := strings.Split(s, ".")
		if len(parts) < 2 || len(parts) > 4 {
			return out, false
		}
		for i := 0; i < len(parts) && i < 3; i++ {
			n, err := strconv.Atoi(parts[i])
			if err != nil || n < 0 {
				return out, false
			}
			out[i] = n
		}
		return out, true
	}
	have, ok1 := parse(v)
	want, ok2 := parse(min)
	if !ok1 || !ok2 {
		return false
	}
	for i := range have {
		if have[i] != want[i] {
			return have[i] > want[i]
		}
	}
	return true
}

// SQLiteVersion is the version of the linked SQLite library ("" on PostgreSQL).
func (s *Store) SQLiteVersion() string { return s.sqliteVersion }

// Path is the database file ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// Changed is signalled (without blocking) after every committed write, so a
// follower such as the search index can catch up with the event log.
func (s *Store) Changed() <-chan struct{} { return s.changed }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.WithContext(ctx).Raw("select 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for i, db := range []*gorm.DB{s.r, s.w} {
		if db == nil || (i == 1 && db == s.r) {
			continue
		}
		if sqlDB, err := db.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	return errors.Join(errs...)
}

// translate maps GORM errors to the catalog's sentinel errors, once, here.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("store: %s: %w", what, catalog.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey), strings.Contains(err.Error(), "UNIQUE constraint failed"),
		strings.Contains(err.Error(), "SQLSTATE 23505"):
		return fmt.Errorf("store: %s: %w", what, catalog.ErrConflict)
	case errors.Is(err, catalog.ErrInvalid), errors.Is(err, catalog.ErrNotFound),
		errors.Is(err, catalog.ErrConflict), errors.Is(err, catalog.ErrForbidden):
		return err
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
