package geo_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"efa-register/internal/geo"
)

// TestPlaceLabelsNeverOverlap places the labels of crowded random points and
// checks every pair of placed label boxes for intersection, each box against
// the bounds and against the other points' markers.
func TestPlaceLabelsNeverOverlap(t *testing.T) {
	bounds := geo.Box{X0: 0, Y0: 0, X1: 100, Y1: 80}
	const size = 3.2
	for seed := uint64(1); seed <= 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var cands []geo.LabelCandidate
		for i := 0; i < 40; i++ {
			name := strings.Repeat("x", 3+rng.IntN(15))
			cands = append(cands, geo.LabelCandidate{X: 5 + rng.Float64()*90, Y: 5 + rng.Float64()*70, Text: name, R: 0.8})
		}
		cands[0].Must = true
		labels := geo.PlaceLabels(cands, bounds, size)
		if len(labels) == 0 || labels[0].Index != 0 {
			t.Fatalf("seed %d: the first (own) candidate got no label: %+v", seed, labels)
		}
		if len(labels) == len(cands) {
			t.Fatalf("seed %d: all 40 crowded labels placed: nothing was dropped", seed)
		}
		for i, a := range labels {
			if a.Box.X0 < bounds.X0 || a.Box.Y0 < bounds.Y0 || a.Box.X1 > bounds.X1 || a.Box.Y1 > bounds.Y1 {
				t.Errorf("seed %d: label %q leaves the bounds: %+v", seed, a.Text, a.Box)
			}
			if w := a.Box.X1 - a.Box.X0; w < geo.TextWidth(a.Text, size)-1e-9 {
				t.Errorf("seed %d: label %q box %.1f narrower than its text", seed, a.Text, w)
			}
			for _, b := range labels[i+1:] {
				if a.Box.Intersects(b.Box) {
					t.Errorf("seed %d: labels %q %+v and %q %+v overlap", seed, a.Text, a.Box, b.Text, b.Box)
				}
			}
			if i == 0 {
				continue // the own label must stand even beside a crowded marker
			}
			for j, c := range cands {
				m := geo.Box{X0: c.X - c.R, Y0: c.Y - c.R, X1: c.X + c.R, Y1: c.Y + c.R}
				if j != a.Index && a.Box.Intersects(m) {
					t.Errorf("seed %d: label %q covers the marker of %d", seed, a.Text, j)
				}
			}
		}
	}
}

func TestPlaceLabelsSpots(t *testing.T) {
	bounds := geo.Box{X1: 100, Y1: 100}
	// Alone: right of its marker, baseline below the centre.
	l := geo.PlaceLabels([]geo.LabelCandidate{{X: 50, Y: 50, Text: "Eutin", R: 1}}, bounds, 4)
	if len(l) != 1 || l[0].Anchor != "start" || l[0].X <= 51 || l[0].Box.X0 <= 51 {
		t.Fatalf("single label = %+v", l)
	}
	// At the right edge it moves to the left of its marker.
	l = geo.PlaceLabels([]geo.LabelCandidate{{X: 98, Y: 50, Text: "Eutin", R: 1}}, bounds, 4)
	if len(l) != 1 || l[0].Anchor != "end" || l[0].Box.X1 > 97 {
		t.Fatalf("edge label = %+v", l)
	}
	// Points in one place: right, left, and the others have nowhere to go
	// (above and below would touch the side labels).
	var same []geo.LabelCandidate
	for _, name := range []string{"Erste", "Zweite", "Dritte", "Vierte", "Fünfte"} {
		same = append(same, geo.LabelCandidate{X: 50, Y: 50, Text: name, R: 1})
	}
	l = geo.PlaceLabels(same, bounds, 4)
	var anchors []string
	for _, x := range l {
		anchors = append(anchors, x.Text+":"+x.Anchor)
	}
	if strings.Join(anchors, " ") != "Erste:start Zweite:end" {
		t.Fatalf("same place = %+v", l)
	}
	if !(geo.Box{X0: 0, Y0: 0, X1: 2, Y1: 2}).Intersects(geo.Box{X0: 1, Y0: 1, X1: 3, Y1: 3}) ||
		(geo.Box{X0: 0, Y0: 0, X1: 2, Y1: 2}).Intersects(geo.Box{X0: 2, Y0: 0, X1: 3, Y1: 2}) {
		t.Error("Intersects: overlap missed or touching edges counted")
	}
}
