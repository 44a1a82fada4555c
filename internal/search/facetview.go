package search

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"efa-register/internal/catalog"
)

// Facet counts, filters and the field sorts of the solution search come from
// in-memory columns instead of bleve's facet builder and sort, which read
// and decompress the doc values of every hit: at 50,000 solutions that was
// most of a faceted query's time. The columns are built once per index
// segment (segments never change; a write adds a small new one) and put
// together per index snapshot into a view over the snapshot's document
// numbers. Filters become bitmaps that bleve's conjunction leaps through,
// and the documents a search matched are recorded as a bitmap, so each
// facet value is counted by one bitmap intersection.

// segColumns are the facet values and sort keys of one segment's documents,
// indexed by the segment's own document numbers (deleted ones included).
type segColumns struct {
	solutions *roaring.Bitmap
	values    map[string]map[string]*roaring.Bitmap // facet key -> value -> documents
	slug      []string
	name      []string
	nameSort  []string
	adoptions []float64
	updated   []float64
}

// columnFields are the doc-value fields the columns are read from.
var columnFields = append([]string{fKind, fSlug, fTitle, fNameSort, fAdoptions, fUpdated,
	fTopicField, fProvider, fStatus, fMaturity, fAdoptedIn, fOpenSource}, standardFields()...)

func standardFields() []string {
	out := make([]string, len(catalog.Dimensions))
	for i, d := range catalog.Dimensions {
		out[i] = fStandardPrefix + d.Key
	}
	return out
}

// fieldFacet maps the facet fields back to their facet keys.
var fieldFacet = map[string]string{}

func init() {
	for k, f := range facetField {
		fieldFacet[f] = k
	}
}

// buildSegColumns reads the doc values of every document in seg.
func buildSegColumns(seg segment.Segment) (*segColumns, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: segment type %T has no doc values", seg)
	}
	n := seg.Count()
	c := &segColumns{
		solutions: roaring.New(),
		values:    map[string]map[string]*roaring.Bitmap{},
		slug:      make([]string, n),
		name:      make([]string, n),
		nameSort:  make([]string, n),
		adoptions: make([]float64, n),
		updated:   make([]float64, n),
	}
	for _, k := range FacetKeys {
		c.values[k] = map[string]*roaring.Bitmap{}
	}
	var doc uint32
	visit := func(field string, term []byte) {
		switch field {
		case fKind:
			if string(term) == kindSolution {
				c.solutions.Add(doc)
			}
		case fSlug:
			c.slug[doc] = string(term)
		case fTitle:
			c.name[doc] = string(term)
		case fNameSort:
			c.nameSort[doc] = string(term)
		case fAdoptions, fUpdated:
			// Numbers are indexed at several precisions; the full one has shift 0.
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err != nil || shift != 0 {
				return
			}
			i, err := pc.Int64()
			if err != nil {
				return
			}
			if field == fAdoptions {
				c.adoptions[doc] = numeric.Int64ToFloat64(i)
			} else {
				c.updated[doc] = numeric.Int64ToFloat64(i)
			}
		default:
			vals := c.values[fieldFacet[field]]
			bm := vals[string(term)]
			if bm == nil {
				bm = roaring.New()
				vals[string(term)] = bm
			}
			bm.Add(doc)
		}
	}
	var state segment.DocVisitState
	for d := range n {
		doc = uint32(d)
		var err error
		if state, err = dv.VisitDocValues(d, columnFields, visit, state); err != nil {
			return nil, fmt.Errorf("search: read doc values: %w", err)
		}
	}
	c.solutions.RunOptimize()
	for _, vals := range c.values {
		for _, bm := range vals {
			bm.RunOptimize()
		}
	}
	return c, nil
}

// viewSeg is one segment of a view.
type viewSeg struct {
	offset uint32 // first document number of the segment in the snapshot
	cols   *segColumns
}

