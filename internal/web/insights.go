package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/views"
)

// The insight pages: scoreboard (/laender), Digitalisierungsrendite,
// coverage, white spots and demand radar (/einblicke/...). Every table is
// also served as CSV.

// engine returns the insight engine once it has loaded its figures, else
// insights.ErrLoading (the server shows a notice page with status 200).
func (s *Site) engine() (*insights.Engine, error) {
	if s.Insights == nil || !s.Insights.Loaded() {
		return nil, insights.ErrLoading
	}
	return s.Insights, nil
}

// shareIn formats a share (0..1) as a percentage in the language of ctx.
func shareIn(ctx context.Context, v float64) string { return i18n.Percent(ctx, v*100) }

// euroIn formats an amount in whole euros in the language of ctx.
func euroIn(ctx context.Context, v float64) string { return i18n.Euro(ctx, int64(math.Round(v))) }

// euroRough is an estimate's headline: "rund 163,2 Mio. €" rather than a
// precision the estimate does not have; exact below a million.
func euroRough(ctx context.Context, v float64) string {
	if math.Abs(v) < 1e6 {
		return euroIn(ctx, v)
	}
	return i18n.T(ctx, "insights.euro_millions", "Amount", i18n.Decimal(ctx, v/1e6, 1))
}

// scoreColumns are the sortable columns of the scoreboard, each with the
// message ids of its label and of the sentence that defines it on the page.
var scoreColumns = []struct{ key, label, definition string }{
	{insights.ColProvided, "insights.col_provided", "insights.def_provided"},
	{insights.ColReceivedExternal, "insights.col_received_external", "insights.def_received_external"},
	{insights.ColMade, "insights.col_made", "insights.def_made"},
	{insights.ColMadePer100k, "insights.col_made_per_100k", "insights.def_made_per_100k"},
	{insights.ColReach, "insights.col_reach", "insights.def_reach"},
}

func scoreValue(r insights.Row, col string) float64 {
	switch col {
	case insights.ColProvided:
		return float64(r.Provided)
	case insights.ColReceivedExternal:
		return float64(r.ReceivedExternal)
	case insights.ColMade:
		return float64(r.Made)
	case insights.ColMadePer100k:
		return r.MadePer100k
	case insights.ColReach:
		return r.Reach
	}
	return 0
}

// scoreCells formats a row's figures in column order: one figure per column.
func scoreCells(ctx context.Context, r insights.Row) []views.ScoreCell {
	return []views.ScoreCell{
		{Text: i18n.Int(ctx, int64(r.Provided)), Rank: r.Ranks[insights.ColProvided]},
		{Text: i18n.Int(ctx, int64(r.ReceivedExternal)), Rank: r.Ranks[insights.ColReceivedExternal]},
		{Text: i18n.Int(ctx, int64(r.Made)), Rank: r.Ranks[insights.ColMade]},
		{Text: i18n.Decimal(ctx, r.MadePer100k, 2), Rank: r.Ranks[insights.ColMadePer100k]},
		{Text: i18n.Decimal(ctx, r.Reach, 2), Rank: r.Ranks[insights.ColReach]},
	}
}

// sortScoreboard orders rows by a column; "name" and "" sort by Land name.
func sortScoreboard(rows []insights.Row, col string, asc bool) error {
	valid := col == "" || col == "name"
	for _, c := range scoreColumns {
		valid = valid || c.key == col
	}
	if !valid {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("insights.unknown_sort", "Sort", col))
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if col == "" || col == "name" {
			return rows[i].Name < rows[j].Name
		}
		a, b := scoreValue(rows[i], col), scoreValue(rows[j], col)
		if a == b {
			return rows[i].Name < rows[j].Name
		}
		return (a < b) == asc
	})
	return nil
}

