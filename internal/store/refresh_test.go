package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"efa-register/seed"
)

// seedTable reads a seed CSV as header and records.
func refreshSeedTable(t *testing.T, name string) ([]string, [][]string) {
	t.Helper()
	raw, err := fs.ReadFile(seed.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

// writeCSV renders records as a semicolon CSV with BOM, as German Excel saves it.
func refreshCSV(t *testing.T, header []string, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.Write(header)
	w.WriteAll(recs)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	arsWesselburen = "010515178127" // Wesselburen, Stadt: the successor
	arsDeichhausen = "010515178128" // Wesselburener Deichhausen: merged into Wesselburen
	arsKoog        = "010515178129" // Wesselburenerkoog: disappears without a named successor
	arsHeide       = "010510044044" // Heide, Stadt: renamed
)

// shExtract is the Schleswig-Holstein part of the seed's Gemeindeverzeichnis
// after a (fictitious) territorial reform: Wesselburener Deichhausen merged
// into Wesselburen (named by nachfolger_ars), Wesselburenerkoog gone without
// a named successor, Heide renamed, one Gemeinde added in a new Kreis.
func shExtract(t *testing.T) []byte {
	header, recs := refreshSeedTable(t, "gemeinden.csv")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	header = append(header, "nachfolger_ars")
	var out [][]string
	for _, r := range recs {
		if r[col["land_schluessel"]] != "01" {
			continue
		}
		r = append(r, "")
		switch r[col["ars"]] {
		case arsDeichhausen:
			r[len(r)-1] = arsWesselburen
		case arsKoog:
			continue
		case arsHeide:
			r[col["name"]] = "Heide (Holstein), Stadt"
		}
		out = append(out, r)
	}
	add := make([]string, len(header))
	add[col["ars"]], add[col["ags"]], add[col["name"]] = "010990001001", "01099001", "Neuhafen"
	add[col["land_schluessel"]], add[col["kreis_schluessel"]], add[col["kreis"]], add[col["kreis_typ"]] = "01", "01099", "Testkreis Nord", "Kreis"
	add[col["einwohner"]], add[col["flaeche_km2"]] = "1234", "12,5"
	return refreshCSV(t, header, append(out, add))
}

func refreshAdopt(t *testing.T, st *store.Store, slug, ars string, status catalog.AdoptionStatus) {
	t.Helper()
	if _, err := st.RegisterAdoption(context.Background(), catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: slug, AdopterKind: catalog.KindGemeinde,
		AdopterKey: ars, Adoption: catalog.Adoption{Status: status, Since: "2024"}}); err != nil {
		t.Fatal(err)
	}
}

func refreshAdoptionsOf(t *testing.T, st *store.Store, ars string) map[string]catalog.AdoptionStatus {
	t.Helper()
	list, err := st.AdoptionsByOrganisation(context.Background(), catalog.KindGemeinde, ars)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]catalog.AdoptionStatus{}
	for _, a := range list {
		out[a.Solution.Slug] = a.Status
	}
	return out
}

