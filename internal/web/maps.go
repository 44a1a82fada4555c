package web

import (
	"context"
	"sort"
	"strconv"

	"efa-register/internal/catalog"
	"efa-register/internal/geo"
	"efa-register/views"
)

// Map classes of app.css. Counts use a sequential blue scale; adoption
// states use distinct hues that keep 3:1 contrast against the outline colour.
const (
	mapProvider  = "map-provider"
	mapLive      = "map-live"
	mapProgress  = "map-progress"
	mapMunicipal = "map-municipal"
	mapNone      = "map-none"
	mapHighlight = "map-highlight"
	mapOther     = "map-other"
)

// landState is what a map says about one Land for a solution or an OZG-Leistung.
type landState int

const (
	stateNone landState = iota
	stateMunicipal
	stateProgress
	stateLive
	stateProvider
)

var stateClass = map[landState]string{
	stateNone: mapNone, stateMunicipal: mapMunicipal, stateProgress: mapProgress, stateLive: mapLive, stateProvider: mapProvider,
}

var stateLabel = map[landState]string{
	stateNone:      "keine bekannte Nachnutzung",
	stateMunicipal: "Kreise oder Gemeinden nutzen nach",
	stateProgress:  "Land: Nachnutzung in Vorbereitung",
	stateLive:      "Land nutzt nach (in Betrieb)",
	stateProvider:  "Anbieterland",
}

// stateLegend lists the adoption states in the order of the legend.
func stateLegend() []views.LegendEntry {
	var out []views.LegendEntry
	for _, st := range []landState{stateProvider, stateLive, stateProgress, stateMunicipal, stateNone} {
		out = append(out, views.LegendEntry{Class: stateClass[st], Label: stateLabel[st]})
	}
	return out
}

// adoptionStates derives the state of each Land from provider keys and
// adoptions: the provider wins, then the Land's own live adoption, then its
// own adoption in progress, then any adoption by its Kreise or Gemeinden.
// Ended adoptions count for nothing.
func adoptionStates(providerLands map[string]bool, adoptions []catalog.Adoption) map[string]landState {
	out := map[string]landState{}
	raise := func(key string, st landState) {
		if st > out[key] {
			out[key] = st
		}
	}
	for key := range providerLands {
		raise(key, stateProvider)
	}
	for _, a := range adoptions {
		o := a.Organisation
		if o == nil || o.LandKey == "" || a.Status == catalog.AdoptionEnded {
			continue
		}
		switch {
		case o.Kind == catalog.KindLand && a.Status == catalog.AdoptionLive:
			raise(o.LandKey, stateLive)
		case o.Kind == catalog.KindLand:
			raise(o.LandKey, stateProgress)
		default:
			raise(o.LandKey, stateMunicipal)
		}
	}
	return out
}

// stateMap draws the Länder coloured by state, with the adopting Kreise and
// Gemeinden as points, and the table of the same facts.
func (s *server) stateMap(ctx context.Context, id, title, desc string, states map[string]landState, adoptions []catalog.Adoption) (views.MapView, views.Table, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, views.Table{}, err
	}
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: m.ViewBox(), Legend: stateLegend()}
	for _, r := range m.Regions {
		st := states[r.Key]
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: stateClass[st],
			Title: r.Name + ": " + stateLabel[st]})
	}
	points, perLand, err := s.adopterPoints(ctx, m, adoptions, "")
	if err != nil {
		return mv, views.Table{}, err
	}
	mv.Points = points
	if len(points) > 0 {
		mv.PointLabel = "Kreis oder Gemeinde mit Nachnutzung"
	}
	t := views.Table{Caption: "Stand je Land (die Daten der Karte)", Head: []string{"Land", "Stand", "Kreise und Gemeinden mit Nachnutzung"},
		NumericCols: map[int]bool{2: true}, TestID: "map-table"}
	for _, r := range m.Regions {
		t.Rows = append(t.Rows, []views.Cell{{Text: r.Name, URL: views.LandURL(r.Key)}, {Text: stateLabel[states[r.Key]]},
			{Text: strconv.Itoa(perLand[r.Key])}})
	}
	return mv, t, nil
}

