package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/format/html"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// Query is a solution search: text plus facet filters (values within one
// facet are OR-ed, facets AND-ed).
type Query struct {
	Text           string
	TopicFieldIDs  []uint   // Themenfeld ids
	ProviderLands  []string // Länderschlüssel "01".."16", or "DE" for the Bund
	Statuses       []catalog.SolutionStatus
	Maturities     []int    // Reifegrad 0..4
	AdoptedInLands []string // Länderschlüssel: adopted by the Land or one of its Kreise/Gemeinden
	OpenSource     *bool
	// Standards are vocabulary keys of the standards profile: within one
	// dimension any may match, across dimensions all must.
	Standards     []string
	Sort          string // "relevance" (default), "adoptions", "name", "updated"
	Page, PerPage int    // 1-based; PerPage default 20, max 100
}

// Facet keys of Result.Facets.
const (
	FacetTopicField = "topicField"
	FacetProvider   = "provider"
	FacetStatus     = "status"
	FacetMaturity   = "maturity"
	FacetAdoptedIn  = "adoptedIn"
	FacetOpenSource = "openSource"
)

// FacetStandardPrefix + a dimension key (catalog.Dimensions) is the facet of
// the standards profile in that dimension, e.g. "standard-payment".
const FacetStandardPrefix = "standard-"

// FacetKeys lists the facet keys in display order: the fixed ones, then one per standards dimension.
var FacetKeys = append([]string{FacetTopicField, FacetProvider, FacetStatus, FacetMaturity, FacetAdoptedIn, FacetOpenSource}, standardFacetKeys()...)

func standardFacetKeys() []string {
	out := make([]string, len(catalog.Dimensions))
	for i, d := range catalog.Dimensions {
		out[i] = FacetStandardPrefix + d.Key
	}
	return out
}

// Sort orders of Query.Sort.
const (
	SortRelevance = "relevance"
	SortAdoptions = "adoptions"
	SortName      = "name"
	SortUpdated   = "updated"
)

// Paging limits.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxWindow is how deep pagination may reach (page * per page).
	MaxWindow = 10000
)

// FacetValue is one value of a facet with its count.
type FacetValue struct {
	Value    string // the filter value as used in Query ("06", "live", "3", "true", topic field id as text)
	Label    string // German label for the UI ("Hessen", "in Betrieb", "Reifegrad 3", "Open Source", "Familie & Kind")
	Count    int
	Selected bool
}

// Hit is one solution found.
type Hit struct {
	Slug       string
	Name       string
	Score      float64
	Snippet    string              // safe HTML: escaped text with <mark>…</mark> around matches; "" when none
	Highlights map[string][]string // field -> fragments (same escaping)
}

// Result is one page of solutions with the facet counts of the whole result.
type Result struct {
	Hits          []Hit
	Total         int
	Page, PerPage int
	Facets        map[string][]FacetValue // every facet key present, values sorted for display
	// Relaxed is true when no solution matched every word and the result
	// holds the solutions that match some of them.
	Relaxed bool
}

// facetField maps facet keys to index fields.
var facetField = func() map[string]string {
	m := map[string]string{
		FacetTopicField: fTopicField, FacetProvider: fProvider, FacetStatus: fStatus,
		FacetMaturity: fMaturity, FacetAdoptedIn: fAdoptedIn, FacetOpenSource: fOpenSource,
	}
	for _, d := range catalog.Dimensions {
		m[FacetStandardPrefix+d.Key] = fStandardPrefix + d.Key
	}
	return m
}()

// fieldBoost is a text field and how much a match in it counts.
type fieldBoost struct {
	field string
	boost float64
}

// solutionFields are searched for solutions: the name counts most, then the
// summary and the covered OZG-Leistungen, then the description.
var solutionFields = []fieldBoost{
	{fName, 6}, {fSummary, 3}, {fServices, 3}, {fDescription, 1.5}, {fTopic, 1}, {fOrg, 1}, {fLeika, 0.6},
}

// serviceFields are searched for OZG-Leistungen.
var serviceFields = []fieldBoost{{fName, 6}, {fLeikaNames, 1.2}, {fTopic, 1}}

// snippetFields are tried in order for a solution's snippet.
var snippetFields = []string{fSummary, fDescription, fServices}

