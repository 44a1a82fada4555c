package web

import (
	"context"
	"math"
	"slices"
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
func (s *Site) stateMap(ctx context.Context, id, title, desc string, states map[string]landState, adoptions []catalog.Adoption) (views.MapView, views.Table, error) {
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
func (s *Site) adopterPoints(ctx context.Context, m *geo.Map, adoptions []catalog.Adoption, onlyLand string) ([]views.MapPoint, map[string]int, error) {
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
func (s *Site) landMap(ctx context.Context, land catalog.Organisation, adoptions []catalog.Adoption) (views.MapView, error) {
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

// Point classes of the map of a Kreis's Gemeinden.
const (
	pointAdopted = "map-point--adopted"
	pointNone    = "map-point--none"
	pointSelf    = "map-point--self"
)

// kreisMap draws the Gemeinden of a Kreis, zoomed to them, inside their
// Land and its neighbours: a Gemeinde with an own adoption (perOrg counts
// them) is filled, one without is open, and self (when not zero) is the
// Gemeinde the page is about.
func kreisMap(id, title, desc string, land catalog.Organisation, gemeinden []catalog.Organisation, perOrg map[uint]int64, self uint) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	type placed struct {
		x, y  float64
		g     *catalog.Organisation
		class string
	}
	var pts []placed
	for i := range gemeinden {
		g := &gemeinden[i]
		if g.Lat == 0 && g.Lon == 0 {
			continue
		}
		x, y := m.Project(g.Lat, g.Lon)
		class := pointNone
		switch {
		case g.ID == self:
			class = pointSelf
		case perOrg[g.ID] > 0:
			class = pointAdopted
		}
		pts = append(pts, placed{x, y, g, class})
	}
	// The view holds the Gemeinden near the middle of the Kreis: a far
	// island (Helgoland in Pinneberg) would shrink the others to a dot. It
	// is still drawn where it lies, and listed in the table.
	var box geo.Box
	if len(pts) > 0 {
		xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
		for i, p := range pts {
			xs[i], ys[i] = p.x, p.y
		}
		cx, cy := median(xs), median(ys)
		dist := make([]float64, len(pts))
		for i, p := range pts {
			dist[i] = math.Hypot(p.x-cx, p.y-cy)
		}
		limit := max(4*median(slices.Clone(dist)), 8)
		for i, p := range pts {
			if dist[i] <= limit || p.g.ID == self {
				box = box.Add(p.x, p.y)
			}
		}
	} else if r, ok := m.Region(land.Key); ok {
		box = r.Box
	}
	// Open points first, then filled ones, the page's own Gemeinde on top.
	rank := map[string]int{pointNone: 0, pointAdopted: 1, pointSelf: 2}
	slices.SortStableFunc(pts, func(a, b placed) int { return rank[a.class] - rank[b.class] })
	view := box.Around(0.15, 24)
	zoom := m.Zoom(view)
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: view.ViewBox(), PointR: geo.Num(max(4.5/zoom, 0.6)),
		Legend: []views.LegendEntry{{Class: "map-n1", Label: land.Name}, {Class: mapOther, Label: "andere Länder"}}}
	for _, r := range m.Regions {
		class := mapOther
		if r.Key == land.Key {
			class = "map-n1"
		}
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: class, Title: r.Name})
	}
	if self != 0 {
		mv.Legend = append(mv.Legend, views.LegendEntry{Class: "map__swatch--point " + pointSelf, Label: "diese Gemeinde"})
	}
	mv.Legend = append(mv.Legend,
		views.LegendEntry{Class: "map__swatch--point " + pointAdopted, Label: "Gemeinde mit eigener Nachnutzung"},
		views.LegendEntry{Class: "map__swatch--point " + pointNone, Label: "Gemeinde ohne eigene Nachnutzung"})
	for _, p := range pts {
		n := perOrg[p.g.ID]
		title := p.g.Name + ": keine eigene Nachnutzung"
		if n > 0 {
			title = p.g.Name + ": " + views.FormatInt(n) + " eigene Nachnutzung"
			if n > 1 {
				title += "en"
			}
		}
		mv.Points = append(mv.Points, views.MapPoint{X: geo.Num(p.x), Y: geo.Num(p.y), Class: p.class, Title: title})
	}
	return mv, nil
}

// median returns the middle value of v (which it sorts).
func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}
