package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyFixtures copies publiccode.yml fixtures into a new folder.
func copyFixtures(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(fixtures + n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImportPubliccodeBulk(t *testing.T) {
	e := newImportEnv(t)
	dir := copyFixtures(t, "full.yml", "german.yml", "broken.yml", "unknown-keys.yml")
	os.WriteFile(filepath.Join(dir, "LIESMICH.txt"), []byte("keine publiccode.yml"), 0o600)

	// A dry run checks every file and saves nothing; two files are refused.
	out, _, err := e.run("import", "publiccode", dir, "--provider", "land:01", "--dry-run")
	if err == nil || !strings.Contains(err.Error(), "2 von 4 Dateien nicht übernommen") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Errorf("want one line per file and the summary:\n%s", out)
	}
	for _, want := range []string{
		"FEHLER  " + filepath.Join(dir, "broken.yml") + ": Zeile 5: Die Datei ist kein gültiges YAML",
		"OK      " + filepath.Join(dir, "full.yml") + ": „Wohngeld digital beantragen“ übernehmbar als /loesungen/wohngeld-digital-beantragen, Anbieter land:01",
		"OK      " + filepath.Join(dir, "german.yml") + ": „Abfallportal“ übernehmbar",
		"FEHLER  " + filepath.Join(dir, "unknown-keys.yml") + ": Zeile 18, description.???: „???“ ist kein Sprachkürzel nach BCP 47",
		"(und 1 weitere Fehler)",
		"4 Dateien: 2 übernehmbar (Probelauf, nichts gespeichert), 2 fehlerhaft.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	st := e.open()
	if _, err := st.SolutionBySlug(context.Background(), "abfallportal"); err == nil {
		t.Fatal("dry run saved")
	}
	st.Close()

	// The good files of a list are saved, with the release of full.yml; the
	// exit status says that one line of the list failed.
	list := e.file("liste.txt", "# zwei Dateien und eine, die es nicht gibt\n"+filepath.Join(dir, "full.yml")+"\n\n"+
		filepath.Join(dir, "german.yml")+"\n"+filepath.Join(dir, "fehlt.yml")+"\n")
	code, out, _ := efaCLI(e.env, "import", "publiccode", "--liste", list, "--provider", "land:01")
	if code == 0 || !strings.Contains(out, "3 Dateien: 2 übernommen, 1 fehlerhaft.") ||
		!strings.Contains(out, "gespeichert als /loesungen/wohngeld-digital-beantragen") || !strings.Contains(out, "Version 2.4.1") ||
		!strings.Contains(out, "FEHLER  "+filepath.Join(dir, "fehlt.yml")) {
		t.Errorf("list import = %d:\n%s", code, out)
	}
	st = e.open()
	ctx := context.Background()
	sol, err := st.SolutionBySlug(ctx, "wohngeld-digital-beantragen")
	if err != nil || sol.Publiccode == nil || sol.Publiccode.Description("en") == nil {
		t.Fatalf("saved solution: %v %+v", err, sol.Publiccode)
	}
	if rels, _ := st.Releases(ctx, sol.Slug); len(rels) != 1 || rels[0].Version != "2.4.1" || rels[0].Date != "2024-03-01" {
		t.Errorf("releases: %+v", rels)
	}
	st.Close()

	// Importing the same files again fails for each (the names are taken), exit status 1.
	code, out, _ = efaCLI(e.env, "import", "publiccode", filepath.Join(dir, "full.yml"), filepath.Join(dir, "german.yml"), "--provider", "land:01")
	if code == 0 || strings.Count(out, "FEHLER") != 2 || !strings.Contains(out, "bereits vergeben") {
		t.Errorf("second import = %d:\n%s", code, out)
	}
	// An empty folder is a usage error.
	if _, _, err := e.run("import", "publiccode", t.TempDir(), "--provider", "land:01"); err == nil || !strings.Contains(err.Error(), "keine publiccode.yml gefunden") {
		t.Errorf("empty folder: %v", err)
	}
}
