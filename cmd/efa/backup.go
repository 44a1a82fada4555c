package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"efa-register/internal/store"
)

// cmdBackup writes a consistent copy of the database while the server keeps
// running and writing.
func cmdBackup(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "Schreibt eine konsistente Kopie der Datenbank nach DATEI (SQLite VACUUM INTO), auch während\n"+
		"efa serve weiter ausliefert und schreibt; die Kopie enthält jede Änderung, die vor ihrem Beginn\n"+
		"gespeichert war. DATEI darf noch nicht existieren.", stderr)
	fs.Operands = "DATEI"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		return fs.fail("DATEI fehlt: wohin soll die Sicherung geschrieben werden?")
	case 1:
	default:
		return fs.fail("nur eine DATEI erwartet, nicht %d Argumente", fs.NArg())
	}
	if _, err := os.Stat(fs.Arg(0)); err == nil {
		return fmt.Errorf("backup: %s gibt es schon; eine Sicherung überschreibt nichts", fs.Arg(0))
	}
	if cfg.postgres() {
		return backupPostgres(ctx, cfg, fs.Arg(0), stdout)
	}
	rep, err := store.Backup(ctx, cfg.dbPath(), fs.Arg(0))
	if err != nil {
		return fmt.Errorf("backup: Sicherung fehlgeschlagen: %w", err)
	}
	fmt.Fprintf(stdout, "Sicherung %s geschrieben: %.1f MB, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen, integrity_check ok (%.2f s)\n",
		fs.Arg(0), float64(rep.Bytes)/1e6, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions, rep.Duration.Seconds())
	return nil
}

// backupPostgres writes a pg_dump archive (custom format, for pg_restore) of
// the PostgreSQL database: a consistent snapshot while the instances keep
// serving. The password travels in PGPASSWORD, not on the command line.
// Without pg_dump it says what to do instead rather than pretending.
func backupPostgres(ctx context.Context, cfg config, dst string, stdout io.Writer) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return fmt.Errorf("backup: diese Instanz nutzt PostgreSQL (EFA_DATABASE_URL), und pg_dump ist nicht installiert; " +
			"sichern Sie die Datenbank mit pg_dump (Paket postgresql-client), z. B. „pg_dump -Fc -f DATEI DATENBANK“, " +
			"oder mit der Sicherung Ihres PostgreSQL-Betriebs")
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("backup: EFA_DATABASE_URL: %w", err)
	}
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	start := time.Now()
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp")
	_ = os.Remove(tmp)
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--file="+tmp, "--dbname="+u.String())
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: pg_dump fehlgeschlagen: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "Sicherung %s mit pg_dump geschrieben: %.1f MB aus %s (%.2f s); zurückspielen mit pg_restore\n",
		dst, float64(fi.Size())/1e6, store.RedactURL(cfg.DatabaseURL), time.Since(start).Seconds())
	return nil
}
