package search

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"efa-register/internal/catalog"
)

// OrgHit is a Land, Kreis or Gemeinde (or the Bund, or an IT service
// provider) for the type-ahead lookup.
type OrgHit struct {
	Kind       catalog.OrgKind
	Key        string // natural key (Land key, Kreis key, Gemeinde ARS)
	Name       string
	LandKey    string
	LandName   string
	AGS        string
	ARS        string // amtlicher Regionalschlüssel (12 digits) of a Land, Kreis or Gemeinde
	Postcode   string
	Population int64
}

// orgEntry is one organisation with its folded name for matching.
type orgEntry struct {
	hit   OrgHit
	full  string   // folded name, words joined by spaces ("frankfurt am main stadt")
	head  string   // folded name before the first comma ("frankfurt am main")
	words []string // folded words
	ars   string
	rank  int // kind order for ties: Land, Gemeinde, Kreis, Bund, others
}

// orgTable is the in-memory lookup over every organisation. Eleven thousand
// entries scan in well under a millisecond, so no further index is needed.
type orgTable struct {
	entries []orgEntry
}

func kindRank(k catalog.OrgKind) int {
	switch k {
	case catalog.KindLand:
		return 0
	case catalog.KindGemeinde:
		return 1
	case catalog.KindKreis:
		return 2
	case catalog.KindBund:
		return 3
	}
	return 4
}

func newOrgTable(orgs []catalog.Organisation) (*orgTable, map[string]string) {
	lands := map[string]string{catalog.BundKey: "Bund"}
	for _, o := range orgs {
		if o.Kind == catalog.KindLand {
			lands[o.Key] = o.Name
		}
	}
	t := &orgTable{entries: make([]orgEntry, 0, len(orgs))}
	for _, o := range orgs {
		if o.RetiredAt != nil {
			continue // a merged or dissolved Gemeinde is no longer offered
		}
		head := o.Name
		if i := strings.IndexByte(head, ','); i > 0 {
			head = head[:i]
		}
		words := lookupWords(o.Name)
		landKey := o.LandKey
		if o.Kind == catalog.KindLand {
			landKey = o.Key
		}
		t.entries = append(t.entries, orgEntry{
			hit: OrgHit{Kind: o.Kind, Key: o.Key, Name: o.Name, LandKey: landKey, LandName: lands[landKey],
				AGS: o.AGS, ARS: o.ARS, Postcode: o.Postcode, Population: o.Population},
			full: strings.Join(words, " "), head: strings.Join(lookupWords(head), " "), words: words, ars: o.ARS, rank: kindRank(o.Kind),
		})
	}
	return t, lands
}

// LookupOrganisations finds organisations by name prefix (umlaut-insensitive:
// "Muenster" finds Münster), by AGS (8 digits), ARS (12 digits), Kreis or
// Land key, and by postcode. The register keeps one postcode per Gemeinde, so
// a postcode without an exact match offers the Gemeinden whose postcode is
// nearest (longest common leading digits, then numerically closest): German
// postcode areas are regional, and "10115" leads to Berlin (10178).
func (ix *Index) LookupOrganisations(ctx context.Context, q string, n int) ([]OrgHit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := ix.ref.Load()
	if r == nil || r.orgs == nil {
		return nil, ErrClosed
	}
	return r.orgs.lookup(q, n), nil
}

type scored struct {
	e     *orgEntry
	score int
	dist  int
}

func (t *orgTable) lookup(q string, n int) []OrgHit {
	if n <= 0 || n > 50 {
		n = 10
	}
	q = strings.TrimSpace(q)
	if q == "" || len(q) > 200 {
		return nil
	}
	var found []scored
	if isDigits(q) {
		found = t.byNumber(q)
	} else {
		found = t.byName(strings.Join(lookupWords(q), " "))
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.e.hit.Population != b.e.hit.Population {
			return a.e.hit.Population > b.e.hit.Population
		}
		if a.e.rank != b.e.rank {
			return a.e.rank < b.e.rank
		}
		return a.e.full < b.e.full
	})
	if len(found) > n {
		found = found[:n]
	}
	out := make([]OrgHit, len(found))
	for i, f := range found {
		out[i] = f.e.hit
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (t *orgTable) byName(q string) []scored {
	if q == "" {
		return nil
	}
	qwords := strings.Fields(q)
	var out []scored
	for i := range t.entries {
		e := &t.entries[i]
		if !wordsMatch(qwords, e.words) {
			continue
		}
		s := 40
		switch {
		case e.head == q || e.full == q:
			s = 100
		case strings.HasPrefix(e.full, q):
			s = 80
		case len(e.words) > 0 && strings.HasPrefix(e.words[0], qwords[0]):
			s = 60
		}
		out = append(out, scored{e: e, score: s})
	}
	return out
}

// wordsMatch reports whether every query word is the prefix of a word of the name.
func wordsMatch(qwords, words []string) bool {
	for _, q := range qwords {
		ok := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (t *orgTable) byNumber(q string) []scored {
	var out []scored
	exactPostcode := false
	for i := range t.entries {
		e := &t.entries[i]
		h := e.hit
		s := 0
		switch {
		case (h.Kind == catalog.KindLand || h.Kind == catalog.KindKreis) && h.Key == q,
			len(q) == 8 && h.AGS == q, len(q) == 12 && e.ars == q:
			s = 100
		case len(q) == 5 && h.Postcode == q:
			s = 90
			exactPostcode = true
		case len(q) < 5 && strings.HasPrefix(h.Postcode, q):
			s = 60
		case len(q) > 2 && (strings.HasPrefix(h.AGS, q) || strings.HasPrefix(e.ars, q)):
			s = 50
		}
		if s > 0 {
			out = append(out, scored{e: e, score: s})
		}
	}
	if len(q) == 5 && !exactPostcode {
		out = append(out, t.nearestPostcodes(q)...)
	}
	return out
}

// nearestPostcodes returns the Gemeinden whose postcode shares the most
// leading digits with q (at least two), closest first.
func (t *orgTable) nearestPostcodes(q string) []scored {
	best := 1
	for i := range t.entries {
		if p := commonPrefix(t.entries[i].hit.Postcode, q); p > best {
			best = p
		}
	}
	if best < 2 {
		return nil
	}
	qn := atoiDigits(q)
	var out []scored
	for i := range t.entries {
		e := &t.entries[i]
		if e.hit.Postcode != "" && commonPrefix(e.hit.Postcode, q) == best {
			d := atoiDigits(e.hit.Postcode) - qn
			if d < 0 {
				d = -d
			}
			out = append(out, scored{e: e, score: 10 + best, dist: d})
		}
	}
	return out
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// lookupFold spells umlauts and ß the way people type them without: ä, ae → a;
// ö, oe → o; ü, ue → u; ß → ss. Names and queries go through the same
// function, so "Muenster", "Munster" and "Münster" meet.
var lookupFold = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "ae", "a", "oe", "o", "ue", "u")

// lookupWords returns the folded, lower-case words of s.
func lookupWords(s string) []string {
	return strings.FieldsFunc(lookupFold.Replace(strings.ToLower(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
