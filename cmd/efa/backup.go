package main

import (
	"context"
	"fmt"
	"io"

	"efa-register/internal/store"
)

// cmdBackup writes a consistent copy of the database while the server keeps
// running and writing.
func cmdBackup(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "Writes a consistent copy of the database to FILE (SQLite VACUUM INTO). Runs while efa serve\n"+
		"keeps serving and writing; the copy holds every change committed before it started.\n"+
		"FILE must not exist. Usage: efa backup [flags] FILE", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup needs exactly one FILE: %w", errUsage)
	}
	rep, err := store.Backup(ctx, cfg.dbPath(), fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sicherung %s geschrieben: %.1f MB, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen, integrity_check ok (%.2f s)\n",
		fs.Arg(0), float64(rep.Bytes)/1e6, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions, rep.Duration.Seconds())
	return nil
}
