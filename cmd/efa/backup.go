package main

import (
	"context"
	"fmt"
	"io"
	"os"

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
	rep, err := store.Backup(ctx, cfg.dbPath(), fs.Arg(0))
	if err != nil {
		return fmt.Errorf("backup: Sicherung fehlgeschlagen: %w", err)
	}
	fmt.Fprintf(stdout, "Sicherung %s geschrieben: %.1f MB, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen, integrity_check ok (%.2f s)\n",
		fs.Arg(0), float64(rep.Bytes)/1e6, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions, rep.Duration.Seconds())
	return nil
}
