package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
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

func fmtFloat(v float64, digits int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', digits, 64), ".", ",", 1)
}

func fmtShare(v float64) string { return views.FormatPercent(v * 100) }

func fmtEuro(v float64) string { return views.FormatEuro(int64(math.Round(v))) }

// fmtEuroRough is an estimate's headline: "rund 163,2 Mio. €" rather than a
// precision the estimate does not have; exact below a million.
func fmtEuroRough(v float64) string {
	if math.Abs(v) < 1e6 {
		return fmtEuro(v)
	}
	return "rund " + fmtFloat(v/1e6, 1) + " Mio. €"
}

// scoreColumns are the sortable columns of the scoreboard, each with the
// sentence that defines it on the page.
var scoreColumns = []struct{ key, label, definition string }{
	{insights.ColProvided, "Bereitgestellt",
		"Zahl der Lösungen, deren Anbieter das Land ist."},
	{insights.ColReceivedExternal, "Nachnutzung durch andere",
		"Zahl der Nachnutzungen der Lösungen des Landes durch andere Länder und deren Kreise und Gemeinden, in jedem Status."},
	{insights.ColMade, "Eigene Nachnutzungen",
		"Zahl der Nachnutzungen durch das Land selbst und seine Kreise und Gemeinden, in jedem Status."},
	{insights.ColMadePer100k, "Eigene je 100.000 Einwohner",
		"Eigene Nachnutzungen geteilt durch die Einwohnerzahl des Landes, mal 100.000."},
	{insights.ColReach, "Reichweite",
		"OZG-Leistungen je Einwohner: wie viele OZG-Leistungen eine Einwohnerin oder ein Einwohner des Landes im Durchschnitt über eine Lösung in Betrieb erreicht: " +
			"für jede OZG-Leistung der Anteil der Bevölkerung, dessen Gemeinde, Kreis oder Land eine Lösung für sie in Betrieb hat, summiert über alle OZG-Leistungen. " +
			"Zehn Leistungen im ganzen Land ergeben 10,0, zehn Leistungen für die halbe Bevölkerung 5,0, zwei Leistungen im ganzen Land 2,0."},
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
func scoreCells(r insights.Row) []views.ScoreCell {
	return []views.ScoreCell{
		{Text: strconv.Itoa(r.Provided), Rank: r.Ranks[insights.ColProvided]},
		{Text: strconv.Itoa(r.ReceivedExternal), Rank: r.Ranks[insights.ColReceivedExternal]},
		{Text: strconv.Itoa(r.Made), Rank: r.Ranks[insights.ColMade]},
		{Text: fmtFloat(r.MadePer100k, 2), Rank: r.Ranks[insights.ColMadePer100k]},
		{Text: fmtFloat(r.Reach, 2), Rank: r.Ranks[insights.ColReach]},
	}
}

// sortScoreboard orders rows by a column; "name" and "" sort by Land name.
func sortScoreboard(rows []insights.Row, col string, asc bool) error {
	valid := col == "" || col == "name"
	for _, c := range scoreColumns {
		valid = valid || c.key == col
	}
	if !valid {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("Unbekannte Sortierung „%s“.", col))
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
	col, dir := c.QueryParam("sortierung"), c.QueryParam("richtung")
	if dir != "" && dir != "auf" && dir != "ab" {
		return echo.NewHTTPError(http.StatusBadRequest, "Die Richtung ist „auf“ oder „ab“.")
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
		d.Columns = append(d.Columns, views.ScoreColumn{Key: sc.key, Label: sc.label, Definition: sc.definition, Sorted: sorted,
			SortURL: "/laender?" + url.Values{"sortierung": {sc.key}, "richtung": {next}}.Encode()})
	}
	d.Chart = views.Chart{ID: "diagramm-nachnutzungen", Title: "Eigene Nachnutzungen je 100.000 Einwohner",
		Desc: "Balkendiagramm: für jedes Land die Zahl der Nachnutzungen durch das Land und seine Kommunen je 100.000 Einwohner."}
	counts := map[string]int64{}
	for _, r := range rows {
		d.Rows = append(d.Rows, views.ScoreRow{Land: views.Link{Label: r.Name, URL: "/laender/" + r.LandKey}, Cells: scoreCells(r)})
		d.Chart.Bars = append(d.Chart.Bars, views.Bar{Label: r.Name, Value: r.MadePer100k, Display: fmtFloat(r.MadePer100k, 2)})
		counts[r.LandKey] = int64(r.Made)
	}
	if d.Map, err = countMap("karte-laender", "Nachnutzungen je Land",
		"Karte der 16 Länder, eingefärbt nach der Zahl der Nachnutzungen durch das Land, seine Kreise und Gemeinden. Die Tabelle oben enthält dieselben Zahlen.",
		"Nachnutzungen", counts); err != nil {
		return err
	}
	return httpx.RenderOK(c, views.ScoreboardPage(httpx.Page(c, "Länder im Vergleich", "/laender", views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Länder"}), d))
}

// HandleScoreboardTable answers GET /laender.csv and /laender.xlsx: the
// scoreboard with every figure and rank, numbers as numbers.
func (s *Site) HandleScoreboardTable(c echo.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	t := export.Table{Name: "Ländervergleich"}
	// Every header is unique, so a spreadsheet or a CSV reader can address each column by name.
	for _, h := range []string{"Länderschlüssel", "Land", "Einwohner",
		"Bereitgestellt", "Rang Bereitgestellt",
		"Nachnutzung durch andere", "Rang Nachnutzung durch andere", "Nachnutzung im eigenen Land",
		"Eigene Nachnutzungen", "Rang Eigene Nachnutzungen", "Eigene Nachnutzungen in Betrieb",
		"Nachnutzungen je 100.000 Einwohner", "Rang Nachnutzungen je 100.000 Einwohner",
		"Reichweite (Leistungen je Einwohner)", "Rang Reichweite", "OZG-Leistungen mit Nachnutzung in Betrieb im Land"} {
		t.Columns = append(t.Columns, export.Column{Header: h})
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
// which German spreadsheet programs open correctly.
func sendCSV(c echo.Context, filename string, rows [][]string) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// tableCSV turns a view table into CSV rows. Text cells are defused, so a
// name a user typed never runs as a spreadsheet formula; numbers stay numbers.
func tableCSV(t views.Table) [][]string {
	out := [][]string{t.Head}
	for _, row := range t.Rows {
		line := make([]string, len(row))
		for i, cell := range row {
			line[i] = cell.Text
			if !cell.Numeric && !t.NumericCols[i] {
				line[i] = export.Defuse(cell.Text)
			}
		}
		out = append(out, line)
	}
	return out
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

var insightNav = []views.Link{
	{Label: "Länder im Vergleich", URL: "/laender"},
	{Label: "Digitalisierungsrendite", URL: "/einblicke/rendite"},
	{Label: "Abdeckung", URL: "/einblicke/abdeckung"},
	{Label: "Wo fehlt noch eine Lösung?", URL: "/einblicke/luecken"},
	{Label: "Nachfrage-Radar", URL: "/einblicke/nachfrage"},
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
	d.Nav = insightNav
	return httpx.RenderOK(c, views.InsightsPage(httpx.Page(c, d.Heading, "/einblicke", views.Crumb{Label: "Einblicke", URL: "/einblicke"}, views.Crumb{Label: d.Heading}), d))
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
		if sec.ID == name {
			return sendCSV(c, c.Param("seite")+"-"+name+".csv", tableCSV(sec.Table))
		}
	}
	return echo.NewHTTPError(http.StatusNotFound)
}

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
// items, row(i) making the row of item i: for the CSV (the route
// …/{tabelle}.csv) every row, for the page only those of the page asked
// for, so a page of a long list costs no more than its rows.
func buildPagedRows(c echo.Context, sec *views.TableSection, n int, row func(i int) []views.Cell) error {
	if c.Param("tabelle") != "" {
		for i := range n {
			sec.Table.Rows = append(sec.Table.Rows, row(i))
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
	sec.Range = fmt.Sprintf("Zeilen %s bis %s von %s; die ganze Tabelle steht im Download.",
		views.FormatInt(p.First()), views.FormatInt(p.Last()), views.FormatInt(p.Total))
	sec.Pager = &views.Pager{Page: p.Page, Pages: p.Pages(), URL: httpx.PageLinks(c, key, sec.ID),
		Label: "Seiten der Tabelle „" + sec.Heading + "“", TestID: "pagination-" + sec.ID}
}

func csvURL(pageName, table string) string { return "/einblicke/" + pageName + "/" + table + ".csv" }

// estimateSources lists the public figures behind the default estimate as links.
func estimateSources(est *insights.Estimate) []views.SourceLink {
	if est == nil {
		return nil
	}
	var out []views.SourceLink
	for _, f := range est.Figures {
		value := views.FormatInt(int64(math.Round(f.Value)))
		if f.Unit == "EUR" {
			value = fmtEuro(f.Value)
		}
		out = append(out, views.SourceLink{Text: value + ": " + f.Meaning + ". Quelle: " + f.Source + ", Stand " + views.FormatPartialDate(f.AsOf) + ".",
			URL: f.URL})
	}
	return out
}

func (s *Site) savingsPage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	sv := e.Savings()
	cfg := sv.Config
	estimate := "keine"
	if cfg.Estimate != nil && cfg.Estimate.BuildCostEUR > 0 {
		estimate = fmtEuro(cfg.Estimate.BuildCostEUR)
	}
	providerFigures := 0
	for _, ss := range sv.BySolution {
		if ss.Basis == insights.BasisProvider && ss.Quantified > 0 {
			providerFigures++
		}
	}
	d := views.InsightPage{Heading: "Digitalisierungsrendite",
		Intro: "Was die Nachnutzung von EfA-Lösungen an Entwicklungs- und Betriebskosten erspart. Alle Beträge sind Schätzungen mit offengelegten Annahmen; " +
			"wo der Anbieter keine Kosten eingetragen hat, wird mit einem Standardwert aus öffentlichen Zahlen geschätzt.",
		Figures: []views.KeyFigure{{Label: "geschätzte Ersparnis (Schätzung)", Value: totalSaving(sv)},
			{Label: "davon mit dem Standardwert geschätzt", Value: fmtEuroRough(sv.EstimatedTotal)},
			{Label: "gerechnete Nachnutzungen in Betrieb", Value: strconv.Itoa(sv.Quantified)},
			{Label: "Lösungen mit Kostenangaben des Anbieters", Value: strconv.Itoa(providerFigures)}},
		Method: []string{
			"Gezählt werden Nachnutzungen mit dem Status „in Betrieb“; vom Anbieter gemeldete, vom Nachnutzer noch nicht bestätigte Nachnutzungen zählen nicht.",
			"Vermieden: die Entwicklungskosten einer eigenen Lösung. Hat der Anbieter Betriebskosten und einen Kostenschlüssel eingetragen, " +
				fmt.Sprintf("zählt auch der eigene Betrieb über %d Jahre, der entfallen ist.", cfg.Years),
			fmt.Sprintf("Kosten der Nachnutzung: einmalig %s der Entwicklungskosten für die Anbindung und, wenn Betriebskosten eingetragen sind, der Anteil an den jährlichen Betriebskosten über %d Jahre.", fmtShare(cfg.OnboardingShare), cfg.Years),
			"Den Betrieb teilen sich der Anbieter (außer dem Bund) und alle Nachnutzenden in Betrieb nach dem Kostenschlüssel der Lösung: Königsteiner Schlüssel (2016; Kreise und Gemeinden mit dem Bevölkerungsanteil ihres Landes), Einwohnerzahl oder gleiche Anteile.",
			"Standardwert (Schätzung) für Lösungen ohne Kostenangaben: Entwicklungskosten von " + estimate + " je Lösung, ohne Betriebskosten. " +
				"Das ist der Durchschnitt der Bundesmittel für EfA-Onlinedienste je EfA-Lösung laut Bundesrechnungshof (Quellen unten). " +
				"Echte Lösungen kosten weit mehr oder weniger; der Wert zeigt die Größenordnung, nicht den Betrag einer Lösung.",
		},
		Sources: estimateSources(cfg.Estimate),
		Callout: &views.Callout{Title: "Sie stellen eine Lösung bereit?",
			Text: "Tragen Sie auf der Seite Ihrer Lösung unter „Bearbeiten“ die Entwicklungskosten, die jährlichen Betriebskosten und den Kostenschlüssel ein. " +
				"Dann rechnet diese Seite für Ihre Lösung mit Ihren Zahlen statt mit dem Standardwert. In der Tabelle „Je Lösung“ führt „Kosten eintragen“ direkt zum Formular.",
			Link: views.Link{Label: "Anmelden und Kosten eintragen", URL: "/anmelden"}}}
	laender := views.Table{Caption: "Geschätzte Ersparnis je Land (Nachnutzungen durch das Land und seine Kommunen)", TestID: "rendite-laender",
		Head: []string{"Land", "Ersparnis (Schätzung)", "davon mit Standardwert", "gerechnete Nachnutzungen"}, NumericCols: map[int]bool{1: true, 2: true, 3: true}}
	chart := views.Chart{ID: "diagramm-rendite", Title: "Geschätzte Ersparnis je Land in Euro (Schätzung)",
		Desc: "Balkendiagramm der geschätzten Ersparnis durch Nachnutzung je Land."}
	for _, r := range e.Scoreboard() {
		value := fmtEuro(sv.ByLand[r.LandKey])
		if sv.QuantifiedByLand[r.LandKey] == 0 && sv.OpenByLand[r.LandKey] > 0 {
			value = "nicht bezifferbar"
		}
		laender.Rows = append(laender.Rows, []views.Cell{{Text: r.Name, URL: "/laender/" + r.LandKey}, {Text: value},
			{Text: fmtEuro(sv.EstimatedByLand[r.LandKey])}, {Text: strconv.Itoa(sv.QuantifiedByLand[r.LandKey])}})
		chart.Bars = append(chart.Bars, views.Bar{Label: r.Name, Value: sv.ByLand[r.LandKey], Display: value})
	}
	sols := views.TableSection{ID: "loesungen", Heading: "Je Lösung", CSV: csvURL("rendite", "loesungen"),
		Table: views.Table{Caption: "Geschätzte Ersparnis je Lösung", TestID: "rendite-loesungen",
			Head: []string{"Lösung", "in Betrieb", "Ersparnis (Schätzung)", "Grundlage", "Kosten des Anbieters"}, NumericCols: map[int]bool{1: true, 2: true}}}
	// Only the rows of the page asked for are made: the list has a row per solution with live adoptions.
	err = buildPagedRows(c, &sols, len(sv.BySolution), func(i int) []views.Cell {
		ss := sv.BySolution[i]
		value := fmtEuro(ss.Saving)
		if ss.Quantified == 0 {
			value = "nicht bezifferbar (" + ss.Reason + ")"
		}
		basis := "Angaben des Anbieters"
		if ss.Basis == insights.BasisEstimate {
			basis = "Schätzung mit Standardwert"
		}
		if ss.Note != "" {
			basis += ", " + ss.Note
		}
		edit := views.Cell{Text: "Kosten ändern", URL: "/loesungen/" + ss.Slug + "/bearbeiten#feld-buildCostEur"}
		if ss.Basis == insights.BasisEstimate {
			edit.Text = "Kosten eintragen"
		}
		return []views.Cell{{Text: ss.Name, URL: "/loesungen/" + ss.Slug}, {Text: strconv.Itoa(ss.Live)},
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
		{ID: "laender", Heading: "Je Land", Table: laender, CSV: csvURL("rendite", "laender"), Chart: chartPtr},
		sols,
	}
	return d, nil
}

// totalSaving is the headline figure, or "nicht bezifferbar" when no adoption could be put in figures.
func totalSaving(sv insights.Savings) string {
	if sv.Quantified == 0 {
		return "nicht bezifferbar"
	}
	return fmtEuroRough(sv.Total)
}

func (s *Site) coveragePage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	topics := e.Topics()
	d := views.InsightPage{Heading: "Abdeckung der Themenfelder",
		Intro: "Welcher Anteil der Bevölkerung je Land eine Lösung in Betrieb erreicht – über alle OZG-Leistungen eines Themenfelds gemittelt.",
		Method: []string{
			"Eine OZG-Leistung erreicht eine Gemeinde, wenn eine Lösung für sie dort in Betrieb ist: nachgenutzt von der Gemeinde, ihrem Kreis oder ihrem Land.",
			"Je Land und Themenfeld: Mittelwert über alle OZG-Leistungen des Themenfelds (Katalog 2019) des erreichten Bevölkerungsanteils.",
			"Die Karte und die Tabelle jeder OZG-Leistung stehen auf ihrer Seite unter „Leistungen“.",
		}}
	overview := views.Table{Caption: "Themenfelder: OZG-Leistungen, davon mit Lösung und irgendwo in Betrieb", TestID: "abdeckung-themenfelder",
		Head: []string{"Themenfeld", "OZG-Leistungen", "mit Lösung", "in Betrieb erreichbar"}, NumericCols: map[int]bool{1: true, 2: true, 3: true}}
	head := []string{"Themenfeld"}
	laender := e.Scoreboard()
	for _, l := range laender {
		head = append(head, l.Abbr)
	}
	matrix := views.Table{Caption: "Erreichter Bevölkerungsanteil je Themenfeld und Land", TestID: "abdeckung-matrix", Head: head, NumericCols: map[int]bool{}}
	for i := range laender {
		matrix.NumericCols[i+1] = true
	}
	for _, t := range topics {
		overview.Rows = append(overview.Rows, []views.Cell{{Text: t.Name, URL: "/themenfelder/" + strconv.FormatUint(uint64(t.TopicID), 10)},
			{Text: strconv.Itoa(t.Services)}, {Text: strconv.Itoa(t.WithSolution)}, {Text: strconv.Itoa(t.CoveredSomewhere)}})
		row := []views.Cell{{Text: t.Name}}
		for _, lc := range t.Laender {
			row = append(row, views.Cell{Text: fmtShare(lc.Share)})
		}
		matrix.Rows = append(matrix.Rows, row)
	}
	d.Sections = []views.TableSection{
		{ID: "themenfelder", Heading: "Themenfelder", Table: overview, CSV: csvURL("abdeckung", "themenfelder")},
		{ID: "laender", Heading: "Je Land", Table: matrix, CSV: csvURL("abdeckung", "laender")},
	}
	return d, nil
}

func (s *Site) whiteSpotsPage(c echo.Context) (views.InsightPage, error) {
	e, err := s.engine()
	if err != nil {
		return views.InsightPage{}, err
	}
	spots := e.WhiteSpots()
	topics, err := s.Store.TopicFields(c.Request().Context())
	if err != nil {
		return views.InsightPage{}, err
	}
	topicName := map[uint]string{}
	for _, t := range topics {
		topicName[t.ID] = t.Name
	}
	t := views.Table{Caption: "OZG-Leistungen ohne Lösung im Register", TestID: "weisse-flecken",
		Head: []string{"OZG-Leistung", "OZG-ID", "Themenfeld"}}
	for _, sp := range spots {
		t.Rows = append(t.Rows, []views.Cell{{Text: sp.Name, URL: "/leistungen/" + sp.OZGID}, {Text: sp.OZGID}, {Text: topicName[sp.Topic]}})
	}
	d := views.InsightPage{Heading: "Wo fehlt noch eine Lösung?",
		Intro:    fmt.Sprintf("%d der OZG-Leistungen des Katalogs haben noch keine Lösung im Register. Was einem Land fehlt, zeigt die Seite des Landes.", len(spots)),
		Figures:  []views.KeyFigure{{Label: "OZG-Leistungen ohne Lösung", Value: strconv.Itoa(len(spots))}},
		Sections: []views.TableSection{{ID: "leistungen", Heading: "OZG-Leistungen ohne Lösung", Table: t, CSV: csvURL("luecken", "leistungen")}}}
	// How far the standards profiles are filled: without one, the fit check answers "unbekannt".
	type counts struct{ with, total int64 }
	pc, err := storeCached(c.Request().Context(), s, "profile-counts", func() (counts, error) {
		w, n, err := s.Store.ProfileCounts(c.Request().Context())
		return counts{w, n}, err
	})
	if err != nil {
		return d, err
	}
	d.Figures = append(d.Figures, views.KeyFigure{Label: "Lösungen mit Standardprofil",
		Value: views.FormatInt(pc.with) + " von " + views.FormatInt(pc.total)})
	d.Callout = &views.Callout{Title: "Standardprofile ergänzen",
		Text: fmt.Sprintf("%s von %s Lösungen haben ein Standardprofil. Ohne Profil kann das Register Kommunen nicht sagen, ob eine Lösung zu ihnen passt („unbekannt“). Anbieter ergänzen es in der Bearbeitung ihrer Lösung oder über die API (standardsProfile).",
			views.FormatInt(pc.with), views.FormatInt(pc.total)),
		Link: views.Link{Label: "Die Standardliste mit ihren Quellen", URL: "/datenquellen#standardliste"}}
	return d, nil
}

func (s *Site) demandPage(c echo.Context) (views.InsightPage, error) {
	ctx := c.Request().Context()
	d := views.InsightPage{Heading: "Nachfrage-Radar",
		Intro: "Wonach im Register gesucht wird, ohne dass es eine Lösung gibt: Hinweise darauf, was Verwaltungen brauchen und noch niemand anbietet.",
		Method: []string{
			"Gezählt werden Suchanfragen ohne Treffer, vereinheitlicht (Kleinschreibung, einfache Leerzeichen), je Tag.",
			"Es werden keine personenbezogenen Daten gespeichert: keine Person, keine Adresse, keine Uhrzeit.",
		}}
	now := time.Now().UTC()
	for _, span := range []int{30, 90} {
		rows, err := s.Store.ZeroResultQueries(ctx, now.AddDate(0, 0, -span+1).Format("2006-01-02"), 50)
		if err != nil {
			return d, err
		}
		t := views.Table{Caption: fmt.Sprintf("Häufigste Suchen ohne Treffer in den letzten %d Tagen", span), TestID: fmt.Sprintf("nachfrage-%d", span),
			Head: []string{"Suchbegriff", "Anfragen", "an Tagen"}, NumericCols: map[int]bool{1: true, 2: true}}
		for _, r := range rows {
			t.Rows = append(t.Rows, []views.Cell{{Text: r.Query, URL: "/loesungen?" + url.Values{"q": {r.Query}}.Encode()},
				{Text: strconv.FormatInt(r.Count, 10)}, {Text: strconv.FormatInt(r.Days, 10)}})
		}
		id := fmt.Sprintf("tage-%d", span)
		d.Sections = append(d.Sections, views.TableSection{ID: id, Heading: fmt.Sprintf("Letzte %d Tage", span), Table: t, CSV: csvURL("nachfrage", id)})
	}
	return d, nil
}

// gapSolutionNames is how many solutions a row of a Land's gaps names.
const gapSolutionNames = 5
