package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"efa-register/bench/harness"
	"efa-register/internal/store/storetest"
)

// TestCrashSafety is the shortened crash harness CI runs: a few SIGKILL
// cycles against the real binary (EFA_CRASH_CYCLES sets how many; the full
// run is "go run ./bench/crash").
func TestCrashSafety(t *testing.T) { crashSafety(t, "") }

// TestCrashSafetyOnPostgres is the same on PostgreSQL (with
// EFA_TEST_DATABASE_URL): kill -9 during writes loses no acknowledged write.
func TestCrashSafetyOnPostgres(t *testing.T) { crashSafety(t, storetest.SeededURL(t)) }

func crashSafety(t *testing.T, databaseURL string) {
	if testing.Short() {
		t.Skip("starts and kills the real server")
	}
	cycles := 3
	if v := os.Getenv("EFA_CRASH_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("EFA_CRASH_CYCLES=%q", v)
		}
		cycles = n
	}
	ctx := context.Background()
	work := t.TempDir()
	bin, err := harness.Build(ctx, work, raceEnabled)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	seeded := ""
	if databaseURL == "" {
		seeded = storetest.Path(t)
	}
	res, err := Run(ctx, Config{Bin: bin, Work: work, Seeded: seeded, DatabaseURL: databaseURL, Cycles: cycles, Clients: 3, Writers: 20,
		MinUp: 200 * time.Millisecond, MaxUp: 800 * time.Millisecond, Seed: uint64(time.Now().UnixNano()), Progress: &log})
	t.Log("\n" + log.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cycles != cycles {
		t.Errorf("ran %d cycles, want %d", res.Cycles, cycles)
	}
	if res.Acknowledged == 0 {
		t.Error("no write was acknowledged: the harness tested nothing")
	}
	if res.Lost != 0 || res.IntegrityFailed != 0 || res.IndexMismatches != 0 {
		t.Errorf("lost %d of %d acknowledged writes, %d integrity failures, %d index mismatches",
			res.Lost, res.Acknowledged, res.IntegrityFailed, res.IndexMismatches)
	}
	for _, p := range res.Problems {
		t.Error(p)
	}
}