// HandleScoreboard renders the coopetition scoreboard at /laender.
func (s *Site) HandleScoreboard(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	col, dir := c.QueryParam("sortierung"), c.QueryParam("richtung")
	if dir != "" && dir != "auf" && dir != "ab" {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("insights.bad_direction"))
	}
	rows := e.Scoreboard()
	if err := sortScoreboard(rows, col, dir == "auf" || (dir == "" && (col == "" || col == "name"))); err != nil {
		return err
	}
	d := views.ScoreboardData{CSV: "/laender.csv", XLSX: "/laender.xlsx"}
	for _, sc := range scoreColumns {
		next, sorted := "ab", ""
		if sc.key == col {
			if dir == "auf" {
				sorted = "ascending"
			} else {
				sorted, next = "descending", "auf"
			}
		}
		d.Columns = append(d.Columns, views.ScoreColumn{Key: sc.key, Label: i18n.T(ctx, sc.label), Definition: i18n.T(ctx, sc.definition), Sorted: sorted,
			SortURL: "/laender?" + url.Values{"sortierung": {sc.key}, "richtung": {next}}.Encode()})
	}
	d.Chart = views.Chart{ID: "diagramm-nachnutzungen", Title: i18n.T(ctx, "insights.chart_made_title"),
		Desc: i18n.T(ctx, "insights.chart_made_desc")}
	counts := map[string]int64{}
	for _, r := range rows {
		d.Rows = append(d.Rows, views.ScoreRow{Land: views.Link{Label: r.Name, URL: "/laender/" + r.LandKey}, Cells: scoreCells(ctx, r)})
		d.Chart.Bars = append(d.Chart.Bars, views.Bar{Label: r.Name, Value: r.MadePer100k, Display: i18n.Decimal(ctx, r.MadePer100k, 2)})
		counts[r.LandKey] = int64(r.Made)
	}
	if d.Map, err = countMapIn(ctx, "karte-laender", i18n.T(ctx, "insights.map_made_title"), i18n.T(ctx, "insights.map_made_desc"), counts); err != nil {
		return err
	}
	return httpx.RenderOK(c, views.ScoreboardPage(httpx.Page(c, i18n.T(ctx, "insights.scoreboard_heading"), "/laender",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.states")}), d))
}

// HandleScoreboardTable answers GET /laender.csv and /laender.xlsx: the
// scoreboard with every figure and rank, numbers as numbers.
func (s *Site) HandleScoreboardTable(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t := export.Table{Name: i18n.T(ctx, "insights.xlsx_sheet")}
	// Every header is unique, so a spreadsheet or a CSV reader can address each column by name.
	for _, h := range []string{"insights.xlsx_land_key", "insights.xlsx_land", "insights.xlsx_population",
		"insights.xlsx_provided", "insights.xlsx_rank_provided",
		"insights.xlsx_received_external", "insights.xlsx_rank_received_external", "insights.xlsx_received_internal",
		"insights.xlsx_made", "insights.xlsx_rank_made", "insights.xlsx_made_live",
		"insights.xlsx_made_per_100k", "insights.xlsx_rank_made_per_100k",
		"insights.xlsx_reach", "insights.xlsx_rank_reach", "insights.xlsx_services_covered"} {
		t.Columns = append(t.Columns, export.Column{Header: i18n.T(ctx, h)})
	}
	t.Columns[1].Width = 24
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	for _, r := range e.Scoreboard() {
		t.Rows = append(t.Rows, []any{r.LandKey, r.Name, r.Population,
			r.Provided, r.Ranks[insights.ColProvided],
			r.ReceivedExternal, r.Ranks[insights.ColReceivedExternal], r.ReceivedInternal,
			r.Made, r.Ranks[insights.ColMade], r.MadeLive,
			round(r.MadePer100k), r.Ranks[insights.ColMadePer100k],
			round(r.Reach), r.Ranks[insights.ColReach], r.ServicesCovered})
	}
	return httpx.SendTable(c, t, "laendervergleich", httpx.ExportFormat(c))
}

// sendCSV answers with a semicolon-separated UTF-8 CSV with byte order mark,
// which German spreadsheet programs open correctly. The lines are written
// as they come, so a long table never sits in memory as a file.
func sendCSV(c echo.Context, filename string, lines iter.Seq[[]string]) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.WriteString(c.Response(), "\ufeff"); err != nil {
		return err
	}
	w := csv.NewWriter(c.Response())
	w.Comma = ';'
	w.UseCRLF = true
	for line := range lines {
		if err := w.Write(line); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// tableCSV is the head and the rows of a view table as CSV lines.
func tableCSV(t views.Table) iter.Seq[[]string] {
	return tableLines(&t, len(t.Rows), func(i int) []views.Cell { return t.Rows[i] })
}

// tableLines is the head of t and then n rows as CSV lines, row(i) making
// row i when it is written.
func tableLines(t *views.Table, n int, row func(i int) []views.Cell) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		if !yield(t.Head) {
			return
		}
		for i := range n {
			if !yield(csvLine(t, row(i))) {
				return
			}
		}
	}
}

// csvLine turns a row of a view table into a CSV line. Text cells are
// defused, so a name a user typed never runs as a spreadsheet formula;
// numbers stay numbers.
func csvLine(t *views.Table, row []views.Cell) []string {
	line := make([]string, len(row))
	for i, cell := range row {
		line[i] = cell.Text
		if !cell.Numeric && !t.NumericCols[i] {
			line[i] = export.Defuse(cell.Text)
		}
	}
	return line
}

// insightPages builds each /einblicke page; the same data serves its CSV tables.
func (s *Site) insightPages() map[string]func(echo.Context) (views.InsightPage, error) {
	return map[string]func(echo.Context) (views.InsightPage, error){
		"rendite":   s.savingsPage,
		"abdeckung": s.coveragePage,
		"luecken":   s.whiteSpotsPage,
		"nachfrage": s.demandPage,
	}
}

// insightNav links the insight pages to each other (labels are message ids).
var insightNav = []views.Link{
	{Label: "insights.nav_scoreboard", URL: "/laender"},
	{Label: "insights.savings_heading", URL: "/einblicke/rendite"},
	{Label: "insights.nav_coverage", URL: "/einblicke/abdeckung"},
	{Label: "insights.white_spots_heading", URL: "/einblicke/luecken"},
	{Label: "insights.demand_heading", URL: "/einblicke/nachfrage"},
}

// insightNavIn is insightNav in the language of ctx.
func insightNavIn(ctx context.Context) []views.Link {
	out := make([]views.Link, len(insightNav))
	for i, l := range insightNav {
		out[i] = views.Link{Label: i18n.T(ctx, l.Label), URL: l.URL}
	}
	return out
}

// HandleInsight renders one /einblicke page.
func (s *Site) HandleInsight(c echo.Context) error {
	build, ok := s.insightPages()[c.Param("seite")]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	d, err := build(c)
	if err != nil {
		return err
	}
	for i := range d.Sections {
		if err := pageSection(c, &d.Sections[i]); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	d.Nav = insightNavIn(ctx)
	return httpx.RenderOK(c, views.InsightsPage(httpx.Page(c, d.Heading, "/einblicke", views.Crumb{Label: i18n.T(ctx, "nav.insights"), URL: "/einblicke"}, views.Crumb{Label: d.Heading}), d))
}

// HandleInsightCSV serves one table of an /einblicke page as CSV: /einblicke/{seite}/{tabelle}.csv.
func (s *Site) HandleInsightCSV(c echo.Context) error {
	build, ok := s.insightPages()[c.Param("seite")]
	name, isCSV := strings.CutSuffix(c.Param("tabelle"), ".csv")
	if !ok || !isCSV {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	d, err := build(c)
	if err != nil {
		return err
	}
	for _, sec := range d.Sections {
		if sec.ID != name {
			continue
		}
		lines := tableCSV(sec.Table)
		if rows, ok := c.Get(csvRowsKey).(csvRows); ok && rows.section == name {
			lines = tableLines(&sec.Table, rows.n, rows.row)
		}
		return sendCSV(c, c.Param("seite")+"-"+name+".csv", lines)
	}
	return echo.NewHTTPError(http.StatusNotFound)
}

// csvRows is the long table a CSV download asks for, kept by
// buildPagedRows (under csvRowsKey) so that its rows are made one at a time
// while they are written.
type csvRows struct {
	section string
	n       int
	row     func(i int) []views.Cell
}

const csvRowsKey = "insights.csvRows"

// insightTableRows is how many rows a table of an insight page shows at a
// time; the CSV download holds them all.
const insightTableRows = 50

// pageSection cuts the page of a section's table that the query parameter
// "<section id>-seite" asks for, so each table of a page is paged on its
// own and the links keep the pages of the others. A page past the last is
// a 404.
func pageSection(c echo.Context, sec *views.TableSection) error {
	if sec.Pager != nil {
		// Paged while it was built (buildPagedRows).
		return nil
	}
	key := sec.ID + "-seite"
	p, err := httpx.PageOf(c, key, insightTableRows, int64(len(sec.Table.Rows)))
	if err != nil || p.Pages() == 1 {
		return err
	}
	lo, hi := p.Bounds(len(sec.Table.Rows))
	sec.Table.Rows = sec.Table.Rows[lo:hi]
	setPager(c, sec, p)
	return nil
}

// buildPagedRows fills the table of sec with the rows of a list of n
// items, row(i) making the row of item i: for the page only those of the
// page asked for, so a page of a long list costs no more than its rows. A
// CSV download (the route …/{tabelle}.csv) makes no rows here: for its own
// table it keeps n and row, and HandleInsightCSV makes each row as it
// writes it.
func buildPagedRows(c echo.Context, sec *views.TableSection, n int, row func(i int) []views.Cell) error {
	if table := c.Param("tabelle"); table != "" {
		if table == sec.ID+".csv" {
			c.Set(csvRowsKey, csvRows{section: sec.ID, n: n, row: row})
		}
		return nil
	}
	p, err := httpx.PageOf(c, sec.ID+"-seite", insightTableRows, int64(n))
	if err != nil {
		return err
	}
	lo, hi := p.Bounds(n)
	for i := lo; i < hi; i++ {
		sec.Table.Rows = append(sec.Table.Rows, row(i))
	}
	if p.Pages() > 1 {
		setPager(c, sec, p)
	}
	return nil
}

// setPager adds the range line and the page links of page p to sec.
func setPager(c echo.Context, sec *views.TableSection, p httpx.Paging) {
	key := sec.ID + "-seite"
	ctx := c.Request().Context()
	sec.Range = i18n.T(ctx, "insights.rows_range", "First", p.First(), "Last", p.Last(), "Total", p.Total)
	sec.Pager = &views.Pager{Page: p.Page, Pages: p.Pages(), URL: httpx.PageLinks(c, key, sec.ID),
		Label: i18n.T(ctx, "insights.table_pages", "Table", sec.Heading), TestID: "pagination-" + sec.ID}
}

func csvURL(pageName, table string) string { return "/einblicke/" + pageName + "/" + table + ".csv" }

// estimateFigureTexts are the English (or other) texts of the public figures
// of the seed file, by figure key: what the figure means and its source.
// A figure without an entry keeps the seed file's German text.
var estimateFigureTexts = map[string][2]string{
	"bundesmittel_efa_laender": {"insights.figure_funds_meaning", "insights.figure_funds_source"},
	"efa_loesungen":            {"insights.figure_solutions_meaning", "insights.figure_solutions_source"},
}

// estimateSources lists the public figures behind the default estimate as
// links; each sentence is made in the language of the page that shows it
// (SourceLink.In), Text holds it in German.
func estimateSources(est *insights.Estimate) []views.SourceLink {
	if est == nil {
		return nil
	}
	var out []views.SourceLink
	for _, f := range est.Figures {
		in := func(ctx context.Context) (string, bool) { return figureSource(ctx, f) }
		text, _ := in(context.Background())
		out = append(out, views.SourceLink{Text: text, URL: f.URL, In: in})
	}
	return out
}

// figureSource is the sentence about a public figure with its source in the
// language of ctx, and whether it is German data (a figure the catalogues
// have no text for).
func figureSource(ctx context.Context, f insights.Figure) (string, bool) {
	value := i18n.Int(ctx, int64(math.Round(f.Value)))
	if f.Unit == "EUR" {
		value = euroIn(ctx, f.Value)
	}
	meaning, source, german := f.Meaning, f.Source, false
	if ids, ok := estimateFigureTexts[f.Key]; ok {
		meaning, source = i18n.T(ctx, ids[0]), i18n.T(ctx, ids[1])
	} else {
		german = i18n.From(ctx) != i18n.DE
	}
	return i18n.T(ctx, "insights.figure_source", "Value", value, "Meaning", meaning,
		"Source", source, "AsOf", i18n.PartialDate(ctx, f.AsOf)), german
}

// savingsNotes are the texts of the notes and reasons of the savings per
// solution (insights.Note*, insights.Reason*; the API keeps them German).
var savingsNotes = map[string]string{
	insights.NoteNoYearlyCost:  "insights.note_no_yearly_cost",
	insights.NoteNoCostSharing: "insights.note_no_cost_sharing",
	insights.NoteNoWeight:      "insights.note_no_weight",
	insights.ReasonNoBuildCost: "insights.reason_no_build_cost",
}

// savingsNote localises a note or reason of the savings; an unknown one stays as it is.
func savingsNote(ctx context.Context, text string) string {
	if id, ok := savingsNotes[text]; ok {
		return i18n.T(ctx, id)
	}
	return text
}

func (s *Site) savingsPage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	ctx := c.Request().Context()
	sv := e.Savings()
	cfg := sv.Config
	estimate := i18n.T(ctx, "insights.estimate_none")
	if cfg.Estimate != nil && cfg.Estimate.BuildCostEUR > 0 {
		estimate = euroIn(ctx, cfg.Estimate.BuildCostEUR)
	}
	providerFigures := 0
	for _, ss := range sv.BySolution {
		if ss.Basis == insights.BasisProvider && ss.Quantified > 0 {
			providerFigures++
		}
	}
	d := views.InsightPage{Heading: i18n.T(ctx, "insights.savings_heading"),
		Intro: i18n.T(ctx, "insights.savings_intro"),
		Figures: []views.KeyFigure{{Label: i18n.T(ctx, "insights.fig_saving"), Value: totalSaving(ctx, sv)},
			{Label: i18n.T(ctx, "insights.fig_saving_estimated"), Value: euroRough(ctx, sv.EstimatedTotal)},
			{Label: i18n.T(ctx, "insights.fig_quantified"), Value: i18n.Int(ctx, int64(sv.Quantified))},
			{Label: i18n.T(ctx, "insights.fig_provider_figures"), Value: i18n.Int(ctx, int64(providerFigures))}},
		Method: []string{
			i18n.T(ctx, "insights.savings_method_counted"),
			i18n.T(ctx, "insights.savings_method_avoided", "Years", cfg.Years),
			i18n.T(ctx, "insights.savings_method_cost", "Share", shareIn(ctx, cfg.OnboardingShare), "Years", cfg.Years),
			i18n.T(ctx, "insights.savings_method_sharing"),
			i18n.T(ctx, "insights.savings_method_estimate", "Cost", estimate),
		},
		Sources: estimateSources(cfg.Estimate),
		Callout: &views.Callout{Title: i18n.T(ctx, "insights.savings_callout_title"),
			Text: i18n.T(ctx, "insights.savings_callout_text"),
			Link: views.Link{Label: i18n.T(ctx, "insights.savings_callout_link"), URL: "/anmelden"}}}
	laender := views.Table{Caption: i18n.T(ctx, "insights.savings_laender_caption"), TestID: "rendite-laender",
		Head: []string{i18n.T(ctx, "insights.col_land"), i18n.T(ctx, "insights.col_saving"), i18n.T(ctx, "insights.col_saving_estimated"),
			i18n.T(ctx, "insights.col_quantified")}, NumericCols: map[int]bool{1: true, 2: true, 3: true}}
	chart := views.Chart{ID: "diagramm-rendite", Title: i18n.T(ctx, "insights.chart_savings_title"),
		Desc: i18n.T(ctx, "insights.chart_savings_desc")}
	for _, r := range e.Scoreboard() {
		value := euroIn(ctx, sv.ByLand[r.LandKey])
		if sv.QuantifiedByLand[r.LandKey] == 0 && sv.OpenByLand[r.LandKey] > 0 {
			value = i18n.T(ctx, "insights.not_quantifiable")
		}
		laender.Rows = append(laender.Rows, []views.Cell{{Text: r.Name, URL: "/laender/" + r.LandKey}, {Text: value},
			{Text: euroIn(ctx, sv.EstimatedByLand[r.LandKey])}, {Text: i18n.Int(ctx, int64(sv.QuantifiedByLand[r.LandKey]))}})
		chart.Bars = append(chart.Bars, views.Bar{Label: r.Name, Value: sv.ByLand[r.LandKey], Display: value})
	}
	sols := views.TableSection{ID: "loesungen", Heading: i18n.T(ctx, "insights.per_solution"), CSV: csvURL("rendite", "loesungen"),
		Table: views.Table{Caption: i18n.T(ctx, "insights.savings_solutions_caption"), TestID: "rendite-loesungen",
			Head: []string{i18n.T(ctx, "insights.col_solution"), i18n.T(ctx, "insights.col_live"), i18n.T(ctx, "insights.col_saving"),
				i18n.T(ctx, "insights.col_basis"), i18n.T(ctx, "insights.col_provider_costs")}, NumericCols: map[int]bool{1: true, 2: true}}}
	// Only the rows of the page asked for are made: the list has a row per solution with live adoptions.
	err = buildPagedRows(c, &sols, len(sv.BySolution), func(i int) []views.Cell {
		ss := sv.BySolution[i]
		value := euroIn(ctx, ss.Saving)
		if ss.Quantified == 0 {
			value = i18n.T(ctx, "insights.not_quantifiable_because", "Reason", savingsNote(ctx, ss.Reason))
		}
		basis := i18n.T(ctx, "insights.basis_provider")
		if ss.Basis == insights.BasisEstimate {
			basis = i18n.T(ctx, "insights.basis_estimate")
		}
		if ss.Note != "" {
			basis = i18n.T(ctx, "insights.basis_with_note", "Basis", basis, "Note", savingsNote(ctx, ss.Note))
		}
		edit := views.Cell{Text: i18n.T(ctx, "insights.change_costs"), URL: "/loesungen/" + ss.Slug + "/bearbeiten#feld-buildCostEur"}
		if ss.Basis == insights.BasisEstimate {
			edit.Text = i18n.T(ctx, "insights.enter_costs")
		}
		return []views.Cell{{Text: ss.Name, URL: "/loesungen/" + ss.Slug, Data: true}, {Text: i18n.Int(ctx, int64(ss.Live))},
			{Text: value}, {Text: basis}, edit}
	})
	if err != nil {
		return views.InsightPage{}, err
	}
	// A chart of nothing but zeros says nothing: show it once there are figures.
	var chartPtr *views.Chart
	if sv.Quantified > 0 {
		chartPtr = &chart
	}
	d.Sections = []views.TableSection{
		{ID: "laender", Heading: i18n.T(ctx, "insights.per_land"), Table: laender, CSV: csvURL("rendite", "laender"), Chart: chartPtr},
		sols,
	}
	return d, nil
}

// totalSaving is the headline figure, or "nicht bezifferbar" when no adoption could be put in figures.
func totalSaving(ctx context.Context, sv insights.Savings) string {
	if sv.Quantified == 0 {
		return i18n.T(ctx, "insights.not_quantifiable")
	}
	return euroRough(ctx, sv.Total)
}

func (s *Site) coveragePage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	ctx := c.Request().Context()
	topics := e.Topics()
	d := views.InsightPage{Heading: i18n.T(ctx, "insights.coverage_heading"),
		Intro: i18n.T(ctx, "insights.coverage_intro"),
		Method: []string{
			i18n.T(ctx, "insights.coverage_method_reach"),
			i18n.T(ctx, "insights.coverage_method_mean"),
			i18n.T(ctx, "insights.coverage_method_services"),
		}}
	overview := views.Table{Caption: i18n.T(ctx, "insights.coverage_topics_caption"), TestID: "abdeckung-themenfelder",
		Head: []string{i18n.T(ctx, "insights.col_topic"), i18n.T(ctx, "insights.col_services"), i18n.T(ctx, "insights.col_with_solution"),
			i18n.T(ctx, "insights.col_covered_somewhere")}, NumericCols: map[int]bool{1: true, 2: true, 3: true}}
	head := []string{i18n.T(ctx, "insights.col_topic")}
	laender := e.Scoreboard()
	for _, l := range laender {
		head = append(head, l.Abbr)
	}
	matrix := views.Table{Caption: i18n.T(ctx, "insights.coverage_matrix_caption"), TestID: "abdeckung-matrix", Head: head, NumericCols: map[int]bool{}}
	for i := range laender {
		matrix.NumericCols[i+1] = true
	}
	for _, t := range topics {
		overview.Rows = append(overview.Rows, []views.Cell{{Text: t.Name, URL: "/themenfelder/" + strconv.FormatUint(uint64(t.TopicID), 10), Data: true},
			{Text: i18n.Int(ctx, int64(t.Services))}, {Text: i18n.Int(ctx, int64(t.WithSolution))}, {Text: i18n.Int(ctx, int64(t.CoveredSomewhere))}})
		row := []views.Cell{{Text: t.Name, Data: true}}
		for _, lc := range t.Laender {
			row = append(row, views.Cell{Text: shareIn(ctx, lc.Share)})
		}
		matrix.Rows = append(matrix.Rows, row)
	}
	d.Sections = []views.TableSection{
		{ID: "themenfelder", Heading: i18n.T(ctx, "insights.topics"), Table: overview, CSV: csvURL("abdeckung", "themenfelder")},
		{ID: "laender", Heading: i18n.T(ctx, "insights.per_land"), Table: matrix, CSV: csvURL("abdeckung", "laender")},
	}
	return d, nil
}

func (s *Site) whiteSpotsPage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	ctx := c.Request().Context()
	spots := e.WhiteSpots()
	topics, err := s.Store.TopicFields(ctx)
	if err != nil {
		return views.InsightPage{}, err
	}
	topicName := map[uint]string{}
	for _, t := range topics {
		topicName[t.ID] = t.Name
	}
	t := views.Table{Caption: i18n.T(ctx, "insights.white_spots_caption"), TestID: "weisse-flecken",
		Head: []string{i18n.T(ctx, "insights.col_service"), i18n.T(ctx, "insights.col_ozg_id"), i18n.T(ctx, "insights.col_topic")}}
	for _, sp := range spots {
		t.Rows = append(t.Rows, []views.Cell{{Text: sp.Name, URL: "/leistungen/" + sp.OZGID, Data: true}, {Text: sp.OZGID}, {Text: topicName[sp.Topic], Data: true}})
	}
	d := views.InsightPage{Heading: i18n.T(ctx, "insights.white_spots_heading"),
		Intro:    i18n.T(ctx, "insights.white_spots_intro", "Count", len(spots)),
		Figures:  []views.KeyFigure{{Label: i18n.T(ctx, "insights.white_spots_figure"), Value: i18n.Int(ctx, int64(len(spots)))}},
		Sections: []views.TableSection{{ID: "leistungen", Heading: i18n.T(ctx, "insights.white_spots_figure"), Table: t, CSV: csvURL("luecken", "leistungen")}}}
	// How far the standards profiles are filled: without one, the fit check answers "unbekannt".
	type counts struct{ with, total int64 }
	pc, err := storeCached(ctx, s, "profile-counts", func() (counts, error) {
		w, n, err := s.Store.ProfileCounts(ctx)
		return counts{w, n}, err
	})
	if err != nil {
		return d, err
	}
	d.Figures = append(d.Figures, views.KeyFigure{Label: i18n.T(ctx, "insights.profiles_figure"),
		Value: i18n.T(ctx, "insights.x_of_y", "X", pc.with, "Y", pc.total)})
	d.Callout = &views.Callout{Title: i18n.T(ctx, "insights.profiles_callout_title"),
		Text: i18n.T(ctx, "insights.profiles_callout_text", "With", pc.with, "Total", pc.total),
		Link: views.Link{Label: i18n.T(ctx, "insights.profiles_callout_link"), URL: "/datenquellen#standardliste"}}
	return d, nil
}

