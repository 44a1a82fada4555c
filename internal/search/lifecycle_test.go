package search_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	gocmp "github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

// probeQueries are searched before and after an index is lost or damaged.
var probeQueries = []string{"Wohngeld", "Fuehrerschein", "Baugenemigung", "Kfz", "Sozialplattform", ""}

// snapshot records what the probe queries return (slugs, totals, facet counts).
func snapshot(t *testing.T, ix *search.Index) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, q := range probeQueries {
		res, err := ix.SearchSolutions(context.Background(), search.Query{Text: q, PerPage: 50})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		// Hits of equal score may come in any order (the index breaks ties
		// by its internal document numbers): compare by score, then slug.
		hits := slices.Clone(res.Hits)
		slices.SortStableFunc(hits, func(a, b search.Hit) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			return strings.Compare(a.Slug, b.Slug)
		})
		var slugs []string
		for _, h := range hits {
			slugs = append(slugs, fmt.Sprintf("%s %.6f", h.Slug, h.Score))
		}
		out[q] = struct {
			Total  int
			Slugs  []string
			Facets map[string][]search.FacetValue
		}{res.Total, slugs, res.Facets}
	}
	svc, err := ix.SearchServices(context.Background(), "Ummeldung", 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(svc, func(a, b search.ServiceHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.OZGID, b.OZGID)
	})
	out["services:Ummeldung"] = svc
	return out
}

