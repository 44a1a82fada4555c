package feed_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// clock is the fixed time of every fixture, so the golden files never change by themselves.
var clock = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixture is a small register: two Länder and a Gemeinde, the OZG catalogue
// around Wohngeld and Elterngeld, two solutions and two adoptions.
type fixture struct {
	hessen, sachsen, flensburg catalog.Organisation
	topics                     []catalog.TopicField
	situations                 []catalog.LifeSituation
	services                   []catalog.Service
	solutions                  []catalog.Solution
	adoptions                  []catalog.Adoption
}

func newFixture() fixture {
	var f fixture
	f.hessen = catalog.Organisation{Kind: catalog.KindLand, Key: "06", Name: "Hessen", ShortName: "HE", ARS: "060000000000", LandKey: "06", Population: 6293154}
	f.sachsen = catalog.Organisation{Kind: catalog.KindLand, Key: "14", Name: "Sachsen", ShortName: "SN", ARS: "140000000000", LandKey: "14", Population: 4056941}
	f.flensburg = catalog.Organisation{Kind: catalog.KindGemeinde, Key: "010010000000", Name: "Flensburg, Stadt", ARS: "010010000000",
		AGS: "01001000", LandKey: "01", KreisKey: "01001", Population: 89934, Postcode: "24937"}
	f.topics = []catalog.TopicField{{ID: 6, Name: "Familie & Kind", LeadLand: "Bremen", LeadVerified: "ja"},
		{ID: 4, Name: "Bauen & Wohnen", LeadLand: "Mecklenburg-Vorpommern", LeadVerified: "teilweise"}}
	f.situations = []catalog.LifeSituation{{ID: 21, TopicFieldID: 6, Name: "Geburt"}}
	wohngeld, elterngeld := "10092", "10055"
	f.services = []catalog.Service{
		{ID: elterngeld, Name: "Elterngeld", TopicFieldID: 6, LifeSituationID: ptr(uint(21)), Leika: []catalog.LeikaService{
			{Key: "99036003000000", Name: "Elterngeld Bewilligung", ServiceID: &elterngeld, Type: "1", LawShort: "BEEG", LegalBasis: "§ 1 BEEG"}}},
		{ID: wohngeld, Name: "Wohngeld", TopicFieldID: 4, Leika: []catalog.LeikaService{
			{Key: "99108001000000", Name: "Wohngeld (Mietzuschuss) Bewilligung", ServiceID: &wohngeld, Type: "1", LawShort: "WoGG"},
			{Key: "", Name: "Wohngeld – Beratung (nicht im LeiKa)", ServiceID: &wohngeld}}},
	}
	f.solutions = []catalog.Solution{
		{ID: 1, Slug: "elterngeld-digital", Name: "ElterngeldDigital", Summary: "Elterngeld online beantragen.",
			Description: "Antrag auf Elterngeld mit <Nachweisen> & Unterschrift.", Provider: &f.sachsen, TopicFieldID: ptr(uint(6)),
			Services: []catalog.Service{{ID: elterngeld}}, Status: catalog.SolutionLive, Maturity: ptr(3), EfAMinimumMet: ptr(true),
			AccessChannel: "fit-store", Licence: "EUPL-1.2", Verified: catalog.VerifiedPartial, BuildCostEUR: ptr(int64(1200000)),
			CreatedAt: clock.Add(-48 * time.Hour), UpdatedAt: clock.Add(-time.Hour)},
		{ID: 2, Slug: "wohngeld-online", Name: "Wohngeld-Online", Summary: "Wohngeld beantragen.", Provider: &f.hessen,
			TopicFieldID: ptr(uint(4)), Services: []catalog.Service{{ID: wohngeld}}, Status: catalog.SolutionPilot,
			Verified: catalog.VerifiedNo, CreatedAt: clock.Add(-24 * time.Hour), UpdatedAt: clock.Add(-24 * time.Hour)},
	}
	f.adoptions = []catalog.Adoption{
		{ID: 7, SolutionID: 2, Status: catalog.AdoptionLive, Since: "2023-05", Source: "https://example.org/quelle",
			CreatedAt: clock.Add(-2 * time.Hour), UpdatedAt: clock.Add(-2 * time.Hour)},
		{ID: 9, SolutionID: 1, Status: catalog.AdoptionInterested, Confirmation: catalog.ConfirmationConfirmed,
			CreatedAt: clock.Add(-30 * time.Minute), UpdatedAt: clock.Add(-30 * time.Minute)},
	}
	return f
}

