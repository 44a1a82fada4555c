package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/url"
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

// config is the configuration of every subcommand, read once from the
// environment and overridden by flags.
type config struct {
	Addr    string
	DataDir string
	// DatabaseURL is EFA_DATABASE_URL: empty for the SQLite file in DataDir,
	// or a postgres:// URL.
	DatabaseURL string
	LogLevel    slog.Level
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
	if v := strings.TrimSpace(getenv("EFA_DATABASE_URL")); v != "" {
		if err := store.CheckDatabaseURL(v); err != nil {
			return c, fmt.Errorf("EFA_DATABASE_URL=%q: %v: %w", store.RedactURL(v), err, errUsage)
		}
		c.DatabaseURL = v
	}
	if v := getenv("EFA_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("EFA_LOG_LEVEL=%q: erwartet debug, info, warn oder error: %w", v, errUsage)
		}
	}
	if v := getenv("EFA_PUBLIC_URL"); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("EFA_PUBLIC_URL=%q: erwartet eine absolute Adresse wie https://efa.example.de: %w", v, errUsage)
		}
		c.PublicURL = strings.TrimSuffix(v, "/")
	}
	c.Operator = views.Operator{Name: strings.TrimSpace(getenv("EFA_OPERATOR_NAME")),
		Address: strings.TrimSpace(strings.ReplaceAll(getenv("EFA_OPERATOR_ADDRESS"), "|", "\n")),
		Email:   strings.TrimSpace(getenv("EFA_OPERATOR_EMAIL"))}
	if v := c.Operator.Email; v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			return c, fmt.Errorf("EFA_OPERATOR_EMAIL=%q: erwartet eine einfache E-Mail-Adresse wie efa@land.example: %w", v, errUsage)
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

// run is the whole program: main only calls it, so tests can too. Without
// a command it serves; "efa --help" and "efa help" print the overview, and
// "efa CMD --help" (or "efa help CMD") the usage of a command, to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if wantsHelp(args) {
		fmt.Fprint(stdout, overview())
		return nil
	}
	c := findCommand(name)
	if c == nil {
		return &usageError{msg: fmt.Sprintf("unbekannter Befehl „%s“", name), usage: shortOverview("efa [BEFEHL] [Optionen] [ARGUMENTE]")}
	}
	cfg, err := loadConfig(getenv)
	if wantsHelp(args) {
		// The help shows the defaults as far as the environment could be read.
		return showHelp(ctx, cfg, c, args, stdout)
	}
	if err != nil {
		return err
	}
	return c.run(ctx, cfg, args, stdout, stderr)
}

// newLogger is the logger of the one-shot commands (all but efa serve): their
// output is for people, so they log (JSON lines on w) only at
// EFA_LOG_LEVEL=debug.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	if cfg.LogLevel > slog.LevelDebug {
		return slog.New(slog.DiscardHandler)
	}
	return newServeLogger(cfg, w)
}

// newServeLogger is the logger of efa serve: JSON lines on w from
// EFA_LOG_LEVEL up, with secrets redacted.
func newServeLogger(cfg config, w io.Writer) *slog.Logger {
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

// postgres reports whether the register's database is PostgreSQL (EFA_DATABASE_URL).
func (c config) postgres() bool { return c.DatabaseURL != "" }

// webhookGuard is the network policy for webhook receivers, at registration
// and at delivery: the production policy. The tests of this package open it
// for their local receivers (LoopbackInTests, which only a test binary honours).
var webhookGuard netguard.Guard

// openStore opens the database: the SQLite file in the data folder, or the
// PostgreSQL database of EFA_DATABASE_URL.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	st, err := store.OpenURL(ctx, cfg.DatabaseURL, cfg.dbPath(), log)
	if err != nil {
		return nil, err
	}
	// Webhook receivers pass the network guard, which also refuses the
	// register's own host (EFA_PUBLIC_URL).
	g := webhookGuard
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
		g.DenyHosts = []string{u.Hostname()}
	}
	st.SetWebhookGuard(g)
	return st, nil
}

// seedIfEmpty loads the seed data into a database that has no Länder yet.
// Several instances starting together on one PostgreSQL database seed it
// once: the check and the seed run under one exclusive lock.
func seedIfEmpty(ctx context.Context, st *store.Store, log *slog.Logger) error {
	return st.Exclusive(ctx, "seed", func(ctx context.Context) error {
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
	})
}
