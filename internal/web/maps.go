package web

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/geo"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
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

// stateLabel names the message of each state.
var stateLabel = map[landState]string{
	stateNone:      "map.state_none",
	stateMunicipal: "map.state_municipal",
	stateProgress:  "map.state_progress",
	stateLive:      "map.state_live",
	stateProvider:  "map.state_provider",
}

// stateLegend lists the adoption states in the order of the legend.
func stateLegend(ctx context.Context) []views.LegendEntry {
	var out []views.LegendEntry
	for _, st := range []landState{stateProvider, stateLive, stateProgress, stateMunicipal, stateNone} {
		out = append(out, views.LegendEntry{Class: stateClass[st], Label: i18n.T(ctx, stateLabel[st])})
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
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: m.ViewBox(), Legend: stateLegend(ctx)}
	for _, r := range m.Regions {
		st := states[r.Key]
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: stateClass[st],
			Title: i18n.T(ctx, "map.region_title", "Name", r.Name, "What", i18n.T(ctx, stateLabel[st]))})
	}
	points, cands, perLand, err := s.adopterPoints(ctx, m, adoptions, "", nil)
	if err != nil {
		return mv, views.Table{}, err
	}
	mv.Points = points
	labelPoints(&mv, m, cands)
	if len(points) > 0 {
		mv.PointLabel = i18n.T(ctx, "map.point_adopter")
	}
	t := views.Table{Caption: i18n.T(ctx, "map.state_table_caption"),
		Head:        []string{i18n.T(ctx, "map.col_land"), i18n.T(ctx, "map.col_state"), i18n.T(ctx, "map.col_adopters")},
		NumericCols: map[int]bool{2: true}, TestID: "map-table"}
	for _, r := range m.Regions {
		t.Rows = append(t.Rows, []views.Cell{{Text: r.Name, URL: views.LandURL(r.Key)}, {Text: i18n.T(ctx, stateLabel[states[r.Key]])},
			{Text: i18n.Int(ctx, int64(perLand[r.Key]))}})
	}
	return mv, t, nil
}

// adopterPoints places each adopting Gemeinde at its coordinates and each
// adopting Kreis at the mean position of its Gemeinden, one point per
// organisation, optionally only within one Land. It also counts the
// organisations with points per Land. classify, when set, gives a point its
// class and the text after the organisation's name (instead of its kind's
// class and its adoptions).
func (s *Site) adopterPoints(ctx context.Context, m *geo.Map, adoptions []catalog.Adoption, onlyLand string,
	classify func(o *catalog.Organisation) (class, what string)) ([]views.MapPoint, []geo.LabelCandidate, map[string]int, error) {
	// agg is one organisation's point: how many adoptions it has and the
	// first one, which names the point when it is the only one.
	type agg struct {
		org      *catalog.Organisation
		n        int
		solution string
		status   catalog.AdoptionStatus
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
			if g.n == 0 {
				g.solution, g.status = a.Solution.Name, a.Status
			}
			g.n++
		}
	}
	centres, err := s.Store.KreisCentres(ctx, kreise)
	if err != nil {
		return nil, nil, nil, err
	}
	perLand := map[string]int{}
	var out []views.MapPoint
	var cands []geo.LabelCandidate
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
		name := pointName(ctx, g.org)
		title := name
		switch {
		case g.n == 1 && i18n.From(ctx) == i18n.DE:
			what := i18n.T(ctx, "map.solution_status", "Solution", g.solution, "Status", g.status.L(ctx))
			title = i18n.T(ctx, "map.region_title", "Name", name, "What", what)
		case g.n == 1:
			// A title cannot mark the German name of the solution as German:
			// pages in other languages give the status only (the table names it).
			title = i18n.T(ctx, "map.region_title", "Name", name, "What", i18n.T(ctx, "map.one_adoption", "Status", g.status.L(ctx)))
		case g.n > 1:
			title = i18n.T(ctx, "map.region_title", "Name", name, "What", i18n.T(ctx, "map.n_adoptions", "Count", g.n))
		}
		class := "map-point--gemeinde"
		if g.org.Kind == catalog.KindKreis {
			class = "map-point--kreis"
		}
		if classify != nil {
			var what string
			class, what = classify(g.org)
			title = i18n.T(ctx, "map.region_title", "Name", name, "What", what)
		}
		out = append(out, views.MapPoint{X: geo.Num(x), Y: geo.Num(y), Class: class, Title: title})
		cands = append(cands, geo.LabelCandidate{X: x, Y: y, Text: labelName(g.org.Name), R: 4.5})
	}
	return out, cands, perLand, nil
}

