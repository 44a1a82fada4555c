package insights

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"efa-register/internal/store"
)

// Engine holds the insight state and follows the event log.
type Engine struct {
	st  *store.Store
	log *slog.Logger
	cfg SavingsConfig

	mu      sync.RWMutex
	s       *state
	changed <-chan struct{}

	savingsSeq uint64
	savings    *Savings
}

// Open replays the whole event log into memory.
func Open(ctx context.Context, st *store.Store, cfg SavingsConfig, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Years <= 0 {
		cfg.Years = DefaultSavingsConfig.Years
	}
	if cfg.OnboardingShare < 0 || cfg.OnboardingShare > 1 {
		return nil, fmt.Errorf("insights: onboarding share %v must be between 0 and 1", cfg.OnboardingShare)
	}
	e := &Engine{st: st, log: log, cfg: cfg, s: newState(), changed: st.Subscribe()}
	if err := e.CatchUp(ctx); err != nil {
		return nil, err
	}
	return e, nil
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
	snaps := append(append([]Snapshot(nil), e.s.history...), e.s.snapshot(e.s.month))
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
