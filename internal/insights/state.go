// Package insights keeps the figures of the coopetition scoreboard, the
// coverage of the OZG-Leistungen and the Digitalisierungsrendite up to date
// in memory. Like the search index it is derived data: it replays the event
// log at start and then follows it, updating its counters incrementally per
// event, so reading the scoreboard never scans the adoptions.
//
// At national scale (a million adoptions) the state is compact: every
// organisation, solution and OZG-Leistung has a slot number, an adoption is
// a 12-byte record in a slice indexed by its id, and the coverage counters
// are dense arrays per OZG-Leistung indexed by the Gemeinde. About 46 MB
// hold a million adoptions, 66 MB with the cached savings
// (TestMemoryOnSynthetic); maps of strings held them in 400 MB.
package insights

import (
	"math"
	"slices"
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
	// gem is the organisation's index among the Gemeinden (the coverage
	// arrays), -1 for every other kind.
	gem int32
}

type solution struct {
	slug, name string
	provider   int32   // organisation slot, -1 when none
	services   []int32 // service slots, by OZG-ID
	build      *float64
	yearly     *float64
	sharing    string
}

type service struct {
	id, name string
	topic    uint
}

// adoption is one adoption, kept in the slice state.adoptions at its id.
type adoption struct {
	sol    int32 // solution slot + 1; 0 marks an id without an adoption
	org    int32 // organisation slot
	status uint8 // index into state.statuses
	// claimed marks a provider's claim the adopter has not accepted: it
	// counts in no figure (scoreboard, coverage, savings).
	claimed bool
}

func (a adoption) exists() bool { return a.sol != 0 }

// state is the register as far as the insights need it, plus the counters.
type state struct {
	// Slots: a reference (organisation "kind:key", solution slug, OZG-ID)
	// keeps its slot for the life of the state, even when the entity is
	// deleted (its entry is then nil), so that adoptions can refer to it.
	orgSlots map[string]int32
	orgs     []*org
	solSlots map[string]int32
	sols     []*solution
	// solAdoptions lists the ids of the adoptions of each solution slot.
	solAdoptions [][]uint32
	svcSlots     map[string]int32
	svcIDs       []string
	svcs         []*service
	topics       map[uint]string

	adoptions []adoption // by id
	statuses  []string   // adoption.status indexes it
	live      uint8      // the index of catalog.AdoptionLive

	gems       []*org // the Gemeinden by gem index
	gemByLand  map[string][]*org
	gemByKreis map[string][]*org
	landList   []*org // the Länder by key, kept as organisations arrive

	// The counters, per Land key.
	provided, made, madeLive, recvExt, recvInt, munis map[string]int
	// perOrg counts adoptions per adopter (organisation slot).
	perOrg []int32
	// serviceSols counts the solutions per OZG-Leistung (service slot).
	serviceSols []int32
	// cover counts, per service slot and Gemeinde, the live adoptions covering
	// it (8 bits: on the synthetic register no count exceeds 15; what goes
	// beyond 255 is kept in coverOver); coverN
	// counts the covered Gemeinden per service slot, and coveredPop sums the
	// population of covered Gemeinden per Land and slot.
	cover      [][]uint8
	coverOver  map[[2]int32]int32
	coverN     []int32
	coveredPop map[string][]int64

	month string
	// lastEventMonth is the month of the last applied event ("" after a load
	// from the database, which knows no months).
	lastEventMonth string
	history        []Snapshot
	applied        uint64

	// The savings kept between reads (savings.go): savCache by solution
	// slot, computed with savCfg; savDirty the slots to compute again;
	// savAll says every slot must (after a change of an organisation).
	// savLands are the Land keys the cached parts refer to by index, and
	// savScratch the list solutionEntry collects a solution's parts in.
	savCache   []*solSavings
	savDirty   map[int32]struct{}
	savAll     bool
	savCfg     SavingsConfig
	savLands   []string
	savScratch []landSavings
}