// synonyms expand common abbreviations and everyday words (folded form or
// stem) to the words the catalogue uses: people type "Kfz" and "heiraten",
// the OZG catalogue says "Kraftfahrzeug" and "Eheschließung". An expansion
// matches like the word itself, slightly weaker.
var synonyms = map[string]string{
	"kfz":       "Kraftfahrzeug",
	"pkw":       "Kraftfahrzeug",
	"auto":      "Kraftfahrzeug",
	"alg":       "Arbeitslosengeld",
	"hartz":     "Arbeitslosengeld",
	"wbs":       "Wohnberechtigungsschein",
	"ewa":       "Wohnsitzanmeldung",
	"perso":     "Personalausweis",
	"ausweis":   "Personalausweis",
	"kita":      "Kindertagesbetreuung",
	"heirat":    "Eheschließung",
	"heiraten":  "Eheschließung",
	"hochzeit":  "Eheschließung",
	"umzug":     "Wohnsitz",
	"umziehen":  "Wohnsitz",
	"angeln":    "Fischereischein",
	"angel":     "Fischereischein",
	"anwohner":  "Bewohner",
	"feuerwerk": "pyrotechnisch",
}

// textPlan is a query text taken apart: per word position the analysed
// whole word and its compound parts or expansions, the prefix for the word
// being typed, quoted phrases and OZG-IDs.
type textPlan struct {
	positions []planPos
	phrases   []string
	// plain is the text without quotes, for the name phrase boost.
	plain string
	// optionalPrefix is a prefix for a last word that analysis dropped (a
	// stop word being typed): it may match but need not.
	optionalPrefix string
}

type planPos struct {
	whole  string   // the analysed word
	parts  []string // compound parts (all must match when the whole word does not)
	alts   []string // expansions of a synonym (any may match)
	prefix string   // folded prefix of the word being typed ("" when none)
	ozgID  bool     // the word is a 5-digit OZG-ID
	fuzzy  bool     // the word is not in the index: match it with typos
	known  bool     // the word is in the index as typed
}

var rePhrase = regexp.MustCompile(`"([^"]+)"`)

// maxQueryRunes bounds the analysed query text.
const maxQueryRunes = 500

// plan analyses text with the index's own analyzer.
func plan(a analysis.Analyzer, text string) textPlan {
	if utf8.RuneCountInString(text) > maxQueryRunes {
		text = string([]rune(text)[:maxQueryRunes])
	}
	var p textPlan
	for _, m := range rePhrase.FindAllStringSubmatch(text, -1) {
		if strings.TrimSpace(m[1]) != "" {
			p.phrases = append(p.phrases, m[1])
		}
	}
	plain := strings.ReplaceAll(text, `"`, " ")
	p.plain = strings.TrimSpace(plain)
	typing := text != "" && !unicode.IsSpace(rune(text[len(text)-1])) && !strings.HasSuffix(text, `"`)

	dict := dictionaryOf(a)
	byPos := map[int]*planPos{}
	var order []int
	for _, tok := range a.Analyze([]byte(plain)) {
		pp, ok := byPos[tok.Position]
		if !ok {
			pp = &planPos{whole: string(tok.Term)}
			byPos[tok.Position] = pp
			order = append(order, tok.Position)
			continue
		}
		pp.parts = append(pp.parts, string(tok.Term))
	}
	folded := foldAnalyzer.Analyze([]byte(plain))
	for _, tok := range folded {
		w := string(tok.Term)
		pp := byPos[tok.Position]
		if pp == nil {
			continue
		}
		if isDigits(w) && len(w) == 5 {
			pp.ozgID = true
		}
		exp, ok := synonyms[w]
		if !ok {
			exp, ok = synonyms[pp.whole]
		}
		if ok {
			for _, t := range a.Analyze([]byte(exp)) {
				if !slices.Contains(pp.alts, string(t.Term)) {
					pp.alts = append(pp.alts, string(t.Term))
				}
			}
		}
	}
	if typing && len(folded) > 0 {
		last := folded[len(folded)-1]
		w := string(last.Term)
		if utf8.RuneCountInString(w) >= 3 && !isDigits(w) {
			if pp := byPos[last.Position]; pp != nil {
				pp.prefix = w
			} else {
				p.optionalPrefix = w
			}
		}
	}
	sort.Ints(order)
	for _, pos := range order {
		pp := *byPos[pos]
		if _, known := dict[pp.whole]; known {
			// A word of the catalogue's own vocabulary stands for itself:
			// "Wohngeld" must not match "Wohnsitz" plus "Sozialgeld".
			// Compounds in the documents were split when indexed, so it
			// still finds "Wohngeldantrag".
			pp.parts = nil
		}
		p.positions = append(p.positions, pp)
	}
	return p
}

