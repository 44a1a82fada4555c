// Package search is the register's full-text search: a bleve index of the
// solutions and OZG-Leistungen with German analysis, facets, typo tolerance,
// "more like this", and an in-memory organisation lookup. The index is
// derived data: it follows the store's event log, remembers the last event it
// applied inside itself, catches up on start and is rebuilt from the database
// when it is missing or broken.
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	bolterrors "go.etcd.io/bbolt/errors"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// ErrClosed is returned by an index that has been closed.
var ErrClosed = errors.New("search: index closed")

// errMissing marks an index directory that does not exist yet.
var errMissing = errors.New("search: no index")

// errLocked marks an index that another process holds open.
var errLocked = errors.New("search: index in use by another process")

// Keys of the values the index keeps about itself (bleve internal storage).
var (
	keyLastSeq = []byte("efa:lastEventSeq")
	keyVersion = []byte("efa:mappingVersion")
)

// batchSize is the number of documents written to bleve in one batch.
const batchSize = 1000

// lockTimeout is how long Open waits for another process (a stopping efa
// serve) to let go of the index before it gives up; a variable for tests.
var lockTimeout = "5s"

// Index is the bleve index derived from the store's event log.
type Index struct {
	dir string
	st  *store.Store
	log *slog.Logger

	// mu guards idx, which Rebuild swaps, and closed.
	mu     sync.RWMutex
	idx    bleve.Index
	cols   *columns // facet columns of idx
	closed bool

	// applyMu serialises applying events and rebuilding.
	applyMu sync.Mutex
	applied atomic.Uint64

	ref  atomic.Pointer[refData]
	zero zeroCounter
}

// Open opens the index in dir (for example <EFA_DATA_DIR>/index), rebuilds it
// from the store when it is missing or broken, and catches up with the event log.
func Open(ctx context.Context, dir string, st *store.Store, log *slog.Logger) (*Index, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ix := &Index{dir: dir, st: st, log: log}
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	if err := ix.loadRefs(ctx, true, true, true); err != nil {
		return nil, err
	}
	start := time.Now()
	idx, seq, err := openExisting(dir, lockTimeout)
	switch {
	case err == nil:
		ix.idx, ix.cols = idx, newColumns()
		ix.applied.Store(seq)
	case errors.Is(err, errLocked):
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	default:
		if errors.Is(err, errMissing) {
			log.Info("search index missing: building it from the database", "dir", dir)
		} else {
			log.Warn("search index unusable: rebuilding it from the database", "dir", dir, "err", err)
		}
		if err := ix.rebuildLocked(ctx, logProgress(log), false); err != nil {
			return nil, err
		}
	}
	if err := ix.catchUpLocked(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	if err := ix.checkCounts(ctx); err != nil {
		log.Warn("search index does not match the database: rebuilding it", "err", err)
		if err := ix.rebuildLocked(ctx, nil, true); err != nil {
			ix.Close()
			return nil, err
		}
		if err := ix.catchUpLocked(ctx); err != nil {
			ix.Close()
			return nil, err
		}
	}
	ix.warmColumns()
	log.Info("search index ready", "dir", dir, "event_seq", ix.applied.Load(), "took_ms", time.Since(start).Milliseconds())
	return ix, nil
}

// logProgress logs the progress of a build at start (a new instance on a
// large register builds for a while before it serves) at every tenth.
func logProgress(log *slog.Logger) func(done, total int) {
	step := -1
	return func(done, total int) {
		if total <= 0 {
			return
		}
		if s := done * 10 / total; s > step {
			step = s
			log.Info("search index build", "documents", done, "of", total, "percent", s*10)
		}
	}
}

// Reindex rebuilds the index in dir from the database, replacing what is
// there. It refuses when another process (a running efa serve) holds the
// index open. progress, when not nil, is called as documents are written.
func Reindex(ctx context.Context, dir string, st *store.Store, log *slog.Logger, progress func(done, total int)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(dir); err == nil {
		idx, err := openBleve(dir, lockTimeout)
		if errors.Is(err, errLocked) {
			return fmt.Errorf("search: %s is open in another process (is efa serve running? stop it first): %w", dir, err)
		}
		if err == nil {
			idx.Close()
		}
	}
	ix := &Index{dir: dir, st: st, log: log}
	ix.applyMu.Lock()
	err := ix.rebuildLocked(ctx, progress, true)
	ix.applyMu.Unlock()
	return errors.Join(err, ix.Close())
}

// openBleve opens a bleve index, turning a held lock into errLocked and a
// panic (which a damaged file can cause) into an error.
func openBleve(dir, lockTimeout string) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("search: opening %s panicked: %v", dir, r)
		}
	}()
	idx, err = bleve.OpenUsing(dir, map[string]any{"bolt_timeout": lockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, errLocked
		}
		return nil, err
	}
	return idx, nil
}

