package server

import (
	"context"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/static"
)

// handleHealthz answers 200 while the process lives.
func (s *server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

// handleReadyz answers 200 when the database is open and migrated, the
// in-memory insight figures are loaded, and the search index (when configured) trails the event log by no more than
// Ops.MaxIndexLagEvents events and Ops.MaxIndexLagAge; the body reports the
// state and the lag. The state is computed at most once a second, or when
// a write or the index moved on, so a flood of probes costs no queries.
func (s *server) handleReadyz(c echo.Context) error {
	code, state := s.ready.get(c.Request().Context(), s)
	return c.JSON(code, state)
}

// readiness caches the answer of /readyz.
type readiness struct {
	mu      sync.Mutex
	at      time.Time
	writes  uint64 // Store.Writes() when computed
	applied uint64 // the index's applied event when computed
	views   viewsState
	code    int
	state   map[string]any
}

const readinessTTL = time.Second

func (r *readiness) get(ctx context.Context, s *server) (int, map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var applied uint64
	if s.Search != nil {
		applied = s.Search.AppliedSeq()
	}
	views := s.viewsState()
	now := time.Now()
	if r.state == nil || now.Sub(r.at) >= readinessTTL || s.Store.Writes() != r.writes || applied != r.applied || views != r.views {
		r.at, r.writes, r.applied, r.views = now, s.Store.Writes(), applied, views
		r.code, r.state = s.readiness(ctx, now)
	}
	return r.code, r.state
}

// viewsState is how far the in-memory views were loaded when the answer was
// computed: the cached answer is stale as soon as either step completes, so
// /readyz turns 200 the moment the figures are up, not up to a second later.
type viewsState struct{ loaded, history bool }

func (s *server) viewsState() viewsState {
	if s.Insights == nil {
		return viewsState{true, true}
	}
	return viewsState{s.Insights.Loaded(), s.Insights.HistoryLoaded()}
}

// readiness computes the state /readyz reports.
func (s *server) readiness(ctx context.Context, now time.Time) (int, map[string]any) {
	if err := s.Store.Ping(ctx); err != nil {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "nicht erreichbar"}
	}
	v, err := s.Store.SchemaVersion(ctx)
	if err != nil || v == 0 {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "nicht migriert"}
	}
	// The state of database and index, for operators and the crash harness.
	state := map[string]any{"status": "ready", "schemaVersion": v, "databaseVersion": s.Store.DatabaseVersion()}
	if sv := s.Store.SQLiteVersion(); sv != "" {
		state["sqliteVersion"] = sv
	}
	last, err := s.Store.LastEventSeq(ctx)
	if err != nil {
		return http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "nicht lesbar"}
	}
	state["eventSeq"] = last
	// The in-memory views (the insight figures) load in the background after
	// the listener opens; pages show a notice meanwhile, and a load balancer
	// waits for them here.
	if s.Insights != nil {
		if !s.Insights.Loaded() {
			state["status"], state["insights"] = "unavailable", "wird aufgebaut"
			return http.StatusServiceUnavailable, state
		}
		state["insights"] = "aktuell"
		state["insightsEventSeq"] = s.Insights.Applied()
		// The rank history of the months before the start is replayed from the
		// event log after the figures are up when there was no snapshot (the
		// first start after an upgrade): the pages are complete but for the
		// monthly ranks, so this is reported, not a reason to turn traffic away.
		state["insightsHistory"] = "aktuell"
		if !s.Insights.HistoryLoaded() {
			state["insightsHistory"] = "wird nachgerechnet"
		}
	}
	if s.Search == nil {
		return http.StatusOK, state
	}
	applied := s.Search.AppliedSeq()
	state["search"] = "aktuell"
	state["searchEventSeq"] = applied
	if n, err := s.Search.DocCount(); err == nil {
		state["searchDocuments"] = n
	}
	// The index follows the event log; a short lag (a burst of writes) is
	// normal, a long one means searches miss changes.
	var lagEvents uint64
	var lagAge time.Duration
	if applied < last {
		lagEvents = last - applied
		if at, ok, err := s.Store.FirstEventAfter(ctx, applied); err == nil && ok {
			lagAge = max(0, now.Sub(at))
		}
		state["search"] = "folgt"
	}
	state["searchLagEvents"] = lagEvents
	state["searchLagSeconds"] = lagAge.Seconds()
	if lagEvents > s.Ops.MaxIndexLagEvents || lagAge > s.Ops.MaxIndexLagAge {
		state["status"], state["search"] = "unavailable", "Suchindex nicht aktuell"
		return http.StatusServiceUnavailable, state
	}
	return http.StatusOK, state
}

// handleStatic serves the embedded files under /static/. Directories are
// not served (no listing, and no redirect between /dir and /dir/ that the
// trailing-slash rule would turn into a loop).
func handleStatic(c echo.Context) error {
	name := c.Param("*")
	if fi, err := fs.Stat(static.FS, name); err != nil || fi.IsDir() {
		return echo.ErrNotFound
	}
	http.ServeFileFS(c.Response(), c.Request(), static.FS, name)
	return nil
}