// pointName names a Kreis or a Gemeinde on a map with its kind.
func pointName(ctx context.Context, o *catalog.Organisation) string {
	if o.Kind == catalog.KindKreis {
		return i18n.T(ctx, "map.kreis_name", "Name", o.Name)
	}
	return i18n.T(ctx, "map.gemeinde_name", "Name", o.Name)
}

// responseClass colours an affected organisation on the rollout map by its
// answer to an advisory ("" is no answer yet).
var responseClass = map[catalog.ResponseKind]string{
	"": "map-resp-open", catalog.ResponseRead: "map-resp-read", catalog.ResponseDone: "map-resp-done",
	catalog.ResponseNotAffected: "map-resp-notaffected",
}

// rolloutMap draws the organisations an advisory affects (as far as the
// reader may see the rollout) coloured by their response: adopting Länder
// as regions, Kreise and Gemeinden as points; and the counts per Land as the
// table of the same facts.
func (s *Site) rolloutMap(ctx context.Context, id, title, desc string, adoptions []catalog.Adoption, ro store.Rollout) (views.MapView, views.Table, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, views.Table{}, err
	}
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: m.ViewBox()}
	for _, k := range []catalog.ResponseKind{"", catalog.ResponseRead, catalog.ResponseDone, catalog.ResponseNotAffected} {
		mv.Legend = append(mv.Legend, views.LegendEntry{Class: responseClass[k], Label: i18n.T(ctx, "map.legend_response", "Response", k.L(ctx))})
	}
	mv.Legend = append(mv.Legend, views.LegendEntry{Class: mapNone, Label: i18n.T(ctx, "map.legend_no_land_adoption")})
	type counts struct{ affected, acted, read, open int }
	perLand := map[string]*counts{}
	response := map[uint]catalog.ResponseKind{}
	landResponse := map[string]catalog.ResponseKind{}
	for _, r := range ro.Rows {
		o := r.Organisation
		response[o.ID] = r.Response.Kind
		if o.Kind == catalog.KindLand {
			landResponse[o.Key] = r.Response.Kind
		}
		c := perLand[o.LandKey]
		if c == nil {
			c = &counts{}
			perLand[o.LandKey] = c
		}
		c.affected++
		switch {
		case r.Response.Kind.Acted():
			c.acted++
		case r.Response.Kind == catalog.ResponseRead:
			c.read++
		default:
			c.open++
		}
	}
	for _, r := range m.Regions {
		reg := views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: mapNone, Title: i18n.T(ctx, "map.region_no_land_adoption", "Name", r.Name)}
		if k, ok := landResponse[r.Key]; ok {
			reg.Class, reg.Title = responseClass[k], i18n.T(ctx, "map.region_land_response", "Name", r.Name, "Response", k.L(ctx))
		}
		mv.Regions = append(mv.Regions, reg)
	}
	var shown []catalog.Adoption
	for _, a := range adoptions {
		if _, ok := response[a.OrganisationID]; ok && slices.Contains(catalog.AffectingAdoption, a.Status) {
			shown = append(shown, a)
		}
	}
	points, cands, _, err := s.adopterPoints(ctx, m, shown, "", func(o *catalog.Organisation) (string, string) {
		k := response[o.ID]
		return responseClass[k], k.L(ctx)
	})
	if err != nil {
		return mv, views.Table{}, err
	}
	mv.Points = points
	labelPoints(&mv, m, cands)
	if len(points) > 0 {
		mv.PointLabel = i18n.T(ctx, "map.point_affected")
	}
	t := views.Table{Caption: i18n.T(ctx, "map.rollout_table_caption"),
		Head: []string{i18n.T(ctx, "map.col_land"), i18n.T(ctx, "map.col_affected"), i18n.T(ctx, "map.col_acted"),
			i18n.T(ctx, "map.col_read"), i18n.T(ctx, "map.col_no_response")},
		NumericCols: map[int]bool{1: true, 2: true, 3: true, 4: true}, TestID: "map-table"}
	n := func(v int) string { return i18n.Int(ctx, int64(v)) }
	row := func(name, url string, c *counts) {
		t.Rows = append(t.Rows, []views.Cell{{Text: name, URL: url}, {Text: n(c.affected)}, {Text: n(c.acted)},
			{Text: n(c.read)}, {Text: n(c.open)}})
	}
	for _, r := range m.Regions {
		if c := perLand[r.Key]; c != nil {
			row(r.Name, views.LandURL(r.Key), c)
		}
	}
	if c := perLand[""]; c != nil {
		row(i18n.T(ctx, "map.row_bund"), "", c)
	}
	return mv, t, nil
}

// labelPoints names the points of a whole-Germany map, as many as fit.
func labelPoints(mv *views.MapView, m *geo.Map, cands []geo.LabelCandidate) {
	size := m.Width * labelShare
	mv.LabelSize = geo.Num2(size)
	mv.Labels = mapLabels(cands, geo.Box{X1: m.Width, Y1: m.Height}, size, -1)
}