func (s *Site) demandPage(c echo.Context) (views.InsightPage, error) {
	ctx := c.Request().Context()
	d := views.InsightPage{Heading: i18n.T(ctx, "insights.demand_heading"),
		Intro: i18n.T(ctx, "insights.demand_intro"),
		Method: []string{
			i18n.T(ctx, "insights.demand_method_counted"),
			i18n.T(ctx, "insights.demand_method_privacy"),
		}}
	now := time.Now().UTC()
	for _, span := range []int{30, 90} {
		rows, err := s.Store.ZeroResultQueries(ctx, now.AddDate(0, 0, -span+1).Format("2006-01-02"), 50)
		if err != nil {
			return d, err
		}
		t := views.Table{Caption: i18n.T(ctx, "insights.demand_caption", "Days", span), TestID: fmt.Sprintf("nachfrage-%d", span),
			Head:        []string{i18n.T(ctx, "insights.col_query"), i18n.T(ctx, "insights.col_requests"), i18n.T(ctx, "insights.col_days")},
			NumericCols: map[int]bool{1: true, 2: true}}
		for _, r := range rows {
			t.Rows = append(t.Rows, []views.Cell{{Text: r.Query, URL: "/loesungen?" + url.Values{"q": {r.Query}}.Encode(), Data: true},
				{Text: i18n.Int(ctx, r.Count)}, {Text: i18n.Int(ctx, r.Days)}})
		}
		id := fmt.Sprintf("tage-%d", span)
		d.Sections = append(d.Sections, views.TableSection{ID: id, Heading: i18n.T(ctx, "insights.demand_section", "Days", span), Table: t, CSV: csvURL("nachfrage", id)})
	}
	return d, nil
}

// gapSolutionNames is how many solutions a row of a Land's gaps names.
const gapSolutionNames = 5
