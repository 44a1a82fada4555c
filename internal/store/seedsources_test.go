package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"efa-register/seed"
)

// readSeedCSV reads a CSV file of fsys as rows by header name.
func readSeedCSV(t *testing.T, fsys fs.FS, name string) ([]string, []map[string]string) {
	t.Helper()
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

func writeSeedCSV(t *testing.T, header []string, rows []map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	for _, r := range rows {
		rec := make([]string, len(header))
		for i, h := range header {
			rec[i] = r[h]
		}
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// wantVerification is how the register reads the verified column of the
// shared source list: the plain flags as they stand, a qualified "ja (…);
// Betreiber nein" as partly checked with the wording kept as the note.
func wantVerification(raw string) (catalog.Verification, string) {
	switch raw {
	case "ja", "teilweise", "nein":
		return catalog.Verification(raw), ""
	}
	if strings.HasPrefix(raw, "nein") {
		return catalog.VerifiedNo, raw
	}
	return catalog.VerifiedPartial, raw
}

// TestSeededSolutionsFollowTheSourceList: every solution of the seed carries
// the verified flag and the full sources of the corrected list
// (seed/efa_onlinedienste_seed.csv, a copy of the shared data folder's).
func TestSeededSolutionsFollowTheSourceList(t *testing.T) {
	ctx := context.Background()
	s := openSeeded(t)
	_, list := readSeedCSV(t, seed.FS, "efa_onlinedienste_seed.csv")
	if len(list) != 50 {
		t.Fatalf("source list has %d rows", len(list))
	}
	all, err := s.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]catalog.Solution{}
	for _, sol := range all {
		byName[sol.Name] = sol
	}
	for _, row := range list {
		sol, ok := byName[row["onlinedienst"]]
		if !ok {
			t.Errorf("%q from the source list is not in the register", row["onlinedienst"])
			continue
		}
		v, note := wantVerification(row["verifiziert"])
		if sol.Verified != v || sol.VerifiedNote != note {
			t.Errorf("%s: verified %q (%q), the list says %q", sol.Slug, sol.Verified, sol.VerifiedNote, row["verifiziert"])
		}
		if sol.Source != row["quelle"] {
			t.Errorf("%s: source %q, the list says %q", sol.Slug, sol.Source, row["quelle"])
		}
		if strings.Contains(sol.Source, "...") || strings.Contains(sol.Source, "…") {
			t.Errorf("%s: shortened source %q", sol.Slug, sol.Source)
		}
	}
	// The rows the list lowered are no longer shown as checked.
	for _, slug := range []string{"sozialplattform-grundsicherung", "sozialplattform-wohnberechtigungsschein", "daueraufenthaltsbescheinigung", "zugangsberechtigung-bereiche"} {
		if sol, _ := s.SolutionBySlug(ctx, slug); sol.Verified != catalog.VerifiedPartial {
			t.Errorf("%s verified = %q, want teilweise", slug, sol.Verified)
		}
	}
	for _, sol := range all {
		adoptions, err := s.AdoptionsBySolution(ctx, sol.Slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range adoptions {
			if strings.Contains(a.Source, "...") || a.Source == "—" {
				t.Errorf("adoption of %s by %s: shortened source %q", sol.Slug, a.Organisation.Name, a.Source)
			}
		}
	}
}

// TestSeedCorrectsUntouchedRecords: a register installed from the older
// list (shortened sources, a flag since lowered) takes the corrections on
// the next start, except for what someone changed in the register.
func TestSeedCorrectsUntouchedRecords(t *testing.T) {
	ctx := context.Background()
	header, sols := readSeedCSV(t, seed.FS, "loesungen.csv")
	aHeader, adoptions := readSeedCSV(t, seed.FS, "nachnutzungen.csv")
	for _, r := range sols {
		switch r["slug"] {
		case "sozialplattform-grundsicherung", "daueraufenthaltsbescheinigung":
			r["verifiziert"], r["quelle"] = "ja", "sgb2.info/...interview-sozialplattform.html"
		}
	}
	for _, r := range adoptions {
		if r["loesung"] == "elfe" {
			r["quelle"] = "hofheim.de/dienstleistung-finder/...kombinierte-familienleistungen"
		}
	}
	old := fstest.MapFS{}
	entries, _ := fs.ReadDir(seed.FS, ".")
	for _, e := range entries {
		raw, _ := fs.ReadFile(seed.FS, e.Name())
		old[e.Name()] = &fstest.MapFile{Data: raw}
	}
	old["loesungen.csv"] = &fstest.MapFile{Data: writeSeedCSV(t, header, sols)}
	old["nachnutzungen.csv"] = &fstest.MapFile{Data: writeSeedCSV(t, aHeader, adoptions)}

	s := storetest.Empty(t)
	if _, err := s.Seed(ctx, old); err != nil {
		t.Fatal(err)
	}
	// A provider edits one of them in the register: that edit wins.
	edited, _ := s.SolutionBySlug(ctx, "daueraufenthaltsbescheinigung")
	edited.Summary = "Vom Anbieter beschrieben."
	if _, err := s.UpdateSolution(ctx, catalog.Principal{UserID: 1, Admin: true}, edited.Slug, store.SolutionInput{Solution: edited,
		ProviderKind: edited.Provider.Kind, ProviderKey: edited.Provider.Key, OZGIDs: edited.OZGIDs()}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Seed(ctx, seed.FS)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated < 2 || rep.Created != 0 {
		t.Errorf("corrected seed: %+v, want the solution and the adoption updated", rep)
	}
	sol, _ := s.SolutionBySlug(ctx, "sozialplattform-grundsicherung")
	if sol.Verified != catalog.VerifiedPartial || !strings.HasPrefix(sol.Source, "session.rhein-kreis-neuss.de/") || strings.Contains(sol.Source, "...") {
		t.Errorf("untouched solution not corrected: %q, %q", sol.Verified, sol.Source)
	}
	evs, _ := s.EventsFor(ctx, catalog.EntitySolution, sol.Slug, 5)
	if len(evs) != 2 || evs[0].Actor != catalog.ActorSeed || evs[0].Action != catalog.ActionUpdate {
		t.Errorf("correction events: %+v", evs)
	}
	kept, _ := s.SolutionBySlug(ctx, "daueraufenthaltsbescheinigung")
	if kept.Verified != catalog.VerifiedYes || kept.Summary != "Vom Anbieter beschrieben." {
		t.Errorf("edited solution overwritten by the seed: %q, %q", kept.Verified, kept.Summary)
	}
	elfe, err := s.AdoptionsBySolution(ctx, "elfe")
	if err != nil || len(elfe) != 1 || !strings.HasPrefix(elfe[0].Source, "https://www.hofheim.de/") {
		t.Errorf("seeded adoption not corrected: %+v, %v", elfe, err)
	}
	before := countEvents(t, s)
	if rep, err := s.Seed(ctx, seed.FS); err != nil || rep.Updated != 0 || countEvents(t, s) != before {
		t.Errorf("third seed: %+v, %v, %d new events", rep, err, countEvents(t, s)-before)
	}
}