// countBuckets are the classes of a count choropleth of adoptions with
// the message ids of their legend.
var countBuckets = []struct {
	min   int64
	class string
	label string
}{
	{0, "map-n0", "map.bucket_none"},
	{1, "map-n1", "map.bucket_1_2"},
	{3, "map-n2", "map.bucket_3_5"},
	{6, "map-n3", "map.bucket_6_10"},
	{11, "map-n4", "map.bucket_more_10"},
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

// countMapIn colours the Länder by their adoptions (counts by Land key),
// legend and titles in the language of ctx.
func countMapIn(ctx context.Context, id, title, desc string, counts map[string]int64) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: m.ViewBox()}
	for _, b := range countBuckets {
		mv.Legend = append(mv.Legend, views.LegendEntry{Class: b.class, Label: i18n.T(ctx, b.label)})
	}
	for _, r := range m.Regions {
		n := counts[r.Key]
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: countClass(n),
			Title: i18n.T(ctx, "map.region_title", "Name", r.Name, "What", i18n.T(ctx, "map.n_adoptions", "Count", n))})
	}
	return mv, nil
}

// landMap highlights one Land and shows its adopting Kreise and Gemeinden.
func (s *Site) landMap(ctx context.Context, land catalog.Organisation, adoptions []catalog.Adoption) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	mv := views.MapView{ID: "karte-land", Title: i18n.T(ctx, "map.land_title", "Name", land.Name),
		Desc:    i18n.T(ctx, "map.land_desc", "Name", land.Name),
		ViewBox: m.ViewBox(),
		Legend:  []views.LegendEntry{{Class: mapHighlight, Label: land.Name}, {Class: mapOther, Label: i18n.T(ctx, "map.other_laender")}}}
	for _, r := range m.Regions {
		class, title := mapOther, r.Name
		if r.Key == land.Key {
			class = mapHighlight
		}
		mv.Regions = append(mv.Regions, views.MapRegion{Key: r.Key, Name: r.Name, Path: r.Path, Class: class, Title: title})
	}
	points, cands, _, err := s.adopterPoints(ctx, m, adoptions, land.Key, nil)
	if err != nil {
		return mv, err
	}
	mv.Points = points
	labelPoints(&mv, m, cands)
	if len(points) > 0 {
		mv.PointLabel = i18n.T(ctx, "map.point_adopter")
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
	// pointSelf rings the page's own Gemeinde; its fill still says whether it adopted.
	pointSelf = "map-point--self"
)

// labelShare is the label font size as a share of the view's width: about
// 11 px on a phone and 14 px on a desktop.
const labelShare = 0.032

// labelName is the name a map label shows: the Destatis name without its
// suffix ("Eutin, Stadt" → "Eutin"); the table and titles keep the full name.
func labelName(name string) string {
	if i := strings.Index(name, ", "); i > 0 {
		return name[:i]
	}
	return name
}

// mapLabels places labels for the candidates inside view and turns them
// into view labels; strong marks the candidate (by index) of the page's own
// organisation, -1 for none.
func mapLabels(cands []geo.LabelCandidate, view geo.Box, size float64, strong int) []views.MapLabel {
	var out []views.MapLabel
	for _, l := range geo.PlaceLabels(cands, view, size) {
		out = append(out, views.MapLabel{X: geo.Num(l.X), Y: geo.Num(l.Y), Text: l.Text, Anchor: l.Anchor, Strong: l.Index == strong})
	}
	return out
}

