package search

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// German analysis. The chain of the text analyzer is
//
//	unicode tokenizer → lower case → German stop words → German normalisation
//	(ä/ae → a, ö/oe → o, ü/ue → u, ß → ss) → light German stemmer → decompounding
//
// so "Führerschein", "Fuehrerschein" and "Fuhrerschein" become the same term,
// "Anträge" and "Antrag" share the stem "antrag", and "Wohngeldantrag" is
// indexed as "wohngeldantrag" plus its parts "wohngeld" and "antrag".
//
// Decompounding uses a dictionary of stems taken from the catalogue itself
// (the names of the OZG-Leistungen, LeiKa-Leistungen, Themenfelder and
// Lebenslagen): a long word is split only when it can be covered completely by
// dictionary stems, joined directly or by a linking element (Fugen-s, -es, -n,
// -en, -er, -e), choosing the split with the fewest parts. The dictionary is
// stored in the index mapping, so queries are analysed exactly as the documents
// were; it is rebuilt with the index.
const (
	analyzerText = "efa_de"   // full German analysis for text fields and queries
	analyzerFold = "efa_fold" // lower case + umlaut folding, no stemming: prefixes, sort keys, lookup
	filterSplit  = "efa_decompound"
	tokenMapDict = "efa_dict"

	// minPart is the shortest stem that may be a part of a compound ("bau", "kfz").
	minPart = 3
	// minCompound is the shortest word that is tried as a compound.
	minCompound = 2*minPart + 1
)

// linkingElements are the German Fugenelemente allowed between two parts.
var linkingElements = []string{"s", "es", "n", "en", "er", "e"}

// decompoundFilter adds the parts of compound words (after stemming) as
// extra tokens at the position of the whole word. It remembers its answers:
// a catalogue repeats the same words many thousand times.
type decompoundFilter struct {
	dict analysis.TokenMap

	mu   sync.RWMutex
	memo map[string][]string
}

// maxMemo bounds the remembered words; beyond it the filter just computes.
const maxMemo = 200000

func (f *decompoundFilter) split(word string) []string {
	f.mu.RLock()
	parts, ok := f.memo[word]
	f.mu.RUnlock()
	if ok {
		return parts
	}
	parts = splitCompound(word, f.dict)
	f.mu.Lock()
	if f.memo == nil {
		f.memo = map[string][]string{}
	}
	if len(f.memo) < maxMemo {
		f.memo[word] = parts
	}
	f.mu.Unlock()
	return parts
}

// Filter implements analysis.TokenFilter.
func (f *decompoundFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(input))
	for _, tok := range input {
		out = append(out, tok)
		for _, part := range f.split(string(tok.Term)) {
			out = append(out, &analysis.Token{
				Term: []byte(part), Position: tok.Position,
				// The parts cover the whole word in highlights: after folding and
				// stemming, byte offsets inside the word no longer match the text.
				Start: tok.Start, End: tok.End, Type: tok.Type,
			})
		}
	}
	return out
}