// facetView is the columns of one index snapshot, addressed by the
// snapshot's document numbers (bleve's internal ids), with deleted
// documents left out of every bitmap.
type facetView struct {
	segs      []viewSeg
	solutions *roaring.Bitmap
	values    map[string]map[string]*roaring.Bitmap
}

// columns is the per-index cache of segment columns and of the last view.
type columns struct {
	mu   sync.Mutex
	segs map[uint64]*segColumns // by segment id (unique within one bleve index)
	last atomic.Pointer[viewEntry]
}

type viewEntry struct {
	snap weak.Pointer[scorch.IndexSnapshot]
	view *facetView
}

func newColumns() *columns { return &columns{segs: map[uint64]*segColumns{}} }

// currentView returns the view of idx's current snapshot; the caller holds ix.mu.
func (ix *Index) currentView(idx bleve.Index) (*facetView, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ix.cols.viewOf(r)
}

// viewOf returns the view of the snapshot an index reader reads.
func (cs *columns) viewOf(r index.IndexReader) (*facetView, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search: index reader %T is not a scorch snapshot", r)
	}
	key := weak.Make(snap)
	if e := cs.last.Load(); e != nil && e.snap == key {
		return e.view, nil
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if e := cs.last.Load(); e != nil && e.snap == key {
		return e.view, nil // built while this search waited
	}
	v, err := cs.buildView(snap)
	if err != nil {
		return nil, err
	}
	cs.last.Store(&viewEntry{snap: key, view: v})
	return v, nil
}

// buildView puts the view of snap together; the caller holds cs.mu.
func (cs *columns) buildView(snap *scorch.IndexSnapshot) (*facetView, error) {
	v := &facetView{values: map[string]map[string]*roaring.Bitmap{}}
	for _, k := range FacetKeys {
		v.values[k] = map[string]*roaring.Bitmap{}
	}
	var solutions []*roaring.Bitmap
	live := map[uint64]bool{}
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		c := cs.segs[ss.Id()]
		if c == nil {
			var err error
			if c, err = buildSegColumns(seg); err != nil {
				return nil, err
			}
			cs.segs[ss.Id()] = c
		}
		live[ss.Id()] = true
		if offset+seg.Count() > math.MaxUint32 {
			return nil, fmt.Errorf("search: more than %d documents", uint64(math.MaxUint32))
		}
		v.segs = append(v.segs, viewSeg{offset: uint32(offset), cols: c})
		deleted := ss.Deleted()
		place := func(bm *roaring.Bitmap) *roaring.Bitmap {
			if deleted != nil && !deleted.IsEmpty() {
				bm = roaring.AndNot(bm, deleted)
			}
			if offset > 0 {
				bm = roaring.AddOffset64(bm, int64(offset))
			}
			return bm
		}
		solutions = append(solutions, place(c.solutions))
		for k, vals := range c.values {
			for val, bm := range vals {
				bm = place(bm)
				if have := v.values[k][val]; have != nil {
					bm = roaring.Or(have, bm)
				}
				v.values[k][val] = bm
			}
		}
		offset += seg.Count()
	}
	v.solutions = roaring.FastOr(solutions...)
	for id := range cs.segs {
		if !live[id] {
			delete(cs.segs, id) // merged away: the current snapshot no longer has it
		}
	}
	return v, nil
}

// seg returns the columns and local number of a document.
func (v *facetView) seg(doc uint32) (*segColumns, uint32) {
	i := sort.Search(len(v.segs), func(i int) bool { return v.segs[i].offset > doc }) - 1
	return v.segs[i].cols, doc - v.segs[i].offset
}

