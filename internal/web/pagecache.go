package web

import (
	"context"

	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
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

// langKey prefixes a cache key with the reader's language: what is cached
// may hold texts in that language, and a German page must not reach an
// English reader.
func langKey(ctx context.Context, key string) string {
	return string(i18n.From(ctx)) + ":" + key
}

// storeCached memoises a database aggregate until the next write, per language.
func storeCached[T any](ctx context.Context, s *Site, key string, compute func() (T, error)) (T, error) {
	seq, err := s.Store.LastEventSeq(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return httpx.Cached(s.pages.store, seq, langKey(ctx, key), compute)
}

// searchCached memoises a search result until the index applies the next
// event, per language.
func searchCached[T any](ctx context.Context, s *Site, key string, compute func() (T, error)) (T, error) {
	return httpx.Cached(s.pages.search, s.Search.AppliedSeq(), langKey(ctx, key), compute)
}
