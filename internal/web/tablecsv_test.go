package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"efa-register/views"
)

// Text cells of an insight table are defused for spreadsheets; numbers,
// negative ones included, are written as they are.
func TestTableCSVDefusesText(t *testing.T) {
	tab := views.Table{
		Head:        []string{"Lösung", "Ersparnis", "Saldo"},
		NumericCols: map[int]bool{1: true},
		Rows: [][]views.Cell{
			{{Text: "=HYPERLINK(\"http://x\")"}, {Text: "-5"}, {Text: "-3", Numeric: true}},
			{{Text: "@SUMME(A1)"}, {Text: "1.234"}, {Text: "+7 %"}},
		},
	}
	want := [][]string{
		{"Lösung", "Ersparnis", "Saldo"},
		{"'=HYPERLINK(\"http://x\")", "-5", "-3"},
		{"'@SUMME(A1)", "1.234", "'+7 %"},
	}
	if got := slices.Collect(tableCSV(tab)); !cmp.Equal(got, want) {
		t.Errorf("tableCSV:\n%s", cmp.Diff(want, got))
	}
}

// A paged insight table makes only the rows it shows: those of the page
// asked for; none for the CSV of another table of the page; and for its own
// CSV none while the page is built, but the list, so that each row is made
// while it is written.
func TestBuildPagedRowsMakesOnlyWhatIsShown(t *testing.T) {
	e := echo.New()
	build := func(target, table string) (echo.Context, *views.TableSection, int) {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, target, nil), httptest.NewRecorder())
		c.SetParamNames("seite", "tabelle")
		c.SetParamValues("rendite", table)
		sec := &views.TableSection{ID: "loesungen", Heading: "Lösungen"}
		made := 0
		err := buildPagedRows(c, sec, 120, func(i int) []views.Cell {
			made++
			return []views.Cell{{Text: "Lösung"}}
		})
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		return c, sec, made
	}
	if c, sec, made := build("/einblicke/rendite?loesungen-seite=3", ""); made != 20 || len(sec.Table.Rows) != 20 || c.Get(csvRowsKey) != nil {
		t.Errorf("page 3: %d rows made, %d shown, CSV rows %v; want 20, 20, none", made, len(sec.Table.Rows), c.Get(csvRowsKey))
	}
	if c, sec, made := build("/einblicke/rendite/laender.csv", "laender.csv"); made != 0 || len(sec.Table.Rows) != 0 || c.Get(csvRowsKey) != nil {
		t.Errorf("CSV of another table: %d rows made, %d kept, CSV rows %v; want none", made, len(sec.Table.Rows), c.Get(csvRowsKey))
	}
	c, sec, made := build("/einblicke/rendite/loesungen.csv", "loesungen.csv")
	rows, ok := c.Get(csvRowsKey).(csvRows)
	if made != 0 || len(sec.Table.Rows) != 0 || !ok || rows.section != "loesungen" || rows.n != 120 {
		t.Errorf("own CSV: %d rows made, %d kept, CSV rows %+v; want none made, the list of 120 kept", made, len(sec.Table.Rows), rows)
	}
}