// filter is the solutions that pass every facet filter except skip's.
func (v *facetView) filter(filters map[string][]string, skip string) *roaring.Bitmap {
	parts := []*roaring.Bitmap{v.solutions}
	for _, key := range FacetKeys {
		vals := filters[key]
		if key == skip || len(vals) == 0 {
			continue
		}
		var any []*roaring.Bitmap
		for _, val := range vals {
			if bm := v.values[key][val]; bm != nil {
				any = append(any, bm)
			}
		}
		switch len(any) {
		case 0:
			return roaring.New()
		case 1:
			parts = append(parts, any[0])
		default:
			parts = append(parts, roaring.FastOr(any...))
		}
	}
	if len(parts) == 1 {
		return v.solutions // never changed by the callers
	}
	return roaring.FastAnd(parts...)
}

// counts counts every value of facet key among docs.
func (v *facetView) counts(key string, docs *roaring.Bitmap) map[string]int {
	out := map[string]int{}
	for val, bm := range v.values[key] {
		if n := docs.AndCardinality(bm); n > 0 {
			out[val] = int(n)
		}
	}
	return out
}

// facetCounts counts the facets without a selection over matched, the
// documents that passed every filter, into out.
func (v *facetView) facetCounts(filters map[string][]string, matched *roaring.Bitmap, out map[string]map[string]int) {
	for _, key := range FacetKeys {
		if len(filters[key]) == 0 {
			out[key] = v.counts(key, matched)
		}
	}
}

// ownCounts counts each facet with a selection over the documents of own
// that pass the other facets' filters, into out.
func (v *facetView) ownCounts(filters map[string][]string, own *roaring.Bitmap, out map[string]map[string]int) {
	for _, key := range FacetKeys {
		if len(filters[key]) > 0 {
			out[key] = v.counts(key, roaring.And(own, v.filter(filters, key)))
		}
	}
}

// less orders two documents by a field sort; ties go by name, then by
// document number, so pages never overlap.
func (v *facetView) less(sortBy string) func(a, b uint32) bool {
	return func(a, b uint32) bool {
		ca, la := v.seg(a)
		cb, lb := v.seg(b)
		switch sortBy {
		case SortAdoptions:
			if x, y := ca.adoptions[la], cb.adoptions[lb]; x != y {
				return x > y
			}
		case SortUpdated:
			if x, y := ca.updated[la], cb.updated[lb]; x != y {
				return x > y
			}
		}
		if x, y := ca.nameSort[la], cb.nameSort[lb]; x != y {
			return x < y
		}
		return a < b
	}
}

