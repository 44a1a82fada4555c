package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

const webhookUsage = `Usage:
  efa webhook add --url URL [--secret SECRET] [--from-start]
  efa webhook list [-v]
  efa webhook remove ID

Webhooks push every change of the register, in the format of
GET /api/v1/changes, to a registered receiver (the IT-Planungsrat portal, for
example), signed with HMAC-SHA256 (header X-EfA-Signature). "efa serve"
delivers them; failed deliveries are retried with backoff and logged.
Registration is on the command line until the admin pages exist.
`

// cmdWebhook administers webhooks: "efa webhook add|list|remove".
func cmdWebhook(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, webhookUsage)
		return fmt.Errorf("webhook: want subcommand add, list or remove: %w", errUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("webhook "+sub, "Administers the webhooks that receive the change feed.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	var url, secret *string
	var fromStart, verbose *bool
	switch sub {
	case "add":
		url = fs.String("url", "", "address the batches are POSTed to (https://…), required")
		secret = fs.String("secret", "", "shared secret for the signature, 16 to 200 characters (default: a new random one, printed once)")
		fromStart = fs.Bool("from-start", false, "deliver the whole change log from its beginning (default: only changes from now on)")
	case "list":
		verbose = fs.Bool("v", false, "also show the last 20 delivery attempts of each webhook")
	case "remove":
	default:
		fmt.Fprint(stderr, webhookUsage)
		return fmt.Errorf("webhook: unknown subcommand %q: %w", sub, errUsage)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	actor := catalog.ActorSystem + ":cli"

	switch sub {
	case "add":
		if *url == "" || fs.NArg() != 0 {
			fs.Usage()
			return fmt.Errorf("webhook add: --url is required: %w", errUsage)
		}
		generated := *secret == ""
		if generated {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			*secret = hex.EncodeToString(b)
		}
		var cursor uint64
		if !*fromStart {
			if cursor, err = st.LastEventSeq(ctx); err != nil {
				return err
			}
		}
		h, err := st.AddWebhook(ctx, actor, *url, *secret, cursor)
		if err != nil {
			return fmt.Errorf("webhook add: %w", err)
		}
		fmt.Fprintf(stdout, "Webhook %d angelegt: %s (ab Cursor %d)\n", h.ID, h.URL, h.Cursor)
		if generated {
			fmt.Fprintf(stdout, "Geheimnis (jetzt notieren, es wird nicht wieder angezeigt): %s\n", *secret)
		}
		return nil
	case "remove":
		if fs.NArg() != 1 {
			fmt.Fprint(stderr, webhookUsage)
			return fmt.Errorf("webhook remove: want one ID: %w", errUsage)
		}
		id, err := strconv.ParseUint(fs.Arg(0), 10, 32)
		if err != nil || id == 0 {
			return fmt.Errorf("webhook remove: %q is not a webhook number: %w", fs.Arg(0), errUsage)
		}
		if err := st.RemoveWebhook(ctx, actor, uint(id)); err != nil {
			return fmt.Errorf("webhook remove: %w", err)
		}
		fmt.Fprintf(stdout, "Webhook %d entfernt.\n", id)
		return nil
	}

	hooks, err := st.Webhooks(ctx)
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		fmt.Fprintln(stdout, "Keine Webhooks registriert.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADRESSE\tCURSOR\tSTAND\tLETZTER VERSUCH")
	for _, h := range hooks {
		state := "zugestellt"
		if h.Failures > 0 {
			state = fmt.Sprintf("%d Fehlversuch(e), nächster Versuch %s", h.Failures, h.NextAttempt.Local().Format(time.DateTime))
		}
		last := "–"
		if log, err := st.WebhookDeliveries(ctx, h.ID, 1); err != nil {
			return err
		} else if len(log) == 1 {
			last = describeDelivery(log[0])
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", h.ID, h.URL, h.Cursor, state, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !*verbose {
		return nil
	}
	for _, h := range hooks {
		log, err := st.WebhookDeliveries(ctx, h.ID, 20)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nZustellungen an Webhook %d (neueste zuerst):\n", h.ID)
		for _, d := range log {
			fmt.Fprintf(stdout, "  %s  Stapel %s, Cursor %d→%d, %d Einträge, Versuch %d\n", describeDelivery(d), d.Batch, d.FromCursor, d.ToCursor, d.Records, d.Attempt)
		}
	}
	return nil
}

// describeDelivery is one line of the delivery log.
func describeDelivery(d store.WebhookDelivery) string {
	at := d.At.Local().Format(time.DateTime)
	if d.Outcome == store.DeliveryDelivered {
		return fmt.Sprintf("%s zugestellt (%d, %d ms)", at, d.HTTPStatus, d.DurationMS)
	}
	next := ""
	if d.NextAttempt != nil {
		next = ", nächster Versuch " + d.NextAttempt.Local().Format(time.DateTime)
	}
	return fmt.Sprintf("%s fehlgeschlagen: %s%s", at, d.Error, next)
}
