package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"efa-register/internal/search"
	"efa-register/internal/store"
)

// errCheckFailed means efa check found a problem; main exits with 1.
var errCheckFailed = errors.New("Prüfung nicht bestanden")

// cmdCheck verifies the database (integrity and foreign keys) and the
// search index against it.
func cmdCheck(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "Prüft die Datenbank (SQLite: PRAGMA integrity_check, foreign_key_check; PostgreSQL: Sequenzen\n"+
		"und Fremdschlüssel) und den Suchindex dieses Datenordners gegen sie.\n"+
		"Endet mit Status 1, wenn es ein Problem findet. Darf neben efa serve laufen; dann bleibt der\n"+
		"Suchindex ungeprüft, weil efa serve ihn offen hält.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank und des Suchindex (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("erwartet keine Argumente")
	}
	var rep store.CheckReport
	var err error
	if cfg.postgres() {
		// PostgreSQL checks its pages and foreign keys itself; efa check looks
		// at what it cannot know (sequences behind the ids, unvalidated keys).
		if rep, err = store.CheckPostgres(ctx, cfg.DatabaseURL); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		fmt.Fprintf(stdout, "Datenbank %s: %.1f MB, %s, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen\n",
			store.RedactURL(cfg.DatabaseURL), float64(rep.Bytes)/1e6, rep.DatabaseVersion, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions)
	} else {
		if rep, err = store.Check(ctx, cfg.dbPath()); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		fmt.Fprintf(stdout, "Datenbank %s: %.1f MB, SQLite %s, Schema %d, letztes Ereignis %d, %d Lösungen, %d Nachnutzungen\n",
			cfg.dbPath(), float64(rep.Bytes)/1e6, rep.SQLiteVersion, rep.SchemaVersion, rep.LastEventSeq, rep.Solutions, rep.Adoptions)
	}
	integrity, fks := "integrity_check", "foreign_key_check"
	if cfg.postgres() {
		integrity, fks = "Sequenzen", "Fremdschlüssel"
	}
	dbProblems := report(stdout, integrity, rep.Integrity) + report(stdout, fks, rep.ForeignKeys)
	if dbProblems > 0 {
		fmt.Fprintln(stdout, "Suchindex: nicht geprüft, erst die Datenbank in Ordnung bringen (efa restore einer Sicherung)")
		return fmt.Errorf("%d Problem(e) in der Datenbank: %w", dbProblems, errCheckFailed)
	}
	idx, err := checkIndex(ctx, cfg)
	if err != nil {
		return err
	}
	if idx.skipped != "" {
		// Only what was checked is reported as in order.
		fmt.Fprintf(stdout, "Suchindex: nicht geprüft, %s\n", idx.skipped)
		fmt.Fprintln(stdout, "Ergebnis: Datenbank in Ordnung; der Suchindex wurde nicht geprüft.")
		return nil
	}
	if n := report(stdout, "Suchindex", idx.problems); n > 0 {
		return fmt.Errorf("%d Problem(e) im Suchindex: %w", n, errCheckFailed)
	}
	fmt.Fprintln(stdout, "Ergebnis: Prüfung bestanden, Datenbank und Suchindex in Ordnung.")
	return nil
}

// indexCheck is the outcome of the search index check: the problems found,
// or why the index was not checked.
type indexCheck struct {
	problems []string
	skipped  string
}

// checkIndex compares the search index with the database. The index is
// checked on a copy, so the check never changes it: the copy is opened as
// efa serve would (which catches up with the event log; any warning while
// opening, such as a damaged or stale index, is a problem), and then its
// documents and adoption facts are compared with the database. With efa serve
// running the index is locked and this part is skipped (a copy taken while
// the server writes to it could be torn).
func checkIndex(ctx context.Context, cfg config) (indexCheck, error) {
	dir := indexDir(cfg)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return indexCheck{skipped: "es gibt noch keinen (efa serve baut ihn beim Start auf)"}, nil
	}
	release, err := lockDataDir(cfg.DataDir)
	if errors.Is(err, errLocked) {
		return indexCheck{skipped: "efa serve läuft und hält ihn offen (seinen Stand zeigen GET /readyz und die Metrik efa_index_lag_events)"}, nil
	}
	if err != nil {
		return indexCheck{}, err
	}
	defer release()
	tmp, err := os.MkdirTemp("", "efa-check-index-")
	if err != nil {
		return indexCheck{}, err
	}
	defer os.RemoveAll(tmp)
	copyDir := filepath.Join(tmp, "index")
	if err := os.CopyFS(copyDir, os.DirFS(dir)); err != nil {
		return indexCheck{}, fmt.Errorf("check: Suchindex kopieren: %w", err)
	}
	st, err := store.OpenURL(ctx, cfg.DatabaseURL, cfg.dbPath(), nil)
	if err != nil {
		return indexCheck{}, err
	}
	defer st.Close()
	warnings := &warnCollector{}
	ix, err := search.Open(ctx, copyDir, st, slog.New(warnings))
	if err != nil {
		return indexCheck{problems: []string{"öffnen: " + err.Error()}}, nil
	}
	defer ix.Close()
	problems := warnings.msgs
	more, err := compareIndex(ctx, st, ix)
	if err != nil {
		return indexCheck{}, err
	}
	return indexCheck{problems: append(problems, more...)}, nil
}

