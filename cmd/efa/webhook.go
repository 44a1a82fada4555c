package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

const webhookUsage = `Aufruf:
  efa webhook add --url URL [--secret GEHEIMNIS] [--from-start]
  efa webhook list [-v]
  efa webhook remove ID

Webhooks schicken jede Änderung des Registers im Format von
GET /api/v1/changes an einen eingetragenen Empfänger (etwa das Portal des
IT-Planungsrats), signiert mit HMAC-SHA256 (Kopfzeile X-EfA-Signature).
efa serve stellt sie zu; fehlgeschlagene Zustellungen werden mit wachsendem
Abstand wiederholt und protokolliert. Plattform-Admins verwalten sie auch
unter /verwaltung/webhooks.

„efa webhook add --help“ usw. zeigt die Optionen eines Unterbefehls.
`

// cmdWebhook administers webhooks: "efa webhook add|list|remove".
func cmdWebhook(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "webhook: Unterbefehl fehlt: add, list oder remove", usage: "\n" + webhookUsage}
	}
	sub, args := args[0], args[1:]
	if isHelpFlag(sub) {
		fmt.Fprint(stderr, webhookUsage)
		return flag.ErrHelp
	}
	fs := newFlags("webhook "+sub, "", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	var url, secret *string
	var fromStart, verbose *bool
	switch sub {
	case "add":
		fs.summary = "Trägt einen Empfänger des Änderungs-Feeds ein. Ohne --secret wird ein zufälliges Geheimnis\nerzeugt und einmal ausgegeben."
		url = fs.String("url", "", "`Adresse`, an die die Stapel gesendet werden (https://…), Pflicht")
		secret = fs.String("secret", "", "gemeinsames `Geheimnis` für die Signatur, 16 bis 200 Zeichen (sonst ein neues zufälliges)")
		fromStart = fs.Bool("from-start", false, "das ganze Änderungsprotokoll von Anfang an zustellen (sonst nur Änderungen ab jetzt)")
	case "list":
		fs.summary = "Listet die Webhooks mit Cursor, Stand und letztem Zustellversuch."
		verbose = fs.Bool("v", false, "auch die letzten 20 Zustellversuche jedes Webhooks zeigen")
	case "remove":
		fs.summary = "Entfernt den Webhook mit der Nummer ID (aus efa webhook list)."
		fs.Operands = "ID"
	default:
		return &usageError{msg: fmt.Sprintf("webhook: unbekannter Unterbefehl „%s“", sub), usage: "\n" + webhookUsage}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	var id uint64
	switch sub {
	case "add":
		if *url == "" {
			return fs.fail("--url fehlt: an welche Adresse sollen die Änderungen gehen?")
		}
		if fs.NArg() != 0 {
			return fs.fail("unerwartetes Argument „%s“", fs.Arg(0))
		}
	case "list":
		if fs.NArg() != 0 {
			return fs.fail("unerwartetes Argument „%s“", fs.Arg(0))
		}
	case "remove":
		if fs.NArg() != 1 {
			return fs.fail("ID fehlt: welcher Webhook soll entfernt werden?")
		}
		var err error
		if id, err = strconv.ParseUint(fs.Arg(0), 10, 32); err != nil || id == 0 {
			return fs.fail("„%s“ ist keine Webhook-Nummer", fs.Arg(0))
		}
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