// kreisMap draws the Gemeinden of a Kreis, zoomed to them, inside their
// Land and its neighbours: a Gemeinde with an own adoption (perOrg counts
// them) is filled, one without is open, and self (when not zero) is the
// Gemeinde the page is about, drawn larger with a ring and filled by its
// own adoption like the others. Names stand beside the points (the page's
// own first, then the adopters, then the nearest), as many as fit without
// overlap, and a small map of the whole Land shows where the view lies.
func kreisMap(ctx context.Context, id, title, desc string, land catalog.Organisation, gemeinden []catalog.Organisation, perOrg map[uint]int64, self uint) (views.MapView, error) {
	m, err := geo.Germany()
	if err != nil {
		return views.MapView{}, err
	}
	type placed struct {
		x, y float64
		g    *catalog.Organisation
	}
	var pts []placed
	var own *placed
	for i := range gemeinden {
		g := &gemeinden[i]
		if g.Lat == 0 && g.Lon == 0 {
			continue
		}
		x, y := m.Project(g.Lat, g.Lon)
		pts = append(pts, placed{x, y, g})
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
	for i := range pts {
		if pts[i].g.ID == self {
			own = &pts[i]
		}
	}
	// Room around the points for the labels at the edge.
	view := box.Around(0.22, 14)
	// Points keep one size relative to the view (about 7 px on screen).
	r := (view.X1 - view.X0) * 0.018
	size := (view.X1 - view.X0) * labelShare
	mv := views.MapView{ID: id, Title: title, Desc: desc, ViewBox: view.ViewBox(), PointR: geo.Num(r), LabelSize: geo.Num2(size),
		Legend: []views.LegendEntry{{Class: "map-n1", Label: land.Name}, {Class: mapOther, Label: i18n.T(ctx, "map.other_laender")}}}
	for _, rg := range m.Regions {
		class := mapOther
		if rg.Key == land.Key {
			class = "map-n1"
		}
		mv.Regions = append(mv.Regions, views.MapRegion{Key: rg.Key, Name: rg.Name, Path: rg.Path, Class: class, Title: rg.Name})
	}
	if own != nil {
		mv.Legend = append(mv.Legend, views.LegendEntry{Class: "map__swatch--point map__swatch--self", Label: i18n.T(ctx, "map.legend_self")})
	}
	mv.Legend = append(mv.Legend,
		views.LegendEntry{Class: "map__swatch--point " + pointAdopted, Label: i18n.T(ctx, "map.legend_adopted")},
		views.LegendEntry{Class: "map__swatch--point " + pointNone, Label: i18n.T(ctx, "map.legend_not_adopted")})
	// Open points first, then filled ones, the page's own Gemeinde on top;
	// labels go to the own Gemeinde, the adopters, then the nearest (or, on
	// a Kreis page, the most populous).
	slices.SortStableFunc(pts, func(a, b placed) int {
		return boolRank(perOrg[a.g.ID] > 0, a.g.ID == self) - boolRank(perOrg[b.g.ID] > 0, b.g.ID == self)
	})
	var cands []geo.LabelCandidate
	strong := -1
	order := slices.Clone(pts)
	slices.SortStableFunc(order, func(a, b placed) int {
		if ra, rb := boolRank(perOrg[a.g.ID] > 0, a.g.ID == self), boolRank(perOrg[b.g.ID] > 0, b.g.ID == self); ra != rb {
			return rb - ra
		}
		if own != nil {
			return cmpFloat(math.Hypot(a.x-own.x, a.y-own.y), math.Hypot(b.x-own.x, b.y-own.y))
		}
		return int(b.g.Population - a.g.Population)
	})
	for _, p := range order {
		if p.x < view.X0 || p.x > view.X1 || p.y < view.Y0 || p.y > view.Y1 {
			continue
		}
		c := geo.LabelCandidate{X: p.x, Y: p.y, Text: labelName(p.g.Name), R: r}
		if p.g.ID == self {
			c.R, c.Must = r*1.7, true
			strong = len(cands)
		}
		cands = append(cands, c)
	}
	mv.Labels = mapLabels(cands, view, size, strong)
	for _, p := range pts {
		n := perOrg[p.g.ID]
		title := i18n.T(ctx, "map.region_title", "Name", p.g.Name, "What", i18n.T(ctx, "map.no_own_adoption"))
		class := pointNone
		if n > 0 {
			title = i18n.T(ctx, "map.region_title", "Name", p.g.Name, "What", i18n.T(ctx, "map.n_own_adoptions", "Count", n))
			class = pointAdopted
		}
		pt := views.MapPoint{X: geo.Num(p.x), Y: geo.Num(p.y), Class: class, Title: title}
		if p.g.ID == self {
			pt.Class += " " + pointSelf
			pt.R = geo.Num2(r * 1.7)
			pt.Title = i18n.T(ctx, "map.self_title", "Title", title)
		}
		mv.Points = append(mv.Points, pt)
	}
	if rg, ok := m.Region(land.Key); ok {
		lv := rg.Box.Around(0.06, 0)
		mv.Locator = &views.MapLocator{Title: i18n.T(ctx, "map.locator_title", "Name", land.Name), ViewBox: lv.ViewBox(), Path: rg.Path,
			WX: geo.Num(view.X0), WY: geo.Num(view.Y0), WW: geo.Num(view.X1 - view.X0), WH: geo.Num(view.Y1 - view.Y0)}
		if own != nil {
			mv.Locator.PX, mv.Locator.PY, mv.Locator.PR = geo.Num(own.x), geo.Num(own.y), geo.Num2((lv.X1-lv.X0)*0.025)
		}
	}
	return mv, nil
}

// boolRank orders points: without adoption, with adoption, the own one.
func boolRank(adopted, self bool) int {
	switch {
	case self:
		return 2
	case adopted:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// median returns the middle value of v (which it sorts).
func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}
