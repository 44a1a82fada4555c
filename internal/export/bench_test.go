package export_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"efa-register/internal/export"
)

// adoptionLike is a table of n rows shaped like the adoptions export (18 columns).
func adoptionLike(n int) export.Table {
	t := export.Table{Name: "Nachnutzungen"}
	for i := 0; i < 18; i++ {
		t.Columns = append(t.Columns, export.Column{Header: fmt.Sprintf("Spalte %d", i)})
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < n; i++ {
		t.Rows = append(t.Rows, []any{"wohngeld-online", "Wohngeld (Online-Wohngeldantrag)", "Schleswig-Holstein", fmt.Sprintf("Gemeinde %d", i),
			"Gemeinde", "010010000000", "01001000", "Schleswig-Holstein", "01001", "in Betrieb", "2024-05", "Verwaltungsvereinbarung",
			"offen", "Registrierung", "Eine Notiz", nil, at, "https://efa.example/loesungen/wohngeld-online"})
	}
	return t
}

// BenchmarkWriteXLSX and BenchmarkWriteCSV write 10,000 adoption rows
// (about the size of a register with every Gemeinde adopting one solution).
func BenchmarkWriteXLSX(b *testing.B) {
	t := adoptionLike(10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := export.WriteXLSX(io.Discard, t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCSV(b *testing.B) {
	t := adoptionLike(10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := export.WriteCSV(io.Discard, t); err != nil {
			b.Fatal(err)
		}
	}
}
