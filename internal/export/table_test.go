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

// TestDefuse is the attack of issue 15, row 13: cells that a spreadsheet
// reads as a formula after normalisation must get the apostrophe.
func TestDefuse(t *testing.T) {
	for _, c := range []struct {
		in      string
		defused bool
	}{
		{"", false},
		{"Wohngeld", false},
		{"Stadt Köln", false},
		{"2024-05", false},
		{"E-Mail", false},
		{"ja", false},
		{"'schon markiert", false},
		{"=HYPERLINK(\"http://x\")", true},
		{"+49 30 1234", true},
		{"-1", true},
		{"@SUM(A1)", true},
		{"\t=1", true},
		{"\tText", true},
		{"\rText", true},
		{"\nText", true},
		{" =1+1", true},
		{"   +1", true},
		{"\u00a0=1", true},        // no-break space
		{"\u3000=1", true},        // ideographic space
		{"\u200b=1", true},        // zero-width space
		{"\ufeff=1", true},        // byte order mark
		{" Text", false},          // white space before ordinary text
		{"\uff1dSUMME(A1)", true}, // FULLWIDTH EQUALS SIGN
		{"\ufe66 1", true},        // SMALL EQUALS SIGN
		{"\u207c1", true},         // SUPERSCRIPT EQUALS SIGN
		{"\uff0b1", true},         // FULLWIDTH PLUS SIGN
		{"\ufe621", true},         // SMALL PLUS SIGN
		{"\u207a1", true},         // SUPERSCRIPT PLUS SIGN
		{"\u208a1", true},         // SUBSCRIPT PLUS SIGN
		{"\ufe631", true},         // SMALL HYPHEN-MINUS
		{"\uff0d1", true},         // FULLWIDTH HYPHEN-MINUS
		{"\u22121", true},         // MINUS SIGN
		{"\u207b1", true},         // SUPERSCRIPT MINUS
		{"\u2796 1", true},        // HEAVY MINUS SIGN
		{"\u2013 Hinweis", true},  // EN DASH
		{"\uff20SUM(A1)", true},   // FULLWIDTH COMMERCIAL AT
		{"\ufe6bSUM(A1)", true},   // SMALL COMMERCIAL AT
		{"\u3000\uff1d1", true},   // full-width space, then full-width equals
		{"\uff21", false},         // FULLWIDTH LATIN A
		{"\xff=1", false},         // invalid UTF-8 is text, not a formula
	} {
		got := export.Defuse(c.in)
		want := c.in
		if c.defused {
			want = "'" + c.in
		}
		if got != want {
			t.Errorf("Defuse(%q) = %q, want %q", c.in, got, want)
		}
	}
}

// TestCSVReplacesInvalidUTF8: bytes stored before validation existed are
// written as U+FFFD, never raw.
func TestCSVReplacesInvalidUTF8(t *testing.T) {
	var buf bytes.Buffer
	tab := export.Table{Name: "x", Columns: []export.Column{{Header: "Text"}}, Rows: [][]any{{"a\xffb"}, {"\xff=1"}}}
	if err := export.WriteCSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	if want := "\ufeffText\r\na\ufffdb\r\n\ufffd=1\r\n"; buf.String() != want {
		t.Errorf("CSV %q, want %q", buf.String(), want)
	}
}
