package web

import (
	"context"
	"strconv"

	"efa-register/internal/i18n"
	"efa-register/internal/search"

	"efa-register/views"
)

// similarSolutions returns solutions like the given one from the search
// index ("more like this"), with a note explaining an empty result.
func (s *Site) similarSolutions(ctx context.Context, slug string, n int) ([]views.SolutionItem, string, error) {
	if s.Search == nil {
		return nil, i18n.T(ctx, "search.similar_unavailable"), nil
	}
	hits, err := searchCached(ctx, s, "similar:"+slug+":"+strconv.Itoa(n), func() ([]search.Hit, error) { return s.Search.Similar(ctx, slug, n) })
	if err != nil {
		// The page stays useful without this section; the log keeps the cause.
		s.Log.WarnContext(ctx, "similar solutions", "slug", slug, "err", err)
		return nil, i18n.T(ctx, "search.similar_failed"), nil
	}
	slugs := make([]string, len(hits))
	for i, h := range hits {
		slugs[i] = h.Slug
	}
	items, err := s.itemsBySlugs(ctx, slugs, nil)
	return items, "", err
}

// itemsBySlugs loads solutions in the given order as list items, with the
// search snippets where given; slugs the store no longer has are skipped.
func (s *Site) itemsBySlugs(ctx context.Context, slugs []string, snippets map[string]string) ([]views.SolutionItem, error) {
	found, err := s.Store.SolutionsBySlugs(ctx, slugs)
	if err != nil {
		return nil, err
	}
	ids := make([]uint, 0, len(found))
	for _, sol := range found {
		ids = append(ids, sol.ID)
	}
	counts, err := s.Store.AdoptionCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]views.SolutionItem, 0, len(slugs))
	for _, slug := range slugs {
		sol, ok := found[slug]
		if !ok {
			continue
		}
		it := solutionItem(ctx, sol, counts[sol.ID].Total)
		it.Snippet = snippets[slug]
		out = append(out, it)
	}
	return out, nil
}