func newState() *state {
	s := &state{orgSlots: map[string]int32{}, solSlots: map[string]int32{}, svcSlots: map[string]int32{}, topics: map[uint]string{},
		gemByLand: map[string][]*org{}, gemByKreis: map[string][]*org{}, savDirty: map[int32]struct{}{}, savAll: true}
	s.resetCounters()
	s.live = s.statusCode(string(catalog.AdoptionLive))
	return s
}

func (s *state) resetCounters() {
	s.provided, s.made, s.madeLive, s.recvExt, s.recvInt, s.munis = map[string]int{}, map[string]int{}, map[string]int{},
		map[string]int{}, map[string]int{}, map[string]int{}
	s.perOrg = make([]int32, len(s.orgs))
	s.serviceSols = make([]int32, len(s.svcIDs))
	s.cover = make([][]uint8, len(s.svcIDs))
	s.coverOver = map[[2]int32]int32{}
	s.coverN = make([]int32, len(s.svcIDs))
	s.coveredPop = map[string][]int64{}
}

// orgSlot returns the slot of an organisation reference, making one if needed.
func (s *state) orgSlot(ref string) int32 {
	if i, ok := s.orgSlots[ref]; ok {
		return i
	}
	i := int32(len(s.orgs))
	s.orgSlots[ref] = i
	s.orgs = append(s.orgs, nil)
	s.perOrg = append(s.perOrg, 0)
	return i
}

// org returns the organisation in a slot, nil for none.
func (s *state) org(slot int32) *org {
	if slot < 0 || int(slot) >= len(s.orgs) {
		return nil
	}
	return s.orgs[slot]
}

// orgByRef returns the organisation of a reference without making a slot.
func (s *state) orgByRef(ref string) *org {
	if i, ok := s.orgSlots[ref]; ok {
		return s.orgs[i]
	}
	return nil
}

func (s *state) solSlot(slug string) int32 {
	if i, ok := s.solSlots[slug]; ok {
		return i
	}
	i := int32(len(s.sols))
	s.solSlots[slug] = i
	s.sols = append(s.sols, nil)
	s.solAdoptions = append(s.solAdoptions, nil)
	return i
}

func (s *state) svcSlot(id string) int32 {
	if i, ok := s.svcSlots[id]; ok {
		return i
	}
	i := int32(len(s.svcIDs))
	s.svcSlots[id] = i
	s.svcIDs = append(s.svcIDs, id)
	s.svcs = append(s.svcs, nil)
	s.serviceSols = append(s.serviceSols, 0)
	s.cover = append(s.cover, nil)
	s.coverN = append(s.coverN, 0)
	return i
}

// serviceSlots returns the sorted slots of a list of OZG-IDs.
func (s *state) serviceSlots(ids []string) []int32 {
	ids = slices.Clone(ids)
	sort.Strings(ids)
	ids = slices.Compact(ids)
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = s.svcSlot(id)
	}
	return out
}

func (s *state) statusCode(status string) uint8 {
	for i, st := range s.statuses {
		if st == status {
			return uint8(i)
		}
	}
	if len(s.statuses) == 255 {
		return 254 // more distinct statuses than the register knows: they count as one
	}
	s.statuses = append(s.statuses, status)
	return uint8(len(s.statuses) - 1)
}

// adoptionAt returns the adoption with an id, nil when there is none.
func (s *state) adoptionAt(id uint32) *adoption {
	if int(id) >= len(s.adoptions) || !s.adoptions[id].exists() {
		return nil
	}
	return &s.adoptions[id]
}

// slotFor makes room for the adoption with an id and returns its record.
func (s *state) slotFor(id uint32) *adoption {
	if int(id) >= len(s.adoptions) {
		n := max(int(id)+1, len(s.adoptions)+len(s.adoptions)/4)
		s.adoptions = append(s.adoptions, make([]adoption, n-len(s.adoptions))...)
	}
	return &s.adoptions[id]
}