// dictionaryOf returns the decompounding dictionary inside an analyzer.
func dictionaryOf(a analysis.Analyzer) analysis.TokenMap {
	if da, ok := a.(*analysis.DefaultAnalyzer); ok {
		for _, f := range da.TokenFilters {
			if d, ok := f.(*decompoundFilter); ok {
				return d.dict
			}
		}
	}
	return nil
}

// planFor analyses text for the index idx and marks the words the index
// does not know for fuzzy matching. A word that occurs as typed is taken as
// meant: matching it with typos as well would only add noise (and building
// the automaton of a fuzzy query is the most expensive part of a search).
func planFor(ctx context.Context, idx bleve.Index, text string) (textPlan, error) {
	a, err := textAnalyzer(idx)
	if err != nil {
		return textPlan{}, err
	}
	p := plan(a, text)
	if len(p.positions) == 0 {
		return p, nil
	}
	adv, err := idx.Advanced()
	if err != nil {
		return p, err
	}
	r, err := adv.Reader()
	if err != nil {
		return p, err
	}
	defer r.Close()
	for i := range p.positions {
		pp := &p.positions[i]
		for _, f := range []string{fAll, fLeika, fLeikaNames} {
			n, err := termCount(ctx, r, f, pp.whole)
			if err != nil {
				return p, err
			}
			if n > 0 {
				pp.known = true
				break
			}
		}
		pp.fuzzy = !pp.known && fuzziness(pp.whole) > 0
	}
	return p, nil
}

// termCount is the number of documents with term in field.
func termCount(ctx context.Context, r index.IndexReader, field, term string) (uint64, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return tfr.Count(), nil
}

func (p textPlan) empty() bool {
	return len(p.positions) == 0 && len(p.phrases) == 0 && p.optionalPrefix == ""
}

// fuzziness is the number of edits allowed for a word of that length.
func fuzziness(word string) int {
	switch n := utf8.RuneCountInString(word); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

func termQ(field, term string, boost float64) query.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func anyTerm(fields []fieldBoost, term string, weight float64) []query.Query {
	qs := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		qs = append(qs, termQ(f.field, term, f.boost*weight))
	}
	return qs
}

