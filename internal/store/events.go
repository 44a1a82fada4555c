package store

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// tx is a write transaction that appends events as it goes.
type tx struct {
	db      *gorm.DB
	actor   string
	now     time.Time
	pending []catalog.Event
}

// write runs fn in one exclusive transaction (BEGIN IMMEDIATE on SQLite, the
// write lock on PostgreSQL, see beginWrite) and signals Changed after commit.
func (s *Store) write(ctx context.Context, actor string, fn func(t *tx) error) error {
	t := &tx{actor: actor, now: time.Now().UTC()}
	err := s.w.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		t.db = db
		if err := s.beginWrite(db); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		// Events are buffered and written in batches just before commit, in
		// the order they were made, so large writes (the seed) stay fast.
		if len(t.pending) == 0 {
			return nil
		}
		return db.CreateInBatches(t.pending, 500).Error
	})
	if err != nil {
		return err
	}
	if len(t.pending) > 0 {
		s.notify()
	}
	return nil
}

// notify signals every follower of the event log without blocking.
func (s *Store) notify() {
	s.writes.Add(1)
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for _, ch := range append([]chan struct{}{s.changed}, s.subs...) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Writes counts the committed writes of this process that appended events;
// it is counted before the write returns and before the followers are
// signalled. A reader that finds the count unchanged knows no write of this
// process committed in between, at the cost of one atomic load (the web
// layer asks on every request whether its cached answers are current).
func (s *Store) Writes() uint64 { return s.writes.Load() }

// Subscribe returns a new channel that is signalled (without blocking)
// after every committed write, for one more follower of the event log.
func (s *Store) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.subMu.Lock()
	s.subs = append(s.subs, ch)
	s.subMu.Unlock()
	return ch
}

// event appends one event with the field diff between before and after
// (either may be nil for create and delete). It returns false without writing
// when an update changed nothing.
func (t *tx) event(entityType, entityID string, action catalog.Action, before, after any) (bool, error) {
	changes := diff(fields(before), fields(after))
	if action == catalog.ActionUpdate && len(changes) == 0 {
		return false, nil
	}
	raw, err := json.Marshal(changes)
	if err != nil {
		return false, err
	}
	t.pending = append(t.pending, catalog.Event{At: t.now, Actor: t.actor, EntityType: entityType, EntityID: entityID, Action: action, Changes: string(raw)})
	return true, nil
}

// fields turns a value into its JSON object form, the shape diffs are made of.
func fields(v any) map[string]any {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range []string{"createdAt", "updatedAt"} {
		delete(m, k)
	}
	return m
}

// diff returns {"field": [old, new]} for every field that differs.
func diff(before, after map[string]any) map[string][2]any {
	out := map[string][2]any{}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k := range keys {
		o, n := before[k], after[k]
		if !reflect.DeepEqual(o, n) {
			out[k] = [2]any{o, n}
		}
	}
	return out
}

// Events returns up to limit events with a sequence number above after, in order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]catalog.Event, error) {
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&evs).Error
	return evs, translate(err, "events")
}

// EventsFor returns the history of one entity, newest first.
func (s *Store) EventsFor(ctx context.Context, entityType, entityID string, limit int) ([]catalog.Event, error) {
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", entityType, entityID).
		Order("seq desc").Limit(limit).Find(&evs).Error
	return evs, translate(err, "events for "+entityType)
}

// LatestEvents returns the newest events of the given entity types made in
// the register, newest first. The seed import is left out: loading the
// reference data at installation is no news about the solutions.
func (s *Store) LatestEvents(ctx context.Context, types []string, limit int) ([]catalog.Event, error) {
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("entity_type IN ? AND actor <> ?", types, catalog.ActorSeed).Order("seq desc").Limit(limit).Find(&evs).Error
	return evs, translate(err, "latest events")
}

// FirstEventAfter is when the first event after seq was written: how long
// a follower at seq has been behind. ok is false when there is none.
func (s *Store) FirstEventAfter(ctx context.Context, seq uint64) (at time.Time, ok bool, err error) {
	var evs []catalog.Event
	err = s.r.WithContext(ctx).Select("seq", "at").Where("seq > ?", seq).Order("seq").Limit(1).Find(&evs).Error
	if err != nil || len(evs) == 0 {
		return time.Time{}, false, translate(err, "event time")
	}
	return evs[0].At, true, nil
}

// LastEventSeq is the highest sequence number in the log (0 when empty).
func (s *Store) LastEventSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	err := s.r.WithContext(ctx).Model(&catalog.Event{}).Select("coalesce(max(seq), 0)").Scan(&seq).Error
	return seq, translate(err, "last event")
}

// FieldChange is one changed field of an event, decoded for display.
type FieldChange struct {
	Field    string
	Old, New any
}

// DecodeChanges returns an event's changes sorted by field name.
func DecodeChanges(ev catalog.Event) []FieldChange {
	var m map[string][2]any
	if json.Unmarshal([]byte(ev.Changes), &m) != nil {
		return nil
	}
	out := make([]FieldChange, 0, len(m))
	for k, v := range m {
		out = append(out, FieldChange{Field: k, Old: v[0], New: v[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
