package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// This file is the one seam between the two databases the register runs on:
// the embedded SQLite file (the default, one instance) and PostgreSQL
// (EFA_DATABASE_URL, several instances on one database). Everything that
// differs between them is here: how a database is opened and named, how a
// write transaction excludes the others (BEGIN IMMEDIATE on SQLite, an
// advisory lock on PostgreSQL), how a read transaction gets one snapshot,
// and how the one-time steps (migrations, the first seed) are kept to one
// instance. Every other line of the store is SQL both databases accept.

// Dialect names the database a Store runs on.
type Dialect string

// The databases the register runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// MinPostgresVersionNum is the oldest PostgreSQL the register runs on
// (server_version_num): 13 is the oldest release still maintained when
// PostgreSQL support was added.
const MinPostgresVersionNum = 130000

// IsPostgresURL reports whether a database URL names PostgreSQL.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// CheckDatabaseURL checks EFA_DATABASE_URL: empty (the SQLite file) or a
// postgres:// URL with a host and a database name. The error text is German:
// it is shown to the operator as it is.
func CheckDatabaseURL(raw string) error {
	if raw == "" {
		return nil
	}
	if !IsPostgresURL(raw) {
		return fmt.Errorf("erwartet leer (SQLite im Datenordner) oder eine Adresse postgres://BENUTZER@RECHNER:5432/DATENBANK")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("keine gültige Adresse: %v", redactURLError(err))
	}
	if u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return fmt.Errorf("die Adresse braucht einen Rechner und einen Datenbanknamen (postgres://BENUTZER@RECHNER:5432/DATENBANK)")
	}
	return nil
}

// RedactURL is a database URL with its password replaced, for logs and messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(ungültige Adresse)"
	}
	return u.Redacted()
}

// redactURLError drops the URL (and with it any password) from a url.Parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// OpenURL opens the register's database: with an empty databaseURL the
// SQLite file at sqlitePath (created if needed), with a postgres:// URL that
// PostgreSQL database (which must exist). Either way the schema is migrated.
func OpenURL(ctx context.Context, databaseURL, sqlitePath string, log *slog.Logger) (*Store, error) {
	if databaseURL == "" {
		return Open(ctx, sqlitePath, log)
	}
	if err := CheckDatabaseURL(databaseURL); err != nil {
		return nil, fmt.Errorf("store: EFA_DATABASE_URL: %w", err)
	}
	return openPostgres(ctx, databaseURL, log)
}

// openPostgres opens a pool of connections to PostgreSQL, checks the server
// version and migrates the schema under an advisory lock.
func openPostgres(ctx context.Context, databaseURL string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true, PrepareStmt: false}
	db, err := gorm.Open(postgres.Open(databaseURL), cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", RedactURL(databaseURL), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Writers wait for the write lock holding a connection; readers need
	// theirs meanwhile, so the pool is larger than any writer queue in practice.
	sqlDB.SetMaxOpenConns(24)
	sqlDB.SetMaxIdleConns(8)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{w: db, r: db, dialect: Postgres, dbURL: RedactURL(databaseURL), log: log, changed: make(chan struct{}, 1)}
	var v struct {
		Version string
		Num     string
	}
	if err := db.WithContext(ctx).Raw("SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num").
		Scan(&v).Error; err != nil {
		s.Close()
		return nil, fmt.Errorf("store: PostgreSQL at %s does not answer: %w", s.dbURL, err)
	}
	if n, err := strconv.Atoi(v.Num); err != nil || n < MinPostgresVersionNum {
		s.Close()
		return nil, fmt.Errorf("store: PostgreSQL %s is too old (need 13 or newer)", v.Version)
	}
	s.dbVersion = "PostgreSQL " + strings.Fields(v.Version)[0]
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	log.Info("database open", "url", s.dbURL, "database_version", s.dbVersion)
	return s, nil
}

// Dialect is the database the store runs on.
func (s *Store) Dialect() Dialect {
	if s.dialect == "" {
		return SQLite
	}
	return s.dialect
}

// DatabaseVersion names the database and its version, e.g. "SQLite 3.51.3"
// or "PostgreSQL 15.20".
func (s *Store) DatabaseVersion() string { return s.dbVersion }

// DatabaseURL is the PostgreSQL URL without its password ("" on SQLite).
func (s *Store) DatabaseURL() string { return s.dbURL }

// Advisory lock keys (PostgreSQL): one number per thing several instances
// must not do at the same time.
const (
	// lockWrite serialises write transactions, as SQLite's one writer does:
	// a write sees every write committed before it, and event sequence
	// numbers are assigned and committed in the same order, so no reader
	// ever sees event N+1 before event N.
	lockWrite int64 = 0x4546_4100_0001
	// lockMigrate keeps migrations to one instance at a time.
	lockMigrate int64 = 0x4546_4100_0002
	// lockExclusiveBase + hash(name) are the keys of Store.Exclusive.
	lockExclusiveBase int64 = 0x4546_4200_0000
)

// beginWrite runs first in every transaction of Store.write. On SQLite the
// transaction already began with BEGIN IMMEDIATE (the DSN's _txlock); on
// PostgreSQL it takes the transaction-level write lock, released by commit
// or rollback.
func (s *Store) beginWrite(db *gorm.DB) error {
	if s.Dialect() != Postgres {
		return nil
	}
	return db.Exec("SELECT pg_advisory_xact_lock(?)", lockWrite).Error
}

// readTxOptions makes a read transaction see one snapshot: SQLite's WAL
// snapshot does so by itself, PostgreSQL needs REPEATABLE READ (its default
// READ COMMITTED takes a new snapshot for every statement).
func (s *Store) readTxOptions() []*sql.TxOptions {
	if s.Dialect() != Postgres {
		return nil
	}
	return []*sql.TxOptions{{Isolation: sql.LevelRepeatableRead, ReadOnly: true}}
}

// withSessionLock runs fn on one connection holding the session-level
// advisory lock key (PostgreSQL); on SQLite it just runs fn, as one process
// owns the file (efa serve locks the data folder).
func (s *Store) withSessionLock(ctx context.Context, key int64, fn func(db *gorm.DB) error) error {
	if s.Dialect() != Postgres {
		return fn(s.w.WithContext(ctx))
	}
	return s.w.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(?)", key).Error; err != nil {
			return fmt.Errorf("store: take lock: %w", err)
		}
		// Unlock on a fresh context: a cancelled ctx must not leave the lock held on a pooled connection.
		defer conn.WithContext(context.WithoutCancel(ctx)).Exec("SELECT pg_advisory_unlock(?)", key)
		return fn(conn)
	})
}

// Exclusive runs fn while no other instance on the same database runs an
// Exclusive of the same name: efa serve seeds an empty register this way,
// so two instances starting together seed it once. On SQLite it just runs fn.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	var h int64
	for _, c := range []byte(name) {
		h = h*31 + int64(c)
	}
	key := lockExclusiveBase + (h & 0xFFFFFF)
	return s.withSessionLock(ctx, key, func(*gorm.DB) error { return fn(ctx) })
}
