package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"efa-register/internal/catalog"
)

// Draft is an unsaved solution for the "Gibt es schon?" warning of the registration form.
type Draft struct {
	Name, Description string
	OZGIDs            []string
}

// maxDescriptionTerms bounds the description words a similarity query uses.
const maxDescriptionTerms = 25

// Similar returns solutions like the given one ("more like this"), best first, without itself.
func (ix *Index) Similar(ctx context.Context, slug string, n int) ([]Hit, error) {
	sols, err := ix.st.SolutionsForSearch(ctx, []string{slug})
	if err != nil {
		return nil, err
	}
	if len(sols) == 0 {
		return nil, fmt.Errorf("search: similar to %q: %w", slug, catalog.ErrNotFound)
	}
	s := sols[0]
	d := Draft{Name: s.Name, Description: strings.TrimSpace(s.Summary + "\n" + s.Description), OZGIDs: s.OZGIDs()}
	return ix.similar(ctx, d, slug, n)
}

// SimilarToDraft returns the existing solutions most like a draft: sharing
// OZG-Leistungen counts most, then words of the name, then of the description.
func (ix *Index) SimilarToDraft(ctx context.Context, d Draft, n int) ([]Hit, error) {
	return ix.similar(ctx, d, "", n)
}

func (ix *Index) similar(ctx context.Context, d Draft, exclude string, n int) ([]Hit, error) {
	if n <= 0 || n > MaxPerPage {
		n = 5
	}
	var hits []Hit
	err := ix.withIndex(func(idx bleve.Index) error {
		a, err := textAnalyzer(idx)
		if err != nil {
			return err
		}
		var should []query.Query
		seen := map[string]bool{}
		// Whole words count fully, compound parts a third: "Fahrerlaubnis"
		// should not make every "Erlaubnis" similar.
		nameTerms := analysedTerms(a, d.Name, 0)
		for _, t := range nameTerms {
			if seen[t.term] {
				continue
			}
			seen[t.term] = true
			w := 1.0
			if t.part {
				w = 0.3
			}
			should = append(should, termQ(fName, t.term, 3*w), termQ(fServices, t.term, 1.5*w), termQ(fAll, t.term, w))
		}
		for _, t := range analysedTerms(a, d.Description, maxDescriptionTerms) {
			if seen[t.term] {
				continue
			}
			seen[t.term] = true
			w := 0.5
			if t.part {
				w = 0.15
			}
			should = append(should, termQ(fAll, t.term, w))
		}
		for _, id := range d.OZGIDs {
			if id = strings.TrimSpace(id); catalog.ValidOZGID(id) {
				// The same OZG-Leistung is the strongest sign of a duplicate.
				should = append(should, termQ(fOZG, id, 10))
			}
		}
		if len(should) == 0 {
			return nil
		}
		b := bleve.NewBooleanQuery()
		b.AddShould(should...)
		filter := []query.Query{termQ(fKind, kindSolution, 1)}
		b.AddFilter(bleve.NewConjunctionQuery(filter...))
		if exclude != "" {
			b.AddMustNot(bleve.NewDocIDQuery([]string{solutionDocID(exclude)}))
		}
		req := bleve.NewSearchRequestOptions(b, n, 0, false)
		req.Fields = []string{fSlug, fName}
		req.SortBy([]string{"-_score"})
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		hits = solutionHits(res.Hits)
		return nil
	})
	if errors.Is(err, ErrClosed) {
		return nil, err
	}
	return hits, err
}

type analysedTerm struct {
	term string
	part bool // a part of a compound, not a whole word
}

// analysedTerms returns the distinct analysed terms of text (whole words
// and compound parts), the most frequent first, at most limit (0: all).
func analysedTerms(a analysis.Analyzer, text string, limit int) []analysedTerm {
	if text == "" {
		return nil
	}
	if len(text) > 20000 {
		text = text[:20000]
	}
	freq := map[string]int{}
	part := map[string]bool{}
	var order []string
	lastPos := -1
	for _, t := range a.Analyze([]byte(text)) {
		w := string(t.Term)
		isPart := t.Position == lastPos
		lastPos = t.Position
		if len(w) < 3 {
			continue
		}
		if freq[w] == 0 {
			order = append(order, w)
			part[w] = isPart
		} else if !isPart {
			part[w] = false
		}
		freq[w]++
	}
	sort.SliceStable(order, func(i, j int) bool { return freq[order[i]] > freq[order[j]] })
	if limit > 0 && len(order) > limit {
		order = order[:limit]
	}
	out := make([]analysedTerm, len(order))
	for i, w := range order {
		out[i] = analysedTerm{term: w, part: part[w]}
	}
	return out
}
