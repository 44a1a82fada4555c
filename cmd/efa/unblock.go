package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

const unblockUsage = `Aufruf: efa unblock [--data-dir ORDNER] ADRESSE

Vergisst die fehlgeschlagenen Anmeldungen des Kontos mit dieser E-Mail-Adresse,
von allen Clients, damit sich die gesperrte Inhaberin oder der gesperrte
Inhaber sofort wieder anmelden kann. Wirkt auch, während efa serve läuft (die
Zähler liegen in der Datenbank). Die Zähler der Clients selbst (20 Fehlversuche
je Client in 15 Minuten, gleich für welches Konto) bleiben.
`

// cmdUnblock clears the login throttle of one account: "efa unblock EMAIL"
// (the same as "efa user unblock EMAIL").
func cmdUnblock(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	return runUnblock(ctx, cfg, "unblock", args, stdout, stderr)
}

// runUnblock is efa unblock and efa user unblock; name is the command as typed.
func runUnblock(ctx context.Context, cfg config, name string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(name, "Vergisst die fehlgeschlagenen Anmeldungen eines Kontos (efa "+name+" ADRESSE).", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, strings.Replace(unblockUsage, "efa unblock", "efa "+name, 1), "\nOptionen:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "Ordner der Datenbank (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		fs.Usage()
		return fmt.Errorf("%s: genau eine E-Mail-Adresse erwartet: %w", name, errUsage)
	}
	email := strings.TrimSpace(fs.Arg(0))
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	cleared, err := store.NewThrottle(st, store.DefaultThrottleLimits).Unblock(ctx, email, time.Now())
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%s: kein Konto mit der E-Mail-Adresse %q", name, email)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(cleared) == 0 {
		fmt.Fprintf(stdout, "Für %s zählen keine Fehlversuche; nichts zu entsperren.\n", email)
		return nil
	}
	fmt.Fprintf(stdout, "Fehlversuche von %s vergessen:\n", email)
	for _, u := range cleared {
		where := "von Client " + u.Client
		if u.Client == "" {
			where = "insgesamt (Verlangsamung)"
		}
		fmt.Fprintf(stdout, "  %-40s %3d, hätten gezählt bis %s\n", where, u.Failures, u.Until.Local().Format("02.01.2006 15:04:05"))
	}
	return nil
}
