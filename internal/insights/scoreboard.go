package insights

import (
	"sort"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// Columns of the scoreboard that carry a rank.
const (
	ColProvided         = "provided"
	ColReceivedExternal = "receivedExternal"
	ColMade             = "made"
	ColMadePer100k      = "madePer100k"
	ColReach            = "reach"
)

// RankedColumns lists the ranked columns in display order.
var RankedColumns = []string{ColProvided, ColReceivedExternal, ColMade, ColMadePer100k, ColReach}

// Row is one Land on the scoreboard.
type Row struct {
	LandKey, Name, Abbr string
	Population          int64
	// Provided counts the solutions the Land provides.
	Provided int
	// ReceivedExternal counts adoptions of its solutions by other Länder and
	// their Kreise and Gemeinden; ReceivedInternal those by itself and its own.
	ReceivedExternal, ReceivedInternal int
	// Made counts adoptions by the Land and its Kreise and Gemeinden; MadeLive those in operation.
	Made, MadeLive int
	// AdoptingMunicipalities counts the Gemeinden of the Land with an adoption of their own.
	AdoptingMunicipalities int
	// MadePer100k is Made per 100,000 inhabitants.
	MadePer100k float64
	// ServicesCovered counts the OZG-Leistungen with a live adoption reaching
	// at least one of its inhabitants.
	ServicesCovered int
	// Coverage is, averaged over those OZG-Leistungen, the share of the Land's
	// population living in Gemeinden with a live adoption (through the Land,
	// the Kreis or the Gemeinde itself); 0 when none is covered. It is not
	// ranked: a Land with one Land-wide service has 100 %.
	Coverage float64
	// Reach is the sum over all OZG-Leistungen of the share of the Land's
	// population that a live adoption reaches (through the Land, the Kreis or
	// the Gemeinde itself): the number of OZG-Leistungen an inhabitant can use
	// online through the register's solutions, on average. It equals the
	// people reached per OZG-Leistung, summed over all of them, divided by the
	// population, so it grows with every service and every person reached:
	// ten services Land-wide give 10, ten services for half the people 5, two
	// services Land-wide 2.
	Reach float64
	// Ranks by column (1 = best; equal values share a rank).
	Ranks map[string]int
}

func (r Row) value(col string) float64 {
	switch col {
	case ColProvided:
		return float64(r.Provided)
	case ColReceivedExternal:
		return float64(r.ReceivedExternal)
	case ColMade:
		return float64(r.Made)
	case ColMadePer100k:
		return r.MadePer100k
	case ColReach:
		return r.Reach
	}
	return 0
}

// scoreboard computes the rows from the counters: O(Länder × covered Leistungen).
func (s *state) scoreboard() []Row {
	laender := s.laender()
	rows := make([]Row, 0, len(laender))
	for _, l := range laender {
		r := Row{LandKey: l.key, Name: l.name, Abbr: l.abbr, Population: l.pop, Provided: s.provided[l.key],
			ReceivedExternal: s.recvExt[l.key], ReceivedInternal: s.recvInt[l.key], Made: s.made[l.key], MadeLive: s.madeLive[l.key],
			AdoptingMunicipalities: s.munis[l.key]}
		if l.pop > 0 {
			r.MadePer100k = float64(r.Made) * 100000 / float64(l.pop)
			sum := 0.0
			for _, p := range s.coveredPop[l.key] {
				if p > 0 {
					r.ServicesCovered++
					sum += float64(p) / float64(l.pop)
				}
			}
			r.Reach = sum
			if r.ServicesCovered > 0 {
				r.Coverage = sum / float64(r.ServicesCovered)
			}
		}
		rows = append(rows, r)
	}
	rank(rows)
	return rows
}

// rank sets standard competition ranks (1, 2, 2, 4) per column, higher is better.
func rank(rows []Row) {
	for i := range rows {
		rows[i].Ranks = map[string]int{}
	}
	idx := make([]int, len(rows))
	for _, col := range RankedColumns {
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return rows[idx[a]].value(col) > rows[idx[b]].value(col) })
		for pos, i := range idx {
			if pos > 0 && rows[idx[pos-1]].value(col) == rows[i].value(col) {
				rows[i].Ranks[col] = rows[idx[pos-1]].Ranks[col]
			} else {
				rows[i].Ranks[col] = pos + 1
			}
		}
	}
}

// CountsPerLand returns the per-Land counts of store.CountsPerLand from the
// counters, for the Länder given (by key, as Store.Laender returns them);
// ok is false when they do not match the scoreboard (the caller then asks
// the database). At a million adoptions this is the difference between
// microseconds and a scan of the adoptions.
func (e *Engine) CountsPerLand(laender []catalog.Organisation) (out []store.LandCounts, ok bool) {
	rows := e.Scoreboard()
	if len(rows) != len(laender) {
		return nil, false
	}
	out = make([]store.LandCounts, 0, len(rows))
	for i, r := range rows {
		if laender[i].Key != r.LandKey {
			return nil, false
		}
		out = append(out, store.LandCounts{Land: laender[i], Provided: int64(r.Provided), AdoptionsMade: int64(r.Made),
			LiveAdoptionsMade: int64(r.MadeLive), AdoptionsReceived: int64(r.ReceivedExternal), AdoptingMunicipalities: int64(r.AdoptingMunicipalities)})
	}
	return out, true
}