// openExisting opens the index in dir and checks that it is whole: the
// mapping version matches, the last applied event is recorded (a build that
// died half-way has none) and a faceted search over every document works.
func openExisting(dir, lockTimeout string) (bleve.Index, uint64, error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return nil, 0, errMissing
		}
		return nil, 0, errors.New("search: index_meta.json missing")
	}
	idx, err := openBleve(dir, lockTimeout)
	if err != nil {
		return nil, 0, err
	}
	seq, err := verify(idx)
	if err != nil {
		idx.Close()
		return nil, 0, err
	}
	return idx, seq, nil
}

func verify(idx bleve.Index) (seq uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("search: index check panicked: %v", r)
		}
	}()
	v, err := idx.GetInternal(keyVersion)
	if err != nil {
		return 0, err
	}
	if string(v) != mappingVersion {
		return 0, fmt.Errorf("search: index version %q, want %q", v, mappingVersion)
	}
	raw, err := idx.GetInternal(keyLastSeq)
	if err != nil {
		return 0, err
	}
	if seq, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
		return 0, fmt.Errorf("search: last event sequence %q: %w", raw, err)
	}
	if _, err := idx.DocCount(); err != nil {
		return 0, err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	req.Fields = []string{fName}
	for _, f := range []string{fKind, fStatus, fTopicField, fNameSort} {
		req.AddFacet(f, bleve.NewFacetRequest(f, 5))
	}
	if _, err := idx.Search(req); err != nil {
		return 0, err
	}
	return seq, nil
}

// checkCounts compares the numbers of solutions and services in the index with the database.
func (ix *Index) checkCounts(ctx context.Context) error {
	stats, err := ix.st.Stats(ctx)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet(fKind, bleve.NewFacetRequest(fKind, 5))
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	if f := res.Facets[fKind]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			counts[t.Term] = t.Count
		}
	}
	if int64(counts[kindSolution]) != stats.Solutions || int64(counts[kindService]) != stats.Services {
		return fmt.Errorf("search: index has %d solutions and %d services, database %d and %d",
			counts[kindSolution], counts[kindService], stats.Solutions, stats.Services)
	}
	return nil
}

// loadRefs (re)loads the in-memory reference data; the flags say which part.
func (ix *Index) loadRefs(ctx context.Context, services, topics, orgs bool) error {
	old := ix.ref.Load()
	r := &refData{}
	if old != nil {
		*r = *old
	}
	var err error
	if services || r.services == nil {
		if r.services, err = loadServices(ctx, ix.st); err != nil {
			return fmt.Errorf("search: load services: %w", err)
		}
	}
	if topics || r.topics == nil {
		if r.topics, err = loadTopics(ctx, ix.st); err != nil {
			return fmt.Errorf("search: load topic fields: %w", err)
		}
	}
	if orgs || r.orgs == nil {
		all, err := ix.st.OrganisationsForLookup(ctx)
		if err != nil {
			return fmt.Errorf("search: load organisations: %w", err)
		}
		r.orgs, r.lands = newOrgTable(all)
	}
	ix.ref.Store(r)
	return nil
}