func (f fixture) export() feed.Export {
	x := feed.Export{Cursor: 4711, LastChange: clock}
	for _, t := range f.topics {
		x.TopicFields = append(x.TopicFields, feed.NewTopicField(t))
	}
	for _, l := range f.situations {
		x.LifeSituations = append(x.LifeSituations, feed.NewLifeSituation(l))
	}
	for _, s := range f.services {
		x.Services = append(x.Services, feed.NewService(s))
	}
	for _, s := range f.solutions {
		x.Solutions = append(x.Solutions, feed.NewSolution(s))
	}
	x.Adoptions = append(x.Adoptions, feed.NewAdoption(f.adoptions[0], "wohngeld-online", f.flensburg),
		feed.NewAdoption(f.adoptions[1], "elterngeld-digital", f.hessen))
	return x
}

func (f fixture) items() []feed.Item {
	x := f.export()
	return []feed.Item{
		{Seq: 4711, At: clock, Kind: feed.ItemSolutionUpdated, Solution: x.Solutions[0], ChangedFields: []string{"status", "maturity"}},
		{Seq: 4710, At: clock.Add(-30 * time.Minute), Kind: feed.ItemAdoptionCreated, Solution: x.Solutions[0],
			Adopter: &x.Adoptions[1].Adopter, AdoptionStatus: catalog.AdoptionInterested},
		{Seq: 4702, At: clock.Add(-24 * time.Hour), Kind: feed.ItemSolutionCreated, Solution: x.Solutions[1]},
	}
}

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/feed -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./internal/feed -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestExportGolden(t *testing.T) {
	f := newFixture()
	body, err := feed.EncodeExport(f.export())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export.golden.json", body)

	// The document is one valid JSON object whose identifiers carry the official URNs.
	var doc struct {
		Format    string `json:"format"`
		Cursor    string `json:"cursor"`
		Services  []feed.Service
		Solutions []feed.Solution
		Adoptions []feed.Adoption
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("export is not valid JSON: %v", err)
	}
	if doc.Format != "efa-register-export" || doc.Cursor != "4711" || len(doc.Solutions) != 2 || len(doc.Adoptions) != 2 {
		t.Errorf("export header or counts wrong: %+v", doc)
	}
	if got := doc.Services[1].Leika[0].URN; got != "urn:de:fim:leika:leistung:99108001000000" {
		t.Errorf("LeiKa URN = %q", got)
	}
	if got := doc.Services[1].Leika[1].URN; got != "" {
		t.Errorf("a LeiKa row without key must have no URN, got %q", got)
	}
	if got := doc.Adoptions[0].Adopter.URN; got != "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:010010000000" {
		t.Errorf("adopter URN = %q", got)
	}
	if doc.Adoptions[0].ProviderConfirmation != "pending" || doc.Adoptions[1].ProviderConfirmation != "confirmed" {
		t.Errorf("confirmations = %q, %q", doc.Adoptions[0].ProviderConfirmation, doc.Adoptions[1].ProviderConfirmation)
	}
	// HTML is not escaped (the text stays as written) and every array element has its own line.
	if !strings.Contains(string(body), "<Nachweisen> & Unterschrift") {
		t.Error("description was HTML-escaped")
	}
	if n := strings.Count(string(body), "\n"); n != 2+5*2+(2+1+2+2+2) {
		t.Errorf("export has %d lines", n)
	}
}

