package export

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"efa-register/internal/i18n"
)

// OpenCSV reads the header of an uploaded CSV as spreadsheet programs save
// it: UTF-8 with or without byte order mark, separated by semicolons or
// commas (whichever the first line has more of). It returns the reader
// positioned at the first data row and the column of each header name
// (lower-cased, trimmed). Errors are i18n.Messages (German Error text) and
// meant for the whole file.
func OpenCSV(r io.Reader, required ...string) (*csv.Reader, map[string]int, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, i18n.M("exportcol.csv_unreadable")
	}
	// A multi-byte character may be cut at the end of a full peek window.
	check := head
	if err == nil {
		check = head[:len(head)-3]
	}
	if !utf8.Valid(check) {
		return nil, nil, i18n.M("exportcol.csv_not_utf8")
	}
	first, _, _ := strings.Cut(string(head), "\n")
	cr := csv.NewReader(br)
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, i18n.M("exportcol.csv_empty")
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, need := range required {
		if _, ok := col[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, nil, i18n.M("exportcol.csv_missing_columns", "Columns", strings.Join(missing, ", "))
	}
	return cr, col, nil
}
