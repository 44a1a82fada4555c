package feed

import (
	"strconv"
	"testing"
	"time"

	"efa-register/internal/catalog"
)

// BenchmarkEncodeChangePage encodes a change-feed page of 1,000 adoption
// records, the bulk of a portal's full sync, and releases it as the server
// does once it is written.
func BenchmarkEncodeChangePage(b *testing.B) {
	p := benchPage()
	var size int
	for b.Loop() {
		body, err := EncodeChangePage(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
		ReleaseChangePage(body)
	}
	b.SetBytes(int64(size))
}

func benchPage() ChangePage {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	p := ChangePage{Next: Cursor(2000), More: true}
	for i := range 1000 {
		a := catalog.Adoption{ID: uint(i + 1), Status: catalog.AdoptionStatus("in_betrieb"), Since: "2024-03",
			Note: "Nachnutzung über den Marktplatz", Source: "https://example.org/quelle", CreatedAt: at, UpdatedAt: at}
		org := catalog.Organisation{Kind: catalog.KindGemeinde, Key: "0641200000" + strconv.Itoa(i%100), Name: "Gemeinde " + strconv.Itoa(i),
			LandKey: "06", ARS: "064120000000", AGS: "06412000"}
		p.Changes = append(p.Changes, Change{Cursor: Cursor(uint64(1000 + i)), Type: ChangeCreated, Event: "adoption.created",
			Entity: EntityAdoption, ID: strconv.Itoa(i + 1), At: at, Object: NewAdoption(a, "synth-000001-familienpass", org)})
	}
	return p
}
