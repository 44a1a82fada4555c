package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"efa-register/internal/store/storetest"
)

// TestMigrateDBCheckBackupRestoreOnPostgres: efa migrate-db copies a seeded
// SQLite register into an empty PostgreSQL database and refuses a second
// time; on that database efa check passes, efa backup writes a pg_dump
// archive and efa restore refuses with a German pointer to pg_restore.
func TestMigrateDBCheckBackupRestoreOnPostgres(t *testing.T) {
	target := storetest.EmptyURL(t) // skips without PostgreSQL
	ctx := context.Background()
	dir := t.TempDir()
	vars := map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}
	efa := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, func(k string) string { return vars[k] }, &out, &out)
		return out.String(), err
	}
	if out, err := efa("seed"); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	out, err := efa("migrate-db", "--to", target)
	if err != nil || !strings.Contains(out, "Register kopiert") || !strings.Contains(out, "Zeilenzahlen stimmen überein") {
		t.Fatalf("migrate-db: %v\n%s", err, out)
	}
	if out, err := efa("migrate-db", "--to", target); err == nil || !strings.Contains(err.Error()+out, "enthält schon Daten") {
		t.Fatalf("second migrate-db: %v\n%s", err, out)
	}

	vars["EFA_DATABASE_URL"] = target
	vars["EFA_DATA_DIR"] = t.TempDir() // an instance of its own, without index yet
	out, err = efa("check")
	if err != nil || !strings.Contains(out, "PostgreSQL") || !strings.Contains(out, "Datenbank in Ordnung") {
		t.Fatalf("check on PostgreSQL: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "efa.dump")
	if out, err := efa("backup", backup); err != nil {
		if strings.Contains(err.Error(), "pg_dump ist nicht installiert") {
			t.Logf("backup without pg_dump: %v", err)
		} else {
			t.Fatalf("backup on PostgreSQL: %v\n%s", err, out)
		}
	} else if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 || !strings.Contains(out, "pg_dump") {
		t.Fatalf("backup wrote %v (%v): %s", fi, err, out)
	}
	if out, err := efa("restore", backup); err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Fatalf("restore on PostgreSQL: %v\n%s", err, out)
	}
}
