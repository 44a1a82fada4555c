package search

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// Field names of the index. Solutions and OZG-Leistungen share one index and
// one mapping; the keyword field "kind" tells them apart.
const (
	fKind        = "kind"
	fName        = "name"
	fSummary     = "summary"
	fDescription = "description"
	fServices    = "services"   // names of the OZG-Leistungen a solution covers
	fLeika       = "leika"      // names of the LeiKa-Leistungen of a solution's OZG-Leistungen
	fLeikaNames  = "leikaNames" // names of an OZG-Leistung's own LeiKa-Leistungen (stored for snippets)
	fOrg         = "org"        // provider, operator, alliance partners
	fTopic       = "topic"      // Themenfeld name
	fAll         = "all"        // every text above, for fuzzy, prefix and phrase matching
	fSlug        = "slug"
	fOZG         = "ozg"
	fTopicField  = "topicField"
	fProvider    = "provider"
	fStatus      = "status"
	fMaturity    = "maturity"
	fAdoptedIn   = "adoptedIn"
	fOpenSource  = "openSource"
	fAdoptions   = "adoptions"
	fUpdated     = "updated"
	fNameSort    = "nameSort"
	fTitle       = "title" // the name as it is, for the facet columns (a page of a browse needs no stored document)
	// fStandardPrefix + dimension key: the vocabulary entries of a solution's
	// standards profile in that dimension (any mode), one facet per dimension.
	fStandardPrefix = "standard_"

	kindSolution = "solution"
	kindService  = "service"
)

// mappingVersion changes whenever the mapping or the analysis changes; an
// index of another version is rebuilt on open.
const mappingVersion = "efa-search-8"

// newMapping returns the index mapping with dict as the decompounding dictionary.
func newMapping(dict []string) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := addAnalysis(m, dict); err != nil {
		return nil, err
	}
	m.DefaultAnalyzer = analyzerText
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false

	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerText
		f.Store = store
		f.IncludeTermVectors = true // positions for phrases and highlights
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	plain := func() *mapping.FieldMapping {
		f := text(false)
		f.IncludeTermVectors = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true // facets and sorting
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	add := func(name string, f *mapping.FieldMapping) { doc.AddFieldMappingsAt(name, f) }
	add(fName, text(true))
	add(fSummary, text(true))
	add(fDescription, text(true))
	add(fServices, text(true))
	add(fLeika, plain())
	add(fLeikaNames, text(true))
	add(fOrg, plain())
	add(fTopic, plain())
	all := text(false)
	add(fAll, all)
	add(fKind, kw(false))
	add(fSlug, kw(true))
	add(fOZG, kw(true))
	add(fTopicField, kw(false))
	add(fProvider, kw(false))
	add(fStatus, kw(false))
	add(fMaturity, kw(false))
	add(fAdoptedIn, kw(false))
	add(fOpenSource, kw(false))
	add(fNameSort, kw(false))
	add(fTitle, kw(false))
	for _, dim := range catalog.Dimensions {
		add(fStandardPrefix+dim.Key, kw(false))
	}
	add(fAdoptions, num())
	add(fUpdated, num())
	m.DefaultMapping = doc
	m.DefaultField = fAll
	return m, nil
}

// serviceText is what the index knows of an OZG-Leistung.
type serviceText struct {
	ID           string
	Name         string
	TopicFieldID uint
	Leika        []string
}

// refData is the reference data the index keeps in memory: the texts of the
// OZG-Leistungen (for the solutions that cover them), the names of the
// Themenfelder and Länder (facet labels) and the organisation lookup table.
type refData struct {
	services map[string]serviceText
	topics   map[uint]string
	lands    map[string]string // Länderschlüssel (and "DE") -> name
	orgs     *orgTable
}

func loadServices(ctx context.Context, st *store.Store) (map[string]serviceText, error) {
	svcs, err := st.Services(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make(map[string]serviceText, len(svcs))
	for _, s := range svcs {
		t := serviceText{ID: s.ID, Name: s.Name, TopicFieldID: s.TopicFieldID}
		seen := map[string]bool{}
		for _, l := range s.Leika {
			if !seen[l.Name] {
				seen[l.Name] = true
				t.Leika = append(t.Leika, l.Name)
			}
		}
		out[s.ID] = t
	}
	return out, nil
}

func loadTopics(ctx context.Context, st *store.Store) (map[uint]string, error) {
	tfs, err := st.TopicFields(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uint]string, len(tfs))
	for _, tf := range tfs {
		out[tf.ID] = tf.Name
	}
	return out, nil
}

// dictionaryTexts are the texts the decompounding dictionary is made of.
func dictionaryTexts(ctx context.Context, st *store.Store, r *refData) ([]string, error) {
	var texts []string
	for _, s := range r.services {
		texts = append(texts, s.Name)
		texts = append(texts, s.Leika...)
	}
	for _, t := range r.topics {
		texts = append(texts, t)
	}
	ls, err := st.LifeSituations(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		texts = append(texts, l.Name)
	}
	return texts, nil
}

// openSourceLicences are the licence names (lower case, spaces removed) that count as open source.
var openSourceLicences = []string{"eupl", "mit", "apache", "gpl", "agpl", "lgpl", "bsd", "mpl", "isc", "0bsd", "unlicense", "cc0"}

