package export_test

import (
	"strings"
	"testing"

	"efa-register/internal/export"
)

func TestOpenCSV(t *testing.T) {
	cr, col, err := export.OpenCSV(strings.NewReader("\ufeffLoesung; Schluessel ;status\nelster;01;live\n"), "loesung", "schluessel")
	if err != nil || col["loesung"] != 0 || col["schluessel"] != 1 || col["status"] != 2 {
		t.Fatalf("semicolon file with BOM: %v %v", col, err)
	}
	rec, err := cr.Read()
	if err != nil || len(rec) != 3 || rec[0] != "elster" {
		t.Errorf("first data row = %v, %v", rec, err)
	}
	if _, col, err := export.OpenCSV(strings.NewReader("a,b;c\n1,2;3\n")); err != nil || len(col) != 2 {
		t.Errorf("comma file: %v %v", col, err)
	}
	for in, want := range map[string]string{
		"x;y\n1;2\n":          "Der Datei fehlen die Spalten: loesung.",
		"":                    "Die Datei ist leer oder keine CSV-Datei.",
		"loesung\n\xff\xfe\n": "nicht in UTF-8",
	} {
		if _, _, err := export.OpenCSV(strings.NewReader(in), "loesung"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OpenCSV(%q) = %v, want %q", in, err, want)
		}
	}
	if _, _, err := export.OpenCSV(strings.NewReader(""), "loesung"); err == nil || err.Error() != "Die Datei ist leer oder keine CSV-Datei." {
		t.Errorf("empty file: %v", err)
	}
}