// Rebuild builds a fresh index from the database next to the current one,
// swaps it in and catches up. Searches keep working on the old index while
// the new one is built. progress, when not nil, is called as documents are written.
func (ix *Index) Rebuild(ctx context.Context, progress func(done, total int)) error {
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	if ix.isClosed() {
		return ErrClosed
	}
	if err := ix.rebuildLocked(ctx, progress, true); err != nil {
		return err
	}
	if err := ix.catchUpLocked(ctx); err != nil {
		return err
	}
	ix.warmColumns()
	return nil
}

// warmColumns reads the facet columns of the current snapshot, so that the
// first search does not pay for it.
func (ix *Index) warmColumns() {
	err := ix.withIndex(func(idx bleve.Index) error {
		_, err := ix.currentView(idx)
		return err
	})
	if err != nil {
		ix.log.Warn("search: read facet columns", "err", err)
	}
}

func (ix *Index) isClosed() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.closed
}

// rebuildLocked builds the index into a temporary directory and moves it into
// place; the caller holds applyMu. The last event sequence is read before the
// data, so every later change is applied by the next catch-up. reload
// re-reads the reference data (Open has just read it).
func (ix *Index) rebuildLocked(ctx context.Context, progress func(done, total int), reload bool) error {
	start := time.Now()
	seq, err := ix.st.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	if err := ix.loadRefs(ctx, reload, reload, reload); err != nil {
		return err
	}
	r := ix.ref.Load()
	texts, err := dictionaryTexts(ctx, ix.st, r)
	if err != nil {
		return fmt.Errorf("search: dictionary: %w", err)
	}
	m, err := newMapping(buildDictionary(texts))
	if err != nil {
		return fmt.Errorf("search: mapping: %w", err)
	}
	stats, err := ix.st.Stats(ctx)
	if err != nil {
		return err
	}
	total := len(r.services) + int(stats.Solutions)
	tmp := ix.dir + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("search: clear %s: %w", tmp, err)
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o750); err != nil {
		return fmt.Errorf("search: create directory: %w", err)
	}
	idx, err := bleve.NewUsing(tmp, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("search: create index: %w", err)
	}
	fail := func(err error) error {
		idx.Close()
		os.RemoveAll(tmp)
		return err
	}
	done := 0
	b := idx.NewBatch()
	for _, s := range r.services {
		if err := b.Index(serviceDocID(s.ID), serviceDoc(s, r)); err != nil {
			return fail(fmt.Errorf("search: index service %s: %w", s.ID, err))
		}
	}
	if err := idx.Batch(b); err != nil {
		return fail(fmt.Errorf("search: write services: %w", err))
	}
	done += len(r.services)
	if progress != nil {
		progress(done, total)
	}
	err = ix.st.EachSolutionForSearch(ctx, batchSize, func(sols []store.SearchSolution) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := idx.NewBatch()
		for _, s := range sols {
			if err := b.Index(solutionDocID(s.Slug), solutionDoc(s, r)); err != nil {
				return fmt.Errorf("search: index solution %s: %w", s.Slug, err)
			}
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("search: write solutions: %w", err)
		}
		done += len(sols)
		if progress != nil {
			progress(done, max(total, done))
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	// One segment instead of a dozen: every search and every facet visits
	// each segment's structures, so a freshly built index is merged whole.
	if adv, err := idx.Advanced(); err == nil {
		if sc, ok := adv.(*scorch.Scorch); ok {
			if err := sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
				ix.log.Warn("search: merge the new index", "err", err)
			}
		}
	}
	b = idx.NewBatch()
	b.SetInternal(keyVersion, []byte(mappingVersion))
	b.SetInternal(keyLastSeq, []byte(strconv.FormatUint(seq, 10)))
	if err := idx.Batch(b); err != nil {
		return fail(fmt.Errorf("search: record build: %w", err))
	}
	if err := idx.Close(); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("search: close new index: %w", err)
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		// Closed while building: leave the old state alone.
		os.RemoveAll(tmp)
		return ErrClosed
	}
	if ix.idx != nil {
		if err := ix.idx.Close(); err != nil {
			ix.log.Warn("search: close old index", "err", err)
		}
		ix.idx = nil
	}
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("search: remove old index: %w", err)
	}
	if err := os.Rename(tmp, ix.dir); err != nil {
		return fmt.Errorf("search: move new index into place: %w", err)
	}
	ix.idx, err = openBleve(ix.dir, lockTimeout)
	if err != nil {
		return fmt.Errorf("search: open rebuilt index: %w", err)
	}
	ix.cols = newColumns()
	ix.applied.Store(seq)
	ix.log.Info("search index built", "documents", done, "event_seq", seq, "took_ms", time.Since(start).Milliseconds())
	return nil
}

