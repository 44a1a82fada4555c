package insights

import (
	"sort"

	"efa-register/internal/catalog"
)

// LandCoverage is how far one OZG-Leistung (or Themenfeld) reaches the people of a Land.
type LandCoverage struct {
	LandKey, Name string
	Population    int64
	CoveredPop    int64
	Share         float64
	// Gemeinden counts the Gemeinden of the Land with a live adoption.
	Gemeinden int
}

// ServiceCoverage is the live coverage of one OZG-Leistung.
type ServiceCoverage struct {
	OZGID, Name string
	Solutions   int
	Laender     []LandCoverage
	// Gemeinden are the covered Gemeinden ("gemeinde:ARS"), sorted.
	Gemeinden []string
	// Share is the covered share of Germany's population.
	Share float64
}

// Service returns the live coverage of an OZG-Leistung per Land.
func (e *Engine) Service(ozgID string) ServiceCoverage {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.s
	out := ServiceCoverage{OZGID: ozgID}
	slot, known := s.svcSlots[ozgID]
	perLand := map[string]int{}
	if known {
		out.Solutions = int(s.serviceSols[slot])
		if sv := s.svcs[slot]; sv != nil {
			out.Name = sv.name
		}
		for i, n := range s.cover[slot] {
			if n != 0 {
				g := s.gems[i]
				out.Gemeinden = append(out.Gemeinden, g.ref)
				perLand[g.land]++
			}
		}
	}
	sort.Strings(out.Gemeinden)
	var pop, covered int64
	for _, l := range s.laender() {
		var c int64
		if known {
			c = s.coveredPopOf(l.key, slot)
		}
		lc := LandCoverage{LandKey: l.key, Name: l.name, Population: l.pop, CoveredPop: c, Gemeinden: perLand[l.key]}
		if l.pop > 0 {
			lc.Share = float64(c) / float64(l.pop)
		}
		pop += l.pop
		covered += c
		out.Laender = append(out.Laender, lc)
	}
	if pop > 0 {
		out.Share = float64(covered) / float64(pop)
	}
	return out
}

// TopicCoverage is the coverage of a Themenfeld: per Land, the average over
// its OZG-Leistungen of the covered population share.
type TopicCoverage struct {
	TopicID          uint
	Name             string
	Services         int
	WithSolution     int
	CoveredSomewhere int
	Laender          []LandCoverage
}

// Topics returns the coverage of every Themenfeld, by name.
func (e *Engine) Topics() []TopicCoverage {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.s
	byTopic := map[uint][]int32{}
	for slot, sv := range s.svcs {
		if sv != nil {
			byTopic[sv.topic] = append(byTopic[sv.topic], int32(slot))
		}
	}
	laender := s.laender()
	var out []TopicCoverage
	for tid, name := range s.topics {
		tc := TopicCoverage{TopicID: tid, Name: name, Services: len(byTopic[tid])}
		for _, slot := range byTopic[tid] {
			if s.serviceSols[slot] > 0 {
				tc.WithSolution++
			}
			if s.coverN[slot] > 0 {
				tc.CoveredSomewhere++
			}
		}
		for _, l := range laender {
			lc := LandCoverage{LandKey: l.key, Name: l.name, Population: l.pop}
			if l.pop > 0 && tc.Services > 0 {
				sum := 0.0
				for _, slot := range byTopic[tid] {
					sum += float64(s.coveredPopOf(l.key, slot)) / float64(l.pop)
				}
				lc.Share = sum / float64(tc.Services)
			}
			tc.Laender = append(tc.Laender, lc)
		}
		out = append(out, tc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ServiceRef names an OZG-Leistung.
type ServiceRef struct {
	OZGID, Name string
	Topic       uint
}

// WhiteSpots returns the OZG-Leistungen without any solution in the register, by OZG-ID.
func (e *Engine) WhiteSpots() []ServiceRef {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []ServiceRef
	for slot, sv := range e.s.svcs {
		if sv != nil && e.s.serviceSols[slot] == 0 {
			out = append(out, ServiceRef{OZGID: sv.id, Name: sv.name, Topic: sv.topic})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OZGID < out[j].OZGID })
	return out
}

// Gap is an OZG-Leistung that has solutions but does not yet reach the
// whole population of a Land, with the solutions that could be adopted.
type Gap struct {
	ServiceRef
	Share     float64
	Solutions []SolutionRef
}

// SolutionRef names a solution.
type SolutionRef struct {
	Slug, Name string
}

// solutionsByService lists the solutions of each OZG-Leistung slot.
func (s *state) solutionsByService() map[int32][]SolutionRef {
	out := map[int32][]SolutionRef{}
	for _, sol := range s.sols {
		if sol == nil {
			continue
		}
		for _, slot := range sol.services {
			out[slot] = append(out[slot], SolutionRef{Slug: sol.slug, Name: sol.name})
		}
	}
	return out
}

// LandGaps returns, for a Land, the OZG-Leistungen with at least one
// solution whose live coverage is below 100 % of its population, least covered first.
func (e *Engine) LandGaps(landKey string) []Gap {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.s
	l := s.orgByRef(string(catalog.KindLand) + ":" + landKey)
	if l == nil || l.pop == 0 {
		return nil
	}
	solsByService := s.solutionsByService()
	var out []Gap
	for slot, n := range s.serviceSols {
		if n <= 0 {
			continue
		}
		share := float64(s.coveredPopOf(landKey, int32(slot))) / float64(l.pop)
		if share >= 0.999999 {
			continue
		}
		sv := s.svcs[slot]
		g := Gap{ServiceRef: ServiceRef{OZGID: s.svcIDs[slot]}, Share: share, Solutions: solsByService[int32(slot)]}
		if sv != nil {
			g.Name, g.Topic = sv.name, sv.topic
		}
		sort.Slice(g.Solutions, func(i, j int) bool { return g.Solutions[i].Name < g.Solutions[j].Name })
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share < out[j].Share
		}
		return out[i].OZGID < out[j].OZGID
	})
	return out
}

// GemeindeGaps returns, for a Gemeinde ("ARS"), the OZG-Leistungen that have
// at least one solution in the register but no live adoption covering the
// Gemeinde (by itself, its Kreis or its Land), by OZG-ID.
func (e *Engine) GemeindeGaps(ars string) []Gap {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.s
	g := s.orgByRef(string(catalog.KindGemeinde) + ":" + ars)
	if g == nil || g.gem < 0 {
		return nil
	}
	solsByService := s.solutionsByService()
	var out []Gap
	for slot, n := range s.serviceSols {
		if n <= 0 {
			continue
		}
		if cov := s.cover[slot]; int(g.gem) < len(cov) && cov[g.gem] != 0 {
			continue
		}
		gap := Gap{ServiceRef: ServiceRef{OZGID: s.svcIDs[slot]}, Solutions: solsByService[int32(slot)]}
		if sv := s.svcs[slot]; sv != nil {
			gap.Name, gap.Topic = sv.name, sv.topic
		}
		sort.Slice(gap.Solutions, func(i, j int) bool { return gap.Solutions[i].Name < gap.Solutions[j].Name })
		out = append(out, gap)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OZGID < out[j].OZGID })
	return out
}