// splitCompound returns the parts of word when it is a compound of dictionary
// stems (at least two parts), or nil.
func splitCompound(word string, dict analysis.TokenMap) []string {
	if len(dict) == 0 || utf8.RuneCountInString(word) < minCompound || !isLetters(word) {
		return nil
	}
	n := len(word)
	// parts[j] is the fewest parts covering word[:j] (0: not reachable yet);
	// start[j] is where the last of them begins and prev[j] where the part
	// before it ends (a linking element may lie between prev[j] and start[j]).
	parts := make([]int, n+1)
	start := make([]int, n+1)
	prev := make([]int, n+1)
	for i := 0; i < n; i++ {
		if i > 0 && parts[i] == 0 {
			continue
		}
		starts := []int{i}
		if i > 0 {
			for _, l := range linkingElements {
				if strings.HasPrefix(word[i:], l) {
					starts = append(starts, i+len(l))
				}
			}
		}
		for _, s := range starts {
			for j := s + minPart; j <= n; j++ {
				if s == 0 && j == n {
					continue // the whole word is no split
				}
				if _, ok := dict[word[s:j]]; !ok {
					continue
				}
				if p := parts[i] + 1; parts[j] == 0 || p < parts[j] {
					parts[j], start[j], prev[j] = p, s, i
				}
			}
		}
	}
	if parts[n] < 2 {
		return nil
	}
	out := make([]string, 0, parts[n])
	for j := n; j > 0; j = prev[j] {
		out = append(out, word[start[j]:j])
	}
	// parts were collected from the end
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func decompoundConstructor(config map[string]any, cache *registry.Cache) (analysis.TokenFilter, error) {
	name, ok := config["dict_token_map"].(string)
	if !ok {
		return nil, fmt.Errorf("search: %s needs dict_token_map", filterSplit)
	}
	dict, err := cache.TokenMapNamed(name)
	if err != nil {
		return nil, fmt.Errorf("search: %s: %w", filterSplit, err)
	}
	return &decompoundFilter{dict: dict}, nil
}

func init() {
	registry.RegisterTokenFilter(filterSplit, decompoundConstructor)
}

// addAnalysis adds the analyzers to m, with dict as the decompounding dictionary.
func addAnalysis(m *mapping.IndexMappingImpl, dict []string) error {
	tokens := make([]any, len(dict))
	for i, w := range dict {
		tokens[i] = w
	}
	if err := m.AddCustomTokenMap(tokenMapDict, map[string]any{"type": tokenmap.Name, "tokens": tokens}); err != nil {
		return err
	}
	if err := m.AddCustomTokenFilter(filterSplit, map[string]any{"type": filterSplit, "dict_token_map": tokenMapDict}); err != nil {
		return err
	}
	if err := m.AddCustomAnalyzer(analyzerText, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{lowercase.Name, de.StopName, de.NormalizeName, de.LightStemmerName, filterSplit},
	}); err != nil {
		return err
	}
	return m.AddCustomAnalyzer(analyzerFold, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{lowercase.Name, de.NormalizeName},
	})
}

// stemAnalyzer is the text analysis without decompounding, used to build the
// dictionary (whose entries must be stems as the text analyzer makes them).
var stemAnalyzer = func() analysis.Analyzer {
	c := registry.NewCache()
	a, err := c.DefineAnalyzer("efa_stem_only", map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{lowercase.Name, de.StopName, de.NormalizeName, de.LightStemmerName},
	})
	if err != nil {
		panic(err)
	}
	return a
}()

// foldAnalyzer lower-cases and folds umlauts without stemming.
var foldAnalyzer = func() analysis.Analyzer {
	c := registry.NewCache()
	a, err := c.DefineAnalyzer(analyzerFold, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{lowercase.Name, de.NormalizeName},
	})
	if err != nil {
		panic(err)
	}
	return a
}()

// buildDictionary returns the sorted, distinct stems of the texts that may
// serve as parts of compounds.
func buildDictionary(texts []string) []string {
	seen := map[string]bool{}
	for _, t := range texts {
		for _, tok := range stemAnalyzer.Analyze([]byte(t)) {
			w := string(tok.Term)
			if len(w) >= minPart && isLetters(w) {
				seen[w] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// foldWords returns the lower-cased, umlaut-folded words of s (no stemming).
func foldWords(s string) []string {
	toks := foldAnalyzer.Analyze([]byte(s))
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, string(t.Term))
	}
	return out
}

// fold returns s lower-cased and umlaut-folded, words joined by single spaces.
func fold(s string) string { return strings.Join(foldWords(s), " ") }

// normaliseQuery is the form in which a query is counted when it finds
// nothing: lower case, single spaces, at most 100 characters. Umlauts stay
// as typed so the demand radar shows readable text.
func normaliseQuery(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if utf8.RuneCountInString(s) > 100 {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:100]))
	}
	return s
}