// IsOpenSource reports whether a solution is published under an open-source
// licence: its way to obtain it is "open-source", or its licence names a
// common OSI-approved licence (EUPL, MIT, Apache, GPL, BSD, MPL, ...).
func IsOpenSource(s catalog.Solution) bool {
	if s.AccessChannel == "open-source" {
		return true
	}
	l := strings.ToLower(strings.ReplaceAll(s.Licence, " ", ""))
	if l == "" {
		return false
	}
	for _, p := range openSourceLicences {
		if strings.HasPrefix(l, p) || strings.Contains(l, "-"+p) || strings.Contains(l, "("+p) || strings.Contains(l, "/"+p) {
			return true
		}
	}
	return false
}

// providerKey is the facet value of a solution's provider: the
// Länderschlüssel of a Land, "DE" for the Bund, "" otherwise.
func providerKey(p *catalog.Organisation) string {
	if p == nil {
		return ""
	}
	switch p.Kind {
	case catalog.KindBund:
		return catalog.BundKey
	case catalog.KindLand:
		return p.Key
	}
	return p.LandKey
}

// solutionDoc is the document of a solution.
func solutionDoc(s store.SearchSolution, r *refData) map[string]any {
	var services, leika []string
	ozg := make([]string, 0, len(s.Services))
	for _, sv := range s.Services {
		ozg = append(ozg, sv.ID)
		if t, ok := r.services[sv.ID]; ok {
			services = append(services, t.Name)
			leika = append(leika, t.Leika...)
		} else {
			services = append(services, sv.Name)
		}
	}
	var org []string
	if s.Provider != nil {
		org = append(org, s.Provider.Name)
	}
	for _, t := range []string{s.ProviderNote, s.Operator, s.Partners} {
		if t != "" {
			org = append(org, t)
		}
	}
	topic := ""
	topicID := ""
	if s.TopicFieldID != nil {
		topic = r.topics[*s.TopicFieldID]
		topicID = strconv.FormatUint(uint64(*s.TopicFieldID), 10)
	}
	servicesText := strings.Join(services, "; ")
	leikaText := strings.Join(leika, "; ")
	orgText := strings.Join(org, "; ")
	d := map[string]any{
		fKind:        kindSolution,
		fSlug:        s.Slug,
		fName:        s.Name,
		fSummary:     s.Summary,
		fDescription: s.Description,
		fServices:    servicesText,
		fLeika:       leikaText,
		fOrg:         orgText,
		fTopic:       topic,
		// The LeiKa names stay out of "all": they are the bulk of the text
		// (indexing time and size) and are matched exactly in their own field.
		fAll:        strings.Join([]string{s.Name, s.Summary, s.Description, servicesText, orgText, topic}, " \n "),
		fOZG:        ozg,
		fStatus:     string(s.Status),
		fOpenSource: strconv.FormatBool(IsOpenSource(s.Solution)),
		fAdoptions:  float64(s.AdoptionCount),
		fUpdated:    float64(s.UpdatedAt.Unix()),
		fNameSort:   sortKey(s.Name),
		fTitle:      s.Name,
	}
	if topicID != "" {
		d[fTopicField] = topicID
	}
	if p := providerKey(s.Provider); p != "" {
		d[fProvider] = p
	}
	if s.Maturity != nil {
		d[fMaturity] = strconv.Itoa(*s.Maturity)
	}
	v := store.Vocabulary()
	for _, e := range s.StandardsProfile {
		if st, ok := v.Get(e.Standard); ok {
			f := fStandardPrefix + st.Dimension
			list, _ := d[f].([]string)
			d[f] = append(list, e.Standard)
		}
	}
	if len(s.AdoptedInLands) > 0 {
		d[fAdoptedIn] = s.AdoptedInLands
	}
	return d
}

// serviceDoc is the document of an OZG-Leistung; its LeiKa names count as text.
func serviceDoc(s serviceText, r *refData) map[string]any {
	leika := strings.Join(s.Leika, "; ")
	topic := r.topics[s.TopicFieldID]
	return map[string]any{
		fKind:       kindService,
		fOZG:        s.ID,
		fName:       s.Name,
		fLeikaNames: leika,
		fTopic:      topic,
		fAll:        s.Name + " \n " + topic, // LeiKa names are matched in their own field
		fTopicField: strconv.FormatUint(uint64(s.TopicFieldID), 10),
		fNameSort:   sortKey(s.Name),
	}
}

// sortKeyBytes bounds the sort key: sorting reads the key of every hit, and
// 32 folded characters order names as well as the whole name does.
const sortKeyBytes = 32

// sortKey orders names the German way: case and umlauts folded, punctuation ignored.
func sortKey(name string) string {
	k := fold(name)
	if len(k) > sortKeyBytes {
		k = k[:sortKeyBytes]
		for len(k) > 0 && !utf8.ValidString(k) {
			k = k[:len(k)-1]
		}
	}
	return k
}

func solutionDocID(slug string) string { return "s:" + slug }
func serviceDocID(id string) string    { return "v:" + id }
