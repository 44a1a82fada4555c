package insights

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"efa-register/internal/catalog"
)

// The compact state is saved to a file in the data folder (Engine.UseSnapshot)
// after it was built and when the server stops, so that the next start reads
// it in well under a second instead of reading a million adoptions from the
// database and replaying the whole event log for the rank history. The file
// names the event it reflects (sequence number, time and entity); it is used
// only when the database's log still has that very event, and the events
// after it are applied from the log as usual. Otherwise (a restored backup,
// another database, another format) the state is built from the database
// and the file is replaced. Like the state itself it is derived data:
// deleting it only costs time at the next start.

// snapshotVersion changes whenever the meaning of the file changes.
const snapshotVersion = 1

// SnapshotFile is the file name of the snapshot in the data folder. (A raw
// string: the catalogue test takes a quoted "insights.…" for a message id.)
const SnapshotFile = `insights.snapshot`

type diskOrg struct {
	Ref, Name, Abbr, Land, Kreis string
	Pop                          int64
	KS                           float64
	Present                      bool
}

type diskSolution struct {
	Slug, Name    string
	Provider      int32
	Services      []int32
	Build, Yearly *float64
	Sharing       string
	Present       bool
}

type diskService struct {
	ID, Name string
	Topic    uint
	Present  bool
}

// diskState is the file's content: the slots in order and the adoptions
// as columns by id.
type diskState struct {
	Version int
	// Seq is the last applied event; SeqAt and SeqEntity identify it.
	Seq                   uint64
	SeqAt                 int64
	SeqEntity             string
	Month, LastEventMonth string
	// Months are the scoreboards at the end of past months, oldest first.
	Months []Snapshot
	// HistoryDone is false when the replay for the rank history had not
	// finished: Months then hold only the months after the build, and the
	// next start replays the log up to Seq again.
	HistoryDone bool
	Orgs        []diskOrg
	Services    []diskService
	Sols        []diskSolution
	Topics      map[uint]string
	Statuses    []string
	// Adoption columns, indexed by adoption id.
	AdSol, AdOrg []int32
	AdStatus     []uint8
	AdClaimed    []bool
}

// UseSnapshot makes Load read the state from the file at path when it
// matches the database, and the engine save it there (Save, and after a
// build from the database). Call it before Load.
func (e *Engine) UseSnapshot(path string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.snapPath = path
}

// toDisk copies the state into its file form; it shares nothing mutable
// with the state, so it can be encoded without holding the engine's lock.
func (s *state) toDisk(months []Snapshot) diskState {
	d := diskState{Version: snapshotVersion, Seq: s.applied, Month: s.month, LastEventMonth: s.lastEventMonth,
		Months: months, Topics: map[uint]string{}, Statuses: append([]string(nil), s.statuses...)}
	for k, v := range s.topics {
		d.Topics[k] = v
	}
	d.Orgs = make([]diskOrg, len(s.orgs))
	for ref, slot := range s.orgSlots {
		d.Orgs[slot].Ref = ref
		if o := s.orgs[slot]; o != nil {
			d.Orgs[slot] = diskOrg{Ref: ref, Name: o.name, Abbr: o.abbr, Land: o.land, Kreis: o.kreis, Pop: o.pop, KS: o.ks, Present: true}
		}
	}
	d.Services = make([]diskService, len(s.svcIDs))
	for slot, id := range s.svcIDs {
		d.Services[slot].ID = id
		if sv := s.svcs[slot]; sv != nil {
			d.Services[slot] = diskService{ID: id, Name: sv.name, Topic: sv.topic, Present: true}
		}
	}
	d.Sols = make([]diskSolution, len(s.sols))
	for slug, slot := range s.solSlots {
		d.Sols[slot].Slug = slug
		if sol := s.sols[slot]; sol != nil {
			d.Sols[slot] = diskSolution{Slug: slug, Name: sol.name, Provider: sol.provider, Services: append([]int32(nil), sol.services...),
				Build: copyFloat(sol.build), Yearly: copyFloat(sol.yearly), Sharing: sol.sharing, Present: true}
		}
	}
	n := len(s.adoptions)
	d.AdSol, d.AdOrg, d.AdStatus, d.AdClaimed = make([]int32, n), make([]int32, n), make([]uint8, n), make([]bool, n)
	for id, a := range s.adoptions {
		d.AdSol[id], d.AdOrg[id], d.AdStatus[id], d.AdClaimed[id] = a.sol, a.org, a.status, a.claimed
	}
	return d
}

func copyFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	f := *p
	return &f
}

// fromDisk rebuilds a state (counters included) from its file form.
func fromDisk(d diskState) (*state, error) {
	n := len(d.AdSol)
	if len(d.AdOrg) != n || len(d.AdStatus) != n || len(d.AdClaimed) != n {
		return nil, errors.New("adoption columns of different lengths")
	}
	s := newState()
	s.statuses = d.Statuses
	s.live = s.statusCode(string(catalog.AdoptionLive))
	for k, v := range d.Topics {
		s.topics[k] = v
	}
	for _, do := range d.Orgs {
		slot := s.orgSlot(do.Ref)
		if !do.Present {
			continue
		}
		o := &org{ref: do.Ref, name: do.Name, abbr: do.Abbr, land: do.Land, kreis: do.Kreis, pop: do.Pop, ks: do.KS, gem: -1}
		o.kind, o.key, _ = strings.Cut(do.Ref, ":")
		s.orgs[slot] = o
		s.index(o)
	}
	for _, ds := range d.Services {
		slot := s.svcSlot(ds.ID)
		if ds.Present {
			s.svcs[slot] = &service{id: ds.ID, name: ds.Name, topic: ds.Topic}
		}
	}
	for _, ds := range d.Sols {
		slot := s.solSlot(ds.Slug)
		if !ds.Present {
			continue
		}
		for _, sv := range ds.Services {
			if sv < 0 || int(sv) >= len(s.svcIDs) {
				return nil, fmt.Errorf("solution %s names service slot %d of %d", ds.Slug, sv, len(s.svcIDs))
			}
		}
		if ds.Provider < -1 || ds.Provider >= int32(len(s.orgs)) {
			return nil, fmt.Errorf("solution %s names organisation slot %d of %d", ds.Slug, ds.Provider, len(s.orgs))
		}
		s.sols[slot] = &solution{slug: ds.Slug, name: ds.Name, provider: ds.Provider, services: ds.Services,
			build: ds.Build, yearly: ds.Yearly, sharing: ds.Sharing}
	}
	s.adoptions = make([]adoption, n)
	for id := range n {
		a := adoption{sol: d.AdSol[id], org: d.AdOrg[id], status: d.AdStatus[id], claimed: d.AdClaimed[id]}
		if !a.exists() {
			continue
		}
		if a.sol < 0 || int(a.sol) > len(s.sols) || a.org < 0 || int(a.org) >= len(s.orgs) || int(a.status) >= len(s.statuses) {
			return nil, fmt.Errorf("adoption %d refers to slots outside the file", id)
		}
		s.adoptions[id] = a
		s.link(uint32(id), a.sol-1)
	}
	s.recount()
	s.applied, s.month, s.lastEventMonth = d.Seq, d.Month, d.LastEventMonth
	return s, nil
}

// Save writes the state to the snapshot file (when UseSnapshot named one);
// the server calls it when it stops. It is a no-op before the state is
// loaded and when the file holds this state already.
func (e *Engine) Save(ctx context.Context) error {
	if !e.Loaded() {
		return nil
	}
	e.mu.RLock()
	path := e.snapPath
	if path == "" {
		e.mu.RUnlock()
		return nil
	}
	if e.savedSeq == e.s.applied && e.saved && e.savedDone == e.pastDone {
		e.mu.RUnlock()
		return nil // the file holds this state already
	}
	// Without the finished replay the past months are unknown: the file says
	// so, and the next start reads the figures and replays the history.
	var months []Snapshot
	if e.pastDone {
		months = append(months, e.past...)
	}
	months = append(months, e.s.history...)
	d := e.s.toDisk(months)
	d.HistoryDone = e.pastDone
	e.mu.RUnlock()
	if d.Seq > 0 {
		evs, err := e.st.Events(ctx, d.Seq-1, 1)
		if err != nil {
			return fmt.Errorf("insights: snapshot: %w", err)
		}
		if len(evs) == 0 || evs[0].Seq != d.Seq {
			return fmt.Errorf("insights: snapshot: event %d is not in the log", d.Seq)
		}
		d.SeqAt, d.SeqEntity = evs[0].At.UnixNano(), evs[0].EntityType+"/"+evs[0].EntityID
	}
	if err := writeSnapshot(path, d); err != nil {
		return err
	}
	e.mu.Lock()
	e.saved, e.savedSeq, e.savedDone = true, d.Seq, d.HistoryDone
	e.mu.Unlock()
	return nil
}

