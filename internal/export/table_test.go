package export_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"efa-register/internal/export"
)

func sample() export.Table {
	at := time.Date(2024, 5, 17, 8, 30, 0, 0, time.UTC)
	return export.Table{Name: "Beispiel mit einem sehr langen Blattnamen", Columns: []export.Column{{Header: "Text"}, {Header: "Zahl"},
		{Header: "Anteil"}, {Header: "Ja/Nein"}, {Header: "Zeit"}, {Header: "Leer"}},
		Rows: [][]any{
			{"Wohngeld; „online“", int64(1234567), 12.5, true, at, nil},
			{"=SUMME(A1:A9)", 7, -0.25, false, at, nil},
			{"-Minus", 0, 0.0, nil, nil, "kurz"},
		}}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffText;Zahl;Anteil;Ja/Nein;Zeit;Leer\r\n" +
		"\"Wohngeld; „online“\";1234567;12,5;ja;2024-05-17 08:30:00;\r\n" +
		"'=SUMME(A1:A9);7;-0,25;nein;2024-05-17 08:30:00;\r\n" +
		"'-Minus;0;0;;;kurz\r\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := "Beispiel mit einem sehr langen "
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Text", "Zahl", "Anteil", "Ja/Nein", "Zeit", "Leer"}, rows[0]); diff != "" {
		t.Errorf("header:\n%s", diff)
	}
	if len(rows) != 4 || rows[1][0] != "Wohngeld; „online“" || rows[1][1] != "1234567" || rows[1][2] != "12.5" || rows[1][3] != "ja" {
		t.Errorf("rows %q", rows)
	}
	// Text stays text: no formula, also for what looks like one.
	if rows[2][0] != "=SUMME(A1:A9)" {
		t.Errorf("formula-like text %q", rows[2][0])
	}
	if fml, _ := f.GetCellFormula(sheet, "A3"); fml != "" {
		t.Errorf("A3 became a formula %q", fml)
	}
	if typ, _ := f.GetCellType(sheet, "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("B2 type %v", typ)
	}
	if v, _ := f.GetCellValue(sheet, "E2"); !strings.HasPrefix(v, "5/17/24") && !strings.Contains(v, "2024") {
		t.Errorf("date cell %q", v)
	}
	tables, err := f.GetTables(sheet)
	if err != nil || len(tables) != 1 || tables[0].Range != "A1:F4" {
		t.Errorf("tables %+v %v", tables, err)
	}
}
