package geo

import "unicode/utf8"

// LabelCandidate is a point that would like a visible name next to it, in
// map coordinates. Candidates are placed in the order given: the first ones
// (the page's own organisation, then the more important ones) win.
type LabelCandidate struct {
	X, Y float64
	Text string
	// R is the radius of the point's marker; the label keeps clear of it.
	R float64
	// Must places the label even when it overlaps others (for the page's
	// own organisation); it is still kept inside the bounds where possible.
	Must bool
}

// Label is a placed label: Box is the space its text takes; X, Y the
// anchor of the text (SVG text-anchor Anchor, baseline at Y).
type Label struct {
	Text   string
	X, Y   float64
	Anchor string
	Box    Box
	// Index is the position of its candidate.
	Index int
}

// Intersects reports whether two boxes overlap (touching edges do not).
func (b Box) Intersects(o Box) bool {
	return b.X0 < o.X1 && o.X0 < b.X1 && b.Y0 < o.Y1 && o.Y0 < b.Y1
}

// inside reports whether b lies within o.
func (b Box) inside(o Box) bool {
	return b.X0 >= o.X0 && b.Y0 >= o.Y0 && b.X1 <= o.X1 && b.Y1 <= o.Y1
}

// TextWidth estimates the width of text in a sans-serif font of the given
// size: generous, so an estimate never lets two real labels touch.
func TextWidth(text string, size float64) float64 {
	return float64(utf8.RuneCountInString(text)) * size * 0.58
}

// PlaceLabels puts each candidate's label at the first of four spots
// (right, left, above, below its marker) that stays inside bounds and
// overlaps neither a label placed before it nor another candidate's marker.
// A candidate without such a spot gets no label (greedy placement: the
// earlier candidates win), except a Must candidate, which takes its first
// spot inside bounds. size is the font size in map units.
func PlaceLabels(cands []LabelCandidate, bounds Box, size float64) []Label {
	markers := make([]Box, len(cands))
	for i, c := range cands {
		markers[i] = Box{c.X - c.R, c.Y - c.R, c.X + c.R, c.Y + c.R}
	}
	var placed []Label
	gap := size * 0.3
	for i, c := range cands {
		if c.Text == "" {
			continue
		}
		w, h := TextWidth(c.Text, size), size*1.2
		// The baseline sits a fifth of the box above its bottom (descenders).
		spots := []Label{
			{X: c.X + c.R + gap, Y: c.Y + h*0.3, Anchor: "start", Box: Box{c.X + c.R + gap, c.Y - h/2, c.X + c.R + gap + w, c.Y + h/2}},
			{X: c.X - c.R - gap, Y: c.Y + h*0.3, Anchor: "end", Box: Box{c.X - c.R - gap - w, c.Y - h/2, c.X - c.R - gap, c.Y + h/2}},
			{X: c.X, Y: c.Y - c.R - gap - h*0.2, Anchor: "middle", Box: Box{c.X - w/2, c.Y - c.R - gap - h, c.X + w/2, c.Y - c.R - gap}},
			{X: c.X, Y: c.Y + c.R + gap + h*0.8, Anchor: "middle", Box: Box{c.X - w/2, c.Y + c.R + gap, c.X + w/2, c.Y + c.R + gap + h}},
		}
		chosen := -1
		for s, spot := range spots {
			if !spot.Box.inside(bounds) {
				continue
			}
			if c.Must && chosen < 0 {
				chosen = s
			}
			if free(spot.Box, placed, markers, i) {
				chosen = s
				break
			}
		}
		if chosen < 0 {
			continue
		}
		l := spots[chosen]
		l.Text, l.Index = c.Text, i
		placed = append(placed, l)
	}
	return placed
}

// free reports whether b overlaps no placed label and no marker but own's.
func free(b Box, placed []Label, markers []Box, own int) bool {
	for _, l := range placed {
		if b.Intersects(l.Box) {
			return false
		}
	}
	for j, m := range markers {
		if j != own && b.Intersects(m) {
			return false
		}
	}
	return true
}
