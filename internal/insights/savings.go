package insights

import (
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

// AdoptionSaving is the estimate for one live adoption.
type AdoptionSaving struct {
	AdoptionID, Adopter, LandKey string
	// Quantifiable is false when an input is missing; Reason says which.
	Quantifiable bool
	Reason       string
	// Estimated is true when the build cost is the default estimate.
	Estimated bool
	// Operation is true when operating costs are part of the figure.
	Operation bool
	// Share is the adopter's part of the yearly operating costs.
	Share float64
	// Avoided is build cost plus own operation over the period; Cost is
	// onboarding plus the shared operation; Saving = Avoided − Cost (euro).
	Avoided, Cost, Saving float64
}

// SolutionSavings sums the estimates of one solution.
type SolutionSavings struct {
	Slug, Name       string
	Live, Quantified int
	Saving           float64
	// Basis is BasisProvider or BasisEstimate; Note says what the figure leaves out ("" when nothing).
	Basis, Note string
	Reason      string // why nothing is quantifiable, "" when something is
	Adoptions   []AdoptionSaving
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
		l := s.orgs[string(catalog.KindLand)+":"+o.land]
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
// solution. The provider's build cost is used when entered, else the default
// estimate; operating costs count only when the provider entered them with
// a cost-sharing key that applies to the adopter.
func (s *state) solutionSavings(sol *solution, cfg SavingsConfig) SolutionSavings {
	out := SolutionSavings{Slug: sol.slug, Name: sol.name, Basis: BasisProvider}
	var live []*adoption
	for id := range s.bySolution[sol.slug] {
		if a := s.adoptions[id]; a != nil && !a.claimed && a.status == string(catalog.AdoptionLive) && s.orgs[a.adopter] != nil {
			live = append(live, a)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].id < live[j].id })
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
	participants := map[string]*org{}
	if p := s.orgs[sol.provider]; p != nil && p.kind != string(catalog.KindBund) {
		participants[p.ref] = p
	}
	for _, a := range live {
		participants[a.adopter] = s.orgs[a.adopter]
	}
	total := 0.0
	weights := map[string]float64{}
	if withOperation {
		for ref, o := range participants {
			if w, ok := s.weight(o, sol.sharing); ok {
				weights[ref] = w
				total += w
			}
		}
	}
	years := float64(cfg.Years)
	for _, a := range live {
		o := s.orgs[a.adopter]
		as := AdoptionSaving{AdoptionID: a.id, Adopter: a.adopter, LandKey: o.land, Reason: reason, Estimated: out.Basis == BasisEstimate}
		if as.Reason == "" {
			as.Quantifiable = true
			as.Avoided = build
			as.Cost = cfg.OnboardingShare * build
			if w, ok := weights[a.adopter]; withOperation && ok && total > 0 {
				as.Operation = true
				as.Share = w / total
				as.Avoided += *sol.yearly * years
				as.Cost += as.Share * *sol.yearly * years
			} else if withOperation {
				out.Note = NoteNoWeight
			}
			as.Saving = as.Avoided - as.Cost
			out.Quantified++
			out.Saving += as.Saving
		}
		out.Adoptions = append(out.Adoptions, as)
	}
	if out.Quantified == 0 && out.Live > 0 {
		out.Reason = reason
	}
	return out
}

// savings computes the Digitalisierungsrendite over every solution.
func (s *state) savings(cfg SavingsConfig) Savings {
	out := Savings{Config: cfg, ByLand: map[string]float64{}, QuantifiedByLand: map[string]int{}, OpenByLand: map[string]int{},
		EstimatedByLand: map[string]float64{}}
	for _, sol := range s.solutions {
		ss := s.solutionSavings(sol, cfg)
		if ss.Live == 0 {
			continue
		}
		for _, a := range ss.Adoptions {
			if a.Quantifiable {
				out.Quantified++
				out.Total += a.Saving
				out.ByLand[a.LandKey] += a.Saving
				out.QuantifiedByLand[a.LandKey]++
				if a.Estimated {
					out.Estimated++
					out.EstimatedTotal += a.Saving
					out.EstimatedByLand[a.LandKey] += a.Saving
				}
			} else {
				out.NotQuantifiable++
				out.OpenByLand[a.LandKey]++
			}
		}
		out.BySolution = append(out.BySolution, ss)
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
