package geo

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestGermanyHasSixteenLaender(t *testing.T) {
	m, err := Germany()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Regions) != 16 {
		t.Fatalf("regions = %d, want 16", len(m.Regions))
	}
	for i, r := range m.Regions {
		want := []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16"}[i]
		if r.Key != want {
			t.Errorf("region %d key = %q, want %q", i, r.Key, want)
		}
		if !strings.HasPrefix(r.Path, "M") || !strings.HasSuffix(r.Path, "Z") {
			t.Errorf("%s: path is not a closed SVG path: %.40q", r.Name, r.Path)
		}
	}
	// Schleswig-Holstein has islands: several sub-paths.
	if sh, _ := m.Region("01"); strings.Count(sh.Path, "M") < 2 {
		t.Errorf("Schleswig-Holstein has %d rings, want its islands too", strings.Count(sh.Path, "M"))
	}
	if m.Height <= m.Width {
		t.Errorf("Germany should be taller than wide: %v x %v", m.Width, m.Height)
	}
	if m.ViewBox() != "0 0 440 "+Num(m.Height) {
		t.Errorf("viewBox = %q", m.ViewBox())
	}
}

func TestProjectPutsCitiesInTheirLand(t *testing.T) {
	m, err := Germany()
	if err != nil {
		t.Fatal(err)
	}
	cities := []struct {
		name, land string
		lat, lon   float64
	}{
		{"Berlin", "11", 52.52, 13.405},
		{"Hamburg", "02", 53.55, 10.0},
		{"München", "09", 48.137, 11.575},
		{"Saarbrücken", "10", 49.234, 6.99},
		{"Neumünster", "01", 54.07, 9.98},
	}
	for _, c := range cities {
		x, y := m.Project(c.lat, c.lon)
		r, _ := m.Region(c.land)
		if !inside(r.Path, x, y) {
			t.Errorf("%s projects to (%.1f, %.1f), outside %s", c.name, x, y, r.Name)
		}
		for _, other := range m.Regions {
			if other.Key != c.land && inside(other.Path, x, y) {
				t.Errorf("%s projects into %s too", c.name, other.Name)
			}
		}
	}
	x, y := m.Project(47.27, 10.18) // Oberstdorf, far south
	if y < m.Height*0.8 || x < 0 || x > m.Width {
		t.Errorf("Oberstdorf at (%.1f, %.1f) not near the bottom of %vx%v", x, y, m.Width, m.Height)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	fsys := fstest.MapFS{
		"empty.geojson":   {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		"broken.geojson":  {Data: []byte(`{"type":`)},
		"point.geojson":   {Data: []byte(`{"features":[{"properties":{"name":"X","land_schluessel":"01"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`)},
		"nokey.geojson":   {Data: []byte(`{"features":[{"properties":{"name":"X"},"geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]}}]}`)},
		"square.geojson":  {Data: []byte(`{"features":[{"properties":{"name":"Quadrat","land_schluessel":"01"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}`)},
		"missing.geojson": nil,
	}
	delete(fsys, "missing.geojson")
	for _, name := range []string{"empty.geojson", "broken.geojson", "point.geojson", "nokey.geojson", "missing.geojson"} {
		if _, err := Load(fsys, name); err == nil {
			t.Errorf("Load(%s) succeeded", name)
		}
	}
	m, err := Load(fsys, "square.geojson")
	if err != nil {
		t.Fatal(err)
	}
	// A one-degree square at the equator stays (nearly) square: cos(0.5°) stretches it by 0.004 %.
	if m.Height != Width+1 || m.Regions[0].Path != "M6 434L434 434L434 6L6 6Z" {
		t.Errorf("square: height %v, path %q", m.Height, m.Regions[0].Path)
	}
}

// inside reports whether (x, y) lies inside the path by the even-odd rule.
func inside(path string, x, y float64) bool {
	var in bool
	for _, ring := range parse(path) {
		for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
			a, b := ring[i], ring[j]
			if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
				in = !in
			}
		}
	}
	return in
}

func parse(path string) [][][2]float64 {
	var rings [][][2]float64
	for _, sub := range strings.Split(path, "Z") {
		var ring [][2]float64
		for _, seg := range strings.FieldsFunc(sub, func(r rune) bool { return r == 'M' || r == 'L' }) {
			parts := strings.Fields(seg)
			x, _ := strconv.ParseFloat(parts[0], 64)
			y, _ := strconv.ParseFloat(parts[1], 64)
			ring = append(ring, [2]float64{x, y})
		}
		if len(ring) > 0 {
			rings = append(rings, ring)
		}
	}
	return rings
}

func TestBoxAround(t *testing.T) {
	var b Box
	b = b.Add(10, 20).Add(30, 25)
	if b != (Box{10, 20, 30, 25}) {
		t.Fatalf("Add: %+v", b)
	}
	// 20 wide, 5 high: padded by 10 % each side to 24 × 6, then at least
	// three quarters as high as wide (18), around the same centre.
	got := b.Around(0.1, 8)
	if want := (Box{8, 13.5, 32, 31.5}); math.Abs(got.X0-want.X0)+math.Abs(got.Y0-want.Y0)+math.Abs(got.X1-want.X1)+math.Abs(got.Y1-want.Y1) > 1e-9 {
		t.Errorf("Around: %+v, want %+v", got, want)
	}
	if vb := got.ViewBox(); vb != "8 13.5 24 18" {
		t.Errorf("ViewBox %q", vb)
	}
	// One point: the minimum size, square.
	if one := (Box{}).Add(5, 5).Around(0.15, 24); one != (Box{-7, -7, 17, 17}) {
		t.Errorf("one point: %+v", one)
	}
	m, err := Germany()
	if err != nil {
		t.Fatal(err)
	}
	if z := m.Zoom(Box{0, 0, m.Width / 4, 10}); z != 4 {
		t.Errorf("Zoom of a quarter width: %v", z)
	}
	for _, r := range m.Regions {
		if r.Box.X0 >= r.Box.X1 || r.Box.Y0 >= r.Box.Y1 || r.CX < r.Box.X0 || r.CX > r.Box.X1 {
			t.Errorf("%s: box %+v, centre %v", r.Name, r.Box, r.CX)
		}
	}
}