// adopterPoints places each adopting Gemeinde at its coordinates and each
// adopting Kreis at the mean position of its Gemeinden, one point per
// organisation, optionally only within one Land. It also counts the
// organisations with points per Land.
func (s *server) adopterPoints(ctx context.Context, m *geo.Map, adoptions []catalog.Adoption, onlyLand string) ([]views.MapPoint, map[string]int, error) {
	type agg struct {
		org   *catalog.Organisation
		names []string
	}
	byOrg := map[uint]*agg{}
	var order []uint
	var kreise []string
	for _, a := range adoptions {
		o := a.Organisation
		if o == nil || (o.Kind != catalog.KindGemeinde && o.Kind != catalog.KindKreis) || a.Status == catalog.AdoptionEnded {
			continue
		}
		if onlyLand != "" && o.LandKey != onlyLand {
			continue
		}
		g, ok := byOrg[o.ID]
		if !ok {
			g = &agg{org: o}
			byOrg[o.ID] = g
			order = append(order, o.ID)
			if o.Kind == catalog.KindKreis {
				kreise = append(kreise, o.Key)
			}
		}
		if a.Solution != nil {
			g.names = append(g.names, a.Solution.Name+" ("+a.Status.Label()+")")
		}
	}
	centres, err := s.Store.KreisCentres(ctx, kreise)
	if err != nil {
		return nil, nil, err
	}
	perLand := map[string]int{}
	var out []views.MapPoint
	for _, id := range order {
		g := byOrg[id]
		lat, lon := g.org.Lat, g.org.Lon
		if g.org.Kind == catalog.KindKreis {
			c := centres[g.org.Key]
			lat, lon = c[0], c[1]
		}
		perLand[g.org.LandKey]++
		if lat == 0 && lon == 0 {
			continue
		}
		x, y := m.Project(lat, lon)
		title := g.org.Kind.Label() + " " + g.org.Name
		if len(g.names) == 1 {
			title += ": " + g.names[0]
		} else if len(g.names) > 1 {
			title += ": " + strconv.Itoa(len(g.names)) + " Nachnutzungen"
		}
		class := "map-point--gemeinde"
		if g.org.Kind == catalog.KindKreis {
			class = "map-point--kreis"
		}
		out = append(out, views.MapPoint{X: geo.Num(x), Y: geo.Num(y), Class: class, Title: title})
	}
	return out, perLand, nil
}

// countBuckets are the classes of a count choropleth with their legend.
var countBuckets = []struct {
	min   int64
	class string
	label string
}{
	{0, "map-n0", "keine"},
	{1, "map-n1", "1 bis 2"},
	{3, "map-n2", "3 bis 5"},
	{6, "map-n3", "6 bis 10"},
	{11, "map-n4", "mehr als 10"},
}

func countClass(n int64) string {
	class := countBuckets[0].class
	for _, b := range countBuckets {
		if n >= b.min {
			class = b.class
		}
	}
	return class
}

// countMap colours the Länder by a count (for example adoptions made).
func countMap(id, title, desc, noun string, counts map[string]int64) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: m.ViewBox()}
	for _, b := range countBuckets {
		mv.Legend = append(mv.Legend, views.LegendEntry{Class: b.class, Label: b.label + " " + noun})
	}
	for _, r := range m.Regions {
		n := counts[r.Key]
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: countClass(n),
			Title: r.Name + ": " + views.FormatInt(n) + " " + noun})
	}
	return mv, nil
}

// landMap highlights one Land and shows its adopting Kreise and Gemeinden.
func (s *server) landMap(ctx context.Context, land catalog.Organisation, adoptions []catalog.Adoption) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	mv := views.MapView{ID: "karte-land", Title: "Lage von " + land.Name + " und seiner Kreise und Gemeinden mit Nachnutzungen",
		Desc:    "Karte Deutschlands, " + land.Name + " hervorgehoben; Punkte markieren Kreise und Gemeinden mit eigener Nachnutzung. Die Tabelle der Nachnutzungen auf dieser Seite enthält dieselben Angaben.",
		ViewBox: m.ViewBox(),
		Legend:  []views.LegendEntry{{Class: mapHighlight, Label: land.Name}, {Class: mapOther, Label: "andere Länder"}}}
	for _, r := range m.Regions {
		class, title := mapOther, r.Name
		if r.Key == land.Key {
			class = mapHighlight
		}
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: class, Title: title})
	}
	points, _, err := s.adopterPoints(ctx, m, adoptions, land.Key)
	if err != nil {
		return mv, err
	}
	mv.Points = points
	if len(points) > 0 {
		mv.PointLabel = "Kreis oder Gemeinde mit Nachnutzung"
	}
	return mv, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
