package web

import (
	"context"
	"sync"
)

// seqCache memoises values derived from the data at one version: the
// store's last event sequence or the search index's applied sequence. A new
// version empties it, so it never serves figures older than the data it
// was asked about. Two requests that miss at once both compute; that costs
// time, never correctness.
type seqCache struct {
	mu      sync.Mutex
	seq     uint64
	entries map[string]any
	max     int
}

func newSeqCache(max int) *seqCache { return &seqCache{entries: map[string]any{}, max: max} }

func (c *seqCache) get(seq uint64, key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq != c.seq {
		return nil, false
	}
	v, ok := c.entries[key]
	return v, ok
}

func (c *seqCache) put(seq uint64, key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq < c.seq {
		return
	}
	if seq > c.seq || len(c.entries) >= c.max {
		c.seq, c.entries = seq, map[string]any{}
	}
	c.entries[key] = v
}

// cached returns the value for key at data version seq, computing it on a miss.
func cached[T any](c *seqCache, seq uint64, key string, compute func() (T, error)) (T, error) {
	if v, ok := c.get(seq, key); ok {
		return v.(T), nil
	}
	v, err := compute()
	if err == nil {
		c.put(seq, key, v)
	}
	return v, err
}

// pageCaches are the caches of the browsing pages: aggregates over the
// database (per store event) and search results (per applied index event).
type pageCaches struct {
	store  *seqCache
	search *seqCache
}

func newPageCaches() *pageCaches {
	return &pageCaches{store: newSeqCache(256), search: newSeqCache(1024)}
}

// storeCached memoises a database aggregate until the next write.
func storeCached[T any](ctx context.Context, s *server, key string, compute func() (T, error)) (T, error) {
	seq, err := s.Store.LastEventSeq(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return cached(s.pages.store, seq, key, compute)
}

// searchCached memoises a search result until the index applies the next event.
func searchCached[T any](s *server, key string, compute func() (T, error)) (T, error) {
	return cached(s.pages.search, s.Search.AppliedSeq(), key, compute)
}