// compareIndex compares the index's documents and adoption facts with the
// database: the number of documents, for every Land the set of solutions
// adopted there, and the order of the solutions by number of adoptions.
func compareIndex(ctx context.Context, st *store.Store, ix *search.Index) ([]string, error) {
	var problems []string
	stats, err := st.Stats(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := ix.DocCount()
	if err != nil {
		return nil, err
	}
	if want := uint64(stats.Solutions + stats.Services); docs != want {
		problems = append(problems, fmt.Sprintf("%d Dokumente im Index, %d Lösungen und OZG-Leistungen in der Datenbank", docs, want))
	}
	inLand, count, err := st.AdoptionFacts(ctx)
	if err != nil {
		return nil, err
	}
	for i := 1; i <= 16; i++ {
		land := fmt.Sprintf("%02d", i)
		got, _, err := allSolutions(ctx, ix, search.Query{AdoptedInLands: []string{land}})
		if err != nil {
			return nil, err
		}
		want := inLand[land]
		for _, slug := range got {
			if !want[slug] {
				problems = append(problems, fmt.Sprintf("Land %s: Index nennt %s nachgenutzt, die Datenbank nicht", land, slug))
			}
			delete(want, slug)
		}
		for slug := range want {
			problems = append(problems, fmt.Sprintf("Land %s: Nachnutzung von %s fehlt im Index", land, slug))
		}
	}
	order, total, err := allSolutions(ctx, ix, search.Query{Sort: search.SortAdoptions})
	if err != nil {
		return nil, err
	}
	if int64(total) != stats.Solutions {
		problems = append(problems, fmt.Sprintf("%d Lösungen im Index, %d in der Datenbank", total, stats.Solutions))
	}
	for i := 1; i < len(order); i++ {
		if count[order[i]] > count[order[i-1]] {
			problems = append(problems, fmt.Sprintf("Reihenfolge nach Nachnutzungen: %s (%d) steht hinter %s (%d)",
				order[i], count[order[i]], order[i-1], count[order[i-1]]))
		}
	}
	return problems, nil
}

// allSolutions pages through every solution the query finds.
func allSolutions(ctx context.Context, ix *search.Index, q search.Query) ([]string, int, error) {
	var slugs []string
	q.PerPage = search.MaxPerPage
	for q.Page = 1; ; q.Page++ {
		res, err := ix.SearchSolutions(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		for _, h := range res.Hits {
			slugs = append(slugs, h.Slug)
		}
		if len(res.Hits) < q.PerPage || len(slugs) >= res.Total || q.Page*q.PerPage >= search.MaxWindow {
			return slugs, res.Total, nil
		}
	}
}

// warnCollector is a slog.Handler that keeps the messages of warnings.
type warnCollector struct{ msgs []string }

func (w *warnCollector) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (w *warnCollector) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			msg += ": " + a.Value.String()
		}
		return true
	})
	w.msgs = append(w.msgs, msg)
	return nil
}

func (w *warnCollector) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnCollector) WithGroup(string) slog.Handler      { return w }

// report prints one check's result and returns the number of problems.
func report(w io.Writer, name string, problems []string) int {
	if len(problems) == 0 {
		fmt.Fprintf(w, "%s: ok\n", name)
		return 0
	}
	fmt.Fprintf(w, "%s: %d Problem(e)\n", name, len(problems))
	for i, p := range problems {
		if i == 20 {
			fmt.Fprintf(w, "  … und %d weitere\n", len(problems)-20)
			break
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
	return len(problems)
}
