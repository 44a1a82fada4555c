// Command efa is the EfA-Register: one binary that serves the register and
// administers its database. Run "efa --help" for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs the program as main does, without exiting: it prints an error
// (and, for a wrong invocation, the usage) to stderr and returns the exit
// status: 0, 1 for a failure, 2 for a wrong invocation.
func cli(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := run(ctx, args, getenv, stdout, stderr)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "efa: "+message(err))
	var ue *usageError
	if errors.As(err, &ue) && ue.usage != "" {
		fmt.Fprint(stderr, ue.usage)
	}
	return exitCode(err)
}

// command is one subcommand of efa: its line in the overview and what runs it.
type command struct {
	name string
	// operands follow the name in the overview, e.g. "DATEI".
	operands string
	// summary is the one line of the overview.
	summary string
	// subcommands: the first argument names a subcommand ("user add"), which
	// "efa CMD SUB --help" keeps.
	subcommands bool
	run         func(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error
}

// commands is the table of subcommands, in the order of the overview.
func commands() []command {
	return []command{
		{name: "serve", summary: "Register ausliefern (Vorgabe ohne Befehl); befüllt einen leeren Datenordner", run: cmdServe},
		{name: "seed", summary: "Referenzdaten und bekannte EfA-Lösungen laden (wiederholbar)", run: cmdSeed},
		{name: "user", operands: "add", subcommands: true, summary: "Konto anlegen: Plattform-Admin, Landeskoordination oder Redaktion",
			run: func(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
				return cmdUser(ctx, cfg, args, os.Stdin, stdout, stderr)
			}},
		{name: "unblock", operands: "EMAIL", summary: "Fehlversuche beim Anmelden eines Kontos vergessen (auch im Betrieb)", run: cmdUnblock},
		{name: "webhook", operands: "add|list|remove", subcommands: true, summary: "Empfänger des Änderungs-Feeds verwalten", run: cmdWebhook},
		{name: "import", operands: "publiccode|gemeinden|ozg|csaf DATEI", subcommands: true,
			summary: "publiccode.yml übernehmen, Gemeinden oder OZG-Leistungen aktualisieren, CSAF-Hinweis als Entwurf anlegen", run: cmdImport},
		{name: "backup", operands: "DATEI", summary: "konsistente Kopie der Datenbank schreiben (auch im Betrieb)", run: cmdBackup},
		{name: "restore", operands: "DATEI", summary: "Datenbank durch eine Sicherung ersetzen (efa serve beendet)", run: cmdRestore},
		{name: "migrate-db", summary: "SQLite-Register in eine leere PostgreSQL-Datenbank kopieren (--to postgres://…)", run: cmdMigrateDB},
		{name: "check", summary: "Datenbank und Suchindex prüfen; Status 1 bei einem Problem", run: cmdCheck},
		{name: "reindex", summary: "Suchindex aus der Datenbank neu aufbauen (efa serve beendet)", run: cmdReindex},
		{name: "gen-synthetic", summary: "SYNTHETISCHES Register für Lasttests in eigenem Ordner erzeugen", run: cmdGenSynthetic},
		{name: "version", summary: "Version ausgeben", run: cmdVersion},
		{name: "help", operands: "[BEFEHL]", summary: "diese Übersicht oder die Hilfe eines Befehls", run: cmdHelp},
	}
}

// findCommand returns the command called name, or nil.
func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	return nil
}

// overview is what "efa --help" prints.
func overview() string {
	var b strings.Builder
	b.WriteString("efa – EfA-Register, das Register der „Einer für Alle“-Onlinedienste\n\n")
	b.WriteString("Aufruf: efa [BEFEHL] [Optionen] [ARGUMENTE]\n\nBefehle:\n")
	for _, c := range commands() {
		head := strings.TrimSpace(c.name + " " + c.operands)
		if utf8.RuneCountInString(head) > 24 {
			fmt.Fprintf(&b, "  %s\n  %-24s  %s\n", head, "", c.summary)
			continue
		}
		fmt.Fprintf(&b, "  %-24s  %s\n", head, c.summary)
	}
	b.WriteString(`
„efa BEFEHL --help“ zeigt Aufruf und Optionen eines Befehls.

Umgebung (Einzelheiten in docs/OPERATIONS.md):
  EFA_ADDR        Adresse, auf der efa serve lauscht (Vorgabe :8080)
  EFA_DATA_DIR    Ordner der Datenbank und des Suchindex (Vorgabe ./data)
  EFA_DATABASE_URL  leer: SQLite im Datenordner; postgres://…: PostgreSQL (mehrere Instanzen,
                  jede mit eigenem EFA_DATA_DIR für ihren Suchindex)
  EFA_LOG_LEVEL   debug, info, warn oder error (Vorgabe info); efa serve protokolliert
                  JSON-Zeilen auf stderr, die übrigen Befehle nur bei debug
  EFA_PUBLIC_URL  öffentliche Adresse für die Links in /feed.json und /feed.atom
  EFA_OPERATOR_NAME, EFA_OPERATOR_ADDRESS, EFA_OPERATOR_EMAIL
                  wer diese Instanz betreibt (Impressum, Datenschutz, Barrierefreiheit)
  EFA_PUBLICCODE_FETCH  true: der publiccode.yml-Import darf von öffentlichen Adressen laden
                  (Zeitlimit EFA_PUBLICCODE_FETCH_TIMEOUT, Vorgabe 10s)
  EFA_SMTP_URL    Mailserver für die Konto-E-Mails, z. B.
                  smtp://NUTZER:PASSWORT@HOST:587?from=register@land.example (Vorgabe: keiner)
  EFA_COOKIE_SECURE, EFA_SESSION_IDLE, EFA_SESSION_LIFETIME, EFA_OIDC_*: Anmeldung
  EFA_TRUSTED_PROXIES, EFA_RATE_LIMIT, EFA_RATE_BURST, EFA_TOKEN_RATE_LIMIT, EFA_MAX_IN_FLIGHT, EFA_QUEUE_WAIT,
  EFA_EXPORT_SLOTS, EFA_MAX_BODY_BYTES, EFA_HSTS, EFA_METRICS_TOKEN: Betrieb hinter einem Proxy, Grenzen
  EFA_SAVINGS_YEARS, EFA_SAVINGS_ONBOARDING_SHARE: Annahmen der Digitalisierungsrendite
`)
	return b.String()
}

// shortOverview is the usage printed after an unknown command: the usage
// line, the names of the commands and where the overview is.
func shortOverview(line string) string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return "Aufruf: " + line + "\nBefehle: " + strings.Join(names, ", ") + "\nÜbersicht: efa --help\n"
}

// cmdHelp prints the overview, or with a command's name that command's help.
func cmdHelp(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelpFlag(args[0]) {
		fmt.Fprint(stdout, overview())
		return nil
	}
	if strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "help: unbekannte Option " + args[0], usage: shortOverview("efa help [BEFEHL]")}
	}
	c := findCommand(args[0])
	if c == nil || c.name == "help" {
		return &usageError{msg: fmt.Sprintf("help: unbekannter Befehl „%s“", args[0]), usage: shortOverview("efa help [BEFEHL]")}
	}
	return showHelp(ctx, cfg, c, args[1:], stdout)
}

// cmdVersion prints the version.
func cmdVersion(_ context.Context, _ config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "Gibt die Version dieses Programms aus (beim Bauen gesetzt, sonst dev und der Git-Stand).", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("erwartet keine Argumente")
	}
	fmt.Fprintln(stdout, "efa", buildVersion())
	return nil
}
