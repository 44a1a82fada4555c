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

const unblockUsage = `Usage: efa unblock [--data-dir DIR] EMAIL

Forgets the failed logins of the account with that e-mail address, from
every client, so that a throttled owner can log in again at once. Works
against a running efa serve (the counts are in the database). The counts
of the clients themselves (20 failures per client in 15 minutes, whatever
the account) stay.
`

// cmdUnblock clears the login throttle of one account: "efa unblock EMAIL".
func cmdUnblock(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("unblock", "Forgets the failed logins of an account (efa unblock EMAIL).", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, unblockUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		fs.Usage()
		return fmt.Errorf("unblock: want one e-mail address: %w", errUsage)
	}
	email := strings.TrimSpace(fs.Arg(0))
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	cleared, err := store.NewThrottle(st, store.DefaultThrottleLimits).Unblock(ctx, email, time.Now())
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("unblock: kein Konto mit der E-Mail-Adresse %q", email)
	}
	if err != nil {
		return fmt.Errorf("unblock: %w", err)
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
