package web

import (
	"context"

	"efa-register/internal/httpx"
)

// pageCaches are the caches of the browsing pages: aggregates over the
// database (per store event) and search results (per applied index event).
type pageCaches struct {
	store  *httpx.SeqCache
	search *httpx.SeqCache
}

func newPageCaches() *pageCaches {
	return &pageCaches{store: httpx.NewSeqCache(256), search: httpx.NewSeqCache(1024)}
}

// storeCached memoises a database aggregate until the next write.
func storeCached[T any](ctx context.Context, s *Site, key string, compute func() (T, error)) (T, error) {
	seq, err := s.Store.LastEventSeq(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return httpx.Cached(s.pages.store, seq, key, compute)
}

// searchCached memoises a search result until the index applies the next event.
func searchCached[T any](s *Site, key string, compute func() (T, error)) (T, error) {
	return httpx.Cached(s.pages.search, s.Search.AppliedSeq(), key, compute)
}
