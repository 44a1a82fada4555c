package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealthz answers 200 while the process lives.
func (s *server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

// handleReadyz answers 200 only when the database is open and migrated and
// the search index (when configured) has applied every event.
func (s *server) handleReadyz(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.Store.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "nicht erreichbar"})
	}
	v, err := s.Store.SchemaVersion(ctx)
	if err != nil || v == 0 {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "nicht migriert"})
	}
	// The state of database and index, for operators and the crash harness.
	state := map[string]any{"status": "ready", "schemaVersion": v, "sqliteVersion": s.Store.SQLiteVersion()}
	if seq, err := s.Store.LastEventSeq(ctx); err == nil {
		state["eventSeq"] = seq
	}
	if s.Search != nil {
		state["search"] = "aktuell"
		state["searchEventSeq"] = s.Search.AppliedSeq()
		if n, err := s.Search.DocCount(); err == nil {
			state["searchDocuments"] = n
		}
		// The search index follows the event log; until it has applied every
		// event, searches would miss the newest changes.
		if err := s.Search.Ready(ctx); err != nil {
			state["status"], state["search"] = "unavailable", "Suchindex nicht aktuell"
			return c.JSON(http.StatusServiceUnavailable, state)
		}
	}
	return c.JSON(http.StatusOK, state)
}
