package insights

import (
	"slices"
	"sort"

	"efa-register/internal/catalog"
)

// SavingsConfig holds the assumptions of the Digitalisierungsrendite.
type SavingsConfig struct {
	// Years is the period over which operating costs count (default 5).
	Years int
	// OnboardingShare is the one-off cost of adopting as a share of the build cost (default 0.1).
	OnboardingShare float64
	// Estimate is the build cost used for a solution whose provider has
	// entered none; nil means the estimate of the seed files (DefaultEstimate).
	Estimate *Estimate
}

// DefaultSavingsConfig are the documented defaults.
var DefaultSavingsConfig = SavingsConfig{Years: 5, OnboardingShare: 0.1}

// Reasons why a saving cannot be put in figures.
const (
	ReasonNoBuildCost = "Entwicklungskosten fehlen"
)

// Bases of a solution's figures.
const (
	// BasisProvider: the provider entered the build cost (and perhaps the
	// operating costs and cost-sharing key) of the solution.
	BasisProvider = "provider"
	// BasisEstimate: the build cost is the default estimate; operating costs are left out.
	BasisEstimate = "estimate"
)

// Notes on what a solution's figure leaves out.
const (
	NoteNoYearlyCost  = "ohne Betriebskosten (nicht angegeben)"
	NoteNoCostSharing = "ohne Betriebskosten (Kostenschlüssel fehlt)"
	NoteNoWeight      = "Betriebskosten nicht für alle Nachnutzenden aufteilbar"
)

// adoptionSaving is the estimate for one live adoption.
type adoptionSaving struct {
	landKey string
	// quantifiable is false when an input is missing (the solution's Reason says which).
	quantifiable bool
	// estimated is true when the build cost is the default estimate.
	estimated bool
	// avoided is build cost plus own operation over the period; cost is
	// onboarding plus the shared operation; saving = avoided − cost (euro).
	avoided, cost, saving float64
}

// SolutionSavings sums the estimates of one solution.
type SolutionSavings struct {
	Slug, Name       string
	Live, Quantified int
	Saving           float64
	// Basis is BasisProvider or BasisEstimate; Note says what the figure leaves out ("" when nothing).
	Basis, Note string
	Reason      string // why nothing is quantifiable, "" when something is
}

// Savings is the Digitalisierungsrendite in total, per Land and per solution.
type Savings struct {
	Config                       SavingsConfig
	Total                        float64
	Quantified, NotQuantifiable  int
	ByLand                       map[string]float64
	QuantifiedByLand, OpenByLand map[string]int
	// EstimatedTotal and Estimated are the part of Total and Quantified that
	// rests on the default estimate; the rest rests on the providers' figures.
	EstimatedTotal float64
	Estimated      int
	// EstimatedByLand is the part of ByLand that rests on the default estimate.
	EstimatedByLand map[string]float64
	BySolution      []SolutionSavings
}

// weight is an organisation's weight under a cost-sharing key; ok is false
// when the key does not apply (the Bund has no Königsteiner share or population).
func (s *state) weight(o *org, key string) (float64, bool) {
	switch key {
	case "equal":
		return 1, true
	case "population":
		return float64(o.pop), o.pop > 0
	case "koenigstein":
		l := s.orgByRef(string(catalog.KindLand) + ":" + o.land)
		if l == nil || l.pop == 0 || l.ks == 0 {
			return 0, false
		}
		if o.kind == string(catalog.KindLand) {
			return l.ks, true
		}
		// A Kreis or Gemeinde carries its population's part of its Land's share.
		return l.ks * float64(o.pop) / float64(l.pop), o.pop > 0
	}
	return 0, false
}

// solutionSavings estimates the savings of every live adoption of one
// solution and hands each to visit (nil: none). The provider's build cost is
// used when entered, else the default estimate; operating costs count only
// when the provider entered them with a cost-sharing key that applies to the
// adopter.
func (s *state) solutionSavings(slot int32, cfg SavingsConfig, visit func(adoptionSaving)) SolutionSavings {
	sol := s.sols[slot]
	out := SolutionSavings{Slug: sol.slug, Name: sol.name, Basis: BasisProvider}
	var live []uint32
	for _, id := range s.solAdoptions[slot] {
		if a := s.adoptions[id]; !a.claimed && a.status == s.live && s.org(a.org) != nil {
			live = append(live, id)
		}
	}
	slices.Sort(live)
	out.Live = len(live)
	build, reason := 0.0, ""
	switch {
	case sol.build != nil:
		build = *sol.build
	case cfg.Estimate != nil && cfg.Estimate.BuildCostEUR > 0:
		build, out.Basis = cfg.Estimate.BuildCostEUR, BasisEstimate
	default:
		reason = ReasonNoBuildCost
	}
	withOperation := false
	switch {
	case out.Basis == BasisEstimate:
	case sol.yearly == nil:
		out.Note = NoteNoYearlyCost
	case sol.sharing == "":
		out.Note = NoteNoCostSharing
	default:
		withOperation = true
	}
	// The provider (unless it is the Bund) shares the operating costs with the live adopters.
	total := 0.0
	var weights map[int32]float64
	if withOperation {
		weights = map[int32]float64{}
		add := func(slot int32) {
			if _, seen := weights[slot]; seen {
				return
			}
			if w, ok := s.weight(s.orgs[slot], sol.sharing); ok {
				weights[slot] = w
				total += w
			} else {
				weights[slot] = -1 // the key does not apply
			}
		}
		if p := s.org(sol.provider); p != nil && p.kind != string(catalog.KindBund) {
			add(sol.provider)
		}
		for _, id := range live {
			add(s.adoptions[id].org)
		}
	}
	years := float64(cfg.Years)
	for _, id := range live {
		a := s.adoptions[id]
		as := adoptionSaving{landKey: s.orgs[a.org].land, estimated: out.Basis == BasisEstimate}
		if reason == "" {
			as.quantifiable = true
			as.avoided = build
			as.cost = cfg.OnboardingShare * build
			if w := weights[a.org]; withOperation && w >= 0 && total > 0 {
				share := w / total
				as.avoided += *sol.yearly * years
				as.cost += share * *sol.yearly * years
			} else if withOperation {
				out.Note = NoteNoWeight
			}
			as.saving = as.avoided - as.cost
			out.Quantified++
			out.Saving += as.saving
		}
		if visit != nil {
			visit(as)
		}
	}
	if out.Quantified == 0 && out.Live > 0 {
		out.Reason = reason
	}
	return out
}

