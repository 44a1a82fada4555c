package web

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

const (
	maxImportBytes = 2 << 20
	maxImportRows  = 5000
)

// statusByWord accepts the German labels and the English keys of the
// adoption statuses (the CSV's values are a file contract: German stays).
func statusByWord(word string) (catalog.AdoptionStatus, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	for _, s := range catalog.AdoptionStatuses {
		if w == string(s) || w == strings.ToLower(s.Label()) {
			return s, true
		}
	}
	return "", false
}

// importLine is one parsed CSV row before it reaches the store.
type importLine struct {
	line                  int
	solution, key, status string
	input                 store.AdoptionInput
	// err is why the row is refused (empty ID: no error yet).
	err i18n.Message
}

// parseImportCSV reads the CSV: a header with the named columns, semicolon
// or comma separated. It returns the rows or an error for the whole file (an
// i18n.Message where the file is at fault; localise with i18n.Localize).
func parseImportCSV(r io.Reader) ([]importLine, error) {
	cr, col, err := export.OpenCSV(r, "loesung", "schluessel", "status")
	if err != nil {
		return nil, err
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []importLine
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, i18n.M("import.err_not_csv", "Line", pe.Line)
			}
			return nil, i18n.M("import.err_unreadable")
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= maxImportRows {
			return nil, i18n.M("import.err_too_many_rows", "Max", maxImportRows)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		l := importLine{line: line, solution: get(rec, "loesung"), key: get(rec, "schluessel"), status: get(rec, "status")}
		st, ok := statusByWord(l.status)
		switch {
		case l.solution == "":
			l.err = i18n.M("import.err_no_solution")
		case !ok:
			l.err = i18n.M("import.err_unknown_status", "Status", l.status)
		}
		l.input = store.AdoptionInput{SolutionSlug: l.solution, Adoption: catalog.Adoption{Status: st, Since: get(rec, "seit"),
			ContractType: get(rec, "vertragsart"), Note: get(rec, "notiz")}}
		switch k := l.key; {
		case l.err.ID != "":
		case catalog.ValidAGS(k):
			l.input.AdopterKind = catalog.KindGemeinde // resolved to the ARS below
		case catalog.ValidARS(k):
			l.input.AdopterKind, l.input.AdopterKey = catalog.KindGemeinde, k
		case len(k) == 5 && strings.Trim(k, "0123456789") == "":
			l.input.AdopterKind, l.input.AdopterKey = catalog.KindKreis, k
		default:
			l.err = i18n.M("import.err_bad_key", "Key", k)
		}
		out = append(out, l)
	}
}

func (s *Site) importPage(c echo.Context, status int, d views.ImportData) error {
	ctx := c.Request().Context()
	return httpx.Render(c, status, views.ImportPage(httpx.Page(c, i18n.T(ctx, "import.heading"), "/konto",
		views.Crumb{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, views.Crumb{Label: i18n.T(ctx, "import.crumb")}), d), nil)
}

func coordinatesOrAdmin(p catalog.Principal) bool { return p.Admin || len(p.Coordinates()) > 0 }

// HandleImportForm shows the upload form to coordinators and admins.
func (s *Site) HandleImportForm(c echo.Context) error {
	if !coordinatesOrAdmin(httpx.Principal(c)) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("import.err_coordinators_only"))
	}
	return s.importPage(c, http.StatusOK, views.ImportData{AllOrNothing: true})
}

// HandleImport registers the adoptions of an uploaded CSV and reports every row.
func (s *Site) HandleImport(c echo.Context) error {
	p := httpx.Principal(c)
	if !coordinatesOrAdmin(p) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("import.err_coordinators_only"))
	}
	ctx := c.Request().Context()
	d := views.ImportData{AllOrNothing: c.FormValue("alles_oder_nichts") == "ja"}
	fh, err := c.FormFile("datei")
	if err != nil {
		d.Error = i18n.T(ctx, "import.err_choose_file")
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	if fh.Size > maxImportBytes {
		d.Error = i18n.T(ctx, "import.err_too_large")
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	lines, err := parseImportCSV(io.LimitReader(f, maxImportBytes))
	if err != nil {
		d.Error = i18n.Localize(ctx, err)
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	d.Rows, d.Applied, err = s.applyImport(ctx, p, lines, d.AllOrNothing)
	if err != nil {
		return err
	}
	for _, r := range d.Rows {
		if r.Accepted {
			d.Accepted++
		} else {
			d.Rejected++
		}
	}
	d.Done = true
	s.Log.InfoContext(c.Request().Context(), "bulk import", "actor", p.Actor(), "accepted", d.Accepted, "rejected", d.Rejected, "applied", d.Applied)
	return s.importPage(c, http.StatusOK, d)
}

// applyImport resolves the rows, checks the Land of each adopter and writes
// the valid rows in one transaction (or none when allOrNothing and a row fails).
func (s *Site) applyImport(ctx context.Context, p catalog.Principal, lines []importLine, allOrNothing bool) ([]views.ImportRow, bool, error) {
	rows := make([]views.ImportRow, len(lines))
	var inputs []store.AdoptionInput
	var idx []int
	for i, l := range lines {
		rows[i] = views.ImportRow{Line: l.line, Solution: l.solution, Adopter: l.key, Status: l.status}
		if l.err.ID == "" && l.input.AdopterKey == "" { // AGS given: find the Gemeinde
			o, err := s.Store.OrganisationByAGS(ctx, l.key)
			if err != nil {
				l.err = i18n.M("import.err_no_gemeinde", "AGS", l.key)
			} else {
				l.input.AdopterKey = o.Key
			}
		}
		if l.err.ID != "" {
			rows[i].Reason = i18n.Localize(ctx, l.err)
			continue
		}
		inputs, idx = append(inputs, l.input), append(idx, i)
	}
	anyRejected := len(inputs) < len(lines)
	mode := store.ApplyValid
	switch {
	case allOrNothing && anyRejected:
		// Check the remaining rows without writing, so the report covers them too.
		mode = store.DryRun
	case allOrNothing:
		mode = store.AllOrNothing
	}
	results, applied, err := s.Store.RegisterAdoptions(ctx, p, inputs, mode)
	if err != nil {
		return nil, false, err
	}
	for k, r := range results {
		row := &rows[idx[k]]
		row.Accepted = r.Err == nil
		if r.Err != nil {
			row.Reason = importReason(ctx, r.Err)
		}
	}
	return rows, applied && len(inputs) > 0, nil
}

// importReason turns a row error into a reason in the reader's language
// (messages of the store that are still German strings stay German).
func importReason(ctx context.Context, err error) string {
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		fields := ve.In(ctx)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		msgs := make([]string, len(keys))
		for i, k := range keys {
			msgs[i] = fields[k]
		}
		return strings.Join(msgs, " ")
	}
	var m i18n.Message
	if errors.As(err, &m) {
		return i18n.Localize(ctx, m)
	}
	if m, ok := store.ForbiddenMsg(err); ok {
		return i18n.Localize(ctx, m) + "." // the store's message is a clause
	}
	if errors.Is(err, catalog.ErrForbidden) {
		return i18n.T(ctx, "import.err_forbidden_org")
	}
	return i18n.T(ctx, "import.err_row_failed")
}
