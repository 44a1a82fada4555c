package insights

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// reference computes the scoreboard counters and the coverage of every
// OZG-Leistung straight from the rows of the database, the plain way (maps
// of strings, sets of Gemeinden), as the check of the compact state.
type reference struct {
	provided, made, madeLive, recvExt, recvInt, munis map[string]int
	// covered are the Gemeinden ("gemeinde:ARS") per OZG-ID; coveredPop their population per Land and OZG-ID.
	covered    map[string]map[string]bool
	coveredPop map[string]map[string]int64
	solsPerSvc map[string]int
}

func recompute(t *testing.T, st *store.Store) reference {
	t.Helper()
	ctx := context.Background()
	src, err := st.LoadInsightSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := reference{provided: map[string]int{}, made: map[string]int{}, madeLive: map[string]int{}, recvExt: map[string]int{},
		recvInt: map[string]int{}, munis: map[string]int{}, covered: map[string]map[string]bool{}, coveredPop: map[string]map[string]int64{},
		solsPerSvc: map[string]int{}}
	orgs := map[uint]catalog.Organisation{}
	byRef := map[string]catalog.Organisation{}
	for _, o := range src.Organisations {
		orgs[o.ID] = o
		byRef[string(o.Kind)+":"+o.Key] = o
	}
	sols := map[uint]store.InsightSolution{}
	for _, s := range src.Solutions {
		sols[s.ID] = s
		if p, ok := byRef[s.Provider]; ok && p.Kind == catalog.KindLand {
			r.provided[p.Key]++
		}
		for _, id := range s.OZGIDs {
			r.solsPerSvc[id]++
		}
	}
	gemAdopters := map[string]map[string]bool{}
	err = st.EachInsightAdoption(ctx, func(a store.InsightAdoption) {
		o, ok := orgs[a.OrganisationID]
		sol, ok2 := sols[a.SolutionID]
		if !ok || !ok2 || a.Confirmation == string(catalog.ConfirmationClaimed) {
			return
		}
		r.made[o.LandKey]++
		if o.Kind == catalog.KindGemeinde {
			if gemAdopters[o.LandKey] == nil {
				gemAdopters[o.LandKey] = map[string]bool{}
			}
			gemAdopters[o.LandKey][o.Key] = true
		}
		if p, ok := byRef[sol.Provider]; ok && p.Kind == catalog.KindLand {
			if p.Key == o.LandKey {
				r.recvInt[p.Key]++
			} else {
				r.recvExt[p.Key]++
			}
		}
		if a.Status != string(catalog.AdoptionLive) {
			return
		}
		r.madeLive[o.LandKey]++
		for _, g := range src.Organisations {
			if g.Kind != catalog.KindGemeinde {
				continue
			}
			if (o.Kind == catalog.KindLand && g.LandKey == o.Key) || (o.Kind == catalog.KindKreis && g.KreisKey == o.Key) || g.ID == o.ID {
				for _, id := range sol.OZGIDs {
					if r.covered[id] == nil {
						r.covered[id] = map[string]bool{}
					}
					r.covered[id]["gemeinde:"+g.Key] = true
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for land, set := range gemAdopters {
		r.munis[land] = len(set)
	}
	for id, set := range r.covered {
		for ref := range set {
			g := byRef[ref]
			if r.coveredPop[g.LandKey] == nil {
				r.coveredPop[g.LandKey] = map[string]int64{}
			}
			r.coveredPop[g.LandKey][id] += g.Population
		}
	}
	return r
}

// check compares an engine's figures with the plain recomputation.
func (r reference) check(t *testing.T, label string, e *Engine) {
	t.Helper()
	for _, row := range e.Scoreboard() {
		k := row.LandKey
		if row.Provided != r.provided[k] || row.Made != r.made[k] || row.MadeLive != r.madeLive[k] || row.ReceivedExternal != r.recvExt[k] ||
			row.ReceivedInternal != r.recvInt[k] || row.AdoptingMunicipalities != r.munis[k] {
			t.Errorf("%s: Land %s = %+v; recomputed provided %d made %d live %d received %d/%d municipalities %d", label, k, row,
				r.provided[k], r.made[k], r.madeLive[k], r.recvExt[k], r.recvInt[k], r.munis[k])
		}
	}
	ids := map[string]bool{}
	for id := range r.solsPerSvc {
		ids[id] = true
	}
	for _, sv := range e.WhiteSpots() {
		ids[sv.OZGID] = true
	}
	for id := range ids {
		cov := e.Service(id)
		if cov.Solutions != r.solsPerSvc[id] {
			t.Errorf("%s: %s has %d solutions, recomputed %d", label, id, cov.Solutions, r.solsPerSvc[id])
		}
		var want []string
		for ref := range r.covered[id] {
			want = append(want, ref)
		}
		sort.Strings(want)
		if diff := cmp.Diff(want, cov.Gemeinden, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: covered Gemeinden of %s (-recomputed +engine):\n%s", label, id, diff)
		}
		for _, lc := range cov.Laender {
			if lc.CoveredPop != r.coveredPop[lc.LandKey][id] {
				t.Errorf("%s: %s in Land %s covers %d people, recomputed %d", label, id, lc.LandKey, lc.CoveredPop, r.coveredPop[lc.LandKey][id])
			}
		}
	}
}

// figures are all the answers of an engine, to compare engines with each other.
type figures struct {
	Scoreboard []Row
	Topics     []TopicCoverage
	WhiteSpots []ServiceRef
	Gaps       map[string][]Gap
	Coverage   map[string]ServiceCoverage
	Savings    Savings
	History    []MonthRanks
}

func allFigures(e *Engine) figures {
	f := figures{Scoreboard: e.Scoreboard(), Topics: e.Topics(), WhiteSpots: e.WhiteSpots(), Gaps: map[string][]Gap{},
		Coverage: map[string]ServiceCoverage{}, Savings: e.Savings(), History: e.RankHistory("06")}
	for _, r := range f.Scoreboard {
		f.Gaps[r.LandKey] = e.LandGaps(r.LandKey)
	}
	e.mu.RLock()
	ids := append([]string(nil), e.s.svcIDs...)
	e.mu.RUnlock()
	for _, id := range ids {
		f.Coverage[id] = e.Service(id)
	}
	return f
}

var figureOpts = []cmp.Option{cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Savings{}, "Config"),
	cmpopts.SortSlices(func(a, b SolutionRef) bool { return a.Slug < b.Slug })}

// The compact state gives the figures a plain recomputation from the
// database gives, on the seed data and after writes of every kind; and the
// three ways to fill it (database, event log, snapshot file) agree.
func TestCompactStateMatchesRecomputation(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	snap := filepath.Join(t.TempDir(), SnapshotFile)

	loaded, err := Open(ctx, st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded.UseSnapshot(snap)
	if err := loaded.WaitHistory(ctx); err != nil {
		t.Fatal(err)
	}
	recompute(t, st).check(t, "seed, from the database", loaded)
	if err := loaded.Save(ctx); err != nil {
		t.Fatal(err)
	}

	// Writes: a Kreis and a Land adopt live, an adoption ends, another is
	// deleted, a solution changes its OZG-Leistungen, another is deleted.
	sys := catalog.SystemPrincipal("test")
	kreise, err := st.OrganisationsByKind(ctx, catalog.KindKreis, "")
	if err != nil || len(kreise) == 0 {
		t.Fatalf("Kreise: %v", err)
	}
	sols, err := st.FindSolutions(ctx, store.SolutionFilter{PerPage: 5})
	if err != nil || len(sols.Items) < 3 {
		t.Fatalf("solutions: %v", err)
	}
	a, b, c := sols.Items[0], sols.Items[1], sols.Items[2]
	reg := func(slug string, kind catalog.OrgKind, key string, status catalog.AdoptionStatus) catalog.Adoption {
		t.Helper()
		ad, err := st.RegisterAdoption(ctx, sys, store.AdoptionInput{SolutionSlug: slug, AdopterKind: kind, AdopterKey: key, Adoption: catalog.Adoption{Status: status}})
		if err != nil {
			t.Fatal(err)
		}
		return ad
	}
	reg(a.Slug, catalog.KindKreis, kreise[0].Key, catalog.AdoptionLive)
	reg(a.Slug, catalog.KindLand, "09", catalog.AdoptionLive)
	ended := reg(b.Slug, catalog.KindKreis, kreise[1].Key, catalog.AdoptionLive)
	if _, err := st.UpdateAdoption(ctx, sys, ended.ID, catalog.Adoption{Status: catalog.AdoptionEnded}); err != nil {
		t.Fatal(err)
	}
	gone := reg(b.Slug, catalog.KindLand, "10", catalog.AdoptionLive)
	if err := st.DeleteAdoption(ctx, sys, gone.ID); err != nil {
		t.Fatal(err)
	}
	full, err := st.SolutionBySlug(ctx, a.Slug)
	if err != nil {
		t.Fatal(err)
	}
	in := store.SolutionInput{Solution: full, OZGIDs: []string{"10092", "10001"}}
	if full.Provider != nil {
		in.ProviderKind, in.ProviderKey = full.Provider.Kind, full.Provider.Key
	}
	if _, err := st.UpdateSolution(ctx, sys, a.Slug, in); err != nil {
		t.Fatalf("update solution: %v", err)
	}
	if err := st.DeleteSolution(ctx, sys, c.Slug); err != nil {
		t.Fatal(err)
	}
	if err := loaded.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ref := recompute(t, st)
	ref.check(t, "after writes, followed", loaded)

	// The same register built again from the database, by replaying the
	// whole event log, and from the snapshot saved before the writes.
	rebuilt, err := Open(ctx, st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt.WaitHistory(ctx)
	ref.check(t, "after writes, rebuilt", rebuilt)
	replayed, err := New(st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	replayed.loaded.Store(true)
	replayed.pastDone = true
	if err := replayed.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ref.check(t, "after writes, replayed", replayed)
	restored, err := New(st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	restored.UseSnapshot(snap)
	if ok, why, err := restored.loadSnapshot(ctx); !ok || err != nil {
		t.Fatalf("snapshot not used: %s %v", why, err)
	}
	restored.loaded.Store(true)
	ref.check(t, "after writes, from the snapshot", restored)

	want := allFigures(loaded)
	if diff := cmp.Diff(want, allFigures(rebuilt), figureOpts...); diff != "" {
		t.Errorf("rebuilt differs from followed (-followed +rebuilt):\n%s", diff)
	}
	if diff := cmp.Diff(want, allFigures(restored), figureOpts...); diff != "" {
		t.Errorf("from the snapshot differs from followed (-followed +snapshot):\n%s", diff)
	}
	// The event log alone knows no Themenfeld or OZG-Leistung names the seed
	// did not log, so only the figures are compared for the replay.
	if diff := cmp.Diff(want.Scoreboard, allFigures(replayed).Scoreboard, figureOpts...); diff != "" {
		t.Errorf("replayed scoreboard differs (-followed +replayed):\n%s", diff)
	}

	// A snapshot that names an event the log does not have is not used.
	if err := restored.Save(ctx); err != nil {
		t.Fatal(err)
	}
	other := storetest.Seeded(t)
	stale, _ := New(other, DefaultSavingsConfig, nil)
	stale.UseSnapshot(snap)
	if ok, why, err := stale.loadSnapshot(ctx); ok || err != nil {
		t.Errorf("snapshot of another database used: %v %q", err, why)
	}
}

// A snapshot saved before the replay for the rank history finished still
// gives the figures at once; the history is replayed again after the start.
func TestSnapshotBeforeTheHistoryReplay(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	snap := filepath.Join(t.TempDir(), SnapshotFile)
	e, err := Open(ctx, st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WaitHistory(ctx); err != nil {
		t.Fatal(err)
	}
	want := allFigures(e)
	// As if the server stopped while the replay still ran.
	e.mu.Lock()
	e.pastDone = false
	e.mu.Unlock()
	e.UseSnapshot(snap)
	if err := e.Save(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := New(st, DefaultSavingsConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.UseSnapshot(snap)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !r.Loaded() {
		t.Fatal("not loaded from the snapshot")
	}
	if err := r.WaitHistory(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, allFigures(r), figureOpts...); diff != "" {
		t.Errorf("figures after a snapshot with an unfinished history (-before +after):\n%s", diff)
	}
	// The replay saved the complete state again.
	r.mu.RLock()
	done := r.savedDone
	r.mu.RUnlock()
	for i := 0; !done && i < 200; i++ {
		time.Sleep(10 * time.Millisecond)
		r.mu.RLock()
		done = r.savedDone
		r.mu.RUnlock()
	}
	if !done {
		t.Error("the complete history was not saved after the replay")
	}
}

// A coverage count beyond 8 bits goes on in coverOver and comes back down
// exactly: the Gemeinde is covered until the last adoption is gone.
func TestCoverCountBeyond8Bits(t *testing.T) {
	s := newState()
	cov := make([]uint8, 3)
	const n = math.MaxUint8 + 10
	flips := 0
	for range n {
		if s.addCover(cov, 7, 1, +1) {
			flips++
		}
	}
	if flips != 1 || cov[1] != math.MaxUint8 || s.coverOver[[2]int32{7, 1}] != 10 {
		t.Fatalf("after %d increments: flips %d, count %d, over %v", n, flips, cov[1], s.coverOver)
	}
	for i := range n {
		if s.addCover(cov, 7, 1, -1) != (i == n-1) {
			t.Fatalf("decrement %d of %d flipped wrongly (count %d, over %v)", i+1, n, cov[1], s.coverOver)
		}
	}
	if cov[1] != 0 || len(s.coverOver) != 0 || cov[0] != 0 || cov[2] != 0 {
		t.Fatalf("after as many decrements: count %v, over %v", cov, s.coverOver)
	}
}
