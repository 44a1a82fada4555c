package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"efa-register/internal/store"
)

// cmdMigrateDB copies the SQLite register of the data folder into an empty
// PostgreSQL database, keeping every id and event sequence number.
func cmdMigrateDB(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate-db", "Kopiert das SQLite-Register des Datenordners in eine leere PostgreSQL-Datenbank: jede Tabelle mit\n"+
		"ihren IDs und das Ereignisprotokoll mit seinen Sequenznummern, damit die Cursor des Änderungs-Feeds\n"+
		"gültig bleiben. Zeigt den Fortschritt, vergleicht am Ende die Zeilenzahl jeder Tabelle und lehnt eine\n"+
		"Datenbank ab, die schon Daten enthält. efa serve muss währenddessen beendet sein; danach mit\n"+
		"EFA_DATABASE_URL=ADRESSE starten.", stderr)
	var to string
	fs.StringVar(&to, "to", "", "`Adresse` der leeren PostgreSQL-Datenbank, z. B. postgres://efa@db.land.example:5432/efa")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der SQLite-Datenbank (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("unerwartetes Argument „%s“", fs.Arg(0))
	}
	if to == "" {
		return fs.fail("--to fehlt: in welche PostgreSQL-Datenbank soll das Register?")
	}
	if err := store.CheckDatabaseURL(to); err != nil || !store.IsPostgresURL(to) {
		if err == nil {
			err = errors.New("erwartet postgres://…")
		}
		return fs.fail("--to %s: %v", store.RedactURL(to), err)
	}
	if _, err := os.Stat(cfg.dbPath()); err != nil {
		return fmt.Errorf("migrate-db: keine SQLite-Datenbank unter %s: %w", cfg.dbPath(), err)
	}
	release, err := lockDataDir(cfg.DataDir)
	if err != nil {
		if errors.Is(err, errLocked) {
			return fmt.Errorf("migrate-db abgelehnt: %w (erst efa serve beenden, sonst fehlen der Kopie spätere Änderungen)", err)
		}
		return err
	}
	defer release()
	log := newLogger(cfg, stderr)
	src, err := store.Open(ctx, cfg.dbPath(), log)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.OpenURL(ctx, to, "", log)
	if err != nil {
		return fmt.Errorf("migrate-db: PostgreSQL-Datenbank %s: %w", store.RedactURL(to), err)
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "Kopiere %s (%s) nach %s (%s)\n", cfg.dbPath(), src.DatabaseVersion(), dst.DatabaseURL(), dst.DatabaseVersion())
	var p *progress
	current := ""
	rep, err := src.CopyTo(ctx, dst, func(table string, done, total int64) {
		if table != current {
			if p != nil {
				p.done()
			}
			current, p = table, newProgress(stdout, "  "+table)
		}
		p.update(int(done), int(total))
	})
	if p != nil {
		p.done()
	}
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("migrate-db abgelehnt: die Datenbank %s enthält schon Daten (%v); bitte eine leere Datenbank angeben", dst.DatabaseURL(), err)
	}
	if err != nil {
		return fmt.Errorf("migrate-db fehlgeschlagen, die Zieldatenbank bleibt leer: %w", err)
	}
	var rows int64
	var lines []string
	for _, t := range rep.Tables {
		rows += t.Target
		lines = append(lines, fmt.Sprintf("%s %d", t.Table, t.Target))
	}
	fmt.Fprintf(stdout, "Zeilenzahlen stimmen überein: %s\n", strings.Join(lines, ", "))
	fmt.Fprintf(stdout, "Register kopiert: %d Tabellen, %d Zeilen, letztes Ereignis %d, in %.1f s. Jetzt efa serve mit EFA_DATABASE_URL=%s starten.\n",
		len(rep.Tables), rows, rep.LastEventSeq, rep.Duration.Round(100*time.Millisecond).Seconds(), dst.DatabaseURL())
	return nil
}