// top returns the documents from..from+size of docs in sortBy's order.
func (v *facetView) top(docs *roaring.Bitmap, sortBy string, from, size int) []uint32 {
	k := from + size
	if k <= 0 {
		return nil
	}
	less := v.less(sortBy)
	// A bounded max-heap of the k best: the worst of them on top.
	h := make([]uint32, 0, min(k, int(docs.GetCardinality())))
	worse := func(i, j int) bool { return less(h[j], h[i]) }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && worse(r, l) {
				l = r
			}
			if !worse(l, i) {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	it := docs.Iterator()
	for it.HasNext() {
		d := it.Next()
		if len(h) < k {
			h = append(h, d)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !worse(i, p) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if less(d, h[0]) {
			h[0] = d
			down(0)
		}
	}
	sort.Slice(h, func(i, j int) bool { return less(h[i], h[j]) })
	if from >= len(h) {
		return nil
	}
	return h[from:]
}

// slugs returns the slugs of documents.
func (v *facetView) slugs(docs []uint32) []string {
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		c, l := v.seg(d)
		out = append(out, c.slug[l])
	}
	return out
}

// hits returns slug and name of documents, unscored.
func (v *facetView) hits(docs []uint32) []Hit {
	out := make([]Hit, 0, len(docs))
	for _, d := range docs {
		c, l := v.seg(d)
		out = append(out, Hit{Slug: c.slug[l], Name: c.name[l]})
	}
	return out
}

// filterQuery matches the solutions that pass the facet filters, in the
// view of the snapshot the search reads, scoring nothing.
type filterQuery struct {
	cols    *columns
	filters map[string][]string
}

// Searcher implements query.Query.
func (q *filterQuery) Searcher(_ context.Context, r index.IndexReader, _ mapping.IndexMapping, _ search.SearcherOptions) (search.Searcher, error) {
	v, err := q.cols.viewOf(r)
	if err != nil {
		return nil, err
	}
	bm := v.filter(q.filters, "")
	return &bitmapSearcher{bm: bm, it: bm.Iterator()}, nil
}

// bitmapSearcher walks a bitmap of document numbers.
type bitmapSearcher struct {
	bm *roaring.Bitmap
	it roaring.IntPeekable
}

var bitmapSearcherSize = int(reflect.TypeFor[bitmapSearcher]().Size())

func (s *bitmapSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if !s.it.HasNext() {
		return nil, nil
	}
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = index.NewIndexInternalID(dm.IndexInternalID, uint64(s.it.Next()))
	return dm, nil
}

func (s *bitmapSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	n := id.Value()
	if n > math.MaxUint32 {
		return nil, nil
	}
	s.it.AdvanceIfNeeded(uint32(n))
	return s.Next(ctx)
}

func (s *bitmapSearcher) Close() error               { return nil }
func (s *bitmapSearcher) Weight() float64            { return 0 }
func (s *bitmapSearcher) SetQueryNorm(float64)       {}
func (s *bitmapSearcher) Count() uint64              { return s.bm.GetCardinality() }
func (s *bitmapSearcher) Min() int                   { return 0 }
func (s *bitmapSearcher) Size() int                  { return bitmapSearcherSize + int(s.bm.GetSizeInBytes()) }
func (s *bitmapSearcher) DocumentMatchPoolSize() int { return 1 }

// recordQuery records the documents its inner query matches, and the view
// of the snapshot it read.
type recordQuery struct {
	cols  *columns
	inner query.Query
	// view and hits are set by the search.
	view *facetView
	hits *roaring.Bitmap
}

// Searcher implements query.Query.
func (q *recordQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	v, err := q.cols.viewOf(r)
	if err != nil {
		return nil, err
	}
	s, err := q.inner.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	q.view, q.hits = v, roaring.New()
	return &recordSearcher{Searcher: s, hits: q.hits}, nil
}

type recordSearcher struct {
	search.Searcher
	hits *roaring.Bitmap
}

func (s *recordSearcher) record(dm *search.DocumentMatch, err error) (*search.DocumentMatch, error) {
	if dm != nil {
		s.hits.Add(uint32(dm.IndexInternalID.Value()))
	}
	return dm, err
}

func (s *recordSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.record(s.Searcher.Next(ctx))
}

func (s *recordSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	return s.record(s.Searcher.Advance(ctx, id))
}

// constQuery matches what its inner query matches, unscored (so that bleve
// reads no term frequencies), with a constant score of boost.
type constQuery struct {
	inner query.Query
	boost float64
}

// Searcher implements query.Query.
func (q *constQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	if o.Score == bleve.ScoreNone {
		// Unwrapped, so that bleve can merge it with other unscored terms.
		return q.inner.Searcher(ctx, r, m, o)
	}
	o.Score = bleve.ScoreNone
	s, err := q.inner.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	return &constSearcher{Searcher: s, boost: q.boost, score: q.boost}, nil
}

// constSearcher scores every match with boost, normalised like a term.
type constSearcher struct {
	search.Searcher
	boost, score float64
}

func (s *constSearcher) Weight() float64           { return s.boost * s.boost }
func (s *constSearcher) SetQueryNorm(norm float64) { s.score = s.boost * norm }

func (s *constSearcher) scored(dm *search.DocumentMatch, err error) (*search.DocumentMatch, error) {
	if dm != nil {
		dm.Score = s.score
	}
	return dm, err
}

func (s *constSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.scored(s.Searcher.Next(ctx))
}

func (s *constSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	return s.scored(s.Searcher.Advance(ctx, id))
}