// positionQuery matches one word: exactly in any field (boosted by field),
// as a compound through all its parts, through an expansion, with typos
// (fuzzy) or as the prefix of the word being typed.
func positionQuery(pp planPos, fields []fieldBoost) query.Query {
	qs := anyTerm(fields, pp.whole, 1)
	if len(pp.parts) > 1 {
		// A compound matches through its parts only when all of them occur
		// in one field: "Wohngeldantrag" finds a name with "Wohngeld" and
		// "Antrag", not a text with "Wohnung" here and "Bürgergeld" there.
		for _, f := range fields {
			parts := make([]query.Query, 0, len(pp.parts))
			for _, part := range pp.parts {
				parts = append(parts, termQ(f.field, part, f.boost*0.6))
			}
			qs = append(qs, bleve.NewConjunctionQuery(parts...))
		}
	}
	for _, alt := range pp.alts {
		qs = append(qs, anyTerm(fields, alt, 0.9)...)
	}
	if pp.ozgID {
		qs = append(qs, termQ(fOZG, pp.whole, 8))
	}
	if fz := fuzziness(pp.whole); fz > 0 && pp.fuzzy {
		for _, f := range []fieldBoost{{fAll, 0.4}, {fName, 1.5}} {
			q := bleve.NewFuzzyQuery(pp.whole)
			q.SetField(f.field)
			q.SetFuzziness(fz)
			q.SetPrefix(1) // typos rarely hit the first letter; this keeps fuzzy matching fast
			q.SetBoost(f.boost)
			qs = append(qs, q)
		}
	}
	if pp.prefix != "" {
		for _, f := range []fieldBoost{{fAll, 0.5}, {fName, 2}} {
			q := bleve.NewPrefixQuery(pp.prefix)
			q.SetField(f.field)
			q.SetBoost(f.boost)
			if pp.known {
				// The word as typed is scored by its own terms; its
				// continuations ("Antrag" -> "Antragsteller") only add a
				// constant, which spares reading the frequencies of every
				// one of them (the costliest part of a search of a common word).
				qs = append(qs, &constQuery{inner: q, boost: f.boost})
			} else {
				qs = append(qs, q)
			}
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// textQuery is the query of a plan: every word must match (strict) or any
// word may (relaxed); quoted phrases must match; a phrase match in the name
// adds to the score.
func textQuery(p textPlan, fields []fieldBoost, strict bool) query.Query {
	b := bleve.NewBooleanQuery()
	words := make([]query.Query, 0, len(p.positions))
	for _, pp := range p.positions {
		words = append(words, positionQuery(pp, fields))
	}
	switch {
	case len(words) == 0:
	case strict:
		b.AddMust(bleve.NewConjunctionQuery(words...))
	default:
		b.AddMust(bleve.NewDisjunctionQuery(words...))
	}
	for _, ph := range p.phrases {
		q := bleve.NewMatchPhraseQuery(ph)
		q.SetField(fAll)
		q.Analyzer = analyzerText
		b.AddMust(q)
	}
	if len(p.positions) > 1 {
		q := bleve.NewMatchPhraseQuery(p.plain)
		q.SetField(fName)
		q.Analyzer = analyzerText
		q.SetBoost(4)
		b.AddShould(q)
	}
	if p.optionalPrefix != "" {
		q := bleve.NewPrefixQuery(p.optionalPrefix)
		q.SetField(fAll)
		q.SetBoost(0.3)
		if len(words) == 0 && len(p.phrases) == 0 {
			b.AddMust(q)
		} else {
			b.AddShould(q)
		}
	}
	return b
}

// validate checks the query and fills in the defaults.
func (q *Query) validate() error {
	var v catalog.ValidationError
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = DefaultPerPage
	}
	if q.PerPage > MaxPerPage {
		q.PerPage = MaxPerPage
	}
	if q.Page*q.PerPage > MaxWindow {
		v.AddM("page", i18n.M("search.max_window", "Max", MaxWindow))
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortAdoptions, SortName, SortUpdated:
	default:
		v.AddM("sort", i18n.M("search.bad_sort"))
	}
	for _, s := range q.Statuses {
		if !s.Valid() {
			v.AddM("status", i18n.M("search.bad_status"))
		}
	}
	for _, m := range q.Maturities {
		if m < 0 || m > 4 {
			v.AddM("maturity", i18n.M("search.bad_maturity"))
		}
	}
	for _, key := range q.Standards {
		if _, ok := store.Vocabulary().Get(key); !ok {
			v.AddM("standard", i18n.M("search.bad_standard", "Key", key))
		}
	}
	for _, l := range q.ProviderLands {
		if l != catalog.BundKey && !catalog.ValidLandKey(l) {
			v.AddM("provider", i18n.M("search.bad_provider"))
		}
	}
	for _, l := range q.AdoptedInLands {
		if !catalog.ValidLandKey(l) {
			v.AddM("adoptedIn", i18n.M("search.bad_land"))
		}
	}
	for _, id := range q.TopicFieldIDs {
		if id == 0 {
			v.AddM("topicField", i18n.M("search.bad_topic"))
		}
	}
	return v.Err()
}

// filterValues returns the selected values of each facet as index terms.
func (q Query) filterValues() map[string][]string {
	m := map[string][]string{}
	for _, id := range q.TopicFieldIDs {
		m[FacetTopicField] = append(m[FacetTopicField], strconv.FormatUint(uint64(id), 10))
	}
	m[FacetProvider] = append(m[FacetProvider], q.ProviderLands...)
	for _, s := range q.Statuses {
		m[FacetStatus] = append(m[FacetStatus], string(s))
	}
	for _, n := range q.Maturities {
		m[FacetMaturity] = append(m[FacetMaturity], strconv.Itoa(n))
	}
	m[FacetAdoptedIn] = append(m[FacetAdoptedIn], q.AdoptedInLands...)
	if q.OpenSource != nil {
		m[FacetOpenSource] = []string{strconv.FormatBool(*q.OpenSource)}
	}
	v := store.Vocabulary()
	for _, key := range q.Standards {
		if st, ok := v.Get(key); ok {
			f := FacetStandardPrefix + st.Dimension
			m[f] = append(m[f], key)
		}
	}
	for k, v := range m {
		if len(v) == 0 {
			delete(m, k)
		}
	}
	return m
}

// HasFilters reports whether any facet filter is set.
func (q Query) HasFilters() bool { return len(q.filterValues()) > 0 }

// filteredQuery combines the text query with the kind and facet filters
// (the OZG-Leistungen's search; the solutions' filters are bitmaps).
func filteredQuery(text query.Query, kind string, filters map[string][]string) query.Query {
	// The filters are terms of one conjunction with the text, weighing
	// nothing: a conjunction leaps over documents a selective filter
	// excludes, where a post-filter would score every text match first.
	conj := make([]query.Query, 0, 8)
	// Without text the filters alone score; with zero weights everywhere
	// bleve's query normalisation would divide by zero.
	w := 1.0
	if text != nil {
		conj = append(conj, text)
		w = 0
	}
	conj = append(conj, termQ(fKind, kind, w))
	for _, key := range FacetKeys {
		vals := filters[key]
		if len(vals) == 0 {
			continue
		}
		alts := make([]query.Query, 0, len(vals))
		for _, v := range vals {
			alts = append(alts, termQ(facetField[key], v, w))
		}
		conj = append(conj, bleve.NewDisjunctionQuery(alts...))
	}
	return bleve.NewConjunctionQuery(conj...)
}

// withIndex runs fn with the current bleve index under the read lock.
func (ix *Index) withIndex(fn func(idx bleve.Index) error) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil || ix.closed {
		return ErrClosed
	}
	return fn(ix.idx)
}

func textAnalyzer(idx bleve.Index) (analysis.Analyzer, error) {
	a := idx.Mapping().AnalyzerNamed(analyzerText)
	if a == nil {
		return nil, fmt.Errorf("search: analyzer %s missing from the index mapping", analyzerText)
	}
	return a, nil
}

// SearchSolutions finds solutions by text and facet filters, with facet
// counts. Each facet is counted as if its own selection were not made
// (selecting "Hessen" still shows how many solutions Bayern has), while the
// other facets' selections apply. With an empty text and no filter it lists
// the whole catalogue. When no solution matches every word, the solutions
// that match some words are returned and Result.Relaxed is set. A text that
// finds nothing without filters is counted for the demand radar.
func (ix *Index) SearchSolutions(ctx context.Context, q Query) (Result, error) {
	if err := q.validate(); err != nil {
		return Result{}, err
	}
	return ix.searchSolutions(ctx, q, (q.Page-1)*q.PerPage, q.PerPage)
}

// AllSolutions returns the hits of a query in its order, up to MaxWindow
// (Page and PerPage are ignored), for the export of a result list; Total
// tells whether it was cut.
func (ix *Index) AllSolutions(ctx context.Context, q Query) (Result, error) {
	q.Page, q.PerPage = 1, MaxPerPage
	if err := q.validate(); err != nil {
		return Result{}, err
	}
	return ix.searchSolutions(ctx, q, 0, MaxWindow)
}

// searchSolutions runs a validated query for the hits from..from+size.
func (ix *Index) searchSolutions(ctx context.Context, q Query, from, size int) (Result, error) {
	res := Result{Page: q.Page, PerPage: q.PerPage}
	filters := q.filterValues()
	err := ix.withIndex(func(idx bleve.Index) error {
		p, err := planFor(ctx, idx, q.Text)
		if err != nil {
			return err
		}
		if p.empty() {
			return ix.browse(idx, q.Sort, filters, from, size, &res)
		}
		if err := ix.match(ctx, idx, p, true, q.Sort, filters, from, size, &res); err != nil {
			return err
		}
		if res.Total == 0 && len(p.positions) > 1 {
			if err := ix.match(ctx, idx, p, false, q.Sort, filters, from, size, &res); err != nil {
				return err
			}
			res.Relaxed = res.Total > 0
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if res.Total == 0 && strings.TrimSpace(q.Text) != "" && len(filters) == 0 {
		ix.zero.note(q.Text)
	}
	return res, nil
}

// browse lists the solutions that pass the filters, without text: all from
// the columns of the current snapshot.
func (ix *Index) browse(idx bleve.Index, sortBy string, filters map[string][]string, from, size int, res *Result) error {
	v, err := ix.currentView(idx)
	if err != nil {
		return err
	}
	if sortBy == SortRelevance {
		sortBy = SortName // without text every score is equal
	}
	matched := v.filter(filters, "")
	res.Total = int(matched.GetCardinality())
	counts := map[string]map[string]int{}
	v.facetCounts(filters, matched, counts)
	v.ownCounts(filters, v.solutions, counts)
	res.Facets = ix.facetsOf(counts, filters)
	res.Hits = v.hits(v.top(matched, sortBy, from, size))
	return nil
}

// match runs a text search within the filters. The counts of a selected
// facet (without its own selection) need the text's matches outside the
// filters too: with a selection, a second search beside the main one
// records every match of the text, unscored.
//
// Highlights need the term positions of every match the search visits, so
// the page's highlights are fetched by a second small search instead, except
// for a text with typos: its fuzzy automaton, the costliest part then, would
// be built twice.
func (ix *Index) match(ctx context.Context, idx bleve.Index, p textPlan, strict bool, sortBy string, filters map[string][]string, from, size int, res *Result) error {
	text := textQuery(p, solutionFields, strict)
	highlightHere := slices.ContainsFunc(p.positions, func(pp planPos) bool { return pp.fuzzy })
	var all *recordQuery
	var allErr error
	var wg sync.WaitGroup
	if len(filters) > 0 {
		all = &recordQuery{cols: ix.cols, inner: text}
		wg.Go(func() {
			req := bleve.NewSearchRequestOptions(all, 0, 0, false)
			req.Score = bleve.ScoreNone
			_, allErr = idx.SearchInContext(ctx, req)
		})
	}
	filter := &filterQuery{cols: ix.cols, filters: filters}
	main := &recordQuery{cols: ix.cols, inner: bleve.NewConjunctionQuery(text, filter)}
	var sr *bleve.SearchResult
	var err error
	if sortBy == SortRelevance {
		// Score alone: a tie-break field would be read and decoded for every hit.
		req := bleve.NewSearchRequestOptions(main, size, from, false)
		req.SortBy([]string{"-_score"})
		if highlightHere {
			req.Fields = []string{fSlug, fName}
			req.Highlight = highlightRequest()
		}
		sr, err = idx.SearchInContext(ctx, req)
	} else {
		req := bleve.NewSearchRequestOptions(main, 0, 0, false)
		req.Score = bleve.ScoreNone
		_, err = idx.SearchInContext(ctx, req)
	}
	wg.Wait()
	if err = errors.Join(err, allErr); err != nil {
		return err
	}
	v := main.view
	res.Total = int(main.hits.GetCardinality())
	counts := map[string]map[string]int{}
	v.facetCounts(filters, main.hits, counts)
	if all != nil {
		// Each search counts in the snapshot it read.
		all.view.ownCounts(filters, all.hits, counts)
	}
	res.Facets = ix.facetsOf(counts, filters)
	switch {
	case sr == nil:
		res.Hits, err = fetchHits(ctx, idx, v.slugs(v.top(main.hits, sortBy, from, size)), text)
		return err
	case highlightHere:
		res.Hits = solutionHits(sr.Hits)
		return nil
	}
	slugs := make([]string, 0, len(sr.Hits))
	score := map[string]float64{}
	for _, h := range sr.Hits {
		slug := strings.TrimPrefix(h.ID, solutionDocID(""))
		slugs = append(slugs, slug)
		score[slug] = finite(h.Score)
	}
	if res.Hits, err = fetchHits(ctx, idx, slugs, text); err != nil {
		return err
	}
	for i := range res.Hits {
		res.Hits[i].Score = score[res.Hits[i].Slug]
	}
	return nil
}

func highlightRequest() *bleve.HighlightRequest {
	h := bleve.NewHighlightWithStyle(html.Name)
	h.Fields = []string{fName, fSummary, fDescription, fServices}
	return h
}

// fetchHits reads the names and highlights of the solutions with the given
// slugs, in that order. A solution deleted or changed since the page was
// chosen so that the text no longer matches is left out.
func fetchHits(ctx context.Context, idx bleve.Index, slugs []string, text query.Query) ([]Hit, error) {
	if len(slugs) == 0 {
		return []Hit{}, nil
	}
	ids := make([]string, len(slugs))
	for i, s := range slugs {
		ids[i] = solutionDocID(s)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), text), len(ids), 0, false)
	req.Fields = []string{fSlug, fName}
	req.Highlight = highlightRequest()
	sr, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]Hit{}
	for _, h := range solutionHits(sr.Hits) {
		bySlug[h.Slug] = h
	}
	hits := make([]Hit, 0, len(slugs))
	for _, s := range slugs {
		if h, ok := bySlug[s]; ok {
			hits = append(hits, h)
		}
	}
	return hits, nil
}

// facetsOf labels and orders the counts of every facet.
func (ix *Index) facetsOf(counts map[string]map[string]int, filters map[string][]string) map[string][]FacetValue {
	out := make(map[string][]FacetValue, len(FacetKeys))
	for _, key := range FacetKeys {
		out[key] = ix.facetValues(key, counts[key], filters[key])
	}
	return out
}

func fieldString(h *search.DocumentMatch, f string) string {
	switch v := h.Fields[f].(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

func solutionHits(dms search.DocumentMatchCollection) []Hit {
	hits := make([]Hit, 0, len(dms))
	for _, h := range dms {
		hit := Hit{Slug: fieldString(h, fSlug), Name: fieldString(h, fName), Score: finite(h.Score)}
		if hl := marked(h.Fragments); hl != nil {
			hit.Highlights = hl
			for _, f := range snippetFields {
				if fr := hl[f]; len(fr) > 0 {
					hit.Snippet = fr[0]
					break
				}
			}
		}
		hits = append(hits, hit)
	}
	return hits
}

// finite guards JSON encoding against a score bleve could not normalise.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// marked returns the highlight fragments that mark a match: bleve also
// returns the plain text of requested fields that did not match.
func marked(frags search.FieldFragmentMap) map[string][]string {
	var out map[string][]string
	for field, fr := range frags {
		for _, f := range fr {
			if strings.Contains(f, "<mark>") {
				if out == nil {
					out = map[string][]string{}
				}
				out[field] = append(out[field], f)
			}
		}
	}
	return out
}

// statusOrder is the display order of the status facet.
var statusOrder = map[string]int{}

func init() {
	for i, s := range catalog.SolutionStatuses {
		statusOrder[string(s)] = i
	}
}

// facetValues turns the counts of a facet into labelled values in display
// order; selected values are listed even when nothing matches them.
func (ix *Index) facetValues(key string, counts map[string]int, selected []string) []FacetValue {
	for _, s := range selected {
		if _, ok := counts[s]; !ok {
			counts[s] = 0
		}
	}
	r := ix.ref.Load()
	out := make([]FacetValue, 0, len(counts))
	keys := make(map[string]string, len(counts))
	for v, n := range counts {
		label := facetLabel(r, key, v)
		keys[v] = collate(label)
		out = append(out, FacetValue{Value: v, Label: label, Count: n, Selected: slices.Contains(selected, v)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch key {
		case FacetStatus:
			return statusOrder[a.Value] < statusOrder[b.Value]
		case FacetMaturity:
			return a.Value < b.Value
		case FacetOpenSource:
			return a.Value > b.Value // "true" first
		case FacetProvider:
			if (a.Value == catalog.BundKey) != (b.Value == catalog.BundKey) {
				return a.Value == catalog.BundKey // the Bund before the Länder
			}
		}
		return keys[a.Value] < keys[b.Value]
	})
	return out
}

var collateFold = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

// collate is a sort key for German labels (umlauts folded, case ignored).
func collate(s string) string { return collateFold.Replace(strings.ToLower(s)) }

// facetLabel is the German label of a facet value.
func facetLabel(r *refData, key, v string) string {
	switch key {
	case FacetTopicField:
		if id, err := strconv.ParseUint(v, 10, 32); err == nil && r != nil {
			if name, ok := r.topics[uint(id)]; ok {
				return name
			}
		}
		return "Themenfeld " + v
	case FacetProvider, FacetAdoptedIn:
		if r != nil {
			if name, ok := r.lands[v]; ok {
				return name
			}
		}
		return v
	case FacetStatus:
		return catalog.SolutionStatus(v).Label()
	case FacetMaturity:
		return "Reifegrad " + v
	case FacetOpenSource:
		if v == "true" {
			return "Open Source"
		}
		return "keine Open-Source-Lizenz"
	}
	if strings.HasPrefix(key, FacetStandardPrefix) {
		return store.Vocabulary().Label(v)
	}
	return v
}