// TestRefreshGemeindenMerge: a Gemeinde merged into another hands its
// adoptions to the successor, and the report says so; one that vanished
// without a named successor keeps its adoptions and is reported.
func TestRefreshGemeindenMerge(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	refreshAdopt(t, st, "wohngeld-online", arsDeichhausen, catalog.AdoptionLive)
	refreshAdopt(t, st, "i-kfz", arsDeichhausen, catalog.AdoptionLive)
	refreshAdopt(t, st, "i-kfz", arsWesselburen, catalog.AdoptionInterested)
	refreshAdopt(t, st, "wohngeld-online", arsKoog, catalog.AdoptionContracted)
	before, _ := st.Stats(ctx)

	rows, err := store.ReadGemeindenCSV(bytes.NewReader(shExtract(t)))
	if err != nil {
		t.Fatal(err)
	}
	// A dry run reports and writes nothing.
	var progress []int
	dry, err := st.RefreshGemeinden(ctx, "cli:test", rows, nil, store.RefreshOptions{DryRun: true,
		Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Retired) != 2 || !dry.DryRun {
		t.Fatalf("dry run report: %+v", dry)
	}
	if len(progress) < 2 || progress[len(progress)-1] != len(rows)-1 {
		t.Errorf("progress calls %v for %d live rows", progress, len(rows)-1)
	}
	if o, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, arsDeichhausen); o.RetiredAt != nil {
		t.Fatal("dry run retired a Gemeinde")
	}

	rep, err := st.RefreshGemeinden(ctx, "cli:test", rows, nil, store.RefreshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wessel := store.RefreshEntry{Key: arsWesselburen, Name: "Wesselburen, Stadt"}
	want := store.GemeindenReport{
		Laender:     []string{"01"},
		Added:       []store.RefreshEntry{{Key: "010990001001", Name: "Neuhafen"}},
		Changed:     []store.RefreshEntry{{Key: arsHeide, Name: "Heide (Holstein), Stadt", Detail: "name"}},
		Retired:     []store.RefreshEntry{{Key: arsDeichhausen, Name: "Wesselburener Deichhausen"}, {Key: arsKoog, Name: "Wesselburenerkoog"}},
		Unchanged:   1106 - 3,
		Mapped:      []store.RefreshMove{{From: store.RefreshEntry{Key: arsDeichhausen, Name: "Wesselburener Deichhausen"}, To: wessel, Moved: 1, Merged: 1}},
		Unmappable:  []store.RefreshUnmappable{{Org: store.RefreshEntry{Key: arsKoog, Name: "Wesselburenerkoog"}, Adoptions: 1, Candidates: []store.RefreshEntry{wessel}}},
		KreiseAdded: []store.RefreshEntry{{Key: "01099", Name: "Testkreis Nord"}},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(dry.Mapped, rep.Mapped); diff != "" {
		t.Errorf("dry run differs from the real run:\n%s", diff)
	}

	// The successor holds both adoptions; the merged one took the further status.
	if diff := cmp.Diff(map[string]catalog.AdoptionStatus{"wohngeld-online": catalog.AdoptionLive, "i-kfz": catalog.AdoptionLive},
		refreshAdoptionsOf(t, st, arsWesselburen)); diff != "" {
		t.Errorf("successor adoptions:\n%s", diff)
	}
	if got := refreshAdoptionsOf(t, st, arsDeichhausen); len(got) != 0 {
		t.Errorf("merged Gemeinde still has adoptions %v", got)
	}
	// Nothing dropped: the unmapped adoption stays on the retired Gemeinde.
	if diff := cmp.Diff(map[string]catalog.AdoptionStatus{"wohngeld-online": catalog.AdoptionContracted}, refreshAdoptionsOf(t, st, arsKoog)); diff != "" {
		t.Errorf("unmapped adoptions:\n%s", diff)
	}
	after, _ := st.Stats(ctx)
	if after.Adoptions != before.Adoptions-1 {
		t.Errorf("adoptions %d -> %d, want one fewer (the merged pair)", before.Adoptions, after.Adoptions)
	}
	succ, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, arsWesselburen)
	merged, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, arsDeichhausen)
	if merged.RetiredAt == nil || merged.SuccessorID == nil || *merged.SuccessorID != succ.ID {
		t.Errorf("merged Gemeinde: retired %v successor %v, want successor %d", merged.RetiredAt, merged.SuccessorID, succ.ID)
	}
	koog, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, arsKoog)
	if koog.RetiredAt == nil || koog.SuccessorID != nil {
		t.Errorf("unmapped Gemeinde: retired %v successor %v", koog.RetiredAt, koog.SuccessorID)
	}
	if k, err := st.OrganisationByKey(ctx, catalog.KindKreis, "01099"); err != nil || k.Population != 1234 {
		t.Errorf("new Kreis %+v %v", k, err)
	}
	if g, _ := st.OrganisationByKey(ctx, catalog.KindGemeinde, "010990001001"); g.AreaKm2 != 12.5 {
		t.Errorf("German decimal comma: area %v", g.AreaKm2)
	}
	retired, _ := st.RetiredOrganisations(ctx)
	if len(retired) != 2 {
		t.Errorf("retired organisations: %d", len(retired))
	}
	// The event log tells the story: retirement with successor, moved adoption.
	evs, _ := st.EventsFor(ctx, catalog.EntityOrganisation, "gemeinde:"+arsDeichhausen, 1)
	if len(evs) != 1 || evs[0].Actor != "cli:test" || !strings.Contains(evs[0].Changes, `"successor":[null,"gemeinde:`+arsWesselburen+`"]`) ||
		!strings.Contains(evs[0].Changes, "retiredAt") {
		t.Errorf("retirement event %+v", evs)
	}
	list, _ := st.AdoptionsBySolution(ctx, "wohngeld-online")
	for _, a := range list {
		if a.Organisation.Key == arsWesselburen {
			evs, _ := st.EventsFor(ctx, catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), 1)
			if len(evs) != 1 || !strings.Contains(evs[0].Changes, `"adopter":["gemeinde:`+arsDeichhausen+`","gemeinde:`+arsWesselburen+`"]`) {
				t.Errorf("move event %+v", evs)
			}
			if !strings.Contains(a.Note, "Übernommen von Wesselburener Deichhausen") {
				t.Errorf("moved adoption note %q", a.Note)
			}
		}
	}

	// The same file again changes nothing.
	seq, _ := st.LastEventSeq(ctx)
	again, err := st.RefreshGemeinden(ctx, "cli:test", rows, nil, store.RefreshOptions{})
	if err != nil || len(again.Added)+len(again.Changed)+len(again.Retired)+len(again.KreiseAdded) != 0 {
		t.Errorf("second run: %+v %v", again, err)
	}
	if seq2, _ := st.LastEventSeq(ctx); seq2 != seq {
		t.Errorf("second run appended %d events", seq2-seq)
	}
}

