package search

import (
	"context"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/format/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// ServiceHit is an OZG-Leistung found by text (its LeiKa names count as extra text).
type ServiceHit struct {
	OZGID, Name string
	Score       float64
	Snippet     string              // safe HTML with <mark>…</mark>; "" when none
	Highlights  map[string][]string // field -> fragments (same escaping)
}

// ServiceQuery is a paged search over the OZG-Leistungen.
type ServiceQuery struct {
	Text          string
	TopicFieldIDs []uint
	Sort          string // "relevance" (default) or "name"
	Page, PerPage int
}

// ServiceResult is one page of OZG-Leistungen.
type ServiceResult struct {
	Hits          []ServiceHit
	Total         int
	Page, PerPage int
}

// SearchServices returns up to limit OZG-Leistungen matching text, best first.
func (ix *Index) SearchServices(ctx context.Context, text string, limit int) ([]ServiceHit, error) {
	if limit <= 0 || limit > MaxPerPage {
		limit = DefaultPerPage
	}
	res, err := ix.SearchServicesPage(ctx, ServiceQuery{Text: text, PerPage: limit})
	return res.Hits, err
}

// SearchServicesPage finds OZG-Leistungen by text (name and LeiKa names,
// typo-tolerant, 5-digit OZG-IDs exactly) and Themenfeld. An empty text lists
// them by name.
func (ix *Index) SearchServicesPage(ctx context.Context, q ServiceQuery) (ServiceResult, error) {
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = DefaultPerPage
	}
	q.PerPage = min(q.PerPage, MaxPerPage)
	var v catalog.ValidationError
	if q.Page*q.PerPage > MaxWindow {
		v.AddM("page", i18n.M("search.max_window", "Max", MaxWindow))
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortName:
	default:
		v.AddM("sort", i18n.M("search.bad_service_sort"))
	}
	if err := v.Err(); err != nil {
		return ServiceResult{}, err
	}
	return ix.searchServices(ctx, q, (q.Page-1)*q.PerPage, q.PerPage)
}

// searchServices runs a validated service query for the hits from..from+size.
func (ix *Index) searchServices(ctx context.Context, q ServiceQuery, from, size int) (ServiceResult, error) {
	out := ServiceResult{Page: q.Page, PerPage: q.PerPage}
	filters := map[string][]string{}
	for _, id := range q.TopicFieldIDs {
		filters[FacetTopicField] = append(filters[FacetTopicField], strconv.FormatUint(uint64(id), 10))
	}
	err := ix.withIndex(func(idx bleve.Index) error {
		p, err := planFor(ctx, idx, q.Text)
		if err != nil {
			return err
		}
		run := func(text query.Query) (*bleve.SearchResult, error) {
			req := bleve.NewSearchRequestOptions(filteredQuery(text, kindService, filters), size, from, false)
			req.Fields = []string{fOZG, fName}
			if text == nil || q.Sort == SortName {
				req.SortBy([]string{fNameSort})
			} else {
				req.SortBy([]string{"-_score"})
				req.Highlight = bleve.NewHighlightWithStyle(html.Name)
				req.Highlight.Fields = []string{fName, fLeikaNames}
			}
			return idx.SearchInContext(ctx, req)
		}
		var text query.Query
		if !p.empty() {
			text = textQuery(p, serviceFields, true)
		}
		res, err := run(text)
		if err != nil {
			return err
		}
		if res.Total == 0 && len(p.positions) > 1 {
			if res, err = run(textQuery(p, serviceFields, false)); err != nil {
				return err
			}
		}
		out.Total = int(res.Total)
		for _, h := range res.Hits {
			hit := ServiceHit{OZGID: fieldString(h, fOZG), Name: fieldString(h, fName), Score: finite(h.Score)}
			if hl := marked(h.Fragments); hl != nil {
				hit.Highlights = hl
				if fr := hl[fLeikaNames]; len(fr) > 0 {
					hit.Snippet = fr[0]
				}
			}
			out.Hits = append(out.Hits, hit)
		}
		return nil
	})
	return out, err
}
