// Package export writes the register's tables as spreadsheets: CSV for
// German Excel (UTF-8 with byte order mark, semicolons) and XLSX.
package export

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// Column is one column of a table.
type Column struct {
	Header string
	// Width is the XLSX column width in characters; 0 means 14.
	Width float64
}

// Table is one sheet: a name (at most 31 characters for XLSX), the columns
// and the rows. A cell is a string, an int, an int64, a float64, a bool, a
// time.Time or nil (empty).
type Table struct {
	Name    string
	Columns []Column
	Rows    [][]any
	// Stream, when set, yields further rows after Rows, one call of emit per
	// row, so a large table is written while it is read and never held in
	// memory. emit may keep nothing of the row after it returns.
	Stream func(emit func(row []any) error) error
	// StreamLen is the number of rows Stream yields, when known in advance
	// (it lets SendTable refuse an XLSX file that would not fit before
	// anything is written).
	StreamLen int64
}

// Len is the number of rows: those in Rows and those Stream announces.
func (t Table) Len() int64 { return int64(len(t.Rows)) + t.StreamLen }

// each calls fn with every row: Rows, then Stream's.
func (t Table) each(fn func(row []any) error) error {
	for _, row := range t.Rows {
		if err := fn(row); err != nil {
			return err
		}
	}
	if t.Stream != nil {
		return t.Stream(fn)
	}
	return nil
}

// MaxXLSXRows is the most data rows an XLSX sheet holds: Excel's
// 1,048,576 rows less the header row. (A variable only so that tests can
// lower it.)
var MaxXLSXRows int64 = excelize.TotalRows - 1

// ErrTooManyRows is returned by WriteXLSX for a table beyond MaxXLSXRows.
var ErrTooManyRows = errors.New("export: too many rows for one XLSX sheet")

// csvText renders a cell for CSV: numbers with a German decimal comma,
// booleans as ja/nein, times as ISO date and time.
func csvText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return Defuse(strings.ToValidUTF8(x, "\uFFFD"))
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strings.Replace(strconv.FormatFloat(x, 'f', -1, 64), ".", ",", 1)
	case bool:
		if x {
			return "ja"
		}
		return "nein"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	}
	return Defuse(strings.ToValidUTF8(fmt.Sprint(v), "\uFFFD"))
}

// Defuse keeps spreadsheet programs from reading text as a formula (CSV
// injection, OWASP): text gets a leading apostrophe when it starts with a tab,
// carriage return or line feed, or when its first character after leading
// white space and invisible format characters is one a spreadsheet starts a
// formula with (= + - @) in any of its Unicode forms: the full-width and
// small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫), super- and subscripts, the minus sign
// (U+2212), heavy plus and minus and the dashes, as NFKC normalisation (which
// spreadsheets and import pipelines may apply) would turn them into one.
// Every text cell of a CSV must pass through it.
func Defuse(s string) string {
	if needsDefusing(s) {
		return "'" + s
	}
	return s
}

func needsDefusing(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '\t', '\r', '\n':
		return true
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) {
			continue
		}
		if r >= utf8.RuneSelf || r == '=' || r == '+' || r == '-' || r == '@' {
			// Normalise the one character: formula starts are single characters.
			n, _ := utf8.DecodeRuneInString(norm.NFKC.String(string(r)))
			return formulaStart(n)
		}
		return false
	}
	return false
}

// formulaStart reports whether r (NFKC-normalised) starts a formula.
func formulaStart(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '\u2212' /* minus sign */, '\u2795' /* heavy plus */, '\u2796' /* heavy minus */ :
		return true
	}
	return unicode.Is(unicode.Pd, r) // hyphens and dashes
}

// WriteCSV writes the table as UTF-8 CSV with byte order mark, semicolons
// and CRLF line ends, which German Excel opens without an import dialogue.
// Rows are written as they come (through a buffer of its own).
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Header
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	line := make([]string, len(t.Columns))
	err := t.each(func(row []any) error {
		for i := range line {
			line[i] = ""
			if i < len(row) {
				line[i] = csvText(row[i])
			}
		}
		return cw.Write(line)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the table as an Excel workbook with one sheet: a bold,
// frozen header row, a filter on every column, and numbers stored as
// numbers. Text is always stored as text, never as a formula. Column
// headers must be unique.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := t.Name
	if name == "" {
		name = "Tabelle"
	}
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return fmt.Errorf("export: sheet name: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range t.Columns {
		width := c.Width
		if width == 0 {
			width = 14
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	cells := make([]any, len(t.Columns))
	rows := 0
	err = t.each(func(row []any) error {
		if int64(rows) >= MaxXLSXRows {
			return ErrTooManyRows
		}
		for i := range cells {
			cells[i] = nil
			if i >= len(row) || row[i] == nil {
				continue
			}
			switch x := row[i].(type) {
			case string:
				// A string cell: excelize writes it as inline text, so "=…" stays text.
				cells[i] = excelize.Cell{Value: strings.ToValidUTF8(x, "\uFFFD")}
			case time.Time:
				cells[i] = excelize.Cell{StyleID: dateStyle, Value: x.UTC()}
			case bool:
				cells[i] = yesNo[x]
			default:
				cells[i] = x
			}
		}
		rows++
		cell, err := excelize.CoordinatesToCellName(1, rows+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if len(t.Columns) > 0 && rows > 0 {
		// An Excel table gives every column a filter and sort button.
		last, err := excelize.CoordinatesToCellName(len(t.Columns), rows+1)
		if err != nil {
			return err
		}
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "Daten", StyleName: "TableStyleLight1"}); err != nil {
			return fmt.Errorf("export: table: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	// excelize would build the whole archive in a buffer before writing it;
	// its zip writer is pointed at w instead, so the archive streams out (the
	// sheet itself waits in excelize's temporary file, not in memory). The
	// buffer excelize then writes out stays empty.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return f.Write(io.Discard)
}

var yesNo = map[bool]string{true: "ja", false: "nein"}