// TestRefreshMergeKeepsOwnOverClaim: when a merged Gemeinde's adoption meets
// the successor's for the same solution, the organisation's own adoption
// wins over a provider's claim, and a claim never changes an own adoption.
func TestRefreshMergeKeepsOwnOverClaim(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "SH", Email: "sh@example.de", PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := st.Principal(ctx, u.ID) // Land SH provides wohngeld-online
	if err != nil {
		t.Fatal(err)
	}
	claim := func(ars string, status catalog.AdoptionStatus) {
		t.Helper()
		rows, _, err := st.ClaimAdoptions(ctx, provider, []store.AdoptionInput{{SolutionSlug: "wohngeld-online", AdopterKind: catalog.KindGemeinde,
			AdopterKey: ars, Adoption: catalog.Adoption{Status: status}}}, store.ApplyValid)
		if err != nil || rows[0].Err != nil || !rows[0].Adoption.Claimed() {
			t.Fatalf("claim for %s: %+v %v", ars, rows, err)
		}
	}
	// Deichhausen's own interest meets the provider's "live" claim for Wesselburen.
	refreshAdopt(t, st, "wohngeld-online", arsDeichhausen, catalog.AdoptionInterested)
	claim(arsWesselburen, catalog.AdoptionLive)
	rows, err := store.ReadGemeindenCSV(bytes.NewReader(shExtract(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshGemeinden(ctx, "cli:test", rows, nil, store.RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	list, _ := st.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, arsWesselburen)
	for _, a := range list {
		if a.Solution.Slug == "wohngeld-online" && (a.Claimed() || a.Status != catalog.AdoptionInterested) {
			t.Errorf("Wesselburen's wohngeld-online after the merge: %+v", a)
		}
	}
}

func TestRefreshGemeindenRefusesBadFiles(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	header, recs := refreshSeedTable(t, "gemeinden.csv")
	var sh [][]string
	for _, r := range recs {
		if r[4] == "01" {
			sh = append(sh, r)
		}
	}
	// A partial file would retire most of the Land: refused without Force.
	rows, err := store.ReadGemeindenCSV(bytes.NewReader(refreshCSV(t, header, sh[:100])))
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := st.LastEventSeq(ctx)
	if _, err := st.RefreshGemeinden(ctx, "test", rows, nil, store.RefreshOptions{}); err == nil || !strings.Contains(err.Error(), "--force") ||
		!errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("partial file: %v", err)
	}
	if seq2, _ := st.LastEventSeq(ctx); seq2 != seq {
		t.Errorf("refused refresh wrote %d events", seq2-seq)
	}
	// Successor named by a mapping file must be in the extract.
	full := refreshCSV(t, header, sh[1:])
	rows, _ = store.ReadGemeindenCSV(bytes.NewReader(full))
	mapping, err := store.ReadSuccessorsCSV(strings.NewReader("ars;nachfolger_ars\n" + sh[0][1] + ";999999999999\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshGemeinden(ctx, "test", rows, mapping, store.RefreshOptions{}); err == nil || !strings.Contains(err.Error(), "Der Nachfolger 999999999999") {
		t.Errorf("unknown successor: %v", err)
	}
	for _, tc := range []struct{ csv, want string }{
		{"ars;name\n010010000000;X\n", "Der Datei fehlen die Spalten: land_schluessel, kreis_schluessel."},
		{"ars;name;land_schluessel;kreis_schluessel;einwohner\n010010000000;X;01;01001;viele\n", "Zeile 2: Spalte einwohner: „viele“ ist keine Zahl."},
		{"ars;name;land_schluessel;kreis_schluessel\n\"0100;X;01;01001\n", "kein gültiges CSV"},
	} {
		if _, err := store.ReadGemeindenCSV(strings.NewReader(tc.csv)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadGemeindenCSV(%q) = %v, want %q", tc.csv, err, tc.want)
		}
	}
	for _, tc := range []struct {
		rows []store.GemeindeRow
		want string
	}{
		{[]store.GemeindeRow{{Line: 2, ARS: "0100", Name: "X", LandKey: "01"}}, "Zeile 2: „0100“ ist kein 12-stelliger Regionalschlüssel"},
		{[]store.GemeindeRow{{Line: 2, ARS: "010010000000", Name: "X", LandKey: "02"}}, "passt nicht zum ARS"},
		{[]store.GemeindeRow{{Line: 2, ARS: "010010000000", Name: "X", LandKey: "01"}, {Line: 3, ARS: "010010000000", Name: "Y", LandKey: "01"}}, "Zeile 3: Der Regionalschlüssel 010010000000 steht schon in Zeile 2."},
	} {
		if _, err := st.RefreshGemeinden(ctx, "test", tc.rows, nil, store.RefreshOptions{Force: true}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RefreshGemeinden = %v, want %q", err, tc.want)
		}
	}
}

func TestRefreshServices(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	header, recs := refreshSeedTable(t, "ozg_leistungen.csv")
	var out [][]string
	for _, r := range recs {
		switch r[0] {
		case "10092": // Wohngeld: covered by two solutions, missing from the new catalogue
			continue
		case "10000":
			r[1] = "Elterngeld (ElterngeldDigital)"
		}
		out = append(out, r)
	}
	out = append(out, []string{"10999", "Digitale Wallet", "Digitale Identität", "Querschnitt"})
	rows, err := store.ReadServicesCSV(bytes.NewReader(refreshCSV(t, header, out)))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.RefreshServices(ctx, "cli:test", rows, store.RefreshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.ServicesReport{
		Added:               []store.RefreshEntry{{Key: "10999", Name: "Digitale Wallet"}},
		Changed:             []store.RefreshEntry{{Key: "10000", Name: "Elterngeld (ElterngeldDigital)", Detail: "name"}},
		Unchanged:           len(recs) - 2,
		LifeSituationsAdded: []store.RefreshEntry{{Key: rep.LifeSituationsAdded[0].Key, Name: "Digitale Identität"}},
		Missing:             []store.RefreshEntry{{Key: "10092", Name: "Wohngeld", Detail: "2 Lösungen"}},
	}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	// Kept, not dropped: the solutions still cover Wohngeld.
	if sol, _ := st.SolutionBySlug(ctx, "wohngeld-online"); len(sol.OZGIDs()) == 0 || sol.OZGIDs()[0] != "10092" {
		t.Errorf("wohngeld-online services %v", sol.OZGIDs())
	}
	if sv, err := st.ServiceByID(ctx, "10999"); err != nil || sv.LifeSituationID == nil {
		t.Errorf("new service %+v %v", sv, err)
	}
	bad := append(out, []string{"10998", "X", "", "Gibt es nicht"})
	rows, _ = store.ReadServicesCSV(bytes.NewReader(refreshCSV(t, header, bad)))
	if _, err := st.RefreshServices(ctx, "test", rows, store.RefreshOptions{}); err == nil || !strings.Contains(err.Error(), "Unbekanntes Themenfeld „Gibt es nicht“") ||
		!strings.HasPrefix(err.Error(), "Zeile ") {
		t.Errorf("unknown Themenfeld: %v", err)
	}
	if _, err := st.ServiceByID(ctx, "10998"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("a failed refresh wrote service 10998: %v", err)
	}
}
