package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"efa-register/internal/api"
	"efa-register/internal/insights"
	"efa-register/internal/search"
	"efa-register/internal/server"
)

// defaultMemoryLimit is the soft memory limit of efa serve when GOMEMLIMIT
// is not set. The register keeps about 100 MB live at national scale (the
// insight figures 66 MB, the search columns, the caches); without a limit Go lets
// garbage grow to the size of the live heap again before it collects, and
// a streamed export produces garbage quickly, so the process would hold
// several times what it uses. With the limit the collector runs more often
// once the heap nears it. It is soft: if more is live, the process takes it
// (the collector then uses at most about half the CPU), so it never causes
// an out-of-memory error itself. GOMEMLIMIT overrides it (e.g. 1GiB, or off).
// 180 MiB keeps the process below 280 MB at national scale with room for
// the rank-history replay after a start (about 45 MB more live for 15 to
// 60 s); 160 MiB saved 6 MB of peak and slowed the change-feed sync and the
// export by a tenth (docs/PERFORMANCE.md).
const defaultMemoryLimit = 180 << 20

func cmdServe(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Liefert das Register über HTTP aus. Ein leerer Datenordner wird zuerst mit den eingebetteten\n"+
		"echten Daten befüllt. Protokolliert JSON-Zeilen auf stderr (EFA_LOG_LEVEL); beenden mit Strg+C oder SIGTERM.", stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "`Adresse`, auf der das Register lauscht (EFA_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank und des Suchindex (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("unerwartetes Argument „%s“", fs.Arg(0))
	}
	log := newServeLogger(cfg, stderr)
	if cfg.DefaultMemoryLimit {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	// The lock tells efa restore that this data folder is in use.
	release, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer release()
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := seedIfEmpty(ctx, st, log); err != nil {
		return err
	}
	// The followers of the event log stop before the index and the database close.
	followCtx, stopFollow := context.WithCancel(context.Background())
	var followers sync.WaitGroup
	var ix *search.Index
	defer func() {
		stopFollow()
		followers.Wait()
		if ix == nil {
			return
		}
		if err := ix.Close(); err != nil {
			log.Warn("close search index", "err", err)
		}
	}()
	// Writes of other instances on the same database (PostgreSQL), or of
	// other processes such as efa import, reach the followers through the
	// store's signals like this instance's own writes.
	followers.Go(func() { st.FollowDatabase(followCtx) })
	// The insight figures load into memory in the background, beside the
	// opening of the search index (seconds on a large register without a
	// snapshot; the insight pages show a notice and /readyz answers 503 until
	// then), and follow the event log.
	eng, err := insights.New(st, cfg.Savings, log)
	if err != nil {
		return err
	}
	// The figures are saved beside the database when the server stops (and
	// after the first build), so that the next start reads them in about a
	// second instead of rebuilding them from the database.
	eng.UseSnapshot(filepath.Join(cfg.DataDir, insights.SnapshotFile))
	defer func() {
		if err := eng.Save(context.Background()); err != nil {
			log.Warn("insights: save snapshot", "err", err)
		}
	}()
	followers.Go(func() {
		if err := eng.Load(followCtx); err != nil {
			if followCtx.Err() == nil {
				log.Error("insights: load failed", "err", err)
			}
			return
		}
		// Building the figures leaves the heap at the soft limit; what is
		// garbage now goes back to the system at once, so the pages served
		// later start from what is live (the history replay does the same
		// when it ends).
		debug.FreeOSMemory()
		eng.Follow(followCtx)
	})
	// The search index follows the database; it is built on first start and
	// rebuilt when missing or broken (see internal/search).
	if ix, err = search.Open(ctx, indexDir(cfg), st, log); err != nil {
		return err
	}
	followers.Go(func() { ix.Follow(followCtx) })
	followers.Go(func() { sweepSessions(followCtx, st, log) })
	// Webhooks push the change feed to registered receivers (efa webhook add).
	hookCtx, stopHooks := context.WithCancel(context.Background())
	hooksDone := make(chan struct{})
	dispatcher := api.NewWebhookDispatcher(st, log)
	dispatcher.Client = webhookGuard.Client(10*time.Second, 0)
	go func() { defer close(hooksDone); dispatcher.Run(hookCtx) }()
	defer func() { stopHooks(); <-hooksDone }()
	// Account e-mails are queued after commit and delivered in the background.
	mailer, closeMail := startMailer(cfg, log)
	defer closeMail()
	handler := server.New(server.Deps{Mail: mailer, Store: st, Log: log, Version: buildVersion(), Ops: cfg.Ops, Search: ix, Auth: cfg.Auth, Insights: eng,
		PublicURL: cfg.PublicURL, Operator: cfg.Operator, PubliccodeFetcher: publiccodeFetcher(cfg)})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Large API answers tune their socket while they are sent (TCP_CORK).
		ConnContext: api.ConnContext,
		// net/http's own complaints (TLS handshakes, panics) as JSON too.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("kann nicht auf %s lauschen: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "version", buildVersion())
	fmt.Fprintf(stdout, "EfA-Register läuft auf http://%s\n", browsableAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("Beenden: nach 15 s liefen noch Anfragen: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// browsableAddr is the address to open in a browser: localhost for a
// listener on all interfaces (":8080" listens on "[::]:8080").
func browsableAddr(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && t.IP.IsUnspecified() {
		return net.JoinHostPort("localhost", strconv.Itoa(t.Port))
	}
	return a.String()
}