// solSavings is the savings of one solution with its share of the totals,
// kept between reads so that a write recomputes only the solutions it touched.
type solSavings struct {
	SolutionSavings
	lands []landSavings
}

// landSavings is one solution's part of a Land's figures. At national scale
// the cache holds about 280,000 of them, so they are small: the Land is an
// index into state.savLands, the counts are 32 bits, and each list is made
// to its exact length.
type landSavings struct {
	saving, estimatedSaving       float64
	quantified, open, estimatedNo int32
	land                          uint16
}

// savLand returns the index of a Land key ("" is no Land) in s.savLands,
// adding it when new.
func (s *state) savLand(key string) uint16 {
	if i := slices.Index(s.savLands, key); i >= 0 {
		return uint16(i)
	}
	s.savLands = append(s.savLands, key)
	return uint16(len(s.savLands) - 1)
}

// markSavings records that the savings of a solution slot must be computed again.
func (s *state) markSavings(slot int32) {
	if slot >= 0 {
		s.savDirty[slot] = struct{}{}
	}
}

// solutionEntry computes the cached savings of one solution slot (nil when
// it has no live adoption and so no part in the figures).
func (s *state) solutionEntry(slot int32, cfg SavingsConfig) *solSavings {
	if int(slot) >= len(s.sols) || s.sols[slot] == nil {
		return nil
	}
	lands := s.savScratch[:0]
	sv := s.solutionSavings(slot, cfg, func(a adoptionSaving) {
		land := s.savLand(a.landKey)
		i := slices.IndexFunc(lands, func(l landSavings) bool { return l.land == land })
		if i < 0 {
			lands = append(lands, landSavings{land: land})
			i = len(lands) - 1
		}
		l := &lands[i]
		if !a.quantifiable {
			l.open++
			return
		}
		l.quantified++
		l.saving += a.saving
		if a.estimated {
			l.estimatedNo++
			l.estimatedSaving += a.saving
		}
	})
	s.savScratch = lands
	if sv.Live == 0 {
		return nil
	}
	return &solSavings{SolutionSavings: sv, lands: slices.Clone(lands)}
}

// savings computes the Digitalisierungsrendite over every solution. The
// first call (and a change of an organisation or of the assumptions)
// computes every solution; later calls only the solutions whose adoptions
// or figures changed since, then add up the kept parts.
func (s *state) savings(cfg SavingsConfig) Savings {
	if s.savAll || s.savCfg != cfg {
		s.savCache = make([]*solSavings, len(s.sols))
		for slot := range s.sols {
			s.savCache[slot] = s.solutionEntry(int32(slot), cfg)
		}
		s.savAll, s.savCfg = false, cfg
	} else {
		for slot := range s.savDirty {
			for int(slot) >= len(s.savCache) {
				s.savCache = append(s.savCache, nil)
			}
			s.savCache[slot] = s.solutionEntry(slot, cfg)
		}
	}
	clear(s.savDirty)

	out := Savings{Config: cfg, ByLand: map[string]float64{}, QuantifiedByLand: map[string]int{}, OpenByLand: map[string]int{},
		EstimatedByLand: map[string]float64{}}
	for _, e := range s.savCache {
		if e == nil {
			continue
		}
		for _, l := range e.lands {
			land := s.savLands[l.land]
			out.Quantified += int(l.quantified)
			out.NotQuantifiable += int(l.open)
			out.Total += l.saving
			out.Estimated += int(l.estimatedNo)
			out.EstimatedTotal += l.estimatedSaving
			if l.quantified > 0 {
				out.ByLand[land] += l.saving
				out.QuantifiedByLand[land] += int(l.quantified)
			}
			if l.estimatedNo > 0 {
				out.EstimatedByLand[land] += l.estimatedSaving
			}
			if l.open > 0 {
				out.OpenByLand[land] += int(l.open)
			}
		}
		out.BySolution = append(out.BySolution, e.SolutionSavings)
	}
	sort.Slice(out.BySolution, func(i, j int) bool {
		a, b := out.BySolution[i], out.BySolution[j]
		if a.Saving != b.Saving {
			return a.Saving > b.Saving
		}
		return a.Name < b.Name
	})
	return out
}