func lastSeq(t *testing.T, st *store.Store) uint64 {
	t.Helper()
	seq, err := st.LastEventSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// storedSeq reads the last applied event straight from the closed index.
func storedSeq(t *testing.T, dir string) uint64 {
	t.Helper()
	idx, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	raw, err := idx.GetInternal([]byte("efa:lastEventSeq"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		t.Fatalf("stored sequence %q: %v", raw, err)
	}
	return n
}

func reopen(t *testing.T, dir string, st *store.Store) *search.Index {
	t.Helper()
	ix, err := search.Open(context.Background(), dir, st, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func TestIndexRecoversFromLoss(t *testing.T) {
	ix, st, dir := openIndex(t)
	want := snapshot(t, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if got := storedSeq(t, dir); got != lastSeq(t, st) {
		t.Fatalf("index stores event %d, database is at %d", got, lastSeq(t, st))
	}

	t.Run("directory deleted", func(t *testing.T) {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		ix := reopen(t, dir, st)
		if diff := gocmp.Diff(want, snapshot(t, ix)); diff != "" {
			t.Errorf("results after rebuild differ (-before +after):\n%s", diff)
		}
		ix.Close()
	})

	corruptions := map[string]func(t *testing.T){
		"segment overwritten": func(t *testing.T) {
			segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment file to corrupt")
			}
			for _, s := range segs {
				fi, err := os.Stat(s)
				if err != nil {
					t.Fatal(err)
				}
				junk := []byte(strings.Repeat("kaputt!", int(fi.Size())/7+1))[:fi.Size()]
				if err := os.WriteFile(s, junk, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		},
		"root truncated": func(t *testing.T) {
			if err := os.Truncate(filepath.Join(dir, "store", "root.bolt"), 100); err != nil {
				t.Fatal(err)
			}
		},
		"meta garbled": func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{nicht json"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, name := range []string{"segment overwritten", "root truncated", "meta garbled"} {
		t.Run(name, func(t *testing.T) {
			corruptions[name](t)
			ix := reopen(t, dir, st)
			if diff := gocmp.Diff(want, snapshot(t, ix)); diff != "" {
				t.Errorf("results after rebuild differ (-before +after):\n%s", diff)
			}
			ix.Close()
		})
	}
}

func newSolution(slug, name, summary string, ozg ...string) store.SolutionInput {
	return store.SolutionInput{
		Solution:     catalog.Solution{Slug: slug, Name: name, Summary: summary, Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo},
		ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: ozg,
	}
}

func slugsOf(res search.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Slug)
	}
	return out
}

func TestWriteWhileClosedIsSearchableAfterStart(t *testing.T) {
	ix, st, dir := openIndex(t)
	ctx := context.Background()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("hundesteuer-online", "Hundesteuer online anmelden", "Anmeldung und Abmeldung der Hundesteuer", "10160")); err != nil {
		t.Fatal(err)
	}
	ix = reopen(t, dir, st)
	res, err := ix.SearchSolutions(ctx, search.Query{Text: "Hundesteuer"})
	if err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(res); !slices.Equal(got, []string{"hundesteuer-online"}) {
		t.Errorf("after start: %v", got)
	}
	if err := ix.Ready(ctx); err != nil {
		t.Errorf("Ready after catch-up: %v", err)
	}
}

func TestFollowAppliesEachCommit(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ix.Follow(ctx) }()
	defer func() { cancel(); <-done }()

	// waitFor polls until cond holds; Follow reacts to the store's signal.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	find := func(q search.Query) search.Result {
		res, err := ix.SearchSolutions(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("schornsteinfeger-online", "Schornsteinfegerbescheid digital", "Feuerstättenschau online", "10160")); err != nil {
		t.Fatal(err)
	}
	waitFor("the new solution", func() bool { return find(search.Query{Text: "Schornsteinfeger"}).Total == 1 })
	waitFor("readiness", func() bool { return ix.Ready(context.Background()) == nil })

	// An adoption in Bayern puts the solution under adoptedIn=09.
	if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "schornsteinfeger-online",
		AdopterKind: catalog.KindLand, AdopterKey: "09", Adoption: catalog.Adoption{Status: catalog.AdoptionInterested}}); err != nil {
		t.Fatal(err)
	}
	waitFor("the adoption", func() bool {
		return slices.Contains(slugsOf(find(search.Query{Text: "Schornsteinfeger", AdoptedInLands: []string{"09"}})), "schornsteinfeger-online")
	})

	// An update changes what is found.
	in := newSolution("schornsteinfeger-online", "Kehrbuch digital", "Feuerstättenschau online", "10160")
	if _, err := st.UpdateSolution(ctx, catalog.SystemPrincipal("test"), "schornsteinfeger-online", in); err != nil {
		t.Fatal(err)
	}
	waitFor("the update", func() bool { return find(search.Query{Text: "Kehrbuch"}).Total == 1 })
	if n := find(search.Query{Text: "Schornsteinfegerbescheid"}).Total; n != 0 {
		t.Errorf("old name still found %d times", n)
	}

	if err := st.DeleteSolution(ctx, catalog.SystemPrincipal("test"), "schornsteinfeger-online"); err != nil {
		t.Fatal(err)
	}
	waitFor("the deletion", func() bool { return find(search.Query{Text: "Kehrbuch"}).Total == 0 })
	// The search may see a batch a moment before the sequence is recorded.
	waitFor("the last event", func() bool { return ix.AppliedSeq() == lastSeq(t, st) })
}

func TestReadyOnlyWhenCaughtUp(t *testing.T) {
	ix, st, _ := openIndex(t)
	ctx := context.Background()
	if err := ix.Ready(ctx); err != nil {
		t.Fatalf("fresh index not ready: %v", err)
	}
	// Nobody follows: the index lags behind this write.
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolution("laermschutz", "Lärmschutzantrag", "")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Ready(ctx); err == nil {
		t.Fatal("Ready is nil while the index lags")
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Ready(ctx); err != nil {
		t.Fatalf("Ready after catch-up: %v", err)
	}
	res, _ := ix.SearchSolutions(ctx, search.Query{Text: "Lärmschutz"})
	if got := slugsOf(res); len(got) == 0 || got[0] != "laermschutz" {
		t.Errorf("Lärmschutz: %v", slugsOf(res))
	}
	ix.Close()
	if err := ix.Ready(ctx); !errors.Is(err, search.ErrClosed) {
		t.Errorf("Ready after Close = %v", err)
	}
	if _, err := ix.SearchSolutions(ctx, search.Query{Text: "x"}); !errors.Is(err, search.ErrClosed) {
		t.Errorf("search after Close = %v", err)
	}
}

func TestSecondOpenDoesNotDestroyALiveIndex(t *testing.T) {
	ix, st, dir := openIndex(t)
	defer search.SetLockTimeout("50ms")()
	if _, err := search.Open(context.Background(), dir, st, nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open of a held index = %v, want an in-use error", err)
	}
	if err := search.Reindex(context.Background(), dir, st, nil, nil); err == nil {
		t.Fatal("Reindex of a held index succeeded")
	}
	res, err := ix.SearchSolutions(context.Background(), search.Query{Text: "Wohngeld"})
	if err != nil || res.Total == 0 {
		t.Fatalf("first index broken after the refused opens: %v, %d", err, res.Total)
	}
}

func TestRebuildWhileSearching(t *testing.T) {
	ix, st, dir := openIndex(t)
	ctx := context.Background()
	want := snapshot(t, ix)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := ix.SearchSolutions(ctx, search.Query{Text: "Wohngeld"})
				if err != nil || res.Total < 2 {
					errs <- err
					return
				}
			}
		}()
	}
	var calls, last int
	err := ix.Rebuild(ctx, func(done, total int) { calls++; last = done; _ = total })
	close(stop)
	wg.Wait()
	close(errs)
	if err != nil {
		t.Fatal(err)
	}
	for e := range errs {
		t.Errorf("search during rebuild failed: %v", e)
	}
	stats, _ := st.Stats(ctx)
	if calls == 0 || int64(last) != stats.Solutions+stats.Services {
		t.Errorf("progress: %d calls, last %d, want %d documents", calls, last, stats.Solutions+stats.Services)
	}
	if diff := gocmp.Diff(want, snapshot(t, ix)); diff != "" {
		t.Errorf("results after Rebuild differ:\n%s", diff)
	}
	if _, err := os.Stat(dir + ".rebuild"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary rebuild folder left behind: %v", err)
	}
}
