package httpx

import (
	"errors"
	"testing"
)

// TestExportGate: the slots bound every export, and of them one XLSX at a time.
func TestExportGate(t *testing.T) {
	g := NewExportGate(3)
	if g.Slots() != 3 || NewExportGate(0).Slots() != DefaultExportSlots {
		t.Fatalf("slots %d, default %d", g.Slots(), NewExportGate(0).Slots())
	}
	releaseXLSX, err := g.Acquire("xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Acquire("xlsx"); !errors.Is(err, ErrXLSXBusy) {
		t.Fatalf("second XLSX: %v, want ErrXLSXBusy", err)
	}
	// The refused XLSX gave its general slot back: two CSV fit.
	releaseCSV, err := g.Acquire("csv")
	if err != nil {
		t.Fatal(err)
	}
	releaseJSON, err := g.Acquire("json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Acquire("csv"); !errors.Is(err, ErrExportsBusy) {
		t.Fatalf("fourth export: %v, want ErrExportsBusy", err)
	}
	releaseXLSX()
	releaseXLSX, err = g.Acquire("xlsx")
	if err != nil {
		t.Fatalf("XLSX after the first ended: %v", err)
	}
	if _, err := g.Acquire("xlsx"); !errors.Is(err, ErrExportsBusy) {
		t.Fatalf("XLSX with every slot taken: %v, want ErrExportsBusy", err)
	}
	releaseXLSX()
	releaseCSV()
	releaseJSON()
	if len(g.all) != 0 || len(g.xlsx) != 0 {
		t.Errorf("slots left taken: %d, xlsx %d", len(g.all), len(g.xlsx))
	}
}
