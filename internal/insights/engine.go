package insights

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"efa-register/internal/store"
)

// ErrLoading is returned by the pages and API handlers that need the
// figures while the engine is still loading them; the server answers it
// with a notice page (status 200) for HTML pages and 503 with Retry-After
// for the API and downloads.
var ErrLoading = errors.New("insights: the figures are still being loaded")

// Engine holds the insight state and follows the event log.
type Engine struct {
	st  *store.Store
	log *slog.Logger
	cfg SavingsConfig

	mu      sync.RWMutex
	s       *state
	changed <-chan struct{}
	loaded  atomic.Bool
	// ready is closed once the figures are loaded (setLoaded).
	ready     chan struct{}
	readyOnce sync.Once

	savingsSeq uint64
	savings    *Savings

	// past holds the snapshots of the months before startMonth, replayed
	// from the event log in the background after Open.
	startMonth string
	past       []Snapshot
	pastDone   bool

	// snapPath is the snapshot file (UseSnapshot), "" for none; saved and
	// savedSeq say that it holds the state up to that event.
	snapPath  string
	saved     bool
	savedSeq  uint64
	savedDone bool // whether the file's rank history was complete
}

// New returns an engine that is not loaded yet: its figures are empty and
// Loaded reports false until Load has finished.
func New(st *store.Store, cfg SavingsConfig, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Years <= 0 {
		cfg.Years = DefaultSavingsConfig.Years
	}
	if cfg.OnboardingShare < 0 || cfg.OnboardingShare > 1 {
		return nil, fmt.Errorf("insights: onboarding share %v must be between 0 and 1", cfg.OnboardingShare)
	}
	if cfg.Estimate == nil {
		est, err := DefaultEstimate()
		if err != nil {
			return nil, err
		}
		cfg.Estimate = &est
	}
	return &Engine{st: st, log: log, cfg: cfg, s: newState(), changed: st.Subscribe(), ready: make(chan struct{})}, nil
}

// Load reads the current register into memory, catches up with the event
// log and starts replaying the log's past months (for the rank history) in
// the background. On a large register (a million adoptions) this takes
// seconds, so the server calls it in the background.
func (e *Engine) Load(ctx context.Context) error {
	if e.snapPath != "" {
		began := time.Now()
		ok, why, err := e.loadSnapshot(ctx)
		switch {
		case err != nil:
			e.log.Warn("insights: snapshot not used", "path", e.snapPath, "err", err)
		case ok:
			e.setLoaded()
			e.log.Info("insights: loaded from the snapshot", "path", e.snapPath, "eventSeq", e.Applied(), "seconds", time.Since(began).Seconds())
			return nil
		default:
			e.log.Info("insights: building from the database", "snapshot", why)
		}
	}
	src, err := e.st.LoadInsightSource(ctx)
	if err != nil {
		return fmt.Errorf("insights: load: %w", err)
	}
	s := newState()
	if err := s.load(src, func(fn func(store.InsightAdoption)) error { return e.st.EachInsightAdoption(ctx, fn) }); err != nil {
		return fmt.Errorf("insights: load: %w", err)
	}
	start := time.Now().UTC().Format("2006-01")
	s.month = start
	e.mu.Lock()
	e.s, e.startMonth, e.past, e.pastDone = s, start, nil, false
	e.mu.Unlock()
	if err := e.CatchUp(ctx); err != nil {
		return err
	}
	e.setLoaded()
	e.startReplay(ctx, src.Seq)
	return nil
}

// startReplay replays the log up to seq for the rank history in the
// background; the replay ends with ctx (the server's lifetime). Then the
// state is saved for the next start.
func (e *Engine) startReplay(ctx context.Context, upTo uint64) {
	go func() {
		if !e.replayPast(ctx, upTo) || ctx.Err() != nil {
			return
		}
		if err := e.Save(ctx); err != nil {
			e.log.Warn("insights: save snapshot", "err", err)
		}
		// The replay's second state and the encoded snapshot are garbage
		// now: return them to the system rather than keep the process at
		// its start's peak.
		debug.FreeOSMemory()
	}()
}

// Open returns a loaded engine.
func Open(ctx context.Context, st *store.Store, cfg SavingsConfig, log *slog.Logger) (*Engine, error) {
	e, err := New(st, cfg, log)
	if err != nil {
		return nil, err
	}
	return e, e.Load(ctx)
}

// Loaded reports whether the figures are available.
func (e *Engine) Loaded() bool { return e.loaded.Load() }

// FallbackWait is how long such a page waits (WaitLoaded) before it
// computes the figures from the database after all.
const FallbackWait = 5 * time.Second