func (s *state) link(id uint32, sol int32) {
	s.solAdoptions[sol] = append(s.solAdoptions[sol], id)
}

func (s *state) unlink(id uint32, sol int32) {
	list := s.solAdoptions[sol]
	if i := slices.Index(list, id); i >= 0 {
		list[i] = list[len(list)-1]
		s.solAdoptions[sol] = list[:len(list)-1]
	}
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
	return out
}

// apply folds one event into the state. Before the first event of a new
// month it records the snapshot of the month that ended.
func (s *state) apply(ev catalog.Event) {
	if m := ev.At.UTC().Format("2006-01"); m != s.month {
		if s.month != "" && s.active() {
			s.history = append(s.history, s.snapshot(s.month))
		}
		s.month = m
	}
	s.lastEventMonth = s.month
	s.applied = ev.Seq
	cur := newValues(ev)
	switch ev.EntityType {
	case catalog.EntityOrganisation:
		// Population, Land and Königsteiner share weigh every solution's figures.
		s.savAll = true
		s.applyOrg(ev, cur)
	case catalog.EntitySolution:
		s.markSavings(s.solSlot(ev.EntityID))
		s.applySolution(ev, cur)
	case catalog.EntityAdoption:
		s.applyAdoption(ev, cur)
	case catalog.EntityService:
		slot := s.svcSlot(ev.EntityID)
		sv := s.svcs[slot]
		if sv == nil {
			sv = &service{id: ev.EntityID}
			s.svcs[slot] = sv
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

// active reports whether the register has solutions or adoptions, that is
// whether a month's snapshot says anything.
func (s *state) active() bool {
	for _, sol := range s.sols {
		if sol != nil {
			return true
		}
	}
	for _, a := range s.adoptions {
		if a.exists() {
			return true
		}
	}
	return false
}

func (s *state) applyOrg(ev catalog.Event, cur map[string]any) {
	if ev.Action == catalog.ActionDelete {
		return // organisations are retired, not deleted, while adoptions refer to them
	}
	slot := s.orgSlot(ev.EntityID)
	o := s.orgs[slot]
	if o == nil {
		kind, key, _ := strings.Cut(ev.EntityID, ":")
		o = &org{ref: ev.EntityID, kind: kind, key: key, gem: -1}
		s.orgs[slot] = o
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
		o.gem = int32(len(s.gems))
		s.gems = append(s.gems, o)
		s.gemByLand[o.land] = append(s.gemByLand[o.land], o)
		s.gemByKreis[o.kreis] = append(s.gemByKreis[o.kreis], o)
	}
}

func (s *state) applySolution(ev catalog.Event, cur map[string]any) {
	slot := s.solSlot(ev.EntityID)
	sol := s.sols[slot]
	if sol != nil {
		s.solutionContrib(slot, -1)
	}
	switch ev.Action {
	case catalog.ActionDelete:
		s.sols[slot] = nil
		return
	case catalog.ActionCreate:
		sol = &solution{slug: ev.EntityID, provider: -1}
		s.sols[slot] = sol
	}
	if sol == nil {
		return
	}
	for f, v := range cur {
		switch f {
		case "name":
			sol.name = asString(v)
		case "provider":
			sol.provider = -1
			if ref := asString(v); ref != "" {
				sol.provider = s.orgSlot(ref)
			}
		case "ozgIds":
			sol.services = s.serviceSlots(asStrings(v))
		case "buildCostEur":
			sol.build = asFloatPtr(v)
		case "yearlyCostEur":
			sol.yearly = asFloatPtr(v)
		case "costSharing":
			sol.sharing = asString(v)
		}
	}
	s.solutionContrib(slot, +1)
}

// solutionContrib adds or removes a solution with all its adoptions from the counters.
func (s *state) solutionContrib(slot int32, sign int) {
	sol := s.sols[slot]
	if sol == nil {
		return
	}
	if p := s.org(sol.provider); p != nil && p.kind == string(catalog.KindLand) {
		s.provided[p.key] += sign
	}
	for _, sv := range sol.services {
		s.serviceSols[sv] += int32(sign)
	}
	for _, id := range s.solAdoptions[slot] {
		s.adoptionContrib(s.adoptions[id], sign)
	}
}

func (s *state) applyAdoption(ev catalog.Event, cur map[string]any) {
	n, err := strconv.ParseUint(ev.EntityID, 10, 32)
	if err != nil || n == 0 {
		return
	}
	id := uint32(n)
	a := s.adoptionAt(id)
	if a != nil {
		s.markSavings(a.sol - 1)
		s.adoptionContrib(*a, -1)
	}
	switch ev.Action {
	case catalog.ActionDelete:
		if a != nil {
			s.unlink(id, a.sol-1)
			*a = adoption{}
		}
		return
	case catalog.ActionCreate:
		if a != nil {
			s.unlink(id, a.sol-1)
		}
		a = s.slotFor(id)
		*a = adoption{org: -1}
	}
	if a == nil {
		return
	}
	oldSol := a.sol
	for f, v := range cur {
		switch f {
		case "solution":
			a.sol = s.solSlot(asString(v)) + 1
		case "adopter":
			a.org = s.orgSlot(asString(v))
		case "status":
			a.status = s.statusCode(asString(v))
		case "confirmation":
			a.claimed = asString(v) == string(catalog.ConfirmationClaimed)
		}
	}
	if !a.exists() {
		*a = adoption{} // an adoption without a solution is none
		return
	}
	if a.sol != oldSol {
		if oldSol != 0 {
			s.unlink(id, oldSol-1)
		}
		s.link(id, a.sol-1)
	}
	s.markSavings(a.sol - 1)
	s.adoptionContrib(*a, +1)
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
func (s *state) adoptionContrib(a adoption, sign int) {
	if !a.exists() || a.claimed {
		return
	}
	o, sol := s.org(a.org), s.sols[a.sol-1]
	if o == nil || sol == nil {
		return
	}
	live := a.status == s.live
	s.made[o.land] += sign
	before := s.perOrg[a.org]
	s.perOrg[a.org] = before + int32(sign)
	if o.kind == string(catalog.KindGemeinde) && (before == 0) != (s.perOrg[a.org] == 0) {
		s.munis[o.land] += sign
	}
	if live {
		s.madeLive[o.land] += sign
	}
	if p := s.org(sol.provider); p != nil && p.kind == string(catalog.KindLand) {
		if o.land == p.key {
			s.recvInt[p.key] += sign
		} else {
			s.recvExt[p.key] += sign
		}
	}
	if !live {
		return
	}
	gems := s.covered(o)
	if len(gems) == 0 {
		return
	}
	for _, sv := range sol.services {
		cov := s.cover[sv]
		if len(cov) < len(s.gems) {
			cov = append(cov, make([]uint8, len(s.gems)-len(cov))...)
			s.cover[sv] = cov
		}
		for _, g := range gems {
			if flipped := s.addCover(cov, sv, g.gem, sign); flipped {
				pop := s.coveredPop[g.land]
				if len(pop) < len(s.svcIDs) {
					pop = append(pop, make([]int64, len(s.svcIDs)-len(pop))...)
					s.coveredPop[g.land] = pop
				}
				pop[sv] += int64(sign) * g.pop
				s.coverN[sv] += int32(sign)
			}
		}
	}
}

// addCover changes the count of live adoptions covering Gemeinde gem for
// service slot sv by sign (cov is s.cover[sv]) and reports whether the
// Gemeinde became covered or uncovered.
func (s *state) addCover(cov []uint8, sv, gem int32, sign int) bool {
	if cov[gem] == math.MaxUint8 {
		key := [2]int32{sv, gem}
		if sign > 0 {
			s.coverOver[key]++
			return false
		}
		if over := s.coverOver[key]; over > 0 {
			if over == 1 {
				delete(s.coverOver, key)
			} else {
				s.coverOver[key] = over - 1
			}
			return false
		}
	}
	before := cov[gem]
	cov[gem] = uint8(int(before) + sign)
	return (before == 0) != (cov[gem] == 0)
}

// coveredPopOf is the covered population of a Land for a service slot.
func (s *state) coveredPopOf(land string, sv int32) int64 {
	if pop := s.coveredPop[land]; int(sv) < len(pop) {
		return pop[sv]
	}
	return 0
}

// recount rebuilds every counter from the state (after a population change).
func (s *state) recount() {
	s.resetCounters()
	for slot := range s.sols {
		s.solutionContrib(int32(slot), +1)
	}
}

// laender returns the 16 Länder by key.
func (s *state) laender() []*org { return s.landList }

// load fills an empty state from the current register: the reference data
// and solutions of src, then the adoptions streamed by each.
func (s *state) load(src store.InsightSource, each func(func(store.InsightAdoption)) error) error {
	orgByID := make(map[uint]int32, len(src.Organisations))
	for _, o := range src.Organisations {
		ref := string(o.Kind) + ":" + o.Key
		x := &org{ref: ref, kind: string(o.Kind), key: o.Key, name: o.Name, abbr: o.ShortName,
			land: o.LandKey, kreis: o.KreisKey, pop: o.Population, ks: o.KoenigsteinPercent, gem: -1}
		slot := s.orgSlot(ref)
		s.orgs[slot] = x
		s.index(x)
		orgByID[o.ID] = slot
	}
	for _, t := range src.Topics {
		s.topics[t.ID] = t.Name
	}
	for _, sv := range src.Services {
		s.svcs[s.svcSlot(sv.ID)] = &service{id: sv.ID, name: sv.Name, topic: sv.TopicFieldID}
	}
	toFloat := func(p *int64) *float64 {
		if p == nil {
			return nil
		}
		f := float64(*p)
		return &f
	}
	solByID := make(map[uint]int32, len(src.Solutions))
	for _, is := range src.Solutions {
		sol := &solution{slug: is.Slug, name: is.Name, provider: -1, services: s.serviceSlots(is.OZGIDs),
			build: toFloat(is.BuildCostEUR), yearly: toFloat(is.YearlyCostEUR), sharing: is.CostSharing}
		if is.Provider != "" {
			sol.provider = s.orgSlot(is.Provider)
		}
		slot := s.solSlot(sol.slug)
		s.sols[slot] = sol
		solByID[is.ID] = slot
		s.solutionContrib(slot, +1)
	}
	codes := map[string]uint8{}
	err := each(func(ia store.InsightAdoption) {
		sol, ok := solByID[ia.SolutionID]
		o, ok2 := orgByID[ia.OrganisationID]
		if !ok || !ok2 || ia.ID == 0 || ia.ID > 1<<32-1 {
			return // written after the solutions were read: the event log brings it
		}
		code, ok := codes[ia.Status]
		if !ok {
			code = s.statusCode(ia.Status)
			codes[ia.Status] = code
		}
		id := uint32(ia.ID)
		a := s.slotFor(id)
		if a.exists() {
			s.adoptionContrib(*a, -1)
			s.unlink(id, a.sol-1)
		}
		*a = adoption{sol: sol + 1, org: o, status: code, claimed: ia.Confirmation == string(catalog.ConfirmationClaimed)}
		s.link(id, sol)
		s.adoptionContrib(*a, +1)
	})
	if err != nil {
		return err
	}
	s.applied = src.Seq
	return nil
}

// Snapshot is the scoreboard at the end of one month.
type Snapshot struct {
	Month string
	Rows  []Row
}

func (s *state) snapshot(month string) Snapshot {
	return Snapshot{Month: month, Rows: s.scoreboard()}
}
