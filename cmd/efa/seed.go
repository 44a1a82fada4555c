package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"efa-register/seed"
)

func cmdSeed(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed", "Lädt die eingebetteten Referenzdaten (Länder, Kreise, Gemeinden, OZG-Katalog) und die bekannten\n"+
		"EfA-Lösungen. Ein zweiter Lauf ändert nichts. efa serve tut das beim ersten Start von selbst.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("unerwartetes Argument „%s“", fs.Arg(0))
	}
	log := newLogger(cfg, stderr)
	start := time.Now()
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := st.Seed(ctx, seed.FS)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Seed: %d angelegt, %d geändert, %d unverändert (%.2f s)\n",
		rep.Created, rep.Updated, rep.Unchanged, time.Since(start).Seconds())
	return nil
}
