package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
	"efa-register/seed"
)

// importEnv runs efa against a copy of the seeded database.
type importEnv struct {
	t   *testing.T
	dir string
	env map[string]string
}

func newImportEnv(t *testing.T) *importEnv {
	dir := filepath.Dir(storetest.Path(t))
	return &importEnv{t: t, dir: dir, env: map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}}
}

func (e *importEnv) run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return e.env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func (e *importEnv) open() *store.Store {
	st, err := store.Open(context.Background(), filepath.Join(e.dir, "efa.db"), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func (e *importEnv) file(name, content string) string {
	p := filepath.Join(e.t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

const fixtures = "../../internal/publiccode/testdata/"

func TestImportPubliccodeCommand(t *testing.T) {
	e := newImportEnv(t)
	out, _, err := e.run("import", "publiccode", fixtures+"full.yml", "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, want := range []string{"publiccode.yml (Version 0.4) gelesen.", "Wohngeld digital beantragen  [description.de.localisedName]",
		"10092 Wohngeld  [Zeile 84, ozg-id]", "Zeile 18: Stadt Kiel -> Kiel, Landeshauptstadt (Gemeinde 010020000000), Status in Betrieb",
		"Zeile 21: Neustadt -> mehrdeutig:", "Beschreibung in:             de, en (Text der Lösung: de)",
		"Version:                     2.4.1 vom 2024-03-01", "Zeile 63, maintenance.contacts[0].email: Die Adresse sieht nach einem persönlichen Postfach aus",
		"Probelauf: nichts gespeichert."} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "erika") {
		t.Errorf("report shows a personal address:\n%s", out)
	}
	st := e.open()
	if _, err := st.SolutionBySlug(context.Background(), "wohngeld-digital-beantragen"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("dry run saved: %v", err)
	}

	out, _, err = e.run("import", "publiccode", "--provider", "land:01", fixtures+"full.yml")
	if err != nil || !strings.Contains(out, "Gespeichert als /loesungen/wohngeld-digital-beantragen mit 4 unbestätigten Nachnutzungen aus usedBy.") {
		t.Fatalf("save: %v\n%s", err, out)
	}
	ctx := context.Background()
	sol, err := st.SolutionBySlug(ctx, "wohngeld-digital-beantragen")
	if err != nil || sol.Provider.Key != "01" || sol.Licence != "EUPL-1.2" || sol.Verified != catalog.VerifiedPartial || len(sol.Services) != 1 {
		t.Fatalf("saved solution %+v %v", sol, err)
	}
	list, _ := st.AdoptionsBySolution(ctx, sol.Slug)
	var got []string
	for _, a := range list {
		if a.Source != "publiccode.yml usedBy" || a.Confirmation != catalog.ConfirmationNone || a.Status != catalog.AdoptionLive ||
			a.RegisteredBy != "system:import" {
			t.Errorf("adoption %+v", a)
		}
		got = append(got, string(a.Organisation.Kind)+":"+a.Organisation.Key)
	}
	if strings.Join(got, " ") != "kreis:01051 gemeinde:010010000000 gemeinde:010020000000 land:01" {
		t.Errorf("adopters %v", got)
	}
	// The same file again: the slug is taken, nothing is written twice.
	if out, _, err := e.run("import", "publiccode", "--provider", "land:01", fixtures+"full.yml"); err == nil ||
		!strings.Contains(err.Error(), "Diese Kurzbezeichnung ist bereits vergeben.") {
		t.Errorf("second save: %v\n%s", err, out)
	}

	out, _, err = e.run("import", "publiccode", fixtures+"wrong-types.yml")
	if err == nil || !strings.Contains(out, "Zeile 3, name: Erwartet wird ein Text, gefunden wurde eine Liste.") {
		t.Errorf("wrong types: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"import", "publiccode", "https://example.com/publiccode.yml"}, // fetching is off
		{"import", "publiccode"},
		{"import", "publiccode", fixtures + "full.yml", "--provider", "land"},
		{"import", "nichts"},
		{"import"},
	} {
		if _, _, err := e.run(args...); !errors.Is(err, errUsage) {
			t.Errorf("%v = %v, want usage error", args, err)
		}
	}
}

func TestLoadPubliccodeFetch(t *testing.T) {
	for _, tc := range []struct {
		fetch, timeout string
		on             bool
		want           time.Duration
		bad            bool
	}{
		{"", "", false, 10 * time.Second, false},
		{"true", "3s", true, 3 * time.Second, false},
		{"vielleicht", "", false, 0, true},
		{"true", "1h", false, 0, true},
		{"true", "-1s", false, 0, true},
	} {
		env := map[string]string{"EFA_PUBLICCODE_FETCH": tc.fetch, "EFA_PUBLICCODE_FETCH_TIMEOUT": tc.timeout}
		on, d, err := loadPubliccodeFetch(func(k string) string { return env[k] })
		if tc.bad != (err != nil) || !tc.bad && (on != tc.on || d != tc.want) {
			t.Errorf("%+v: %v %v %v", tc, on, d, err)
		}
	}
}

func seedCSV(t *testing.T, name string, keep func(header, rec []string) []string) string {
	t.Helper()
	raw, err := fs.ReadFile(seed.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(recs[0])
	for _, r := range recs[1:] {
		if r = keep(recs[0], r); r != nil {
			w.Write(r)
		}
	}
	w.Flush()
	return buf.String()
}

func TestImportReferenceDataCommands(t *testing.T) {
	e := newImportEnv(t)
	st := e.open()
	ctx := context.Background()
	if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "i-kfz", AdopterKind: catalog.KindGemeinde,
		AdopterKey: "010515178128", Adoption: catalog.Adoption{Status: catalog.AdoptionLive}}); err != nil {
		t.Fatal(err)
	}
	// Schleswig-Holstein without Wesselburener Deichhausen, which a mapping
	// file hands to Wesselburen.
	extract := e.file("gemeinden.csv", seedCSV(t, "gemeinden.csv", func(h, r []string) []string {
		if r[4] != "01" || r[1] == "010515178128" {
			return nil
		}
		return r
	}))
	mapping := e.file("nachfolger.csv", "ars;nachfolger_ars\n010515178128;010515178127\n")
	out, stderr, err := e.run("import", "gemeinden", extract, "--nachfolger", mapping, "--dry-run")
	if err != nil || !strings.Contains(out, "Probelauf: nichts gespeichert.") || !strings.Contains(stderr, "Gemeinden: 1105 von 1105 verarbeitet") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, stderr)
	}
	out, _, err = e.run("import", "gemeinden", extract, "--nachfolger", mapping)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Länder in der Datei: 01", "Stillgelegt: 1\n  010515178128 Wesselburener Deichhausen",
		"Zugeordnet (Nachnutzungen zum Nachfolger verschoben): 1\n  010515178128 Wesselburener Deichhausen -> 010515178127 Wesselburen, Stadt: 1 verschoben, 0 zusammengeführt",
		"Nicht zuordenbar (Nachnutzungen bleiben bei der stillgelegten Gemeinde): 0", "Unverändert: 1105"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if list, _ := st.AdoptionsByOrganisation(ctx, catalog.KindGemeinde, "010515178127"); len(list) != 1 || list[0].Solution.Slug != "i-kfz" {
		t.Errorf("successor adoptions %+v", list)
	}

	ozg := e.file("ozg.csv", seedCSV(t, "ozg_leistungen.csv", func(h, r []string) []string {
		if r[0] == "10001" {
			r[1] = "Vaterschaftsanerkennung"
		}
		return r
	})+"10997,Neue Leistung,Geburt,Familie & Kind\n")
	out, _, err = e.run("import", "ozg", ozg)
	if err != nil || !strings.Contains(out, "Neu: 1\n  10997 Neue Leistung") || !strings.Contains(out, "Geändert: 1\n  10001 Vaterschaftsanerkennung (name)") {
		t.Errorf("ozg: %v\n%s", err, out)
	}
	if _, _, err := e.run("import", "ozg", e.file("leer.csv", "ozg_id,bezeichnung\n")); err == nil || !strings.Contains(err.Error(), "Der Datei fehlen die Spalten: themenfeld.") {
		t.Errorf("missing column: %v", err)
	}
}

// Without --provider the import takes the provider from legal.repoOwner and
// legal.mainCopyrightOwner when they mean exactly one organisation, and
// otherwise saves nothing and exits with status 2, asking for --provider.
func TestImportPubliccodeProviderFromFile(t *testing.T) {
	e := newImportEnv(t)
	st := e.open()
	ctx := context.Background()
	full, err := os.ReadFile(fixtures + "full.yml")
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name, slugName, repoOwner, copyrightOwner string) string {
		s := strings.Replace(string(full), "localisedName: Wohngeld digital beantragen", "localisedName: "+slugName, 1)
		s = strings.Replace(s, "repoOwner: Schleswig-Holstein", "repoOwner: "+repoOwner, 1)
		s = strings.Replace(s, "mainCopyrightOwner: Land Schleswig-Holstein", "mainCopyrightOwner: "+copyrightOwner, 1)
		return e.file(name, s)
	}

	out, _, err := e.run("import", "publiccode", "--dry-run", fixtures+"full.yml")
	if err != nil || !strings.Contains(out, "Anbieter aus der Datei (legal.repoOwner „Schleswig-Holstein“): Schleswig-Holstein (land:01)") ||
		!strings.HasSuffix(out, "Probelauf: nichts gespeichert.\n") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}

	out, _, err = e.run("import", "publiccode", variant("sh.yml", "Wohngeld Nord", "ozg-sh", "Land Schleswig-Holstein"))
	if err != nil || !strings.Contains(out, "Anbieter aus der Datei (legal.mainCopyrightOwner „Land Schleswig-Holstein“): Schleswig-Holstein (land:01)") ||
		!strings.Contains(out, "Gespeichert als /loesungen/wohngeld-nord mit 4 unbestätigten Nachnutzungen") {
		t.Fatalf("provider from mainCopyrightOwner: %v\n%s", err, out)
	}
	if sol, err := st.SolutionBySlug(ctx, "wohngeld-nord"); err != nil || sol.Provider.Kind != catalog.KindLand || sol.Provider.Key != "01" {
		t.Fatalf("saved %+v %v", sol.Provider, err)
	}

	for _, tc := range []struct{ file, slug, want string }{
		{variant("zwei.yml", "Wohngeld Zwei", "Freistaat Bayern", "Land Schleswig-Holstein"), "wohngeld-zwei",
			"legal.repoOwner „Freistaat Bayern“ und legal.mainCopyrightOwner „Land Schleswig-Holstein“ meinen verschiedene Organisationen (land:09, land:01)"},
		{variant("unklar.yml", "Wohngeld Unklar", "Neustadt", "Niemand GmbH"), "wohngeld-unklar",
			"legal.repoOwner „Neustadt“ passt zu mehreren Organisationen; legal.mainCopyrightOwner „Niemand GmbH“ passt zu keiner Organisation im Register"},
		{fixtures + "minimal.yml", "medusa", "die Datei nennt weder legal.repoOwner noch legal.mainCopyrightOwner"},
	} {
		code, out, errOut := efaCLI(e.env, "import", "publiccode", tc.file)
		if code != 2 || !strings.Contains(errOut, "nichts gespeichert, der Anbieter ist unklar: "+tc.want+". Bitte mit --provider ART:SCHLÜSSEL angeben") {
			t.Errorf("%s: status %d\nstdout:\n%s\nstderr:\n%s", tc.file, code, out, errOut)
		}
		if _, err := st.SolutionBySlug(ctx, tc.slug); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("%s: saved without a provider: %v", tc.file, err)
		}
	}
}
