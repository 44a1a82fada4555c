package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/views"
)

// comparePickerLimit is the largest catalogue offered as select lists in
// the comparison picker; beyond it people pick in the catalogue.
const comparePickerLimit = 500

// parseCompareSlugs reads the solutions of /vergleich from l=a,b,c or from
// repeated l parameters, dropping empty and repeated entries.
func parseCompareSlugs(values []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" || seen[part] {
				continue
			}
			seen[part] = true
			out = append(out, part)
		}
	}
	return out
}

// HandleCompare renders two to four solutions side by side. Unknown or
// surplus solutions are named in a notice (status 400), never a 500.
func (s *Site) HandleCompare(c echo.Context) error {
	ctx := c.Request().Context()
	slugs := parseCompareSlugs(c.QueryParams()["l"])
	var d views.CompareData
	if len(slugs) > views.MaxCompare {
		d.Problems = append(d.Problems, fmt.Sprintf("Es lassen sich höchstens %d Lösungen vergleichen; gezeigt werden die ersten %d.", views.MaxCompare, views.MaxCompare))
		slugs = slugs[:views.MaxCompare]
	}
	var valid []string
	for _, slug := range slugs {
		if catalog.ValidSlug(slug) {
			valid = append(valid, slug)
		} else {
			d.Problems = append(d.Problems, fmt.Sprintf("„%s“ ist keine gültige Kurzbezeichnung einer Lösung.", clip(slug, 80)))
		}
	}
	found, err := s.Store.SolutionsBySlugs(ctx, valid)
	if err != nil {
		return err
	}
	var ids []uint
	for _, slug := range valid {
		if sol, ok := found[slug]; ok {
			ids = append(ids, sol.ID)
		} else {
			d.Problems = append(d.Problems, fmt.Sprintf("Die Lösung „%s“ gibt es nicht (mehr).", slug))
		}
	}
	counts, err := s.Store.AdoptionCounts(ctx, ids)
	if err != nil {
		return err
	}
	topics, err := s.Store.TopicFields(ctx)
	if err != nil {
		return err
	}
	topicName := map[uint]string{}
	for _, t := range topics {
		topicName[t.ID] = t.Name
	}
	for _, slug := range valid {
		sol, ok := found[slug]
		if !ok {
			continue
		}
		col := views.CompareColumn{S: sol, Adoptions: counts[sol.ID].Total, Live: counts[sol.ID].Live}
		if sol.TopicFieldID != nil {
			col.TopicField = topicName[*sol.TopicFieldID]
		}
		d.Columns = append(d.Columns, col)
		d.Selected = append(d.Selected, slug)
	}
	for len(d.Selected) < views.MaxCompare {
		d.Selected = append(d.Selected, "")
	}
	st, err := s.Store.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Solutions <= comparePickerLimit {
		names, err := s.Store.SolutionNames(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			d.Options = append(d.Options, views.CompareOption{Slug: n.Slug, Name: n.Name})
		}
	}
	title := "Lösungen vergleichen"
	if len(d.Columns) >= 2 {
		names := make([]string, len(d.Columns))
		for i, col := range d.Columns {
			names[i] = col.S.Name
		}
		title = "Vergleich: " + clip(strings.Join(names, " / "), 120)
	}
	status := http.StatusOK
	if len(d.Problems) > 0 {
		status = http.StatusBadRequest
	}
	return httpx.Render(c, status, views.ComparePage(httpx.Page(c, title, "/vergleich",
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Vergleich"}), d), nil)
}

// clip shortens s to at most n runes for display.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
