// Package geo turns the state outlines of the seed (GeoJSON, WGS84) into SVG
// path data and projects coordinates of Gemeinden onto the same plane, so the
// web pages can draw maps on the server without any script or tile server.
package geo

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"efa-register/seed"
)

// Width is the width of the map's coordinate system; the height follows
// from the projection so Germany keeps its proportions.
const Width = 440.0

// margin keeps strokes and point markers at the border inside the view box.
const margin = 6.0

// Region is the outline of one Land, ready for an SVG <path d="…">.
type Region struct {
	// Key is the Länderschlüssel "01".."16".
	Key  string
	Name string
	// Path is the SVG path data in map coordinates.
	Path string
	// CX and CY are the centre of the Land's bounding box in map coordinates.
	CX, CY float64
	// Box is the Land's bounding box in map coordinates.
	Box Box
}

// Box is a rectangle in map coordinates.
type Box struct{ X0, Y0, X1, Y1 float64 }

// Add returns b grown to hold the point (x, y); the zero Box holds nothing.
func (b Box) Add(x, y float64) Box {
	if b == (Box{}) {
		return Box{x, y, x, y}
	}
	return Box{math.Min(b.X0, x), math.Min(b.Y0, y), math.Max(b.X1, x), math.Max(b.Y1, y)}
}

