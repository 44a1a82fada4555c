package web

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
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

// compareData reads the chosen solutions of /vergleich. Unknown or surplus
// solutions are named in d.Problems.
func (s *Site) compareData(c echo.Context) (views.CompareData, error) {
	ctx := c.Request().Context()
	slugs := parseCompareSlugs(c.QueryParams()["l"])
	var d views.CompareData
	if len(slugs) > views.MaxCompare {
		d.Problems = append(d.Problems, i18n.T(ctx, "compare.too_many", "Max", views.MaxCompare))
		slugs = slugs[:views.MaxCompare]
	}
	var valid []string
	for _, slug := range slugs {
		if catalog.ValidSlug(slug) {
			valid = append(valid, slug)
		} else {
			d.Problems = append(d.Problems, i18n.T(ctx, "compare.invalid_slug", "Slug", clip(slug, 80)))
		}
	}
	found, err := s.Store.SolutionsBySlugs(ctx, valid)
	if err != nil {
		return d, err
	}
	var ids []uint
	for _, slug := range valid {
		if sol, ok := found[slug]; ok {
			ids = append(ids, sol.ID)
		} else {
			d.Problems = append(d.Problems, i18n.T(ctx, "compare.unknown_solution", "Slug", slug))
		}
	}
	counts, err := s.Store.AdoptionCounts(ctx, ids)
	if err != nil {
		return d, err
	}
	topics, err := s.Store.TopicFields(ctx)
	if err != nil {
		return d, err
	}
	topicName := map[uint]string{}
	for _, t := range topics {
		topicName[t.ID] = t.Name
	}
	q := url.Values{}
	for _, slug := range valid {
		sol, ok := found[slug]
		if !ok {
			continue
		}
		col := views.CompareColumn{S: sol, Adoptions: counts[sol.ID].Total, Live: counts[sol.ID].Live, Profile: profileRows(ctx, sol.StandardsProfile)}
		if sol.TopicFieldID != nil {
			col.TopicField = topicName[*sol.TopicFieldID]
		}
		d.Columns = append(d.Columns, col)
		d.Selected = append(d.Selected, slug)
		q.Add("l", slug)
	}
	d.Query = q.Encode()
	return d, nil
}

// HandleCompare renders two to four solutions side by side. Unknown or
// surplus solutions are named in a notice (status 400), never a 500.
func (s *Site) HandleCompare(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.compareData(c)
	if err != nil {
		return err
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
		if len(d.Columns) > 0 {
			if d.Alternatives, err = s.alternatives(ctx, d.Columns[0].S); err != nil {
				return err
			}
			d.AlternativesFor = d.Columns[0].S.Name
		}
	}
	title := i18n.T(ctx, "compare.heading")
	if len(d.Columns) >= 2 {
		names := make([]string, len(d.Columns))
		for i, col := range d.Columns {
			names[i] = col.S.Name
		}
		title = i18n.T(ctx, "compare.title_with", "Names", clip(strings.Join(names, " / "), 120))
	}
	status := http.StatusOK
	if len(d.Problems) > 0 {
		status = http.StatusBadRequest
	}
	return httpx.Render(c, status, views.ComparePage(httpx.Page(c, title, "/vergleich",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.compare")}), d), nil)
}

// alternatives are the other solutions for the OZG-Leistungen of sol, by name.
func (s *Site) alternatives(ctx context.Context, sol catalog.Solution) ([]views.CompareOption, error) {
	seen := map[string]bool{sol.Slug: true}
	var out []views.CompareOption
	for _, sv := range sol.Services {
		list, err := s.Store.SolutionsByService(ctx, sv.ID)
		if err != nil {
			return nil, err
		}
		for _, alt := range list {
			if !seen[alt.Slug] {
				seen[alt.Slug] = true
				out = append(out, views.CompareOption{Slug: alt.Slug, Name: alt.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// HandleCompareExport answers GET /vergleich.csv, .xlsx and .json: the
// comparison of the chosen solutions, one row per property and one column
// per solution, with whether the values differ. Unusable parameters give 400
// (a German problem document for JSON), as on the page.
func (s *Site) HandleCompareExport(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.compareData(c)
	if err != nil {
		return err
	}
	format := strings.TrimPrefix(path.Ext(c.Path()), ".")
	if len(d.Problems) == 0 && len(d.Columns) < 2 {
		d.Problems = append(d.Problems, i18n.T(ctx, "compare.too_few"))
	}
	if len(d.Problems) > 0 {
		detail := strings.Join(d.Problems, " ")
		if format == "json" {
			return httpx.WriteProblem(c, http.StatusBadRequest, detail, nil)
		}
		return echo.NewHTTPError(http.StatusBadRequest, detail)
	}
	fields := views.CompareFields(ctx, d.Columns)
	if format == "json" {
		type solutionJSON struct {
			Slug string `json:"slug"`
			Name string `json:"name"`
			URL  string `json:"url"`
		}
		type fieldJSON struct {
			Key     string   `json:"key"`
			Label   string   `json:"label"`
			Values  []string `json:"values"`
			Differs bool     `json:"differs"`
		}
		out := struct {
			Solutions []solutionJSON `json:"solutions"`
			Fields    []fieldJSON    `json:"fields"`
		}{}
		for _, col := range d.Columns {
			out.Solutions = append(out.Solutions, solutionJSON{Slug: col.S.Slug, Name: col.S.Name, URL: views.SolutionURL(col.S.Slug)})
		}
		for _, f := range fields {
			out.Fields = append(out.Fields, fieldJSON{Key: f.Key, Label: f.Label, Values: f.Values, Differs: f.Differs})
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="vergleich.json"`)
		return c.JSON(http.StatusOK, out)
	}
	t := export.Table{Name: i18n.T(ctx, "compare.sheet"), Columns: []export.Column{{Header: i18n.T(ctx, "compare.property"), Width: 28}}}
	for _, col := range d.Columns {
		t.Columns = append(t.Columns, export.Column{Header: col.S.Name + " (" + col.S.Slug + ")", Width: 40})
	}
	t.Columns = append(t.Columns, export.Column{Header: i18n.T(ctx, "compare.different")})
	// "ja"/"nein" in the reader's language (the table writes a bool in German).
	yesNo := map[bool]string{true: i18n.T(ctx, "label.yes"), false: i18n.T(ctx, "label.no")}
	for _, f := range fields {
		row := []any{f.Label}
		for _, v := range f.Values {
			row = append(row, v)
		}
		t.Rows = append(t.Rows, append(row, yesNo[f.Differs]))
	}
	return httpx.SendTable(c, t, "vergleich", format)
}

// clip shortens s to at most n runes for display.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