func (e *Engine) setLoaded() {
	e.loaded.Store(true)
	e.readyOnce.Do(func() { close(e.ready) })
}

// WaitLoaded waits at most d for the figures and reports whether they are
// available. A page that would otherwise compute them from the database
// (seconds over a million adoptions) waits for them first while the engine
// loads: the load takes about as long, and every request computing the
// same figures meanwhile would slow the load down.
func (e *Engine) WaitLoaded(ctx context.Context, d time.Duration) bool {
	if e.Loaded() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.ready:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return e.Loaded()
}

// replayPast replays the events up to seq into a fresh state and keeps the
// snapshots of the months before the start month. It reports whether the
// replay reached seq (else the history stays incomplete until the next start).
func (e *Engine) replayPast(ctx context.Context, upTo uint64) bool {
	s := newState()
	complete := true
	for s.applied < upTo {
		evs, err := e.st.Events(ctx, s.applied, 5000)
		if err != nil || len(evs) == 0 {
			if err != nil && ctx.Err() == nil {
				e.log.Warn("insights: replay for the rank history failed", "err", err)
			}
			complete = false
			break
		}
		for _, ev := range evs {
			if ev.Seq > upTo {
				break
			}
			s.apply(ev)
		}
	}
	var past []Snapshot
	for _, sn := range s.history {
		if sn.Month < e.startMonth {
			past = append(past, sn)
		}
	}
	if s.month != "" && s.month < e.startMonth && s.active() {
		past = append(past, s.snapshot(s.month))
	}
	e.mu.Lock()
	e.past, e.pastDone = past, true
	e.mu.Unlock()
	return complete
}

// HistoryLoaded reports whether the rank history of the months before the
// start is complete (replayed from the event log or read from the snapshot).
func (e *Engine) HistoryLoaded() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.pastDone
}

// WaitHistory blocks until the rank history of past months is replayed (tests).
func (e *Engine) WaitHistory(ctx context.Context) error {
	for {
		e.mu.RLock()
		done := e.pastDone
		e.mu.RUnlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// CatchUp applies every event not yet applied.
func (e *Engine) CatchUp(ctx context.Context) error {
	for {
		e.mu.RLock()
		after := e.s.applied
		e.mu.RUnlock()
		evs, err := e.st.Events(ctx, after, 5000)
		if err != nil {
			return fmt.Errorf("insights: read events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		e.mu.Lock()
		for _, ev := range evs {
			e.s.apply(ev)
		}
		e.mu.Unlock()
	}
}

// Follow applies new events after each commit until ctx ends.
func (e *Engine) Follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.changed:
			if !e.Loaded() {
				continue // Load catches up itself
			}
			if err := e.CatchUp(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("insights catch-up failed", "err", err)
			}
		}
	}
}

// Applied is the sequence number of the last applied event.
func (e *Engine) Applied() uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.s.applied
}

// Config returns the savings assumptions in use.
func (e *Engine) Config() SavingsConfig { return e.cfg }

// Scoreboard returns the 16 Länder with their figures and ranks, by Länderschlüssel.
func (e *Engine) Scoreboard() []Row {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.s.scoreboard()
}

// RankHistory returns the ranks of a Land at the end of each past month
// with activity and for the current month, oldest first.
func (e *Engine) RankHistory(landKey string) []MonthRanks {
	e.mu.RLock()
	defer e.mu.RUnlock()
	snaps := append(append(append([]Snapshot(nil), e.past...), e.s.history...), e.s.snapshot(e.s.month))
	// A month can be recorded twice (by the replay up to a snapshot and by
	// the events after it): the later record is the month's end.
	sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].Month < snaps[j].Month })
	dedup := snaps[:0]
	for _, sn := range snaps {
		if n := len(dedup); n > 0 && dedup[n-1].Month == sn.Month {
			dedup[n-1] = sn
			continue
		}
		dedup = append(dedup, sn)
	}
	snaps = dedup
	var out []MonthRanks
	for _, sn := range snaps {
		for _, r := range sn.Rows {
			if r.LandKey == landKey {
				out = append(out, MonthRanks{Month: sn.Month, Ranks: r.Ranks, Row: r})
			}
		}
	}
	return out
}

// MonthRanks is a Land's scoreboard row at the end of one month.
type MonthRanks struct {
	Month string
	Ranks map[string]int
	Row   Row
}

// Savings returns the Digitalisierungsrendite, recomputed only after changes.
func (e *Engine) Savings() Savings {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.savings == nil || e.savingsSeq != e.s.applied {
		sv := e.s.savings(e.cfg)
		e.savings, e.savingsSeq = &sv, e.s.applied
	}
	return *e.savings
}
