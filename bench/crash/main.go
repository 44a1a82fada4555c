// Command crash is the crash-safety harness: it starts the real efa serve,
// registers adoptions through the API from several clients, records every
// acknowledged write, kills the server with SIGKILL at random moments,
// restarts it and verifies that PRAGMA integrity_check is ok, that every
// acknowledged write is present and that the search index agrees with the
// database. It prints the cycles run and the writes lost.
//
//	go run ./bench/crash -cycles 100
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"efa-register/bench/harness"
	"efa-register/internal/store"
)

func main() {
	cycles := flag.Int("cycles", 100, "kill and restart this many times")
	clients := flag.Int("clients", 4, "concurrent API clients")
	writers := flag.Int("writers", 200, "Gemeinden with an API token")
	minUp := flag.Duration("min-up", 100*time.Millisecond, "earliest kill after the server is ready")
	maxUp := flag.Duration("max-up", 1500*time.Millisecond, "latest kill after the server is ready")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed of kill moments and write order")
	bin := flag.String("bin", "", "efa binary (default: build ./cmd/efa)")
	keep := flag.Bool("keep", false, "keep the work folder")
	dbURL := flag.String("database-url", "", "run on this empty PostgreSQL database (postgres://…) instead of SQLite")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	work, err := os.MkdirTemp("", "efa-crash-")
	if err != nil {
		fail(err)
	}
	if !*keep {
		defer os.RemoveAll(work)
	}
	if *bin == "" {
		if *bin, err = harness.Build(ctx, work, false); err != nil {
			fail(err)
		}
	}
	database := "SQLite"
	if *dbURL != "" {
		database = store.RedactURL(*dbURL)
	}
	fmt.Printf("crash harness: %d cycles, %d clients, %d writers, kill %v–%v after ready, seed %d, work %s, database %s\n",
		*cycles, *clients, *writers, *minUp, *maxUp, *seed, work, database)
	start := time.Now()
	res, err := Run(ctx, Config{Bin: *bin, Work: work, Cycles: *cycles, Clients: *clients, Writers: *writers,
		MinUp: *minUp, MaxUp: *maxUp, Seed: *seed, Progress: os.Stdout, DatabaseURL: *dbURL})
	if err != nil {
		fail(err)
	}
	for _, p := range res.Problems {
		fmt.Println("problem:", p)
	}
	fmt.Printf("cycles run: %d, acknowledged writes: %d, writes lost: %d, integrity failures: %d, index mismatches: %d (%.0f s)\n",
		res.Cycles, res.Acknowledged, res.Lost, res.IntegrityFailed, res.IndexMismatches, time.Since(start).Seconds())
	if res.Lost > 0 || res.IntegrityFailed > 0 || res.IndexMismatches > 0 || len(res.Problems) > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crash:", err)
	os.Exit(1)
}