func TestEmptyExportIsValid(t *testing.T) {
	body, err := feed.EncodeExport(feed.Export{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("empty export: %v\n%s", err, body)
	}
	if doc["lastChange"] != nil || doc["cursor"] != "0" {
		t.Errorf("empty export = %s", body)
	}
	if arr, ok := doc["solutions"].([]any); !ok || len(arr) != 0 {
		t.Errorf("solutions = %#v", doc["solutions"])
	}
}

func TestJSONFeedGolden(t *testing.T) {
	f := newFixture()
	body, err := feed.JSONFeed(feed.Meta{BaseURL: "https://efa.example.de", Updated: clock}, f.items())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.golden.json", body)
	parsed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if parsed.FeedType != "json" || parsed.FeedVersion != "https://jsonfeed.org/version/1.1" || len(parsed.Items) != 3 {
		t.Fatalf("parsed %s %s with %d items", parsed.FeedType, parsed.FeedVersion, len(parsed.Items))
	}
	first := parsed.Items[0]
	if first.Title != "Lösung geändert: ElterngeldDigital" || first.Link != "https://efa.example.de/loesungen/elterngeld-digital" ||
		first.GUID != feed.ItemID(4711) || !strings.Contains(first.Content, "Reifegrad, Status") {
		t.Errorf("first item = %+v", first)
	}
	if parsed.Items[1].Title != "Neue Nachnutzung: Hessen – ElterngeldDigital" {
		t.Errorf("adoption item title = %q", parsed.Items[1].Title)
	}
}

func TestAtomGolden(t *testing.T) {
	f := newFixture()
	body, err := feed.Atom(feed.Meta{BaseURL: "https://efa.example.de", Updated: clock}, f.items())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.golden.atom", body)
	parsed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if parsed.FeedType != "atom" || len(parsed.Items) != 3 || parsed.Language != "de" {
		t.Fatalf("parsed %s lang %q with %d items", parsed.FeedType, parsed.Language, len(parsed.Items))
	}
	last := parsed.Items[2]
	if last.Title != "Neue Lösung: Wohngeld-Online" || last.GUID != feed.ItemID(4702) ||
		last.Link != "https://efa.example.de/loesungen/wohngeld-online" || last.PublishedParsed == nil ||
		!last.PublishedParsed.Equal(clock.Add(-24*time.Hour)) || !strings.Contains(last.Description, "Anbieter: Hessen.") {
		t.Errorf("last entry = %+v", last)
	}
	// The document must be well-formed XML in the Atom namespace.
	var root struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(body, &root); err != nil || root.XMLName.Space != "http://www.w3.org/2005/Atom" {
		t.Errorf("atom root = %v, %v", root.XMLName, err)
	}
}

func TestItemIDsArePermanentUUIDs(t *testing.T) {
	a, b := feed.ItemID(1), feed.ItemID(2)
	if a == b || a != feed.ItemID(1) {
		t.Fatalf("ids not stable and distinct: %s %s", a, b)
	}
	// RFC 9562 version 5, variant 10.
	if len(a) != len("urn:uuid:")+36 || !strings.HasPrefix(a, "urn:uuid:") || a[9+14] != '5' || !strings.ContainsRune("89ab", rune(a[9+19])) {
		t.Errorf("not a version-5 UUID URN: %s", a)
	}
}

func TestChangePageGolden(t *testing.T) {
	f := newFixture()
	x := f.export()
	page := feed.ChangePage{Next: "4712", More: true, Changes: []feed.Change{
		{Cursor: "4710", Type: feed.ChangeCreated, Event: "adoption.created", Entity: feed.EntityAdoption, ID: "9", At: clock.Add(-30 * time.Minute), Object: x.Adoptions[1]},
		{Cursor: "4711", Type: feed.ChangeUpdated, Event: "solution.updated", Entity: feed.EntitySolution, ID: "elterngeld-digital", At: clock, Object: x.Solutions[0]},
		{Cursor: "4712", Type: feed.ChangeDeleted, Event: "solution.deleted", Entity: feed.EntitySolution, ID: "alt", At: clock.In(time.FixedZone("CET", 3600))},
	}}
	body, err := feed.EncodeChangePage(page)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "changes.golden.json", body)
	empty, _ := feed.EncodeChangePage(feed.ChangePage{Next: "5"})
	if string(empty) != `{"changes":[],"next":"5","more":false}`+"\n" {
		t.Errorf("empty page = %s", empty)
	}
}

func TestParseCursor(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "17207": 17207, "18446744073709551615": 1<<64 - 1} {
		if got, err := feed.ParseCursor(in); err != nil || got != want {
			t.Errorf("ParseCursor(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-1", "1e3", "abc", " 1", "18446744073709551616", "123456789012345678901"} {
		if _, err := feed.ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) accepted", bad)
		}
	}
}

// A pre-encoded catalogue gives the same bytes as encoding it with the rest.
func TestExportWithPreEncodedCatalogue(t *testing.T) {
	x := newFixture().export()
	want, err := feed.EncodeExport(x)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := feed.EncodeCatalogue(x.TopicFields, x.LifeSituations, x.Services)
	if err != nil {
		t.Fatal(err)
	}
	x.Catalogue, x.TopicFields, x.LifeSituations, x.Services = cat, nil, nil, nil
	got, err := feed.EncodeExport(x)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("export with pre-encoded catalogue differs:\n%s\nwant\n%s", got, want)
	}
}
