// Package insights keeps the figures of the coopetition scoreboard, the
// coverage of the OZG-Leistungen and the Digitalisierungsrendite up to date
// in memory. Like the search index it is derived data: it replays the event
// log at start and then follows it, updating its counters incrementally per
// event, so reading the scoreboard never scans the adoptions.
package insights

import (
	"sort"
	"strconv"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

type org struct {
	ref, kind, key, name, abbr, land, kreis string
	pop                                     int64
	ks                                      float64
}

type solution struct {
	slug, name, provider string // provider as "kind:key"
	services             []string
	build, yearly        *float64
	sharing              string
}

type service struct {
	id, name string
	topic    uint
}

type adoption struct {
	id                string
	solution, adopter string
	status            string
	// claimed marks a provider's claim the adopter has not accepted: it
	// counts in no figure (scoreboard, coverage, savings).
	claimed bool
}

// state is the register as far as the insights need it, plus the counters.
type state struct {
	orgs        map[string]*org
	gemByLand   map[string][]*org
	gemByKreis  map[string][]*org
	solutions   map[string]*solution
	adoptions   map[string]*adoption
	bySolution  map[string]map[string]bool
	serviceSols map[string]int // solutions per OZG-Leistung
	services    map[string]*service
	topics      map[uint]string

	provided, made, madeLive, recvExt, recvInt map[string]int
	// perOrg counts adoptions per adopter; munis the Gemeinden per Land with at least one.
	perOrg map[string]int
	munis  map[string]int
	// cover counts the live adoptions covering a Gemeinde for an OZG-Leistung;
	// coveredPop sums the population of covered Gemeinden per Land and Leistung.
	cover      map[string]map[string]int
	coveredPop map[string]map[string]int64

	landList []*org // the Länder by key, kept as organisations arrive

	month   string
	history []Snapshot
	applied uint64
}

func newState() *state {
	return &state{orgs: map[string]*org{}, gemByLand: map[string][]*org{}, gemByKreis: map[string][]*org{},
		solutions: map[string]*solution{}, adoptions: map[string]*adoption{}, bySolution: map[string]map[string]bool{},
		serviceSols: map[string]int{}, services: map[string]*service{}, topics: map[uint]string{}, provided: map[string]int{}, made: map[string]int{}, madeLive: map[string]int{},
		recvExt: map[string]int{}, recvInt: map[string]int{}, perOrg: map[string]int{}, munis: map[string]int{}, cover: map[string]map[string]int{}, coveredPop: map[string]map[string]int64{}}
}

// newValues decodes the new value of every changed field of an event.
func newValues(ev catalog.Event) map[string]any {
	cur := map[string]any{}
	for _, ch := range store.DecodeChanges(ev) {
		cur[ch.Field] = ch.New
	}
	return cur
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asFloatPtr(v any) *float64 {
	if f, ok := v.(float64); ok {
		return &f
	}
	return nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// apply folds one event into the state. Before the first event of a new
// month it records the snapshot of the month that ended.
func (s *state) apply(ev catalog.Event) {
	if m := ev.At.UTC().Format("2006-01"); m != s.month {
		if s.month != "" && (len(s.adoptions) > 0 || len(s.solutions) > 0) {
			s.history = append(s.history, s.snapshot(s.month))
		}
		s.month = m
	}
	s.applied = ev.Seq
	cur := newValues(ev)
	switch ev.EntityType {
	case catalog.EntityOrganisation:
		s.applyOrg(ev, cur)
	case catalog.EntitySolution:
		s.applySolution(ev, cur)
	case catalog.EntityAdoption:
		s.applyAdoption(ev, cur)
	case catalog.EntityService:
		sv := s.services[ev.EntityID]
		if sv == nil {
			sv = &service{id: ev.EntityID}
			s.services[sv.id] = sv
		}
		if n, ok := cur["name"].(string); ok {
			sv.name = n
		}
		if t := asFloatPtr(cur["topicFieldId"]); t != nil {
			sv.topic = uint(*t)
		}
	case catalog.EntityTopicField:
		if n, ok := cur["name"].(string); ok {
			if id := asFloatPtr(cur["id"]); id != nil {
				s.topics[uint(*id)] = n
			}
		}
	}
}

func (s *state) applyOrg(ev catalog.Event, cur map[string]any) {
	o := s.orgs[ev.EntityID]
	if ev.Action == catalog.ActionDelete {
		return // organisations are retired, not deleted, while adoptions refer to them
	}
	if o == nil {
		kind, key, _ := strings.Cut(ev.EntityID, ":")
		o = &org{ref: ev.EntityID, kind: kind, key: key}
		s.orgs[o.ref] = o
		defer s.index(o)
	}
	popChanged := false
	for f, v := range cur {
		switch f {
		case "name":
			o.name = asString(v)
		case "shortName":
			o.abbr = asString(v)
		case "landKey":
			o.land = asString(v)
		case "kreisKey":
			o.kreis = asString(v)
		case "population":
			if p := asFloatPtr(v); p != nil {
				o.pop, popChanged = int64(*p), true
			}
		case "koenigsteinPercent":
			if p := asFloatPtr(v); p != nil {
				o.ks = *p
			}
		}
	}
	if popChanged && ev.Action == catalog.ActionUpdate {
		s.recount()
	}
}

func (s *state) index(o *org) {
	if o.kind == string(catalog.KindLand) {
		s.landList = append(s.landList, o)
		sort.Slice(s.landList, func(i, j int) bool { return s.landList[i].key < s.landList[j].key })
	}
	if o.kind == string(catalog.KindGemeinde) {
		s.gemByLand[o.land] = append(s.gemByLand[o.land], o)
		s.gemByKreis[o.kreis] = append(s.gemByKreis[o.kreis], o)
	}
}

func (s *state) applySolution(ev catalog.Event, cur map[string]any) {
	sol := s.solutions[ev.EntityID]
	if sol != nil {
		s.solutionContrib(sol, -1)
	}
	switch ev.Action {
	case catalog.ActionDelete:
		delete(s.solutions, ev.EntityID)
		return
	case catalog.ActionCreate:
		sol = &solution{slug: ev.EntityID}
		s.solutions[sol.slug] = sol
	}
	if sol == nil {
		return
	}
	for f, v := range cur {
		switch f {
		case "name":
			sol.name = asString(v)
		case "provider":
			sol.provider = asString(v)
		case "ozgIds":
			sol.services = asStrings(v)
		case "buildCostEur":
			sol.build = asFloatPtr(v)
		case "yearlyCostEur":
			sol.yearly = asFloatPtr(v)
		case "costSharing":
			sol.sharing = asString(v)
		}
	}
	s.solutionContrib(sol, +1)
}

// solutionContrib adds or removes a solution with all its adoptions from the counters.
func (s *state) solutionContrib(sol *solution, sign int) {
	if p := s.orgs[sol.provider]; p != nil && p.kind == string(catalog.KindLand) {
		s.provided[p.key] += sign
	}
	for _, sv := range sol.services {
		s.serviceSols[sv] += sign
	}
	for id := range s.bySolution[sol.slug] {
		s.adoptionContrib(s.adoptions[id], sign)
	}
}

func (s *state) applyAdoption(ev catalog.Event, cur map[string]any) {
	a := s.adoptions[ev.EntityID]
	if a != nil {
		s.adoptionContrib(a, -1)
	}
	switch ev.Action {
	case catalog.ActionDelete:
		if a != nil {
			delete(s.adoptions, a.id)
			delete(s.bySolution[a.solution], a.id)
		}
		return
	case catalog.ActionCreate:
		a = &adoption{id: ev.EntityID}
		s.adoptions[a.id] = a
	}
	if a == nil {
		return
	}
	for f, v := range cur {
		switch f {
		case "solution":
			a.solution = asString(v)
		case "adopter":
			a.adopter = asString(v)
		case "status":
			a.status = asString(v)
		case "confirmation":
			a.claimed = asString(v) == string(catalog.ConfirmationClaimed)
		}
	}
	if s.bySolution[a.solution] == nil {
		s.bySolution[a.solution] = map[string]bool{}
	}
	s.bySolution[a.solution][a.id] = true
	s.adoptionContrib(a, +1)
}

// covered returns the Gemeinden an adopter covers: all of its Land, all of its Kreis, or itself.
func (s *state) covered(o *org) []*org {
	switch o.kind {
	case string(catalog.KindLand):
		return s.gemByLand[o.key]
	case string(catalog.KindKreis):
		return s.gemByKreis[o.key]
	case string(catalog.KindGemeinde):
		return []*org{o}
	}
	return nil
}

// adoptionContrib adds (sign +1) or removes (-1) one adoption from every counter.
func (s *state) adoptionContrib(a *adoption, sign int) {
	if a == nil || a.claimed {
		return
	}
	o, sol := s.orgs[a.adopter], s.solutions[a.solution]
	if o == nil || sol == nil {
		return
	}
	live := a.status == string(catalog.AdoptionLive)
	s.made[o.land] += sign
	before := s.perOrg[o.ref]
	s.perOrg[o.ref] = before + sign
	if o.kind == string(catalog.KindGemeinde) && (before == 0) != (s.perOrg[o.ref] == 0) {
		s.munis[o.land] += sign
	}
	if live {
		s.madeLive[o.land] += sign
	}
	if p := s.orgs[sol.provider]; p != nil && p.kind == string(catalog.KindLand) {
		if o.land == p.key {
			s.recvInt[p.key] += sign
		} else {
			s.recvExt[p.key] += sign
		}
	}
	if !live {
		return
	}
	for _, sv := range sol.services {
		cov := s.cover[sv]
		if cov == nil {
			cov = map[string]int{}
			s.cover[sv] = cov
		}
		for _, g := range s.covered(o) {
			before := cov[g.ref]
			cov[g.ref] = before + sign
			if (before == 0) != (cov[g.ref] == 0) {
				pop := s.coveredPop[g.land]
				if pop == nil {
					pop = map[string]int64{}
					s.coveredPop[g.land] = pop
				}
				pop[sv] += int64(sign) * g.pop
			}
			if cov[g.ref] == 0 {
				delete(cov, g.ref)
			}
		}
	}
}

// recount rebuilds every counter from the state (after a population change).
func (s *state) recount() {
	s.provided, s.made, s.madeLive, s.recvExt, s.recvInt = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	s.perOrg, s.munis = map[string]int{}, map[string]int{}
	s.serviceSols, s.cover, s.coveredPop = map[string]int{}, map[string]map[string]int{}, map[string]map[string]int64{}
	for _, sol := range s.solutions {
		s.solutionContrib(sol, +1)
	}
}

// laender returns the 16 Länder by key.
func (s *state) laender() []*org { return s.landList }

// load fills an empty state from the current register.
func (s *state) load(src store.InsightSource) {
	for _, o := range src.Organisations {
		x := &org{ref: string(o.Kind) + ":" + o.Key, kind: string(o.Kind), key: o.Key, name: o.Name, abbr: o.ShortName,
			land: o.LandKey, kreis: o.KreisKey, pop: o.Population, ks: o.KoenigsteinPercent}
		s.orgs[x.ref] = x
		s.index(x)
	}
	for _, t := range src.Topics {
		s.topics[t.ID] = t.Name
	}
	for _, sv := range src.Services {
		s.services[sv.ID] = &service{id: sv.ID, name: sv.Name, topic: sv.TopicFieldID}
	}
	toFloat := func(p *int64) *float64 {
		if p == nil {
			return nil
		}
		f := float64(*p)
		return &f
	}
	for _, is := range src.Solutions {
		ids := append([]string(nil), is.OZGIDs...)
		sort.Strings(ids)
		sol := &solution{slug: is.Slug, name: is.Name, provider: is.Provider, services: ids,
			build: toFloat(is.BuildCostEUR), yearly: toFloat(is.YearlyCostEUR), sharing: is.CostSharing}
		s.solutions[sol.slug] = sol
		s.solutionContrib(sol, +1)
	}
	for _, ia := range src.Adoptions {
		a := &adoption{id: strconv.FormatUint(uint64(ia.ID), 10), solution: ia.Solution, adopter: ia.Adopter, status: ia.Status,
			claimed: ia.Confirmation == string(catalog.ConfirmationClaimed)}
		s.adoptions[a.id] = a
		if s.bySolution[a.solution] == nil {
			s.bySolution[a.solution] = map[string]bool{}
		}
		s.bySolution[a.solution][a.id] = true
		s.adoptionContrib(a, +1)
	}
	s.applied = src.Seq
}

// Snapshot is the scoreboard at the end of one month.
type Snapshot struct {
	Month string
	Rows  []Row
}

func (s *state) snapshot(month string) Snapshot {
	return Snapshot{Month: month, Rows: s.scoreboard()}
}
