package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"efa-register/internal/insights"
	"efa-register/internal/netguard"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/seed"
	"efa-register/views"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a wrong invocation; main exits with status 2 for it.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// config is the configuration of every subcommand, read once from the
// environment and overridden by flags.
type config struct {
	Addr     string
	DataDir  string
	LogLevel slog.Level
	// Ops are the limits, proxies and headers of the web layer (ops.go).
	Ops server.Ops
	// Auth configures sessions and OIDC login (authconfig.go).
	Auth server.AuthConfig
	// Savings are the assumptions of the Digitalisierungsrendite.
	Savings insights.SavingsConfig
	// PublicURL is the register's public address for absolute links in the feeds (EFA_PUBLIC_URL).
	PublicURL string
	// Operator are the details for Impressum, Datenschutz and accessibility
	// feedback (EFA_OPERATOR_NAME, EFA_OPERATOR_ADDRESS, EFA_OPERATOR_EMAIL).
	Operator views.Operator
	// PubliccodeFetch allows the publiccode.yml import to fetch from URLs,
	// each fetch within PubliccodeFetchTimeout (import.go).
	PubliccodeFetch        bool
	PubliccodeFetchTimeout time.Duration
	// SMTP is the mail server of the account e-mails (EFA_SMTP_URL); nil sends none.
	SMTP *smtpConfig
}

func (c config) dbPath() string { return filepath.Join(c.DataDir, "efa.db") }

// loadConfig reads the EFA_* environment variables.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{Addr: ":8080", DataDir: "./data", LogLevel: slog.LevelInfo}
	if v := getenv("EFA_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("EFA_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := getenv("EFA_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("EFA_LOG_LEVEL=%q: want debug, info, warn or error: %w", v, errUsage)
		}
	}
	if v := getenv("EFA_PUBLIC_URL"); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("EFA_PUBLIC_URL=%q: want an absolute address such as https://efa.example.de: %w", v, errUsage)
		}
		c.PublicURL = strings.TrimSuffix(v, "/")
	}
	c.Operator = views.Operator{Name: strings.TrimSpace(getenv("EFA_OPERATOR_NAME")),
		Address: strings.TrimSpace(strings.ReplaceAll(getenv("EFA_OPERATOR_ADDRESS"), "|", "\n")),
		Email:   strings.TrimSpace(getenv("EFA_OPERATOR_EMAIL"))}
	if v := c.Operator.Email; v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			return c, fmt.Errorf("EFA_OPERATOR_EMAIL=%q: want a plain e-mail address such as efa@land.example: %w", v, errUsage)
		}
	}
	var err error
	if c.Ops, err = loadOps(getenv); err != nil {
		return c, err
	}
	if c.Auth, err = loadAuth(getenv); err != nil {
		return c, err
	}
	if c.Savings, err = loadSavings(getenv); err != nil {
		return c, err
	}
	if c.PubliccodeFetch, c.PubliccodeFetchTimeout, err = loadPubliccodeFetch(getenv); err != nil {
		return c, err
	}
	if c.SMTP, err = loadMail(getenv); err != nil {
		return c, err
	}
	return c, nil
}

const usage = `efa – EfA-Register: the register of "Einer für Alle" online services

Usage:
  efa [serve] [flags]   serve the register (default; seeds an empty database)
  efa seed [flags]      load the embedded reference data (idempotent)
  efa backup FILE       write a consistent copy of the database (also while serving)
  efa restore FILE      replace the database with a backup (efa serve must be stopped)
  efa check             check the database and the search index
  efa reindex [flags]   rebuild the search index from the database (efa serve stopped)
  efa gen-synthetic     create a SYNTHETIC catalogue for benchmarks in a separate folder
  efa user add [flags]  create an admin, a Land coordinator or an editor
  efa webhook add|list|remove  register receivers of the change feed (see efa webhook)
  efa unblock EMAIL     forget the failed logins of an account (also while serving)
  efa import publiccode|gemeinden|ozg FILE  import a publiccode.yml, refresh Gemeinden or OZG-Leistungen
  efa version           print the version
  efa <command> --help  show the flags of a command

Environment:
  EFA_ADDR       listen address (default :8080)
  EFA_DATA_DIR   folder of the database and search index (default ./data)
  EFA_LOG_LEVEL  debug, info, warn or error (default info)
  EFA_PUBLIC_URL public address for the links of /feed.json and /feed.atom
  EFA_OPERATOR_NAME, EFA_OPERATOR_ADDRESS, EFA_OPERATOR_EMAIL: who runs this
                 instance (Impressum, Datenschutz, accessibility feedback)
  EFA_PUBLICCODE_FETCH  true: the publiccode.yml import may fetch from public URLs
                 (EFA_PUBLICCODE_FETCH_TIMEOUT, default 10s)
  EFA_SMTP_URL   mail server for account e-mails, e.g.
                 smtp://USER:PASSWORD@HOST:587?from=register@land.example (default: none)
  EFA_TRUSTED_PROXIES, EFA_RATE_LIMIT, EFA_RATE_BURST, EFA_MAX_IN_FLIGHT,
  EFA_QUEUE_WAIT, EFA_MAX_BODY_BYTES, EFA_HSTS: see the README
`

// run is the whole program: main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, cfg, args, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, cfg, args, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, cfg, args, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, cfg, args, stdout, stderr)
	case "check":
		return cmdCheck(ctx, cfg, args, stdout, stderr)
	case "reindex":
		return cmdReindex(ctx, cfg, args, stdout, stderr)
	case "gen-synthetic":
		return cmdGenSynthetic(ctx, cfg, args, stdout, stderr)
	case "user":
		return cmdUser(ctx, cfg, args, os.Stdin, stdout, stderr)
	case "import":
		return cmdImport(ctx, cfg, args, stdout, stderr)
	case "webhook":
		return cmdWebhook(ctx, cfg, args, stdout, stderr)
	case "unblock":
		return cmdUnblock(ctx, cfg, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "efa", buildVersion())
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
}

// newFlags returns a flag set that prints its usage to stderr.
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: efa %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	return slog.New(server.RedactingHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel})))
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

// openStore opens the database in the data folder.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.dbPath(), log)
	if err != nil {
		return nil, err
	}
	// Webhook receivers pass the network guard, which also refuses the
	// register's own host (EFA_PUBLIC_URL).
	var g netguard.Guard
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
		g.DenyHosts = []string{u.Hostname()}
	}
	st.SetWebhookGuard(g)
	return st, nil
}

// seedIfEmpty loads the seed data into a database that has no Länder yet.
func seedIfEmpty(ctx context.Context, st *store.Store, log *slog.Logger) error {
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if stats.States > 0 {
		return nil
	}
	log.Info("empty database: loading the seed data")
	_, err = st.Seed(ctx, seed.FS)
	return err
}
