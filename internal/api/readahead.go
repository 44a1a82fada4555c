package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"efa-register/internal/store"
)

// A portal that mirrors the register walks the change feed page by page:
// it asks for the next page only after it has read and decoded the last
// one, and meanwhile the server would sit idle. readAhead uses that time:
// the pages after the one asked for are read in the background, each
// started as soon as the cursor of the one before is known. That cursor
// usually comes from the page's events alone (store.PlanChanges), before
// its objects are read, so several pages are read at once, on every core.
// While the server encodes and sends one page and the client decodes it,
// the next ones are already being read; a full sync of 1,000,000 changes
// costs about the server's work per page spread over the cores, not the
// sum of every step on both sides.
//
// It is safe to answer with a page read a moment earlier: its records are
// read no earlier than its cursor is decided, and whatever changed after
// that has a later sequence number than the cursor, so the next pages
// deliver it (see store.PlanChanges and "Cursor safety" in the store). The
// head is part of the key all the same, so a page read ahead is only used
// while the register has not changed.
//
// Memory and work are bounded: at most aheadMax pages (about 0.75 MB each
// at limit 1000) are held or being read at once, for all clients together;
// each is used once, and a page no one asks for within aheadTTL is dropped.
type readAhead struct {
	mu    sync.Mutex
	pages map[aheadKey]*aheadPage
	// served counts the pages answered from here (for tests).
	served atomic.Int64
}

const (
	aheadMax = 4
	aheadTTL = 30 * time.Second
	// aheadTimeout bounds the reading of one page.
	aheadTimeout = 30 * time.Second
)

// aheadKey names a page: what the client will send (after, limit) and the
// register's state (head).
type aheadKey struct {
	after, head uint64
	limit       int
}

// aheadPage is a page read ahead, encoded when done is closed.
type aheadPage struct {
	done    chan struct{}
	started time.Time
	// known is set (under readAhead.mu) once next and more are read.
	known bool
	next  uint64
	more  bool
	body  []byte
	err   error
}

// pageReader reads the database part of a page in two steps: plan decides
// the page's cursor, read reads its records.
type pageReader struct {
	plan func(ctx context.Context, after uint64) (store.ChangePlan, error)
	read func(ctx context.Context, plan store.ChangePlan) (store.ChangeBatch, error)
}

// take removes and returns the page for key, or nil when none is held or
// being read. The caller waits on done.
func (r *readAhead) take(key aheadKey) *aheadPage {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pages[key]
	if p != nil {
		delete(r.pages, key)
	}
	return p
}

// extend makes sure the page at key is held or being read: it follows the
// pages already held from key on and starts reading the first one missing,
// if there is room.
func (r *readAhead) extend(key aheadKey, pr pageReader) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, p := range r.pages {
		if now.Sub(p.started) > aheadTTL {
			delete(r.pages, k)
		}
	}
	for range aheadMax {
		p, ok := r.pages[key]
		if !ok {
			break
		}
		if !p.known || !p.more {
			return
		}
		key.after = p.next
	}
	if _, ok := r.pages[key]; ok || len(r.pages) >= aheadMax {
		return
	}
	if r.pages == nil {
		r.pages = map[aheadKey]*aheadPage{}
	}
	p := &aheadPage{done: make(chan struct{}), started: now}
	r.pages[key] = p
	go r.run(key, p, pr)
}

// run reads the page p for key: its plan, then, with the pages after it
// started, its records, which it encodes.
func (r *readAhead) run(key aheadKey, p *aheadPage, pr pageReader) {
	defer close(p.done)
	ctx, cancel := context.WithTimeout(context.Background(), aheadTimeout)
	defer cancel()
	plan, err := pr.plan(ctx, key.after)
	if err != nil {
		p.err = err
		return
	}
	r.mu.Lock()
	p.known, p.next, p.more = true, plan.Next, plan.More
	r.mu.Unlock()
	if plan.More {
		r.extend(aheadKey{after: plan.Next, head: key.head, limit: key.limit}, pr)
	}
	b, err := pr.read(ctx, plan)
	if err != nil {
		p.err = err
		return
	}
	p.body, p.err = encodePage(b)
}
