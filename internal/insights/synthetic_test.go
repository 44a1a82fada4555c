package insights_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/insights"
	"efa-register/internal/store"
)

// insightsHeapBound is the most heap the loaded insight figures of the
// synthetic register (50,000 solutions, 1,000,000 adoptions) may keep live.
const insightsHeapBound = 90 << 20

// TestMemoryOnSynthetic loads the insight figures of a synthetic register
// (efa gen-synthetic; point EFA_SYNTHETIC_DB at a copy of its efa.db, the
// test opens it for writing) and checks the heap they keep live (the
// cached savings included), and the peak while loading. EFA_HEAP_PROFILE=file writes a heap profile of the
// loaded engine.
func TestMemoryOnSynthetic(t *testing.T) {
	path := os.Getenv("EFA_SYNTHETIC_DB")
	if path == "" {
		t.Skip("EFA_SYNTHETIC_DB is not set (a copy of a synthetic register's efa.db)")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := heapInUse()
	peak := samplePeak()
	began := time.Now()
	e, err := insights.Open(ctx, st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(began)
	if err := e.WaitHistory(ctx); err != nil {
		t.Fatal(err)
	}
	withHistory := time.Since(began)
	// A server computes the Digitalisierungsrendite at its first read and
	// keeps each solution's part for the next: that cache is live too.
	if sv := e.Savings(); len(sv.BySolution) == 0 {
		t.Fatal("no savings per solution")
	}
	peakHeap := peak()
	live := heapInUse() - before
	t.Logf("loaded in %v (rank history after %v): %d MB live, peak heap while loading %d MB, %d adoptions in the scoreboard",
		loaded.Round(time.Millisecond), withHistory.Round(time.Millisecond), live>>20, peakHeap>>20, made(e))
	if f := os.Getenv("EFA_HEAP_PROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
	if live > insightsHeapBound {
		t.Errorf("the insight figures keep %d MB live, want at most %d MB", live>>20, insightsHeapBound>>20)
	}

	// The same figures saved to a snapshot and read back, as at a restart.
	snap := filepath.Join(t.TempDir(), insights.SnapshotFile)
	e.UseSnapshot(snap)
	began = time.Now()
	if err := e.Save(ctx); err != nil {
		t.Fatal(err)
	}
	saved := time.Since(began)
	want := e.Scoreboard()
	e = nil
	before = heapInUse()
	peak = samplePeak()
	began = time.Now()
	r, err := insights.New(st, insights.DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.UseSnapshot(snap)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	restored := time.Since(began)
	peakHeap = peak()
	live = heapInUse() - before
	fi, _ := os.Stat(snap)
	t.Logf("snapshot of %d MB saved in %v, read in %v (history complete: %v): %d MB live, peak heap while reading %d MB",
		fi.Size()>>20, saved.Round(time.Millisecond), restored.Round(time.Millisecond), r.HistoryLoaded(), live>>20, peakHeap>>20)
	if diff := cmp.Diff(want, r.Scoreboard()); diff != "" {
		t.Errorf("scoreboard from the snapshot differs:\n%s", diff)
	}
	runtime.KeepAlive(r)
}

func made(e *insights.Engine) int {
	n := 0
	for _, r := range e.Scoreboard() {
		n += r.Made
	}
	return n
}

func heapInUse() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// samplePeak samples the heap in use every 20 ms until the returned
// function is called, which reports the peak.
func samplePeak() func() uint64 {
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}
