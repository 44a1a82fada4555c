package search

import (
	"context"
	"sort"
)

// Kinds of MixedHit.Type.
const (
	TypeSolution = "solution"
	TypeService  = "service"
)

// MixedHit is a solution or an OZG-Leistung in a search over both.
type MixedHit struct {
	Type       string // TypeSolution or TypeService
	ID         string // slug of a solution, OZG-ID of a service
	Name       string
	Score      float64
	Snippet    string
	Highlights map[string][]string
}

// MixedResult is one page of a search over solutions and OZG-Leistungen.
type MixedResult struct {
	Hits          []MixedHit
	Total         int
	Page, PerPage int
	// Facets are the solution facets (OZG-Leistungen have none but the Themenfeld).
	Facets  map[string][]FacetValue
	Relaxed bool
}

// ServicesApply reports whether OZG-Leistungen can satisfy the query:
// they have a Themenfeld but no provider, status, maturity, adoptions,
// licence or change date, so any other filter or sort leaves them out.
func (q Query) ServicesApply() bool {
	if len(q.ProviderLands) > 0 || len(q.Statuses) > 0 || len(q.Maturities) > 0 || len(q.AdoptedInLands) > 0 || q.OpenSource != nil || len(q.Standards) > 0 {
		return false
	}
	return q.Sort == "" || q.Sort == SortRelevance || q.Sort == SortName
}

// SearchAll searches solutions and OZG-Leistungen together and merges them
// by score (or by name when sorted by name); solutions win ties. When
// ServicesApply is false only solutions are returned. Facets are those of
// the solutions.
func (ix *Index) SearchAll(ctx context.Context, q Query) (MixedResult, error) {
	withServices := q.ServicesApply()
	if err := q.validate(); err != nil {
		return MixedResult{}, err
	}
	// The page may hold hits from deep inside either list: fetch both up to its end.
	window := q.Page * q.PerPage
	sols, err := ix.searchSolutions(ctx, q, 0, window)
	if err != nil {
		return MixedResult{}, err
	}
	out := MixedResult{Page: q.Page, PerPage: q.PerPage, Facets: sols.Facets, Relaxed: sols.Relaxed, Total: sols.Total}
	all := make([]MixedHit, 0, len(sols.Hits))
	for _, h := range sols.Hits {
		all = append(all, MixedHit{Type: TypeSolution, ID: h.Slug, Name: h.Name, Score: h.Score, Snippet: h.Snippet, Highlights: h.Highlights})
	}
	if withServices {
		svcs, err := ix.searchServices(ctx, ServiceQuery{Text: q.Text, TopicFieldIDs: q.TopicFieldIDs, Sort: q.Sort, Page: 1, PerPage: q.PerPage}, 0, window)
		if err != nil {
			return MixedResult{}, err
		}
		out.Total += svcs.Total
		for _, h := range svcs.Hits {
			all = append(all, MixedHit{Type: TypeService, ID: h.OZGID, Name: h.Name, Score: h.Score, Snippet: h.Snippet, Highlights: h.Highlights})
		}
	}
	byName := q.Sort == SortName || (q.Sort == SortRelevance && plan(foldAnalyzer, q.Text).empty())
	// With solutions alone, the order of the solution search stands.
	if withServices {
		sort.SliceStable(all, func(i, j int) bool {
			a, b := all[i], all[j]
			if byName {
				if ka, kb := sortKey(a.Name), sortKey(b.Name); ka != kb {
					return ka < kb
				}
			} else if a.Score != b.Score {
				return a.Score > b.Score
			}
			return a.Type == TypeSolution && b.Type != TypeSolution
		})
	}
	from := (q.Page - 1) * q.PerPage
	if from < len(all) {
		out.Hits = all[from:min(from+q.PerPage, len(all))]
	}
	return out, nil
}
