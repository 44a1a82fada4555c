package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"efa-register/internal/store"
)

// errCheckFailed means efa check found a problem; main exits with 1.
var errCheckFailed = errors.New("check failed")

// cmdCheck verifies the database (integrity and foreign keys) and the
// search index against it.
func cmdCheck(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "Checks the database (PRAGMA integrity_check, foreign_key_check) and the search index\n"+
		"against it. Exits with status 1 when it finds a problem. Safe while efa serve runs.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database and search index (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := store.Check(ctx, cfg.dbPath())
	if err != nil {
		return err
	}
	problems := 0
	fmt.Fprintf(stdout, "Datenbank %s: %.1f MB, SQLite %s, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen\n",
		cfg.dbPath(), float64(rep.Bytes)/1e6, rep.SQLiteVersion, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions)
	problems += report(stdout, "integrity_check", rep.Integrity)
	problems += report(stdout, "foreign_key_check", rep.ForeignKeys)
	if problems > 0 {
		return fmt.Errorf("%d Problem(e) gefunden: %w", problems, errCheckFailed)
	}
	fmt.Fprintln(stdout, "Prüfung bestanden.")
	return nil
}

// report prints one check's result and returns the number of problems.
func report(w io.Writer, name string, problems []string) int {
	if len(problems) == 0 {
		fmt.Fprintf(w, "%s: ok\n", name)
		return 0
	}
	fmt.Fprintf(w, "%s: %d Problem(e)\n", name, len(problems))
	for i, p := range problems {
		if i == 20 {
			fmt.Fprintf(w, "  … und %d weitere\n", len(problems)-20)
			break
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
	return len(problems)
}