// Around returns b padded by a share of its size, at least min wide and
// high and not narrower than three quarters of its height (nor flatter), so
// a zoomed map of a few points keeps a readable shape.
func (b Box) Around(share, min float64) Box {
	w, h := b.X1-b.X0, b.Y1-b.Y0
	w, h = math.Max(w*(1+2*share), min), math.Max(h*(1+2*share), min)
	w, h = math.Max(w, h*0.75), math.Max(h, w*0.75)
	cx, cy := (b.X0+b.X1)/2, (b.Y0+b.Y1)/2
	return Box{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
}

// ViewBox is the SVG viewBox attribute value showing b.
func (b Box) ViewBox() string {
	return num(b.X0) + " " + num(b.Y0) + " " + num(b.X1-b.X0) + " " + num(b.Y1-b.Y0)
}

// Zoom is how much larger b shows things than the whole map does.
func (m *Map) Zoom(b Box) float64 { return m.Width / (b.X1 - b.X0) }

// Map is Germany projected onto a plane Width wide and Height high.
type Map struct {
	Width, Height float64
	// Regions are the 16 Länder ordered by key.
	Regions []Region

	lon0, lat1, kx, scale float64
}

// ViewBox is the SVG viewBox attribute value of the map.
func (m *Map) ViewBox() string {
	return "0 0 " + num(m.Width) + " " + num(m.Height)
}

// Project maps a WGS84 coordinate to map coordinates. The projection is
// equirectangular with the longitude scaled by the cosine of the mean
// latitude: at Germany's size it is indistinguishable from a conformal
// projection and keeps the arithmetic trivial.
func (m *Map) Project(lat, lon float64) (x, y float64) {
	return margin + (lon-m.lon0)*m.kx*m.scale, margin + (m.lat1-lat)*m.scale
}

// Region returns the region of a Land by key.
func (m *Map) Region(key string) (Region, bool) {
	for _, r := range m.Regions {
		if r.Key == key {
			return r, true
		}
	}
	return Region{}, false
}

var (
	germanyOnce sync.Once
	germany     *Map
	germanyErr  error
)

// Germany returns the map of the 16 Länder from the embedded seed outlines.
// It is built once per process; the result is shared and must not be changed.
func Germany() (*Map, error) {
	germanyOnce.Do(func() { germany, germanyErr = Load(seed.FS, "bundeslaender_niedrig.geojson") })
	return germany, germanyErr
}

type featureCollection struct {
	Features []struct {
		Properties struct {
			Name    string `json:"name"`
			LandKey string `json:"land_schluessel"`
		} `json:"properties"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// polygon is a list of rings of [lon, lat] positions.
type polygon [][][2]float64

// Load reads a GeoJSON FeatureCollection of Polygon and MultiPolygon features
// with the properties "name" and "land_schluessel" and projects it.
func Load(fsys fs.FS, name string) (*Map, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("geo: read %s: %w", name, err)
	}
	var fc featureCollection
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("geo: parse %s: %w", name, err)
	}
	if len(fc.Features) == 0 {
		return nil, fmt.Errorf("geo: %s has no features", name)
	}
	type shape struct {
		key, name string
		polys     []polygon
	}
	shapes := make([]shape, 0, len(fc.Features))
	minLon, maxLon, minLat, maxLat := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, f := range fc.Features {
		var polys []polygon
		switch f.Geometry.Type {
		case "Polygon":
			var p polygon
			err = json.Unmarshal(f.Geometry.Coordinates, &p)
			polys = []polygon{p}
		case "MultiPolygon":
			err = json.Unmarshal(f.Geometry.Coordinates, &polys)
		default:
			err = fmt.Errorf("unsupported geometry %q", f.Geometry.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("geo: %s feature %d (%s): %w", name, i, f.Properties.Name, err)
		}
		if f.Properties.LandKey == "" {
			return nil, fmt.Errorf("geo: %s feature %d (%s) has no land_schluessel", name, i, f.Properties.Name)
		}
		for _, p := range polys {
			for _, ring := range p {
				for _, pt := range ring {
					minLon, maxLon = math.Min(minLon, pt[0]), math.Max(maxLon, pt[0])
					minLat, maxLat = math.Min(minLat, pt[1]), math.Max(maxLat, pt[1])
				}
			}
		}
		shapes = append(shapes, shape{key: f.Properties.LandKey, name: f.Properties.Name, polys: polys})
	}
	m := &Map{Width: Width, lon0: minLon, lat1: maxLat}
	m.kx = math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	m.scale = (Width - 2*margin) / ((maxLon - minLon) * m.kx)
	m.Height = math.Ceil((maxLat-minLat)*m.scale + 2*margin - 1e-9)
	for _, s := range shapes {
		r := Region{Key: s.key, Name: s.name}
		var b strings.Builder
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range s.polys {
			for _, ring := range p {
				writeRing(&b, m, ring)
				for _, pt := range ring {
					x, y := m.Project(pt[1], pt[0])
					x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
				}
			}
		}
		r.Path = b.String()
		r.CX, r.CY = round1((x0+x1)/2), round1((y0+y1)/2)
		r.Box = Box{x0, y0, x1, y1}
		m.Regions = append(m.Regions, r)
	}
	sort.Slice(m.Regions, func(i, j int) bool { return m.Regions[i].Key < m.Regions[j].Key })
	return m, nil
}

// writeRing appends one closed ring as absolute moves and lines with one
// decimal place, dropping points that round to the previous one.
func writeRing(b *strings.Builder, m *Map, ring [][2]float64) {
	var px, py, fx, fy float64
	n := 0
	for i, pt := range ring {
		x, y := m.Project(pt[1], pt[0])
		x, y = round1(x), round1(y)
		// Z closes the ring: a repeat of the previous or (at the end) the first point adds nothing.
		if i > 0 && (x == px && y == py || i == len(ring)-1 && x == fx && y == fy) {
			continue
		}
		if n == 0 {
			fx, fy = x, y
		}
		if n == 0 {
			b.WriteByte('M')
		} else {
			b.WriteByte('L')
		}
		b.WriteString(num(x))
		b.WriteByte(' ')
		b.WriteString(num(y))
		px, py = x, y
		n++
	}
	if n > 0 {
		b.WriteByte('Z')
	}
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// num formats a map coordinate with at most one decimal place.
func num(v float64) string { return strconv.FormatFloat(round1(v), 'f', -1, 64) }

// Num formats a map coordinate for an SVG attribute.
func Num(v float64) string { return num(v) }

// Num2 formats a small length (a radius or font size on a zoomed map) with
// two decimal places, where one would round it away.
func Num2(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
