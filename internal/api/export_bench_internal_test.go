package api

import (
	"context"
	"testing"

	"efa-register/internal/store/storetest"
)

// BenchmarkBuildExport measures one rebuild of the export after a change
// (the OZG catalogue part stays encoded from the first build).
func BenchmarkBuildExport(b *testing.B) {
	ctx := context.Background()
	st := storetest.Seeded(b)
	s := New(Deps{Store: st})
	head, err := st.LastEventSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.buildExport(ctx, head); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.buildExport(ctx, head); err != nil {
			b.Fatal(err)
		}
	}
}
