package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"efa-register/internal/catalog"
)

// The maintenance functions below work on a database file by path, beside a
// running server: they never migrate, never create a database that is not
// there, and only read from the source.

// openFile opens an existing SQLite file with one connection and no pragma
// that writes, so it can sit beside a running server.
func openFile(path string) (*gorm.DB, func(), error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("store: %s is not a file", path)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?"+q.Encode()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	sqlDB.SetMaxOpenConns(1)
	return db, func() { sqlDB.Close() }, nil
}

// FileInfo describes a database file: its schema and event log position.
type FileInfo struct {
	SQLiteVersion string
	// DatabaseVersion is set by CheckPostgres ("PostgreSQL 15.20").
	DatabaseVersion string
	SchemaVersion   int
	LastEventSeq    uint64
	Solutions       int64
	Adoptions       int64
	Bytes           int64
}

func fileInfo(ctx context.Context, db *gorm.DB, path string) (FileInfo, error) {
	var fi FileInfo
	if err := db.WithContext(ctx).Raw("select sqlite_version()").Scan(&fi.SQLiteVersion).Error; err != nil {
		return fi, fmt.Errorf("store: %s is not a readable SQLite database: %w", path, err)
	}
	if !db.Migrator().HasTable(&schemaMigration{}) || !db.Migrator().HasTable(&catalog.Event{}) {
		return fi, fmt.Errorf("store: %s is not an EfA-Register database (no schema_migrations or events table)", path)
	}
	q := db.WithContext(ctx)
	err := errors.Join(
		q.Model(&schemaMigration{}).Select("coalesce(max(version), 0)").Scan(&fi.SchemaVersion).Error,
		q.Model(&catalog.Event{}).Select("coalesce(max(seq), 0)").Scan(&fi.LastEventSeq).Error,
		q.Model(&catalog.Solution{}).Count(&fi.Solutions).Error,
		q.Model(&catalog.Adoption{}).Count(&fi.Adoptions).Error,
	)
	if err != nil {
		return fi, fmt.Errorf("store: read %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil {
		fi.Bytes = st.Size()
	}
	return fi, nil
}

// Inspect reads the FileInfo of the database at path.
func Inspect(ctx context.Context, path string) (FileInfo, error) {
	db, closeDB, err := openFile(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer closeDB()
	return fileInfo(ctx, db, path)
}

// CheckReport is the result of Check: empty problem lists mean healthy.
type CheckReport struct {
	FileInfo
	// Integrity holds the rows of PRAGMA integrity_check other than "ok".
	Integrity []string
	// ForeignKeys holds one line per row of PRAGMA foreign_key_check.
	ForeignKeys []string
}

// OK reports whether the check found no problem.
func (r CheckReport) OK() bool { return len(r.Integrity) == 0 && len(r.ForeignKeys) == 0 }

// Check runs PRAGMA integrity_check and PRAGMA foreign_key_check on the
// database at path. It reads one consistent snapshot and may run while the
// server writes.
func Check(ctx context.Context, path string) (CheckReport, error) {
	var r CheckReport
	db, closeDB, err := openFile(path)
	if err != nil {
		return r, err
	}
	defer closeDB()
	if r.FileInfo, err = fileInfo(ctx, db, path); err != nil {
		return r, err
	}
	var rows []string
	if err := db.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&rows).Error; err != nil {
		return r, fmt.Errorf("store: integrity_check: %w", err)
	}
	for _, row := range rows {
		if row != "ok" {
			r.Integrity = append(r.Integrity, row)
		}
	}
	var fks []struct {
		Table  string
		Rowid  *int64
		Parent string
		Fkid   int
	}
	if err := db.WithContext(ctx).Raw("PRAGMA foreign_key_check").Scan(&fks).Error; err != nil {
		return r, fmt.Errorf("store: foreign_key_check: %w", err)
	}
	for _, fk := range fks {
		row := "?"
		if fk.Rowid != nil {
			row = fmt.Sprint(*fk.Rowid)
		}
		r.ForeignKeys = append(r.ForeignKeys, fmt.Sprintf("%s row %s refers to a missing %s (constraint %d)", fk.Table, row, fk.Parent, fk.Fkid))
	}
	return r, nil
}

// BackupReport describes a finished backup.
type BackupReport struct {
	FileInfo
	Duration time.Duration
}

// Backup writes a consistent copy of the database at src to dst with
// VACUUM INTO. It reads one snapshot, so writers carry on meanwhile and the
// copy holds every transaction committed before it started and none after.
// The copy is written beside dst, checked, synced and then renamed into
// place, so dst is either a complete, verified backup or absent. dst must not
// exist.
func Backup(ctx context.Context, src, dst string) (BackupReport, error) {
	start := time.Now()
	var rep BackupReport
	if _, err := os.Stat(dst); err == nil {
		return rep, fmt.Errorf("store: backup target %s exists already", dst)
	}
	db, closeDB, err := openFile(src)
	if err != nil {
		return rep, err
	}
	defer closeDB()
	if _, err := fileInfo(ctx, db, src); err != nil {
		return rep, err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp")
	_ = os.Remove(tmp)
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", tmp).Error; err != nil {
		os.Remove(tmp)
		return rep, fmt.Errorf("store: VACUUM INTO %s: %w", tmp, err)
	}
	chk, err := Check(ctx, tmp)
	if err == nil && !chk.OK() {
		err = fmt.Errorf("store: the backup fails its integrity check: %v %v", chk.Integrity, chk.ForeignKeys)
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return rep, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return rep, err
	}
	rep.FileInfo = chk.FileInfo
	if st, err := os.Stat(dst); err == nil {
		rep.Bytes = st.Size()
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// syncFile flushes a file's content to stable storage.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: sync %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store: sync %s: %w", path, err)
	}
	return f.Close()
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}

// ReplaceFile installs the database file src as the database at dst, for a
// restore: the candidate is copied beside dst and synced, the old WAL and
// shared-memory files are removed (they belong to the old database and would
// be replayed into the new one), and the copy is renamed over dst. No
// process may have dst open; the caller holds the data folder's lock.
func ReplaceFile(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".restore.tmp")
	if err := copyFileSync(src, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("store: remove %s: %w", dst+suffix, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: install %s: %w", dst, err)
	}
	return syncDir(filepath.Dir(dst))
}

func copyFileSync(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("store: read %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("store: write %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store: copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("store: sync %s: %w", dst, err)
	}
	return out.Close()
}
