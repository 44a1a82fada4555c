package insights

import (
	"encoding/json"
	"testing"
	"time"

	"efa-register/internal/catalog"
)

func ev(seq uint64, at string, typ, id string, action catalog.Action, fields map[string]any) catalog.Event {
	changes := map[string][2]any{}
	for k, v := range fields {
		changes[k] = [2]any{nil, v}
	}
	raw, _ := json.Marshal(changes)
	t, _ := time.Parse("2006-01-02", at)
	return catalog.Event{Seq: seq, At: t, EntityType: typ, EntityID: id, Action: action, Changes: string(raw)}
}

// The rank history records the scoreboard at the end of every month with activity.
func TestMonthlyRankHistory(t *testing.T) {
	s := newState()
	evs := []catalog.Event{
		ev(1, "2026-01-05", catalog.EntityOrganisation, "land:01", catalog.ActionCreate, map[string]any{"name": "Nordland", "landKey": "01", "population": 1000.0}),
		ev(2, "2026-01-05", catalog.EntityOrganisation, "land:02", catalog.ActionCreate, map[string]any{"name": "Südland", "landKey": "02", "population": 3000.0}),
		ev(3, "2026-01-10", catalog.EntitySolution, "a", catalog.ActionCreate, map[string]any{"provider": "land:01", "ozgIds": []any{"10001"}}),
		// February: Südland provides two solutions and overtakes Nordland.
		ev(4, "2026-02-03", catalog.EntitySolution, "b", catalog.ActionCreate, map[string]any{"provider": "land:02", "ozgIds": []any{}}),
		ev(5, "2026-02-04", catalog.EntitySolution, "c", catalog.ActionCreate, map[string]any{"provider": "land:02", "ozgIds": []any{}}),
		// April: Nordland adopts b.
		ev(6, "2026-04-01", catalog.EntityAdoption, "1", catalog.ActionCreate, map[string]any{"solution": "b", "adopter": "land:01", "status": "live"}),
	}
	for _, e := range evs {
		s.apply(e)
	}
	if len(s.history) != 2 || s.history[0].Month != "2026-01" || s.history[1].Month != "2026-02" {
		t.Fatalf("history months = %+v", s.history)
	}
	jan, feb := s.history[0].Rows, s.history[1].Rows
	if jan[0].Ranks[ColProvided] != 1 || jan[1].Ranks[ColProvided] != 2 {
		t.Errorf("January provided ranks: %v / %v", jan[0].Ranks, jan[1].Ranks)
	}
	if feb[0].Ranks[ColProvided] != 2 || feb[1].Ranks[ColProvided] != 1 || feb[1].Provided != 2 {
		t.Errorf("February provided ranks: %v / %v", feb[0].Ranks, feb[1].Ranks)
	}
	if now := s.scoreboard(); now[0].Made != 1 || now[1].ReceivedExternal != 1 || now[0].Ranks[ColMade] != 1 {
		t.Errorf("April = %+v", now)
	}
}