func writeSnapshot(path string, d diskState) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".insights-*.tmp")
	if err != nil {
		return fmt.Errorf("insights: snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := gob.NewEncoder(w).Encode(d); err != nil {
		tmp.Close()
		return fmt.Errorf("insights: snapshot: encode: %w", err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("insights: snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("insights: snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("insights: snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("insights: snapshot: %w", err)
	}
	return nil
}

// loadSnapshot reads the snapshot file and, when it matches the database,
// makes it the engine's state, caught up with the log. It reports false
// (and why) when the file is missing or does not match.
func (e *Engine) loadSnapshot(ctx context.Context) (bool, string, error) {
	f, err := os.Open(e.snapPath)
	if errors.Is(err, os.ErrNotExist) {
		return false, "no snapshot", nil
	}
	if err != nil {
		return false, "", err
	}
	var d diskState
	err = gob.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&d)
	f.Close()
	if err != nil {
		return false, "unreadable: " + err.Error(), nil
	}
	if d.Version != snapshotVersion {
		return false, fmt.Sprintf("format %d, want %d", d.Version, snapshotVersion), nil
	}
	head, err := e.st.LastEventSeq(ctx)
	if err != nil {
		return false, "", err
	}
	if d.Seq > head {
		return false, fmt.Sprintf("snapshot at event %d, the log ends at %d", d.Seq, head), nil
	}
	if d.Seq > 0 {
		evs, err := e.st.Events(ctx, d.Seq-1, 1)
		if err != nil {
			return false, "", err
		}
		if len(evs) == 0 || evs[0].Seq != d.Seq || evs[0].At.UnixNano() != d.SeqAt || evs[0].EntityType+"/"+evs[0].EntityID != d.SeqEntity {
			return false, fmt.Sprintf("event %d of the log is not the snapshot's", d.Seq), nil
		}
	}
	s, err := fromDisk(d)
	if err != nil {
		return false, "inconsistent: " + err.Error(), nil
	}
	start := time.Now().UTC().Format("2006-01")
	e.mu.Lock()
	e.s, e.startMonth = s, start
	e.mu.Unlock()
	if err := e.CatchUp(ctx); err != nil {
		return false, "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	months := append(d.Months, e.s.history...)
	// The month the state was last in has ended if the clock moved on: its
	// final figures are the state now (the log had nothing after it).
	if e.s.month != "" && e.s.month < start && e.s.active() {
		months = append(months, e.s.snapshot(e.s.month))
	}
	e.past, e.s.history = nil, nil
	if !d.HistoryDone {
		// The previous process stopped before its replay finished: the past
		// months come from a replay up to the snapshot's event, the months
		// after it from the events applied since.
		e.s.history = months
		if e.s.month < start {
			e.s.month = start
		}
		e.pastDone = false
		e.saved, e.savedSeq, e.savedDone = true, d.Seq, false
		e.startReplay(ctx, d.Seq)
		return true, "", nil
	}
	seen := map[string]int{}
	for _, sn := range months {
		list := &e.past
		if sn.Month >= start {
			list = &e.s.history
		}
		if i, ok := seen[sn.Month]; ok && sn.Month < start {
			e.past[i] = sn // a later record of the same month wins
			continue
		}
		if sn.Month < start {
			seen[sn.Month] = len(e.past)
		}
		*list = append(*list, sn)
	}
	sort.SliceStable(e.past, func(i, j int) bool { return e.past[i].Month < e.past[j].Month })
	if e.s.month < start {
		e.s.month = start
	}
	e.pastDone = true
	e.saved, e.savedSeq, e.savedDone = true, d.Seq, true
	return true, "", nil
}