// CatchUp applies all events not yet applied (tests call it to wait for the index deterministically).
func (ix *Index) CatchUp(ctx context.Context) error {
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	return ix.catchUpLocked(ctx)
}

func (ix *Index) catchUpLocked(ctx context.Context) error {
	for {
		if ix.isClosed() {
			return ErrClosed
		}
		evs, err := ix.st.Events(ctx, ix.applied.Load(), 2000)
		if err != nil {
			return fmt.Errorf("search: read events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		if err := ix.apply(ctx, evs); err != nil {
			return err
		}
	}
}

// changedStrings returns the non-empty string values (old and new) of one
// field of an event's changes.
func changedStrings(ev catalog.Event, field string) []string {
	var m map[string][2]any
	if json.Unmarshal([]byte(ev.Changes), &m) != nil {
		return nil
	}
	var out []string
	for _, v := range m[field] {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// apply re-indexes what a run of events touched and records the last
// sequence number in the same bleve batch, so the index never claims an
// event it has not applied.
func (ix *Index) apply(ctx context.Context, evs []catalog.Event) error {
	sols := map[string]bool{}
	svcs := map[string]bool{}
	var orgKeys []string
	var topicIDs []uint
	reloadServices, reloadTopics, reloadOrgs := false, false, false
	for _, ev := range evs {
		switch ev.EntityType {
		case catalog.EntitySolution:
			sols[ev.EntityID] = true
		case catalog.EntityAdoption:
			slugs := changedStrings(ev, "solution")
			if len(slugs) == 0 {
				slug, err := ix.st.AdoptionSolutionSlug(ctx, ev.EntityID)
				if errors.Is(err, catalog.ErrNotFound) {
					continue // deleted since; its delete event names the solution
				}
				if err != nil {
					return err
				}
				slugs = []string{slug}
			}
			for _, s := range slugs {
				sols[s] = true
			}
		case catalog.EntityService:
			reloadServices = true
			svcs[ev.EntityID] = true
		case catalog.EntityLeika:
			reloadServices = true
			ids := changedStrings(ev, "ozgId")
			if rest, ok := strings.CutPrefix(ev.EntityID, "ohne-schluessel:"); ok {
				ids = append(ids, rest)
			} else if len(ids) == 0 {
				more, err := ix.st.ServiceIDsOfLeika(ctx, ev.EntityID)
				if err != nil {
					return err
				}
				ids = append(ids, more...)
			}
			for _, id := range ids {
				svcs[id] = true
			}
		case catalog.EntityTopicField:
			reloadTopics = true
			if id, err := strconv.ParseUint(ev.EntityID, 10, 32); err == nil {
				topicIDs = append(topicIDs, uint(id))
			}
		case catalog.EntityOrganisation:
			reloadOrgs = true
			orgKeys = append(orgKeys, ev.EntityID)
		}
	}
	if reloadServices || reloadTopics || reloadOrgs {
		if err := ix.loadRefs(ctx, reloadServices, reloadTopics, reloadOrgs); err != nil {
			return err
		}
	}
	r := ix.ref.Load()
	for _, id := range topicIDs {
		slugs, err := ix.st.SolutionSlugsByTopicField(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range slugs {
			sols[s] = true
		}
		for _, s := range r.services {
			if s.TopicFieldID == id {
				svcs[s.ID] = true
			}
		}
	}
	if len(svcs) > 0 {
		ids := make([]string, 0, len(svcs))
		for id := range svcs {
			ids = append(ids, id)
		}
		slugs, err := ix.st.SolutionSlugsByServices(ctx, ids)
		if err != nil {
			return err
		}
		for _, s := range slugs {
			sols[s] = true
		}
	}
	for _, k := range orgKeys {
		kind, key, ok := strings.Cut(k, ":")
		if !ok {
			continue
		}
		slugs, err := ix.st.SolutionSlugsByOrganisation(ctx, catalog.OrgKind(kind), key)
		if err != nil {
			return err
		}
		for _, s := range slugs {
			sols[s] = true
		}
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil || ix.closed {
		return ErrClosed
	}
	b := ix.idx.NewBatch()
	for id := range svcs {
		if s, ok := r.services[id]; ok {
			if err := b.Index(serviceDocID(id), serviceDoc(s, r)); err != nil {
				return err
			}
		} else {
			b.Delete(serviceDocID(id))
		}
	}
	slugs := make([]string, 0, len(sols))
	for s := range sols {
		slugs = append(slugs, s)
	}
	found, err := ix.st.SolutionsForSearch(ctx, slugs)
	if err != nil {
		return err
	}
	for _, s := range found {
		delete(sols, s.Slug)
		if err := b.Index(solutionDocID(s.Slug), solutionDoc(s, r)); err != nil {
			return err
		}
	}
	for slug := range sols {
		b.Delete(solutionDocID(slug))
	}
	last := evs[len(evs)-1].Seq
	b.SetInternal(keyLastSeq, []byte(strconv.FormatUint(last, 10)))
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("search: apply events up to %d: %w", last, err)
	}
	ix.applied.Store(last)
	return nil
}

// Follow applies new events after each commit (store.Changed()) until ctx
// ends. Run it in a goroutine. It also polls once a second, so a missed
// signal (the store's channel has one slot and may have other readers) only
// delays the index, and it writes the zero-result counters every 30 seconds.
func (ix *Index) Follow(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastFlush := time.Now()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-ix.st.Changed():
		case <-tick.C:
		}
		if ix.isClosed() {
			return
		}
		if err := ix.CatchUp(ctx); err != nil && ctx.Err() == nil {
			failures++
			// Log the first failure and then every minute, not every second.
			if failures == 1 || failures%60 == 0 {
				ix.log.Error("search index cannot follow the database", "err", err, "failures", failures)
			}
		} else {
			failures = 0
		}
		if time.Since(lastFlush) >= 30*time.Second {
			lastFlush = time.Now()
			if err := ix.FlushZeroResults(ctx); err != nil && ctx.Err() == nil {
				ix.log.Warn("search: write zero-result counters", "err", err)
			}
		}
	}
}

// Ready returns nil when the index has applied every event in the store.
func (ix *Index) Ready(ctx context.Context) error {
	if ix.isClosed() {
		return ErrClosed
	}
	last, err := ix.st.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	if applied := ix.applied.Load(); applied < last {
		return fmt.Errorf("search: index behind the database (event %d of %d)", applied, last)
	}
	return nil
}

// AppliedSeq is the sequence number of the last event the index has applied.
func (ix *Index) AppliedSeq() uint64 { return ix.applied.Load() }

// Close writes the pending zero-result counters and closes the index.
// Searches after Close return ErrClosed.
func (ix *Index) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	if ix.st != nil {
		if err := ix.FlushZeroResults(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx != nil {
		errs = append(errs, ix.idx.Close())
		ix.idx = nil
	}
	ix.closed = true
	return errors.Join(errs...)
}

// DocCount is the number of documents (solutions and services) in the index.
func (ix *Index) DocCount() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	return ix.idx.DocCount()
}
