package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

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
	if got := tableCSV(tab); !cmp.Equal(got, want) {
		t.Errorf("tableCSV:\n%s", cmp.Diff(want, got))
	}
}
