package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"efa-register/internal/store"
)

// cmdRestore replaces the database with a backup. It refuses while efa serve
// runs on the data folder (it needs the folder's lock), keeps the replaced
// database as a backup of its own and drops the search index, which the next
// start rebuilds from the restored database.
func cmdRestore(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "Ersetzt die Datenbank durch die Sicherung DATEI (von efa backup). Vorher efa serve beenden:\n"+
		"restore lässt den Datenordner einer laufenden Instanz unberührt. Die bisherige Datenbank bleibt\n"+
		"als efa.db.before-restore-<Zeit> erhalten; der Suchindex wird beim nächsten Start neu aufgebaut.", stderr)
	fs.Operands = "DATEI"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank und des Suchindex (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		return fs.fail("DATEI fehlt: welche Sicherung soll zurückgespielt werden?")
	case 1:
	default:
		return fs.fail("nur eine DATEI erwartet, nicht %d Argumente", fs.NArg())
	}
	if cfg.postgres() {
		return fmt.Errorf("Wiederherstellung abgelehnt: efa restore spielt nur SQLite-Sicherungen in den Datenordner zurück; " +
			"diese Instanz nutzt PostgreSQL (EFA_DATABASE_URL). Dort stellen Sie mit pg_restore wieder her, etwa " +
			"„pg_restore --clean --if-exists -d DATENBANK SICHERUNG“, während alle efa serve beendet sind, und bauen danach " +
			"auf jeder Instanz mit efa reindex den Suchindex neu auf")
	}
	src := fs.Arg(0)
	release, err := lockDataDir(cfg.DataDir)
	if err != nil {
		if errors.Is(err, errLocked) {
			return fmt.Errorf("Wiederherstellung abgelehnt: %w (erst efa serve beenden)", err)
		}
		return err
	}
	defer release()

	chk, err := store.Check(ctx, src)
	if err != nil {
		return fmt.Errorf("Wiederherstellung abgelehnt: %w", err)
	}
	if !chk.OK() {
		return fmt.Errorf("Wiederherstellung abgelehnt: %s besteht die Integritätsprüfung nicht: %v %v", src, chk.Integrity, chk.ForeignKeys)
	}
	dst := cfg.dbPath()
	if _, err := os.Stat(dst); err == nil {
		keep := dst + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if _, err := store.Backup(ctx, dst, keep); err != nil {
			return fmt.Errorf("Wiederherstellung abgebrochen: die bisherige Datenbank ließ sich nicht sichern: %w", err)
		}
		fmt.Fprintf(stdout, "Bisherige Datenbank gesichert als %s\n", keep)
	}
	if err := store.ReplaceFile(src, dst); err != nil {
		return err
	}
	if err := os.RemoveAll(indexDir(cfg)); err != nil {
		return fmt.Errorf("alten Suchindex entfernen: %w", err)
	}
	// Opening migrates a backup from an older version and proves it opens.
	st, err := store.Open(ctx, dst, newLogger(cfg, stderr))
	if err != nil {
		return fmt.Errorf("die wiederhergestellte Datenbank lässt sich nicht öffnen: %w", err)
	}
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wiederhergestellt aus %s: Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen. Der Suchindex wird beim nächsten Start neu aufgebaut.\n",
		src, chk.SchemaVersion, chk.LastEventSeq, chk.Solutions, chk.Adoptions)
	return nil
}
