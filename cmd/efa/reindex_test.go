package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"efa-register/internal/search"
	"efa-register/internal/store"
)

func TestReindexAndGenSyntheticCommands(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	for _, cmd := range []string{"reindex", "gen-synthetic"} {
		var out bytes.Buffer
		err := run(ctx, []string{cmd, "--help"}, noEnv, &out, io.Discard)
		if err != nil || !strings.Contains(out.String(), "Aufruf: efa "+cmd) {
			t.Errorf("%s --help: %v %q", cmd, err, out.String())
		}
	}

	// reindex: a seeded folder gets an index with every solution and service.
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	if err := run(ctx, []string{"seed"}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"reindex"}, env, &out, io.Discard); err != nil {
		t.Fatalf("reindex: %v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`Suchindex: 607/607 \(100 %\)`).MatchString(out.String()) ||
		!regexp.MustCompile(`Suchindex neu aufgebaut: 607 Dokumente in [0-9.]+ s, [0-9.]+ MB`).MatchString(out.String()) {
		t.Errorf("reindex output:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "index_meta.json")); err != nil {
		t.Errorf("no index after reindex: %v", err)
	}
	if err := run(ctx, []string{"reindex", "extra"}, env, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("reindex with an argument: %v", err)
	}

	// gen-synthetic refuses the register's own data folder and an existing database.
	if err := run(ctx, []string{"gen-synthetic", "--data-dir", dir}, env, io.Discard, io.Discard); err == nil {
		t.Error("gen-synthetic into EFA_DATA_DIR succeeded")
	}
	syn := filepath.Join(t.TempDir(), "synthetic")
	out.Reset()
	args := []string{"gen-synthetic", "--data-dir", syn, "--solutions", "40", "--adoptions", "300"}
	if err := run(ctx, args, env, &out, io.Discard); err != nil {
		t.Fatalf("gen-synthetic: %v\n%s", err, out.String())
	}
	if err := run(ctx, args, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "gibt es schon") {
		t.Errorf("second gen-synthetic into the same folder: %v", err)
	}
	marker, err := os.ReadFile(filepath.Join(syn, "SYNTHETISCH.txt"))
	if err != nil || !strings.Contains(string(marker), "SYNTHETISCHE DATEN") {
		t.Errorf("marker: %v %q", err, marker)
	}
	st, err := store.Open(ctx, filepath.Join(syn, "efa.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, _ := st.Stats(ctx)
	if stats.Solutions != 50+40 || stats.Adoptions != 70+300 {
		t.Errorf("synthetic stats: %+v", stats)
	}
	ix, err := search.Open(ctx, filepath.Join(syn, "index"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.SearchSolutions(ctx, search.Query{Text: "Synthetisch", PerPage: 100})
	if err != nil || res.Total != 40 {
		t.Fatalf("synthetic solutions found by their label: %d, %v", res.Total, err)
	}
	for _, h := range res.Hits {
		sol, err := st.SolutionBySlug(ctx, h.Slug)
		if err != nil || !strings.HasPrefix(sol.Slug, "synth-") || sol.Verified != "nein" ||
			!strings.HasPrefix(sol.Summary, "[Synthetisch]") || !strings.Contains(sol.Source, "gen-synthetic") {
			t.Errorf("%s is not labelled synthetic: %+v %v", h.Slug, sol, err)
		}
	}
}
