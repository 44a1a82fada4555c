package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestChangesReadAhead: a walk through the change feed gets every page
// after the first from the read-ahead, byte for byte what a fresh read
// gives; after a write, a page read before it is not used; an abandoned walk
// leaves at most aheadMax pages behind.
func TestChangesReadAhead(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	s := New(Deps{Store: st})
	const limit = 50
	head, _, err := s.api.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var after uint64
	pages := 0
	for {
		body, err := s.publicChangePage(ctx, head, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := s.encodedChangePage(ctx, catalog.Principal{}, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, fresh) {
			t.Fatalf("page after %d differs from a fresh read:\n%.300s\n%.300s", after, body, fresh)
		}
		pages++
		var p feed.ChangePage
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if !p.More {
			break
		}
		if after, err = feed.ParseCursor(p.Next); err != nil {
			t.Fatal(err)
		}
	}
	if pages < 10 {
		t.Fatalf("only %d pages: the walk proves little", pages)
	}
	if got := s.api.ahead.served.Load(); got != int64(pages-1) {
		t.Errorf("%d of %d pages came from the read-ahead, want all but the first", got, pages)
	}
	waitAhead(&s.api.ahead)
	if n := len(s.api.ahead.pages); n != 0 {
		t.Errorf("%d pages held after the last page", n)
	}

	// A walk from the start, abandoned after its first page: the pages
	// after it are read ahead, up to the bound.
	if _, err := s.publicChangePage(ctx, head, 0, limit); err != nil {
		t.Fatal(err)
	}
	waitAhead(&s.api.ahead)
	if n := len(s.api.ahead.pages); n != aheadMax {
		t.Errorf("abandoned walk: %d pages held, want %d", n, aheadMax)
	}
	served := s.api.ahead.served.Load()

	// A write: the page read ahead for the old head is not used.
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), store.SolutionInput{Solution: catalog.Solution{Slug: "nach-dem-vorlesen",
		Name: "Nach dem Vorlesen", Status: catalog.SolutionLive, Verified: catalog.VerifiedNo}}); err != nil {
		t.Fatal(err)
	}
	newHead, _, err := s.api.current(ctx)
	if err != nil || newHead == head {
		t.Fatalf("head after the write %d (was %d): %v", newHead, head, err)
	}
	body, err := s.publicChangePage(ctx, newHead, after, limit)
	if err != nil {
		t.Fatal(err)
	}
	if s.api.ahead.served.Load() != served || !strings.Contains(string(body), "nach-dem-vorlesen") {
		t.Errorf("after the write: served from the read-ahead %v, page %.300s", s.api.ahead.served.Load() != served, body)
	}
}

// waitAhead waits until no page is being read ahead.
func waitAhead(r *readAhead) {
	for {
		r.mu.Lock()
		var running []chan struct{}
		for _, p := range r.pages {
			select {
			case <-p.done:
			default:
				running = append(running, p.done)
			}
		}
		r.mu.Unlock()
		if len(running) == 0 {
			return
		}
		for _, done := range running {
			<-done
		}
	}
}
