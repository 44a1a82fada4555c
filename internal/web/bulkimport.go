package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
	"efa-register/views"
)

const (
	maxImportBytes = 2 << 20
	maxImportRows  = 5000
)

// statusByWord accepts the German labels and the English keys of the adoption statuses.
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
	err                   string
}

// parseImportCSV reads the CSV: a header with the named columns, semicolon
// or comma separated. It returns the rows or a German error for the whole file.
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
				return nil, fmt.Errorf("Zeile %d ist kein gültiges CSV (%s).", pe.Line, "Anführungszeichen prüfen")
			}
			return nil, errors.New("Die Datei konnte nicht gelesen werden.")
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= maxImportRows {
			return nil, fmt.Errorf("Die Datei hat mehr als %d Zeilen. Bitte teilen Sie sie auf.", maxImportRows)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		l := importLine{line: line, solution: get(rec, "loesung"), key: get(rec, "schluessel"), status: get(rec, "status")}
		st, ok := statusByWord(l.status)
		switch {
		case l.solution == "":
			l.err = "Spalte „loesung“ ist leer."
		case !ok:
			l.err = fmt.Sprintf("Unbekannter Status „%s“.", l.status)
		}
		l.input = store.AdoptionInput{SolutionSlug: l.solution, Adoption: catalog.Adoption{Status: st, Since: get(rec, "seit"),
			ContractType: get(rec, "vertragsart"), Note: get(rec, "notiz")}}
		switch k := l.key; {
		case l.err != "":
		case catalog.ValidAGS(k):
			l.input.AdopterKind = catalog.KindGemeinde // resolved to the ARS below
		case catalog.ValidARS(k):
			l.input.AdopterKind, l.input.AdopterKey = catalog.KindGemeinde, k
		case len(k) == 5 && strings.Trim(k, "0123456789") == "":
			l.input.AdopterKind, l.input.AdopterKey = catalog.KindKreis, k
		default:
			l.err = fmt.Sprintf("„%s“ ist kein AGS (8 Ziffern), ARS (12 Ziffern) oder Kreisschlüssel (5 Ziffern).", k)
		}
		out = append(out, l)
	}
}

func (s *Site) importPage(c echo.Context, status int, d views.ImportData) error {
	return httpx.Render(c, status, views.ImportPage(httpx.Page(c, "Nachnutzungen per CSV-Datei eintragen", "/konto",
		views.Crumb{Label: "Mein Konto", URL: "/konto"}, views.Crumb{Label: "CSV-Import"}), d), nil)
}

func coordinatesOrAdmin(p catalog.Principal) bool { return p.Admin || len(p.Coordinates()) > 0 }

// HandleImportForm shows the upload form to coordinators and admins.
func (s *Site) HandleImportForm(c echo.Context) error {
	if !coordinatesOrAdmin(httpx.Principal(c)) {
		return echo.NewHTTPError(http.StatusForbidden, "Den CSV-Import nutzen Landeskoordinationen.")
	}
	return s.importPage(c, http.StatusOK, views.ImportData{AllOrNothing: true})
}

// HandleImport registers the adoptions of an uploaded CSV and reports every row.
func (s *Site) HandleImport(c echo.Context) error {
	p := httpx.Principal(c)
	if !coordinatesOrAdmin(p) {
		return echo.NewHTTPError(http.StatusForbidden, "Den CSV-Import nutzen Landeskoordinationen.")
	}
	d := views.ImportData{AllOrNothing: c.FormValue("alles_oder_nichts") == "ja"}
	fh, err := c.FormFile("datei")
	if err != nil {
		d.Error = "Bitte wählen Sie eine CSV-Datei aus."
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	if fh.Size > maxImportBytes {
		d.Error = "Die Datei ist größer als 2 MB."
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	lines, err := parseImportCSV(io.LimitReader(f, maxImportBytes))
	if err != nil {
		d.Error = err.Error()
		return s.importPage(c, http.StatusUnprocessableEntity, d)
	}
	ctx := c.Request().Context()
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
		if l.err == "" && l.input.AdopterKey == "" { // AGS given: find the Gemeinde
			o, err := s.Store.OrganisationByAGS(ctx, l.key)
			if err != nil {
				l.err = fmt.Sprintf("Keine Gemeinde mit AGS %s.", l.key)
			} else {
				l.input.AdopterKey = o.Key
			}
		}
		if l.err != "" {
			rows[i].Reason = l.err
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
			row.Reason = importReason(r.Err)
		}
	}
	return rows, applied && len(inputs) > 0, nil
}

// importReason turns a row error into a German reason.
func importReason(err error) string {
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		keys := make([]string, 0, len(ve.Fields))
		for k := range ve.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		msgs := make([]string, len(keys))
		for i, k := range keys {
			msgs[i] = ve.Fields[k]
		}
		return strings.Join(msgs, " ")
	}
	if errors.Is(err, catalog.ErrForbidden) {
		msg := err.Error()
		if i := strings.Index(msg, ": "+catalog.ErrForbidden.Error()); i > 0 {
			return msg[:i] + "."
		}
		return "Keine Berechtigung für diese Organisation."
	}
	return "Die Zeile konnte nicht eingetragen werden."
}
